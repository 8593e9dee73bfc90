/*
 * Interval timers, as man 2 setitimer and man 2 alarm say: ITIMER_REAL's SIGALRM, once and periodic,
 * interrupting a blocked read (no SA_RESTART: EINTR) and a pause; getitimer's interval and what is left;
 * alarm's seconds left of the timer it replaces; ITIMER_VIRTUAL and ITIMER_PROF counting CPU time; a
 * child of fork has no timers; and the errors (EINVAL for a bad kind or microseconds, EFAULT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int alarms, vtalarms, profs;
static void on_alarm(int sig) { (void)sig, alarms++; }
static void on_vtalarm(int sig) { (void)sig, vtalarms++; }
static void on_prof(int sig) { (void)sig, profs++; }
static void *volatile bad = (void *)8;

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "ok" : "FAILED"); }

static void handle(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn; /* no SA_RESTART */
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    struct itimerval it, old;
    int p[2];
    char c;

    handle(SIGALRM, on_alarm);
    handle(SIGVTALRM, on_vtalarm);
    handle(SIGPROF, on_prof);

    check("alarm(0) with none set is 0", alarm(0) == 0);
    check("alarm(5) with none set is 0", alarm(5) == 0);
    check("alarm(3) tells the 5 seconds left", alarm(3) == 5);
    check("alarm(0) cancels and tells the 3 left", alarm(0) == 3);
    check("getitimer after it: nothing armed",
          getitimer(ITIMER_REAL, &old) == 0 && !old.it_value.tv_sec && !old.it_value.tv_usec);

    /* Once: a read of an empty pipe is interrupted. */
    pipe(p);
    it = (struct itimerval){{0, 0}, {0, 50000}};
    check("setitimer ITIMER_REAL 50 ms", setitimer(ITIMER_REAL, &it, NULL) == 0);
    errno = 0;
    check("a read of an empty pipe ends with EINTR", read(p[0], &c, 1) == -1 && errno == EINTR && alarms == 1);
    check("and the timer is off after it", getitimer(ITIMER_REAL, &old) == 0 && !old.it_value.tv_sec &&
                                               !old.it_value.tv_usec && !old.it_interval.tv_usec);

    /* Periodic: three pauses end by three signals. */
    it = (struct itimerval){{0, 20000}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
    check("getitimer: the 20 ms interval, at most 30 ms left",
          getitimer(ITIMER_REAL, &old) == 0 && old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000 &&
              old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0 && old.it_value.tv_usec <= 30000);
    while (alarms < 4)
        pause();
    check("a periodic timer came again and again", alarms >= 4);
    it = (struct itimerval){{0, 0}, {0, 0}};
    check("setitimer with zeros disarms and gives the old one",
          setitimer(ITIMER_REAL, &it, &old) == 0 && old.it_interval.tv_usec == 20000);

    /* A child of fork has none. */
    it = (struct itimerval){{0, 0}, {10, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval mine;
        _exit(getitimer(ITIMER_REAL, &mine) == 0 && !mine.it_value.tv_sec && !mine.it_value.tv_usec ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    check("a forked child has no timer of its parent's", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check("alarm(0) cancels the 10 s one", alarm(0) == 10);

    /* CPU time: spin (with calls, so the signals come) until each has fired. */
    it = (struct itimerval){{0, 0}, {0, 20000}};
    check("setitimer ITIMER_VIRTUAL 20 ms", setitimer(ITIMER_VIRTUAL, &it, NULL) == 0);
    check("setitimer ITIMER_PROF 20 ms", setitimer(ITIMER_PROF, &it, NULL) == 0);
    for (volatile unsigned long spin = 0; (!vtalarms || !profs) && spin < 4000000000ul; spin++)
        if (spin % 4096 == 0)
            getppid();
    check("SIGVTALRM came after 20 ms of user time", vtalarms == 1);
    check("SIGPROF came after 20 ms of CPU time", profs == 1);

    /* Errors. */
    errno = 0;
    check("getitimer of kind 3: EINVAL", getitimer(3, &old) == -1 && errno == EINVAL);
    it = (struct itimerval){{0, 0}, {0, 1000000}};
    errno = 0;
    check("tv_usec of a million: EINVAL", setitimer(ITIMER_REAL, &it, NULL) == -1 && errno == EINVAL);
    errno = 0;
    check("getitimer to a bad pointer: EFAULT", syscall(SYS_getitimer, ITIMER_REAL, bad) == -1 && errno == EFAULT);
    errno = 0;
    check("setitimer from a bad pointer: EFAULT",
          syscall(SYS_setitimer, ITIMER_REAL, bad, NULL) == -1 && errno == EFAULT);
    return 0;
}
