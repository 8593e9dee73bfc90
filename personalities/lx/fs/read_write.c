/*
 * read, write and their positioned and vectored forms, lseek and sendfile, over every kind of open file
 * description: the console, the null, zero and random devices, tree files, directories (EISDIR) and
 * pipes (which may block: LX_WOULD_BLOCK, done again when the pipe changes).
 */
#include "kernel/syscall.h"
#include <stdio.h>
#include <string.h>

#define CHUNK LX_CALL_BUFFER /* the most one call moves (a partial read or write, as Linux allows) */

static int64_t do_read(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len, int64_t at)
{
    uint8_t *tmp = lx_call_buffer(); /* (kept across a sleep for the disk, unlike a static buffer) */
    uint64_t off = at >= 0 ? (uint64_t)at : f->offset;
    int64_t n;

    if ((f->flags & LX_O_ACCMODE) == LX_O_WRONLY)
        return -LX_EBADF;
    if (!f->ops->read)
        return -LX_EINVAL;
    if (at >= 0 && !f->ops->seekable)
        return -LX_ESPIPE;
    if ((n = f->ops->read(f, p, tmp, len < CHUNK ? len : CHUNK, &off)) < 0)
        return n;
    if (f->node && f->node->fmap) /* the file's pages that shared mappings hold are the file */
        lx_filemap_overlay(f->node, off - (uint64_t)n, tmp, (uint64_t)n);
    if (lx_copy_out(p, buf, tmp, (uint64_t)n) < 0)
        return -LX_EFAULT;
    if (at < 0)
        f->offset = off;
    return n;
}

/* Write bytes lx holds to f at its position (its end, with O_APPEND): what it took, or -LX_E*. */
int64_t lx_write_kernel(struct lx_proc *p, struct lx_fd *f, const uint8_t *buf, uint64_t len)
{
    if (!(f->flags & LX_O_ACCMODE))
        return -LX_EBADF;
    if (!f->ops->write)
        return -LX_EINVAL;
    if ((f->flags & LX_O_APPEND) && f->node)
        f->offset = f->node->size;
    return f->ops->write(f, p, buf, len, &f->offset);
}

static int64_t do_write(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len)
{
    uint8_t *tmp = lx_call_buffer();

    if (len > CHUNK)
        len = CHUNK;
    if (!(f->flags & LX_O_ACCMODE))
        return -LX_EBADF;
    if (lx_copy_in(p, tmp, buf, len) < 0)
        return -LX_EFAULT;
    return lx_write_kernel(p, f, tmp, len);
}

static int64_t do_pwrite(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len, int64_t at)
{
    uint8_t *tmp = lx_call_buffer();
    uint64_t off = (uint64_t)at;

    if (!(f->flags & LX_O_ACCMODE))
        return -LX_EBADF;
    if (!f->ops->seekable)
        return -LX_ESPIPE;
    if (at < 0)
        return -LX_EINVAL;
    if (!f->ops->write)
        return -LX_EINVAL;
    if (len > CHUNK)
        len = CHUNK;
    if (lx_copy_in(p, tmp, buf, len) < 0)
        return -LX_EFAULT;
    return f->ops->write(f, p, tmp, len, &off);
}

static int64_t do_vec(struct lx_proc *p, struct lx_fd *f, uint64_t iov, uint64_t cnt, bool write)
{
    int64_t total = 0;

    if (cnt > 1024)
        return -LX_EINVAL;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t v[2];
        if (lx_copy_in(p, v, iov + i * 16, 16) < 0)
            return -LX_EFAULT;
        int64_t n = write ? do_write(p, f, v[0], v[1]) : do_read(p, f, v[0], v[1], -1);
        if (n < 0)
            return total ? total : n; /* LX_WOULD_BLOCK too: what was done is returned */
        total += n;
        if ((uint64_t)n < v[1])
            break;
    }
    return total;
}


static int64_t do_lseek(struct lx_fd *f, int64_t off, uint64_t whence)
{
    int64_t base;

    if (!f->ops->seekable)
        return -LX_ESPIPE;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->offset; break;
    case SEEK_END: base = f->kind == FD_FILE ? (int64_t)f->node->size : 0; break; /* devices: 0 */
    default: return -LX_EINVAL;
    }
    if (off < 0 ? base + off < 0 : base > INT64_MAX - off)
        return -LX_EINVAL;
    if (f->kind == FD_DIR && base + off != 0)
        return -LX_EINVAL; /* a directory can only be rewound */
    f->offset = (uint64_t)(base + off);
    return base + off;
}

static int64_t do_sendfile(struct lx_proc *p, uint64_t out, uint64_t in, uint64_t uoff, uint64_t count)
{
    uint8_t *buf = lx_call_buffer();
    struct lx_fd *fo = lx_fd_of(p, out), *fi = lx_fd_of(p, in);
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
    if ((n = fi->ops->read(fi, p, buf, count < CHUNK ? count : CHUNK, &at)) <= 0)
        return n;
    if (fi->node && fi->node->fmap)
        lx_filemap_overlay(fi->node, at - (uint64_t)n, buf, (uint64_t)n);
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

int64_t sys_read(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_read(p, f, A1, A2, -1) : -LX_EBADF;
}

/* A write to a pipe or socket nobody reads: SIGPIPE, which ends the process unless it is handled, ignored
 * or blocked (then the write fails with EPIPE). */
int64_t lx_broken_pipe(struct lx_proc *p, int64_t ret)
{
    if (ret != -LX_EPIPE)
        return ret;
    if (lx_signal_kills(p, LX_SIGPIPE)) {
        lx_call_outcome = LX_EXIT;
        return LX_SIGPIPE;
    }
    lx_signal_send_thread(p, LX_SIGPIPE);
    return ret;
}
#define broken_pipe(ret) lx_broken_pipe(p, ret)

int64_t sys_write(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? broken_pipe(do_write(p, f, A1, A2)) : -LX_EBADF;
}

int64_t sys_pread64(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_read(p, f, A1, A2, (int64_t)A3) : -LX_EBADF;
}

int64_t sys_pwrite64(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_pwrite(p, f, A1, A2, (int64_t)A3) : -LX_EBADF;
}

int64_t sys_readv(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_vec(p, f, A1, A2, false) : -LX_EBADF;
}

int64_t sys_writev(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? broken_pipe(do_vec(p, f, A1, A2, true)) : -LX_EBADF;
}

int64_t sys_lseek(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_lseek(f, (int64_t)A1, A2) : -LX_EBADF;
}

int64_t sys_sendfile(struct lx_proc *p, struct px_regs *r) { return do_sendfile(p, A0, A1, A2, A3); }

/*
 * copy_file_range: bytes from one regular file to another, through lx (up to a call buffer's worth a
 * call: a short count, as man 2 allows). Files of two different file systems are EXDEV, as Linux says
 * for file systems without a copy of their own; an overlapping range of one file is EINVAL.
 */
static int64_t do_copy_file_range(struct lx_proc *p, struct px_regs *r)
{
    uint8_t *buf = lx_call_buffer();
    struct lx_fd *fi = lx_fd_of(p, A0), *fo = lx_fd_of(p, A2);
    int64_t in = -1, out = -1, n;
    uint64_t len = A4 < CHUNK ? A4 : CHUNK;

    if (A5)
        return -LX_EINVAL; /* flags */
    if (!fi || !fo || (fi->flags & LX_O_ACCMODE) == LX_O_WRONLY || !(fo->flags & LX_O_ACCMODE) ||
        (fo->flags & LX_O_APPEND))
        return -LX_EBADF;
    if (fi->kind == FD_DIR || fo->kind == FD_DIR)
        return -LX_EISDIR;
    if (fi->kind != FD_FILE || fo->kind != FD_FILE)
        return -LX_EINVAL;
    if ((A1 && lx_copy_in(p, &in, A1, 8) < 0) || (A3 && lx_copy_in(p, &out, A3, 8) < 0))
        return -LX_EFAULT;
    if ((A1 && in < 0) || (A3 && out < 0))
        return -LX_EINVAL;
    uint64_t at_in = A1 ? (uint64_t)in : fi->offset, at_out = A3 ? (uint64_t)out : fo->offset;
    if (fi->node->mnt != fo->node->mnt)
        return -LX_EXDEV;
    if (fi->node == fo->node && at_in < at_out + A4 && at_out < at_in + A4)
        return -LX_EINVAL;
    if (!len)
        return 0;
    if ((n = fi->ops->read(fi, p, buf, len, &at_in)) <= 0)
        return n;
    if ((n = fo->ops->write(fo, p, buf, (uint64_t)n, &at_out)) <= 0)
        return n;
    if (A1) {
        in += n;
        if (lx_copy_out(p, A1, &in, 8) < 0)
            return -LX_EFAULT;
    } else
        fi->offset += (uint64_t)n;
    if (A3) {
        out += n;
        if (lx_copy_out(p, A3, &out, 8) < 0)
            return -LX_EFAULT;
    } else
        fo->offset += (uint64_t)n;
    return n;
}

int64_t sys_copy_file_range(struct lx_proc *p, struct px_regs *r) { return do_copy_file_range(p, r); }
