/*
 * stat, lstat, fstat, newfstatat and statx; readlink; access. What they report of a device, a /proc
 * snapshot or a tree node, in the x86_64 struct stat and struct statx layouts.
 */
#include "kernel/syscall.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct linux_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    int64_t reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat on x86_64 Linux");

static void fill_stat(struct linux_stat *st, struct lx_node *n, enum lx_fd_kind kind)
{
    memset(st, 0, sizeof(*st));
    st->nlink = 1;
    st->blksize = 4096;
    if (kind == FD_PIPE_READ || kind == FD_PIPE_WRITE) { /* (fill_fd gives its number) */
        st->dev = 12; /* pipefs's */
        st->mode = S_IFIFO | 0600;
        return;
    }
    if (!n) { /* a device: the console, null, zero, urandom */
        st->dev = 6; /* /dev's */
        st->mode = S_IFCHR | 0666;
        st->ino = 100 + kind;
        st->rdev = kind == FD_CONSOLE ? (5ull << 8 | 1) : (1ull << 8 | 3);
        return;
    }
    st->dev = n->mnt ? n->mnt->dev : 3; /* its mount's; /proc's */
    st->ino = n->ino;
    st->mode = n->mode;
    st->uid = n->uid, st->gid = n->gid;
    st->nlink = lx_fs_nlink(n);
    st->size = (int64_t)n->size;
    st->blocks = (int64_t)(n->size + 511) / 512;
    st->atime = st->mtime = st->ctime = n->mtime_ns / 1000000000;
    st->atime_ns = st->mtime_ns = st->ctime_ns = n->mtime_ns % 1000000000;
    if (n->full_stat) {
        st->blocks = (int64_t)n->blocks;
        st->atime = n->atime_ns / 1000000000, st->atime_ns = n->atime_ns % 1000000000;
        st->ctime = n->ctime_ns / 1000000000, st->ctime_ns = n->ctime_ns % 1000000000;
    }
}

/* What an open description is: its node's, its device's or its pipe's; one without a node whose
 * operations give a mode (a socket) reports that mode. */
static void fill_fd_stat(struct linux_stat *st, const struct lx_fd *f)
{
    fill_stat(st, f->node, f->kind);
    if (f->pipe)
        st->ino = f->pipe->ino;
    if (!f->node && f->ops->stat_mode) {
        st->dev = 8; /* (the socket file system's) */
        st->mode = f->ops->stat_mode;
        st->rdev = 0;
    }
}

static int stat_of(struct lx_proc *p, int64_t dirfd, uint64_t upath, int flags, struct linux_stat *st)
{
    char path[300];
    enum lx_fd_kind kind;
    int e;

    if (flags & AT_EMPTY_PATH_) {
        char c;
        if (lx_copy_in(p, &c, upath, 1) == 0 && c == 0) {
            struct lx_fd *f = lx_fd_of(p, (uint64_t)dirfd);
            if (!f)
                return -LX_EBADF;
            fill_fd_stat(st, f);
            return 0;
        }
    }
    if ((e = lx_path_at(p, dirfd, upath, path, sizeof(path))) < 0)
        return e;
    struct lx_fd *f = flags & AT_SYMLINK_NOFOLLOW_ ? NULL : lx_procfs_fd(p, path, &e);
    if (f || e) { /* /proc/<pid>/fd/N followed: the open file */
        if (f)
            fill_fd_stat(st, f);
        return f ? 0 : -e;
    }
    lx_devfs_kind(path, &kind);
    struct lx_node *pn = lx_procfs_lookup(p, path, !(flags & AT_SYMLINK_NOFOLLOW_), &e);
    if (pn || e) {
        if (!pn)
            return -e;
        fill_stat(st, pn, FD_FILE);
        lx_procfs_free(pn);
        return 0;
    }
    struct lx_node *n = kind == FD_NONE ? lx_fs_lookup(path, !(flags & AT_SYMLINK_NOFOLLOW_), &e) : NULL;
    if (kind == FD_NONE && !n)
        return -e;
    fill_stat(st, n, kind);
    return 0;
}

static int64_t do_stat(struct lx_proc *p, struct px_regs *r, int64_t dirfd, uint64_t upath, uint64_t ust, int flags)
{
    struct linux_stat st;
    int e = stat_of(p, dirfd, upath, flags, &st);

    if (e < 0)
        return e;
    return lx_copy_out(p, ust, &st, sizeof(st)) < 0 ? -LX_EFAULT : 0;
}

/* statx: the same facts in struct statx (all of STATX_BASIC_STATS). */
static int64_t do_statx(struct lx_proc *p, int64_t dirfd, uint64_t upath, uint64_t flags, uint64_t ustx)
{
    struct linux_stat st;
    uint8_t x[256] = {0};
    uint32_t mask = 0x7ff, blksize, nlink;
    uint16_t mode;
    int e;

    if (flags & ~(uint64_t)(AT_EMPTY_PATH_ | AT_SYMLINK_NOFOLLOW_ | 0x800 /* AT_NO_AUTOMOUNT */ | 0x6000 /* sync */))
        return -LX_EINVAL;
    if ((e = stat_of(p, dirfd, upath, (int)flags, &st)) < 0)
        return e;
    blksize = (uint32_t)st.blksize, nlink = (uint32_t)st.nlink, mode = (uint16_t)st.mode;
    memcpy(x + 0, &mask, 4), memcpy(x + 4, &blksize, 4), memcpy(x + 16, &nlink, 4);
    memcpy(x + 20, &st.uid, 4), memcpy(x + 24, &st.gid, 4), memcpy(x + 28, &mode, 2);
    memcpy(x + 32, &st.ino, 8), memcpy(x + 40, &st.size, 8), memcpy(x + 48, &st.blocks, 8);
    int64_t times[4][2] = {{st.atime, st.atime_ns}, {st.mtime, st.mtime_ns}, {st.ctime, st.ctime_ns}, {st.mtime, st.mtime_ns}};
    for (int i = 0; i < 4; i++) { /* atime, btime, ctime, mtime */
        uint32_t ns = (uint32_t)times[i][1];
        memcpy(x + 64 + i * 16, &times[i][0], 8), memcpy(x + 72 + i * 16, &ns, 4);
    }
    uint32_t rdev_major = (uint32_t)(st.rdev >> 8), rdev_minor = (uint32_t)(st.rdev & 0xff);
    memcpy(x + 128, &rdev_major, 4), memcpy(x + 132, &rdev_minor, 4);
    uint32_t dev_major = (uint32_t)(st.dev >> 8), dev_minor = (uint32_t)(st.dev & 0xff);
    memcpy(x + 136, &dev_major, 4), memcpy(x + 140, &dev_minor, 4);
    return lx_copy_out(p, ustx, x, sizeof(x)) < 0 ? -LX_EFAULT : 0;
}

static int64_t do_fstat(struct lx_proc *p, struct lx_fd *f, uint64_t ust)
{
    struct linux_stat st;

    fill_fd_stat(&st, f);
    return lx_copy_out(p, ust, &st, sizeof(st)) < 0 ? -LX_EFAULT : 0;
}

static int64_t do_readlink(struct lx_proc *p, int64_t dirfd, uint64_t upath, uint64_t buf, uint64_t len)
{
    char path[300];
    int e;

    if ((e = lx_path_at(p, dirfd, upath, path, sizeof(path))) < 0)
        return e;
    struct lx_node *pn = lx_procfs_lookup(p, path, false, &e);
    if (pn || e) {
        if (!pn)
            return -e;
        uint64_t k = pn->size < len ? pn->size : len;
        e = !S_ISLNK(pn->mode) ? -LX_EINVAL : lx_copy_out(p, buf, pn->data, k) < 0 ? -LX_EFAULT : (int)k;
        lx_procfs_free(pn);
        return e;
    }
    struct lx_node *n = lx_fs_lookup(path, false, &e);
    if (!n)
        return -e;
    if (!S_ISLNK(n->mode))
        return -LX_EINVAL;
    uint64_t k = n->size < len ? n->size : len;
    return lx_copy_out(p, buf, n->data, k) < 0 ? -LX_EFAULT : (int64_t)k;
}


int64_t sys_stat(struct lx_proc *p, struct px_regs *r) { return do_stat(p, r, AT_FDCWD_, A0, A1, 0); }
int64_t sys_lstat(struct lx_proc *p, struct px_regs *r) { return do_stat(p, r, AT_FDCWD_, A0, A1, AT_SYMLINK_NOFOLLOW_); }
int64_t sys_newfstatat(struct lx_proc *p, struct px_regs *r) { return do_stat(p, r, (int64_t)A0, A1, A2, (int)A3); }
int64_t sys_statx(struct lx_proc *p, struct px_regs *r) { return do_statx(p, (int64_t)A0, A1, A2, A4); }
int64_t sys_readlink(struct lx_proc *p, struct px_regs *r) { return do_readlink(p, AT_FDCWD_, A0, A1, A2); }
int64_t sys_readlinkat(struct lx_proc *p, struct px_regs *r) { return do_readlink(p, (int64_t)A0, A1, A2, A3); }

int64_t sys_fstat(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_fstat(p, f, A1) : -LX_EBADF;
}

/* access and faccessat: whether the path is there (every process is root, so any mode is granted). */
static int64_t do_access(struct lx_proc *p, int64_t dirfd, uint64_t upath)
{
    char path[300];
    int e;

    if ((e = lx_path_at(p, dirfd, upath, path, sizeof(path))) < 0)
        return e;
    if (lx_procfs_fd(p, path, &e) || e)
        return -e;
    struct lx_node *pn = lx_procfs_lookup(p, path, true, &e);
    if (pn || e) {
        lx_procfs_free(pn);
        return pn ? 0 : -e;
    }
    return lx_fs_lookup(path, true, &e) ? 0 : -e;
}

int64_t sys_access(struct lx_proc *p, struct px_regs *r) { return do_access(p, AT_FDCWD_, A0); }
int64_t sys_faccessat(struct lx_proc *p, struct px_regs *r) { return do_access(p, (int64_t)A0, A1); }
