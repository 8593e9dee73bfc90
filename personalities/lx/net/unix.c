/*
 * AF_UNIX sockets (man 7 unix): SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET, named by a path (a socket
 * node in the file tree, made by bind, looked up by connect) or in the abstract namespace (a leading
 * NUL byte), with descriptors (SCM_RIGHTS) and credentials (SCM_CREDENTIALS, SO_PEERCRED) passed along.
 *
 * A socket keeps a queue of the messages sent to it (a stream reads across them, the others one at a
 * time). Flow control is Linux's: what a socket has sent and is not yet read counts against its own
 * SO_SNDBUF, and a datagram socket that is not its sender's peer takes at most max_dgram_qlen (10)
 * messages more than it holds. A connect to a listening socket makes the server's end at once (an
 * embryo on the listener's queue, which accept hands out), so a client may write before the server
 * accepts. Sockets are counted: their description, their peer, the messages they sent and a
 * listener's queue hold them, so a peer that is gone is seen as gone (EOF, EPIPE, ECONNREFUSED) and
 * never as freed memory. A socket's end (its last descriptor closed) throws away what it had not read,
 * closing the descriptors in it: passed to a process that died, they are not leaked. Descriptors that
 * make a cycle (a socket sent over itself) are not collected.
 *
 * Waiting is lx's: LX_WOULD_BLOCK, the call done again when something changes; each call changes
 * nothing until it can complete, so doing it again is safe.
 */
#include "net/net.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SNDBUF_DEFAULT 212992 /* Linux's net.core.wmem_default */
#define MAX_DGRAM_QLEN 10     /* Linux's net.unix.max_dgram_qlen */
#define SOMAXCONN 4096
#define NAME_BUCKETS 256

#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SO_ACCEPTCONN 30

struct sock;
struct msgbuf {
    struct msgbuf *next;
    struct sock *from;         /* its sender (held): the address recvfrom reports, whose SO_SNDBUF it uses */
    uint64_t len, off;         /* its bytes, and how many a stream has read of them */
    struct lx_fd **fds;        /* SCM_RIGHTS: references */
    unsigned nfds;
    struct lx_ucred cred;
    uint8_t data[];
};

struct sock {
    int type;
    int refs;
    bool dead;                 /* its last descriptor is closed */
    bool listening, connected; /* connected: a stream's or seqpacket's connection, a datagram's peer */
    int shut;                  /* RCV_SHUTDOWN, SEND_SHUTDOWN */
    int error;                 /* SO_ERROR, pending */
    struct sock *peer;         /* held */
    struct lx_fd *file;        /* its description (NULL while an embryo, and once dead) */
    struct msgbuf *qhead, *qtail;
    uint64_t qbytes;           /* unread bytes in the queue */
    unsigned qlen;             /* messages in it */
    uint64_t wmem;             /* bytes it sent that are not read yet */
    struct sock *acc_head, *acc_tail, *acc_next; /* a listener's embryos (held by it); an embryo's link */
    unsigned acc_len, backlog;
    struct lx_sockaddr_un addr; /* its name; addrlen 0: none */
    unsigned addrlen;
    struct lx_mount *mnt;      /* a path name's socket node */
    uint32_t ino;
    struct sock *hnext;        /* in its name's bucket */
    struct lx_ucred cred;      /* its creator's, or a listener's at listen(): what a client sees */
    struct lx_ucred peercred;  /* SO_PEERCRED */
    bool has_peercred, passcred;
    uint64_t sndbuf, rcvbuf, rcvtimeo, sndtimeo;
    unsigned opts;             /* SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST as set (bit = option) */
};

static struct sock *names[NAME_BUCKETS];
static unsigned autobind_next;

static bool conn_based(const struct sock *s) { return s->type != SOCK_DGRAM_; }
static struct sock *hold(struct sock *s) { return s->refs++, s; }
static void sock_put(struct sock *s);

static struct lx_ucred cred_of(struct lx_proc *p) { return (struct lx_ucred){p->leader->pid, 0, 0}; }

static void notify(struct sock *s, uint32_t events)
{
    lx_wake_pending = true;
    if (s && s->file)
        lx_poll_notify(s->file, events);
}

/* A message goes: its descriptors closed (unless taken), its sender's room back. */
static void msg_free(struct msgbuf *b)
{
    for (unsigned i = 0; i < b->nfds; i++)
        lx_file_put(b->fds[i]);
    free(b->fds);
    b->from->wmem -= b->len - b->off;
    notify(b->from, LX_POLLOUT);
    sock_put(b->from);
    free(b);
}

static void purge(struct sock *s)
{
    while (s->qhead) {
        struct msgbuf *b = s->qhead;
        s->qhead = b->next;
        s->qbytes -= b->len - b->off;
        s->qlen--;
        msg_free(b);
    }
    s->qtail = NULL;
}

static void sock_put(struct sock *s)
{
    if (--s->refs > 0)
        return;
    purge(s);
    if (s->peer)
        sock_put(s->peer);
    free(s);
}

static struct sock *sock_new(int type, struct lx_proc *p)
{
    struct sock *s = calloc(1, sizeof(*s));

    if (s)
        *s = (struct sock){.type = type, .refs = 1, .cred = cred_of(p), .sndbuf = SNDBUF_DEFAULT,
                           .rcvbuf = SNDBUF_DEFAULT};
    return s;
}

/* ---- names ---- */
static bool abstract(const struct lx_sockaddr_un *a, unsigned len) { return len > 2 && a->path[0] == 0; }

static unsigned bucket(const struct lx_sockaddr_un *a, unsigned len, const struct lx_mount *mnt, uint32_t ino)
{
    uint32_t h = 2166136261u;

    if (!mnt)
        for (unsigned i = 0; i + 2 < len; i++)
            h = (h ^ (uint8_t)a->path[i]) * 16777619u;
    else
        h = (h ^ ino ^ (uint32_t)(uintptr_t)mnt) * 16777619u;
    return h % NAME_BUCKETS;
}

static void name_add(struct sock *s)
{
    unsigned b = bucket(&s->addr, s->addrlen, s->mnt, s->ino);

    s->hnext = names[b];
    names[b] = s;
}

static void name_del(struct sock *s)
{
    if (!s->addrlen)
        return;
    for (struct sock **q = &names[bucket(&s->addr, s->addrlen, s->mnt, s->ino)]; *q; q = &(*q)->hnext)
        if (*q == s) {
            *q = s->hnext;
            return;
        }
}

static struct sock *find_abstract(const struct lx_sockaddr_un *a, unsigned len)
{
    for (struct sock *s = names[bucket(a, len, NULL, 0)]; s; s = s->hnext)
        if (!s->mnt && s->addrlen == len && memcmp(s->addr.path, a->path, len - 2) == 0)
            return s;
    return NULL;
}

/* The absolute path a name's sun_path says (relative to p's directory), NUL-terminated within len. */
static int name_path(struct lx_proc *p, const struct lx_sockaddr_un *a, unsigned len, char *out, size_t outlen)
{
    size_t n = strnlen(a->path, len - 2);
    char rel[UNIX_PATH_MAX_ + 1];

    memcpy(rel, a->path, n);
    rel[n] = 0;
    if (rel[0] == '/')
        return snprintf(out, outlen, "%s", rel) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
    return snprintf(out, outlen, "%s/%s", p->leader->cwd, rel) < (int)outlen ? 0 : -LX_ENAMETOOLONG;
}

/* The socket a name names: -LX_ENOENT (no such path), -LX_ECONNREFUSED (nobody bound to it). */
static struct sock *lookup(struct lx_proc *p, const struct lx_sockaddr_un *a, unsigned len, int *err)
{
    char path[300];
    struct lx_node *n;
    int e;

    *err = -LX_EINVAL;
    if (len < 2 || len > sizeof(*a) || a->family != AF_UNIX_ || len == 2)
        return NULL;
    *err = -LX_ECONNREFUSED;
    if (abstract(a, len))
        return find_abstract(a, len);
    if ((e = name_path(p, a, len, path, sizeof(path))) < 0) {
        *err = e;
        return NULL;
    }
    if (!(n = lx_fs_lookup(path, true, &e))) {
        *err = -e;
        return NULL;
    }
    if ((n->mode & 0170000) != LX_S_IFSOCK)
        return NULL;
    for (struct sock *s = names[bucket(NULL, 0, n->mnt, n->ino)]; s; s = s->hnext)
        if (s->mnt == n->mnt && s->ino == n->ino)
            return s;
    return NULL;
}

int lx_unix_bind(struct lx_proc *p, struct lx_fd *f, const struct lx_sockaddr_un *a, unsigned len)
{
    struct sock *s = f->priv;
    char path[300];
    struct lx_node *n;
    int e;

    if (len < 2 || len > sizeof(*a) || a->family != AF_UNIX_)
        return -LX_EINVAL;
    if (s->addrlen) { /* bound already; Linux makes the node first, so a name in use is EADDRINUSE */
        if (len > 2 && !abstract(a, len) && name_path(p, a, len, path, sizeof(path)) == 0 &&
            lx_fs_lookup(path, false, &e))
            return -LX_EADDRINUSE;
        return -LX_EINVAL;
    }
    if (len == 2) { /* autobind: an abstract name of five hex digits */
        struct lx_sockaddr_un auto_ = {AF_UNIX_, {0}};
        for (unsigned tries = 0; tries < 0x100000; tries++) {
            snprintf(auto_.path + 1, 6, "%05x", autobind_next++ & 0xfffff);
            if (!find_abstract(&auto_, 8))
                break;
        }
        s->addr = auto_, s->addrlen = 8;
    } else if (abstract(a, len)) {
        if (find_abstract(a, len))
            return -LX_EADDRINUSE;
        memcpy(&s->addr, a, len), s->addrlen = len;
    } else {
        if ((e = name_path(p, a, len, path, sizeof(path))) < 0)
            return e;
        if ((e = lx_fs_create(path, LX_S_IFSOCK | (0777 & ~p->leader->umask), NULL, 0, &n)) < 0)
            return e == -LX_EEXIST ? -LX_EADDRINUSE : e;
        s->addr.family = AF_UNIX_;
        size_t l = strnlen(a->path, len - 2);
        memcpy(s->addr.path, a->path, l);
        s->addrlen = 2 + (unsigned)l + 1; /* as Linux reports it: the path and its NUL */
        s->mnt = n->mnt, s->ino = n->ino;
    }
    name_add(s);
    return 0;
}

int lx_unix_name(struct lx_fd *f, bool peer, struct lx_sockaddr_un *a, unsigned *alen)
{
    struct sock *s = f->priv;

    if (peer) {
        if (!s->connected || !s->peer)
            return -LX_ENOTCONN;
        s = s->peer;
    }
    memset(a, 0, sizeof(*a));
    a->family = AF_UNIX_;
    *alen = 2;
    if (s->addrlen)
        *a = s->addr, *alen = s->addrlen;
    return 0;
}

/* ---- connections ---- */
int lx_unix_listen(struct lx_proc *p, struct lx_fd *f, int backlog)
{
    struct sock *s = f->priv;

    if (!conn_based(s))
        return -LX_EOPNOTSUPP;
    if (!s->addrlen || s->connected)
        return -LX_EINVAL;
    s->backlog = (unsigned)backlog > SOMAXCONN ? SOMAXCONN : (unsigned)backlog;
    s->listening = true;
    s->cred = cred_of(p); /* what its clients' SO_PEERCRED says */
    notify(s, 0);
    return 0;
}

static void disconnect(struct sock *s)
{
    if (s->peer)
        sock_put(s->peer);
    s->peer = NULL;
    s->connected = false;
}

int lx_unix_connect(struct lx_proc *p, struct lx_fd *f, const struct lx_sockaddr_un *a, unsigned len)
{
    struct sock *s = f->priv, *t, *e;
    int err;

    if (!conn_based(s) && len >= 2 && a->family == AF_UNSPEC_) { /* a datagram socket forgets its peer */
        disconnect(s);
        return 0;
    }
    if (!(t = lookup(p, a, len, &err)))
        return err;
    if (t->type != s->type)
        return -LX_EPROTOTYPE;
    if (!conn_based(s)) {
        if (t->peer && t->peer != s)
            return -LX_EPERM; /* it takes datagrams from its own peer only */
        disconnect(s);
        s->peer = hold(t), s->connected = true;
        return 0;
    }
    if (!t->listening)
        return -LX_ECONNREFUSED;
    if (s->listening || s->connected) /* (as Linux, after the name is found) */
        return s->connected ? -LX_EISCONN : -LX_EINVAL;
    if (t->acc_len > t->backlog)
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    if (!(e = sock_new(s->type, p)))
        return -LX_ENOMEM;
    e->addr = t->addr, e->addrlen = t->addrlen; /* (not in the names: the accepted end has the listener's) */
    e->peer = hold(s), e->connected = true;
    e->peercred = cred_of(p), e->has_peercred = true;
    e->sndbuf = t->sndbuf, e->rcvbuf = t->rcvbuf, e->passcred = t->passcred;
    s->peer = hold(e), s->connected = true;
    s->peercred = t->cred, s->has_peercred = true;
    if (t->acc_tail) /* the listener's queue holds e's first reference */
        t->acc_tail->acc_next = e;
    else
        t->acc_head = e;
    t->acc_tail = e;
    t->acc_len++;
    notify(t, LX_POLLIN);
    return 0;
}

int lx_unix_accept(struct lx_proc *p, struct lx_fd *f, int flags, struct lx_fd **out, struct lx_sockaddr_un *a,
                   unsigned *alen)
{
    struct sock *s = f->priv, *e;
    struct lx_fd *nf;

    if (!conn_based(s))
        return -LX_EOPNOTSUPP;
    if (!s->listening)
        return -LX_EINVAL;
    if (!(e = s->acc_head))
        return (f->flags & LX_O_NONBLOCK) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    if (!(nf = lx_file_new_ops(&lx_unix_ops, e, LX_O_RDWR | (flags & LX_O_NONBLOCK))))
        return -LX_ENOMEM;
    s->acc_head = e->acc_next;
    if (!s->acc_head)
        s->acc_tail = NULL;
    s->acc_len--;
    e->acc_next = NULL;
    e->file = nf;
    notify(e->peer, 0); /* a client blocked on a full backlog may go on */
    *out = nf;
    memset(a, 0, sizeof(*a));
    a->family = AF_UNIX_, *alen = 2;
    if (e->peer && e->peer->addrlen)
        *a = e->peer->addr, *alen = e->peer->addrlen;
    return 0;
}

int lx_unix_shutdown(struct lx_fd *f, int how)
{
    struct sock *s = f->priv, *t = s->peer;
    int mode = how + 1, peer_mode = 0;

    if (how < 0 || how > 2)
        return -LX_EINVAL;
    s->shut |= mode;
    notify(s, 0);
    if (t && conn_based(s)) {
        if (mode & RCV_SHUTDOWN)
            peer_mode |= SEND_SHUTDOWN;
        if (mode & SEND_SHUTDOWN)
            peer_mode |= RCV_SHUTDOWN;
        t->shut |= peer_mode;
        notify(t, 0);
    }
    return 0;
}

/* ---- data ---- */
static bool nonblocking(const struct lx_fd *f, const struct lx_msg *m)
{
    return (f->flags & LX_O_NONBLOCK) || (m->flags & MSG_DONTWAIT_);
}

static int64_t enqueue(struct sock *s, struct sock *t, struct lx_proc *p, struct lx_msg *m, uint64_t n)
{
    struct msgbuf *b = malloc(sizeof(*b) + n);

    if (!b)
        return -LX_ENOMEM;
    *b = (struct msgbuf){.from = hold(s), .len = n, .fds = m->fds, .nfds = m->nfds,
                         .cred = m->cred_given ? m->cred : cred_of(p)};
    memcpy(b->data, m->data, n);
    m->fds = NULL, m->nfds = 0; /* the message has them now */
    if (t->qtail)
        t->qtail->next = b;
    else
        t->qhead = b;
    t->qtail = b;
    t->qbytes += n, t->qlen++;
    s->wmem += n;
    notify(t, LX_POLLIN);
    return (int64_t)n;
}

int64_t lx_unix_send(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m)
{
    struct sock *s = f->priv, *t;
    bool nb = nonblocking(f, m);
    int err;

    if (m->flags & MSG_OOB_)
        return -LX_EOPNOTSUPP;
    if (conn_based(s)) {
        if (m->addrlen)
            return s->connected ? -LX_EISCONN : -LX_EOPNOTSUPP;
        if (!s->connected)
            return -LX_ENOTCONN;
        t = s->peer;
        if ((s->shut & SEND_SHUTDOWN) || t->dead || (t->shut & RCV_SHUTDOWN))
            return -LX_EPIPE;
        if (s->type == SOCK_STREAM_) {
            uint64_t room = s->sndbuf > s->wmem ? s->sndbuf - s->wmem : 0, need = m->len < s->sndbuf ? m->len : s->sndbuf;
            if (!m->len)
                return 0;
            if (room < need && (!nb || !room))
                return nb ? -LX_EAGAIN : LX_WOULD_BLOCK; /* a blocking write waits until all of it fits */
            return enqueue(s, t, p, m, m->len < room ? m->len : room);
        }
    } else {
        if (m->addrlen) {
            if (!(t = lookup(p, &m->addr, m->addrlen, &err)))
                return err;
        } else if (!s->connected) {
            return -LX_ENOTCONN;
        } else if ((t = s->peer)->dead) {
            disconnect(s);
            return -LX_ECONNREFUSED;
        }
        if (t->type != s->type)
            return -LX_EPROTOTYPE;
        if (t->peer && t->peer != s)
            return -LX_EPERM;
        if (s->shut & SEND_SHUTDOWN || t->shut & RCV_SHUTDOWN)
            return -LX_EPIPE;
        if (t->peer != s && t->qlen > MAX_DGRAM_QLEN)
            return nb ? -LX_EAGAIN : LX_WOULD_BLOCK;
    }
    if (m->len + 32 > s->sndbuf) /* a datagram or a packet must fit whole */
        return -LX_EMSGSIZE;
    if (s->wmem + m->len > s->sndbuf)
        return nb ? -LX_EAGAIN : LX_WOULD_BLOCK;
    return enqueue(s, t, p, m, m->len);
}

/* The first message's sender's address and credentials, and its descriptors (peeked: more references). */
static void take_extras(struct msgbuf *b, struct lx_msg *m, bool peek)
{
    m->addrlen = b->from->addrlen;
    if (b->from->addrlen)
        m->addr = b->from->addr;
    m->cred = b->cred, m->cred_given = true;
    if (!b->nfds)
        return;
    if (peek) {
        if ((m->fds = malloc(b->nfds * sizeof(*m->fds)))) {
            for (unsigned i = 0; i < b->nfds; i++)
                m->fds[i] = lx_file_get(b->fds[i]);
            m->nfds = b->nfds;
        }
        return;
    }
    m->fds = b->fds, m->nfds = b->nfds;
    b->fds = NULL, b->nfds = 0;
}

/* n bytes of the first message are read: it goes when all of it is. */
static void consume(struct sock *s, struct msgbuf *b, uint64_t n, bool whole)
{
    b->off += n;
    s->qbytes -= n;
    b->from->wmem -= n;
    notify(b->from, LX_POLLOUT);
    if (b->off < b->len && !whole)
        return;
    s->qbytes -= b->len - b->off;
    b->from->wmem -= b->len - b->off;
    b->off = b->len;
    s->qhead = b->next;
    if (!s->qhead)
        s->qtail = NULL;
    s->qlen--;
    msg_free(b);
}

/* A stream reads across messages, but descriptors come with a read that starts at their message, and
 * the read ends with it (as Linux's). */
static int64_t recv_stream(struct sock *s, struct lx_msg *m, bool peek)
{
    uint64_t copied = 0;

    for (struct msgbuf *b = s->qhead, *next; b && copied < m->len; b = next) {
        bool fds = b->nfds != 0;
        if (copied && fds)
            break;
        uint64_t avail = b->len - b->off, take = m->len - copied < avail ? m->len - copied : avail;
        memcpy(m->data + copied, b->data + b->off, take);
        if (!copied)
            take_extras(b, m, peek);
        copied += take;
        next = b->next;
        if (!peek)
            consume(s, b, take, false); /* (frees b once all of it is read) */
        if (fds)
            break;
    }
    return (int64_t)copied;
}

int64_t lx_unix_recv(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m)
{
    struct sock *s = f->priv;
    bool peek = m->flags & MSG_PEEK_;
    struct msgbuf *b;

    if (m->flags & MSG_OOB_)
        return -LX_EOPNOTSUPP;
    if (conn_based(s) && (s->listening || !s->connected))
        return s->type == SOCK_SEQPACKET_ && !s->listening ? -LX_ENOTCONN : -LX_EINVAL;
    bool eof = (s->shut & RCV_SHUTDOWN) || (conn_based(s) && s->peer->dead);
    if (!s->qhead) {
        if (s->error) {
            int e = s->error;
            s->error = 0;
            return -e;
        }
        if (eof)
            return 0;
        if (!m->len && s->type == SOCK_STREAM_)
            return 0;
        return nonblocking(f, m) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    }
    if (s->type == SOCK_STREAM_) {
        uint64_t want = m->len < s->sndbuf / 2 ? m->len : s->sndbuf / 2; /* (a wait it could never end) */
        if ((m->flags & MSG_WAITALL_) && !eof && s->qbytes < want && !nonblocking(f, m))
            return LX_WOULD_BLOCK;
        return recv_stream(s, m, peek);
    }
    b = s->qhead;
    uint64_t n = m->len < b->len ? m->len : b->len, full = b->len;
    memcpy(m->data, b->data, n);
    take_extras(b, m, peek);
    if (full > n)
        m->out_flags |= MSG_TRUNC_;
    if (!peek)
        consume(s, b, 0, true);
    return (m->flags & MSG_TRUNC_) ? (int64_t)full : (int64_t)n;
}

/* ---- the description's operations ---- */
static int64_t unix_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_msg m = {.data = buf, .len = len};
    int64_t n = lx_unix_recv(p, f, &m);

    for (unsigned i = 0; i < m.nfds; i++) /* read() has no room for descriptors: they are closed */
        lx_file_put(m.fds[i]);
    free(m.fds);
    return n;
}

static int64_t unix_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_msg m = {.data = (uint8_t *)buf, .len = len};

    return lx_unix_send(p, f, &m);
}

static int16_t unix_poll(struct lx_fd *f)
{
    struct sock *s = f->priv;
    int16_t mask = 0;

    if (s->listening)
        return s->acc_head ? LX_POLLIN : 0;
    if (s->error)
        mask |= LX_POLLERR;
    bool peer_gone = conn_based(s) && s->connected && s->peer->dead;
    int shut = s->shut | (peer_gone ? RCV_SHUTDOWN | SEND_SHUTDOWN : 0);
    if (shut == (RCV_SHUTDOWN | SEND_SHUTDOWN) || (conn_based(s) && !s->connected))
        mask |= LX_POLLHUP;
    if (shut & RCV_SHUTDOWN)
        mask |= LX_POLLIN | LX_POLLRDHUP;
    if (s->qhead)
        mask |= LX_POLLIN;
    bool writable = s->wmem * 4 <= s->sndbuf;
    if (!conn_based(s) && s->connected && s->peer->peer != s && s->peer->qlen > MAX_DGRAM_QLEN)
        writable = false;
    if (writable)
        mask |= LX_POLLOUT;
    return mask;
}

static int64_t unix_ioctl(struct lx_fd *f, struct lx_proc *p, uint64_t cmd, uint64_t arg)
{
    struct sock *s = f->priv;
    int32_t v;

    switch (cmd) {
    case 0x541b: /* FIONREAD (SIOCINQ): a stream's unread bytes, or the next datagram's */
        if (s->listening)
            return -LX_EINVAL;
        v = (int32_t)(s->type == SOCK_STREAM_ ? s->qbytes : s->qhead ? s->qhead->len : 0);
        break;
    case 0x5411: /* TIOCOUTQ (SIOCOUTQ): what it sent that is not read */
        if (s->listening)
            return -LX_EINVAL;
        v = (int32_t)s->wmem;
        break;
    default:
        return -LX_ENOTTY;
    }
    return lx_copy_out(p, arg, &v, sizeof(v)) < 0 ? -LX_EFAULT : 0;
}

/* The last descriptor is gone: its peer sees the end, what it had not read (and accepted) goes. */
static void unix_release(struct lx_fd *f)
{
    struct sock *s = f->priv, *t = s->peer;

    s->dead = true;
    s->file = NULL;
    name_del(s);
    while (s->acc_head) { /* connections never accepted: their clients see them end */
        struct sock *e = s->acc_head;
        s->acc_head = e->acc_next;
        e->dead = true;
        purge(e);
        if (e->peer) {
            e->peer->shut = RCV_SHUTDOWN | SEND_SHUTDOWN;
            e->peer->error = LX_ECONNRESET;
            notify(e->peer, 0);
            sock_put(e->peer); /* (the client holds e, not the other way: no cycle) */
            e->peer = NULL;
        }
        sock_put(e);
    }
    s->acc_tail = NULL, s->acc_len = 0;
    if (t && conn_based(s)) {
        t->shut = RCV_SHUTDOWN | SEND_SHUTDOWN;
        if (s->qhead)
            t->error = LX_ECONNRESET; /* it closed with data unread */
        notify(t, 0);
    }
    if (t) { /* the peer keeps its reference to s (it sees s dead); s lets go of its own */
        sock_put(t);
        s->peer = NULL;
    }
    purge(s);
    sock_put(s);
}

const struct lx_file_ops lx_unix_ops = {
    .read = unix_read, .write = unix_write, .poll = unix_poll, .ioctl = unix_ioctl, .release = unix_release,
    .notifies = true, .stat_mode = LX_S_IFSOCK | 0777};

static struct lx_fd *file_of(struct sock *s, int flags)
{
    struct lx_fd *f = lx_file_new_ops(&lx_unix_ops, s, LX_O_RDWR | (flags & LX_O_NONBLOCK));

    if (f)
        s->file = f;
    return f;
}

int lx_unix_create(struct lx_proc *p, int type, int flags, struct lx_fd **out)
{
    struct sock *s = sock_new(type, p);

    if (!s || !(*out = file_of(s, flags))) {
        free(s);
        return -LX_ENOMEM;
    }
    return 0;
}

int lx_unix_pair(struct lx_proc *p, int type, int flags, struct lx_fd *out[2])
{
    struct sock *a = sock_new(type, p), *b = sock_new(type, p);

    if (!a || !b || !(out[0] = file_of(a, flags))) {
        free(a), free(b);
        return -LX_ENOMEM;
    }
    if (!(out[1] = file_of(b, flags))) {
        free(b);
        lx_file_put(out[0]);
        return -LX_ENOMEM;
    }
    a->peer = hold(b), b->peer = hold(a);
    a->connected = b->connected = true;
    a->peercred = b->peercred = cred_of(p);
    a->has_peercred = b->has_peercred = true;
    return 0;
}

/* ---- options (SOL_SOCKET) ---- */
static uint64_t timeval_ns(const int64_t tv[2]) { return (uint64_t)tv[0] * 1000000000u + (uint64_t)tv[1] * 1000u; }

int lx_unix_getopt(struct lx_fd *f, int opt, void *val, unsigned *len)
{
    struct sock *s = f->priv;
    int32_t v;

    switch (opt) {
    case SO_TYPE: v = s->type; break;
    case SO_ERROR: v = s->error, s->error = 0; break;
    case SO_SNDBUF: v = (int32_t)s->sndbuf; break;
    case SO_RCVBUF: v = (int32_t)s->rcvbuf; break;
    case SO_PASSCRED: v = s->passcred; break;
    case SO_ACCEPTCONN: v = s->listening; break;
    case SO_DOMAIN: v = AF_UNIX_; break;
    case SO_PROTOCOL: v = 0; break;
    case SO_REUSEADDR: case SO_KEEPALIVE: case SO_BROADCAST: v = s->opts >> opt & 1; break;
    case SO_PEERCRED: {
        struct lx_ucred c = s->has_peercred ? s->peercred : (struct lx_ucred){0, 65534, 65534}; /* overflowuid */
        memcpy(val, &c, sizeof(c));
        *len = sizeof(c);
        return 0;
    }
    case SO_RCVTIMEO: case SO_SNDTIMEO: {
        uint64_t ns = opt == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo;
        int64_t tv[2] = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000u)};
        memcpy(val, tv, sizeof(tv));
        *len = sizeof(tv);
        return 0;
    }
    default: return -LX_ENOPROTOOPT;
    }
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

int lx_unix_setopt(struct lx_fd *f, int opt, const void *val, unsigned len)
{
    struct sock *s = f->priv;
    int32_t v;
    int64_t tv[2];

    if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO) {
        if (len < sizeof(tv))
            return -LX_EINVAL;
        memcpy(tv, val, sizeof(tv));
        if (tv[1] < 0 || tv[1] >= 1000000)
            return -LX_EDOM;
        uint64_t ns = tv[0] < 0 ? 0 : timeval_ns(tv);
        *(opt == SO_RCVTIMEO ? &s->rcvtimeo : &s->sndtimeo) = ns;
        return 0;
    }
    if (len < sizeof(v))
        return -LX_EINVAL;
    memcpy(&v, val, sizeof(v));
    switch (opt) {
    case SO_SNDBUF: /* as Linux: at most wmem_max, doubled (for its bookkeeping), at least its minimum */
    case SO_RCVBUF: {
        uint64_t b = (uint32_t)v < SNDBUF_DEFAULT ? (uint32_t)v * 2ull : SNDBUF_DEFAULT * 2ull;
        if (opt == SO_SNDBUF)
            s->sndbuf = b < 4608 ? 4608 : b, notify(s, LX_POLLOUT);
        else
            s->rcvbuf = b < 2304 ? 2304 : b;
        return 0;
    }
    case SO_PASSCRED: s->passcred = v != 0; return 0;
    case SO_REUSEADDR: case SO_KEEPALIVE: case SO_BROADCAST:
        s->opts = v ? s->opts | 1u << opt : s->opts & ~(1u << opt);
        return 0;
    default: return -LX_ENOPROTOOPT;
    }
}

uint64_t lx_unix_timeout(struct lx_fd *f, bool send)
{
    struct sock *s = f->priv;

    return send ? s->sndtimeo : s->rcvtimeo;
}

bool lx_unix_passcred(struct lx_fd *f) { return ((struct sock *)f->priv)->passcred; }
