/*
 * The program's standard streams from and to the host, over the stdio server's rings (dev/hostio.h,
 * abi/proteus/io/stdio.h). The host's bytes come first with the start block: a 32-bit little-endian
 * length, then entries, each a kind byte ('a' argument, 'e' environment, 't' the descriptors that are
 * lx's terminal, as digits) and a NUL-terminated string; whatever follows it is the program's stdin.
 *
 * Everything here is non-blocking but the start and the final flush: a read or write that cannot go on
 * returns 0 and its caller blocks the process, which a signal from the server wakes (lx_hostio_notify's
 * thread turns the server's notification into a bit of lx's, as the console's does).
 */
#include "hostio.h"
#include "../lx.h"
#include <libos/libos.h>
#include <stdio.h>
#include <proteus/io/stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_MAX (4u << 20) /* a start block bigger than Linux's limits allow, with room to spare */

static struct px_stdio_page *page;
static uint32_t to_server, from_server, forward_to;

bool lx_hostio_active(void)
{
    const char *c = libos_bootinfo->cmdline, *h = strstr(c, "lx.hostio");
    const struct libos_resource *shared = libos_resource("stdio", LIBOS_RES_SHARED);
    const struct libos_resource *sig = libos_resource("stdio", LIBOS_RES_NOTIFICATION);
    const struct libos_resource *wait = libos_resource("stdio-in", LIBOS_RES_NOTIFICATION);

    if (!h || (h > c && h[-1] != ' ') || (h[9] != 0 && h[9] != ' ') || !shared || !sig || !wait ||
        shared->size < sizeof(struct px_stdio_page))
        return false;
    page = (struct px_stdio_page *)(uintptr_t)shared->va;
    to_server = sig->cap, from_server = wait->cap;
    return true;
}

size_t lx_hostio_read(void *buf, size_t len, bool *eof)
{
    struct px_stdio_ring *r = &page->in;
    bool closed = __atomic_load_n(&r->closed, __ATOMIC_ACQUIRE); /* set after the last byte: read it first */
    uint32_t n = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE) - r->cons;
    if (n > len)
        n = (uint32_t)len;
    for (uint32_t i = 0; i < n; i++)
        ((uint8_t *)buf)[i] = r->data[(r->cons + i) % PX_STDIO_RING_SIZE];
    if (n) {
        __atomic_store_n(&r->cons, r->cons + n, __ATOMIC_RELEASE);
        px_signal(to_server); /* room again: the server reads on */
    }
    *eof = n == 0 && closed;
    return n;
}

size_t lx_hostio_readable(bool *ready)
{
    uint32_t n = __atomic_load_n(&page->in.prod, __ATOMIC_ACQUIRE) - page->in.cons;

    *ready = n || __atomic_load_n(&page->in.closed, __ATOMIC_ACQUIRE);
    return n;
}

static struct px_stdio_ring *out_ring(int fd) { return fd == 2 ? &page->err : &page->out; }

size_t lx_hostio_writable(int fd)
{
    struct px_stdio_ring *r = out_ring(fd);

    return PX_STDIO_RING_SIZE - (r->prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE));
}

size_t lx_hostio_write(int fd, const void *buf, size_t len)
{
    struct px_stdio_ring *r = out_ring(fd);
    size_t n = lx_hostio_writable(fd);

    if (n > len)
        n = len;
    for (size_t i = 0; i < n; i++)
        r->data[(r->prod + i) % PX_STDIO_RING_SIZE] = ((const uint8_t *)buf)[i];
    if (n) {
        __atomic_store_n(&r->prod, r->prod + (uint32_t)n, __ATOMIC_RELEASE);
        px_signal(to_server);
    }
    return n;
}

void lx_hostio_flush(void)
{
    if (!page)
        return;
    px_signal(to_server);
    while (lx_hostio_writable(1) != PX_STDIO_RING_SIZE || lx_hostio_writable(2) != PX_STDIO_RING_SIZE)
        px_thread_yield(); /* the server runs above us: it is sending */
}

/* Read exactly len bytes of the start block, waiting on the server's notification. */
static bool read_all(void *buf, size_t len)
{
    size_t got = 0;
    bool eof;

    while (got < len) {
        size_t n = lx_hostio_read((uint8_t *)buf + got, len - got, &eof);
        uint64_t bits;
        got += n;
        if (!n && eof)
            return false;
        if (!n && !forward_to)
            px_wait(from_server, &bits);
        else if (!n)
            px_thread_yield();
    }
    return true;
}

/* Append s to a NULL-terminated array of n entries. */
static char **push(char **v, size_t *n, char *s)
{
    char **w = realloc(v, (*n + 2) * sizeof(*w));

    if (!w)
        return NULL;
    w[(*n)++] = s;
    w[*n] = NULL;
    return w;
}

bool lx_hostio_start(char ***argv, char ***envp, unsigned *terminal, char *err, size_t errlen)
{
    uint8_t head[4];
    uint32_t len;
    char *block, *p, *end;
    size_t na = 0, ne = 0;

    *argv = *envp = NULL;
    *terminal = 0;
    if (!read_all(head, 4))
        return strncpy(err, "the host sent no start block", errlen), false;
    len = head[0] | head[1] << 8 | head[2] << 16 | (uint32_t)head[3] << 24;
    if (len > START_MAX || !(block = malloc(len + 1)))
        return strncpy(err, "the host's start block is too big", errlen), false;
    if (!read_all(block, len))
        return strncpy(err, "the host's start block is cut short", errlen), false;
    block[len] = 0;
    *argv = push(NULL, &na, NULL), na = 0;
    *envp = push(NULL, &ne, NULL), ne = 0;
    for (p = block, end = block + len; p < end; p += strlen(p) + 1) {
        char kind = *p++;
        if (kind == 'a' && *argv)
            *argv = push(*argv, &na, p);
        else if (kind == 'e' && *envp)
            *envp = push(*envp, &ne, p);
        else if (kind == 't')
            for (const char *d = p; *d; d++)
                *terminal |= *d >= '0' && *d <= '2' ? 1u << (*d - '0') : 0;
        else
            return strncpy(err, "the host's start block is malformed", errlen), false;
    }
    if (!*argv || !*envp || !na)
        return strncpy(err, "the host sent no program to run", errlen), false;
    return true;
}

static void forward(void *unused)
{
    (void)unused;
    for (;;) {
        uint64_t bits;
        if (px_wait(from_server, &bits) == PX_OK)
            px_signal(forward_to);
    }
}

bool lx_hostio_notify(uint32_t notification, unsigned prio)
{
    struct libos_thread t;

    forward_to = notification;
    return libos_thread_create(forward, NULL, prio, PX_CAP_NULL, 0, &t) == PX_OK;
}

/* The streams as open files: pipe-like (not a terminal: ioctl is ENOTTY), a read waits for the host. */
static int stream_of(const struct lx_fd *f) { return (int)(uintptr_t)f->priv; }

static int64_t stream_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    bool eof;
    size_t n = lx_hostio_read(buf, len, &eof);

    (void)p, (void)off;
    if (!n && !eof && len)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    return (int64_t)n;
}

static int64_t stream_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    size_t n = lx_hostio_write(stream_of(f), buf, len);

    (void)p, (void)off;
    if (!n && len)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    return (int64_t)n;
}

static int16_t stream_in_poll(struct lx_fd *f)
{
    bool ready;
    size_t n = lx_hostio_readable(&ready);

    (void)f;
    return (int16_t)((ready ? LX_POLLIN : 0) | (ready && !n ? LX_POLLHUP : 0));
}

static int16_t stream_out_poll(struct lx_fd *f) { return lx_hostio_writable(stream_of(f)) ? LX_POLLOUT : 0; }

/* In /proc/<pid>/fd a stream is a pipe's end (it is one on the host's side, or a file lx cannot name). */
static void stream_link(struct lx_fd *f, char *buf, size_t len) { snprintf(buf, len, "pipe:[%d]", stream_of(f)); }

static struct lx_fd *stream_reopen(struct lx_fd *f, int flags, int *err);
static const struct lx_file_ops in_ops = {.read = stream_read, .poll = stream_in_poll, .link = stream_link,
                                          .reopen = stream_reopen};
static const struct lx_file_ops out_ops = {.write = stream_write, .poll = stream_out_poll, .link = stream_link,
                                           .reopen = stream_reopen};

/* Opening /dev/stdin (or /proc/<pid>/fd/N) of a stream: another description of it, in its direction. */
static struct lx_fd *stream_reopen(struct lx_fd *f, int flags, int *err)
{
    struct lx_fd *n;

    if ((flags & LX_O_ACCMODE) != (stream_of(f) ? LX_O_WRONLY : 0)) {
        *err = LX_EACCES;
        return NULL;
    }
    if (!(n = lx_file_new_ops(f->ops, f->priv, flags & (LX_O_ACCMODE | LX_O_NONBLOCK))))
        *err = LX_ENOMEM;
    return n;
}

struct lx_fd *lx_hostio_file(int fd)
{
    return fd == 0 ? lx_file_new_ops(&in_ops, (void *)0, 0)
                   : lx_file_new_ops(&out_ops, (void *)(uintptr_t)fd, LX_O_WRONLY);
}
