/*
 * Who a process is: its ids (pid, tid, parent, process group, session; every process is root), umask,
 * its nice value (getpriority, setpriority), the thread's FS base (arch_prctl) and clear-tid address,
 * and the name it gives itself (prctl).
 */
#include "kernel/syscall.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

int64_t sys_getpid(struct lx_proc *p, struct px_regs *r) { return p->leader->pid; }
int64_t sys_gettid(struct lx_proc *p, struct px_regs *r) { return p->pid; }
int64_t sys_getppid(struct lx_proc *p, struct px_regs *r) { return p->leader->ppid; }
int64_t sys_getuid(struct lx_proc *p, struct px_regs *r) { return 0; } /* and getgid, geteuid, getegid: root */
int64_t sys_getpgrp(struct lx_proc *p, struct px_regs *r) { return p->leader->pgid; }

int64_t sys_getpgid(struct lx_proc *p, struct px_regs *r)
{
    struct lx_proc *t = A0 ? lx_proc_find((int)(int32_t)A0) : p;

    return t ? t->leader->pgid : -LX_ESRCH;
}

int64_t sys_getsid(struct lx_proc *p, struct px_regs *r)
{
    struct lx_proc *t = A0 ? lx_proc_find((int)(int32_t)A0) : p;

    return t ? t->leader->sid : -LX_ESRCH;
}

int64_t sys_setpgid(struct lx_proc *p, struct px_regs *r)
{
    struct lx_proc *t = A0 ? lx_proc_find((int)(int32_t)A0) : p, *me = p->leader;
    int32_t g = (int32_t)A1;

    if (g < 0)
        return -LX_EINVAL;
    t = t ? t->leader : NULL;
    if (!t || (t != me && t->ppid != me->pid))
        return -LX_ESRCH;
    if (t->sid != me->sid || t->pid == t->sid)
        return -LX_EPERM;
    if (!g)
        g = t->pid;
    bool exists = g == t->pid;
    for (unsigned i = 0; i < lx_proc_slots() && !exists; i++) {
        struct lx_proc *q = lx_proc_at(i);
        exists = q->state != LX_FREE && q->state != LX_ZOMBIE && q->leader->pgid == g && q->leader->sid == me->sid;
    }
    if (!exists)
        return -LX_EPERM;
    t->pgid = g;
    return 0;
}

int64_t sys_setsid(struct lx_proc *p, struct px_regs *r)
{
    struct lx_proc *me = p->leader;

    for (unsigned i = 0; i < lx_proc_slots(); i++)
        if (lx_proc_at(i)->state != LX_FREE && lx_proc_at(i)->leader->pgid == me->pid && lx_proc_at(i)->leader != me)
            return -LX_EPERM;
    if (me->pgid == me->pid)
        return -LX_EPERM;
    me->sid = me->pgid = me->pid;
    return me->sid;
}

int64_t sys_umask(struct lx_proc *p, struct px_regs *r)
{
    uint32_t old = p->leader->umask;

    p->leader->umask = (uint32_t)A0 & 0777;
    return old;
}

int64_t sys_arch_prctl(struct lx_proc *p, struct px_regs *r)
{
    if (A0 == ARCH_SET_FS) {
        if (A1 >= PX_USER_TOP)
            return -LX_EPERM;
        r->fs_base = A1;
        return 0;
    }
    if (A0 == ARCH_GET_FS)
        return lx_copy_out(p, A1, &r->fs_base, 8) < 0 ? -LX_EFAULT : 0;
    return -LX_EINVAL;
}

int64_t sys_set_tid_address(struct lx_proc *p, struct px_regs *r)
{
    p->tid_address = A0;
    return p->pid;
}

/* prctl: the name a process gives itself. */
int64_t sys_prctl(struct lx_proc *p, struct px_regs *r)
{
    if (A0 == 15) /* PR_SET_NAME */
        return lx_copy_string(p, p->leader->comm, A1, sizeof(p->leader->comm)) == -LX_EFAULT ? -LX_EFAULT : 0;
    if (A0 == 16) /* PR_GET_NAME */
        return lx_copy_out(p, A1, p->leader->comm, sizeof(p->leader->comm)) < 0 ? -LX_EFAULT : 0;
    return -LX_EINVAL;
}

/*
 * getpriority and setpriority (man 2): the nice value of a process, of a process group's, or of a
 * user's processes (every process is root's, uid 0). lx serves its processes from one thread in the
 * order they call, so the value changes nothing there; it is kept, inherited by fork and reported, and
 * a process may raise or lower it (root may). getpriority's raw result is 20 - nice (1..40).
 */
#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
/* q is one of the processes a PRIO_PGRP or PRIO_USER who names. */
static bool prio_match(struct lx_proc *p, struct lx_proc *q, uint64_t which, int32_t who)
{
    if (q->state == LX_FREE || q->state == LX_ZOMBIE || q->leader != q)
        return false;
    if (which == PRIO_PGRP)
        return q->pgid == (who ? who : p->leader->pgid);
    return who == 0; /* PRIO_USER: root's, which every process is */
}

static int64_t priority(struct lx_proc *p, uint64_t which, int32_t who, bool set, int nice)
{
    int best = 40, found = 0;

    if (which > PRIO_USER)
        return -LX_EINVAL;
    if (which == PRIO_PROCESS) { /* one process: found directly */
        struct lx_proc *t = who ? lx_proc_find(who) : p;
        if (!t || t->leader->state == LX_ZOMBIE)
            return -LX_ESRCH;
        if (set)
            t->leader->nice = nice;
        return set ? 0 : 20 - t->leader->nice;
    }
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *q = lx_proc_at(i);
        if (!prio_match(p, q, which, who))
            continue;
        found++;
        if (set)
            q->nice = nice;
        else if (q->nice < best)
            best = q->nice;
    }
    if (!found)
        return -LX_ESRCH;
    return set ? 0 : 20 - best;
}

int64_t sys_getpriority(struct lx_proc *p, struct px_regs *r) { return priority(p, A0, (int32_t)A1, false, 0); }

int64_t sys_setpriority(struct lx_proc *p, struct px_regs *r)
{
    int32_t nice = (int32_t)A2;

    return priority(p, A0, (int32_t)A1, true, nice < -20 ? -20 : nice > 19 ? 19 : nice);
}
