/*
 * eventfd and eventfd2 (man 2 eventfd): a descriptor over a 64-bit counter. A write of 8 bytes adds to
 * it, and waits while the sum would pass 0xfffffffffffffffe; a read of at least 8 bytes waits while it is
 * zero, then returns it and makes it zero (or, with EFD_SEMAPHORE, returns 1 and takes 1 off). poll sees
 * POLLIN while it is above zero and POLLOUT while one more can be added. Waiting is lx's way for every
 * call (LX_WOULD_BLOCK, done again when something changes); O_NONBLOCK makes it EAGAIN.
 */
#include "kernel/syscall.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EFD_SEMAPHORE 1
#define COUNTER_MAX 0xfffffffffffffffeull

struct eventfd {
    uint64_t count;
    bool semaphore;
};

static int64_t eventfd_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct eventfd *e = f->priv;
    uint64_t v;

    if (len < 8)
        return -LX_EINVAL;
    if (!e->count)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    v = e->semaphore ? 1 : e->count;
    e->count -= v;
    memcpy(buf, &v, 8);
    lx_poll_notify(f, LX_POLLOUT); /* a writer waiting for room may go on */
    return 8;
}

static int64_t eventfd_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct eventfd *e = f->priv;
    uint64_t v;

    if (len < 8)
        return -LX_EINVAL;
    memcpy(&v, buf, 8);
    if (v == ~0ull)
        return -LX_EINVAL;
    if (v > COUNTER_MAX - e->count)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    e->count += v;
    if (v)
        lx_poll_notify(f, LX_POLLIN); /* a reader waiting for a count may go on */
    return 8;
}

static int16_t eventfd_poll(struct lx_fd *f)
{
    struct eventfd *e = f->priv;

    return (int16_t)((e->count ? LX_POLLIN : 0) | (e->count < COUNTER_MAX ? LX_POLLOUT : 0));
}

static void eventfd_release(struct lx_fd *f) { free(f->priv); }

static void eventfd_link(struct lx_fd *f, char *buf, size_t len) { snprintf(buf, len, "anon_inode:[eventfd]"); }

static const struct lx_file_ops eventfd_ops = {
    .read = eventfd_read, .write = eventfd_write, .poll = eventfd_poll, .release = eventfd_release, .link = eventfd_link,
    .notifies = true};

static int64_t do_eventfd(struct lx_proc *p, uint64_t initval, uint64_t flags)
{
    struct eventfd *e;
    struct lx_fd *f;
    int fd;

    if (flags & ~(uint64_t)(LX_O_CLOEXEC | LX_O_NONBLOCK | EFD_SEMAPHORE))
        return -LX_EINVAL;
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    if (!(e = malloc(sizeof(*e))))
        return -LX_ENOMEM;
    *e = (struct eventfd){(uint32_t)initval, flags & EFD_SEMAPHORE};
    if (!(f = lx_file_new_ops(&eventfd_ops, e, LX_O_RDWR | (int)(flags & LX_O_NONBLOCK)))) {
        free(e);
        return -LX_ENOMEM;
    }
    lx_fd_install(p, fd, f, flags & LX_O_CLOEXEC);
    return fd;
}

int64_t sys_eventfd(struct lx_proc *p, struct px_regs *r) { return do_eventfd(p, A0, 0); }
int64_t sys_eventfd2(struct lx_proc *p, struct px_regs *r) { return do_eventfd(p, A0, A1); }
