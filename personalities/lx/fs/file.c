/*
 * Open file descriptions. A description is counted: dup, fcntl(F_DUPFD) and fork share one, so they
 * share its offset and flags, and it goes when its last descriptor closes (its operations' release
 * then lets go of what it holds: a pipe's end, a /proc snapshot).
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>

static const struct lx_file_ops *ops_of(enum lx_fd_kind kind)
{
    switch (kind) {
    case FD_CONSOLE: return &lx_console_ops;
    case FD_FILE: return &lx_node_file_ops;
    case FD_DIR: return &lx_dir_file_ops;
    case FD_NULL: return &lx_null_ops;
    case FD_ZERO: return &lx_zero_ops;
    case FD_RANDOM: return &lx_random_ops;
    case FD_PIPE_READ: return &lx_pipe_read_ops;
    case FD_PIPE_WRITE: return &lx_pipe_write_ops;
    default: return NULL;
    }
}

struct lx_fd *lx_file_new(enum lx_fd_kind kind, struct lx_node *node, int flags)
{
    const struct lx_file_ops *ops = ops_of(kind);
    const struct lx_fs_ops *fs = node && node->mnt ? node->mnt->ops : NULL;
    struct lx_fd *f;

    if (fs && kind == FD_FILE && fs->file_ops) /* a disk file system's files do their own I/O */
        ops = fs->file_ops;
    else if (fs && kind == FD_DIR && fs->dir_ops)
        ops = fs->dir_ops;
    f = ops ? calloc(1, sizeof(*f)) : NULL;

    if (f)
        *f = (struct lx_fd){.kind = kind, .ops = ops, .node = node, .flags = flags, .refs = 1};
    if (f && ops->open)
        ops->open(f);
    return f;
}

struct lx_fd *lx_file_new_ops(const struct lx_file_ops *ops, void *priv, int flags)
{
    struct lx_fd *f = calloc(1, sizeof(*f));

    if (f)
        *f = (struct lx_fd){.kind = FD_OTHER, .ops = ops, .flags = flags, .refs = 1, .priv = priv};
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
    lx_locks_file_gone(f); /* its flock and OFD locks (fs/locks.c) */
    if (f->watchers)
        lx_epoll_forget(f); /* as Linux: closing its last descriptor takes it off every interest list */
    if (f->ops->release)
        f->ops->release(f);
    lx_procfs_free(f->node);
    free(f);
}
