/*
 * Time: the clocks (clock_gettime, gettimeofday, time), CPU time (times, getrusage), the sleeps, which
 * are deadlines: the thread blocks and lx's timer wakes it (the call is done again then), and the
 * interval timers (setitimer, getitimer, alarm).
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
    return lx_put_rusage(p, uru, user, sys, (int32_t)who != -1 ? lx_proc_pages(p->leader) : 0) < 0 ? -LX_EFAULT : 0;
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

/*
 * Interval timers, one of each kind per process (fork does not pass them on; execve keeps them):
 * ITIMER_REAL counts monotonic time and lx's own timer fires it, ITIMER_VIRTUAL the process's user time
 * and ITIMER_PROF its user and system time, which lx looks at every ITIMER_POLL_NS while one is armed.
 * Each sends its signal to the process and starts again with its interval, skipping periods missed.
 */
#define ITIMER_POLL_NS 10000000ull
static const int itimer_sig[3] = {14, 26, 27}; /* SIGALRM, SIGVTALRM, SIGPROF */

static uint64_t itimer_clock(struct lx_proc *l, unsigned which)
{
    return which == 0 ? libos_monotonic_ns() : lx_proc_utime(l) + (which == 2 ? l->stime : 0);
}

static bool live(const struct lx_proc *p)
{
    return p->state == LX_RUNNING || p->state == LX_BLOCKED || p->state == LX_STOPPED;
}

/* Set when a timer is armed, cleared by a walk that finds none: lx's loop asks at every wake-up, and
 * only a system with armed timers pays for the walk over its processes. */
static bool itimers_armed;

uint64_t lx_itimers_run(void)
{
    uint64_t next = 0, now = libos_monotonic_ns();
    bool poll = false, any = false;

    if (!itimers_armed)
        return 0;

    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *l = lx_proc_at(i);
        if (l != l->leader || !live(l) || !(l->itimer_at[0] | l->itimer_at[1] | l->itimer_at[2]))
            continue;
        any = true;
        for (unsigned w = 0; w < 3; w++) {
            uint64_t at = l->itimer_at[w], clock = at ? itimer_clock(l, w) : 0;
            if (at && clock >= at) {
                uint64_t every = l->itimer_interval[w];
                l->itimer_at[w] = every ? at + ((clock - at) / every + 1) * every : 0;
                lx_signal_send(l, itimer_sig[w]);
            }
        }
        if (!live(l)) /* the signal ended it */
            continue;
        if (l->itimer_at[0] && (!next || l->itimer_at[0] < next))
            next = l->itimer_at[0];
        poll |= l->itimer_at[1] || l->itimer_at[2];
    }
    if (poll && (!next || now + ITIMER_POLL_NS < next))
        next = now + ITIMER_POLL_NS;
    itimers_armed = any; /* (one that fired and is not periodic is off now: the next walk sees it) */
    return next;
}

/* Timer `which`'s interval and what is left of it, as Linux's struct itimerval (seconds, microseconds). */
static int put_itimer(struct lx_proc *p, uint64_t uaddr, unsigned which)
{
    struct lx_proc *l = p->leader;
    uint64_t at = l->itimer_at[which], now = at ? itimer_clock(l, which) : 0, every = l->itimer_interval[which];
    uint64_t left = at > now ? (at - now + 999) / 1000 * 1000 : at ? 1000 : 0; /* due: a microsecond */
    int64_t v[4] = {(int64_t)(every / 1000000000), (int64_t)(every % 1000000000 / 1000),
                    (int64_t)(left / 1000000000), (int64_t)(left % 1000000000 / 1000)};

    return lx_copy_out(p, uaddr, v, sizeof(v));
}

static void set_itimer(struct lx_proc *p, unsigned which, uint64_t value_ns, uint64_t interval_ns)
{
    struct lx_proc *l = p->leader;

    l->itimer_at[which] = value_ns ? itimer_clock(l, which) + value_ns : 0;
    l->itimer_interval[which] = value_ns ? interval_ns : 0;
    itimers_armed |= value_ns != 0;
    lx_wake_pending = true; /* lx's timer is set again after this call */
}

/* A timeval's nanoseconds; negative seconds count as "at once" (1 ns), as Linux's negative expiry does. */
static uint64_t timeval_ns(int64_t sec, int64_t usec)
{
    if (sec < 0)
        return 1;
    if ((uint64_t)sec > UINT64_MAX / 2000000000)
        return UINT64_MAX / 2;
    return (uint64_t)sec * 1000000000 + (uint64_t)usec * 1000;
}

int64_t sys_getitimer(struct lx_proc *p, struct px_regs *r)
{
    if (A0 > 2)
        return -LX_EINVAL;
    return put_itimer(p, A1, (unsigned)A0) < 0 ? -LX_EFAULT : 0;
}

int64_t sys_setitimer(struct lx_proc *p, struct px_regs *r)
{
    int64_t v[4] = {0, 0, 0, 0}; /* interval, then value; a NULL new value is all zeros, as on Linux */

    if (A0 > 2)
        return -LX_EINVAL;
    if (A1 && lx_copy_in(p, v, A1, sizeof(v)) < 0)
        return -LX_EFAULT;
    if (v[1] < 0 || v[1] > 999999 || v[3] < 0 || v[3] > 999999)
        return -LX_EINVAL;
    if (A2 && put_itimer(p, A2, (unsigned)A0) < 0)
        return -LX_EFAULT;
    set_itimer(p, (unsigned)A0, timeval_ns(v[2], v[3]), timeval_ns(v[0], v[1]));
    return 0;
}

/* alarm: ITIMER_REAL once; the seconds the previous one had left, rounded up (at least 1 if one was set). */
int64_t sys_alarm(struct lx_proc *p, struct px_regs *r)
{
    struct lx_proc *l = p->leader;
    uint64_t at = l->itimer_at[0], now = libos_monotonic_ns();
    int64_t left = at ? (int64_t)((at > now ? at - now : 0) + 999999999) / 1000000000 : 0;

    if (at && left == 0)
        left = 1;
    set_itimer(p, 0, (uint64_t)(uint32_t)A0 * 1000000000, 0);
    return left;
}
