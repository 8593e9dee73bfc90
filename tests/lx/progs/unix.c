/*
 * AF_UNIX sockets, as man 7 unix and man 2 socket say: socketpair streams and datagrams (data, message
 * boundaries, EOF after close and shutdown), a path-name server with several clients across fork,
 * abstract names, SCM_RIGHTS passing a pipe end and a file (MSG_CTRUNC when the room is short),
 * SO_PEERCRED, SO_TYPE, non-blocking EAGAIN, ECONNREFUSED, ENOENT, EPIPE and SIGPIPE, EADDRINUSE,
 * getsockname and getpeername, fstat's S_IFSOCK, poll, and a reader blocked until another process
 * writes. It prints only what must be the same on Linux and under lx (not pids, not buffer sizes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile bad = (void *)8; /* an address nothing is mapped at (volatile: not seen through) */

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "ok" : "FAILED"); }

static socklen_t addr_of(struct sockaddr_un *a, const char *path, int abstract)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (abstract) {
        memcpy(a->sun_path + 1, path, strlen(path));
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
    }
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static short revents(int fd, short events)
{
    struct pollfd p = {fd, events, 0};

    return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

static int send_fds(int s, const int *fds, int n, const char *byte)
{
    char buf[CMSG_SPACE(4 * 8)];
    struct iovec iov = {(void *)byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = CMSG_SPACE(4 * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);

    memset(buf, 0, sizeof(buf));
    c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(4 * n);
    memcpy(CMSG_DATA(c), fds, 4 * n);
    return (int)sendmsg(s, &m, 0);
}

/* Receive one byte and up to 8 descriptors into fds (control room for room of them); how many came. */
static int recv_fds(int s, int *fds, int room, int *flags)
{
    char byte, buf[CMSG_SPACE(4 * 8)];
    struct iovec iov = {&byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = CMSG_LEN(4 * room)};
    int n = 0;

    if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            n = (int)((c->cmsg_len - CMSG_LEN(0)) / 4);
            memcpy(fds, CMSG_DATA(c), 4 * n);
        }
    *flags = m.msg_flags;
    return n;
}

static void pairs(void)
{
    int sv[2], dv[2];
    char buf[64];
    struct stat st;
    int v;
    socklen_t len = sizeof(v);

    check("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    check("fstat S_IFSOCK", fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
    check("SO_TYPE stream", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM && len == 4);
    check("empty: POLLOUT only", revents(sv[0], POLLIN | POLLOUT) == POLLOUT);
    check("write", write(sv[0], "hello ", 6) == 6 && send(sv[0], "world", 5, 0) == 5);
    check("POLLIN", revents(sv[1], POLLIN) == POLLIN);
    check("a stream joins writes", read(sv[1], buf, sizeof(buf)) == 11 && memcmp(buf, "hello world", 11) == 0);
    check("MSG_DONTWAIT: EAGAIN", recv(sv[1], buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
    check("MSG_PEEK", write(sv[1], "abc", 3) == 3 && recv(sv[0], buf, 2, MSG_PEEK) == 2 &&
                      recv(sv[0], buf + 2, 3, 0) == 3 && memcmp(buf, "ababc", 5) == 0);
    struct iovec iov[2] = {{"12", 2}, {"345", 3}};
    char a[3], b[3];
    struct iovec in[2] = {{a, 3}, {b, 3}};
    check("writev and readv", writev(sv[0], iov, 2) == 5 && readv(sv[1], in, 2) == 5 && memcmp(a, "123", 3) == 0 &&
                              memcmp(b, "45", 2) == 0);
    check("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR) == 0);
    check("then the peer reads EOF", read(sv[1], buf, sizeof(buf)) == 0);
    check("POLLIN|POLLRDHUP at EOF", revents(sv[1], POLLIN | POLLRDHUP) == (POLLIN | POLLRDHUP));
    check("and writing after SHUT_WR is EPIPE", send(sv[0], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE);
    check("the other way still works", write(sv[1], "back", 4) == 4 && read(sv[0], buf, 4) == 4);
    close(sv[1]);
    check("peer closed: POLLHUP", (revents(sv[0], POLLIN) & (POLLIN | POLLHUP)) == (POLLIN | POLLHUP));
    check("peer closed: EOF", read(sv[0], buf, 1) == 0);
    close(sv[0]);

    check("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, dv) == 0);
    check("SOCK_CLOEXEC", fcntl(dv[0], F_GETFD) == FD_CLOEXEC);
    check("SOCK_NONBLOCK", (fcntl(dv[0], F_GETFL) & O_NONBLOCK) != 0);
    check("datagrams keep their bounds", send(dv[0], "one", 3, 0) == 3 && send(dv[0], "three", 5, 0) == 5 &&
                                         recv(dv[1], buf, sizeof(buf), 0) == 3 && recv(dv[1], buf, 2, 0) == 2 &&
                                         memcmp(buf, "th", 2) == 0);
    check("the rest of a datagram goes", recv(dv[1], buf, sizeof(buf), 0) < 0 && errno == EAGAIN);
    struct iovec one = {buf, 2};
    struct msghdr mh = {.msg_iov = &one, .msg_iovlen = 1};
    check("MSG_TRUNC in msg_flags", send(dv[0], "12345", 5, 0) == 5 && recvmsg(dv[1], &mh, 0) == 2 &&
                                    (mh.msg_flags & MSG_TRUNC));
    check("MSG_TRUNC asked: the real length", send(dv[0], "12345", 5, 0) == 5 && recv(dv[1], buf, 1, MSG_TRUNC) == 5);
    check("empty datagram", send(dv[0], "", 0, 0) == 0 && recv(dv[1], buf, sizeof(buf), 0) == 0);
    struct mmsghdr mm[4];
    struct iovec mi[4];
    char mb[4][8];
    memset(mm, 0, sizeof(mm));
    for (int i = 0; i < 4; i++) {
        mi[i] = (struct iovec){mb[i], (size_t)(i + 1)};
        memcpy(mb[i], "abcd", 4);
        mm[i].msg_hdr.msg_iov = &mi[i], mm[i].msg_hdr.msg_iovlen = 1;
    }
    check("sendmmsg: three", sendmmsg(dv[0], mm, 3, 0) == 3 && mm[0].msg_len == 1 && mm[2].msg_len == 3);
    memset(mb, 0, sizeof(mb));
    for (int i = 0; i < 4; i++)
        mi[i].iov_len = 8;
    check("recvmmsg: the three, each its own", recvmmsg(dv[1], mm, 4, MSG_DONTWAIT, NULL) == 3 && mm[0].msg_len == 1 &&
                                                mm[1].msg_len == 2 && mm[2].msg_len == 3 && memcmp(mb[2], "abc", 3) == 0);
    check("recvmmsg: none, EAGAIN", recvmmsg(dv[1], mm, 4, MSG_DONTWAIT, NULL) < 0 && errno == EAGAIN);
    int sent = 0;
    while (send(dv[0], buf, 1000, 0) == 1000 && sent < 100000)
        sent++;
    check("a full peer: EAGAIN", errno == EAGAIN && sent > 0 && sent < 100000);
    close(dv[0]), close(dv[1]);
}

static void server(void)
{
    struct sockaddr_un a, got;
    socklen_t alen = addr_of(&a, "srv.sock", 0), glen = sizeof(got);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), l2 = socket(AF_UNIX, SOCK_STREAM, 0), c;
    struct stat st;
    char buf[64];

    check("connect to a missing path: ENOENT", connect(l, (struct sockaddr *)&a, alen) < 0 && errno == ENOENT);
    check("bind", bind(l, (struct sockaddr *)&a, alen) == 0);
    check("the path is a socket", stat("srv.sock", &st) == 0 && S_ISSOCK(st.st_mode));
    struct sockaddr_un a2;
    socklen_t a2len = addr_of(&a2, "other.sock", 0);
    check("bind again, that path: EADDRINUSE", bind(l, (struct sockaddr *)&a, alen) < 0 && errno == EADDRINUSE);
    check("bind again, another path: EINVAL", bind(l, (struct sockaddr *)&a2, a2len) < 0 && errno == EINVAL &&
                                              access("other.sock", F_OK) < 0);
    check("another on that path: EADDRINUSE", bind(l2, (struct sockaddr *)&a, alen) < 0 && errno == EADDRINUSE);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("not listening: ECONNREFUSED", connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED);
    close(c);
    check("getsockname", getsockname(l, (struct sockaddr *)&got, &glen) == 0 && glen == alen &&
                         strcmp(got.sun_path, "srv.sock") == 0);
    check("accept on a socket not listening: EINVAL", accept(l, NULL, NULL) < 0 && errno == EINVAL);
    check("listen", listen(l, 8) == 0);
    int nb = socket(AF_UNIX, SOCK_STREAM, 0);
    check("a listener with nobody: EAGAIN", fcntl(l, F_SETFL, O_NONBLOCK) == 0 && accept(l, NULL, NULL) < 0 &&
                                           errno == EAGAIN && fcntl(l, F_SETFL, 0) == 0);
    close(nb);
    pid_t kids[3];
    for (int i = 0; i < 3; i++)
        if ((kids[i] = fork()) == 0) {
            int s = socket(AF_UNIX, SOCK_STREAM, 0);
            char msg[32];
            if (connect(s, (struct sockaddr *)&a, alen) < 0)
                _exit(1);
            snprintf(msg, sizeof(msg), "client %d", i);
            write(s, msg, strlen(msg));
            shutdown(s, SHUT_WR);
            int n = (int)read(s, msg, sizeof(msg)); /* the server's answer, then EOF */
            _exit(n == 3 && memcmp(msg, "ok ", 3) == 0 && read(s, msg, 1) == 0 ? 0 : 2);
        }
    int seen = 0, creds = 0;
    for (int i = 0; i < 3; i++) {
        struct sockaddr_un peer;
        socklen_t plen = sizeof(peer);
        struct ucred cr;
        socklen_t clen = sizeof(cr);
        int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
        if (s < 0)
            break;
        if (plen == offsetof(struct sockaddr_un, sun_path) && getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &clen) == 0 &&
            clen == sizeof(cr) && cr.uid == getuid())
            for (int k = 0; k < 3; k++)
                creds += cr.pid == kids[k];
        int n = 0, m;
        while ((m = (int)read(s, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
            n += m;
        buf[n] = 0;
        if (strncmp(buf, "client ", 7) == 0)
            seen |= 1 << (buf[7] - '0');
        write(s, "ok ", 3);
        close(s);
    }
    check("three clients served", seen == 7);
    check("SO_PEERCRED: each client's pid", creds == 3);
    int ok = 1, status;
    for (int i = 0; i < 3; i++)
        ok &= waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    check("each client got its answer and EOF", ok);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("connect", connect(c, (struct sockaddr *)&a, alen) == 0);
    check("connect again: EISCONN", connect(c, (struct sockaddr *)&a, alen) < 0 && errno == EISCONN);
    check("listen when connected: EINVAL", listen(c, 1) < 0 && errno == EINVAL);
    close(c);
    int s = accept(l, NULL, NULL);
    check("a client gone before accept: accepted, EOF", s >= 0 && read(s, buf, 1) == 0);
    close(s);
    close(l), close(l2);
    check("after close the path stays", stat("srv.sock", &st) == 0);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("but nobody listens: ECONNREFUSED", connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED);
    close(c);
    unlink("srv.sock");
}

static void abstract(void)
{
    struct sockaddr_un a, got, from;
    socklen_t alen = addr_of(&a, "lx-test-abstract", 1), glen = sizeof(got), flen = sizeof(from);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), s;
    char buf[16];

    check("abstract bind", bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 1) == 0);
    check("no file for it", access("lx-test-abstract", F_OK) < 0);
    check("abstract connect", connect(c, (struct sockaddr *)&a, alen) == 0);
    check("accept", (s = accept(l, NULL, NULL)) >= 0);
    check("getpeername", getpeername(c, (struct sockaddr *)&got, &glen) == 0 && glen == alen && got.sun_path[0] == 0 &&
                         memcmp(got.sun_path + 1, "lx-test-abstract", 16) == 0);
    check("nothing yet: EAGAIN", read(c, buf, 1) < 0 && errno == EAGAIN);
    close(s), close(c), close(l);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("abstract name gone: ECONNREFUSED", connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED);
    close(c);

    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un b;
    socklen_t blen = addr_of(&b, "lx-test-dgram", 1);
    check("dgram bind", bind(d1, (struct sockaddr *)&a, alen) == 0 && bind(d2, (struct sockaddr *)&b, blen) == 0);
    check("sendto", sendto(d2, "hi", 2, 0, (struct sockaddr *)&a, alen) == 2);
    check("recvfrom says who", recvfrom(d1, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 2 &&
                               flen == blen && memcmp(from.sun_path + 1, "lx-test-dgram", 13) == 0);
    int d3 = socket(AF_UNIX, SOCK_DGRAM, 0);
    flen = sizeof(from);
    check("an unnamed sender: no address", sendto(d3, "x", 1, 0, (struct sockaddr *)&a, alen) == 1 &&
                                          recvfrom(d1, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 1 &&
                                          flen == 0);
    check("send without a peer: ENOTCONN", send(d3, "x", 1, 0) < 0 && errno == ENOTCONN);
    check("connect a datagram socket", connect(d3, (struct sockaddr *)&b, blen) == 0 && send(d3, "y", 1, 0) == 1 &&
                                       recv(d2, buf, 1, 0) == 1 && buf[0] == 'y');
    close(d2);
    check("its peer gone: ECONNREFUSED", send(d3, "z", 1, 0) < 0 && errno == ECONNREFUSED);
    close(d1), close(d3);
    struct sockaddr_un au;
    socklen_t aulen = sizeof(au);
    int d4 = socket(AF_UNIX, SOCK_DGRAM, 0);
    check("autobind", bind(d4, (struct sockaddr *)&(struct sockaddr_un){AF_UNIX, ""}, sizeof(sa_family_t)) == 0 &&
                      getsockname(d4, (struct sockaddr *)&au, &aulen) == 0 && aulen == 8 && au.sun_path[0] == 0);
    close(d4);
}

static void rights(void)
{
    int sv[2], p[2], fds[8], flags, f = open("data/lines.txt", O_RDONLY);
    char buf[32];

    check("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0 && f >= 0);
    int two[2] = {p[1], f};
    check("send a pipe end and a file", send_fds(sv[0], two, 2, "F") == 1);
    close(p[1]), close(f);
    int n = recv_fds(sv[1], fds, 8, &flags);
    check("two descriptors come", n == 2 && !(flags & MSG_CTRUNC));
    check("new descriptors, close-on-exec", n == 2 && fds[0] != fds[1] && fcntl(fds[0], F_GETFD) == FD_CLOEXEC);
    check("the pipe end writes into the pipe", n == 2 && write(fds[0], "via", 3) == 3 && read(p[0], buf, 3) == 3 &&
                                               memcmp(buf, "via", 3) == 0);
    check("the file reads", n == 2 && read(fds[1], buf, 5) == 5 && memcmp(buf, "line ", 5) == 0);
    close(fds[0]), close(fds[1]);
    check("the pipe's last writer is gone", read(p[0], buf, 1) == 0);
    int three[3] = {p[0], p[0], p[0]};
    check("send three", send_fds(sv[0], three, 3, "G") == 1);
    n = recv_fds(sv[1], fds, 1, &flags);
    check("room for one: MSG_CTRUNC", n == 1 && (flags & MSG_CTRUNC));
    close(fds[0]);
    check("bad descriptor: EBADF", send_fds(sv[0], (int[]){999}, 1, "H") < 0 && errno == EBADF);
    check("the socket goes on", write(sv[0], "z", 1) == 1 && read(sv[1], buf, 1) == 1 && buf[0] == 'z');
    /* descriptors in flight when the receiving socket closes are closed with it */
    int q[2];
    check("pipe", pipe(q) == 0);
    check("send a pipe's writer", send_fds(sv[0], &q[1], 1, "I") == 1);
    close(q[1]);
    close(sv[1]);
    check("unread, closed: the pipe has no writer", read(q[0], buf, 1) == 0);
    close(q[0]), close(p[0]), close(sv[0]);
}

/* SCM_CREDENTIALS: with SO_PASSCRED the receiver gets the sender's pid, uid and gid (or what it gave). */
static void credentials(void)
{
    int sv[2];
    char byte, buf[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {&byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)};
    struct ucred got = {0, 0, 0};

    check("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    check("SO_PASSCRED on", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){1}, 4) == 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(send(sv[0], "c", 1, 0) == 1 ? 0 : 1);
    waitpid(pid, NULL, 0);
    int ok = recvmsg(sv[1], &m, 0) == 1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (ok && c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
        c->cmsg_len == CMSG_LEN(sizeof(got)))
        memcpy(&got, CMSG_DATA(c), sizeof(got));
    check("SCM_CREDENTIALS: the sender's pid and uid", got.pid == pid && got.uid == getuid() && got.gid == getgid());

    struct ucred mine = {getpid(), getuid(), getgid()};
    struct cmsghdr *h = (struct cmsghdr *)buf;
    memset(buf, 0, sizeof(buf));
    h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_CREDENTIALS, h->cmsg_len = CMSG_LEN(sizeof(mine));
    memcpy(CMSG_DATA(h), &mine, sizeof(mine));
    struct msghdr out = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)};
    check("sent with its own credentials", sendmsg(sv[0], &out, 0) == 1);
    m.msg_controllen = sizeof(buf), got.pid = 0;
    ok = recvmsg(sv[1], &m, 0) == 1 && (c = CMSG_FIRSTHDR(&m)) && c->cmsg_type == SCM_CREDENTIALS;
    if (ok)
        memcpy(&got, CMSG_DATA(c), sizeof(got));
    check("they come", got.pid == getpid());
    m.msg_controllen = 0;
    check("no room: MSG_CTRUNC", send(sv[0], "d", 1, 0) == 1 && recvmsg(sv[1], &m, 0) == 1 &&
                                 (m.msg_flags & MSG_CTRUNC));
    close(sv[0]), close(sv[1]);
}

static void sigpipe_handler(int sig) { (void)sig; }

static void errors(void)
{
    int sv[2];
    char buf[8];
    struct sockaddr_un a;

    check("AF_UNIX SOCK_RAW is a datagram socket", (sv[0] = socket(AF_UNIX, SOCK_RAW, 0)) >= 0);
    int v;
    socklen_t len = sizeof(v);
    check("SO_TYPE dgram", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_DGRAM);
    close(sv[0]);
    check("bad type: ESOCKTNOSUPPORT or EINVAL", socket(AF_UNIX, 4, 0) < 0 && errno == ESOCKTNOSUPPORT);
    check("bad flags: EINVAL", socket(AF_UNIX, SOCK_STREAM | 0x100, 0) < 0 && errno == EINVAL);
    check("bad protocol: EPROTONOSUPPORT", socket(AF_UNIX, SOCK_STREAM, 7) < 0 && errno == EPROTONOSUPPORT);
    check("bad family: EAFNOSUPPORT", socket(4242, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT);
    check("not a socket: ENOTSOCK", listen(0, 1) < 0 && errno == ENOTSOCK);
    check("bad descriptor: EBADF", listen(999, 1) < 0 && errno == EBADF);
    check("bad address: EFAULT", socketpair(AF_UNIX, SOCK_STREAM, 0, bad) < 0 && errno == EFAULT);
    check("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    check("listen when connected: EINVAL", listen(sv[0], 1) < 0 && errno == EINVAL);
    check("connect to a missing path: ENOENT first", connect(sv[0], (struct sockaddr *)&a, addr_of(&a, "/x/y", 0)) < 0 &&
                                                     errno == ENOENT);
    check("bad level: EOPNOTSUPP", setsockopt(sv[0], 6, 1, &(int){1}, 4) < 0 && errno == EOPNOTSUPP);
    check("SO_PASSCRED", setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){1}, 4) == 0);
    check("SO_ERROR", getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0);
    check("SHUT bad: EINVAL", shutdown(sv[0], 7) < 0 && errno == EINVAL);
    close(sv[1]);
    check("peer gone, MSG_NOSIGNAL: EPIPE", send(sv[0], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE);
    signal(SIGPIPE, SIG_IGN);
    check("SIGPIPE ignored: EPIPE", write(sv[0], "x", 1) < 0 && errno == EPIPE);
    signal(SIGPIPE, sigpipe_handler);
    check("SIGPIPE handled: EPIPE", write(sv[0], "x", 1) < 0 && errno == EPIPE);
    signal(SIGPIPE, SIG_DFL);
    pid_t pid = fork();
    if (pid == 0) {
        write(sv[0], "x", 1);
        _exit(0);
    }
    int status;
    check("SIGPIPE's default: the writer dies", waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
                                                WTERMSIG(status) == SIGPIPE);
    close(sv[0]);
    (void)buf;
}

static void on_usr1(int sig) { (void)sig; }

/* A blocked accept ends with EINTR on a signal, or goes on after it with SA_RESTART; a full backlog. */
static void interrupts(void)
{
    struct sockaddr_un a;
    socklen_t alen = addr_of(&a, "lx-test-intr", 1);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), s;
    struct sigaction sa = {.sa_handler = on_usr1};
    pid_t parent = getpid(), pid;

    check("listen, backlog 0", bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 0) == 0);
    int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check("one connects", connect(c1, (struct sockaddr *)&a, alen) == 0);
    check("the backlog is full: EAGAIN", connect(c2, (struct sockaddr *)&a, alen) < 0 && errno == EAGAIN);
    check("accepted, room again", (s = accept(l, NULL, NULL)) >= 0 && connect(c2, (struct sockaddr *)&a, alen) == 0);
    close(s), close(c1), close(c2);
    s = accept(l, NULL, NULL), close(s);
    sigaction(SIGUSR1, &sa, NULL);
    int done[2];
    char byte = 0;
    check("pipe", pipe(done) == 0);
    if ((pid = fork()) == 0) { /* a signal every 100 ms until the parent's accept has ended (however slow) */
        close(done[1]);
        fcntl(done[0], F_SETFL, O_NONBLOCK);
        do {
            usleep(100000);
            kill(parent, SIGUSR1);
        } while (read(done[0], &byte, 1) < 0);
        _exit(0);
    }
    close(done[0]);
    check("a signal ends a blocked accept: EINTR", accept(l, NULL, NULL) < 0 && errno == EINTR);
    close(done[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    if ((pid = fork()) == 0) {
        usleep(100000);
        kill(parent, SIGUSR1);
        usleep(100000);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(connect(c, (struct sockaddr *)&a, alen) == 0 && write(c, "r", 1) == 1 ? 0 : 1);
    }
    check("with SA_RESTART it goes on", (s = accept(l, NULL, NULL)) >= 0 && read(s, &byte, 1) == 1 && byte == 'r');
    waitpid(pid, NULL, 0);
    close(s), close(l);
    signal(SIGUSR1, SIG_DFL);
}

static void blocking(void)
{
    int sv[2];
    char buf[8];

    check("socketpair", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        send(sv[1], "late", 4, 0);
        send(sv[1], "packet", 6, 0);
        _exit(0);
    }
    close(sv[1]);
    check("a read waits for another process's write", read(sv[0], buf, sizeof(buf)) == 4 && memcmp(buf, "late", 4) == 0);
    check("seqpacket keeps bounds", recv(sv[0], buf, 3, 0) == 3 && memcmp(buf, "pac", 3) == 0);
    waitpid(pid, NULL, 0);
    check("the rest of the packet went; writer gone: EOF", read(sv[0], buf, 1) == 0);
    close(sv[0]);
}

int main(void)
{
    char dir[] = "/tmp/lx-unix-XXXXXX", cwd[256];

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!getcwd(cwd, sizeof(cwd)) || !mkdtemp(dir) || chdir(dir) < 0)
        return 1;
    pairs();
    server();
    abstract();
    if (chdir(cwd) < 0)
        return 1;
    rights();
    credentials();
    errors();
    interrupts();
    blocking();
    rmdir(dir);
    return 0;
}
