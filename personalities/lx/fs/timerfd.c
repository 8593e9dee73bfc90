/*
 * timerfd (man 2 timerfd_create): a timer as a descriptor. Armed, it expires at a time on its clock
 * (CLOCK_MONOTONIC and CLOCK_BOOTTIME, which lx does not tell apart, or CLOCK_REALTIME and the alarm
 * clocks), then every interval; a read of 8 bytes returns how many times it expired since the last read
 * (or since it was set) and waits while that is 0. lx keeps every armed timerfd's next expiry as a
 * monotonic time (a wall-clock one less the wall clock's offset, which nothing in lx changes) and counts
 * expirations from the clock whenever it looks: at a read, a poll, timerfd_gettime, and at the earliest
 * expiry, which lx's timer is set for (lx_timerfds_run), so a waiting read or epoll is woken then.
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>

#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define NS 1000000000ull

struct timerfd {
    int clock;
    uint64_t at;       /* the next expiry (monotonic ns); 0: disarmed */
    uint64_t interval; /* 0: once */
    uint64_t ticks;    /* expirations not yet read */
    struct lx_fd *file;
    struct timerfd *next, *prev; /* every timerfd */
};

static struct timerfd *all;

static bool wall(int clock) { return clock == 0 || clock == 8; } /* CLOCK_REALTIME, CLOCK_REALTIME_ALARM */

/* Count the expirations up to now. */
static void update(struct timerfd *t, uint64_t now)
{
    if (!t->at || now < t->at)
        return;
    if (t->interval) {
        uint64_t n = (now - t->at) / t->interval + 1;
        t->ticks += n;
        t->at += n * t->interval;
    } else {
        t->ticks++;
        t->at = 0;
    }
    lx_poll_notify(t->file, LX_POLLIN);
}

uint64_t lx_timerfds_run(void)
{
    uint64_t now = libos_monotonic_ns(), next = 0;

    for (struct timerfd *t = all; t; t = t->next) {
        update(t, now);
        if (t->at && (!next || t->at < next))
            next = t->at;
    }
    return next;
}

static int64_t timerfd_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct timerfd *t = f->priv;

    if (len < 8)
        return -LX_EINVAL;
    update(t, libos_monotonic_ns());
    if (!t->ticks)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    memcpy(buf, &t->ticks, 8);
    t->ticks = 0;
    return 8;
}

static int16_t timerfd_poll(struct lx_fd *f)
{
    struct timerfd *t = f->priv;

    update(t, libos_monotonic_ns());
    return t->ticks ? LX_POLLIN : 0;
}

static void timerfd_release(struct lx_fd *f)
{
    struct timerfd *t = f->priv;

    if (t->prev)
        t->prev->next = t->next;
    else
        all = t->next;
    if (t->next)
        t->next->prev = t->prev;
    free(t);
}

static const struct lx_file_ops timerfd_ops = {
    .read = timerfd_read, .poll = timerfd_poll, .release = timerfd_release, .notifies = true};

int64_t sys_timerfd_create(struct lx_proc *p, struct px_regs *r)
{
    struct timerfd *t;
    struct lx_fd *f;
    int fd;

    if (A0 != 0 && A0 != 1 && A0 != 7 && A0 != 8 && A0 != 9) /* REALTIME, MONOTONIC, BOOTTIME, the alarms */
        return -LX_EINVAL;
    if (A1 & ~(uint64_t)(LX_O_NONBLOCK | LX_O_CLOEXEC))
        return -LX_EINVAL;
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    if (!(t = calloc(1, sizeof(*t))))
        return -LX_ENOMEM;
    if (!(f = lx_file_new_ops(&timerfd_ops, t, (int)(A1 & LX_O_NONBLOCK)))) {
        free(t);
        return -LX_ENOMEM;
    }
    t->clock = (int)A0, t->file = f;
    t->next = all;
    if (all)
        all->prev = t;
    all = t;
    lx_fd_install(p, fd, f, A1 & LX_O_CLOEXEC);
    return fd;
}

static struct timerfd *timerfd_of(struct lx_proc *p, uint64_t fd, int64_t *err)
{
    struct lx_fd *f = lx_fd_of(p, fd);

    *err = !f ? -LX_EBADF : f->ops != &timerfd_ops ? -LX_EINVAL : 0;
    return *err ? NULL : f->priv;
}

/* The timer as a struct itimerspec: its interval and the time to its next expiry. */
static int put_spec(struct lx_proc *p, uint64_t uaddr, struct timerfd *t)
{
    uint64_t now = libos_monotonic_ns(), left;

    update(t, now);
    left = t->at ? (t->at > now ? t->at - now : 1) : 0;
    int64_t v[4] = {(int64_t)(t->interval / NS), (int64_t)(t->interval % NS), (int64_t)(left / NS),
                    (int64_t)(left % NS)};
    return lx_copy_out(p, uaddr, v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
}

int64_t sys_timerfd_settime(struct lx_proc *p, struct px_regs *r)
{
    int64_t v[4], e;
    struct timerfd *t = timerfd_of(p, A0, &e);

    if (lx_copy_in(p, v, A2, sizeof(v)) < 0)
        return -LX_EFAULT;
    if (!t)
        return e;
    if (A1 & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
        return -LX_EINVAL;
    for (int i = 0; i < 4; i += 2)
        if (v[i] < 0 || v[i + 1] < 0 || v[i + 1] >= (int64_t)NS)
            return -LX_EINVAL;
    if (A3 && (e = put_spec(p, A3, t)) < 0)
        return e;
    uint64_t value = (uint64_t)v[2] * NS + (uint64_t)v[3], now = libos_monotonic_ns();
    t->interval = (uint64_t)v[0] * NS + (uint64_t)v[1];
    t->ticks = 0;
    if (!value) {
        t->at = 0;
    } else if (A1 & TFD_TIMER_ABSTIME) {
        int64_t offset = wall(t->clock) ? libos_wallclock_ns() - (int64_t)now : 0;
        t->at = (int64_t)value - offset > 0 ? (uint64_t)((int64_t)value - offset) : 1; /* past: at once */
    } else {
        t->at = now + value;
    }
    lx_wake_pending = true; /* lx's timer is set for the earliest expiry as the loop goes round */
    return 0;
}

int64_t sys_timerfd_gettime(struct lx_proc *p, struct px_regs *r)
{
    int64_t e;
    struct timerfd *t = timerfd_of(p, A0, &e);

    return t ? put_spec(p, A1, t) : e;
}
