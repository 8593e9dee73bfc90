/*
 * Linux's x86_64 system calls (numbers, registers and negative-errno results as in the kernel's ABI;
 * semantics from man 2). Arguments come in rdi, rsi, rdx, r10, r8, r9 of the process's registers; every
 * pointer is copied through lx_copy_in/out, which return -LX_EFAULT for anything the process has not mapped.
 * A call lx does not implement returns -LX_ENOSYS and is counted for the report at exit: nothing is faked.
 */
#include "lx.h"
#include "dev/hostio.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define A0 r->rdi
#define A1 r->rsi
#define A2 r->rdx
#define A3 r->r10
#define A4 r->r8
#define AT_FDCWD_ (-100)
#define AT_EMPTY_PATH_ 0x1000
#define AT_SYMLINK_NOFOLLOW_ 0x100
#define MAP_SHARED_ 0x01
#define MAP_PRIVATE_ 0x02
#define MAP_FIXED_ 0x10
#define MAP_ANONYMOUS_ 0x20
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define NSYSCALLS 512

static unsigned unimplemented[NSYSCALLS];

struct linux_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    int64_t reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat on x86_64 Linux");

static unsigned prot_of(uint64_t linux_prot)
{
    return (linux_prot & 1 ? PX_PROT_READ : 0) | (linux_prot & 2 ? PX_PROT_WRITE | PX_PROT_READ : 0) |
           (linux_prot & 4 ? PX_PROT_EXEC | PX_PROT_READ : 0);
}

/* A file descriptor argument: an int in the Linux ABI, so only the register's low 32 bits count. */
static struct lx_fd *fd_of(struct lx_proc *p, uint64_t reg)
{
    uint32_t fd = (uint32_t)reg;

    return fd < LX_MAX_FDS ? p->leader->fds[fd] : NULL;
}

/* The lowest free descriptor at or above from, or -1. */
static int free_fd(struct lx_proc *p, uint64_t from)
{
    uint64_t top = p->leader->rlim[LX_RLIMIT_NOFILE][0];

    for (uint64_t fd = from; fd < LX_MAX_FDS && fd < top; fd++)
        if (!p->leader->fds[fd])
            return (int)fd;
    return -1;
}

/* Put f (a reference the caller holds) at descriptor fd, closing what was there. */
static void install(struct lx_proc *p, int fd, struct lx_fd *f, bool cloexec)
{
    if (p->leader->fds[fd])
        lx_file_put(p->leader->fds[fd]);
    p->leader->fds[fd] = f;
    p->leader->cloexec = cloexec ? p->leader->cloexec | 1ull << fd : p->leader->cloexec & ~(1ull << fd);
}

/* An absolute path from a process's (dirfd, path) pair. */
static int path_at(struct lx_proc *p, int64_t dirfd, uint64_t upath, char *out, size_t outlen)
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
        struct lx_fd *f = fd_of(p, (uint64_t)dirfd);
        if (!f)
            return -LX_EBADF;
        if (f->kind != FD_DIR)
            return -LX_ENOTDIR;
        return snprintf(out, outlen, "/%s/%s", f->node->path, path) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
    }
    return snprintf(out, outlen, "%s/%s", p->leader->cwd, path) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
}

static void fill_stat(struct linux_stat *st, struct lx_node *n, enum lx_fd_kind kind)
{
    memset(st, 0, sizeof(*st));
    st->nlink = 1;
    st->blksize = 4096;
    if (!n && kind >= FD_HOST_IN) { /* the host's streams: pipes to the program */
        st->mode = S_IFIFO | 0600;
        st->ino = 100 + kind;
        return;
    }
    if (!n) { /* a device: the console, null, zero, urandom */
        st->mode = S_IFCHR | 0666;
        st->ino = 100 + kind;
        st->rdev = kind == FD_CONSOLE ? (5ull << 8 | 1) : (1ull << 8 | 3);
        return;
    }
    st->ino = n->ino;
    st->mode = n->mode;
    st->nlink = lx_fs_nlink(n);
    st->size = (int64_t)n->size;
    st->blocks = (int64_t)(n->size + 511) / 512;
    st->atime = st->mtime = st->ctime = n->mtime_ns / 1000000000;
    st->atime_ns = st->mtime_ns = st->ctime_ns = n->mtime_ns % 1000000000;
}

static struct lx_node *device(const char *path, enum lx_fd_kind *kind)
{
    static const struct { const char *path; enum lx_fd_kind kind; } devs[] = {
        {"/dev/console", FD_CONSOLE}, {"/dev/tty", FD_CONSOLE}, {"/dev/null", FD_NULL},
        {"/dev/zero", FD_ZERO},       {"/dev/urandom", FD_RANDOM}, {"/dev/random", FD_RANDOM},
    };
    for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
        if (strcmp(path, devs[i].path) == 0) {
            *kind = devs[i].kind;
            return NULL;
        }
    *kind = FD_NONE;
    return NULL;
}

static int64_t sys_openat(struct lx_proc *p, struct px_regs *r)
{
    char path[300];
    enum lx_fd_kind kind;
    int e, fd;

    if ((e = path_at(p, (int64_t)A0, A1, path, sizeof(path))) < 0)
        return e;
    if ((fd = free_fd(p, 0)) < 0)
        return -LX_EMFILE;
    device(path, &kind);
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
        install(p, fd, f, A2 & LX_O_CLOEXEC);
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
    install(p, fd, f, A2 & LX_O_CLOEXEC);
    return fd;
}

static int64_t sys_read(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len, int64_t at)
{
    static uint8_t tmp[65536];
    uint64_t off = at >= 0 ? (uint64_t)at : f->offset, n;

    if (len > sizeof(tmp))
        len = sizeof(tmp);
    switch (f->kind) {
    case FD_CONSOLE: {
        if (!lx_tty_foreground(p)) { /* a background job reading the terminal: SIGTTIN stops its group */
            if (!lx_signal_stops_reader(p))
                return -LX_EIO;
            for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
                struct lx_proc *q = lx_proc_at(i);
                if (q->leader == q && q->state != LX_FREE && q->state != LX_ZOMBIE && q->pgid == p->leader->pgid)
                    lx_signal_send(q, LX_SIGTTIN);
            }
            return LX_WOULD_BLOCK; /* read again when it is continued (in the foreground, it reads) */
        }
        int64_t got = lx_tty_read(tmp, len, f->flags & LX_O_NONBLOCK);
        if (got < 0)
            return got;
        n = (uint64_t)got;
        break;
    }
    case FD_HOST_IN: {
        bool eof;
        n = lx_hostio_read(tmp, len, &eof);
        if (!n && !eof && len)
            return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
        break;
    }
    case FD_NULL: n = 0; break;
    case FD_ZERO: memset(tmp, 0, len), n = len; break;
    case FD_RANDOM: lx_random(tmp, len), n = len; break;
    case FD_FILE:
        if ((f->flags & LX_O_ACCMODE) == LX_O_WRONLY)
            return -LX_EBADF;
        n = off >= f->node->size ? 0 : (f->node->size - off < len ? f->node->size - off : len);
        memcpy(tmp, f->node->data + off, n);
        break;
    case FD_DIR: return -LX_EISDIR;
    case FD_PIPE_READ: {
        if (at >= 0)
            return -LX_ESPIPE;
        int64_t got = lx_pipe_read(f, tmp, len);
        if (got < 0)
            return got;
        n = (uint64_t)got;
        break;
    }
    default: return -LX_EBADF;
    }
    if (lx_copy_out(p, buf, tmp, n) < 0)
        return -LX_EFAULT;
    if (at < 0 && f->kind == FD_FILE)
        f->offset += n;
    return (int64_t)n;
}

/* How much of a write of len bytes to f can be done now: the count, or a negative errno / LX_WOULD_BLOCK. */
static int64_t writable(struct lx_fd *f, uint64_t len)
{
    if (f->kind == FD_DIR || f->kind == FD_PIPE_READ || f->kind == FD_HOST_IN ||
        (f->kind == FD_FILE && !(f->flags & LX_O_ACCMODE)))
        return -LX_EBADF;
    if (f->kind == FD_HOST_OUT || f->kind == FD_HOST_ERR) {
        size_t room = lx_hostio_writable(f->kind == FD_HOST_ERR ? 2 : 1);
        if (!room && len)
            return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
        return (int64_t)(len < room ? len : room);
    }
    if (f->kind != FD_PIPE_WRITE)
        return (int64_t)len;
    if (!f->pipe->readers)
        return -LX_EPIPE;
    if (f->pipe->count == LX_PIPE_SIZE && len)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    return (int64_t)(len < LX_PIPE_SIZE - f->pipe->count ? len : LX_PIPE_SIZE - f->pipe->count);
}

/* Write bytes lx holds to f (at most what writable() allows). */
static int64_t lx_write_kernel(struct lx_proc *p, struct lx_fd *f, const uint8_t *buf, uint64_t len)
{
    int64_t n = writable(f, len);

    (void)p;
    if (n <= 0)
        return n;
    if (f->kind == FD_CONSOLE)
        libos_console_write(buf, (size_t)n);
    if (f->kind == FD_HOST_OUT || f->kind == FD_HOST_ERR)
        return (int64_t)lx_hostio_write(f->kind == FD_HOST_ERR ? 2 : 1, buf, (size_t)n);
    if (f->kind == FD_PIPE_WRITE)
        return lx_pipe_write(f, buf, (uint64_t)n);
    if (f->kind == FD_FILE) {
        uint64_t at = (f->flags & LX_O_APPEND) ? f->node->size : f->offset;
        int e = lx_fs_write(f->node, at, buf, (uint64_t)n);
        if (e < 0)
            return e;
        f->offset = at + (uint64_t)n;
    }
    return n;
}

static int64_t sys_write(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len)
{
    static uint8_t tmp[65536];
    int64_t n;

    if (len > sizeof(tmp))
        len = sizeof(tmp);
    if ((n = writable(f, len)) <= 0)
        return n;
    if (lx_copy_in(p, tmp, buf, (uint64_t)n) < 0)
        return -LX_EFAULT;
    return lx_write_kernel(p, f, tmp, (uint64_t)n);
}

static int64_t sys_pwrite(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len, int64_t at)
{
    static uint8_t tmp[65536];
    int64_t n;

    if (f->kind != FD_FILE)
        return f->kind == FD_PIPE_WRITE || f->kind == FD_PIPE_READ ? -LX_ESPIPE : -LX_EBADF;
    if (at < 0)
        return -LX_EINVAL;
    if ((n = writable(f, len < sizeof(tmp) ? len : sizeof(tmp))) <= 0)
        return n;
    if (lx_copy_in(p, tmp, buf, (uint64_t)n) < 0)
        return -LX_EFAULT;
    int e = lx_fs_write(f->node, (uint64_t)at, tmp, (uint64_t)n);
    return e < 0 ? e : n;
}

static int64_t sys_vec(struct lx_proc *p, struct lx_fd *f, uint64_t iov, uint64_t cnt, bool write)
{
    int64_t total = 0;

    if (cnt > 1024)
        return -LX_EINVAL;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t v[2];
        if (lx_copy_in(p, v, iov + i * 16, 16) < 0)
            return -LX_EFAULT;
        int64_t n = write ? sys_write(p, f, v[0], v[1]) : sys_read(p, f, v[0], v[1], -1);
        if (n < 0)
            return total ? total : n; /* LX_WOULD_BLOCK too: what was done is returned */
        total += n;
        if ((uint64_t)n < v[1])
            break;
    }
    return total;
}

/* What stat says of (dirfd, path) with AT_* flags; 0 or -LX_E*. */
static int stat_of(struct lx_proc *p, int64_t dirfd, uint64_t upath, int flags, struct linux_stat *st)
{
    char path[300];
    enum lx_fd_kind kind;
    int e;

    if (flags & AT_EMPTY_PATH_) {
        char c;
        if (lx_copy_in(p, &c, upath, 1) == 0 && c == 0) {
            struct lx_fd *f = fd_of(p, (uint64_t)dirfd);
            if (!f)
                return -LX_EBADF;
            fill_stat(st, f->node, f->kind);
            return 0;
        }
    }
    if ((e = path_at(p, dirfd, upath, path, sizeof(path))) < 0)
        return e;
    device(path, &kind);
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

static int64_t sys_stat(struct lx_proc *p, struct px_regs *r, int64_t dirfd, uint64_t upath, uint64_t ust, int flags)
{
    struct linux_stat st;
    int e = stat_of(p, dirfd, upath, flags, &st);

    (void)r;
    if (e < 0)
        return e;
    return lx_copy_out(p, ust, &st, sizeof(st)) < 0 ? -LX_EFAULT : 0;
}

/* statx: the same facts in struct statx (all of STATX_BASIC_STATS). */
static int64_t sys_statx(struct lx_proc *p, int64_t dirfd, uint64_t upath, uint64_t flags, uint64_t ustx)
{
    struct linux_stat st;
    uint8_t x[256] = {0};
    uint32_t mask = 0x7ff, blksize, nlink, zero = 0;
    uint16_t mode;
    int e;

    if (flags & ~(uint64_t)(AT_EMPTY_PATH_ | AT_SYMLINK_NOFOLLOW_ | 0x800 /* AT_NO_AUTOMOUNT */ | 0x6000 /* sync */))
        return -LX_EINVAL;
    if ((e = stat_of(p, dirfd, upath, (int)flags, &st)) < 0)
        return e;
    blksize = (uint32_t)st.blksize, nlink = (uint32_t)st.nlink, mode = (uint16_t)st.mode;
    memcpy(x + 0, &mask, 4), memcpy(x + 4, &blksize, 4), memcpy(x + 16, &nlink, 4);
    memcpy(x + 20, &zero, 4), memcpy(x + 24, &zero, 4), memcpy(x + 28, &mode, 2);
    memcpy(x + 32, &st.ino, 8), memcpy(x + 40, &st.size, 8), memcpy(x + 48, &st.blocks, 8);
    int64_t times[4][2] = {{st.atime, st.atime_ns}, {st.mtime, st.mtime_ns}, {st.ctime, st.ctime_ns}, {st.mtime, st.mtime_ns}};
    for (int i = 0; i < 4; i++) { /* atime, btime, ctime, mtime */
        uint32_t ns = (uint32_t)times[i][1];
        memcpy(x + 64 + i * 16, &times[i][0], 8), memcpy(x + 72 + i * 16, &ns, 4);
    }
    uint32_t rdev_major = (uint32_t)(st.rdev >> 8), rdev_minor = (uint32_t)(st.rdev & 0xff);
    memcpy(x + 128, &rdev_major, 4), memcpy(x + 132, &rdev_minor, 4);
    return lx_copy_out(p, ustx, x, sizeof(x)) < 0 ? -LX_EFAULT : 0;
}

static int64_t sys_fstat(struct lx_proc *p, struct lx_fd *f, uint64_t ust)
{
    struct linux_stat st;

    fill_stat(&st, f->node, f->kind);
    return lx_copy_out(p, ust, &st, sizeof(st)) < 0 ? -LX_EFAULT : 0;
}

static int64_t sys_mmap(struct lx_proc *p, struct px_regs *r)
{
    uint64_t len = (A1 + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1), addr = A0;
    int64_t e;

    bool shared = (r->r10 & 3) == MAP_SHARED_;
    if (!len || (r->r10 & 3) == 0 || (r->r10 & 3) == 3)
        return -LX_EINVAL; /* exactly one of MAP_SHARED and MAP_PRIVATE */
    if (shared && !(r->r10 & MAP_ANONYMOUS_))
        return -LX_ENODEV; /* a shared file mapping: the tmpfs keeps files in lx's heap, not in frames */
    if (!(r->r10 & MAP_FIXED_) || addr % PX_PAGE_SIZE) {
        p->leader->mmap_next -= len;
        addr = p->leader->mmap_next;
    } else {
        lx_unmap(p, addr, len);
    }
    if ((e = shared ? lx_map_shared(p, addr, len, prot_of(A2) | PX_PROT_READ)
                    : lx_map_anon(p, addr, len, prot_of(A2) | PX_PROT_READ)) < 0)
        return e;
    if (!(r->r10 & MAP_ANONYMOUS_)) { /* a private file mapping: a copy of the file's bytes */
        struct lx_fd *f = fd_of(p, r->r8);
        if (!f || f->kind != FD_FILE)
            return lx_unmap(p, addr, len), -LX_EBADF;
        uint64_t off = r->r9, n = off < f->node->size ? f->node->size - off : 0;
        lx_copy_out(p, addr, f->node->data + off, n < A1 ? n : A1);
        lx_protect(p, addr, len, prot_of(A2));
    } else if (!(A2 & 2) || (A2 & 4)) {
        lx_protect(p, addr, len, prot_of(A2));
    }
    return (int64_t)addr;
}

static int64_t sys_brk(struct lx_proc *p, uint64_t want)
{
    uint64_t top = (want + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);
    uint64_t cur = (p->leader->brk + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);

    if (want < p->leader->brk_start || want > p->leader->brk_start + (256ull << 20))
        return (int64_t)p->leader->brk; /* Linux: an impossible request leaves the break where it is */
    if (top > cur && (!lx_range_free(p, cur, top - cur) || lx_map_anon(p, cur, top - cur, PX_PROT_READ | PX_PROT_WRITE) < 0))
        return (int64_t)p->leader->brk;
    p->leader->brk = want;
    return (int64_t)want;
}

static int64_t sys_uname(struct lx_proc *p, uint64_t buf)
{
    static const char fields[6][65] = {"Linux", "proteus", LX_UNAME_RELEASE, LX_UNAME_VERSION, "x86_64", "(none)"};

    return lx_copy_out(p, buf, fields, sizeof(fields)) < 0 ? -LX_EFAULT : 0;
}

static int64_t sys_lseek(struct lx_fd *f, int64_t off, uint64_t whence)
{
    int64_t base;

    if (f->kind != FD_FILE && f->kind != FD_DIR)
        return -LX_ESPIPE;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->offset; break;
    case SEEK_END: base = f->kind == FD_FILE ? (int64_t)f->node->size : 0; break;
    default: return -LX_EINVAL;
    }
    if (off < 0 ? base + off < 0 : base > INT64_MAX - off)
        return -LX_EINVAL;
    if (f->kind == FD_DIR && base + off != 0)
        return -LX_EINVAL; /* a directory can only be rewound */
    f->offset = (uint64_t)(base + off);
    return base + off;
}

static int64_t sys_getdents64(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len)
{
    uint8_t out[4096];
    uint64_t used = 0;

    if (f->kind != FD_DIR)
        return -LX_ENOTDIR;
    for (;;) {
        char pname[32];
        uint8_t ptype = 0;
        struct lx_node *c = f->offset < 2 ? f->node
                            : f->node->proc ? (lx_procfs_child(f->node, (unsigned)f->offset - 2, pname, sizeof(pname), &ptype)
                                                   ? f->node : NULL)
                                            : lx_fs_child(f->node, (unsigned)f->offset - 2);
        if (!c)
            break;
        const char *name = f->offset == 0 ? "." : f->offset == 1 ? ".." : ptype ? pname : lx_basename(c);
        uint16_t reclen = (uint16_t)((19 + strlen(name) + 1 + 7) & ~7u);
        if (used + reclen > len || used + reclen > sizeof(out))
            break;
        uint8_t *d = out + used;
        uint64_t ino = c->ino, off = f->offset + 1;
        memcpy(d, &ino, 8), memcpy(d + 8, &off, 8), memcpy(d + 16, &reclen, 2);
        d[18] = ptype ? ptype : S_ISDIR(c->mode) ? 4 : S_ISLNK(c->mode) ? 10 : 8;
        memset(d + 19, 0, reclen - 19u);
        strcpy((char *)d + 19, name);
        used += reclen;
        f->offset++;
    }
    char spare[32];
    uint8_t t;
    if (!used && (f->offset < 2 || (f->node->proc ? lx_procfs_child(f->node, (unsigned)f->offset - 2, spare, sizeof(spare), &t)
                                                  : lx_fs_child(f->node, (unsigned)f->offset - 2) != NULL)))
        return -LX_EINVAL; /* the buffer cannot hold the next entry */
    return lx_copy_out(p, buf, out, used) < 0 ? -LX_EFAULT : (int64_t)used;
}

static int64_t sys_readlink(struct lx_proc *p, int64_t dirfd, uint64_t upath, uint64_t buf, uint64_t len)
{
    char path[300];
    int e;

    if ((e = path_at(p, dirfd, upath, path, sizeof(path))) < 0)
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

/* clock_gettime: the wall clock (REALTIME and its coarse, alarm and TAI forms), the process's and the
 * thread's CPU time, or the monotonic clock (MONOTONIC, its raw and coarse forms, BOOTTIME). */
static int64_t sys_time(struct lx_proc *p, uint64_t clock, uint64_t ts)
{
    uint64_t cpu = 0;
    int64_t ns;

    if (clock > 11 || clock == 10)
        return -LX_EINVAL;
    if (clock == 0 || clock == 5 || clock == 8 || clock == 11)
        ns = libos_wallclock_ns();
    else if (clock == 2) /* CLOCK_PROCESS_CPUTIME_ID */
        ns = (int64_t)(lx_proc_utime(p) + p->leader->stime);
    else if (clock == 3) /* CLOCK_THREAD_CPUTIME_ID */
        ns = (int64_t)(p->thread_stime + (px_thread_cpu_time(p->thread, &cpu) == PX_OK ? cpu : 0));
    else
        ns = (int64_t)libos_monotonic_ns();
    int64_t v[2] = {ns / 1000000000, ns % 1000000000};
    return lx_copy_out(p, ts, v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
}

/* A struct rusage with the given user and system times (ns) and maximum resident size (pages). */
static int put_rusage(struct lx_proc *p, uint64_t uru, uint64_t user, uint64_t sys, uint64_t pages)
{
    int64_t ru[18] = {(int64_t)(user / 1000000000), (int64_t)(user % 1000000000 / 1000),
                      (int64_t)(sys / 1000000000), (int64_t)(sys % 1000000000 / 1000), (int64_t)(pages * 4)};

    return lx_copy_out(p, uru, ru, sizeof(ru));
}

static int64_t sys_getrusage(struct lx_proc *p, int64_t who, uint64_t uru)
{
    uint64_t user = 0, sys = 0;

    switch ((int32_t)who) {
    case 0: user = lx_proc_utime(p), sys = p->leader->stime; break;  /* RUSAGE_SELF */
    case -1: user = p->leader->cutime, sys = p->leader->cstime; break; /* RUSAGE_CHILDREN */
    case 1: px_thread_cpu_time(p->thread, &user), sys = p->thread_stime; break; /* RUSAGE_THREAD */
    default: return -LX_EINVAL;
    }
    return put_rusage(p, uru, user, sys, (int32_t)who == 0 ? lx_proc_pages(p->leader) : 0) < 0 ? -LX_EFAULT : 0;
}

/* times: CPU times in clock ticks (100 a second, AT_CLKTCK); the result is ticks since boot. */
static int64_t sys_times(struct lx_proc *p, uint64_t utms)
{
    struct lx_proc *l = p->leader;
    int64_t t[4] = {(int64_t)(lx_proc_utime(p) / 10000000), (int64_t)(l->stime / 10000000),
                    (int64_t)(l->cutime / 10000000), (int64_t)(l->cstime / 10000000)};

    if (utms && lx_copy_out(p, utms, t, sizeof(t)) < 0)
        return -LX_EFAULT;
    return (int64_t)(libos_monotonic_ns() / 10000000);
}

static int64_t sys_fcntl(struct lx_proc *p, struct lx_fd *f, uint64_t fdnum, uint64_t cmd, uint64_t arg)
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
        if ((fd = free_fd(p, arg)) < 0)
            return -LX_EMFILE;
        install(p, fd, lx_file_get(f), cmd == LX_F_DUPFD_CLOEXEC);
        return fd;
    default: return -LX_EINVAL;
    }
}

/* dup2 (flags -1) and dup3. */
static int64_t sys_dup3(struct lx_proc *p, struct lx_fd *f, uint64_t from, uint64_t to, int64_t flags)
{
    to = (uint32_t)to;
    if (to >= LX_MAX_FDS || to >= p->leader->rlim[LX_RLIMIT_NOFILE][0])
        return -LX_EBADF;
    if ((uint32_t)from == to)
        return flags < 0 ? (int64_t)to : -LX_EINVAL;
    if (flags > 0 && flags != LX_O_CLOEXEC)
        return -LX_EINVAL;
    install(p, (int)to, lx_file_get(f), flags == LX_O_CLOEXEC);
    return (int64_t)to;
}

static int64_t sys_pipe(struct lx_proc *p, uint64_t ufds, uint64_t flags)
{
    struct lx_fd *rd, *wr;
    int fds[2], e;

    if (flags & ~(uint64_t)(LX_O_CLOEXEC | LX_O_NONBLOCK))
        return -LX_EINVAL;
    if ((fds[0] = free_fd(p, 0)) < 0)
        return -LX_EMFILE;
    p->leader->fds[fds[0]] = (struct lx_fd *)1; /* held while the second is found */
    fds[1] = free_fd(p, 0);
    p->leader->fds[fds[0]] = NULL;
    if (fds[1] < 0)
        return -LX_EMFILE;
    if ((e = lx_pipe_new(&rd, &wr, (int)(flags & LX_O_NONBLOCK))) < 0)
        return e;
    if (lx_copy_out(p, ufds, fds, sizeof(fds)) < 0) {
        lx_file_put(rd), lx_file_put(wr);
        return -LX_EFAULT;
    }
    install(p, fds[0], rd, flags & LX_O_CLOEXEC);
    install(p, fds[1], wr, flags & LX_O_CLOEXEC);
    return 0;
}

#define AT_REMOVEDIR_ 0x200
#define AT_SYMLINK_FOLLOW_ 0x400
#define UTIME_NOW_ ((1l << 30) - 1)
#define UTIME_OMIT_ ((1l << 30) - 2)

/* Calls that change the file tree: one path (at dirfd), or two for rename and symlink. */
static int64_t tree(struct lx_proc *p, struct px_regs *r, bool *handled)
{
    char path[300], other[300];
    struct lx_node *n;
    struct lx_fd *f;
    int e;

#define PATH(dirfd, u) do { if ((e = path_at(p, (int64_t)(dirfd), (u), path, sizeof(path))) < 0) return e; } while (0)
#define OTHER(dirfd, u) do { if ((e = path_at(p, (int64_t)(dirfd), (u), other, sizeof(other))) < 0) return e; } while (0)
    *handled = true;
    switch (r->rax) {
    case 83: PATH(AT_FDCWD_, A0); return lx_fs_create(path, S_IFDIR | ((uint32_t)A1 & 07777 & ~p->leader->umask), NULL, 0, NULL);
    case 258: PATH(A0, A1); return lx_fs_create(path, S_IFDIR | ((uint32_t)A2 & 07777 & ~p->leader->umask), NULL, 0, NULL);
    case 84: PATH(AT_FDCWD_, A0); return lx_fs_remove(path, true);
    case 87: PATH(AT_FDCWD_, A0); return lx_fs_remove(path, false);
    case 263:
        if (A2 & ~(uint64_t)AT_REMOVEDIR_)
            return -LX_EINVAL;
        PATH(A0, A1);
        return lx_fs_remove(path, A2 & AT_REMOVEDIR_);
    case 82: PATH(AT_FDCWD_, A0); OTHER(AT_FDCWD_, A1); return lx_fs_rename(path, other);
    case 264: PATH(A0, A1); OTHER(A2, A3); return lx_fs_rename(path, other);
    case 316:
        if (A4)
            return -LX_EINVAL; /* RENAME_NOREPLACE, _EXCHANGE, _WHITEOUT: not in this version */
        PATH(A0, A1);
        OTHER(A2, A3);
        return lx_fs_rename(path, other);
    case 88: case 266: {                       /* symlink, symlinkat */
        char target[256];
        if ((e = lx_copy_string(p, target, A0, sizeof(target))) < 0)
            return e;
        if (!target[0])
            return -LX_ENOENT;
        if (r->rax == 88)
            PATH(AT_FDCWD_, A1);
        else
            PATH(A1, A2);
        return lx_fs_create(path, S_IFLNK | 0777, target, strlen(target), NULL);
    }
    case 86: PATH(AT_FDCWD_, A0); OTHER(AT_FDCWD_, A1); return lx_fs_link(path, other, false);
    case 265:                                  /* linkat */
        if (A4 & ~(uint64_t)AT_SYMLINK_FOLLOW_)
            return -LX_EINVAL;
        PATH(A0, A1);
        OTHER(A2, A3);
        return lx_fs_link(path, other, A4 & AT_SYMLINK_FOLLOW_);
    case 92: case 93: case 94: case 260: {     /* chown, fchown, lchown, fchownat */
        uint64_t uid = r->rax == 260 ? A2 : A1, gid = r->rax == 260 ? A3 : A2;
        if (r->rax == 93) {
            if (!fd_of(p, A0))
                return -LX_EBADF;
        } else {
            if (r->rax == 260)
                PATH(A0, A1);
            else
                PATH(AT_FDCWD_, A0);
            if (!lx_fs_lookup(path, r->rax == 92 || (r->rax == 260 && !(A4 & AT_SYMLINK_NOFOLLOW_)), &e))
                return -e;
        }
        /* every file here is root's and every process is root: a file can stay root's, nothing else */
        return ((uint32_t)uid == 0 || (uint32_t)uid == 0xffffffffu) && ((uint32_t)gid == 0 || (uint32_t)gid == 0xffffffffu)
                   ? 0 : -LX_EPERM;
    }
    case 90: case 268:                         /* chmod, fchmodat */
        if (r->rax == 90)
            PATH(AT_FDCWD_, A0);
        else
            PATH(A0, A1);
        if (!(n = lx_fs_lookup(path, true, &e)))
            return -e;
        n->mode = (n->mode & ~07777u) | ((uint32_t)(r->rax == 90 ? A1 : A2) & 07777);
        return 0;
    case 91:                                   /* fchmod */
        if (!(f = fd_of(p, A0)))
            return -LX_EBADF;
        if (!f->node)
            return 0;
        f->node->mode = (f->node->mode & ~07777u) | ((uint32_t)A1 & 07777);
        return 0;
    case 280: {                                /* utimensat: the modification time */
        int64_t ts[4] = {0, UTIME_NOW_, 0, UTIME_NOW_};
        if (A2 && lx_copy_in(p, ts, A2, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (!A1) {
            if (!(f = fd_of(p, A0)))
                return -LX_EBADF;
            n = f->node;
        } else {
            PATH(A0, A1);
            if (!(n = lx_fs_lookup(path, !(A3 & AT_SYMLINK_NOFOLLOW_), &e)))
                return -e;
        }
        if (ts[3] != UTIME_OMIT_ && ts[3] != UTIME_NOW_ && (ts[3] < 0 || ts[3] >= 1000000000))
            return -LX_EINVAL;
        if (n && ts[3] != UTIME_OMIT_)
            n->mtime_ns = ts[3] == UTIME_NOW_ ? libos_wallclock_ns() : ts[2] * 1000000000 + ts[3];
        return 0;
    }
    case 76: case 77:                          /* truncate, ftruncate */
        if ((int64_t)A1 < 0)
            return -LX_EINVAL;
        if (r->rax == 77) {
            if (!(f = fd_of(p, A0)))
                return -LX_EBADF;
            if (f->kind != FD_FILE || !(f->flags & LX_O_ACCMODE))
                return -LX_EINVAL;
            return lx_fs_truncate(f->node, A1);
        }
        PATH(AT_FDCWD_, A0);
        if (!(n = lx_fs_lookup(path, true, &e)))
            return -e;
        return S_ISDIR(n->mode) ? -LX_EISDIR : lx_fs_truncate(n, A1);
    case 74: case 75: return fd_of(p, A0) ? 0 : -LX_EBADF; /* fsync, fdatasync: memory is the store */
    case 81:                                   /* fchdir */
        if (!(f = fd_of(p, A0)))
            return -LX_EBADF;
        if (f->kind != FD_DIR)
            return -LX_ENOTDIR;
        snprintf(p->leader->cwd, sizeof(p->leader->cwd), "/%s", f->node->path);
        return 0;
    default: *handled = false; return 0;
    }
#undef PATH
#undef OTHER
}

static int64_t files(struct lx_proc *p, struct px_regs *r, bool *handled)
{
    struct lx_fd *f = fd_of(p, A0);

    *handled = true;
    switch (r->rax) {
    case 0: return f ? sys_read(p, f, A1, A2, -1) : -LX_EBADF;
    case 1: return f ? sys_write(p, f, A1, A2) : -LX_EBADF;
    case 2: r->r10 = A2, r->rdx = A1, r->rsi = A0, r->rdi = (uint64_t)AT_FDCWD_; return sys_openat(p, r);
    case 3: return f ? (install(p, (int)(uint32_t)A0, NULL, false), 0) : -LX_EBADF;
    case 4: return sys_stat(p, r, AT_FDCWD_, A0, A1, 0);
    case 5: return f ? sys_fstat(p, f, A1) : -LX_EBADF;
    case 6: return sys_stat(p, r, AT_FDCWD_, A0, A1, AT_SYMLINK_NOFOLLOW_);
    case 8: return f ? sys_lseek(f, (int64_t)A1, A2) : -LX_EBADF;
    case 17: return f ? sys_read(p, f, A1, A2, (int64_t)A3) : -LX_EBADF;
    case 18: return f ? sys_pwrite(p, f, A1, A2, (int64_t)A3) : -LX_EBADF;
    case 19: return f ? sys_vec(p, f, A1, A2, false) : -LX_EBADF;
    case 20: return f ? sys_vec(p, f, A1, A2, true) : -LX_EBADF;
    case 22: return sys_pipe(p, A0, 0);
    case 32: return f ? sys_fcntl(p, f, (uint32_t)A0, LX_F_DUPFD, 0) : -LX_EBADF;
    case 33: return f ? sys_dup3(p, f, A0, A1, -1) : -LX_EBADF;
    case 72: return f ? sys_fcntl(p, f, (uint32_t)A0, A1, A2) : -LX_EBADF;
    case 89: return sys_readlink(p, AT_FDCWD_, A0, A1, A2);
    case 217: return f ? sys_getdents64(p, f, A1, A2) : -LX_EBADF;
    case 257: return sys_openat(p, r);
    case 262: return sys_stat(p, r, (int64_t)A0, A1, A2, (int)A3);
    case 332: return sys_statx(p, (int64_t)A0, A1, A2, A4);
    case 267: return sys_readlink(p, (int64_t)A0, A1, A2, A3);
    case 292: return f ? sys_dup3(p, f, A0, A1, (int64_t)(A2 & 0xffffffff)) : -LX_EBADF;
    case 293: return sys_pipe(p, A0, A1);
    default: *handled = false; return 0;
    }
}

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/*
 * mremap: shrink in place, grow in place when the pages after are free, or move (MREMAP_MAYMOVE): to
 * where lx chooses, or to `to` (MREMAP_FIXED, replacing what was there).
 */
static int64_t sys_mremap(struct lx_proc *p, uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t to)
{
    uint64_t page = PX_PAGE_SIZE, o = (old_len + page - 1) & ~(page - 1), n = (new_len + page - 1) & ~(page - 1);
    static uint8_t chunk[65536];
    bool fixed = flags & MREMAP_FIXED;
    int e = 0;

    if (old % page || !n || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)) || (fixed && !(flags & MREMAP_MAYMOVE)))
        return -LX_EINVAL; /* MREMAP_DONTUNMAP: not in this version */
    if (fixed && (to % page || (to < old + o && old < to + n) || to < PX_USER_BASE || to >= LX_MMAP_TOP ||
                  n > LX_MMAP_TOP - to))
        return -LX_EINVAL;
    if (!o || lx_range_free(p, old, o))
        return -LX_EFAULT;
    if ((n > o || fixed) && lx_region_shared(p, old))
        return -LX_EINVAL; /* growing or moving a shared mapping: not in this version */
    if (fixed)
        lx_unmap(p, to, n);
    if (n <= o && !fixed) {
        if (n < o)
            lx_unmap(p, old + n, o - n);
        return (int64_t)old;
    }
    if (!fixed && lx_range_free(p, old + o, n - o)) {
        if ((e = lx_map_anon(p, old + o, n - o, PX_PROT_READ | PX_PROT_WRITE)) < 0)
            return e;
        return (int64_t)old;
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -LX_ENOMEM;
    if (!fixed && (n > p->leader->mmap_next || p->leader->mmap_next - n < p->leader->brk))
        return -LX_ENOMEM;
    uint64_t at = fixed ? to : p->leader->mmap_next - n;
    if (!lx_range_free(p, at, n) || (e = lx_map_anon(p, at, n, PX_PROT_READ | PX_PROT_WRITE)) < 0)
        return e ? e : -LX_ENOMEM;
    if (!fixed)
        p->leader->mmap_next = at;
    uint64_t keep = o < n ? o : n; /* moving and shrinking: what fits moves, the rest goes */
    for (uint64_t done = 0; done < keep; done += sizeof(chunk)) { /* what the old pages hold moves */
        uint64_t k = keep - done < sizeof(chunk) ? keep - done : sizeof(chunk);
        if (lx_copy_in(p, chunk, old + done, k) < 0)
            memset(chunk, 0, k); /* a page the process could not read: it reads as zero there too */
        bool zero = true;
        for (uint64_t i = 0; i < k && zero; i += 8)
            zero = *(uint64_t *)(chunk + i) == 0;
        if (!zero) /* the new pages are demand-zero: zeros need no copy (nor memory) */
            lx_copy_out(p, at + done, chunk, k);
    }
    lx_unmap(p, old, o);
    return (int64_t)at;
}

static int64_t memory(struct lx_proc *p, struct px_regs *r, bool *handled)
{
    uint64_t len = (A1 + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);

    *handled = true;
    switch (r->rax) {
    case 9: return sys_mmap(p, r);
    case 10:
        if (A0 % PX_PAGE_SIZE)
            return -LX_EINVAL;
        return lx_protect(p, A0, len, prot_of(A2) | (A2 ? PX_PROT_READ : 0));
    case 11:
        if (A0 % PX_PAGE_SIZE || !len)
            return -LX_EINVAL;
        return lx_unmap(p, A0, len);
    case 12: return sys_brk(p, A0);
    case 25: return sys_mremap(p, A0, A1, A2, A3, A4);
    case 28:                                   /* madvise */
        if (A0 % PX_PAGE_SIZE)
            return -LX_EINVAL;
        if (A2 == 4)                           /* MADV_DONTNEED: the pages read as zero from now on */
            return lx_mem_zero(p, A0, len);
        if (A2 > 21 || (A2 >= 9 && A2 <= 11) || A2 == 18 || A2 == 19) /* DONTFORK, WIPEONFORK, ...: no */
            return -LX_EINVAL;
        return lx_range_free(p, A0, len) && len ? -LX_ENOMEM : 0; /* the rest are hints (MADV_FREE too) */
    default: *handled = false; return 0;
    }
}

static int64_t identity(struct lx_proc *p, struct px_regs *r, bool *handled)
{
    int64_t v[2];

    *handled = true;
    switch (r->rax) {
    case 39: return p->leader->pid;            /* getpid */
    case 186: return p->pid;                   /* gettid */
    case 110: return p->leader->ppid;                  /* getppid */
    case 102: case 104: case 107: case 108: return 0; /* root, in this version */
    case 111: return p->leader->pgid;                  /* getpgrp */
    case 121: case 124: {                      /* getpgid, getsid */
        struct lx_proc *t = A0 ? lx_proc_find((int)(int32_t)A0) : p;
        return !t ? -LX_ESRCH : r->rax == 121 ? t->leader->pgid : t->leader->sid;
    }
    case 109: {                                /* setpgid */
        struct lx_proc *t = A0 ? lx_proc_find((int)(int32_t)A0) : p, *me = p->leader;
        int32_t g = (int32_t)A1;
        if (g < 0)
            return -LX_EINVAL;
        t = t ? t->leader : NULL;
        if (!t || (t != me && t->ppid != me->pid))
            return -LX_ESRCH;
        if (t->sid != me->sid || t->pid == t->sid)
            return -LX_EPERM;
        if (!g)
            g = t->pid;
        bool exists = g == t->pid;
        for (unsigned i = 0; i < LX_MAX_PROCS && !exists; i++) {
            struct lx_proc *q = lx_proc_at(i);
            exists = q->state != LX_FREE && q->state != LX_ZOMBIE && q->leader->pgid == g && q->leader->sid == me->sid;
        }
        if (!exists)
            return -LX_EPERM;
        t->pgid = g;
        return 0;
    }
    case 112: {                                /* setsid */
        struct lx_proc *me = p->leader;
        for (unsigned i = 0; i < LX_MAX_PROCS; i++)
            if (lx_proc_at(i)->state != LX_FREE && lx_proc_at(i)->leader->pgid == me->pid && lx_proc_at(i)->leader != me)
                return -LX_EPERM;
        if (me->pgid == me->pid)
            return -LX_EPERM;
        me->sid = me->pgid = me->pid;
        return me->sid;
    }
    case 95: {                                 /* umask */
        uint32_t old = p->leader->umask;
        p->leader->umask = (uint32_t)A0 & 0777;
        return old;
    }
    case 63: return sys_uname(p, A0);
    case 79: {                                 /* getcwd */
        uint64_t n = strlen(p->leader->cwd) + 1;
        if (A1 < n)
            return -LX_ERANGE;
        return lx_copy_out(p, A0, p->leader->cwd, n) < 0 ? -LX_EFAULT : (int64_t)n;
    }
    case 80: {                                 /* chdir */
        char path[128];
        int e;
        if ((e = path_at(p, AT_FDCWD_, A0, path, sizeof(path))) < 0)
            return e;
        struct lx_node *n = lx_fs_lookup(path, true, &e);
        if (!n)
            return -e;
        if (!S_ISDIR(n->mode))
            return -LX_ENOTDIR;
        snprintf(p->leader->cwd, sizeof(p->leader->cwd), "/%s", n->path);
        return 0;
    }
    case 158:                                  /* arch_prctl */
        if (A0 == ARCH_SET_FS) {
            if (A1 >= PX_USER_TOP)
                return -LX_EPERM;
            r->fs_base = A1;
            return 0;
        }
        if (A0 == ARCH_GET_FS)
            return lx_copy_out(p, A1, &r->fs_base, 8) < 0 ? -LX_EFAULT : 0;
        return -LX_EINVAL;
    case 218: p->tid_address = A0; return p->pid; /* set_tid_address */
    case 228: return sys_time(p, A0, A1);          /* clock_gettime */
    case 98: return sys_getrusage(p, (int64_t)A0, A1);
    case 100: return sys_times(p, A0);
    case 96: {                                     /* gettimeofday */
        int64_t ns = libos_wallclock_ns();
        v[0] = ns / 1000000000, v[1] = (ns % 1000000000) / 1000;
        return A0 && lx_copy_out(p, A0, v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
    }
    case 201: {                                    /* time */
        int64_t t = libos_wallclock_ns() / 1000000000;
        return A0 && lx_copy_out(p, A0, &t, 8) < 0 ? -LX_EFAULT : t;
    }
    default: *handled = false; return 0;
    }
}

/* A sleep is a deadline: the process blocks and lx's timer wakes it (wake_blocked does the call again). */
static int64_t sys_nanosleep(struct lx_proc *p, uint64_t clock, uint64_t flags, uint64_t uts)
{
    int64_t ts[2];

    if (p->state != LX_BLOCKED) {
        if (clock > 11)
            return -LX_EINVAL;
        if (lx_copy_in(p, ts, uts, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        uint64_t ns = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
        if (flags & 1) /* TIMER_ABSTIME */
            p->deadline = clock == 0 ? ns - (uint64_t)libos_shared_info()->wall_offset_ns : ns;
        else
            p->deadline = libos_monotonic_ns() + ns;
    }
    return libos_monotonic_ns() >= p->deadline ? 0 : LX_WOULD_BLOCK;
}

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

int lx_futex_wake(struct lx_proc *p, uint64_t uaddr, int n, uint32_t bits)
{
    int woken = 0;

    for (unsigned i = 0; i < LX_MAX_PROCS && woken < n; i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->state == LX_BLOCKED && t->leader == p->leader && t->futex == uaddr && !t->futex_woken &&
            (t->futex_bits & bits)) {
            t->futex_woken = true;
            woken++;
        }
    }
    if (woken)
        lx_wake_pending = true;
    return woken;
}

/* REQUEUE and CMP_REQUEUE: wake up to n waiters on uaddr, move up to more of the rest to uaddr2; how
 * many were woken and (in *moved) moved. */
static int futex_requeue(struct lx_proc *p, uint64_t uaddr, int n, uint64_t more, uint64_t uaddr2, int *moved)
{
    int woken = lx_futex_wake(p, uaddr, n, ~0u);

    *moved = 0;
    for (unsigned i = 0; i < LX_MAX_PROCS && more; i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->state == LX_BLOCKED && t->leader == p->leader && t->futex == uaddr && !t->futex_woken) {
            t->futex = uaddr2;
            more--, (*moved)++;
        }
    }
    return woken;
}

/*
 * futex: WAIT (relative timeout) and WAIT_BITSET (absolute, on CLOCK_MONOTONIC or, with
 * FUTEX_CLOCK_REALTIME, CLOCK_REALTIME) block until a WAKE of the same address in the same process, the
 * timeout or a signal; WAKE and WAKE_BITSET wake up to val waiters; REQUEUE and CMP_REQUEUE also move
 * waiters to another futex (musl's condition variables). A futex is per process: shared memory between
 * processes (MAP_SHARED) is not looked through, so FUTEX_PRIVATE_FLAG changes nothing.
 */
static int64_t sys_futex(struct lx_proc *p, uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime,
                         uint64_t uaddr2, uint64_t val3, bool *handled)
{
    uint64_t cmd = op & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    int64_t ts[2];
    uint32_t cur;

    if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE) {
        if ((int32_t)val < 0 || (int32_t)utime < 0 || uaddr % 4 || uaddr2 % 4)
            return -LX_EINVAL;
        if (cmd == FUTEX_CMP_REQUEUE) {
            if (lx_copy_in(p, &cur, uaddr, 4) < 0)
                return -LX_EFAULT;
            if (cur != (uint32_t)val3)
                return -LX_EAGAIN;
        }
        int moved, woken = futex_requeue(p, uaddr, (int)(int32_t)val, (uint32_t)utime, uaddr2, &moved);
        return cmd == FUTEX_CMP_REQUEUE ? woken + moved : woken; /* as Linux counts them */
    }

    if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET) {
        if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)val3)
            return -LX_EINVAL;
        return lx_futex_wake(p, uaddr, (int)(val > 0x7fffffff ? 0x7fffffff : val),
                             cmd == FUTEX_WAKE ? ~0u : (uint32_t)val3);
    }
    if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET) {
        *handled = false; /* requeue, wake_op, PI futexes: not in this version (counted as unimplemented) */
        return 0;
    }
    if (p->state == LX_BLOCKED) { /* done again: woken, timed out, or still waiting */
        if (p->futex_woken || (p->deadline && libos_monotonic_ns() >= p->deadline)) {
            int64_t ret = p->futex_woken ? 0 : -LX_ETIMEDOUT;
            p->futex = 0, p->futex_woken = false;
            return ret;
        }
        return LX_WOULD_BLOCK;
    }
    if (uaddr % 4 || (cmd == FUTEX_WAIT_BITSET && !(uint32_t)val3) ||
        ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET))
        return -LX_EINVAL;
    if (lx_copy_in(p, &cur, uaddr, 4) < 0)
        return -LX_EFAULT;
    if (cur != (uint32_t)val)
        return -LX_EAGAIN;
    p->deadline = 0;
    if (utime) {
        if (lx_copy_in(p, ts, utime, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        uint64_t ns = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1], now = libos_monotonic_ns();
        if (cmd == FUTEX_WAIT)
            p->deadline = now + ns;
        else if (op & FUTEX_CLOCK_REALTIME)
            p->deadline = ns - (uint64_t)libos_shared_info()->wall_offset_ns;
        else
            p->deadline = ns;
        if (!p->deadline || p->deadline <= now)
            return -LX_ETIMEDOUT;
    }
    p->futex = uaddr;
    p->futex_bits = cmd == FUTEX_WAIT ? ~0u : (uint32_t)val3;
    p->futex_woken = false;
    return LX_WOULD_BLOCK;
}

#define POLLIN 0x1
#define POLLOUT 0x4
#define POLLERR 0x8
#define POLLHUP 0x10
#define POLLNVAL 0x20

/* What poll would say of descriptor fd now (all of POLLIN, POLLOUT, POLLHUP, POLLERR that hold). */
static int16_t readiness(struct lx_proc *p, int64_t fd)
{
    struct lx_fd *f = fd < 0 ? NULL : fd_of(p, (uint64_t)fd);

    if (!f)
        return POLLNVAL;
    if (f->kind == FD_PIPE_READ)
        return (int16_t)((f->pipe->count ? POLLIN : 0) | (!f->pipe->writers ? POLLHUP : 0));
    if (f->kind == FD_PIPE_WRITE)
        return (int16_t)((f->pipe->count < LX_PIPE_SIZE ? POLLOUT : 0) | (!f->pipe->readers ? POLLERR : 0));
    if (f->kind == FD_CONSOLE)
        return (int16_t)((lx_tty_readable() ? POLLIN : 0) | POLLOUT);
    if (f->kind == FD_HOST_IN) {
        bool ready;
        size_t n = lx_hostio_readable(&ready);
        return (int16_t)((ready ? POLLIN : 0) | (ready && !n ? POLLHUP : 0));
    }
    if (f->kind == FD_HOST_OUT || f->kind == FD_HOST_ERR)
        return lx_hostio_writable(f->kind == FD_HOST_ERR ? 2 : 1) ? POLLOUT : 0;
    return POLLIN | POLLOUT; /* files and devices are always ready */
}

/* select and pselect6 (the signal mask is not swapped in this version), on the same readiness as poll. */
static int64_t sys_select(struct lx_proc *p, uint64_t nfds, uint64_t ur, uint64_t uw, uint64_t ue, int64_t timeout_ns)
{
    uint64_t in[3][16] = {{0}}, out[3][16] = {{0}}, sets[3] = {ur, uw, ue};
    size_t bytes = (nfds + 63) / 64 * 8;
    int64_t ready = 0;

    if (nfds > 1024)
        return -LX_EINVAL;
    for (int k = 0; k < 3; k++)
        if (sets[k] && lx_copy_in(p, in[k], sets[k], bytes) < 0)
            return -LX_EFAULT;
    for (uint64_t fd = 0; fd < nfds; fd++) {
        bool want[3] = {in[0][fd / 64] >> (fd % 64) & 1, in[1][fd / 64] >> (fd % 64) & 1, in[2][fd / 64] >> (fd % 64) & 1};
        if (!want[0] && !want[1] && !want[2])
            continue;
        int16_t re = readiness(p, (int64_t)fd);
        if (re & POLLNVAL)
            return -LX_EBADF;
        bool got[3] = {want[0] && (re & (POLLIN | POLLHUP | POLLERR)), want[1] && (re & (POLLOUT | POLLERR)), false};
        for (int k = 0; k < 3; k++)
            if (got[k]) {
                out[k][fd / 64] |= 1ull << (fd % 64);
                ready++;
            }
    }
    if (ready || timeout_ns == 0 || (p->state == LX_BLOCKED && p->deadline && libos_monotonic_ns() >= p->deadline)) {
        for (int k = 0; k < 3; k++)
            if (sets[k] && lx_copy_out(p, sets[k], out[k], bytes) < 0)
                return -LX_EFAULT;
        return ready;
    }
    if (p->state != LX_BLOCKED)
        p->deadline = timeout_ns > 0 ? libos_monotonic_ns() + (uint64_t)timeout_ns : 0;
    return LX_WOULD_BLOCK;
}

/* poll: ready descriptors now, or block until something changes or the timeout (ns; -1 none) passes. */
static int64_t sys_poll(struct lx_proc *p, uint64_t ufds, uint64_t n, int64_t timeout_ns)
{
    struct { int32_t fd; int16_t events, revents; } pfd[64];
    int64_t ready = 0;

    if (n > 64)
        return -LX_EINVAL;
    if (lx_copy_in(p, pfd, ufds, n * sizeof(pfd[0])) < 0)
        return -LX_EFAULT;
    for (uint64_t i = 0; i < n; i++) {
        int16_t ev = pfd[i].events | POLLERR | POLLHUP, re = pfd[i].fd < 0 ? 0 : readiness(p, pfd[i].fd);
        pfd[i].revents = (int16_t)(re & (ev | POLLNVAL));
        ready += pfd[i].revents != 0;
    }
    if (ready || timeout_ns == 0 || (p->state == LX_BLOCKED && p->deadline && libos_monotonic_ns() >= p->deadline))
        return lx_copy_out(p, ufds, pfd, n * sizeof(pfd[0])) < 0 ? -LX_EFAULT : ready;
    if (p->state != LX_BLOCKED)
        p->deadline = timeout_ns > 0 ? libos_monotonic_ns() + (uint64_t)timeout_ns : 0;
    return LX_WOULD_BLOCK;
}

/* sendfile: a read from in and a write to out of what was read. */
static int64_t sys_sendfile(struct lx_proc *p, uint64_t out, uint64_t in, uint64_t uoff, uint64_t count)
{
    static uint8_t buf[65536];
    struct lx_fd *fo = fd_of(p, out), *fi = fd_of(p, in);
    int64_t off = -1, n;

    if (!fo || !fi)
        return -LX_EBADF;
    if (fi->kind != FD_FILE)
        return -LX_EINVAL;
    if (uoff && lx_copy_in(p, &off, uoff, 8) < 0)
        return -LX_EFAULT;
    if (off < -1 || (uoff && off < 0))
        return -LX_EINVAL;
    uint64_t at = uoff ? (uint64_t)off : fi->offset;
    n = at >= fi->node->size ? 0 : (int64_t)(fi->node->size - at < count ? fi->node->size - at : count);
    if (n > (int64_t)sizeof(buf))
        n = sizeof(buf);
    memcpy(buf, fi->node->data + at, (size_t)n);
    if (!n)
        return 0;
    n = lx_write_kernel(p, fo, buf, (uint64_t)n);
    if (n <= 0)
        return n;
    if (uoff) {
        off += n;
        if (lx_copy_out(p, uoff, &off, 8) < 0)
            return -LX_EFAULT;
    } else {
        fi->offset += (uint64_t)n;
    }
    return n;
}

#define RLIM_INFINITY (~0ull)

void lx_rlimits_init(uint64_t rlim[LX_RLIMITS][2])
{
    for (int i = 0; i < LX_RLIMITS; i++)
        rlim[i][0] = rlim[i][1] = RLIM_INFINITY;
    rlim[3][0] = rlim[3][1] = LX_STACK_SIZE;                 /* RLIMIT_STACK: what the main stack is */
    rlim[4][0] = rlim[4][1] = 0;                             /* RLIMIT_CORE: no core dumps */
    rlim[6][0] = rlim[6][1] = LX_MAX_PROCS;                  /* RLIMIT_NPROC */
    rlim[LX_RLIMIT_NOFILE][0] = rlim[LX_RLIMIT_NOFILE][1] = LX_MAX_FDS;
    rlim[8][0] = rlim[8][1] = 8ull << 20;                    /* RLIMIT_MEMLOCK */
    rlim[11][0] = rlim[11][1] = LX_NSIG;                     /* RLIMIT_SIGPENDING */
    rlim[12][0] = rlim[12][1] = 819200;                      /* RLIMIT_MSGQUEUE */
    rlim[13][0] = rlim[13][1] = rlim[14][0] = rlim[14][1] = 0; /* RLIMIT_NICE, RLIMIT_RTPRIO */
}

/*
 * getrlimit, setrlimit and prlimit64 on the caller's process (pid 0 or its own). Every process is root
 * here, so a hard limit may go up, but never past what lx has (RLIMIT_NOFILE above LX_MAX_FDS: EPERM).
 * Only RLIMIT_NOFILE changes what lx does; the others are kept and reported.
 */
static int64_t sys_prlimit(struct lx_proc *p, uint64_t pid, uint64_t res, uint64_t unew, uint64_t uold)
{
    uint64_t want[2];

    if (pid && pid != (uint64_t)p->leader->pid)
        return lx_proc_find((int)pid) ? -LX_EPERM : -LX_ESRCH;
    if (res >= LX_RLIMITS)
        return -LX_EINVAL;
    uint64_t *lim = p->leader->rlim[res];
    if (unew && lx_copy_in(p, want, unew, sizeof(want)) < 0)
        return -LX_EFAULT;
    if (unew && want[0] > want[1])
        return -LX_EINVAL;
    if (unew && res == LX_RLIMIT_NOFILE && want[1] > LX_MAX_FDS)
        return -LX_EPERM;
    if (uold && lx_copy_out(p, uold, lim, 16) < 0)
        return -LX_EFAULT;
    if (unew)
        lim[0] = want[0], lim[1] = want[1];
    return 0;
}

static int64_t misc(struct lx_proc *p, struct px_regs *r, bool *handled)
{
    *handled = true;
    switch (r->rax) {
    case 24: px_thread_yield(); return 0;          /* sched_yield */
    case 35: return sys_nanosleep(p, 1, 0, A0);    /* nanosleep: CLOCK_MONOTONIC */
    case 230: return sys_nanosleep(p, A0, A1, A2); /* clock_nanosleep */
    case 7: return sys_poll(p, A0, A1, (int32_t)A2 < 0 ? -1 : (int64_t)(int32_t)A2 * 1000000);
    case 23: case 270: {                           /* select (timeval), pselect6 (timespec, a signal mask) */
        int64_t t[2];
        uint64_t mask[2] = {0, 0}, e;              /* pselect6's sixth: {const sigset_t *, size} */
        if (r->rax == 270 && r->r9 && lx_copy_in(p, mask, r->r9, sizeof(mask)) < 0)
            return -LX_EFAULT;
        if ((e = (uint64_t)lx_sigmask_swap(p, mask[0], mask[1])) != 0)
            return (int64_t)e;
        if (!r->r8)
            return sys_select(p, A0, A1, A2, A3, -1);
        if (lx_copy_in(p, t, r->r8, sizeof(t)) < 0)
            return -LX_EFAULT;
        int64_t unit = r->rax == 23 ? 1000 : 1, limit = r->rax == 23 ? 1000000 : 1000000000;
        if (t[0] < 0 || t[1] < 0 || t[1] >= limit)
            return -LX_EINVAL;
        int64_t ret = sys_select(p, A0, A1, A2, A3, t[0] * 1000000000 + t[1] * unit);
        if (ret >= 0 && p->state == LX_BLOCKED && p->deadline) { /* both say how long they did not wait */
            uint64_t now = libos_monotonic_ns(), left = p->deadline > now ? p->deadline - now : 0;
            int64_t tv[2] = {(int64_t)(left / 1000000000), (int64_t)(left % 1000000000 / (uint64_t)unit)};
            if (lx_copy_out(p, r->r8, tv, sizeof(tv)) < 0)
                return -LX_EFAULT;
        }
        return ret;
    }
    case 271: {                                    /* ppoll, with the signal mask it runs with */
        int64_t ts[2], e;
        if ((e = lx_sigmask_swap(p, A3, A4)) != 0)
            return e;
        if (!A2)
            return sys_poll(p, A0, A1, -1);
        if (lx_copy_in(p, ts, A2, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
        return sys_poll(p, A0, A1, ts[0] * 1000000000 + ts[1]);
    }
    case 99: {                                     /* sysinfo */
        uint64_t info[14] = {0};
        info[0] = libos_monotonic_ns() / 1000000000; /* uptime */
        info[4] = libos_bootinfo->memory_pages * PX_PAGE_SIZE; /* totalram: lx's pool */
        info[5] = info[4] - lx_pages_in_use() * PX_PAGE_SIZE; /* freeram: less what processes hold */
        info[10] = lx_proc_count();                 /* procs, a u16 at offset 80 */
        uint32_t unit = 1;
        memcpy((uint8_t *)info + 104, &unit, 4);    /* mem_unit */
        return lx_copy_out(p, A0, info, 112) < 0 ? -LX_EFAULT : 0;
    }
    case 157:                                      /* prctl: the name a process gives itself */
        if (A0 == 15)                              /* PR_SET_NAME */
            return lx_copy_string(p, p->leader->comm, A1, sizeof(p->leader->comm)) == -LX_EFAULT ? -LX_EFAULT : 0;
        if (A0 == 16)                              /* PR_GET_NAME */
            return lx_copy_out(p, A1, p->leader->comm, sizeof(p->leader->comm)) < 0 ? -LX_EFAULT : 0;
        return -LX_EINVAL;
    case 40: return sys_sendfile(p, A0, A1, A2, A3);
    case 97: return sys_prlimit(p, 0, A0, 0, A1);  /* getrlimit */
    case 160: return sys_prlimit(p, 0, A0, A1, 0); /* setrlimit */
    case 302: return sys_prlimit(p, A0, A1, A2, A3); /* prlimit64 */
    case 318: {                                    /* getrandom: up to 256 bytes a call, as Linux's minimum */
        uint8_t b[256];
        uint64_t n = A1 < sizeof(b) ? A1 : sizeof(b);
        if (A2 & ~(uint64_t)7)                     /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
            return -LX_EINVAL;
        lx_random(b, n);
        return lx_copy_out(p, A0, b, n) < 0 ? -LX_EFAULT : (int64_t)n;
    }
    case 16: {                                     /* ioctl: the terminal's, on the console */
        struct lx_fd *f = fd_of(p, A0);
        if (!f)
            return -LX_EBADF;
        return f->kind == FD_CONSOLE ? lx_tty_ioctl(p, A1, A2) : -LX_ENOTTY;
    }
    case 21: case 269: {                           /* access, faccessat */
        char path[300];
        int e;
        if ((e = path_at(p, r->rax == 21 ? AT_FDCWD_ : (int64_t)A0, r->rax == 21 ? A0 : A1, path, sizeof(path))) < 0)
            return e;
        struct lx_node *pn = lx_procfs_lookup(p, path, true, &e);
        if (pn || e) {
            lx_procfs_free(pn);
            return pn ? 0 : -e;
        }
        return lx_fs_lookup(path, true, &e) ? 0 : -e;
    }
    default: *handled = false; return 0;
    }
}

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define MAX_EXEC_ARGS 256
#define MAX_EXEC_BYTES 65536

#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_SYSVSEM 0x40000
#define CLONE_DETACHED 0x400000
/* What a new thread shares with its process here: all of these, as pthread_create asks. */
#define CLONE_AS_THREAD (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

/*
 * fork, vfork (a fork here: the parent need not wait), clone for a new process (without CLONE_VM) and
 * for a new thread (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, as pthread_create
 * makes them). Other sharing, such as CLONE_VM without CLONE_THREAD, is not in this version.
 */
static int64_t sys_clone(struct lx_proc *p, struct px_regs *r, uint64_t flags, uint64_t newsp, uint64_t ptid,
                         uint64_t ctid, uint64_t tls, bool *handled)
{
    uint64_t known = CLONE_AS_THREAD | CLONE_SYSVSEM | CLONE_DETACHED | CLONE_SETTLS | CLONE_PARENT_SETTID |
                     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_VFORK | 0xff;
    bool thread = (flags & CLONE_AS_THREAD) == CLONE_AS_THREAD;
    bool vfork = (flags & (CLONE_AS_THREAD | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK); /* posix_spawn's */
    struct px_regs child = *r;
    struct lx_proc *c;
    int e;

    if (p->state == LX_BLOCKED && p->vfork_child) { /* the parent of a vfork child waits for its execve or end */
        c = lx_proc_find(p->vfork_child);
        if (c && c->state != LX_ZOMBIE && c->mm != c)
            return LX_WOULD_BLOCK;
        e = p->vfork_child;
        p->vfork_child = 0;
        return e;
    }
    if ((flags & ~known) || (!thread && !vfork && (flags & CLONE_AS_THREAD))) {
        *handled = false; /* namespaces, CLONE_VM alone, ...: not in this version (counted as unimplemented) */
        return 0;
    }
    if (!thread && (flags & 0xff) != LX_SIGCHLD && (flags & 0xff) != 0)
        return -LX_EINVAL; /* another exit signal than SIGCHLD: not in this version */
    child.rax = 0;
    if (newsp)
        child.rsp = newsp;
    if (flags & CLONE_SETTLS)
        child.fs_base = tls;
    if (!(c = thread ? lx_thread_new(p, &child, &e) : lx_proc_fork(p, &child, vfork, &e)))
        return -e;
    if (flags & CLONE_CHILD_SETTID)
        lx_copy_out(c, ctid, &c->pid, 4);
    if (flags & CLONE_CHILD_CLEARTID)
        c->tid_address = ctid;
    if (flags & CLONE_PARENT_SETTID)
        lx_copy_out(p, ptid, &c->pid, 4);
    if (vfork) { /* the parent waits until the child has called execve or ended, as Linux's vfork */
        p->vfork_child = c->pid;
        return LX_WOULD_BLOCK;
    }
    return c->pid;
}

/* clone3: the same, from a struct clone_args. */
static int64_t sys_clone3(struct lx_proc *p, struct px_regs *r, uint64_t uargs, uint64_t size, bool *handled)
{
    uint64_t a[11] = {0}; /* flags pidfd child_tid parent_tid exit_signal stack stack_size tls set_tid
                             set_tid_size cgroup */

    if (size < 64 || size > sizeof(a))
        return size < 64 ? -LX_EINVAL : -LX_E2BIG;
    if (lx_copy_in(p, a, uargs, size) < 0)
        return -LX_EFAULT;
    if ((size > 64 && (a[8] || a[9])) || (size > 80 && a[10]) || a[4] > LX_NSIG || (a[0] & 0xff)) {
        *handled = false; /* set_tid, cgroups: not in this version (CLONE_PIDFD is refused by sys_clone) */
        return 0;
    }
    if (!a[5] != !a[6])
        return -LX_EINVAL;
    return sys_clone(p, r, a[0] | a[4], a[5] ? a[5] + a[6] : 0, a[3], a[2], a[7], handled);
}

/* A NULL-terminated array of strings from the process, packed into buf; -LX_EFAULT or -LX_E2BIG. */
static int copy_strings(struct lx_proc *p, uint64_t uarr, char **out, char *buf, size_t *used)
{
    unsigned n = 0;

    for (; uarr; n++) {
        uint64_t ptr;
        if (n == MAX_EXEC_ARGS - 1)
            return -LX_E2BIG;
        if (lx_copy_in(p, &ptr, uarr + n * 8, 8) < 0)
            return -LX_EFAULT;
        if (!ptr)
            break;
        int e = lx_copy_string(p, buf + *used, ptr, MAX_EXEC_BYTES - *used);
        if (e < 0)
            return e == -LX_ENAMETOOLONG ? -LX_E2BIG : e;
        out[n] = buf + *used;
        *used += strlen(out[n]) + 1;
    }
    out[n] = NULL;
    return 0;
}

static int64_t sys_execve(struct lx_proc *p, struct px_regs *r, int64_t dirfd, uint64_t upath, uint64_t uargv,
                          uint64_t uenvp, enum lx_outcome *outcome)
{
    static char strings[MAX_EXEC_BYTES];
    static char *argv[MAX_EXEC_ARGS], *envp[MAX_EXEC_ARGS];
    char path[300];
    size_t used = 0;
    int e;

    if ((e = path_at(p, dirfd, upath, path, sizeof(path))) < 0 || (e = copy_strings(p, uargv, argv, strings, &used)) < 0 ||
        (e = copy_strings(p, uenvp, envp, strings, &used)) < 0)
        return e;
    e = lx_proc_exec(p, path, argv, envp, r);
    if (e > 0) { /* the old program is gone and the new one could not be set up: Linux sends SIGSEGV */
        *outcome = LX_EXIT;
        return 11;
    }
    if (e == 0 && p->new_thread) { /* a vfork child: its program runs in a thread of its own already */
        p->new_thread = false;
        *outcome = LX_DETACHED;
        return 0;
    }
    return e < 0 ? e : (int64_t)r->rax;
}

/* wait4: a zombie child is reaped; a running one is waited for (LX_WOULD_BLOCK) unless WNOHANG. */
static int64_t sys_wait4(struct lx_proc *p, int64_t pid, uint64_t ustatus, uint64_t options, uint64_t rusage)
{
    bool any = false;

    pid = (int32_t)pid;
    if (options & ~(uint64_t)(LX_WNOHANG | 2 | 8 | 0x40000000)) /* WUNTRACED, WCONTINUED, __WALL */
        return -LX_EINVAL;
    for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
        struct lx_proc *c = lx_proc_at(i);
        if (c->state == LX_FREE || c->leader != c || c->ppid != p->leader->pid || (pid > 0 && c->pid != pid))
            continue; /* pid 0 and < -1 name process groups: each process is its own group, so any child */
        any = true;
        int32_t told = (options & 2) && c->stop_report ? c->stop_sig << 8 | 0x7f /* WUNTRACED: stopped */
                       : (options & 8) && c->cont_report ? 0xffff                 /* WCONTINUED */
                                                         : -1;
        if (told >= 0 && c->state != LX_ZOMBIE) {
            if (ustatus && lx_copy_out(p, ustatus, &told, 4) < 0)
                return -LX_EFAULT;
            c->stop_report = c->cont_report = false;
            return c->pid;
        }
        if (c->state != LX_ZOMBIE)
            continue;
        if ((ustatus && lx_copy_out(p, ustatus, &c->wait_status, 4) < 0) ||
            (rusage && put_rusage(p, rusage, c->utime_ended, c->stime, 0) < 0))
            return -LX_EFAULT;
        int reaped = c->pid;
        lx_proc_reap(c);
        return reaped;
    }
    if (!any)
        return -LX_ECHILD;
    return options & LX_WNOHANG ? 0 : LX_WOULD_BLOCK;
}

/* waitid: the same as wait4, told through a siginfo; WNOWAIT leaves the zombie. */
static int64_t sys_waitid(struct lx_proc *p, uint64_t idtype, uint64_t id, uint64_t uinfo, uint64_t options)
{
    bool any = false;

    if (idtype > 2 || !(options & (4 | 2 | 8)) /* WEXITED, WSTOPPED, WCONTINUED: one at least */ ||
        (options & ~(uint64_t)(LX_WNOHANG | 4 | 2 | 8 | 0x1000000 | 0x40000000)))
        return -LX_EINVAL;
    for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
        struct lx_proc *c = lx_proc_at(i);
        if (c->state == LX_FREE || c->leader != c || c->ppid != p->leader->pid || (idtype == 1 && c->pid != (int)(int32_t)id) ||
            (idtype == 2 && c->leader->pgid != (int)(int32_t)id))
            continue;
        any = true;
        bool stop = (options & 2) && c->stop_report, cont = (options & 8) && c->cont_report;
        if (c->state != LX_ZOMBIE && (stop || cont)) { /* WSTOPPED, WCONTINUED */
            int32_t info[32] = {LX_SIGCHLD, 0, stop ? 5 : 6, 0, c->pid, 0, stop ? c->stop_sig : LX_SIGCONT};
            if (uinfo && lx_copy_out(p, uinfo, info, sizeof(info)) < 0)
                return -LX_EFAULT;
            if (!(options & 0x1000000))
                c->stop_report = c->cont_report = false;
            return 0;
        }
        if (c->state != LX_ZOMBIE || !(options & 4))
            continue;
        int32_t info[32] = {0};
        bool killed = (c->leader->wait_status & 0x7f) != 0;
        info[0] = LX_SIGCHLD;
        info[2] = killed ? 2 : 1; /* CLD_KILLED, CLD_EXITED */
        info[4] = c->pid;
        info[5] = 0; /* uid */
        info[6] = killed ? (c->leader->wait_status & 0x7f) : (c->leader->wait_status >> 8) & 0xff;
        if (uinfo && lx_copy_out(p, uinfo, info, sizeof(info)) < 0)
            return -LX_EFAULT;
        if (!(options & 0x1000000))
            lx_proc_reap(c);
        return 0;
    }
    if (!any)
        return -LX_ECHILD;
    return options & LX_WNOHANG ? 0 : LX_WOULD_BLOCK; /* with WNOHANG, Linux leaves the siginfo alone */
}

/* kill: to a process (any of its threads' ids names it) or a process group. */
static int64_t sys_kill(struct lx_proc *p, int64_t pid, uint64_t sig, enum lx_outcome *outcome)
{
    pid = (int32_t)pid;
    if (sig > LX_NSIG)
        return -LX_EINVAL;
    if (pid == -1)
        return -LX_EPERM; /* a signal to every process: not in this version */
    if (pid <= 0) { /* a process group: the caller's (0) or -pid */
        int g = pid ? (int)-pid : p->leader->pgid;
        bool any = false, self = false;
        for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
            struct lx_proc *q = lx_proc_at(i);
            if (q->state == LX_FREE || q->state == LX_ZOMBIE || q->leader != q || q->pgid != g)
                continue;
            any = true;
            if (q == p->leader)
                self = true;
            else if (sig)
                lx_signal_send(q, (int)sig);
        }
        if (!any)
            return -LX_ESRCH;
        if (self && sig && lx_signal_kills(lx_signal_target(p, (int)sig), (int)sig)) {
            *outcome = LX_EXIT;
            return (int64_t)sig;
        }
        if (self && sig)
            lx_signal_send(p, (int)sig);
        return 0;
    }
    struct lx_proc *t = lx_proc_find((int)pid);
    if (!t)
        return -LX_ESRCH;
    t = t->leader;
    if (!sig || t->state == LX_ZOMBIE)
        return 0;
    if (t == p->leader && lx_signal_kills(lx_signal_target(p, (int)sig), (int)sig)) {
        *outcome = LX_EXIT; /* the caller's process ends now; a handler runs as it returns */
        return (int64_t)sig;
    }
    if (t == p->leader)
        lx_signal_send_thread(lx_signal_target(p, (int)sig), (int)sig);
    else
        lx_signal_send(t, (int)sig);
    return 0;
}

/* tkill and tgkill: to one thread (of process tgid, unless tgid is 0). */
static int64_t sys_tgkill(struct lx_proc *p, int64_t tgid, int64_t tid, uint64_t sig, enum lx_outcome *outcome)
{
    struct lx_proc *t = (int32_t)tid > 0 ? lx_proc_find((int)(int32_t)tid) : NULL;

    if ((int32_t)tid <= 0 || (int32_t)tgid < 0 || sig > LX_NSIG)
        return -LX_EINVAL;
    if (!t || (t->state != LX_RUNNING && t->state != LX_BLOCKED) || (tgid && t->leader->pid != (int32_t)tgid))
        return -LX_ESRCH;
    if (!sig)
        return 0;
    if (t->leader == p->leader && lx_signal_kills(t, (int)sig)) {
        *outcome = LX_EXIT;
        return (int64_t)sig;
    }
    lx_signal_send_thread(t, (int)sig);
    return 0;
}

static int64_t processes(struct lx_proc *p, struct px_regs *r, bool *handled, enum lx_outcome *outcome)
{
    *handled = true;
    switch (r->rax) {
    case 56: return sys_clone(p, r, A0, A1, A2, A3, A4, handled);
    case 435: return sys_clone3(p, r, A0, A1, handled);
    case 202: return sys_futex(p, A0, A1, A2, A3, r->r8, r->r9, handled);
    case 57: case 58: return sys_clone(p, r, LX_SIGCHLD, 0, 0, 0, 0, handled); /* fork, vfork */
    case 59: return sys_execve(p, r, AT_FDCWD_, A0, A1, A2, outcome);
    case 322: return sys_execve(p, r, (int64_t)A0, A1, A2, A3, outcome); /* execveat, without flags */
    case 61: return sys_wait4(p, (int64_t)A0, A1, A2, A3);
    case 247: return sys_waitid(p, A0, A1, A2, A3);
    case 62: return sys_kill(p, (int64_t)A0, A1, outcome);
    case 200: return sys_tgkill(p, 0, (int64_t)A0, A1, outcome);                          /* tkill */
    case 234: return (int32_t)A0 <= 0 ? -LX_EINVAL : sys_tgkill(p, (int64_t)A0, (int64_t)A1, A2, outcome); /* tgkill */
    case 13: return lx_sigaction(p, A0, A1, A2, A3);
    case 14: return lx_sigprocmask(p, A0, A1, A2, A3);
    case 130: return lx_sigsuspend(p, A0, A1);
    case 34: return lx_signal_deliverable(p) ? -LX_EINTR : LX_WOULD_BLOCK; /* pause: until a signal */
    case 131: return lx_sigaltstack(p, A0, A1, r->rsp);
    case 15:                                            /* rt_sigreturn */
        if (lx_sigreturn(p, r) < 0) {                   /* a bad frame: SIGSEGV, as Linux */
            *outcome = LX_EXIT;
            return 11;
        }
        return (int64_t)r->rax;                         /* the interrupted code's rax, whatever it is */
    default: *handled = false; return 0;
    }
}

void lx_unimplemented_report(void)
{
    bool any = false;

    for (unsigned i = 0; i < NSYSCALLS; i++)
        if (unimplemented[i]) {
            printf("%s%s(%u) x%u", any ? ", " : "lx: unimplemented system calls: ", lx_syscall_name(i), i, unimplemented[i]);
            any = true;
        }
    printf(any ? "\n" : "lx: every system call the programs made is implemented\n");
}

static enum lx_outcome syscall(struct lx_proc *p, struct px_regs *r, int *exit_status)
{
    bool handled = false;
    int64_t ret;

    enum lx_outcome outcome = LX_RESUME;

    if (r->rax == 60) { /* exit: the thread's end (its process's, if it is the last) */
        *exit_status = (int)(A0 & 0xff);
        return LX_THREAD_EXIT;
    }
    if (r->rax == 231) { /* exit_group */
        *exit_status = (int)(A0 & 0xff) << 8;
        return LX_EXIT;
    }
    ret = processes(p, r, &handled, &outcome);
    if (outcome == LX_EXIT) { /* the process ended itself: ret is the signal */
        *exit_status = (int)ret;
        return LX_EXIT;
    }
    if (!handled)
        ret = files(p, r, &handled);
    if (!handled)
        ret = tree(p, r, &handled);
    if (!handled)
        ret = memory(p, r, &handled);
    if (!handled)
        ret = identity(p, r, &handled);
    if (!handled)
        ret = misc(p, r, &handled);
    if (!handled) {
        if (r->rax < NSYSCALLS)
            unimplemented[r->rax]++;
        ret = -LX_ENOSYS;
    }
    if (ret == LX_WOULD_BLOCK)
        return LX_BLOCK; /* r is as it was: the call is done again later */
    if (ret == -LX_EPIPE && (r->rax == 1 || r->rax == 20)) { /* a write to a pipe nobody reads: SIGPIPE */
        *exit_status = LX_SIGPIPE;
        return LX_EXIT;
    }
    r->rax = (uint64_t)ret;
    return LX_RESUME;
}

enum lx_outcome lx_syscall(struct lx_proc *p, struct px_regs *r, int *exit_status)
{
    uint64_t start = libos_monotonic_ns();
    struct lx_proc *leader = p->leader;
    enum lx_outcome o = syscall(p, r, exit_status);

    /* exec from another thread makes p the leader (leader's slot is free then): charge what p is now */
    uint64_t spent = libos_monotonic_ns() - start;
    (leader->state == LX_FREE ? p->leader : leader)->stime += spent;
    p->thread_stime += spent;
    return o;
}
