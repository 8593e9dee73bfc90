/*
 * Time: the clocks (clock_gettime, gettimeofday, time), CPU time (times, getrusage), and the sleeps,
 * which are deadlines: the thread blocks and lx's timer wakes it (the call is done again then).
 */
#include "kernel/syscall.h"
#include <string.h>

/* clock_gettime: the wall clock (REALTIME and its coarse, alarm and TAI forms), the process's and the
 * thread's CPU time, or the monotonic clock (MONOTONIC, its raw and coarse forms, BOOTTIME). */
static int64_t do_clock_gettime(struct lx_proc *p, uint64_t clock, uint64_t ts)
{
    uint64_t cpu = 0;
    int64_t ns;

    if (clock > 11 || clock == 10)
        return -LX_EINVAL;
    if (clock == 0 || clock == 5 || clock == 8 || clock == 11)
        ns = libos_wallclock_ns();
    else if (clock == 2) /* CLOCK_PROCESS_CPUTIME_ID */
        ns = (int64_t)(lx_proc_utime(p) + p->leader->stime);
    else if (clock == 3) /* CLOCK_THREAD_CPUTIME_ID */
        ns = (int64_t)(p->thread_stime + (px_thread_cpu_time(p->thread, &cpu) == PX_OK ? cpu : 0));
    else
        ns = (int64_t)libos_monotonic_ns();
    int64_t v[2] = {ns / 1000000000, ns % 1000000000};
    return lx_copy_out(p, ts, v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
}

/* A struct rusage with the given user and system times (ns) and maximum resident size (pages). */
int lx_put_rusage(struct lx_proc *p, uint64_t uru, uint64_t user, uint64_t sys, uint64_t pages)
{
    int64_t ru[18] = {(int64_t)(user / 1000000000), (int64_t)(user % 1000000000 / 1000),
                      (int64_t)(sys / 1000000000), (int64_t)(sys % 1000000000 / 1000), (int64_t)(pages * 4)};

    return lx_copy_out(p, uru, ru, sizeof(ru));
}

static int64_t do_getrusage(struct lx_proc *p, int64_t who, uint64_t uru)
{
    uint64_t user = 0, sys = 0;

    switch ((int32_t)who) {
    case 0: user = lx_proc_utime(p), sys = p->leader->stime; break;  /* RUSAGE_SELF */
    case -1: user = p->leader->cutime, sys = p->leader->cstime; break; /* RUSAGE_CHILDREN */
    case 1: px_thread_cpu_time(p->thread, &user), sys = p->thread_stime; break; /* RUSAGE_THREAD */
    default: return -LX_EINVAL;
    }
    return lx_put_rusage(p, uru, user, sys, (int32_t)who == 0 ? lx_proc_pages(p->leader) : 0) < 0 ? -LX_EFAULT : 0;
}

/* times: CPU times in clock ticks (100 a second, AT_CLKTCK); the result is ticks since boot. */
static int64_t do_times(struct lx_proc *p, uint64_t utms)
{
    struct lx_proc *l = p->leader;
    int64_t t[4] = {(int64_t)(lx_proc_utime(p) / 10000000), (int64_t)(l->stime / 10000000),
                    (int64_t)(l->cutime / 10000000), (int64_t)(l->cstime / 10000000)};

    if (utms && lx_copy_out(p, utms, t, sizeof(t)) < 0)
        return -LX_EFAULT;
    return (int64_t)(libos_monotonic_ns() / 10000000);
}


/* A sleep is a deadline: the process blocks and lx's timer wakes it (wake_blocked does the call again). */
static int64_t do_nanosleep(struct lx_proc *p, uint64_t clock, uint64_t flags, uint64_t uts)
{
    int64_t ts[2];

    if (p->state != LX_BLOCKED) {
        if (clock > 11)
            return -LX_EINVAL;
        if (lx_copy_in(p, ts, uts, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        uint64_t ns = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
        if (flags & 1) /* TIMER_ABSTIME */
            p->deadline = clock == 0 ? ns - (uint64_t)libos_shared_info()->wall_offset_ns : ns;
        else
            p->deadline = libos_monotonic_ns() + ns;
    }
    return libos_monotonic_ns() >= p->deadline ? 0 : LX_WOULD_BLOCK;
}


int64_t sys_clock_gettime(struct lx_proc *p, struct px_regs *r) { return do_clock_gettime(p, A0, A1); }
int64_t sys_getrusage(struct lx_proc *p, struct px_regs *r) { return do_getrusage(p, (int64_t)A0, A1); }
int64_t sys_times(struct lx_proc *p, struct px_regs *r) { return do_times(p, A0); }
int64_t sys_nanosleep(struct lx_proc *p, struct px_regs *r) { return do_nanosleep(p, 1, 0, A0); } /* CLOCK_MONOTONIC */
int64_t sys_clock_nanosleep(struct lx_proc *p, struct px_regs *r) { return do_nanosleep(p, A0, A1, A2); }

int64_t sys_sched_yield(struct lx_proc *p, struct px_regs *r)
{
    px_thread_yield();
    return 0;
}

int64_t sys_gettimeofday(struct lx_proc *p, struct px_regs *r)
{
    int64_t ns = libos_wallclock_ns(), v[2] = {ns / 1000000000, (ns % 1000000000) / 1000};

    return A0 && lx_copy_out(p, A0, v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
}

int64_t sys_time(struct lx_proc *p, struct px_regs *r)
{
    int64_t t = libos_wallclock_ns() / 1000000000;

    return A0 && lx_copy_out(p, A0, &t, 8) < 0 ? -LX_EFAULT : t;
}
