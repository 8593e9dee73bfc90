/*
 * epoll, as man 7 epoll and man 2 epoll_ctl say: level-triggered entries reported while ready,
 * edge-triggered ones once per change, EPOLLONESHOT until EPOLL_CTL_MOD, EPOLLRDHUP and EPOLLHUP, on
 * pipes, sockets (a listener too), eventfds and a nested epoll; a wait woken by another process's
 * write, a timeout, EINTR for a signal even with SA_RESTART; 500 pipes of which three are ready; an
 * entry leaving the interest list when its file's last descriptor closes; and epoll_ctl's errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile bad = (void *)8; /* an address nothing is mapped at (volatile: not seen through) */

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "ok" : "FAILED"); }

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};

    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* One wait (timeout 0): how many events; the first's events and data. */
static int wait1(int ep, uint32_t *events, uint64_t *data)
{
    struct epoll_event ev[8];
    int n = epoll_wait(ep, ev, 8, 0);

    if (n > 0)
        *events = ev[0].events, *data = ev[0].data.u64;
    return n;
}

static void triggers(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC), p[2];
    uint32_t e;
    uint64_t d;
    char buf[8];

    check("epoll_create1", ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC);
    check("pipe", pipe(p) == 0);
    check("add level-triggered", add(ep, p[0], EPOLLIN, 7) == 0);
    check("nothing ready", wait1(ep, &e, &d) == 0);
    write(p[1], "ab", 2);
    check("ready: EPOLLIN with its data", wait1(ep, &e, &d) == 1 && e == EPOLLIN && d == 7);
    check("still ready while unread", wait1(ep, &e, &d) == 1);
    read(p[0], buf, 2);
    check("read: not ready", wait1(ep, &e, &d) == 0);

    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = 8};
    check("mod to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
    write(p[1], "a", 1);
    check("edge: reported once", wait1(ep, &e, &d) == 1 && d == 8 && wait1(ep, &e, &d) == 0);
    write(p[1], "b", 1);
    check("edge: again after new data", wait1(ep, &e, &d) == 1 && wait1(ep, &e, &d) == 0);
    read(p[0], buf, 2);

    ev = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 9};
    check("mod to one-shot", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
    write(p[1], "a", 1);
    check("one-shot: once", wait1(ep, &e, &d) == 1 && d == 9 && wait1(ep, &e, &d) == 0);
    write(p[1], "b", 1);
    check("one-shot: disabled", wait1(ep, &e, &d) == 0);
    check("re-armed by MOD", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0 && wait1(ep, &e, &d) == 1);
    read(p[0], buf, 2);

    check("the write end", add(ep, p[1], EPOLLOUT, 10) == 0 && epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
    check("writable", wait1(ep, &e, &d) == 1 && e == EPOLLOUT && d == 10);
    close(p[0]);
    check("reader gone: EPOLLERR", wait1(ep, &e, &d) == 1 && e == (EPOLLOUT | EPOLLERR));
    close(p[1]);
    check("closed: gone from the list", wait1(ep, &e, &d) == 0);

    check("pipe", pipe(p) == 0 && add(ep, p[0], EPOLLIN, 11) == 0);
    close(p[1]);
    check("writer gone: EPOLLHUP", wait1(ep, &e, &d) == 1 && e == EPOLLHUP);
    close(p[0]);

    int q[2], dupped = -1;
    check("pipe", pipe(q) == 0 && write(q[1], "x", 1) == 1 && (dupped = dup(q[0])) >= 0);
    check("add", add(ep, q[0], EPOLLIN, 12) == 0);
    close(q[0]);
    check("a dup keeps the file: still reported", wait1(ep, &e, &d) == 1 && d == 12);
    close(dupped);
    check("last descriptor closed: not", wait1(ep, &e, &d) == 0);
    close(q[1]);
    close(ep);
}

static void sockets_and_more(void)
{
    int ep = (int)syscall(SYS_epoll_create, 1), sv[2], l, c, s, efd, inner, p[2];
    uint32_t e;
    uint64_t d;
    char buf[8];
    struct sockaddr_un a = {AF_UNIX, ""};
    socklen_t alen = sizeof(sa_family_t) + 1 + 12;

    memcpy(a.sun_path + 1, "lx-epoll-tst", 12);
    check("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    check("add with EPOLLRDHUP", add(ep, sv[0], EPOLLIN | EPOLLRDHUP, 1) == 0);
    write(sv[1], "x", 1);
    check("data: EPOLLIN", wait1(ep, &e, &d) == 1 && e == EPOLLIN);
    read(sv[0], buf, 1);
    shutdown(sv[1], SHUT_WR);
    check("peer's SHUT_WR: EPOLLIN|EPOLLRDHUP", wait1(ep, &e, &d) == 1 && e == (EPOLLIN | EPOLLRDHUP));
    close(sv[1]);
    check("peer gone: and EPOLLHUP", wait1(ep, &e, &d) == 1 && e == (EPOLLIN | EPOLLRDHUP | EPOLLHUP));
    close(sv[0]);

    l = socket(AF_UNIX, SOCK_STREAM, 0);
    check("listener", bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 4) == 0 && add(ep, l, EPOLLIN, 2) == 0);
    check("nobody yet", wait1(ep, &e, &d) == 0);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("a connection: the listener is readable", connect(c, (struct sockaddr *)&a, alen) == 0 &&
                                                    wait1(ep, &e, &d) == 1 && d == 2);
    check("accepted: not", (s = accept(l, NULL, NULL)) >= 0 && wait1(ep, &e, &d) == 0);
    close(s), close(c), close(l);

    check("eventfd", (efd = eventfd(0, 0)) >= 0 && add(ep, efd, EPOLLIN | EPOLLET, 3) == 0);
    check("counter 0: not", wait1(ep, &e, &d) == 0);
    write(efd, &(uint64_t){1}, 8);
    check("written: EPOLLIN", wait1(ep, &e, &d) == 1 && d == 3 && e == EPOLLIN);
    close(efd);

    check("nested", (inner = epoll_create1(0)) >= 0 && pipe(p) == 0 && add(inner, p[0], EPOLLIN, 4) == 0 &&
                    add(ep, inner, EPOLLIN, 5) == 0);
    check("inner idle: outer idle", wait1(ep, &e, &d) == 0);
    write(p[1], "y", 1);
    check("inner ready: outer says so", wait1(ep, &e, &d) == 1 && d == 5 && e == EPOLLIN);
    check("and the inner has the pipe", wait1(inner, &e, &d) == 1 && d == 4);
    check("a loop: ELOOP", add(inner, ep, EPOLLIN, 6) < 0 && errno == ELOOP);
    close(inner), close(p[0]), close(p[1]), close(ep);
}

static void waits(void)
{
    int ep = epoll_create1(0), p[2];
    struct epoll_event ev[4];
    char buf[8];

    check("pipe", pipe(p) == 0 && add(ep, p[0], EPOLLIN, 1) == 0);
    check("timeout: 0 events", epoll_wait(ep, ev, 4, 50) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        write(p[1], "z", 1);
        _exit(0);
    }
    check("woken by another process's write", epoll_wait(ep, ev, 4, -1) == 1 && ev[0].data.u64 == 1);
    waitpid(pid, NULL, 0);
    read(p[0], buf, 1);
    sigset_t none;
    sigemptyset(&none);
    check("epoll_pwait", epoll_pwait(ep, ev, 4, 20, &none) == 0);
    close(p[0]), close(p[1]), close(ep);
}

static void on_usr1(int sig) { (void)sig; }

static void interrupted(void)
{
    int ep = epoll_create1(0), p[2];
    struct epoll_event ev[1];
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};

    sigaction(SIGUSR1, &sa, NULL);
    check("pipe", pipe(p) == 0 && add(ep, p[0], EPOLLIN, 1) == 0);
    int done[2];
    char byte;
    check("pipe", pipe(done) == 0);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) { /* a signal every 100 ms until the parent's wait has ended (however slow) */
        close(done[1]);
        fcntl(done[0], F_SETFL, O_NONBLOCK);
        do {
            usleep(100000);
            kill(parent, SIGUSR1);
        } while (read(done[0], &byte, 1) < 0);
        _exit(0);
    }
    close(done[0]);
    check("a signal: EINTR even with SA_RESTART", epoll_wait(ep, ev, 1, -1) < 0 && errno == EINTR);
    close(done[1]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    close(p[0]), close(p[1]), close(ep);
}

static void many(void)
{
    enum { N = 500 };
    int ep = epoll_create1(0), fds[N][2], ok = 1;
    struct epoll_event ev[N];

    for (int i = 0; i < N && ok; i++)
        ok = pipe(fds[i]) == 0 && add(ep, fds[i][0], EPOLLIN, (uint64_t)i) == 0;
    check("500 pipes watched", ok);
    check("none ready", epoll_wait(ep, ev, N, 0) == 0);
    write(fds[17][1], "a", 1), write(fds[256][1], "b", 1), write(fds[499][1], "c", 1);
    int n = epoll_wait(ep, ev, N, 0), seen = 0;
    for (int i = 0; i < n; i++)
        seen |= ev[i].data.u64 == 17 ? 1 : ev[i].data.u64 == 256 ? 2 : ev[i].data.u64 == 499 ? 4 : 8;
    check("three ready, the right three", n == 3 && seen == 7);
    check("maxevents 2: two of them", epoll_wait(ep, ev, 2, 0) == 2);
    n = epoll_wait(ep, ev, N, 0);
    check("then all three again (level-triggered)", n == 3);
    for (int i = 0; i < N; i++)
        close(fds[i][0]), close(fds[i][1]);
    check("all closed: none", epoll_wait(ep, ev, N, 0) == 0);
    close(ep);
}

static void errors(void)
{
    int ep = epoll_create1(0), p[2], f = open("/proc/self/stat", O_RDONLY), reg;
    struct epoll_event ev = {.events = EPOLLIN};

    check("epoll_create(0): EINVAL", syscall(SYS_epoll_create, 0) < 0 && errno == EINVAL);
    check("epoll_create1 bad flags: EINVAL", epoll_create1(1) < 0 && errno == EINVAL);
    check("pipe", pipe(p) == 0 && add(ep, p[0], EPOLLIN, 0) == 0);
    check("add twice: EEXIST", add(ep, p[0], EPOLLIN, 0) < 0 && errno == EEXIST);
    check("mod of one not there: ENOENT", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) < 0 && errno == ENOENT);
    check("del of one not there: ENOENT", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev) < 0 && errno == ENOENT);
    check("bad op: EINVAL", epoll_ctl(ep, 9, p[1], &ev) < 0 && errno == EINVAL);
    check("bad fd: EBADF", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev) < 0 && errno == EBADF);
    check("not an epoll: EINVAL", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev) < 0 && errno == EINVAL);
    check("itself: EINVAL", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) < 0 && errno == EINVAL);
    check("bad event pointer: EFAULT", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], bad) < 0 && errno == EFAULT);
    reg = open("data/lines.txt", O_RDONLY);
    check("a regular file: EPERM", reg >= 0 && add(ep, reg, EPOLLIN, 0) < 0 && errno == EPERM);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    check("EPOLLEXCLUSIVE accepted", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);
    check("but not in MOD: EINVAL", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) < 0 && errno == EINVAL);
    struct epoll_event out[1];
    check("maxevents 0: EINVAL", epoll_wait(ep, out, 0, 0) < 0 && errno == EINVAL);
    check("wait on a pipe: EINVAL", epoll_wait(p[0], out, 1, 0) < 0 && errno == EINVAL);
    check("bad events pointer, nothing ready: 0", epoll_wait(ep, bad, 1, 0) == 0);
    write(p[1], "r", 1);
    check("bad events pointer, ready: EFAULT", epoll_wait(ep, bad, 1, 0) < 0 && errno == EFAULT);
    close(f), close(reg), close(p[0]), close(p[1]), close(ep);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    triggers();
    sockets_and_more();
    waits();
    interrupted();
    many();
    errors();
    return 0;
}
