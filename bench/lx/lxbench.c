/*
 * bench lx: one static Linux program, run natively and under lx (tools/proteus bench lx). Each
 * operation is timed alone and repeated; the median and the minimum are printed as
 *   bench lx.<name> median=<n> min=<n> unit=<ns|insn> n=<iterations>
 * With the argument "insn" the time is rdtsc, which counts guest instructions under QEMU's -icount. With
 * "quick" each operation runs a few times only (the test suite's check that every line still comes).
 * "stat PATH" times stat(2) of PATH alone (bench lx's disk figures: a deep path on lx's ext2 root).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int insn, quick;

/* n iterations, or a few with "quick" */
static int iters(int n) { return quick ? (n < 3 ? n : 3) : n; }

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

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *s, int n)
{
    qsort(s, (size_t)n, sizeof(s[0]), cmp);
    printf("bench lx.%s median=%llu min=%llu unit=%s n=%d\n", name, (unsigned long long)s[n / 2],
           (unsigned long long)s[0], insn ? "insn" : "ns", n);
    fflush(stdout);
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    static uint64_t s[2000];
    if (argc == 3 && strcmp(argv[1], "stat") == 0) { /* stat of one path, 2,000 times */
        struct stat st;
        for (int i = 0; i < 2000; i++) {
            uint64_t t = now();
            if (stat(argv[2], &st) < 0)
                die(argv[2]);
            s[i] = now() - t;
        }
        report("stat_path", s, 2000);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "insn") == 0)
            insn = 1;
        else if (strcmp(argv[i], "quick") == 0)
            quick = 1;
        else {
            fprintf(stderr, "lxbench: unknown argument '%s' (insn, quick)\n", argv[i]);
            return 2;
        }
    }

    int n = iters(2000);
    for (int i = 0; i < n; i++) { /* the null system call */
        uint64_t t = now();
        syscall(SYS_getppid);
        s[i] = now() - t;
    }
    report("null_syscall", s, n);

    int up[2], down[2];
    if (pipe(up) || pipe(down))
        die("pipe");
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) { /* echo each byte back until the pipe closes */
        char c;
        close(down[1]); /* else the pipe never ends for it */
        close(up[0]);
        while (read(down[0], &c, 1) == 1)
            if (write(up[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    n = iters(500);
    for (int i = 0; i < n; i++) {
        char c = 'x';
        uint64_t t = now();
        if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1)
            die("pipe round trip");
        s[i] = now() - t;
    }
    close(down[1]);
    waitpid(child, NULL, 0);
    report("pipe_round_trip", s, n);

    n = iters(40);
    for (int i = 0; i < n; i++) {
        uint64_t t = now();
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        if (c < 0 || waitpid(c, NULL, 0) != c)
            die("fork");
        s[i] = now() - t;
    }
    report("fork_exit_wait", s, n);

    n = iters(20);
    for (int i = 0; i < n; i++) {
        uint64_t t = now();
        pid_t c = fork();
        if (c == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int status;
        if (c < 0 || waitpid(c, &status, 0) != c || status != 0)
            die("fork and execve /bin/true");
        s[i] = now() - t;
    }
    report("fork_execve_wait", s, n);

    enum { PAGES = 1024 };
    n = iters(8);
    for (int round = 0; round < n; round++) { /* per page: mapping 4 MiB and touching each page once */
        uint64_t t = now();
        volatile char *m = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            die("mmap");
        for (int i = 0; i < PAGES; i++)
            m[i * 4096] = 1;
        s[round] = (now() - t) / PAGES;
        munmap((void *)m, PAGES * 4096);
    }
    report("first_touch_page", s, n);

    char path[] = "/tmp/lxbench.XXXXXX", buf[4096], back[4096];
    int fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp");
    memset(buf, 'b', sizeof(buf));
    n = iters(500);
    for (int i = 0; i < n; i++) {
        uint64_t t = now();
        if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || pread(fd, back, sizeof(back), 0) != (ssize_t)sizeof(back))
            die("4 KiB write and read");
        s[i] = now() - t;
    }
    close(fd);
    unlink(path);
    report("file_write_read_4k", s, n);
    return 0;
}
