/*
 * A process's descriptor table: descriptors name counted open file descriptions (fs/file.c), the
 * close-on-exec bits, and the calls that change the table (close, dup, dup2, dup3, fcntl). Also the
 * (dirfd, path) resolution every path-taking call uses, and ioctl's dispatch.
 */
#include "kernel/syscall.h"
#include <stdio.h>
#include <string.h>

struct lx_fd *lx_fd_of(struct lx_proc *p, uint64_t reg)
{
    uint32_t fd = (uint32_t)reg;

    return fd < LX_MAX_FDS ? p->leader->fds[fd] : NULL;
}

int lx_fd_alloc(struct lx_proc *p, uint64_t from)
{
    uint64_t top = p->leader->rlim[LX_RLIMIT_NOFILE][0];

    for (uint64_t fd = from; fd < LX_MAX_FDS && fd < top; fd++)
        if (!p->leader->fds[fd])
            return (int)fd;
    return -1;
}

void lx_fd_install(struct lx_proc *p, int fd, struct lx_fd *f, bool cloexec)
{
    if (p->leader->fds[fd])
        lx_file_put(p->leader->fds[fd]);
    p->leader->fds[fd] = f;
    p->leader->cloexec = cloexec ? p->leader->cloexec | 1ull << fd : p->leader->cloexec & ~(1ull << fd);
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
    case LX_F_GETFD: return p->leader->cloexec >> fdnum & 1 ? LX_FD_CLOEXEC : 0;
    case LX_F_SETFD: p->leader->cloexec = arg & LX_FD_CLOEXEC ? p->leader->cloexec | 1ull << fdnum : p->leader->cloexec & ~(1ull << fdnum); return 0;
    case LX_F_GETFL: return f->flags;
    case LX_F_SETFL: f->flags = (f->flags & ~LX_O_NONBLOCK) | ((int)arg & LX_O_NONBLOCK); return 0;
    case LX_F_DUPFD:
    case LX_F_DUPFD_CLOEXEC:
        if (arg >= LX_MAX_FDS || arg >= p->leader->rlim[LX_RLIMIT_NOFILE][0])
            return -LX_EINVAL;
        if ((fd = lx_fd_alloc(p, arg)) < 0)
            return -LX_EMFILE;
        lx_fd_install(p, fd, lx_file_get(f), cmd == LX_F_DUPFD_CLOEXEC);
        return fd;
    default: return -LX_EINVAL;
    }
}

/* dup2 (flags -1) and dup3. */
static int64_t do_dup3(struct lx_proc *p, struct lx_fd *f, uint64_t from, uint64_t to, int64_t flags)
{
    to = (uint32_t)to;
    if (to >= LX_MAX_FDS || to >= p->leader->rlim[LX_RLIMIT_NOFILE][0])
        return -LX_EBADF;
    if ((uint32_t)from == to)
        return flags < 0 ? (int64_t)to : -LX_EINVAL;
    if (flags > 0 && flags != LX_O_CLOEXEC)
        return -LX_EINVAL;
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
