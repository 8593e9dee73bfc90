/*
 * The socket system calls (man 2 socket, socketpair, bind, listen, accept, connect, send, recv,
 * sendmsg, recvmsg, shutdown, getsockname, getpeername, getsockopt): the process's arguments copied in
 * and out (addresses, struct msghdr and its iovecs, control messages), the family's work done by
 * net/unix.c. Every family but AF_UNIX is EAFNOSUPPORT, as Linux says of a family it was built
 * without; a descriptor that is no socket is ENOTSOCK.
 */
#include "net/net.h"
#include <stdlib.h>
#include <string.h>

#define SOCKADDR_MAX 128 /* struct sockaddr_storage */
#define IOV_MAX_ 1024
#define MSG_MAX (256u << 10) /* the most one call moves (a datagram is at most SO_SNDBUF anyway) */

/* struct msghdr */
struct msghdr_ {
    uint64_t name;
    uint32_t namelen, pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad1;
};
_Static_assert(sizeof(struct msghdr_) == 56, "struct msghdr on x86_64 Linux");

/* struct cmsghdr, its data 8-aligned after it */
struct cmsghdr_ {
    uint64_t len;
    int32_t level, type;
};
#define CMSG_ALIGN_(n) (((n) + 7) & ~(uint64_t)7)

static struct lx_fd *sock_of(struct lx_proc *p, uint64_t fd, int64_t *err)
{
    struct lx_fd *f = lx_fd_of(p, fd);

    *err = !f ? -LX_EBADF : f->ops != &lx_unix_ops ? -LX_ENOTSOCK : 0;
    return *err ? NULL : f;
}

/* A blocking call with SO_RCVTIMEO or SO_SNDTIMEO: EAGAIN once that long has passed. */
static int64_t timed(struct lx_proc *p, int64_t ret, uint64_t timeout)
{
    if (ret != LX_WOULD_BLOCK || !timeout)
        return ret;
    if (p->state == LX_BLOCKED && p->deadline && libos_monotonic_ns() >= p->deadline)
        return -LX_EAGAIN;
    if (p->state != LX_BLOCKED)
        p->deadline = libos_monotonic_ns() + timeout;
    return ret;
}

static int copy_addr_in(struct lx_proc *p, uint64_t uaddr, uint64_t len, struct lx_sockaddr_un *a, unsigned *alen)
{
    uint8_t buf[SOCKADDR_MAX];

    if ((int32_t)len < 0 || (uint32_t)len > SOCKADDR_MAX)
        return -LX_EINVAL;
    memset(a, 0, sizeof(*a));
    if (lx_copy_in(p, buf, uaddr, (uint32_t)len) < 0)
        return -LX_EFAULT;
    memcpy(a, buf, (uint32_t)len < sizeof(*a) ? (uint32_t)len : sizeof(*a));
    /* a longer address than a sockaddr_un is refused by the family (EINVAL), as Linux's */
    *alen = (uint32_t)len > sizeof(*a) ? sizeof(*a) + 1 : (uint32_t)len;
    return 0;
}

/* An address out to (uaddr, *ulen): as much as fits, and its whole length in *ulen. */
static int copy_addr_out(struct lx_proc *p, uint64_t uaddr, uint64_t ulen, const struct lx_sockaddr_un *a,
                         unsigned alen)
{
    int32_t len;

    if (!uaddr)
        return 0;
    if (lx_copy_in(p, &len, ulen, 4) < 0)
        return -LX_EFAULT;
    if (len < 0)
        return -LX_EINVAL;
    if (lx_copy_out(p, uaddr, a, (unsigned)len < alen ? (unsigned)len : alen) < 0)
        return -LX_EFAULT;
    len = (int32_t)alen;
    return lx_copy_out(p, ulen, &len, 4) < 0 ? -LX_EFAULT : 0;
}

/* socket(2)'s and socketpair(2)'s checks, in Linux's order; the type (SOCK_RAW is a datagram socket). */
static int socket_type(uint64_t domain, uint64_t type, uint64_t protocol)
{
    int t = (int)(type & SOCK_TYPE_MASK_);

    if ((type & ~(uint64_t)(SOCK_TYPE_MASK_ | LX_O_NONBLOCK | LX_O_CLOEXEC)) || (int32_t)type < 0)
        return -LX_EINVAL;
    if ((int32_t)domain < 0 || domain >= AF_MAX_)
        return -LX_EAFNOSUPPORT;
    if (t >= SOCK_MAX_)
        return -LX_EINVAL;
    if (domain != AF_UNIX_)
        return -LX_EAFNOSUPPORT; /* AF_INET, AF_INET6, AF_NETLINK, ...: not in lx */
    if (protocol && protocol != AF_UNIX_)
        return -LX_EPROTONOSUPPORT;
    if (t == SOCK_RAW_)
        return SOCK_DGRAM_;
    if (t != SOCK_STREAM_ && t != SOCK_DGRAM_ && t != SOCK_SEQPACKET_)
        return -LX_ESOCKTNOSUPPORT;
    return t;
}

int64_t sys_socket(struct lx_proc *p, struct px_regs *r)
{
    int t = socket_type(A0, A1, A2), fd, e;
    struct lx_fd *f;

    if (t < 0)
        return t;
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    if ((e = lx_unix_create(p, t, (int)A1, &f)) < 0)
        return e;
    lx_fd_install(p, fd, f, A1 & LX_O_CLOEXEC);
    return fd;
}

int64_t sys_socketpair(struct lx_proc *p, struct px_regs *r)
{
    int t = socket_type(A0, A1, A2), fds[2], e;
    struct lx_fd *f[2];

    if (t < 0)
        return t;
    if (lx_fd_alloc_pair(p, fds) < 0)
        return -LX_EMFILE;
    if ((e = lx_unix_pair(p, t, (int)A1, f)) < 0)
        return e;
    if (lx_copy_out(p, A3, fds, sizeof(fds)) < 0) {
        lx_file_put(f[0]), lx_file_put(f[1]);
        return -LX_EFAULT;
    }
    lx_fd_install(p, fds[0], f[0], A1 & LX_O_CLOEXEC);
    lx_fd_install(p, fds[1], f[1], A1 & LX_O_CLOEXEC);
    return 0;
}

int64_t sys_bind(struct lx_proc *p, struct px_regs *r)
{
    struct lx_sockaddr_un a;
    unsigned alen;
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    if (!f)
        return e;
    if ((e = copy_addr_in(p, A1, A2, &a, &alen)) < 0)
        return e;
    return lx_unix_bind(p, f, &a, alen);
}

int64_t sys_listen(struct lx_proc *p, struct px_regs *r)
{
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    return f ? lx_unix_listen(p, f, (int)A1) : e;
}

int64_t sys_connect(struct lx_proc *p, struct px_regs *r)
{
    struct lx_sockaddr_un a;
    unsigned alen;
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    if (!f)
        return e;
    if ((e = copy_addr_in(p, A1, A2, &a, &alen)) < 0)
        return e;
    return timed(p, lx_unix_connect(p, f, &a, alen), lx_unix_timeout(f, true));
}

static int64_t do_accept(struct lx_proc *p, struct px_regs *r, uint64_t flags)
{
    struct lx_sockaddr_un a;
    unsigned alen;
    struct lx_fd *nf;
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);
    int fd;

    if (flags & ~(uint64_t)(LX_O_NONBLOCK | LX_O_CLOEXEC))
        return -LX_EINVAL;
    if (!f)
        return e;
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    if ((e = timed(p, lx_unix_accept(p, f, (int)flags, &nf, &a, &alen), lx_unix_timeout(f, false))) < 0 ||
        e == LX_WOULD_BLOCK)
        return e;
    if ((e = copy_addr_out(p, A1, A2, &a, alen)) < 0) { /* (Linux too: the connection is lost then) */
        lx_file_put(nf);
        return e;
    }
    lx_fd_install(p, fd, nf, flags & LX_O_CLOEXEC);
    return fd;
}

int64_t sys_accept(struct lx_proc *p, struct px_regs *r) { return do_accept(p, r, 0); }
int64_t sys_accept4(struct lx_proc *p, struct px_regs *r) { return do_accept(p, r, A3); }

int64_t sys_shutdown(struct lx_proc *p, struct px_regs *r)
{
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    return f ? lx_unix_shutdown(f, (int)A1) : e;
}

static int64_t do_name(struct lx_proc *p, struct px_regs *r, bool peer)
{
    struct lx_sockaddr_un a;
    unsigned alen;
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    if (!f)
        return e;
    if ((e = lx_unix_name(f, peer, &a, &alen)) < 0)
        return e;
    return copy_addr_out(p, A1, A2, &a, alen);
}

int64_t sys_getsockname(struct lx_proc *p, struct px_regs *r) { return do_name(p, r, false); }
int64_t sys_getpeername(struct lx_proc *p, struct px_regs *r) { return do_name(p, r, true); }

int64_t sys_setsockopt(struct lx_proc *p, struct px_regs *r)
{
    uint8_t val[16] = {0};
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    if (!f)
        return e;
    if ((int32_t)A4 < 0)
        return -LX_EINVAL;
    if ((int32_t)A1 != SOL_SOCKET_)
        return -LX_EOPNOTSUPP; /* AF_UNIX has no options at other levels */
    if (lx_copy_in(p, val, A3, (uint32_t)A4 < sizeof(val) ? (uint32_t)A4 : sizeof(val)) < 0)
        return -LX_EFAULT;
    return lx_unix_setopt(f, (int)A2, val, (uint32_t)A4);
}

int64_t sys_getsockopt(struct lx_proc *p, struct px_regs *r)
{
    uint8_t val[16];
    unsigned vlen;
    int32_t len;
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    if (!f)
        return e;
    if ((int32_t)A1 != SOL_SOCKET_)
        return -LX_EOPNOTSUPP;
    if (lx_copy_in(p, &len, A4, 4) < 0)
        return -LX_EFAULT;
    if (len < 0)
        return -LX_EINVAL;
    if ((e = lx_unix_getopt(f, (int)A2, val, &vlen)) < 0)
        return e;
    len = (unsigned)len < vlen ? len : (int32_t)vlen;
    if (lx_copy_out(p, A3, val, (unsigned)len) < 0 || lx_copy_out(p, A4, &len, 4) < 0)
        return -LX_EFAULT;
    return 0;
}

/* ---- sending ---- */

/* The control messages of a sendmsg into m: SCM_RIGHTS (references taken) and SCM_CREDENTIALS. */
static int control_in(struct lx_proc *p, uint64_t uctl, uint64_t ctllen, struct lx_msg *m)
{
    uint8_t *ctl;
    int e = 0;

    if (!ctllen)
        return 0;
    if (ctllen > 65536 || !(ctl = malloc(ctllen)))
        return -LX_ENOBUFS;
    if (lx_copy_in(p, ctl, uctl, ctllen) < 0) {
        free(ctl);
        return -LX_EFAULT;
    }
    for (uint64_t at = 0; at + sizeof(struct cmsghdr_) <= ctllen && !e;) {
        struct cmsghdr_ h;
        memcpy(&h, ctl + at, sizeof(h));
        if (h.len < sizeof(h) || h.len > ctllen - at) {
            e = -LX_EINVAL;
            break;
        }
        const uint8_t *data = ctl + at + sizeof(h);
        uint64_t dlen = h.len - sizeof(h);
        at += CMSG_ALIGN_(h.len);
        if (h.level != SOL_SOCKET_)
            continue; /* another level's: not AF_UNIX's business */
        if (h.type == SCM_RIGHTS_) {
            unsigned n = (unsigned)(dlen / 4);
            if (!n || m->nfds + n > SCM_MAX_FD_) {
                e = -LX_EINVAL;
                break;
            }
            struct lx_fd **fds = realloc(m->fds, (m->nfds + n) * sizeof(*fds));
            if (!fds) {
                e = -LX_ENOMEM;
                break;
            }
            m->fds = fds;
            for (unsigned i = 0; i < n && !e; i++) {
                int32_t fd;
                memcpy(&fd, data + 4 * i, 4);
                struct lx_fd *f = fd < 0 ? NULL : lx_fd_of(p, (uint32_t)fd);
                if (!f)
                    e = -LX_EBADF;
                else
                    m->fds[m->nfds++] = lx_file_get(f);
            }
        } else if (h.type == SCM_CREDENTIALS_) {
            if (dlen != sizeof(struct lx_ucred)) {
                e = -LX_EINVAL;
                break;
            }
            memcpy(&m->cred, data, sizeof(m->cred));
            struct lx_proc *q = lx_proc_find(m->cred.pid);
            if (!q || q->state == LX_ZOMBIE) /* (lx's processes are root's: any live pid and id) */
                e = -LX_ESRCH;
            m->cred_given = true;
        } else {
            e = -LX_EINVAL;
        }
    }
    free(ctl);
    return e;
}

static void msg_drop(struct lx_msg *m)
{
    for (unsigned i = 0; i < m->nfds; i++)
        lx_file_put(m->fds[i]);
    free(m->fds);
    m->fds = NULL, m->nfds = 0;
}

/* The bytes of iovecs (count n at uiov) gathered in lx; the total in *len (at most MSG_MAX). */
static int gather(struct lx_proc *p, uint64_t uiov, uint64_t n, uint8_t **out, uint64_t *len)
{
    uint64_t total = 0, v[2];
    uint8_t *buf;

    if (n > IOV_MAX_)
        return -LX_EMSGSIZE;
    for (uint64_t i = 0; i < n; i++) {
        if (lx_copy_in(p, v, uiov + i * 16, 16) < 0)
            return -LX_EFAULT;
        if ((int64_t)v[1] < 0)
            return -LX_EINVAL;
        total += v[1] < MSG_MAX ? v[1] : MSG_MAX;
    }
    *len = total < MSG_MAX ? total : MSG_MAX;
    if (!(buf = malloc(*len ? *len : 1)))
        return -LX_ENOMEM;
    uint64_t at = 0;
    for (uint64_t i = 0; i < n && at < *len; i++) {
        lx_copy_in(p, v, uiov + i * 16, 16);
        uint64_t take = v[1] < *len - at ? v[1] : *len - at;
        if (lx_copy_in(p, buf + at, v[0], take) < 0) {
            free(buf);
            return -LX_EFAULT;
        }
        at += take;
    }
    *out = buf;
    return 0;
}

static int64_t do_send(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m)
{
    int64_t n = timed(p, lx_unix_send(p, f, m), lx_unix_timeout(f, true));

    msg_drop(m); /* (what the message did not take: it took them if it went) */
    free(m->data);
    if (n == -LX_EPIPE && !(m->flags & MSG_NOSIGNAL_))
        return lx_broken_pipe(p, n);
    return n;
}

int64_t sys_sendto(struct lx_proc *p, struct px_regs *r)
{
    struct lx_msg m = {.flags = (int)A3};
    uint64_t iov[2] = {A1, A2};
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    if (!f)
        return e;
    if (A4 && (e = copy_addr_in(p, A4, A5, &m.addr, &m.addrlen)) < 0)
        return e;
    if ((int64_t)A2 < 0)
        return -LX_EINVAL;
    /* the buffer is one iovec: gathered the same way */
    uint8_t *buf = malloc(A2 < MSG_MAX ? (A2 ? A2 : 1) : MSG_MAX);
    m.len = A2 < MSG_MAX ? A2 : MSG_MAX;
    if (!buf)
        return -LX_ENOMEM;
    if (lx_copy_in(p, buf, iov[0], m.len) < 0) {
        free(buf);
        return -LX_EFAULT;
    }
    m.data = buf;
    return do_send(p, f, &m);
}

/* sendmsg of the struct msghdr at umsg. */
static int64_t do_sendmsg(struct lx_proc *p, struct lx_fd *f, uint64_t umsg, int flags)
{
    struct lx_msg m = {.flags = flags};
    struct msghdr_ h;
    int64_t e;

    if (lx_copy_in(p, &h, umsg, sizeof(h)) < 0)
        return -LX_EFAULT;
    if (h.name && h.namelen && (e = copy_addr_in(p, h.name, h.namelen, &m.addr, &m.addrlen)) < 0)
        return e;
    if ((e = control_in(p, h.control, h.controllen, &m)) < 0) {
        msg_drop(&m);
        return e;
    }
    if ((e = gather(p, h.iov, h.iovlen, &m.data, &m.len)) < 0) {
        msg_drop(&m);
        return e;
    }
    return do_send(p, f, &m);
}

int64_t sys_sendmsg(struct lx_proc *p, struct px_regs *r)
{
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    return f ? do_sendmsg(p, f, A1, (int)A2) : e;
}

/* sendmmsg: each struct mmsghdr's message in turn, its msg_len set; how many went. A message that
 * cannot go now ends the call (the first waits, as sendmsg would). */
int64_t sys_sendmmsg(struct lx_proc *p, struct px_regs *r)
{
    int64_t e, n = 0;
    struct lx_fd *f = sock_of(p, A0, &e);
    uint32_t vlen = (uint32_t)A2 < IOV_MAX_ ? (uint32_t)A2 : IOV_MAX_;

    if (!f)
        return e;
    for (uint32_t i = 0; i < vlen; i++, n++) {
        uint64_t at = A1 + i * 64ull; /* struct mmsghdr: a msghdr and msg_len */
        e = do_sendmsg(p, f, at, (int)A3 | (i ? MSG_DONTWAIT_ : 0));
        if (lx_call_outcome != LX_RESUME) /* SIGPIPE ended the process: e is its signal */
            return e;
        if (e < 0 || e == LX_WOULD_BLOCK)
            break;
        uint32_t len = (uint32_t)e;
        if (lx_copy_out(p, at + 56, &len, 4) < 0) {
            e = -LX_EFAULT;
            break;
        }
    }
    return n ? n : e;
}

/* ---- receiving ---- */

/* Control messages out: the sender's credentials (SO_PASSCRED), then the descriptors, each a new
 * descriptor of p's (as many as the room and RLIMIT_NOFILE allow: MSG_CTRUNC, the others closed). The
 * length used. */
static uint64_t control_out(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m, uint64_t uctl, uint64_t room,
                            bool cloexec)
{
    uint8_t buf[sizeof(struct cmsghdr_) + 4 * SCM_MAX_FD_ + sizeof(struct lx_ucred) + 32];
    uint64_t used = 0;

    if (lx_unix_passcred(f) && m->cred_given) {
        uint64_t need = sizeof(struct cmsghdr_) + sizeof(struct lx_ucred);
        if (room < need) {
            m->out_flags |= MSG_CTRUNC_;
        } else {
            struct cmsghdr_ h = {need, SOL_SOCKET_, SCM_CREDENTIALS_};
            memcpy(buf, &h, sizeof(h));
            memcpy(buf + sizeof(h), &m->cred, sizeof(m->cred));
            used = CMSG_ALIGN_(need) < room ? CMSG_ALIGN_(need) : room;
        }
    }
    if (m->nfds) {
        unsigned fit = room - used > sizeof(struct cmsghdr_) ? (unsigned)((room - used - sizeof(struct cmsghdr_)) / 4) : 0;
        unsigned i = 0;
        int32_t *fds = (int32_t *)(void *)(buf + used + sizeof(struct cmsghdr_));
        for (; i < m->nfds && i < fit; i++) {
            int fd = lx_fd_alloc(p, 0);
            if (fd < 0)
                break;
            lx_fd_install(p, fd, m->fds[i], cloexec);
            fds[i] = fd;
        }
        if (i < m->nfds)
            m->out_flags |= MSG_CTRUNC_;
        for (unsigned j = i; j < m->nfds; j++)
            lx_file_put(m->fds[j]);
        if (i) {
            struct cmsghdr_ h = {sizeof(h) + 4 * i, SOL_SOCKET_, SCM_RIGHTS_};
            memcpy(buf + used, &h, sizeof(h));
            uint64_t space = CMSG_ALIGN_(h.len);
            used += space < room - used ? space : room - used;
        }
        free(m->fds);
        m->fds = NULL, m->nfds = 0;
    }
    if (used && lx_copy_out(p, uctl, buf, used) < 0)
        return 0; /* (checked writable before the message was taken: not reached) */
    return used;
}

/* Receive into a buffer of len bytes in lx (not more than MSG_MAX); n, or -LX_E* / LX_WOULD_BLOCK. */
static int64_t do_recv(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m, uint64_t len)
{
    if (!(m->data = malloc(len ? len : 1)))
        return -LX_ENOMEM;
    m->len = len;
    int64_t n = timed(p, lx_unix_recv(p, f, m), lx_unix_timeout(f, false));
    if (n < 0 || n == LX_WOULD_BLOCK)
        free(m->data), m->data = NULL;
    return n;
}

int64_t sys_recvfrom(struct lx_proc *p, struct px_regs *r)
{
    struct lx_msg m = {.flags = (int)A3};
    int64_t e, n;
    struct lx_fd *f = sock_of(p, A0, &e);
    uint64_t len = A2 < MSG_MAX ? A2 : MSG_MAX;

    if (!f)
        return e;
    if ((int64_t)A2 < 0)
        return -LX_EINVAL;
    if ((n = do_recv(p, f, &m, len)) < 0 || n == LX_WOULD_BLOCK)
        return n;
    uint64_t got = (uint64_t)n < len ? (uint64_t)n : len;
    e = lx_copy_out(p, A1, m.data, got) < 0 ? -LX_EFAULT : 0;
    msg_drop(&m); /* recvfrom has no room for descriptors */
    free(m.data);
    if (!e && A4 && m.addrlen)
        e = copy_addr_out(p, A4, A5, &m.addr, m.addrlen);
    else if (!e && A4) {
        int32_t zero = 0;
        e = lx_copy_out(p, A5, &zero, 4) < 0 ? -LX_EFAULT : 0;
    }
    return e ? e : n;
}

/* recvmsg into the struct msghdr at umsg. */
static int64_t do_recvmsg(struct lx_proc *p, struct lx_fd *f, uint64_t umsg, int flags)
{
    struct lx_msg m = {.flags = flags};
    struct msghdr_ h;
    uint64_t total = 0, v[2];
    int64_t n;

    if (lx_copy_in(p, &h, umsg, sizeof(h)) < 0)
        return -LX_EFAULT;
    if (h.iovlen > IOV_MAX_)
        return -LX_EMSGSIZE;
    for (uint64_t i = 0; i < h.iovlen; i++) {
        if (lx_copy_in(p, v, h.iov + i * 16, 16) < 0)
            return -LX_EFAULT;
        total += v[1] < MSG_MAX ? v[1] : MSG_MAX;
    }
    static uint8_t zeros[sizeof(struct cmsghdr_) + 4 * SCM_MAX_FD_ + 64];
    uint64_t room = h.controllen < sizeof(zeros) ? h.controllen : sizeof(zeros);
    if (room && lx_copy_out(p, h.control, zeros, room) < 0) /* writable, before a message is taken */
        return -LX_EFAULT;
    if ((n = do_recv(p, f, &m, total < MSG_MAX ? total : MSG_MAX)) < 0 || n == LX_WOULD_BLOCK)
        return n;
    uint64_t got = (uint64_t)n < m.len ? (uint64_t)n : m.len, at = 0;
    for (uint64_t i = 0; i < h.iovlen && at < got; i++) { /* scattered over the iovecs */
        lx_copy_in(p, v, h.iov + i * 16, 16);
        uint64_t take = v[1] < got - at ? v[1] : got - at;
        if (lx_copy_out(p, v[0], m.data + at, take) < 0) {
            msg_drop(&m);
            free(m.data);
            return -LX_EFAULT;
        }
        at += take;
    }
    free(m.data);
    h.controllen = control_out(p, f, &m, h.control, room, m.flags & MSG_CMSG_CLOEXEC_);
    if (h.name) {
        uint32_t nl = m.addrlen < h.namelen ? m.addrlen : h.namelen;
        if (nl && lx_copy_out(p, h.name, &m.addr, nl) < 0)
            return -LX_EFAULT;
        h.namelen = m.addrlen;
    } else {
        h.namelen = 0;
    }
    h.flags = m.out_flags;
    if (lx_copy_out(p, umsg, &h, sizeof(h)) < 0)
        return -LX_EFAULT;
    return n;
}

int64_t sys_recvmsg(struct lx_proc *p, struct px_regs *r)
{
    int64_t e;
    struct lx_fd *f = sock_of(p, A0, &e);

    return f ? do_recvmsg(p, f, A1, (int)A2) : e;
}

/* recvmmsg: messages into each struct mmsghdr, msg_len set; how many came. The first waits as recvmsg
 * would; after it the call takes only what is there (MSG_WAITFORONE's way, whether asked or not), so
 * the timeout argument, which bounds waiting for the rest, has nothing to bound (it is checked). */
int64_t sys_recvmmsg(struct lx_proc *p, struct px_regs *r)
{
    int64_t e, n = 0, ts[2];
    struct lx_fd *f = sock_of(p, A0, &e);
    uint32_t vlen = (uint32_t)A2 < IOV_MAX_ ? (uint32_t)A2 : IOV_MAX_;

    if (!f)
        return e;
    if (A4 && lx_copy_in(p, ts, A4, sizeof(ts)) < 0)
        return -LX_EFAULT;
    if (A4 && (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000))
        return -LX_EINVAL;
    for (uint32_t i = 0; i < vlen; i++, n++) {
        uint64_t at = A1 + i * 64ull;
        int flags = (int)A3 & ~0x10000; /* (MSG_WAITFORONE is this loop's) */
        if ((e = do_recvmsg(p, f, at, flags | (i ? MSG_DONTWAIT_ : 0))) < 0 || e == LX_WOULD_BLOCK)
            break;
        uint32_t len = (uint32_t)e;
        if (lx_copy_out(p, at + 56, &len, 4) < 0) {
            e = -LX_EFAULT;
            break;
        }
    }
    return n ? n : e;
}
