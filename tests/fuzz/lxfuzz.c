/*
 * The lx system-call fuzzer (docs/reliability.md): a static Linux program that makes random Linux system
 * calls, run as lx's first process by tests/fuzz/lxfuzz.py. Usage: lxfuzz SEED CALLS [CHILDREN]
 *
 * The parent never fuzzes: it forks CHILDREN children one after another, each making CALLS / CHILDREN
 * calls with stdin, stdout and stderr on /dev/null (so a random write cannot reach the console) and a pipe
 * at REPORT_FD for its report. A child draws numbers from the whole table (valid, invalid, past the end,
 * negative) and arguments from interesting values: descriptors of every kind it holds (files, pipes,
 * sockets, directories, /dev/null, eventfd, epoll, closed ones, huge ones), wild pointers (NULL, kernel,
 * non-canonical, unmapped, read-only, misaligned, a buffer's last bytes), huge sizes and random flags. An
 * interval timer interrupts calls that would block (SIGALRM, handled, no SA_RESTART), and now and then
 * the child signals itself or forks a grandchild that makes a few calls and exits in the middle.
 *
 * What would end the fuzzer itself rather than test lx is shaped, not skipped: memory calls act on a
 * scratch region, signal calls never touch SIGALRM's handler or mask, kill and friends aim only at the
 * child itself with harmless signals. exit, execve, clone, fork, vfork, rt_sigreturn, seccomp, arch_prctl
 * and uretprobe/uprobe (SIGILL by design outside a probe) are not called at random; a fork is made on
 * purpose instead.
 *
 * Every result must be a Linux result: a value, or -1 with an errno from 1 to 133 (EHWPOISON); a kernel-
 * internal code (ERESTARTSYS, 512 and up) or anything else is a finding. The parent prints one line per
 * finding and a summary, and exits 0 only if there were none and no child was killed by a fault signal
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS: the fuzzer never faults on its own memory, so lx would have).
 * Other signals can be brought on purpose by random calls (a timer's, a default handler's).
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
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPORT_FD 200
#define TRACE_FD 201 /* LXFUZZ_TRACE: past close_range's reach, kept from close and dup2 too */
#define SCRATCH_PAGES 16
#define NFDS 24

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) { return rnd() % n; }

static int trace_fd = -1;
static char *scratch; /* SCRATCH_PAGES read-write pages, then one PROT_NONE page */
static char *buf; /* the start of the scratch region: what the calls read into */
static int fds[NFDS];
static volatile unsigned long alarms;
static const char *paths[] = {"/tmp/fz", "/tmp/fz/a", "/tmp/fz2", "/data/lines.txt", "/dev/null", "/proc/self/stat",
                              "/", "", "/tmp", "/proc/self/fd/3", "/nonexistent/x", "/tmp/fz/../fz2"};

static void on_alarm(int sig) { (void)sig, alarms++; }
static void on_usr(int sig) { (void)sig; }

static void open_fds(void)
{
    int p[2], s[2];

    for (int i = 0; i < NFDS; i++)
        fds[i] = -1;
    mkdir("/tmp/fz", 0755);
    fds[0] = open("/tmp/fz2", O_RDWR | O_CREAT, 0644);
    fds[1] = open("/data/lines.txt", O_RDONLY);
    fds[2] = open("/tmp", O_RDONLY | O_DIRECTORY);
    fds[3] = open("/dev/null", O_RDWR);
    if (pipe(p) == 0)
        fds[4] = p[0], fds[5] = p[1];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0)
        fds[6] = s[0], fds[7] = s[1];
    fds[8] = eventfd(0, 0);
    fds[9] = epoll_create1(0);
    fds[10] = open("/proc/self/stat", O_RDONLY);
    fds[11] = socket(AF_UNIX, SOCK_DGRAM, 0);
    fds[12] = 9999;  /* never open */
    fds[13] = -1;
    fds[14] = 0x7fffffff;
    fds[15] = 0;     /* /dev/null */
    fds[16] = 1;
    fds[17] = AT_FDCWD;
}

static uint64_t fd_arg(void)
{
    if (below(10) == 0)
        return below(2) ? below(64) : rnd();
    return (uint64_t)(int64_t)fds[below(18)];
}

static uint64_t ptr_arg(void)
{
    static const uint64_t odd[] = {0, 1, 0x1000, 0xffff800000000000ull, 0xffffffffff600000ull, 0x0000800000000000ull,
                                   0x8000000000000000ull, ~0ull, 0x00007ffffffff000ull};
    switch (below(8)) {
    case 0:
    case 1:
    case 2:
        return (uint64_t)(uintptr_t)buf + (below(4) ? 0 : below(64));
    case 3:
        return (uint64_t)(uintptr_t)scratch + SCRATCH_PAGES * 4096 - below(16); /* runs into PROT_NONE */
    case 4:
        return (uint64_t)(uintptr_t)paths[below(sizeof(paths) / sizeof(paths[0]))];
    case 5:
        return (uint64_t)(uintptr_t)&open_fds; /* read-only code */
    case 6:
        return odd[below(sizeof(odd) / sizeof(odd[0]))];
    default:
        return rnd();
    }
}

static uint64_t size_arg(void)
{
    static const uint64_t odd[] = {0, 1, 2, 7, 8, 16, 64, 100, 4095, 4096, 4097, 8192, 65536, 1ull << 20, 1ull << 31,
                                   1ull << 32, 1ull << 62, ~0ull, (uint64_t)-4096};
    return below(4) ? odd[below(sizeof(odd) / sizeof(odd[0]))] : below(2) ? below(300) : rnd();
}

static uint64_t flags_arg(void)
{
    switch (below(4)) {
    case 0:
        return 0;
    case 1:
        return 1ull << below(32);
    case 2:
        return below(0x1000);
    default:
        return rnd();
    }
}

static uint64_t any_arg(void)
{
    switch (below(4)) {
    case 0:
        return fd_arg();
    case 1:
        return ptr_arg();
    case 2:
        return size_arg();
    default:
        return flags_arg();
    }
}

static uint64_t scratch_addr(void)
{
    return (uint64_t)(uintptr_t)scratch + below(SCRATCH_PAGES) * 4096 + (below(8) ? 0 : below(4096));
}

/* Numbers not called at random: each would end this process or its memory rather than test lx. */
static int forbidden(uint64_t nr)
{
    switch (nr) {
    case 15:  /* rt_sigreturn */
    case 56:  /* clone, fork: a fork is made on purpose, not at random (it would double the fuzzer) */
    case 57:
    case 58:  /* vfork */
    case 59:  /* execve */
    case 60:  /* exit */
    case 231: /* exit_group */
    case 101: /* ptrace */
    case 158: /* arch_prctl: SET_FS would take our thread pointer */
    case 169: /* reboot */
    case 317: /* seccomp */
    case 322: /* execveat */
    case 435: /* clone3 */
    case 37:  /* alarm, setitimer: the timer that interrupts blocked calls is ours */
    case 38:
    case 335: /* uretprobe, uprobe: Linux kills a caller outside a probe trampoline with SIGILL */
    case 336:
    case 130: /* rt_sigsuspend, rt_sigtimedwait: masks that could block SIGALRM for ever */
    case 128:
        return 1;
    }
    return 0;
}

/* Arguments shaped for the calls that would otherwise hurt the fuzzer itself. */
static void shape(uint64_t nr, uint64_t a[6])
{
    switch (nr) {
    case 9:  /* mmap: MAP_FIXED only inside the scratch region */
        a[0] = below(2) ? 0 : scratch_addr();
        if (a[0] == 0)
            a[3] &= ~(uint64_t)(MAP_FIXED | MAP_FIXED_NOREPLACE);
        else
            a[1] = MIN(a[1], (uint64_t)(uintptr_t)scratch + SCRATCH_PAGES * 4096 - a[0]);
        a[3] = (a[3] & ~0x3ull) | (1 + below(2)); /* MAP_SHARED or MAP_PRIVATE, as a rule */
        break;
    case 10: /* mprotect, munmap, madvise, msync, mlock, munlock, mincore, mremap, brk */
    case 11:
    case 28:
    case 26:
    case 149:
    case 150:
    case 27:
        a[0] = scratch_addr();
        a[1] = MIN(a[1], (uint64_t)(uintptr_t)scratch + SCRATCH_PAGES * 4096 - a[0]);
        if (nr == 10)
            a[2] |= PROT_READ | PROT_WRITE; /* the scratch stays usable for our pointers */
        if (nr == 28 && (a[2] == MADV_DONTNEED || a[2] == MADV_FREE || a[2] == MADV_REMOVE))
            a[2] = MADV_NORMAL;
        break;
    case 25:
        a[0] = scratch_addr(), a[3] &= ~(uint64_t)2 /* MREMAP_FIXED */;
        break;
    case 12:
        a[0] = below(2) ? 0 : a[0];
        break;
    case 13: /* rt_sigaction (made through sigaction(), which supplies the restorer): never SIGALRM */
        a[0] = 1 + below(64);
        if (a[0] == SIGALRM)
            a[0] = SIGUSR1;
        break;
    case 14: /* rt_sigprocmask: never blocks SIGALRM */
        a[1] = 0;
        break;
    case 62:  /* kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo: ourselves, harmless signals */
    case 200:
    case 234:
    case 129:
    case 297:
        a[0] = (uint64_t)getpid();
        a[1] = nr == 234 ? (uint64_t)getpid() : (uint64_t)(below(2) ? 0 : SIGURG);
        a[2] = nr == 234 ? (uint64_t)(below(2) ? 0 : SIGURG) : ptr_arg();
        break;
    case 270: /* pselect6, ppoll, epoll_pwait, epoll_pwait2: no signal mask */
        a[5] = 0;
        break;
    case 271:
        a[3] = 0;
        break;
    case 281:
    case 441:
        a[4] = 0;
        break;
    case 160: /* setrlimit, prlimit64: ours only, and not the CPU limit */
    case 302:
        if (nr == 302)
            a[0] = 0, a[1] = below(16), a[2] = below(2) ? 0 : a[2];
        else
            a[0] = below(16);
        if ((nr == 302 ? a[1] : a[0]) == RLIMIT_CPU)
            a[nr == 302 ? 2 : 1] = 0;
        break;
    case 157: /* prctl: no seccomp */
        if (a[0] == 22)
            a[0] = 15;
        break;
    case 33: /* dup2, dup3: not onto the report pipe */
    case 292:
        if (a[1] == REPORT_FD || a[1] == TRACE_FD)
            a[1] = 300;
        break;
    case 436: /* close_range: not up to the report pipe */
        a[0] = MAX(a[0], 3), a[1] = MIN(a[1], REPORT_FD - 1);
        break;
    case 3: /* close: not the report pipe */
        if (a[0] == REPORT_FD || a[0] == TRACE_FD)
            a[0] = 9999;
        break;
    }
}

static unsigned long calls_made, findings, interrupted;

static void say(const char *fmt, unsigned long x, unsigned long y, unsigned long z)
{
    char line[160];
    int n = snprintf(line, sizeof(line), fmt, x, y, z);

    if (n > 0)
        (void)!write(REPORT_FD, line, (size_t)MIN(n, (int)sizeof(line) - 1));
}

static void one_call(void)
{
    uint64_t nr, a[6];

    switch (below(20)) {
    case 0:
        nr = 335 + below(89); /* the hole in x86_64's table */
        break;
    case 1:
        nr = below(2) ? 451 + below(600) : rnd();
        break;
    default:
        nr = below(335) ;
        if (below(8) == 0)
            nr = 424 + below(27);
        break;
    }
    if (forbidden(nr))
        return;
    for (int i = 0; i < 6; i++)
        a[i] = any_arg();
    shape(nr, a);
    errno = 0;
    if (trace_fd >= 0)
        dprintf(trace_fd, "lxfuzz: trace %d: call %lu: %lu (0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)\n", (int)getpid(),
                calls_made, (unsigned long)nr, (unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2],
                (unsigned long)a[3], (unsigned long)a[4], (unsigned long)a[5]);
    long r;
    if (nr == 13) {
        struct sigaction sa = {0}, old; /* glibc itself copies the old action out: it must be ours */
        sa.sa_handler = below(3) == 0 ? SIG_IGN : below(2) ? on_usr : SIG_DFL;
        sa.sa_flags = (int)flags_arg() & ~SA_RESETHAND & ~SA_ONSTACK & ~SA_SIGINFO;
        r = sigaction((int)a[0], below(4) ? &sa : NULL, below(2) ? NULL : &old);
    } else {
        r = syscall((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    int e = errno;
    calls_made++;
    if (r == -1 && e == EINTR)
        interrupted++;
    if (r == -1 && (e < 1 || e > 133)) {
        findings++;
        say("lxfuzz: FINDING: call %lu returned errno %lu (args start 0x%lx)\n", (unsigned long)nr,
            (unsigned long)e, (unsigned long)a[0]);
    }
}

static int child(uint64_t seed, unsigned long calls)
{
    if (getenv("LXFUZZ_TRACE")) /* each call on the fuzzer's own stderr before it is made */
        trace_fd = dup2(2, TRACE_FD);
    struct sigaction sa = {0};
    struct itimerval it = {{0, 20000}, {0, 20000}};
    int nul = open("/dev/null", O_RDWR);

    rng_state = seed;
    dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
    scratch = mmap(NULL, (SCRATCH_PAGES + 1) * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED)
        return 3;
    mprotect(scratch + SCRATCH_PAGES * 4096, 4096, PROT_NONE);
    buf = scratch;
    open_fds();
    sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked call ends with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_usr;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    setitimer(ITIMER_REAL, &it, NULL);
    for (unsigned long i = 0; i < calls; i++) {
        unsigned long x = below(1000);
        if (x == 0) { /* a grandchild that makes a few calls and exits in the middle */
            pid_t g = fork();
            if (g == 0) {
                close(REPORT_FD);
                setitimer(ITIMER_REAL, &it, NULL); /* timers are not inherited */
                for (int k = (int)below(50); k > 0; k--)
                    one_call();
                _exit((int)below(3));
            }
            if (g > 0 && below(2))
                waitpid(g, NULL, 0);
        } else if (x == 1) {
            raise(SIGUSR1);
        } else {
            one_call();
        }
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
    it = (struct itimerval){{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
    say("lxfuzz: child done: %lu calls, %lu interrupted, %lu findings\n", calls_made, interrupted, findings);
    return findings ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: lxfuzz SEED CALLS [CHILDREN]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    unsigned long calls = strtoul(argv[2], NULL, 0), children = argc > 3 ? strtoul(argv[3], NULL, 0) : 20;
    unsigned long bad = 0, made = 0, exited = 0, signalled = 0;

    if (children == 0 || children > 100000) {
        fprintf(stderr, "lxfuzz: CHILDREN must be 1 to 100000\n");
        return 2;
    }
    for (unsigned long c = 0; c < children; c++) {
        int p[2], status = 0;
        if (pipe(p) != 0 || dup2(p[1], REPORT_FD) < 0) {
            perror("lxfuzz: pipe");
            return 2;
        }
        close(p[1]);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            _exit(child(seed * 1000003 + c, calls / children));
        }
        close(REPORT_FD);
        char text[4096];
        ssize_t n;
        size_t have = 0;
        while ((n = read(p[0], text + have, sizeof(text) - 1 - have)) > 0 && have < sizeof(text) - 1)
            have += (size_t)n;
        text[have] = 0;
        close(p[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        while (waitpid(-1, NULL, WNOHANG) > 0) /* grandchildren left to us */
            ;
        unsigned long got = 0;
        const char *done = strstr(text, "child done: ");
        if (done)
            got = strtoul(done + 12, NULL, 10);
        made += got;
        fputs(text, stdout);
        if (WIFEXITED(status)) {
            exited++;
            bad += WEXITSTATUS(status) != 0;
            if (WEXITSTATUS(status) != 0)
                printf("lxfuzz: child %lu (seed %llu) exited with %d\n", c, (unsigned long long)(seed * 1000003 + c),
                       WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
            int s = WTERMSIG(status);
            signalled++;
            /* Random calls can bring most signals on purpose (a timer's, a default handler's); a fault
               signal would mean lx broke the process's memory. */
            if (s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGSYS) {
                bad++;
                printf("lxfuzz: child %lu (seed %llu) was killed by signal %d\n", c,
                       (unsigned long long)(seed * 1000003 + c), s);
            }
        }
    }
    printf("lxfuzz: seed %llu: %lu children (%lu exited, %lu killed by a signal), %lu calls, %lu bad\n",
           (unsigned long long)seed, children, exited, signalled, made, bad);
    return bad ? 1 : 0;
}
