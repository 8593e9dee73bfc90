/*
 * The calls that change the file tree or a process's place in it: mkdir, rmdir, unlink, rename,
 * symlink, link (and their *at forms), chown, chmod, utimensat, truncate, fsync, chdir, fchdir, getcwd.
 * A path is made absolute by lx_path_at (at the directory a dirfd names, or the working directory).
 */
#include "kernel/syscall.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define UTIME_NOW_ ((1l << 30) - 1)
#define UTIME_OMIT_ ((1l << 30) - 2)

#define PATH(dirfd, u) do { if ((e = lx_path_at(p, (int64_t)(dirfd), (u), path, sizeof(path))) < 0) return e; } while (0)
#define OTHER(dirfd, u) do { if ((e = lx_path_at(p, (int64_t)(dirfd), (u), other, sizeof(other))) < 0) return e; } while (0)

static int64_t do_mkdir(struct lx_proc *p, int64_t dirfd, uint64_t upath, uint64_t mode)
{
    char path[300];
    int e;

    PATH(dirfd, upath);
    return lx_fs_create(path, S_IFDIR | ((uint32_t)mode & 07777 & ~p->leader->umask), NULL, 0, NULL);
}

int64_t sys_mkdir(struct lx_proc *p, struct px_regs *r) { return do_mkdir(p, AT_FDCWD_, A0, A1); }
int64_t sys_mkdirat(struct lx_proc *p, struct px_regs *r) { return do_mkdir(p, (int64_t)A0, A1, A2); }

static int64_t do_remove(struct lx_proc *p, int64_t dirfd, uint64_t upath, bool dir)
{
    char path[300];
    int e;

    PATH(dirfd, upath);
    return lx_fs_remove(path, dir);
}

int64_t sys_rmdir(struct lx_proc *p, struct px_regs *r) { return do_remove(p, AT_FDCWD_, A0, true); }
int64_t sys_unlink(struct lx_proc *p, struct px_regs *r) { return do_remove(p, AT_FDCWD_, A0, false); }

int64_t sys_unlinkat(struct lx_proc *p, struct px_regs *r)
{
    if (A2 & ~(uint64_t)AT_REMOVEDIR_)
        return -LX_EINVAL;
    return do_remove(p, (int64_t)A0, A1, A2 & AT_REMOVEDIR_);
}

static int64_t do_rename(struct lx_proc *p, int64_t fromfd, uint64_t from, int64_t tofd, uint64_t to)
{
    char path[300], other[300];
    int e;

    PATH(fromfd, from);
    OTHER(tofd, to);
    return lx_fs_rename(path, other);
}

int64_t sys_rename(struct lx_proc *p, struct px_regs *r) { return do_rename(p, AT_FDCWD_, A0, AT_FDCWD_, A1); }
int64_t sys_renameat(struct lx_proc *p, struct px_regs *r) { return do_rename(p, (int64_t)A0, A1, (int64_t)A2, A3); }

int64_t sys_renameat2(struct lx_proc *p, struct px_regs *r)
{
    if (A4)
        return -LX_EINVAL; /* RENAME_NOREPLACE, _EXCHANGE, _WHITEOUT: not in this version */
    return do_rename(p, (int64_t)A0, A1, (int64_t)A2, A3);
}

static int64_t do_symlink(struct lx_proc *p, uint64_t utarget, int64_t dirfd, uint64_t upath)
{
    char target[256], path[300];
    int e;

    if ((e = lx_copy_string(p, target, utarget, sizeof(target))) < 0)
        return e;
    if (!target[0])
        return -LX_ENOENT;
    PATH(dirfd, upath);
    return lx_fs_create(path, S_IFLNK | 0777, target, strlen(target), NULL);
}

int64_t sys_symlink(struct lx_proc *p, struct px_regs *r) { return do_symlink(p, A0, AT_FDCWD_, A1); }
int64_t sys_symlinkat(struct lx_proc *p, struct px_regs *r) { return do_symlink(p, A0, (int64_t)A1, A2); }

static int64_t do_link(struct lx_proc *p, int64_t fromfd, uint64_t from, int64_t tofd, uint64_t to, bool follow)
{
    char path[300], other[300];
    int e;

    PATH(fromfd, from);
    OTHER(tofd, to);
    return lx_fs_link(path, other, follow);
}

int64_t sys_link(struct lx_proc *p, struct px_regs *r) { return do_link(p, AT_FDCWD_, A0, AT_FDCWD_, A1, false); }

int64_t sys_linkat(struct lx_proc *p, struct px_regs *r)
{
    if (A4 & ~(uint64_t)AT_SYMLINK_FOLLOW_)
        return -LX_EINVAL;
    return do_link(p, (int64_t)A0, A1, (int64_t)A2, A3, A4 & AT_SYMLINK_FOLLOW_);
}

/* chown: a disk file system keeps owners; the tmpfs's files stay root's (every process is root). -1 keeps. */
static int64_t chown_node(struct lx_node *n, uint64_t uid, uint64_t gid)
{
    struct lx_attr a = {0};

    if ((uint32_t)uid != 0xffffffffu)
        a.valid |= LX_ATTR_UID, a.uid = (uint32_t)uid;
    if ((uint32_t)gid != 0xffffffffu)
        a.valid |= LX_ATTR_GID, a.gid = (uint32_t)gid;
    if (!n) /* a device or a pipe: root's */
        return ((a.valid & LX_ATTR_UID) && a.uid) || ((a.valid & LX_ATTR_GID) && a.gid) ? -LX_EPERM : 0;
    if (!(a.valid & LX_ATTR_UID))
        a.uid = n->uid;
    if (!(a.valid & LX_ATTR_GID))
        a.gid = n->gid;
    return a.valid ? lx_fs_setattr(n, &a) : 0;
}

static int64_t do_chown(struct lx_proc *p, int64_t dirfd, uint64_t upath, bool follow, uint64_t uid, uint64_t gid)
{
    char path[300];
    struct lx_node *n;
    int e;

    PATH(dirfd, upath);
    if (!(n = lx_fs_lookup(path, follow, &e)))
        return -e;
    return chown_node(n, uid, gid);
}

int64_t sys_chown(struct lx_proc *p, struct px_regs *r) { return do_chown(p, AT_FDCWD_, A0, true, A1, A2); }
int64_t sys_lchown(struct lx_proc *p, struct px_regs *r) { return do_chown(p, AT_FDCWD_, A0, false, A1, A2); }

int64_t sys_fchownat(struct lx_proc *p, struct px_regs *r)
{
    return do_chown(p, (int64_t)A0, A1, !(A4 & AT_SYMLINK_NOFOLLOW_), A2, A3);
}

int64_t sys_fchown(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? chown_node(f->node, A1, A2) : -LX_EBADF;
}

static int64_t do_chmod(struct lx_proc *p, int64_t dirfd, uint64_t upath, uint64_t mode)
{
    char path[300];
    struct lx_node *n;
    int e;

    PATH(dirfd, upath);
    if (!(n = lx_fs_lookup(path, true, &e)))
        return -e;
    return lx_fs_setattr(n, &(struct lx_attr){.valid = LX_ATTR_MODE, .mode = (uint32_t)mode & 07777});
}

int64_t sys_chmod(struct lx_proc *p, struct px_regs *r) { return do_chmod(p, AT_FDCWD_, A0, A1); }
int64_t sys_fchmodat(struct lx_proc *p, struct px_regs *r) { return do_chmod(p, (int64_t)A0, A1, A2); }

int64_t sys_fchmod(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    if (!f)
        return -LX_EBADF;
    if (f->node)
        return lx_fs_setattr(f->node, &(struct lx_attr){.valid = LX_ATTR_MODE, .mode = (uint32_t)A1 & 07777});
    return 0;
}

/* utimensat: the modification time (the tree keeps one time per node). */
int64_t sys_utimensat(struct lx_proc *p, struct px_regs *r)
{
    int64_t ts[4] = {0, UTIME_NOW_, 0, UTIME_NOW_};
    char path[300];
    struct lx_node *n;
    struct lx_fd *f;
    int e;

    if (A2 && lx_copy_in(p, ts, A2, sizeof(ts)) < 0)
        return -LX_EFAULT;
    if (!A1) {
        if (!(f = lx_fd_of(p, A0)))
            return -LX_EBADF;
        n = f->node;
    } else {
        PATH(A0, A1);
        if (!(n = lx_fs_lookup(path, !(A3 & AT_SYMLINK_NOFOLLOW_), &e)))
            return -e;
    }
    if (ts[3] != UTIME_OMIT_ && ts[3] != UTIME_NOW_ && (ts[3] < 0 || ts[3] >= 1000000000))
        return -LX_EINVAL;
    if (ts[1] != UTIME_OMIT_ && ts[1] != UTIME_NOW_ && (ts[1] < 0 || ts[1] >= 1000000000))
        return -LX_EINVAL;
    struct lx_attr a = {0};
    int64_t now = (int64_t)libos_wallclock_ns();
    if (ts[3] != UTIME_OMIT_)
        a.valid |= LX_ATTR_MTIME, a.mtime_ns = ts[3] == UTIME_NOW_ ? now : ts[2] * 1000000000 + ts[3];
    if (ts[1] != UTIME_OMIT_)
        a.valid |= LX_ATTR_ATIME, a.atime_ns = ts[1] == UTIME_NOW_ ? now : ts[0] * 1000000000 + ts[1];
    return n && a.valid ? lx_fs_setattr(n, &a) : 0;
}

int64_t sys_truncate(struct lx_proc *p, struct px_regs *r)
{
    char path[300];
    struct lx_node *n;
    int e;

    if ((int64_t)A1 < 0)
        return -LX_EINVAL;
    PATH(AT_FDCWD_, A0);
    if (!(n = lx_fs_lookup(path, true, &e)))
        return -e;
    return S_ISDIR(n->mode) ? -LX_EISDIR : lx_fs_truncate(n, A1);
}

int64_t sys_ftruncate(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    if ((int64_t)A1 < 0)
        return -LX_EINVAL;
    if (!f)
        return -LX_EBADF;
    if (f->kind != FD_FILE || !(f->flags & LX_O_ACCMODE))
        return -LX_EINVAL;
    return lx_fs_truncate(f->node, A1);
}

/* fsync, fdatasync: the whole file system of the file is written back (fs/mount.c's syncfs). */
int64_t sys_fsync(struct lx_proc *p, struct px_regs *r) { return sys_syncfs(p, r); }
int64_t sys_fdatasync(struct lx_proc *p, struct px_regs *r) { return sys_syncfs(p, r); }

int64_t sys_fchdir(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    if (!f)
        return -LX_EBADF;
    if (f->kind != FD_DIR)
        return -LX_ENOTDIR;
    return lx_node_path(f->node, p->leader->cwd, sizeof(p->leader->cwd)) < 0 ? -LX_ENAMETOOLONG : 0;
}

int64_t sys_chdir(struct lx_proc *p, struct px_regs *r)
{
    char path[128];
    int e;

    if ((e = lx_path_at(p, AT_FDCWD_, A0, path, sizeof(path))) < 0)
        return e;
    struct lx_node *n = lx_fs_lookup(path, true, &e);
    if (!n)
        return -e;
    if (!S_ISDIR(n->mode))
        return -LX_ENOTDIR;
    return lx_node_path(n, p->leader->cwd, sizeof(p->leader->cwd)) < 0 ? -LX_ENAMETOOLONG : 0;
}

int64_t sys_getcwd(struct lx_proc *p, struct px_regs *r)
{
    uint64_t n = strlen(p->leader->cwd) + 1;

    if (A1 < n)
        return -LX_ERANGE;
    return lx_copy_out(p, A0, p->leader->cwd, n) < 0 ? -LX_EFAULT : (int64_t)n;
}

/*
 * fallocate, on the tmpfs and memfds (files in lx's memory): mode 0 makes the file at least offset + len
 * bytes long; FALLOC_FL_KEEP_SIZE leaves the size (the memory is taken when the bytes are written, as
 * the tmpfs takes it for any write, so a later write may still find memory short); with
 * FALLOC_FL_PUNCH_HOLE the range becomes zeros. Other modes, and files of other file systems (ext2 has
 * no fallocate on Linux either), are EOPNOTSUPP.
 */
#define FALLOC_KEEP_SIZE 1u
#define FALLOC_PUNCH_HOLE 2u
int64_t sys_fallocate(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);
    uint32_t mode = (uint32_t)A1;
    int64_t off = (int64_t)A2, len = (int64_t)A3, end;

    if (!f)
        return -LX_EBADF;
    if (off < 0 || len <= 0)
        return -LX_EINVAL;
    if (!(f->flags & LX_O_ACCMODE))
        return -LX_EBADF;
    if (f->kind == FD_PIPE_READ || f->kind == FD_PIPE_WRITE)
        return -LX_ESPIPE;
    if (f->kind == FD_DIR)
        return -LX_EISDIR;
    if (f->kind != FD_FILE)
        return -LX_ENODEV;
    if (mode & ~(FALLOC_KEEP_SIZE | FALLOC_PUNCH_HOLE) || mode == FALLOC_PUNCH_HOLE)
        return -LX_EOPNOTSUPP; /* (a hole must keep the size: EOPNOTSUPP too, as the tmpfs says) */
    if (__builtin_add_overflow(off, len, &end))
        return -LX_EFBIG;
    if (!lx_memfd_node(f->node) && (!f->node->mnt || f->node->mnt->ops != &lx_tmpfs_ops))
        return -LX_EOPNOTSUPP;
    if (mode & FALLOC_PUNCH_HOLE) {
        uint64_t size = f->node->size, stop = (uint64_t)end < size ? (uint64_t)end : size;
        static const uint8_t zeros[4096];
        for (uint64_t at = (uint64_t)off; at < stop;) {
            uint64_t n = stop - at < sizeof(zeros) ? stop - at : sizeof(zeros);
            int e = lx_fs_write(f->node, at, zeros, n);
            if (e < 0)
                return e;
            at += n;
        }
        return 0;
    }
    if (mode & FALLOC_KEEP_SIZE || (uint64_t)end <= f->node->size)
        return 0;
    return lx_fs_truncate(f->node, (uint64_t)end);
}
