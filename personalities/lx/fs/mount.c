/*
 * mount, umount2, statfs, fstatfs, sync and syncfs. The file system types mount(2) can make are
 * those in `types` (a disk's: the source is the disk's name in lx's manifest); the root's tmpfs is
 * the one the initramfs makes at start, and /proc is served beside the VFS.
 */
#include "kernel/syscall.h"
#include <string.h>
#include <sys/stat.h>

#define MS_RDONLY 1
#define MNT_FORCE 1
#define MNT_DETACH 2

/* A file system type mount(2) can make: mount it from source at path. */
struct fs_type {
    const char *name;
    int (*mount)(const char *source, const char *path, bool rdonly);
};

/* The disk file systems mount(2) makes (any other type is ENODEV). */
static const struct fs_type types[] = {{"ext2", lx_ext2_mount}, {NULL, NULL}};

int64_t sys_mount(struct lx_proc *p, struct px_regs *r)
{
    char source[64], target[256], type[32];
    int e;

    if ((e = lx_copy_string(p, source, A0, sizeof(source))) < 0 ||
        (e = lx_path_at(p, AT_FDCWD_, A1, target, sizeof(target))) < 0 ||
        (e = lx_copy_string(p, type, A2, sizeof(type))) < 0)
        return e;
    for (const struct fs_type *t = types; t->name; t++)
        if (strcmp(t->name, type) == 0)
            return t->mount(source, target, A3 & MS_RDONLY);
    return -LX_ENODEV;
}

int64_t sys_umount2(struct lx_proc *p, struct px_regs *r)
{
    char target[256];
    int e;

    if (A1 & ~(uint64_t)(MNT_FORCE | MNT_DETACH | 4 /* MNT_EXPIRE */ | 8 /* UMOUNT_NOFOLLOW */))
        return -LX_EINVAL;
    if ((e = lx_path_at(p, AT_FDCWD_, A0, target, sizeof(target))) < 0)
        return e;
    return lx_vfs_umount(target);
}

/* struct statfs on x86_64. */
static int put_statfs(struct lx_proc *p, uint64_t ubuf, const struct lx_statfs *st, const struct lx_mount *m)
{
    uint64_t out[15] = {st->type, st->bsize, st->blocks, st->bfree, st->bavail, st->files, st->ffree,
                        m ? m->dev : 0 /* f_fsid */, st->namelen, st->bsize /* f_frsize */,
                        m && m->rdonly ? 1 : 0 /* f_flags: ST_RDONLY */};

    return lx_copy_out(p, ubuf, out, 120) < 0 ? -LX_EFAULT : 0;
}

static int statfs_of(struct lx_node *n, struct lx_statfs *st)
{
    if (!n || !n->mnt) { /* a /proc snapshot, a device, a pipe */
        *st = (struct lx_statfs){.type = n ? 0x9fa0 /* PROC_SUPER_MAGIC */ : 0x50495045 /* PIPEFS_MAGIC */,
                                 .bsize = 4096, .namelen = 255};
        return 0;
    }
    if (!n->mnt->ops->statfs)
        return -LX_ENOSYS;
    n->mnt->ops->statfs(n->mnt, st);
    return 0;
}

int64_t sys_statfs(struct lx_proc *p, struct px_regs *r)
{
    char path[300];
    struct lx_statfs st;
    struct lx_node *n;
    int e;

    if ((e = lx_path_at(p, AT_FDCWD_, A0, path, sizeof(path))) < 0)
        return e;
    struct lx_node *pn = lx_procfs_lookup(p, path, true, &e);
    if (pn || e) {
        lx_procfs_free(pn);
        if (!pn)
            return -e;
        statfs_of(pn, &st);
        return put_statfs(p, A1, &st, NULL);
    }
    if (!(n = lx_fs_lookup(path, true, &e)))
        return -e;
    if ((e = statfs_of(n, &st)) < 0)
        return e;
    return put_statfs(p, A1, &st, n->mnt);
}

int64_t sys_fstatfs(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);
    struct lx_statfs st;
    int e;

    if (!f)
        return -LX_EBADF;
    if ((e = statfs_of(f->node, &st)) < 0)
        return e;
    return put_statfs(p, A1, &st, f->node ? f->node->mnt : NULL);
}

/* sync: every mount's data on its disk before it returns (Linux's sync returns nothing). */
int64_t sys_sync(struct lx_proc *p, struct px_regs *r)
{
    lx_vfs_sync();
    return 0;
}

/* syncfs, fsync, fdatasync: the file system of the descriptor's file (a pipe or device has nothing). */
int64_t sys_syncfs(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);
    int e;

    if (!f)
        return -LX_EBADF;
    if (f->node && f->node->mnt && (e = lx_filemap_sync(f->node->mnt)) < 0) /* its mapped files' pages */
        return e;
    if (f->ops->fsync)
        return f->ops->fsync(f);
    if (!f->node || !f->node->mnt || !f->node->mnt->ops->sync)
        return 0;
    return f->node->mnt->ops->sync(f->node->mnt);
}
