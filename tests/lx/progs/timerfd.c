/*
 * timerfd and signalfd, as man 2 timerfd_create and man 2 signalfd say. timerfd: its clocks and flags,
 * a one-shot timer read when it expires (blocking, and EAGAIN before), a periodic one's expiration
 * counts, TFD_TIMER_ABSTIME on CLOCK_REALTIME (in the future, and in the past: at once), timerfd_gettime
 * and the old value, disarming, poll and epoll, and its errors. signalfd: blocked signals read as
 * struct signalfd_siginfo (two at once, in order), from kill by itself and by another process, a mask
 * changed in place, poll, and its errors. Timing is generous (the counts are bounds, not exact values),
 * so that it holds under an emulator on a loaded machine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *volatile bad = (void *)8; /* an address nothing is mapped at (volatile: not seen through) */

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "ok" : "FAILED"); }

static struct itimerspec spec(long value_ms, long interval_ms)
{
    return (struct itimerspec){{interval_ms / 1000, interval_ms % 1000 * 1000000},
                               {value_ms / 1000, value_ms % 1000 * 1000000}};
}

static uint64_t ticks(int fd)
{
    uint64_t n = 0;

    return read(fd, &n, 8) == 8 ? n : 0;
}

static void timers(void)
{
    struct itimerspec its, old;
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC), b;
    uint64_t n;
    char small[4];

    check("timerfd_create", t >= 0);
    check("bad clock: EINVAL", timerfd_create(42, 0) < 0 && errno == EINVAL);
    check("bad flags: EINVAL", timerfd_create(CLOCK_MONOTONIC, 1) < 0 && errno == EINVAL);
    check("disarmed: gettime zero", timerfd_gettime(t, &its) == 0 && its.it_value.tv_sec == 0 &&
                                    its.it_value.tv_nsec == 0 && its.it_interval.tv_sec == 0);
    check("disarmed: EAGAIN", read(t, &n, 8) < 0 && errno == EAGAIN);
    its = spec(10000, 0);
    check("arm 10 s", timerfd_settime(t, 0, &its, NULL) == 0);
    check("gettime: at most 10 s left", timerfd_gettime(t, &its) == 0 && its.it_value.tv_sec <= 9 &&
                                        (its.it_value.tv_sec > 0 || its.it_value.tv_nsec > 0));
    check("not yet: EAGAIN", read(t, &n, 8) < 0 && errno == EAGAIN);
    check("not yet: poll says nothing", poll(&(struct pollfd){t, POLLIN, 0}, 1, 0) == 0);
    its = spec(0, 0);
    check("disarm, the old value back", timerfd_settime(t, 0, &its, &old) == 0 && old.it_value.tv_sec <= 9 &&
                                        timerfd_gettime(t, &its) == 0 && its.it_value.tv_sec == 0 &&
                                        its.it_value.tv_nsec == 0);
    its = spec(50, 0);
    check("one-shot 50 ms", timerfd_settime(t, 0, &its, NULL) == 0);
    check("poll waits for it", poll(&(struct pollfd){t, POLLIN, 0}, 1, 5000) == 1);
    check("read: 1", ticks(t) == 1);
    check("then nothing", read(t, &n, 8) < 0 && errno == EAGAIN);
    check("a short buffer: EINVAL", read(t, small, 4) < 0 && errno == EINVAL);
    close(t);

    check("blocking", (b = timerfd_create(CLOCK_MONOTONIC, 0)) >= 0);
    its = spec(30, 0);
    check("a blocking read waits: 1", timerfd_settime(b, 0, &its, NULL) == 0 && ticks(b) == 1);
    its = spec(20, 20);
    check("periodic 20 ms", timerfd_settime(b, 0, &its, NULL) == 0);
    check("gettime: its interval", timerfd_gettime(b, &its) == 0 && its.it_interval.tv_nsec == 20000000);
    usleep(200000);
    n = ticks(b);
    check("after 200 ms: at least 5 expirations", n >= 5);
    check("each blocking read: at least 1", ticks(b) >= 1 && ticks(b) >= 1 && ticks(b) >= 1);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77}, out[1];
    check("epoll waits for it", epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev) == 0 && epoll_wait(ep, out, 1, 5000) == 1 &&
                                out[0].data.u64 == 77 && ticks(b) >= 1);
    close(ep);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int r = timerfd_create(CLOCK_REALTIME, 0);
    its = (struct itimerspec){{0, 0}, {now.tv_sec, now.tv_nsec}};
    its.it_value.tv_nsec += 50000000;
    if (its.it_value.tv_nsec >= 1000000000)
        its.it_value.tv_sec++, its.it_value.tv_nsec -= 1000000000;
    check("CLOCK_REALTIME, absolute: 1", timerfd_settime(r, TFD_TIMER_ABSTIME, &its, NULL) == 0 && ticks(r) == 1);
    its.it_value.tv_sec -= 100;
    check("absolute, in the past: at once", timerfd_settime(r, TFD_TIMER_ABSTIME, &its, NULL) == 0 && ticks(r) == 1);
    its = spec(10, 0);
    its.it_value.tv_nsec = 1000000000;
    check("bad nsec: EINVAL", timerfd_settime(r, 0, &its, NULL) < 0 && errno == EINVAL);
    its = spec(10, 0);
    check("bad flags: EINVAL", timerfd_settime(r, 8, &its, NULL) < 0 && errno == EINVAL);
    check("not a timerfd: EINVAL", timerfd_settime(1, 0, &its, NULL) < 0 && errno == EINVAL);
    check("bad fd: EBADF", timerfd_settime(999, 0, &its, NULL) < 0 && errno == EBADF);
    check("bad pointer: EFAULT", timerfd_settime(r, 0, bad, NULL) < 0 && errno == EFAULT);
    check("gettime bad pointer: EFAULT", timerfd_gettime(r, bad) < 0 && errno == EFAULT);
    close(r), close(b);
}

static void signals(void)
{
    sigset_t mask, both;
    struct signalfd_siginfo si[2];
    int s;

    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    both = mask;
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    check("signalfd", (s = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) >= 0);
    check("nothing pending: EAGAIN", read(s, si, sizeof(si[0])) < 0 && errno == EAGAIN);
    check("nothing pending: poll says nothing", poll(&(struct pollfd){s, POLLIN, 0}, 1, 0) == 0);
    kill(getpid(), SIGUSR1);
    check("pending: POLLIN", poll(&(struct pollfd){s, POLLIN, 0}, 1, 0) == 1);
    check("read: SIGUSR1", read(s, si, sizeof(si[0])) == sizeof(si[0]) && si[0].ssi_signo == SIGUSR1);
    check("from kill: SI_USER, its pid", si[0].ssi_code == SI_USER && si[0].ssi_pid == (uint32_t)getpid());
    check("taken: no longer pending", read(s, si, sizeof(si[0])) < 0 && errno == EAGAIN);
    sigset_t pend;
    kill(getpid(), SIGUSR2);
    check("SIGUSR2 not in the mask: stays pending", read(s, si, sizeof(si[0])) < 0 && errno == EAGAIN &&
                                                   sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2));
    check("the mask changed in place", signalfd(s, &both, 0) == s);
    kill(getpid(), SIGUSR1);
    check("two at once, in order", read(s, si, sizeof(si)) == sizeof(si) && si[0].ssi_signo == SIGUSR1 &&
                                   si[1].ssi_signo == SIGUSR2);
    close(s);

    check("blocking signalfd", (s = signalfd(-1, &mask, 0)) >= 0);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        usleep(100000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    check("a read waits for another process's kill", read(s, si, sizeof(si[0])) == sizeof(si[0]) &&
                                                     si[0].ssi_signo == SIGUSR1);
    check("its sender's pid", si[0].ssi_pid == (uint32_t)pid);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    check("from tgkill: SI_TKILL", read(s, si, sizeof(si[0])) == sizeof(si[0]) && si[0].ssi_code == SI_TKILL);
    waitpid(pid, NULL, 0);
    check("a short buffer: EINVAL", read(s, si, 100) < 0 && errno == EINVAL);
    check("bad size: EINVAL", signalfd(-1, &mask, 4) < 0 && errno == EINVAL);
    check("bad flags: EINVAL", syscall(SYS_signalfd4, -1, &mask, 8, 1) < 0 && errno == EINVAL);
    check("not a signalfd: EINVAL", signalfd(1, &mask, 0) < 0 && errno == EINVAL);
    check("bad mask pointer: EFAULT", signalfd(-1, bad, 0) < 0 && errno == EFAULT);
    close(s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    timers();
    signals();
    return 0;
}
