/*
 * memfd_create (man 2 memfd_create): a file in lx's memory with no name in the tree, as Linux's are on
 * an internal tmpfs. Its node belongs to a file system of its own, not mounted anywhere, so no path
 * leads to it; /proc/<pid>/fd/N names it "/memfd:NAME (deleted)" and opening that link gives another
 * description of it. The node lives while a description of it does (counted by the file operations'
 * open and release). Seals (F_ADD_SEALS, F_GET_SEALS, man 2 fcntl "File Sealing") are kept with it and
 * checked where its size and bytes change: write, truncate, fallocate.
 */
#include "kernel/syscall.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MFD_CLOEXEC 1u
#define MFD_ALLOW_SEALING 2u
#define MFD_HUGETLB 4u
#define MFD_NOEXEC_SEAL 8u
#define MFD_EXEC 0x10u
#define SEAL_SEAL 1u
#define SEAL_SHRINK 2u
#define SEAL_GROW 4u
#define SEAL_WRITE 8u
#define SEAL_FUTURE_WRITE 0x10u
#define SEAL_EXEC 0x20u
#define SEALS_ALL 0x3fu

struct memfd {
    struct lx_node node; /* node.path is "memfd:NAME" */
    unsigned seals;
    int refs;            /* open descriptions */
};

extern const struct lx_fs_ops lx_memfd_fs_ops;
static struct lx_mount memfd_mount = {.path = "", .source = "memfd", .ops = &lx_memfd_fs_ops, .dev = 1};

static struct memfd *memfd_of(const struct lx_node *n)
{
    return n && n->mnt == &memfd_mount ? (struct memfd *)((char *)n - offsetof(struct memfd, node)) : NULL;
}

static int memfd_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len)
{
    struct memfd *m = memfd_of(n);

    if (m->seals & (SEAL_WRITE | SEAL_FUTURE_WRITE) || ((m->seals & SEAL_GROW) && off + len > n->size))
        return -LX_EPERM;
    return lx_tmpfs_write(n, off, buf, len);
}

static int memfd_truncate(struct lx_node *n, uint64_t size)
{
    struct memfd *m = memfd_of(n);

    if (((m->seals & SEAL_SHRINK) && size < n->size) || ((m->seals & SEAL_GROW) && size > n->size))
        return -LX_EPERM;
    return lx_tmpfs_truncate(n, size);
}

static struct lx_node *memfd_lookup(struct lx_mount *m, const char *path, int *err)
{
    *err = LX_ENOENT; /* (never asked: no path leads here) */
    return NULL;
}

static void memfd_statfs(struct lx_mount *m, struct lx_statfs *st) { lx_tmpfs_ops.statfs(m, st); }
static int memfd_sync(struct lx_mount *m) { return 0; }

static void memfd_open(struct lx_fd *f) { memfd_of(f->node)->refs++; }

static void memfd_release(struct lx_fd *f)
{
    struct memfd *m = memfd_of(f->node);

    if (--m->refs == 0) {
        free(m->node.data);
        free(m->node.path);
        free(m);
    }
}

static int64_t memfd_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    return lx_node_file_ops.read(f, p, buf, len, off);
}

static int64_t memfd_fwrite(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    return lx_node_file_ops.write(f, p, buf, len, off);
}

static const struct lx_file_ops memfd_file_ops = {.read = memfd_read, .write = memfd_fwrite, .open = memfd_open,
                                                  .release = memfd_release, .seekable = true};

const struct lx_fs_ops lx_memfd_fs_ops = {.type = "tmpfs", .lookup = memfd_lookup, .write = memfd_write,
                                          .truncate = memfd_truncate, .statfs = memfd_statfs, .sync = memfd_sync,
                                          .file_ops = &memfd_file_ops};

int64_t sys_memfd_create(struct lx_proc *p, struct px_regs *r)
{
    char name[250]; /* 249 bytes and the NUL, as Linux's limit */
    uint64_t flags = A1;
    int e, fd;

    if ((e = lx_copy_string(p, name, A0, sizeof(name))) < 0)
        return e == -LX_ENAMETOOLONG ? -LX_EINVAL : e;
    if ((flags & ~(uint64_t)(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) ||
        ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC)))
        return -LX_EINVAL; /* MFD_HUGETLB among them: lx has no huge pages */
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    struct memfd *m = calloc(1, sizeof(*m));
    size_t len = strlen(name);
    char *path = malloc(len + 7);
    if (!m || !path) {
        free(m), free(path);
        return -LX_ENOMEM;
    }
    memcpy(path, "memfd:", 6), memcpy(path + 6, name, len + 1);
    static uint32_t next_ino = 1;
    m->node = (struct lx_node){.path = path, .mode = S_IFREG | ((flags & MFD_NOEXEC_SEAL) ? 0666 : 0777),
                               .ino = next_ino++, .gone = true, .mtime_ns = libos_wallclock_ns(), .mnt = &memfd_mount};
    m->seals = (flags & MFD_NOEXEC_SEAL) ? SEAL_EXEC : (flags & MFD_ALLOW_SEALING) ? 0 : SEAL_SEAL;
    struct lx_fd *f = lx_file_new(FD_FILE, &m->node, LX_O_RDWR);
    if (!f) {
        free(path), free(m);
        return -LX_ENOMEM;
    }
    lx_fd_install(p, fd, f, flags & MFD_CLOEXEC);
    return fd;
}

int64_t lx_memfd_seals(struct lx_fd *f, uint64_t cmd, uint64_t arg)
{
    struct memfd *m = f->kind == FD_FILE ? memfd_of(f->node) : NULL;

    if (!m)
        return -LX_EINVAL; /* only a memfd takes seals here */
    if (cmd == LX_F_GET_SEALS)
        return m->seals;
    if ((unsigned)arg & ~SEALS_ALL)
        return -LX_EINVAL;
    if (!(f->flags & LX_O_ACCMODE) || (m->seals & SEAL_SEAL))
        return -LX_EPERM;
    m->seals |= (unsigned)arg; /* (no shared writable mapping of it can exist: F_SEAL_WRITE is never EBUSY) */
    return 0;
}

bool lx_memfd_node(const struct lx_node *n) { return memfd_of(n) != NULL; }
