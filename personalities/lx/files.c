/*
 * Open file descriptions and pipes. A description is counted: dup, fcntl(F_DUPFD) and fork share one, so
 * they share its offset and flags, and it goes when its last descriptor closes. A pipe is a ring of
 * LX_PIPE_SIZE bytes with counts of open read and write descriptions; a read of an empty pipe with a
 * writer, or a write to a full one with a reader, is LX_WOULD_BLOCK (lx stops the caller and tries again).
 */
#include "lx.h"
#include <stdlib.h>
#include <string.h>

struct lx_fd *lx_file_new(enum lx_fd_kind kind, struct lx_node *node, int flags)
{
    struct lx_fd *f = calloc(1, sizeof(*f));

    if (f)
        *f = (struct lx_fd){kind, node, 0, flags, 1, NULL};
    return f;
}

struct lx_fd *lx_file_get(struct lx_fd *f)
{
    f->refs++;
    return f;
}

void lx_file_put(struct lx_fd *f)
{
    if (--f->refs > 0)
        return;
    lx_procfs_free(f->node);
    if (f->pipe) {
        struct lx_pipe *pp = f->pipe;
        lx_wake_pending = true;
        if (f->kind == FD_PIPE_READ)
            pp->readers--;
        else
            pp->writers--;
        if (!pp->readers && !pp->writers)
            free(pp);
    }
    free(f);
}

int lx_pipe_new(struct lx_fd **read_end, struct lx_fd **write_end, int flags)
{
    struct lx_pipe *pp = calloc(1, sizeof(*pp));
    struct lx_fd *r = lx_file_new(FD_PIPE_READ, NULL, flags), *w = lx_file_new(FD_PIPE_WRITE, NULL, flags | LX_O_WRONLY);

    if (!pp || !r || !w) {
        free(pp), free(r), free(w);
        return -LX_ENOMEM;
    }
    r->pipe = w->pipe = pp;
    pp->readers = pp->writers = 1;
    *read_end = r, *write_end = w;
    return 0;
}

int64_t lx_pipe_read(struct lx_fd *f, uint8_t *buf, uint64_t len)
{
    struct lx_pipe *pp = f->pipe;
    uint64_t n = len < pp->count ? len : pp->count;

    if (len && !pp->count)
        return !pp->writers ? 0 : (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    for (uint64_t i = 0; i < n; i++)
        buf[i] = pp->buf[(pp->head + i) % LX_PIPE_SIZE];
    pp->head = (uint32_t)((pp->head + n) % LX_PIPE_SIZE);
    pp->count -= (uint32_t)n;
    lx_wake_pending = true;
    return (int64_t)n;
}

int64_t lx_pipe_write(struct lx_fd *f, const uint8_t *buf, uint64_t len)
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
    lx_wake_pending = true;
    return (int64_t)n;
}
