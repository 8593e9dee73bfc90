/*
 * poll, ppoll, select and pselect6 over each descriptor's readiness: ready descriptors now, or the
 * thread blocks until something changes or the timeout passes (its deadline, which lx's timer keeps).
 */
#include "kernel/syscall.h"
#include <string.h>

#define POLLIN LX_POLLIN
#define POLLOUT LX_POLLOUT
#define POLLERR LX_POLLERR
#define POLLHUP LX_POLLHUP
#define POLLNVAL LX_POLLNVAL

/* What poll would say of descriptor fd now (all of POLLIN, POLLOUT, POLLHUP, POLLERR that hold). */
static int16_t readiness(struct lx_proc *p, int64_t fd)
{
    struct lx_fd *f = fd < 0 ? NULL : lx_fd_of(p, (uint64_t)fd);

    int16_t re;

    if (!f)
        return POLLNVAL;
    lx_poller = p;
    re = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT; /* files and devices are always ready */
    lx_poller = NULL;
    return re;
}

/* select and pselect6 (the signal mask is not swapped in this version), on the same readiness as poll. */
static int64_t do_select(struct lx_proc *p, uint64_t nfds, uint64_t ur, uint64_t uw, uint64_t ue, int64_t timeout_ns)
{
    static uint64_t in[3][LX_NOFILE_MAX / 64], out[3][LX_NOFILE_MAX / 64]; /* (lx serves one call at a time) */
    uint64_t sets[3] = {ur, uw, ue};
    int64_t ready = 0;

    if ((int32_t)nfds < 0)
        return -LX_EINVAL;
    if (nfds > p->leader->nfds) /* as Linux: bits past the descriptor table are not looked at */
        nfds = p->leader->nfds;
    size_t bytes = (nfds + 63) / 64 * 8;
    for (int k = 0; k < 3; k++)
        memset(in[k], 0, bytes), memset(out[k], 0, bytes);
    for (int k = 0; k < 3; k++)
        if (sets[k] && lx_copy_in(p, in[k], sets[k], bytes) < 0)
            return -LX_EFAULT;
    for (uint64_t fd = 0; fd < nfds; fd++) {
        bool want[3] = {in[0][fd / 64] >> (fd % 64) & 1, in[1][fd / 64] >> (fd % 64) & 1, in[2][fd / 64] >> (fd % 64) & 1};
        if (!want[0] && !want[1] && !want[2])
            continue;
        int16_t re = readiness(p, (int64_t)fd);
        if (re & POLLNVAL)
            return -LX_EBADF;
        bool got[3] = {want[0] && (re & (POLLIN | POLLHUP | POLLERR)), want[1] && (re & (POLLOUT | POLLERR)), false};
        for (int k = 0; k < 3; k++)
            if (got[k]) {
                out[k][fd / 64] |= 1ull << (fd % 64);
                ready++;
            }
    }
    if (ready || timeout_ns == 0 || (p->state == LX_BLOCKED && p->deadline && libos_monotonic_ns() >= p->deadline)) {
        for (int k = 0; k < 3; k++)
            if (sets[k] && lx_copy_out(p, sets[k], out[k], bytes) < 0)
                return -LX_EFAULT;
        return ready;
    }
    if (p->state != LX_BLOCKED)
        p->deadline = timeout_ns > 0 ? libos_monotonic_ns() + (uint64_t)timeout_ns : 0;
    return LX_WOULD_BLOCK;
}

/* poll: ready descriptors now, or block until something changes or the timeout (ns; -1 none) passes. */
static int64_t do_poll(struct lx_proc *p, uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
    static struct { int32_t fd; int16_t events, revents; } pfd[LX_NOFILE_MAX]; /* (one call at a time) */
    int64_t ready = 0;

    if (n > p->leader->rlim[LX_RLIMIT_NOFILE][0] || n > LX_NOFILE_MAX) /* Linux: more than RLIMIT_NOFILE */
        return -LX_EINVAL;
    if (lx_copy_in(p, pfd, ufds, n * sizeof(pfd[0])) < 0)
        return -LX_EFAULT;
    for (uint64_t i = 0; i < n; i++) {
        int16_t ev = pfd[i].events | POLLERR | POLLHUP, re = pfd[i].fd < 0 ? 0 : readiness(p, pfd[i].fd);
        pfd[i].revents = (int16_t)(re & (ev | POLLNVAL));
        ready += pfd[i].revents != 0;
    }
    if (ready || timeout_ns == 0 || (p->state == LX_BLOCKED && p->deadline && libos_monotonic_ns() >= p->deadline))
        return lx_copy_out(p, ufds, pfd, n * sizeof(pfd[0])) < 0 ? -LX_EFAULT : ready;
    if (p->state != LX_BLOCKED)
        p->deadline = timeout_ns > 0 ? libos_monotonic_ns() + (uint64_t)timeout_ns : 0;
    return LX_WOULD_BLOCK;
}


int64_t sys_poll(struct lx_proc *p, struct px_regs *r)
{
    return do_poll(p, A0, A1, (int32_t)A2 < 0 ? -1 : (int64_t)(int32_t)A2 * 1000000);
}

/* select (a timeval) and pselect6 (a timespec and a signal mask): both say how long they did not wait. */
static int64_t do_select_call(struct lx_proc *p, struct px_regs *r, bool pselect)
{
    int64_t t[2];
    uint64_t mask[2] = {0, 0}, e; /* pselect6's sixth: {const sigset_t *, size} */

    if (pselect && r->r9 && lx_copy_in(p, mask, r->r9, sizeof(mask)) < 0)
        return -LX_EFAULT;
    if ((e = (uint64_t)lx_sigmask_swap(p, mask[0], mask[1])) != 0)
        return (int64_t)e;
    if (!r->r8)
        return do_select(p, A0, A1, A2, A3, -1);
    if (lx_copy_in(p, t, r->r8, sizeof(t)) < 0)
        return -LX_EFAULT;
    int64_t unit = pselect ? 1 : 1000, limit = pselect ? 1000000000 : 1000000;
    if (t[0] < 0 || t[1] < 0 || t[1] >= limit)
        return -LX_EINVAL;
    int64_t ret = do_select(p, A0, A1, A2, A3, t[0] * 1000000000 + t[1] * unit);
    if (ret >= 0 && p->state == LX_BLOCKED && p->deadline) {
        uint64_t now = libos_monotonic_ns(), left = p->deadline > now ? p->deadline - now : 0;
        int64_t tv[2] = {(int64_t)(left / 1000000000), (int64_t)(left % 1000000000 / (uint64_t)unit)};
        if (lx_copy_out(p, r->r8, tv, sizeof(tv)) < 0)
            return -LX_EFAULT;
    }
    return ret;
}

int64_t sys_select(struct lx_proc *p, struct px_regs *r) { return do_select_call(p, r, false); }
int64_t sys_pselect6(struct lx_proc *p, struct px_regs *r) { return do_select_call(p, r, true); }

/* ppoll, with the signal mask it runs with. */
int64_t sys_ppoll(struct lx_proc *p, struct px_regs *r)
{
    int64_t ts[2], e;

    if ((e = lx_sigmask_swap(p, A3, A4)) != 0)
        return e;
    if (!A2)
        return do_poll(p, A0, A1, -1);
    if (lx_copy_in(p, ts, A2, sizeof(ts)) < 0)
        return -LX_EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
        return -LX_EINVAL;
    return do_poll(p, A0, A1, ts[0] * 1000000000 + ts[1]);
}
