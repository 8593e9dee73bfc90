/* waitid, statx, mremap, select, pselect and ppoll, linkat, resource limits, CPU time: each checked
 * against what Linux does. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

static double cpu_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run in user space until the process has used `seconds` more of CPU time. */
static void spin(double seconds)
{
    volatile unsigned long x = 0;
    double until = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) + seconds;
    while (cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) < until)
        for (int i = 0; i < 100000; i++)
            x += i;
}

int main(void)
{
    siginfo_t si;
    int hold[2];

    if (pipe(hold))
        return 1;
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(hold[1]);
        (void)!read(hold[0], &x, 1);
        _exit(7);
    }
    close(hold[0]);
    printf("waitid WNOHANG on a running child: %d\n", waitid(P_PID, (id_t)c, &si, WEXITED | WNOHANG));
    close(hold[1]);
    printf("waitid: %d\n", waitid(P_PID, (id_t)c, &si, WEXITED));
    printf("si_signo SIGCHLD %d, si_code CLD_EXITED %d, si_pid right %d, si_status %d\n", si.si_signo == SIGCHLD,
           si.si_code == CLD_EXITED, si.si_pid == c, si.si_status);
    int ret = waitid(P_ALL, 0, &si, WEXITED);
    printf("waitid with no children: %d ECHILD %d\n", ret, errno == ECHILD);

    struct { /* struct statx, spelt out: not every libc has it */
        uint32_t mask, blksize;
        uint64_t attributes;
        uint32_t nlink, uid, gid;
        uint16_t mode, pad;
        uint64_t ino, size, blocks, attributes_mask;
        uint8_t rest[192];
    } sx;
    _Static_assert(sizeof(sx) == 256, "struct statx");
    printf("statx: %d\n", (int)syscall(SYS_statx, AT_FDCWD, "data/lines.txt", 0, 0x7ff /* STATX_BASIC_STATS */, &sx));
    printf("statx size %llu regular %d nlink %u\n", (unsigned long long)sx.size, S_ISREG(sx.mode), sx.nlink);
    ret = (int)syscall(SYS_statx, AT_FDCWD, "data/none", 0, 0x7ff /* STATX_BASIC_STATS */, &sx);
    printf("statx of nothing: %d ENOENT %d\n", ret, errno == ENOENT);

    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(m, "kept across mremap");
    strcpy(m + 4096, "second page");
    char *g = mremap(m, 8192, 1 << 20, MREMAP_MAYMOVE);
    printf("mremap grow: %s / %s\n", g == MAP_FAILED ? "failed" : g, g == MAP_FAILED ? "" : g + 4096);
    g[(1 << 20) - 1] = 1;
    char *s = mremap(g, 1 << 20, 4096, 0);
    printf("mremap shrink in place %d: %s\n", s == g, s);
    void *bad_remap = mremap((void *)0x10000, 4096, 8192, MREMAP_MAYMOVE);
    printf("mremap of unmapped memory fails %d EFAULT %d\n", bad_remap == MAP_FAILED, errno == EFAULT);
    /* A range past the end of user space (the lx fuzzer's finding: lx unmapped the stack): EINVAL. */
    errno = 0;
    void *past = mremap(s, 0x800000000000ull, 8, MREMAP_MAYMOVE);
    printf("mremap shrinking a range past user space fails %d EINVAL %d\n", past == MAP_FAILED, errno == EINVAL);
    errno = 0;
    int unmapped = munmap(s, 0x800000000000ull);
    printf("munmap of a range past user space fails %d EINVAL %d\n", unmapped == -1, errno == EINVAL);
    printf("and the pages below it are still there: %s\n", s);

    int p[2];
    fd_set r;
    struct timeval tv = {0, 0};
    if (pipe(p))
        return 1;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    printf("select on an empty pipe: %d\n", select(p[0] + 1, &r, NULL, NULL, &tv));
    (void)!write(p[1], "x", 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    printf("select after a write: %d readable %d\n", select(p[0] + 1, &r, NULL, NULL, NULL), FD_ISSET(p[0], &r) != 0);
    char x;
    (void)!read(p[0], &x, 1);
    struct timespec t0, t1, ts = {0, 30 * 1000 * 1000};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int n = pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("pselect times out: %d after at least 30 ms %d\n", n, waited >= 0.029);
    fd_set bad;
    FD_ZERO(&bad);
    FD_SET(60, &bad);
    ret = select(61, &bad, NULL, NULL, &tv);
    printf("select on a closed fd: %d EBADF %d\n", ret, errno == EBADF);

    /* ppoll and pselect run with the mask they are given: a blocked, pending signal it lets through ends
       them with EINTR (its handler ran), and the old mask is back afterwards */
    sigset_t usr1, none, now_mask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    signal(SIGUSR1, on_usr1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    for (int round = 0; round < 2; round++) {
        got_usr1 = 0;
        raise(SIGUSR1); /* pending: blocked */
        struct pollfd pf = {p[0], POLLIN, 0};
        struct timespec second = {1, 0};
        FD_ZERO(&r);
        FD_SET(p[0], &r);
        errno = 0;
        ret = round == 0 ? ppoll(&pf, 1, &second, &none) : pselect(p[0] + 1, &r, NULL, NULL, &second, &none);
        int was_eintr = errno == EINTR;
        sigprocmask(SIG_BLOCK, NULL, &now_mask);
        printf("%s with a mask letting SIGUSR1 in: %d EINTR %d handler ran %d; blocked again after %d\n",
               round == 0 ? "ppoll" : "pselect", ret, was_eintr, got_usr1, sigismember(&now_mask, SIGUSR1));
    }
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* select writes back the time it did not wait (none, when it times out) */
    struct timeval hundred = {0, 100000};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ret = select(p[0] + 1, &r, NULL, NULL, &hundred);
    printf("select times out: %d, time left written back %ld %ld\n", ret, (long)hundred.tv_sec, (long)hundred.tv_usec);

    /* mremap to a given address (MREMAP_FIXED), replacing what was there */
    char *from = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *there = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(from + 4096, "moved");
    there[0] = 'x';
    char *moved = mremap(from, 8192, 16384, MREMAP_MAYMOVE | MREMAP_FIXED, there);
    printf("MREMAP_FIXED: at the address %d, contents %s, rest zero %d\n", moved == there, moved + 4096,
           moved[0] == 0 && moved[16383] == 0);
    void *refused = mremap(moved, 4096, 4096, MREMAP_FIXED, from);
    printf("MREMAP_FIXED without MAYMOVE: %d EINVAL %d\n", refused == MAP_FAILED, errno == EINVAL);
    munmap(moved, 16384);

    /* linkat with AT_SYMLINK_FOLLOW links the symlink's target, without it the symlink itself */
    char dir[] = "/tmp/lxcallsXXXXXX", a[64], l[64], h1[64], h2[64];
    if (mkdtemp(dir)) {
        snprintf(a, sizeof(a), "%s/a", dir), snprintf(l, sizeof(l), "%s/l", dir);
        snprintf(h1, sizeof(h1), "%s/h1", dir), snprintf(h2, sizeof(h2), "%s/h2", dir);
        close(open(a, O_CREAT | O_WRONLY, 0644));
        symlink("a", l);
        struct stat s1, s2;
        int r1 = linkat(AT_FDCWD, l, AT_FDCWD, h1, AT_SYMLINK_FOLLOW), r2 = linkat(AT_FDCWD, l, AT_FDCWD, h2, 0);
        lstat(h1, &s1), lstat(h2, &s2);
        printf("linkat: following %d a file %d; not following %d a symlink %d\n", r1, S_ISREG(s1.st_mode), r2,
               S_ISLNK(s2.st_mode));
        unlink(h1), unlink(h2), unlink(l), unlink(a), rmdir(dir);
    }

    /* getrandom: bytes (two draws differ), and an unknown flag refused */
    unsigned char r1[16], r2[16];
    long g1 = syscall(SYS_getrandom, r1, sizeof(r1), 0), g2 = syscall(SYS_getrandom, r2, sizeof(r2), 0);
    long gbad = syscall(SYS_getrandom, r1, sizeof(r1), 0x80);
    printf("getrandom: %ld %ld, the draws differ %d; a bad flag: %ld EINVAL %d\n", g1, g2, memcmp(r1, r2, 16) != 0, gbad,
           errno == EINVAL);

    /* RLIMIT_NOFILE: lowered, it bounds new descriptors; a soft limit above the hard one is refused */
    struct rlimit low = {8, 8}, bad_lim = {9, 8};
    ret = setrlimit(RLIMIT_NOFILE, &bad_lim);
    printf("soft above hard: %d EINVAL %d\n", ret, errno == EINVAL);
    printf("lower the limit to 8: %d\n", setrlimit(RLIMIT_NOFILE, &low));
    int opened = 0, last = 0;
    while ((last = open("/dev/null", O_RDONLY)) >= 0)
        opened++;
    printf("opened until EMFILE: highest fd below 8 %d, EMFILE %d\n", opened > 0 && opened < 8, errno == EMFILE);
    ret = dup2(0, 8);
    printf("dup2 to the limit: %d EBADF %d\n", ret, errno == EBADF);
    ret = fcntl(0, F_DUPFD, 8);
    printf("F_DUPFD from the limit: %d EINVAL %d\n", ret, errno == EINVAL);
    struct rlimit now;
    /* CPU time: counted while running, by every clock that tells it, and a reaped child's for its parent */
    struct timespec s0, s1;
    double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    clock_gettime(CLOCK_MONOTONIC, &s0);
    spin(0.05);
    clock_gettime(CLOCK_MONOTONIC, &s1);
    double wall = (s1.tv_sec - s0.tv_sec) + (s1.tv_nsec - s0.tv_nsec) / 1e9, cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    struct rusage ru;
    struct tms tm;
    getrusage(RUSAGE_SELF, &ru);
    times(&tm);
    printf("process CPU time: 50 ms more, within the wall time: %d\n", cpu >= 0.05 && cpu <= wall * 1.1 + 0.005);
    printf("thread CPU time: %d; getrusage: %d; times: %d\n", cpu_seconds(CLOCK_THREAD_CPUTIME_ID) >= 0.04,
           ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec >= 40000,
           tm.tms_utime + tm.tms_stime >= 4);
    pid_t kid = fork();
    if (kid == 0) {
        spin(0.05);
        _exit(0);
    }
    struct rusage kru;
    wait4(kid, NULL, 0, &kru);
    times(&tm);
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("a child's CPU time: wait4 %d, times %d, RUSAGE_CHILDREN %d\n",
           kru.ru_utime.tv_sec * 1e6 + kru.ru_utime.tv_usec + kru.ru_stime.tv_usec >= 40000, tm.tms_cutime + tm.tms_cstime >= 4,
           ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec >= 40000);

    ret = getrlimit(RLIMIT_NOFILE, &now);
    printf("read back: %d %d\n", ret, now.rlim_cur == 8 && now.rlim_max == 8);
    printf("no such resource: %d\n", getrlimit(99, &now) == -1 && errno == EINVAL);
    return 0;
}
