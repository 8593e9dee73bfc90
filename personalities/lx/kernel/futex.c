/*
 * futex: the wait and wake of a 32-bit word in a process's memory, on which musl builds its locks,
 * condition variables and thread joins.
 */
#include "kernel/syscall.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

int lx_futex_wake(struct lx_proc *p, uint64_t uaddr, int n, uint32_t bits)
{
    int woken = 0;

    for (unsigned i = 0; i < lx_proc_slots() && woken < n; i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->state == LX_BLOCKED && t->leader == p->leader && t->futex == uaddr && !t->futex_woken &&
            (t->futex_bits & bits)) {
            t->futex_woken = true;
            woken++;
        }
    }
    if (woken)
        lx_wake_pending = true;
    return woken;
}

/* REQUEUE and CMP_REQUEUE: wake up to n waiters on uaddr, move up to more of the rest to uaddr2; how
 * many were woken and (in *moved) moved. */
static int futex_requeue(struct lx_proc *p, uint64_t uaddr, int n, uint64_t more, uint64_t uaddr2, int *moved)
{
    int woken = lx_futex_wake(p, uaddr, n, ~0u);

    *moved = 0;
    for (unsigned i = 0; i < lx_proc_slots() && more; i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->state == LX_BLOCKED && t->leader == p->leader && t->futex == uaddr && !t->futex_woken) {
            t->futex = uaddr2;
            more--, (*moved)++;
        }
    }
    return woken;
}

/*
 * futex: WAIT (relative timeout) and WAIT_BITSET (absolute, on CLOCK_MONOTONIC or, with
 * FUTEX_CLOCK_REALTIME, CLOCK_REALTIME) block until a WAKE of the same address in the same process, the
 * timeout or a signal; WAKE and WAKE_BITSET wake up to val waiters; REQUEUE and CMP_REQUEUE also move
 * waiters to another futex (musl's condition variables). A futex is per process: shared memory between
 * processes (MAP_SHARED) is not looked through, so FUTEX_PRIVATE_FLAG changes nothing.
 */
static int64_t do_futex(struct lx_proc *p, uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime,
                         uint64_t uaddr2, uint64_t val3)
{
    uint64_t cmd = op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    int64_t ts[2];
    uint32_t cur;

    if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE) {
        if ((int32_t)val < 0 || (int32_t)utime < 0 || uaddr % 4 || uaddr2 % 4)
            return -LX_EINVAL;
        if (cmd == FUTEX_CMP_REQUEUE) {
            if (lx_copy_in(p, &cur, uaddr, 4) < 0)
                return -LX_EFAULT;
            if (cur != (uint32_t)val3)
                return -LX_EAGAIN;
        }
        int moved, woken = futex_requeue(p, uaddr, (int)(int32_t)val, (uint32_t)utime, uaddr2, &moved);
        return cmd == FUTEX_CMP_REQUEUE ? woken + moved : woken; /* as Linux counts them */
    }

    if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET) {
        if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)val3)
            return -LX_EINVAL;
        return lx_futex_wake(p, uaddr, (int)(val > 0x7fffffff ? 0x7fffffff : val),
                             cmd == FUTEX_WAKE ? ~0u : (uint32_t)val3);
    }
    if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
        return LX_NOSYS; /* wake_op, PI futexes: not in this version (counted as unimplemented) */
    if (p->state == LX_BLOCKED) { /* done again: woken, timed out, or still waiting */
        if (p->futex_woken || (p->deadline && libos_monotonic_ns() >= p->deadline)) {
            int64_t ret = p->futex_woken ? 0 : -LX_ETIMEDOUT;
            p->futex = 0, p->futex_woken = false;
            return ret;
        }
        return LX_WOULD_BLOCK;
    }
    if (uaddr % 4 || (cmd == FUTEX_WAIT_BITSET && !(uint32_t)val3) ||
        ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET))
        return -LX_EINVAL;
    if (lx_copy_in(p, &cur, uaddr, 4) < 0)
        return -LX_EFAULT;
    if (cur != (uint32_t)val)
        return -LX_EAGAIN;
    p->deadline = 0;
    if (utime) {
        if (lx_copy_in(p, ts, utime, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        uint64_t ns = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1], now = libos_monotonic_ns();
        if (cmd == FUTEX_WAIT)
            p->deadline = now + ns;
        else if (op & FUTEX_CLOCK_REALTIME)
            p->deadline = ns - (uint64_t)libos_shared_info()->wall_offset_ns;
        else
            p->deadline = ns;
        if (!p->deadline || p->deadline <= now)
            return -LX_ETIMEDOUT;
    }
    p->futex = uaddr;
    p->futex_bits = cmd == FUTEX_WAIT ? ~0u : (uint32_t)val3;
    p->futex_woken = false;
    return LX_WOULD_BLOCK;
}


int64_t sys_futex(struct lx_proc *p, struct px_regs *r) { return do_futex(p, A0, A1, A2, A3, A4, A5); }

/*
 * set_robust_list and get_robust_list: the head of the thread's list of robust futexes, whose length must
 * be that of struct robust_list_head (24 bytes), as Linux checks. lx keeps and tells back the head; it does
 * not walk the list when a thread dies (a robust mutex shared between processes is not marked
 * FUTEX_OWNER_DIED under lx).
 */
int64_t sys_set_robust_list(struct lx_proc *p, struct px_regs *r)
{
    if (A1 != 24)
        return -LX_EINVAL;
    p->robust_list = A0;
    return 0;
}

int64_t sys_get_robust_list(struct lx_proc *p, struct px_regs *r)
{
    struct lx_proc *t = A0 ? lx_proc_find((int)A0) : p;
    uint64_t len = 24;

    if (!t)
        return -LX_ESRCH;
    if (lx_copy_out(p, A1, &t->robust_list, 8) < 0 || lx_copy_out(p, A2, &len, 8) < 0)
        return -LX_EFAULT;
    return 0;
}
