/*
 * open and openat: a path names a /proc snapshot (read-only), a descriptor's link (/proc/<pid>/fd/N,
 * /dev/fd/N: a new description of that open file, fs/procfs.c), a device (fs/devfs.c) or a node of the
 * tree, which O_CREAT makes and O_TRUNC empties; the new description goes at the lowest free descriptor.
 */
#include "kernel/syscall.h"
#include "dev/blk.h"
#include <string.h>
#include <sys/stat.h>

int64_t sys_openat(struct lx_proc *p, struct px_regs *r)
{
    char path[300];
    enum lx_fd_kind kind;
    int e, fd;

    if ((e = lx_path_at(p, (int64_t)A0, A1, path, sizeof(path))) < 0)
        return e;
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    struct lx_fd *disk = lx_devfs_open_disk(path, (int)A2, &e);
    if (disk || e) {
        if (disk)
            lx_fd_install(p, fd, disk, A2 & LX_O_CLOEXEC);
        return disk ? fd : e;
    }
    struct lx_fd *same = A2 & LX_O_NOFOLLOW ? NULL : lx_procfs_fd(p, path, &e);
    if (same || e) { /* /proc/<pid>/fd/N, /dev/fd/N: the same file, a new description */
        if (!same || (A2 & (LX_O_CREAT | LX_O_EXCL)) == (LX_O_CREAT | LX_O_EXCL))
            return same ? -LX_EEXIST : -e;
        if (!(same = lx_fd_reopen(same, (int)A2 & ~LX_O_CLOEXEC, &e)))
            return -e;
        lx_fd_install(p, fd, same, A2 & LX_O_CLOEXEC);
        return fd;
    }
    lx_devfs_kind(path, &kind);
    struct lx_node *n = lx_procfs_lookup(p, path, !(A2 & LX_O_NOFOLLOW), &e);
    bool writing = (A2 & LX_O_ACCMODE) != 0;
    if (n || e) { /* under /proc: read-only snapshots */
        e = !n ? -e : (writing || (A2 & LX_O_CREAT)) ? -LX_EACCES : S_ISLNK(n->mode) ? -LX_ELOOP
            : ((A2 & LX_O_DIRECTORY) && !S_ISDIR(n->mode)) ? -LX_ENOTDIR : 0;
        struct lx_fd *f = e ? NULL : lx_file_new(S_ISDIR(n->mode) ? FD_DIR : FD_FILE, n, (int)A2);
        if (!f) {
            lx_procfs_free(n);
            return e ? e : -LX_ENOMEM;
        }
        lx_fd_install(p, fd, f, A2 & LX_O_CLOEXEC);
        return fd;
    }
    if (kind == FD_NONE) {
        n = lx_fs_lookup(path, !(A2 & LX_O_NOFOLLOW), &e);
        if (n && (A2 & LX_O_CREAT) && (A2 & LX_O_EXCL))
            return -LX_EEXIST;
        if (!n && e == LX_ENOENT && (A2 & LX_O_CREAT)) {
            if (A2 & LX_O_DIRECTORY)
                return -LX_EINVAL;
            if ((e = -lx_fs_create(path, S_IFREG | ((uint32_t)A3 & 07777 & ~p->leader->umask), NULL, 0, &n)) != 0)
                return -e;
        }
        if (!n)
            return -e;
        if ((A2 & LX_O_DIRECTORY) && !S_ISDIR(n->mode))
            return -LX_ENOTDIR;
        if (S_ISDIR(n->mode) && (writing || (A2 & LX_O_CREAT)))
            return -LX_EISDIR;
        if (S_ISLNK(n->mode))
            return -LX_ELOOP; /* O_NOFOLLOW on a symlink */
        if (writing && (A2 & LX_O_TRUNC) && (e = lx_fs_truncate(n, 0)) < 0)
            return e;
        kind = S_ISDIR(n->mode) ? FD_DIR : FD_FILE;
    }
    struct lx_fd *f = lx_file_new(kind, n, (int)A2);
    if (!f)
        return -LX_ENOMEM;
    lx_fd_install(p, fd, f, A2 & LX_O_CLOEXEC);
    return fd;
}

int64_t sys_open(struct lx_proc *p, struct px_regs *r)
{
    struct px_regs at = *r; /* openat's arguments, without changing what the process gets back */

    at.r10 = A2, at.rdx = A1, at.rsi = A0, at.rdi = (uint64_t)AT_FDCWD_;
    return sys_openat(p, &at);
}
