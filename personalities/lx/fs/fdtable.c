/*
 * A process's descriptor table: descriptors name counted open file descriptions (fs/file.c), the
 * close-on-exec bits, and the calls that change the table (close, dup, dup2, dup3, fcntl; its locks are
 * fs/locks.c's, its seals fs/memfd.c's). Also the
 * (dirfd, path) resolution every path-taking call uses, and ioctl's dispatch.
 *
 * The table is an array that doubles as descriptors need it, up to the process's RLIMIT_NOFILE (1,024 at
 * first, at most LX_NOFILE_MAX): a process pays for the descriptors it has had, not for its limit. No
 * descriptor below next_fd is free, so the lowest free one is found from there (as Linux's next_fd).
 */
#include "kernel/syscall.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_TABLE 64 /* as Linux's first table (NR_OPEN_DEFAULT): select looks no further than the table */

struct lx_fd *lx_fd_of(struct lx_proc *p, uint64_t reg)
{
    uint32_t fd = (uint32_t)reg;

    return fd < p->leader->nfds ? p->leader->fds[fd] : NULL;
}

bool lx_fd_reserve(struct lx_proc *p, unsigned n)
{
    struct lx_proc *l = p->leader;
    unsigned size = l->nfds ? l->nfds : FIRST_TABLE;

    if (n <= l->nfds)
        return true;
    if (n > LX_NOFILE_MAX)
        return false;
    while (size < n)
        size *= 2;
    struct lx_fd **fds = realloc(l->fds, size * sizeof(*fds));
    if (!fds)
        return false;
    l->fds = fds;
    uint64_t *bits = realloc(l->cloexec, (size + 63) / 64 * 8);
    if (!bits)
        return false; /* the larger descriptor array stays: nfds says how much of it is in use */
    memset(fds + l->nfds, 0, (size - l->nfds) * sizeof(*fds));
    memset(bits + (l->nfds + 63) / 64, 0, ((size + 63) / 64 - (l->nfds + 63) / 64) * 8);
    l->cloexec = bits, l->nfds = size;
    return true;
}

int lx_fd_alloc_pair(struct lx_proc *p, int fds[2])
{
    if ((fds[0] = lx_fd_alloc(p, 0)) < 0)
        return -1;
    p->leader->fds[fds[0]] = (struct lx_fd *)1; /* held while the second is found */
    fds[1] = lx_fd_alloc(p, 0);
    p->leader->fds[fds[0]] = NULL;
    return fds[1] < 0 ? -1 : 0;
}

int lx_fd_alloc(struct lx_proc *p, uint64_t from)
{
    struct lx_proc *l = p->leader;
    uint64_t top = l->rlim[LX_RLIMIT_NOFILE][0] < LX_NOFILE_MAX ? l->rlim[LX_RLIMIT_NOFILE][0] : LX_NOFILE_MAX;
    uint64_t fd = from > l->next_fd ? from : l->next_fd;

    for (; fd < l->nfds && fd < top; fd++)
        if (!l->fds[fd])
            return (int)fd;
    return fd < top && lx_fd_reserve(p, (unsigned)fd + 1) ? (int)fd : -1;
}

void lx_fd_install(struct lx_proc *p, int fd, struct lx_fd *f, bool cloexec)
{
    struct lx_proc *l = p->leader;
    uint64_t bit = 1ull << (fd % 64);

    if (l->fds[fd]) {
        if (l->fds[fd] != f) /* a close (not F_SETFD): the process's record locks on the file go */
            lx_locks_close(l, l->fds[fd]);
        lx_file_put(l->fds[fd]);
    }
    l->fds[fd] = f;
    l->cloexec[fd / 64] = cloexec ? l->cloexec[fd / 64] | bit : l->cloexec[fd / 64] & ~bit;
    if (!f && (unsigned)fd < l->next_fd)
        l->next_fd = (unsigned)fd;
    while (l->next_fd < l->nfds && l->fds[l->next_fd])
        l->next_fd++;
}

bool lx_fd_cloexec(struct lx_proc *p, unsigned fd) { return p->leader->cloexec[fd / 64] >> (fd % 64) & 1; }

void lx_fd_table_free(struct lx_proc *p)
{
    for (unsigned fd = 0; fd < p->nfds; fd++)
        if (p->fds[fd]) {
            lx_locks_close(p, p->fds[fd]);
            lx_file_put(p->fds[fd]);
        }
    free(p->fds), free(p->cloexec);
    p->fds = NULL, p->cloexec = NULL, p->nfds = p->next_fd = 0;
}

bool lx_fd_table_copy(struct lx_proc *to, struct lx_proc *from)
{
    unsigned n = from->nfds;

    while (n && !from->fds[n - 1])
        n--;
    if (!lx_fd_reserve(to, n ? n : 3))
        return false;
    for (unsigned fd = 0; fd < n; fd++)
        if (from->fds[fd])
            to->fds[fd] = lx_file_get(from->fds[fd]);
    memcpy(to->cloexec, from->cloexec, (n + 63) / 64 * 8);
    to->next_fd = from->next_fd < n ? from->next_fd : n;
    return true;
}

void lx_fd_close_on_exec(struct lx_proc *p)
{
    for (unsigned fd = 0; fd < p->nfds; fd++)
        if (p->fds[fd] && lx_fd_cloexec(p, fd))
            lx_fd_install(p, (int)fd, NULL, false);
    memset(p->cloexec, 0, (p->nfds + 63) / 64 * 8);
}

int lx_path_at(struct lx_proc *p, int64_t dirfd, uint64_t upath, char *out, size_t outlen)
{
    char path[256];
    int e = lx_copy_string(p, path, upath, sizeof(path));

    if (e < 0)
        return e;
    if (path[0] == 0)
        return -LX_ENOENT;
    if (path[0] == '/')
        return snprintf(out, outlen, "%s", path) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
    if ((int32_t)dirfd != AT_FDCWD_) {
        struct lx_fd *f = lx_fd_of(p, (uint64_t)dirfd);
        if (!f)
            return -LX_EBADF;
        if (f->kind != FD_DIR)
            return -LX_ENOTDIR;
        char dir[256];
        if (lx_node_path(f->node, dir, sizeof(dir)) < 0)
            return -LX_ENAMETOOLONG;
        return snprintf(out, outlen, "%s/%s", dir, path) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
    }
    return snprintf(out, outlen, "%s/%s", p->leader->cwd, path) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
}

static int64_t do_fcntl(struct lx_proc *p, struct lx_fd *f, uint64_t fdnum, uint64_t cmd, uint64_t arg)
{
    int fd;

    switch (cmd) {
    case LX_F_GETFD: return lx_fd_cloexec(p, (unsigned)fdnum) ? LX_FD_CLOEXEC : 0;
    case LX_F_SETFD: lx_fd_install(p, (int)fdnum, lx_file_get(f), arg & LX_FD_CLOEXEC); return 0;
    case LX_F_GETFL: return f->flags;
    case LX_F_SETFL: f->flags = (f->flags & ~LX_O_NONBLOCK) | ((int)arg & LX_O_NONBLOCK); return 0;
    case LX_F_DUPFD:
    case LX_F_DUPFD_CLOEXEC:
        if (arg >= LX_NOFILE_MAX || arg >= p->leader->rlim[LX_RLIMIT_NOFILE][0])
            return -LX_EINVAL;
        if ((fd = lx_fd_alloc(p, arg)) < 0)
            return -LX_EMFILE;
        lx_fd_install(p, fd, lx_file_get(f), cmd == LX_F_DUPFD_CLOEXEC);
        return fd;
    case LX_F_GETLK: case LX_F_SETLK: case LX_F_SETLKW: case LX_F_OFD_GETLK: case LX_F_OFD_SETLK:
    case LX_F_OFD_SETLKW:
        return lx_fcntl_lock(p, f, cmd, arg); /* (fs/locks.c) */
    case LX_F_ADD_SEALS: case LX_F_GET_SEALS:
        return lx_memfd_seals(f, cmd, arg); /* (fs/memfd.c) */
    default: return -LX_EINVAL;
    }
}

/* dup2 (flags -1) and dup3. */
static int64_t do_dup3(struct lx_proc *p, struct lx_fd *f, uint64_t from, uint64_t to, int64_t flags)
{
    to = (uint32_t)to;
    if (to >= LX_NOFILE_MAX || to >= p->leader->rlim[LX_RLIMIT_NOFILE][0])
        return -LX_EBADF;
    if ((uint32_t)from == to)
        return flags < 0 ? (int64_t)to : -LX_EINVAL;
    if (flags > 0 && flags != LX_O_CLOEXEC)
        return -LX_EINVAL;
    if (!lx_fd_reserve(p, (unsigned)to + 1))
        return -LX_ENOMEM;
    lx_fd_install(p, (int)to, lx_file_get(f), flags == LX_O_CLOEXEC);
    return (int64_t)to;
}


int64_t sys_close(struct lx_proc *p, struct px_regs *r)
{
    if (!lx_fd_of(p, A0))
        return -LX_EBADF;
    lx_fd_install(p, (int)(uint32_t)A0, NULL, false);
    return 0;
}

int64_t sys_dup(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_fcntl(p, f, (uint32_t)A0, LX_F_DUPFD, 0) : -LX_EBADF;
}

int64_t sys_dup2(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_dup3(p, f, A0, A1, -1) : -LX_EBADF;
}

int64_t sys_dup3(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_dup3(p, f, A0, A1, (int64_t)(A2 & 0xffffffff)) : -LX_EBADF;
}

int64_t sys_fcntl(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_fcntl(p, f, (uint32_t)A0, A1, A2) : -LX_EBADF;
}

/* ioctl: what the file's operations have (the console's are the terminal's). */
int64_t sys_ioctl(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    if (!f)
        return -LX_EBADF;
    return f->ops->ioctl ? f->ops->ioctl(f, p, A1, A2) : -LX_ENOTTY;
}
