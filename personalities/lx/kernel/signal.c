/*
 * Signals: actions, masks, pending sets and delivery, as Linux does them on x86_64. A signal is delivered
 * when its process next comes back from lx (the end of a system call, a fault, or a wake from a blocked
 * call): lx writes an rt_sigframe (the registers in a ucontext and a siginfo) below the process's stack
 * (on the alternate signal stack for an SA_ONSTACK handler, when sigaltstack set one) and starts the
 * handler, which returns through sa_restorer into rt_sigreturn. The interrupted code's FPU and SSE
 * state goes in the frame too (the FXSAVE image, read from the kernel) and comes back at rt_sigreturn;
 * the handler starts with a clean one.
 */
#include "kernel/syscall.h"
#include <string.h>

#define SA_ONSTACK 0x08000000ull
#define SA_RESTORER 0x04000000ull
#define SA_RESTART 0x10000000ull
#define SA_NODEFER 0x40000000ull
#define SA_RESETHAND 0x80000000ull
#define SIG_DFL 0
#define SIG_IGN 1
#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(LX_SIGKILL) | BIT(LX_SIGSTOP))
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048

/* stack_t */
struct altstack {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
};

struct sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct ucontext {
    uint64_t flags, link;
    struct altstack stack;
    struct sigcontext mc;
    uint64_t sigmask;
};

struct siginfo {
    int32_t signo, errno_, code, pad;
    uint64_t fields[14]; /* pid and uid, or the fault address, ... */
};

struct rt_sigframe {
    uint64_t pretcode;
    struct ucontext uc;
    struct siginfo info;
};
_Static_assert(sizeof(struct sigcontext) == 256, "struct sigcontext on x86_64 Linux");
_Static_assert(sizeof(struct siginfo) == 128, "siginfo_t on x86_64 Linux");

/* The FPU state a handler starts with: FCW 0x37f, MXCSR 0x1f80, the rest clear (FXSAVE layout). */
static const struct px_fpu_state fpu_init = {{[0] = 0x7f, [1] = 0x03, [24] = 0x80, [25] = 0x1f}};

/* What a signal does with SIG_DFL: true for those ignored (SIGCONT's continuing is done as it is sent). */
static bool ignored_by_default(int sig)
{
    return sig == LX_SIGCHLD || sig == LX_SIGCONT || sig == 23 || sig == 28;
}

/* SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: with SIG_DFL, they stop the process. */
static bool stops(int sig) { return sig >= LX_SIGSTOP && sig <= 22; }

static bool discarded(const struct lx_proc *p, int sig)
{
    uint64_t h = p->leader->act[sig].handler;

    return sig != LX_SIGKILL && (h == SIG_IGN || (h == SIG_DFL && ignored_by_default(sig)));
}

bool lx_signal_kills(const struct lx_proc *t, int sig)
{
    return sig == LX_SIGKILL || (!discarded(t, sig) && !stops(sig) && t->leader->act[sig].handler == SIG_DFL &&
                                 !(t->blocked & BIT(sig)));
}

/* Is p's process group orphaned: no member's parent in another group of the same session? */
static bool orphaned(const struct lx_proc *p)
{
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *q = lx_proc_at(i), *parent;
        if (q->state == LX_FREE || q->state == LX_ZOMBIE || q->leader != q || q->pgid != p->pgid)
            continue;
        if ((parent = lx_proc_find(q->ppid)) && parent->leader->pgid != p->pgid && parent->leader->sid == q->sid)
            return false;
    }
    return true;
}

bool lx_signal_stops_reader(struct lx_proc *p)
{
    return !discarded(p, LX_SIGTTIN) && !(p->blocked & BIT(LX_SIGTTIN)) && !orphaned(p->leader);
}

static bool live(const struct lx_proc *t)
{
    return t->state == LX_RUNNING || t->state == LX_BLOCKED || t->state == LX_STOPPED;
}

/* Who sends the signals sent now: a process's kill (SI_USER) or tkill/tgkill (SI_TKILL), else lx. */
#define SI_USER 0
#define SI_TKILL (-6)
#define SI_KERNEL 0x80
static int32_t origin_pid, origin_code = SI_KERNEL;

static void mark_pending(struct lx_proc *t, int sig)
{
    if (!(t->pending & BIT(sig))) /* (a signal already pending keeps its first sender, as Linux's) */
        t->sig_pid[sig - 1] = origin_pid, t->sig_code[sig - 1] = origin_code;
    t->pending |= BIT(sig);
    lx_signalfd_notify();
}

bool lx_signal_send_thread(struct lx_proc *t, int sig)
{
    if (!live(t) || sig < 1 || sig > LX_NSIG)
        return false;
    if (sig == LX_SIGCONT || stops(sig)) /* each cancels the other's pending instances, in every thread */
        for (unsigned i = 0; i < lx_proc_slots(); i++)
            if (lx_proc_at(i)->leader == t->leader)
                lx_proc_at(i)->pending &= sig == LX_SIGCONT ? ~(BIT(19) | BIT(20) | BIT(21) | BIT(22)) : ~BIT(LX_SIGCONT);
    if (sig == LX_SIGCONT) { /* whatever its action the process continues; a handler runs as it does */
        if (!discarded(t, sig))
            mark_pending(t, sig);
        lx_wake_pending = true;
        return lx_proc_continue(t);
    }
    if (discarded(t, sig))
        return false;
    if (lx_signal_kills(t, sig)) {
        lx_proc_exit(t, sig); /* the default action: the process ends */
        return true;
    }
    if (stops(sig) && t->leader->act[sig].handler == SIG_DFL && (sig == LX_SIGSTOP || !(t->blocked & BIT(sig)))) {
        if (sig == LX_SIGSTOP || !orphaned(t->leader))
            lx_proc_stop(t, sig);
        return false; /* SIGTSTP, SIGTTIN, SIGTTOU to an orphaned group: discarded (nobody could continue it) */
    }
    mark_pending(t, sig);
    lx_wake_pending = true;
    return false;
}

struct lx_proc *lx_signal_target(struct lx_proc *p, int sig)
{
    struct lx_proc *any = NULL;

    if (live(p) && !(p->blocked & BIT(sig)))
        return p;
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->leader != p->leader || !live(t))
            continue;
        if (!(t->blocked & BIT(sig)))
            return t;
        any = any ? any : t;
    }
    return any;
}

bool lx_signal_send(struct lx_proc *p, int sig)
{
    struct lx_proc *t = sig >= 1 && sig <= LX_NSIG ? lx_signal_target(p->leader, sig) : NULL;

    return t && lx_signal_send_thread(t, sig);
}

bool lx_signal_deliverable(const struct lx_proc *p) { return (p->pending & ~p->blocked) != 0; }

bool lx_signal_restarts(const struct lx_proc *p)
{
    uint64_t ready = p->pending & ~p->blocked;

    return ready && (p->leader->act[__builtin_ctzll(ready) + 1].flags & SA_RESTART);
}

static bool on_altstack(const struct lx_proc *p, uint64_t sp)
{
    return p->ss_size && sp > p->ss_sp && sp - p->ss_sp <= p->ss_size;
}

/* The alternate stack as a stack_t says it to a process whose stack pointer is sp. */
static struct altstack altstack_now(const struct lx_proc *p, uint64_t sp)
{
    struct altstack ss = {p->ss_sp, on_altstack(p, sp) ? SS_ONSTACK : p->ss_size ? 0 : SS_DISABLE, 0, p->ss_size};

    if (p->ss_autodisarm && p->ss_size)
        ss.flags |= (int32_t)SS_AUTODISARM;
    return ss;
}

int lx_signal_deliver(struct lx_proc *p, struct px_regs *r, int fault_sig, uint64_t fault_addr)
{
    uint64_t ready = p->pending & ~p->blocked;
    int sig = fault_sig ? fault_sig : ready ? __builtin_ctzll(ready) + 1 : 0;

    if (!sig)
        return 0;
    p->pending &= ~BIT(sig);
    struct lx_sigaction *a = &p->leader->act[sig];
    if (a->handler == SIG_IGN && !fault_sig)
        return 0;
    if (stops(sig) && a->handler == SIG_DFL && !fault_sig) { /* a stop that was blocked, now let through */
        if (!orphaned(p->leader))
            lx_proc_stop(p, sig);
        return 0;
    }
    if (a->handler == SIG_DFL || a->handler == SIG_IGN || (fault_sig && (p->blocked & BIT(sig))))
        return discarded(p, sig) && !fault_sig ? 0 : -sig; /* the process ends with sig */
    if (!(a->flags & SA_RESTORER))
        return -11; /* no way back from the handler: Linux sends SIGSEGV */

    struct rt_sigframe f;
    struct px_fpu_state fpu;
    memset(&f, 0, sizeof(f));
    if (px_thread_read_fpu(p->thread, &fpu) != PX_OK)
        return -11;
    f.pretcode = a->restorer;
    f.uc.mc = (struct sigcontext){r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rdi, r->rsi,
                                  r->rbp, r->rbx, r->rdx, r->rax, r->rcx, r->rsp, r->rip, r->rflags,
                                  0x33, 0, 0, 0x2b, 0, fault_sig ? 14 : 0, p->blocked, fault_addr, 0, {0}};
    f.uc.sigmask = p->sigsuspended ? p->saved_blocked : p->blocked;
    f.uc.stack = altstack_now(p, r->rsp);
    f.info.signo = sig;
    f.info.code = fault_sig ? 1 : 0; /* SEGV_MAPERR, or SI_USER */
    f.info.fields[0] = fault_sig ? fault_addr : (uint64_t)p->leader->ppid;
    uint64_t sp = r->rsp - 128; /* below the red zone */
    if ((a->flags & SA_ONSTACK) && p->ss_size && !on_altstack(p, r->rsp)) {
        sp = p->ss_sp + p->ss_size;
        if (p->ss_autodisarm)
            p->ss_sp = p->ss_size = 0;
    }
    uint64_t fpstate = (sp - sizeof(fpu.fxsave)) & ~63ull; /* the FPU state above the frame, as Linux */
    sp = ((fpstate - sizeof(f)) & ~15ull) - 8; /* rsp + 8 is 16-aligned, as after a call */
    f.uc.mc.fpstate = fpstate;
    if (lx_copy_out(p, fpstate, fpu.fxsave, sizeof(fpu.fxsave)) < 0 || lx_copy_out(p, sp, &f, sizeof(f)) < 0 ||
        px_thread_write_fpu(p->thread, &fpu_init) != PX_OK) /* the handler starts with a clean FPU */
        return -11;
    p->blocked = (f.uc.sigmask | a->mask | (a->flags & SA_NODEFER ? 0 : BIT(sig))) & ~UNBLOCKABLE;
    p->sigsuspended = false;
    if (a->flags & SA_RESETHAND)
        a->handler = SIG_DFL;
    r->rdi = (uint64_t)sig;
    r->rsi = sp + offsetof(struct rt_sigframe, info);
    r->rdx = sp + offsetof(struct rt_sigframe, uc);
    r->rax = 0;
    r->rsp = sp;
    r->rip = a->handler;
    r->rflags &= ~(1ull << 10 | 1ull << 8); /* DF and TF clear */
    return sig;
}

/* Set the alternate signal stack from a stack_t (sigaltstack, and rt_sigreturn's uc_stack). */
static int64_t set_altstack(struct lx_proc *p, const struct altstack *ss, uint64_t rsp)
{
    uint32_t mode = (uint32_t)ss->flags & ~SS_AUTODISARM;

    if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
        return -LX_EINVAL;
    if (on_altstack(p, rsp))
        return -LX_EPERM; /* not while running on it */
    if (mode == SS_DISABLE) {
        p->ss_sp = p->ss_size = 0;
        return 0;
    }
    if (ss->size < MINSIGSTKSZ)
        return -LX_ENOMEM;
    p->ss_sp = ss->sp, p->ss_size = ss->size;
    p->ss_autodisarm = ((uint32_t)ss->flags & SS_AUTODISARM) != 0;
    return 0;
}

int64_t lx_sigaltstack(struct lx_proc *p, uint64_t uss, uint64_t uold, uint64_t rsp)
{
    struct altstack ss, old = altstack_now(p, rsp);

    if (uss && lx_copy_in(p, &ss, uss, sizeof(ss)) < 0)
        return -LX_EFAULT;
    if (uold && lx_copy_out(p, uold, &old, sizeof(old)) < 0)
        return -LX_EFAULT;
    return uss ? set_altstack(p, &ss, rsp) : 0;
}

int lx_sigreturn(struct lx_proc *p, struct px_regs *r)
{
    struct ucontext uc;
    struct px_fpu_state fpu = fpu_init;
    uint64_t now = r->rsp;

    if (lx_copy_in(p, &uc, r->rsp, sizeof(uc)) < 0)
        return -1;
    const struct sigcontext *m = &uc.mc;
    if (m->fpstate && lx_copy_in(p, fpu.fxsave, m->fpstate, sizeof(fpu.fxsave)) < 0)
        return -1;
    if (px_thread_write_fpu(p->thread, &fpu) != PX_OK) /* a NULL fpstate: the initial state, as Linux */
        return -1;
    *r = (struct px_regs){m->rip, m->rsp, m->eflags, m->rax, m->rbx, m->rcx, m->rdx, m->rsi, m->rdi, m->rbp,
                          m->r8, m->r9, m->r10, m->r11, m->r12, m->r13, m->r14, m->r15, r->fs_base, r->gs_base};
    p->blocked = uc.sigmask & ~UNBLOCKABLE;
    set_altstack(p, &uc.stack, now); /* as Linux: uc_stack is restored, unless still on the stack (EPERM) */
    return 0;
}

int64_t lx_sigaction(struct lx_proc *p, uint64_t sig, uint64_t uact, uint64_t uold, uint64_t size)
{
    struct lx_sigaction a;

    if (size != 8 || sig < 1 || sig > LX_NSIG)
        return -LX_EINVAL;
    if (uact && (sig == LX_SIGKILL || sig == 19))
        return -LX_EINVAL;
    if (uact && lx_copy_in(p, &a, uact, sizeof(a)) < 0)
        return -LX_EFAULT;
    if (uold && lx_copy_out(p, uold, &p->leader->act[sig], sizeof(a)) < 0)
        return -LX_EFAULT;
    if (uact) {
        a.mask &= ~UNBLOCKABLE;
        p->leader->act[sig] = a;
        if (discarded(p, (int)sig))
            p->pending &= ~BIT(sig);
    }
    return 0;
}

int64_t lx_sigprocmask(struct lx_proc *p, uint64_t how, uint64_t uset, uint64_t uold, uint64_t size)
{
    uint64_t set;

    if (size != 8)
        return -LX_EINVAL;
    if (uset && lx_copy_in(p, &set, uset, 8) < 0)
        return -LX_EFAULT;
    if (uset && how > 2)
        return -LX_EINVAL;
    if (uold && lx_copy_out(p, uold, &p->blocked, 8) < 0)
        return -LX_EFAULT;
    if (uset)
        p->blocked = (how == 0 ? p->blocked | set : how == 1 ? p->blocked & ~set : set) & ~UNBLOCKABLE;
    return 0;
}

int64_t lx_sigmask_swap(struct lx_proc *p, uint64_t uset, uint64_t size)
{
    uint64_t set;

    if (!uset || p->state == LX_BLOCKED) /* none given, or done already (the call is being done again) */
        return 0;
    if (size != 8)
        return -LX_EINVAL;
    if (lx_copy_in(p, &set, uset, 8) < 0)
        return -LX_EFAULT;
    p->saved_blocked = p->blocked;
    p->sigsuspended = true; /* the mask goes back as the call returns (finish), or at the handler's end */
    p->blocked = set & ~UNBLOCKABLE;
    return 0;
}

int64_t lx_sigsuspend(struct lx_proc *p, uint64_t uset, uint64_t size)
{
    uint64_t set;

    if (p->state != LX_BLOCKED) {
        if (size != 8)
            return -LX_EINVAL;
        if (lx_copy_in(p, &set, uset, 8) < 0)
            return -LX_EFAULT;
        p->saved_blocked = p->blocked;
        p->sigsuspended = true;
        p->blocked = set & ~UNBLOCKABLE;
    }
    return lx_signal_deliverable(p) ? -LX_EINTR : LX_WOULD_BLOCK;
}

void lx_signal_exec(struct lx_proc *p)
{
    p->ss_sp = p->ss_size = 0;
    for (int sig = 1; sig <= LX_NSIG; sig++)
        if (p->leader->act[sig].handler != SIG_IGN)
            p->leader->act[sig] = (struct lx_sigaction){0};
}

/* kill: to a process (any of its threads' ids names it) or a process group. */
static int64_t kill_of(struct lx_proc *p, int64_t pid, uint64_t sig, enum lx_outcome *outcome)
{
    pid = (int32_t)pid;
    if (sig > LX_NSIG)
        return -LX_EINVAL;
    if (pid == -1)
        return -LX_EPERM; /* a signal to every process: not in this version */
    if (pid <= 0) { /* a process group: the caller's (0) or -pid */
        int g = pid ? (int)-pid : p->leader->pgid;
        bool any = false, self = false;
        for (unsigned i = 0; i < lx_proc_slots(); i++) {
            struct lx_proc *q = lx_proc_at(i);
            if (q->state == LX_FREE || q->state == LX_ZOMBIE || q->leader != q || q->pgid != g)
                continue;
            any = true;
            if (q == p->leader)
                self = true;
            else if (sig)
                lx_signal_send(q, (int)sig);
        }
        if (!any)
            return -LX_ESRCH;
        if (self && sig && lx_signal_kills(lx_signal_target(p, (int)sig), (int)sig)) {
            *outcome = LX_EXIT;
            return (int64_t)sig;
        }
        if (self && sig)
            lx_signal_send(p, (int)sig);
        return 0;
    }
    struct lx_proc *t = lx_proc_find((int)pid);
    if (!t)
        return -LX_ESRCH;
    t = t->leader;
    if (!sig || t->state == LX_ZOMBIE)
        return 0;
    if (t == p->leader && lx_signal_kills(lx_signal_target(p, (int)sig), (int)sig)) {
        *outcome = LX_EXIT; /* the caller's process ends now; a handler runs as it returns */
        return (int64_t)sig;
    }
    if (t == p->leader)
        lx_signal_send_thread(lx_signal_target(p, (int)sig), (int)sig);
    else
        lx_signal_send(t, (int)sig);
    return 0;
}

/* tkill and tgkill: to one thread (of process tgid, unless tgid is 0). */
static int64_t tgkill_of(struct lx_proc *p, int64_t tgid, int64_t tid, uint64_t sig, enum lx_outcome *outcome)
{
    struct lx_proc *t = (int32_t)tid > 0 ? lx_proc_find((int)(int32_t)tid) : NULL;

    if ((int32_t)tid <= 0 || (int32_t)tgid < 0 || sig > LX_NSIG)
        return -LX_EINVAL;
    if (!t || (t->state != LX_RUNNING && t->state != LX_BLOCKED) || (tgid && t->leader->pid != (int32_t)tgid))
        return -LX_ESRCH;
    if (!sig)
        return 0;
    if (t->leader == p->leader && lx_signal_kills(t, (int)sig)) {
        *outcome = LX_EXIT;
        return (int64_t)sig;
    }
    lx_signal_send_thread(t, (int)sig);
    return 0;
}

/* kill and tgkill with the sender marked on what they send. */
static int64_t do_kill(struct lx_proc *p, int64_t pid, uint64_t sig, enum lx_outcome *outcome)
{
    origin_pid = p->leader->pid, origin_code = SI_USER;
    int64_t ret = kill_of(p, pid, sig, outcome);
    origin_pid = 0, origin_code = SI_KERNEL;
    return ret;
}

static int64_t do_tgkill(struct lx_proc *p, int64_t tgid, int64_t tid, uint64_t sig, enum lx_outcome *outcome)
{
    origin_pid = p->leader->pid, origin_code = SI_TKILL;
    int64_t ret = tgkill_of(p, tgid, tid, sig, outcome);
    origin_pid = 0, origin_code = SI_KERNEL;
    return ret;
}

int64_t sys_kill(struct lx_proc *p, struct px_regs *r) { return do_kill(p, (int64_t)A0, A1, &lx_call_outcome); }
int64_t sys_tkill(struct lx_proc *p, struct px_regs *r) { return do_tgkill(p, 0, (int64_t)A0, A1, &lx_call_outcome); }

int64_t sys_tgkill(struct lx_proc *p, struct px_regs *r)
{
    return (int32_t)A0 <= 0 ? -LX_EINVAL : do_tgkill(p, (int64_t)A0, (int64_t)A1, A2, &lx_call_outcome);
}

int64_t sys_rt_sigaction(struct lx_proc *p, struct px_regs *r) { return lx_sigaction(p, A0, A1, A2, A3); }
int64_t sys_rt_sigprocmask(struct lx_proc *p, struct px_regs *r) { return lx_sigprocmask(p, A0, A1, A2, A3); }
int64_t sys_rt_sigsuspend(struct lx_proc *p, struct px_regs *r) { return lx_sigsuspend(p, A0, A1); }
int64_t sys_sigaltstack(struct lx_proc *p, struct px_regs *r) { return lx_sigaltstack(p, A0, A1, r->rsp); }

/* pause: until a signal. */
/* rt_sigpending: the blocked signals waiting for the thread (its own, or its process's that landed on
 * another thread that blocks them too). */
int64_t sys_rt_sigpending(struct lx_proc *p, struct px_regs *r)
{
    uint64_t set = p->pending;

    if (A1 > 8)
        return -LX_EINVAL;
    for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t != p && t->leader == p->leader && live(t))
            set |= t->pending & t->blocked;
    }
    set &= p->blocked;
    return lx_copy_out(p, A0, &set, A1) < 0 ? -LX_EFAULT : 0;
}

int64_t sys_pause(struct lx_proc *p, struct px_regs *r) { return lx_signal_deliverable(p) ? -LX_EINTR : LX_WOULD_BLOCK; }

int64_t sys_rt_sigreturn(struct lx_proc *p, struct px_regs *r)
{
    if (lx_sigreturn(p, r) < 0) { /* a bad frame: SIGSEGV, as Linux */
        lx_call_outcome = LX_EXIT;
        return 11;
    }
    return (int64_t)r->rax; /* the interrupted code's rax, whatever it is */
}
