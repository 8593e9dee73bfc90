/*
 * signalfd and signalfd4 (man 2 signalfd): a descriptor that reads the reader's pending signals that
 * are in its mask, one struct signalfd_siginfo (128 bytes) each, taking them as delivery would (so they
 * are to be blocked, as man 2 signalfd says, or they are delivered first). A read waits while none is
 * pending; poll says POLLIN while one is pending for the thread asking (lx_poller). ssi_pid and
 * ssi_code say who sent it: a process's kill (SI_USER) or tkill/tgkill (SI_TKILL), or lx itself
 * (SI_KERNEL, pid 0: SIGCHLD, SIGALRM, SIGPIPE, the terminal's signals, where Linux has more to say).
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>

#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(LX_SIGKILL) | BIT(LX_SIGSTOP))

struct signalfd_siginfo {
    uint32_t signo;
    int32_t errno_, code;
    uint32_t pid, uid;
    int32_t fd;
    uint32_t tid, band, overrun, trapno;
    int32_t status, int_;
    uint64_t ptr, utime, stime, addr;
    uint16_t addr_lsb;
    uint8_t pad[46];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "struct signalfd_siginfo");

struct signalfd {
    uint64_t mask;
    int owner; /* the pid of the process that made it: whose signals poll sees when nobody is asking */
    struct lx_fd *file;
    struct signalfd *next, *prev;
};

static struct signalfd *all;

void lx_signalfd_notify(void)
{
    for (struct signalfd *s = all; s; s = s->next)
        lx_poll_notify(s->file, LX_POLLIN);
}

/* The signals of mask pending for thread t (its own, or its process's that landed on another thread). */
static uint64_t pending(struct lx_proc *t, uint64_t mask, struct lx_proc **holder)
{
    if (t->pending & mask) {
        *holder = t;
        return t->pending & mask;
    }
    for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
        struct lx_proc *q = lx_proc_at(i);
        if (q->leader == t->leader && q != t && (q->state == LX_RUNNING || q->state == LX_BLOCKED) &&
            (q->pending & mask & q->blocked)) { /* (one it does not block is its own to take) */
            *holder = q;
            return q->pending & mask & q->blocked;
        }
    }
    return 0;
}

static int64_t signalfd_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct signalfd *s = f->priv;
    struct lx_proc *holder;
    uint64_t n = 0, set;

    if (len < sizeof(struct signalfd_siginfo))
        return -LX_EINVAL;
    while (n + sizeof(struct signalfd_siginfo) <= len && (set = pending(p, s->mask, &holder))) {
        int sig = __builtin_ctzll(set) + 1;
        struct signalfd_siginfo si;
        memset(&si, 0, sizeof(si));
        si.signo = (uint32_t)sig;
        si.code = holder->sig_code[sig - 1];
        si.pid = (uint32_t)holder->sig_pid[sig - 1]; /* (and ssi_uid 0: lx's processes are root's) */
        holder->pending &= ~BIT(sig);
        memcpy(buf + n, &si, sizeof(si));
        n += sizeof(si);
    }
    if (n)
        return (int64_t)n;
    return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
}

static int16_t signalfd_poll(struct lx_fd *f)
{
    struct signalfd *s = f->priv;
    struct lx_proc *t = lx_poller ? lx_poller : lx_proc_find(s->owner), *holder;

    return t && pending(t, s->mask, &holder) ? LX_POLLIN : 0;
}

static void signalfd_release(struct lx_fd *f)
{
    struct signalfd *s = f->priv;

    if (s->prev)
        s->prev->next = s->next;
    else
        all = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
}

static const struct lx_file_ops signalfd_ops = {
    .read = signalfd_read, .poll = signalfd_poll, .release = signalfd_release, .notifies = true};

static int64_t do_signalfd(struct lx_proc *p, uint64_t fdnum, uint64_t umask, uint64_t size, uint64_t flags)
{
    struct signalfd *s;
    struct lx_fd *f;
    uint64_t mask;
    int fd;

    if (flags & ~(uint64_t)(LX_O_NONBLOCK | LX_O_CLOEXEC))
        return -LX_EINVAL;
    if (size != 8)
        return -LX_EINVAL;
    if (lx_copy_in(p, &mask, umask, 8) < 0)
        return -LX_EFAULT;
    mask &= ~UNBLOCKABLE;
    if ((int32_t)fdnum != -1) { /* a new mask for an existing signalfd */
        if (!(f = lx_fd_of(p, fdnum)))
            return -LX_EBADF;
        if (f->ops != &signalfd_ops)
            return -LX_EINVAL;
        ((struct signalfd *)f->priv)->mask = mask;
        lx_poll_notify(f, LX_POLLIN);
        return (int32_t)fdnum;
    }
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    if (!(s = calloc(1, sizeof(*s))))
        return -LX_ENOMEM;
    if (!(f = lx_file_new_ops(&signalfd_ops, s, LX_O_RDWR | (int)(flags & LX_O_NONBLOCK)))) {
        free(s);
        return -LX_ENOMEM;
    }
    *s = (struct signalfd){.mask = mask, .owner = p->leader->pid, .file = f, .next = all};
    if (all)
        all->prev = s;
    all = s;
    lx_fd_install(p, fd, f, flags & LX_O_CLOEXEC);
    return fd;
}

int64_t sys_signalfd(struct lx_proc *p, struct px_regs *r) { return do_signalfd(p, A0, A1, A2, 0); }
int64_t sys_signalfd4(struct lx_proc *p, struct px_regs *r) { return do_signalfd(p, A0, A1, A2, A3); }
