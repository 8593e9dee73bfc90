/*
 * bench compare: lmbench's classic operations and three macro workloads in one static Linux program, run
 * on Debian's Linux kernel and under lx on the same QEMU machine (tools/proteus bench compare). lmbench's
 * definitions say what each measures; the code is this project's. Each result is one line,
 *   cmpbench <name> median=<n> min=<n> unit=<insn|ns> n=<samples> [asw=<switches per operation>]
 * or, when the operation cannot be done here,
 *   cmpbench <name> failed: <why>
 * and the run ends with "cmpbench done". Arguments: "insn" times with rdtsc (guest instructions under
 * QEMU's -icount), else CLOCK_MONOTONIC in ns; "quick" runs few iterations; "micro" leaves out the
 * macro workloads; "root=DIR" finds their files (bench/shell.sh, bench/storm.sh, bin/sqlbench) under
 * DIR instead of /. Where /proc/aspace_switches exists (lx), asw= is the number of address-space
 * switches per operation, the reading's own cost taken off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_SAMPLES = 64, MIB = 1 << 20, CHUNK = 64 << 10 };

static int insn, quick, micro_only;
static char root[256] = "";
static char why[160];
static double asw_cost = -1; /* switches one reading of the counter makes; < 0: no counter here */
static const char *FILE_PATH = "/tmp/cmpbench.data";

static uint64_t now(void)
{
    if (insn) {
        uint32_t lo, hi;
        __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
        return (uint64_t)hi << 32 | lo;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Sets the reason an operation failed; returns -1. */
static int fail(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (e && n > 0 && (size_t)n < sizeof(why))
        snprintf(why + n, sizeof(why) - (size_t)n, ": %s", strerror(e));
    return -1;
}

/* The kernel's address-space switch count (lx's /proc/aspace_switches), or -1 where there is none. */
static long long asw_read(void)
{
    char text[32];
    int fd = open("/proc/aspace_switches", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = 0;
    return strtoll(text, NULL, 10);
}

static void asw_calibrate(void)
{
    long long a = asw_read(), b = asw_read(), c = asw_read();
    if (a >= 0 && b >= a && c >= b)
        asw_cost = (double)(c - a) / 2;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* asw: address-space switches per operation, or < 0 where there is no counter */
static void report(const char *name, uint64_t *s, int n, double asw)
{
    qsort(s, (size_t)n, sizeof(s[0]), cmp);
    printf("cmpbench %s median=%llu min=%llu unit=%s n=%d", name, (unsigned long long)s[n / 2],
           (unsigned long long)s[0], insn ? "insn" : "ns", n);
    if (asw >= 0)
        printf(" asw=%.2f", asw);
    printf("\n");
    fflush(stdout);
}

/* Switches per operation between two readings a and b over ops operations (one reading's cost taken off). */
static double asw_per(long long a, long long b, long long ops)
{
    if (asw_cost < 0 || a < 0 || b < a || ops <= 0)
        return -1;
    double per = ((double)(b - a) - asw_cost) / (double)ops;
    return per < 0 ? 0 : per;
}

static long long asw_now(void) { return asw_cost >= 0 ? asw_read() : -1; }

static void failed(const char *name)
{
    printf("cmpbench %s failed: %s\n", name, why[0] ? why : "unknown");
    fflush(stdout);
    why[0] = 0;
}

/*
 * The general shape: setup, then `samples` samples of `batch` calls of op, each sample's time divided by
 * batch * per (per: the operations one call of op makes), then teardown.
 */
struct bench {
    const char *name;
    int (*setup)(void);
    int (*op)(void);
    void (*teardown)(void);
    int samples, batch, per;
};

static void run(const struct bench *b)
{
    static uint64_t s[MAX_SAMPLES];
    int samples = quick ? 3 : b->samples, batch = quick ? (b->batch + 9) / 10 : b->batch;
    errno = 0;
    if (b->setup && b->setup() < 0) {
        if (b->teardown) /* what the setup made before it failed */
            b->teardown();
        failed(b->name);
        return;
    }
    long long asw0 = asw_now();
    for (int i = 0; i < samples; i++) {
        uint64_t t = now();
        for (int k = 0; k < batch; k++) {
            errno = 0;
            if (b->op() < 0) {
                if (b->teardown)
                    b->teardown();
                failed(b->name);
                return;
            }
        }
        s[i] = (now() - t) / (uint64_t)(batch * b->per);
    }
    long long ops = (long long)samples * batch * b->per;
    double asw = asw_per(asw0, asw_now(), ops);
    if (b->teardown)
        b->teardown();
    report(b->name, s, samples, asw);
}

/* --- system calls --- */

static int fd_a = -1, fd_b = -1;

static int op_null(void)
{
    syscall(SYS_getppid);
    return 0;
}

static int setup_zero(void) { return (fd_a = open("/dev/zero", O_RDONLY)) < 0 ? fail("open /dev/zero") : 0; }
static int setup_null(void) { return (fd_a = open("/dev/null", O_WRONLY)) < 0 ? fail("open /dev/null") : 0; }
static void close_a(void)
{
    close(fd_a);
    fd_a = -1;
}
static int op_read(void)
{
    char c;
    return read(fd_a, &c, 1) == 1 ? 0 : fail("read /dev/zero");
}
static int op_write(void)
{
    char c = 0;
    return write(fd_a, &c, 1) == 1 ? 0 : fail("write /dev/null");
}

static int make_file(size_t size)
{
    static char buf[CHUNK];
    int fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return fail("create %s", FILE_PATH);
    memset(buf, 'f', sizeof(buf));
    for (size_t done = 0; done < size; done += sizeof(buf))
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
            close(fd);
            return fail("write %s", FILE_PATH);
        }
    return fd;
}
static int setup_file(void)
{
    if ((fd_a = make_file(MIB)) < 0)
        return -1;
    return 0;
}
static void remove_file(void)
{
    close_a();
    unlink(FILE_PATH);
}
static int op_stat(void)
{
    struct stat st;
    return stat(FILE_PATH, &st) == 0 ? 0 : fail("stat");
}
static int op_open_close(void)
{
    int fd = open(FILE_PATH, O_RDONLY);
    if (fd < 0)
        return fail("open");
    return close(fd) == 0 ? 0 : fail("close");
}

/* --- signals --- */

static volatile sig_atomic_t caught;
static void on_signal(int sig) { caught += sig == SIGUSR1; }
static int op_sig_install(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    return sigaction(SIGUSR1, &sa, NULL) == 0 ? 0 : fail("sigaction");
}
static int setup_sig(void) { return op_sig_install(); }
static int op_sig_deliver(void)
{
    sig_atomic_t before = caught;
    if (kill(getpid(), SIGUSR1) < 0)
        return fail("kill");
    return caught == before + 1 ? 0 : fail("the handler did not run");
}

/* --- pipes, sockets and the context-switch ring --- */

static pid_t kids[16];
static int nkids, ring_n;
static int ring[16][2]; /* ring[i]: the pipe into process i (the parent is process 0) */

static void reap(void)
{
    for (int i = 0; i < nkids; i++)
        waitpid(kids[i], NULL, 0);
    nkids = 0;
}

/* A child that echoes each byte from `in` back on `out` until `in` ends. */
static int echo_child(int in, int out, int close1, int close2)
{
    pid_t c = fork();
    if (c < 0)
        return fail("fork");
    if (c == 0) {
        char ch;
        close(close1);
        close(close2);
        while (read(in, &ch, 1) == 1)
            if (write(out, &ch, 1) != 1)
                _exit(1);
        _exit(0);
    }
    kids[nkids++] = c;
    return 0;
}

static int setup_pipe_lat(void)
{
    int down[2], up[2];
    if (pipe(down) || pipe(up))
        return fail("pipe");
    if (echo_child(down[0], up[1], down[1], up[0]) < 0)
        return -1;
    close(down[0]);
    close(up[1]);
    fd_a = down[1];
    fd_b = up[0];
    return 0;
}
static int op_round_trip(void)
{
    char c = 'x';
    if (write(fd_a, &c, 1) != 1 || read(fd_b, &c, 1) != 1)
        return fail("round trip");
    return 0;
}
static void teardown_pair(void)
{
    close(fd_a);
    if (fd_b != fd_a)
        close(fd_b);
    fd_a = fd_b = -1;
    reap();
}

static int setup_unix_lat(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return fail("socketpair(AF_UNIX, SOCK_STREAM)");
    if (echo_child(sv[1], sv[1], sv[0], -1) < 0)
        return -1;
    close(sv[1]);
    fd_a = fd_b = sv[0];
    return 0;
}

static int setup_pipe_bw(void)
{
    int p[2];
    if (pipe(p))
        return fail("pipe");
    pid_t c = fork();
    if (c < 0)
        return fail("fork");
    if (c == 0) { /* write 64 KiB chunks until the reader goes away */
        static char buf[CHUNK];
        close(p[0]);
        signal(SIGPIPE, SIG_DFL);
        memset(buf, 'p', sizeof(buf));
        for (;;)
            if (write(p[1], buf, sizeof(buf)) < 0)
                _exit(0);
    }
    kids[nkids++] = c;
    close(p[1]);
    fd_a = fd_b = p[0];
    return 0;
}
static int op_pipe_bw(void)
{
    static char buf[CHUNK];
    for (size_t got = 0; got < sizeof(buf);) {
        ssize_t n = read(fd_a, buf + got, sizeof(buf) - got);
        if (n <= 0)
            return fail("read the pipe");
        got += (size_t)n;
    }
    return 0;
}

static int setup_ring(int n)
{
    ring_n = n;
    for (int i = 0; i < n; i++)
        ring[i][0] = ring[i][1] = -1;
    for (int i = 0; i < n; i++)
        if (pipe(ring[i]))
            return fail("pipe");
    for (int i = 1; i < n; i++) {
        pid_t c = fork();
        if (c < 0)
            return fail("fork");
        if (c == 0) { /* process i: from ring[i] to ring[(i + 1) % n], until the ring closes */
            int in = ring[i][0], out = ring[(i + 1) % n][1];
            char ch;
            for (int k = 0; k < n; k++) {
                if (ring[k][0] != in)
                    close(ring[k][0]);
                if (ring[k][1] != out)
                    close(ring[k][1]);
            }
            while (read(in, &ch, 1) == 1)
                if (write(out, &ch, 1) != 1)
                    _exit(1);
            _exit(0);
        }
        kids[nkids++] = c;
    }
    for (int k = 0; k < n; k++) { /* the parent keeps ring[0]'s reading end and ring[1]'s writing end */
        if (k != 0) {
            close(ring[k][0]);
            ring[k][0] = -1;
        }
        if (k != 1) {
            close(ring[k][1]);
            ring[k][1] = -1;
        }
    }
    return 0;
}
static int setup_ring2(void) { return setup_ring(2); }
static int setup_ring16(void) { return setup_ring(16); }
static int op_ring(void)
{
    char c = 't';
    if (write(ring[1][1], &c, 1) != 1 || read(ring[0][0], &c, 1) != 1)
        return fail("pass the token round the ring");
    return 0;
}
static void teardown_ring(void)
{
    for (int k = 0; k < ring_n; k++) { /* whichever ends the parent still has: each child then sees its end */
        close(ring[k][0]);
        close(ring[k][1]);
    }
    reap();
}

/* --- processes --- */

static int wait_ok(pid_t c, const char *what)
{
    int status;
    if (c < 0)
        return fail("fork");
    if (waitpid(c, &status, 0) != c)
        return fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        return fail("%s: status %#x", what, status);
    }
    return 0;
}
static int op_fork_exit(void)
{
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    return wait_ok(c, "fork");
}
static int spawn(const char *path, char *const argv[])
{
    pid_t c = fork();
    if (c == 0) {
        execv(path, argv);
        _exit(127);
    }
    return wait_ok(c, path);
}
static int op_fork_execve(void)
{
    char *argv[] = {"true", NULL};
    return spawn("/bin/true", argv);
}
static int op_fork_sh(void)
{
    char *argv[] = {"sh", "-c", "/bin/true", NULL};
    return spawn("/bin/sh", argv);
}

/* --- memory --- */

static int op_mmap_file(void)
{
    void *m = mmap(NULL, MIB, PROT_READ, MAP_PRIVATE, fd_a, 0);
    if (m == MAP_FAILED)
        return fail("mmap 1 MiB of a file");
    return munmap(m, MIB) == 0 ? 0 : fail("munmap");
}

/* Page faults: the time of the first touch of each page of a fresh mapping (of the file, or anonymous). */
static void page_faults(const char *name, int anon)
{
    static uint64_t s[MAX_SAMPLES];
    int samples = quick ? 3 : 16, pages = MIB / 4096;
    long long switches = 0;
    errno = 0;
    if (!anon && setup_file() < 0) {
        failed(name);
        return;
    }
    for (int i = 0; i < samples; i++) {
        volatile char *m = mmap(NULL, MIB, anon ? PROT_READ | PROT_WRITE : PROT_READ,
                                anon ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_PRIVATE, anon ? -1 : fd_a, 0);
        if (m == MAP_FAILED) {
            fail("mmap");
            if (!anon)
                remove_file();
            failed(name);
            return;
        }
        long long a = asw_now();
        uint64_t t = now();
        for (int p = 0; p < pages; p++)
            if (anon)
                m[p * 4096] = 1;
            else
                (void)m[p * 4096];
        s[i] = (now() - t) / (uint64_t)pages;
        long long b = asw_now();
        switches += b - a - (long long)asw_cost;
        munmap((void *)m, MIB);
    }
    if (!anon)
        remove_file();
    report(name, s, samples, asw_cost >= 0 ? (double)switches / (samples * pages) : -1);
}

/* --- files --- */

/* Both results failed, for the same reason; the files made so far removed. */
static void create_delete_failed(const char *create_name, const char *delete_name, int count)
{
    char path[64], reason[sizeof(why)];
    snprintf(reason, sizeof(reason), "%s", why);
    for (int k = 0; k < count; k++) {
        snprintf(path, sizeof(path), "/tmp/cmpbench.dir/%d", k);
        unlink(path);
    }
    rmdir("/tmp/cmpbench.dir");
    failed(create_name);
    snprintf(why, sizeof(why), "%s", reason);
    failed(delete_name);
}

/* lmbench's lat_fs: create `count` files of `size` bytes, then delete them; each timed per file. */
static void create_delete(const char *create_name, const char *delete_name, size_t size)
{
    static uint64_t sc[MAX_SAMPLES], sd[MAX_SAMPLES];
    static char buf[10 << 10];
    int samples = quick ? 3 : 5, count = quick ? 10 : 100;
    char path[64];
    memset(buf, 'c', sizeof(buf));
    if (mkdir("/tmp/cmpbench.dir", 0755) < 0 && errno != EEXIST) {
        fail("mkdir /tmp/cmpbench.dir");
        create_delete_failed(create_name, delete_name, 0);
        return;
    }
    long long asw_c = 0, asw_d = 0;
    for (int i = 0; i < samples; i++) {
        long long a0 = asw_now();
        uint64_t t = now();
        for (int k = 0; k < count; k++) {
            snprintf(path, sizeof(path), "/tmp/cmpbench.dir/%d", k);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || (size && write(fd, buf, size) != (ssize_t)size) || close(fd) < 0) {
                fail("create %s", path);
                create_delete_failed(create_name, delete_name, count);
                return;
            }
        }
        sc[i] = (now() - t) / (uint64_t)count;
        long long a1 = asw_now();
        t = now();
        for (int k = 0; k < count; k++) {
            snprintf(path, sizeof(path), "/tmp/cmpbench.dir/%d", k);
            if (unlink(path) < 0) {
                fail("unlink %s", path);
                create_delete_failed(create_name, delete_name, count);
                return;
            }
        }
        sd[i] = (now() - t) / (uint64_t)count;
        long long a2 = asw_now();
        asw_c += a1 - a0 - (long long)asw_cost, asw_d += a2 - a1 - (long long)asw_cost;
    }
    rmdir("/tmp/cmpbench.dir");
    long long ops = (long long)samples * count;
    report(create_name, sc, samples, asw_cost >= 0 ? (double)asw_c / ops : -1);
    report(delete_name, sd, samples, asw_cost >= 0 ? (double)asw_d / ops : -1);
}

static int op_reread(void)
{
    static char buf[CHUNK];
    for (off_t off = 0; off < MIB; off += CHUNK)
        if (pread(fd_a, buf, CHUNK, off) != CHUNK)
            return fail("read the file");
    return 0;
}

/* --- macro workloads: a program run to completion, timed from fork to its exit --- */

static char macro_path[320];
static char *macro_argv[4];
static int op_macro(void) { return spawn(macro_path, macro_argv); }
static void macro(const char *name, const char *program, const char *script, int samples)
{
    static char script_path[320], arg[32];
    struct bench b = {name, NULL, op_macro, NULL, samples, 1, 1};
    snprintf(arg, sizeof(arg), "%s", quick ? "quick" : "full");
    if (script) {
        snprintf(macro_path, sizeof(macro_path), "/bin/sh");
        snprintf(script_path, sizeof(script_path), "%s/bench/%s", root, script);
        macro_argv[0] = "sh", macro_argv[1] = script_path, macro_argv[2] = arg, macro_argv[3] = NULL;
    } else {
        snprintf(macro_path, sizeof(macro_path), "%s/%s", root, program);
        macro_argv[0] = (char *)program, macro_argv[1] = arg, macro_argv[2] = NULL;
    }
    if (access(script ? script_path : macro_path, R_OK) < 0) {
        fail("%s", script ? script_path : macro_path);
        failed(name);
        return;
    }
    if (quick) { /* run() makes 3 samples in quick mode; a macro workload is long enough with one */
        static uint64_t s[1];
        long long asw0 = asw_now();
        uint64_t t = now();
        if (op_macro() < 0) {
            failed(name);
            return;
        }
        s[0] = now() - t;
        report(name, s, 1, asw_per(asw0, asw_now(), 1));
        return;
    }
    run(&b);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "insn") == 0)
            insn = 1;
        else if (strcmp(argv[i], "quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "micro") == 0)
            micro_only = 1;
        else if (strncmp(argv[i], "root=", 5) == 0)
            snprintf(root, sizeof(root), "%s", argv[i] + 5);
        else {
            fprintf(stderr, "cmpbench: unknown argument '%s' (insn, quick, micro, root=DIR)\n", argv[i]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    asw_calibrate();
    static const struct bench micro[] = {
        {"null_call", NULL, op_null, NULL, 31, 200, 1},
        {"null_read", setup_zero, op_read, close_a, 31, 200, 1},
        {"null_write", setup_null, op_write, close_a, 31, 200, 1},
        {"stat", setup_file, op_stat, remove_file, 31, 100, 1},
        {"open_close", setup_file, op_open_close, remove_file, 31, 100, 1},
        {"sig_install", NULL, op_sig_install, NULL, 31, 200, 1},
        {"sig_deliver", setup_sig, op_sig_deliver, NULL, 31, 100, 1},
        {"pipe_lat", setup_pipe_lat, op_round_trip, teardown_pair, 21, 50, 1},
        {"pipe_bw_64k", setup_pipe_bw, op_pipe_bw, teardown_pair, 21, 10, 1},
        {"unix_lat", setup_unix_lat, op_round_trip, teardown_pair, 21, 50, 1},
        {"ctx_2", setup_ring2, op_ring, teardown_ring, 21, 50, 2},
        {"ctx_16", setup_ring16, op_ring, teardown_ring, 11, 20, 16},
        {"fork_exit", NULL, op_fork_exit, NULL, 11, 10, 1},
        {"fork_execve", NULL, op_fork_execve, NULL, 11, 5, 1},
        {"fork_sh", NULL, op_fork_sh, NULL, 11, 3, 1},
        {"mmap_file_1m", setup_file, op_mmap_file, remove_file, 21, 10, 1},
    };
    for (size_t i = 0; i < sizeof(micro) / sizeof(micro[0]); i++)
        run(&micro[i]);
    page_faults("page_fault_file", 0);
    page_faults("page_fault_anon", 1);
    static const struct bench reread = {"file_reread_1m", setup_file, op_reread, remove_file, 21, 5, 1};
    run(&reread);
    if (!micro_only) {
        macro("shell_workload", NULL, "shell.sh", 3);
        macro("sqlite", "bin/sqlbench", NULL, 3);
        macro("exec_storm", NULL, "storm.sh", 3);
    }
    /* last: many files made and removed (what a file system does not give back stays out of the others) */
    create_delete("file_create_0k", "file_delete_0k", 0);
    create_delete("file_create_10k", "file_delete_10k", 10 << 10);
    printf("cmpbench done\n");
    return 0;
}
