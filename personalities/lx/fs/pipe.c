/*
 * Pipes: a ring of LX_PIPE_SIZE bytes with counts of open read and write descriptions; a read of an
 * empty pipe with a writer, or a write to a full one with a reader, is LX_WOULD_BLOCK (lx stops the
 * caller and tries again when the pipe changes). pipe and pipe2 make one.
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>

int lx_pipe_new(struct lx_fd **read_end, struct lx_fd **write_end, int flags)
{
    struct lx_pipe *pp = calloc(1, sizeof(*pp));
    struct lx_fd *r = lx_file_new(FD_PIPE_READ, NULL, flags), *w = lx_file_new(FD_PIPE_WRITE, NULL, flags | LX_O_WRONLY);

    if (!pp || !r || !w) {
        free(pp), free(r), free(w);
        return -LX_ENOMEM;
    }
    static uint32_t next_ino = 1;

    r->pipe = w->pipe = pp;
    pp->readers = pp->writers = 1;
    pp->ino = next_ino++;
    pp->end[0] = r, pp->end[1] = w;
    *read_end = r, *write_end = w;
    return 0;
}

static int64_t pipe_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_pipe *pp = f->pipe;
    uint64_t n = len < pp->count ? len : pp->count;

    if (len && !pp->count)
        return !pp->writers ? 0 : (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    for (uint64_t i = 0; i < n; i++)
        buf[i] = pp->buf[(pp->head + i) % LX_PIPE_SIZE];
    pp->head = (uint32_t)((pp->head + n) % LX_PIPE_SIZE);
    pp->count -= (uint32_t)n;
    lx_poll_notify(pp->end[1], LX_POLLOUT); /* room for the writer */
    return (int64_t)n;
}

static int64_t pipe_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_pipe *pp = f->pipe;
    uint64_t room = LX_PIPE_SIZE - pp->count, n = len < room ? len : room;

    if (!pp->readers)
        return -LX_EPIPE; /* the caller also gets SIGPIPE */
    if (len && !room)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    for (uint64_t i = 0; i < n; i++)
        pp->buf[(pp->head + pp->count + i) % LX_PIPE_SIZE] = buf[i];
    pp->count += (uint32_t)n;
    lx_poll_notify(pp->end[0], LX_POLLIN);
    return (int64_t)n;
}

static int16_t pipe_read_poll(struct lx_fd *f)
{
    return (int16_t)((f->pipe->count ? LX_POLLIN : 0) | (!f->pipe->writers ? LX_POLLHUP : 0));
}

static int16_t pipe_write_poll(struct lx_fd *f)
{
    return (int16_t)((f->pipe->count < LX_PIPE_SIZE ? LX_POLLOUT : 0) | (!f->pipe->readers ? LX_POLLERR : 0));
}

/* One end fewer: a reader or writer blocked on the other end may go on. */
static void pipe_release(struct lx_fd *f)
{
    struct lx_pipe *pp = f->pipe;

    lx_wake_pending = true;
    if (f->kind == FD_PIPE_READ)
        pp->readers--, pp->end[0] = NULL, lx_poll_notify(pp->end[1], LX_POLLERR);
    else
        pp->writers--, pp->end[1] = NULL, lx_poll_notify(pp->end[0], LX_POLLHUP);
    if (!pp->readers && !pp->writers)
        free(pp);
}

const struct lx_file_ops lx_pipe_read_ops = {
    .read = pipe_read, .poll = pipe_read_poll, .release = pipe_release, .notifies = true};
const struct lx_file_ops lx_pipe_write_ops = {
    .write = pipe_write, .poll = pipe_write_poll, .release = pipe_release, .notifies = true};

static int64_t do_pipe(struct lx_proc *p, uint64_t ufds, uint64_t flags)
{
    struct lx_fd *rd, *wr;
    int fds[2], e;

    if (flags & ~(uint64_t)(LX_O_CLOEXEC | LX_O_NONBLOCK))
        return -LX_EINVAL;
    if (lx_fd_alloc_pair(p, fds) < 0)
        return -LX_EMFILE;
    if ((e = lx_pipe_new(&rd, &wr, (int)(flags & LX_O_NONBLOCK))) < 0)
        return e;
    if (lx_copy_out(p, ufds, fds, sizeof(fds)) < 0) {
        lx_file_put(rd), lx_file_put(wr);
        return -LX_EFAULT;
    }
    lx_fd_install(p, fds[0], rd, flags & LX_O_CLOEXEC);
    lx_fd_install(p, fds[1], wr, flags & LX_O_CLOEXEC);
    return 0;
}

int64_t sys_pipe(struct lx_proc *p, struct px_regs *r) { return do_pipe(p, A0, 0); }
int64_t sys_pipe2(struct lx_proc *p, struct px_regs *r) { return do_pipe(p, A0, A1); }
