/*
 * /proc/self/fd and /dev/fd (links to open files; opening one reopens that file or pipe), /proc/self/maps,
 * memfd_create and its seals, fallocate, copy_file_range, getcpu and the CPU affinity calls.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08 /* (musl's headers lack it) */
#endif

static const char *err(long r) { return r < 0 ? strerror(errno) : "ok"; }

static void link_of(const char *label, int fd)
{
    char path[64], target[256];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n < 0) {
        printf("%s: %s\n", label, strerror(errno));
        return;
    }
    target[n] = 0;
    char *bracket = strchr(target, '[');
    if (bracket && strncmp(target, "pipe:", 5) == 0)
        strcpy(bracket, "[N]"); /* the number differs between systems */
    printf("%s: %s\n", label, target);
}

static void fds(void)
{
    int p[2];
    pipe(p);
    int ev = eventfd(0, 0);
    int f = open("/tmp/lx-procfd-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(f, "hello, world\n", 13);
    link_of("pipe read end", p[0]);
    link_of("pipe write end", p[1]);
    link_of("eventfd", ev);
    link_of("file", f);
    struct stat st;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
    lstat(path, &st);
    printf("lstat: link %d, mode %o\n", S_ISLNK(st.st_mode), st.st_mode & 0777);
    stat(path, &st);
    printf("stat follows: fifo %d\n", S_ISFIFO(st.st_mode));
    snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
    stat(path, &st);
    printf("stat of the file's link: regular %d size %lld\n", S_ISREG(st.st_mode), (long long)st.st_size);

    /* a listing has every open descriptor */
    DIR *d = opendir("/proc/self/fd");
    int seen = 0, count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        count++;
        seen += atoi(e->d_name) == p[0] || atoi(e->d_name) == p[1] || atoi(e->d_name) == ev || atoi(e->d_name) == f;
        if (e->d_type != DT_LNK)
            printf("%s is not a link\n", e->d_name);
    }
    closedir(d);
    printf("listing: ours %d, at least 7 %d\n", seen, count >= 7);

    /* /dev/fd/N of a pipe is the same pipe */
    snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
    int w = open(path, O_WRONLY);
    write(w, "through /dev/fd\n", 16);
    close(w);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
    int rd = open(path, O_RDONLY);
    char buf[64] = {0};
    read(rd, buf, sizeof(buf) - 1);
    printf("read: %s", buf);
    close(p[1]);
    close(rd);
    printf("writer gone: read %zd\n", read(p[0], buf, sizeof(buf)));

    /* a reopened file has its own offset */
    snprintf(path, sizeof(path), "/dev/fd/%d", f);
    int g = open(path, O_RDONLY);
    memset(buf, 0, sizeof(buf));
    printf("offset of the original %lld, of the reopened %lld\n", (long long)lseek(f, 0, SEEK_CUR),
           (long long)lseek(g, 0, SEEK_CUR));
    read(g, buf, 5);
    printf("reopened reads: %s\n", buf);
    close(g);
    unlink("/tmp/lx-procfd-file");
    link_of("removed file", f);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", f);
    g = open(path, O_RDONLY);
    memset(buf, 0, sizeof(buf));
    read(g, buf, 5);
    printf("a removed file reopens: %s\n", buf);
    close(g);

    snprintf(path, sizeof(path), "/proc/self/fd/%d", 900);
    printf("a closed descriptor: %s\n", err(open(path, O_RDONLY)));
    printf("O_NOFOLLOW on the link: %s\n", err(open("/dev/fd/0", O_RDONLY | O_NOFOLLOW)));
    char t[64] = {0};
    readlink("/dev/stdout", t, sizeof(t) - 1);
    printf("/dev/stdout -> %s\n", t);
    memset(t, 0, sizeof(t));
    readlink("/dev/fd", t, sizeof(t) - 1);
    printf("/dev/fd -> %s\n", t);
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", getpid(), ev);
    printf("/proc/<pid>/fd too: %s\n", err(access(path, F_OK)));
    close(ev), close(f), close(p[0]);
}

static void maps(void)
{
    char *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char want[64], line[512];
    void *heap = malloc(100);
    snprintf(want, sizeof(want), "%lx-%lx r--p 00000000 00:00 0 \n", (unsigned long)m, (unsigned long)(m + 3 * 4096));
    FILE *f = fopen("/proc/self/maps", "r");
    int found = 0, stack = 0, shared = 0, exe = 0, heaps = 0;
    while (fgets(line, sizeof(line), f)) {
        found += strcmp(line, want) == 0;
        stack += strstr(line, " [stack]\n") != NULL && strstr(line, " rw-p ");
        heaps += strstr(line, " [heap]\n") != NULL;
        shared += strncmp(line + strcspn(line, " "), " rw-s ", 6) == 0 && (unsigned long)s == strtoul(line, NULL, 16);
        exe += strstr(line, "/procfd-") != NULL && (line[strlen(line) - 2] != ' ');
        if (strlen(line) > 73 && line[strlen(line) - 1] == '\n' && strchr(line, '/') &&
            strchr(line, '/') - line != 73)
            printf("a path not at column 73: %s", line);
    }
    fclose(f);
    printf("maps: our mapping %d, [stack] %d, [heap] %d, shared %d, the program %d\n", found, stack, heaps >= 1,
           shared, exe >= 2);
    free(heap);
}

static void memfd(void)
{
    int fd = memfd_create("lx-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    char buf[32] = {0};
    struct stat st;

    printf("memfd: %s, cloexec %d\n", err(fd), fcntl(fd, F_GETFD) & FD_CLOEXEC);
    link_of("memfd link", fd);
    write(fd, "sealed bytes", 12);
    pread(fd, buf, 12, 0);
    fstat(fd, &st);
    printf("memfd holds: %s, size %lld, mode %o\n", buf, (long long)st.st_size, st.st_mode & 0777);
    printf("seals: %d\n", fcntl(fd, F_GET_SEALS));
    printf("add grow: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
    printf("write past the end: %s\n", err(pwrite(fd, "x", 1, 12)));
    printf("write inside: %s\n", err(pwrite(fd, "S", 1, 0)));
    printf("grow with ftruncate: %s", err(ftruncate(fd, 100)));
    printf(", shrink: %s\n", err(ftruncate(fd, 6)));
    printf("add write and seal: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL)));
    printf("write now: %s\n", err(pwrite(fd, "x", 1, 0)));
    printf("more seals: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)));
    printf("seals now: %#x\n", fcntl(fd, F_GET_SEALS));
    close(fd);
    fd = memfd_create("plain", 0);
    printf("without sealing: seals %d, add: %s\n", fcntl(fd, F_GET_SEALS), err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    printf("long name: %s\n", err(memfd_create(longname, 0)));
    printf("bad flags: %s\n", err(memfd_create("x", 0x1000)));
    printf("bad name pointer: %s\n", err(memfd_create((const char *)8, 0)));

    /* fallocate on memory files */
    printf("fallocate: %s", err(fallocate(fd, 0, 0, 8192)));
    fstat(fd, &st);
    printf(", size %lld\n", (long long)st.st_size);
    printf("keep size: %s", err(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192)));
    fstat(fd, &st);
    printf(", size %lld\n", (long long)st.st_size);
    pwrite(fd, "abcdefgh", 8, 100);
    printf("punch: %s", err(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 102, 4)));
    memset(buf, 0, sizeof(buf));
    pread(fd, buf, 8, 100);
    printf(", bytes %c%c%d%d%d%d%c%c\n", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]);
    printf("punch without keep size: %s\n", err(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1)));
    printf("collapse range: %s\n", err(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096)) );
    printf("zero length: %s, negative offset: %s\n", err(fallocate(fd, 0, 0, 0)), err(fallocate(fd, 0, -1, 10)));
    int p[2];
    pipe(p);
    printf("on a pipe: %s, bad fd: %s\n", err(fallocate(p[1], 0, 0, 10)), err(fallocate(999, 0, 0, 10)));
    int ro = open("/proc/self/maps", O_RDONLY);
    printf("read-only descriptor: %s\n", err(fallocate(ro, 0, 0, 10)));
    close(ro);

    /* copy_file_range between two memory files */
    int to = memfd_create("copy", 0);
    loff_t in = 100, out = 3;
    ssize_t n = copy_file_range(fd, &in, to, &out, 8, 0);
    memset(buf, 0, sizeof(buf));
    pread(to, buf, 11, 0);
    printf("copied %zd, offsets %lld %lld, bytes %d%d%d%c%c\n", n, (long long)in, (long long)out, buf[0], buf[1],
           buf[2], buf[3], buf[4]);
    lseek(fd, 104, SEEK_SET);
    n = copy_file_range(fd, NULL, to, NULL, 100, 0);
    printf("from the offsets: %zd, now at %lld and %lld\n", n, (long long)lseek(fd, 0, SEEK_CUR),
           (long long)lseek(to, 0, SEEK_CUR));
    in = 8192 + 10;
    printf("at the end: %zd\n", copy_file_range(fd, &in, to, NULL, 10, 0));
    printf("flags: %s, pipe: %s\n", err(copy_file_range(fd, NULL, to, NULL, 1, 1)),
           err(copy_file_range(p[0], NULL, to, NULL, 1, 0)));
    in = 0, out = 2;
    printf("overlapping in one file: %s\n", err(copy_file_range(fd, &in, fd, &out, 10, 0)));
    printf("bad pointer: %s\n", err(copy_file_range(fd, (loff_t *)8, to, NULL, 1, 0)));
    close(fd), close(to), close(p[0]), close(p[1]);
}

static void cpus(void)
{
    unsigned cpu = 99, node = 99;
    long r = syscall(SYS_getcpu, &cpu, &node, NULL);
    printf("getcpu: %s, cpu known %d, node %u\n", err(r), cpu < 4096, node);
    unsigned long mask[4] = {0};
    long n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    printf("sched_getaffinity: whole longs %d, cpu 0 in it %lu\n", n >= 8 && n % 8 == 0, mask[0] & 1);
    printf("too small: %s, not a whole long: %s\n", err(syscall(SYS_sched_getaffinity, 0, 0, mask)),
           err(syscall(SYS_sched_getaffinity, 0, 12, mask)));
    printf("no such process: %s, bad pointer: %s\n", err(syscall(SYS_sched_getaffinity, 999999, 8, mask)),
           err(syscall(SYS_sched_getaffinity, 0, 8, (void *)8)));
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    printf("setaffinity to cpu 0: %s\n", err(sched_setaffinity(0, sizeof(set), &set)));
    CPU_ZERO(&set);
    printf("to no cpu: %s\n", err(sched_setaffinity(0, sizeof(set), &set)));
    r = sched_getaffinity(0, sizeof(set), &set);
    printf("getaffinity after: %s, cpu 0 in it %d\n", err(r), CPU_ISSET(0, &set) != 0);
}

/* prlimit64 on the caller and on another process (root may), getrusage's who values. */
static void limits(void)
{
    struct rlimit old, lim = {.rlim_cur = 300, .rlim_max = 400};
    int go[2], back[2];
    pipe(go), pipe(back);
    pid_t child = fork();
    if (child == 0) {
        char c;
        read(go[0], &c, 1);
        getrlimit(RLIMIT_NOFILE, &old);
        printf("the child's limit, set by its parent: %lu %lu\n", (unsigned long)old.rlim_cur, (unsigned long)old.rlim_max);
        _exit(0);
    }
    printf("prlimit on a child: %s\n", err(prlimit(child, RLIMIT_NOFILE, &lim, &old)));
    printf("its old limit told back: %d\n", old.rlim_cur > 0 && old.rlim_cur <= old.rlim_max);
    write(go[1], "x", 1);
    waitpid(child, NULL, 0);
    printf("on no process: %s\n", err(prlimit(999999, RLIMIT_NOFILE, NULL, &old)));
    printf("a resource past the last: %s\n", err(prlimit(0, 16, NULL, &old)));
    lim.rlim_cur = 500;
    printf("soft above hard: %s\n", err(prlimit(0, RLIMIT_CORE, &lim, NULL)));
    printf("bad pointer: %s\n", err(prlimit(0, RLIMIT_CORE, NULL, (struct rlimit *)8)));
    for (int r = 0; r < 16; r++) { /* every limit can be read, and set to what it is */
        if (prlimit(getpid(), r, NULL, &old) < 0 || prlimit(0, r, &old, NULL) < 0)
            printf("limit %d: %s\n", r, strerror(errno));
    }
    struct rusage ru;
    printf("getrusage self %s, children %s, thread %s, bad who %s, bad pointer %s\n",
           err(getrusage(RUSAGE_SELF, &ru)), err(getrusage(RUSAGE_CHILDREN, &ru)), err(getrusage(RUSAGE_THREAD, &ru)),
           err(getrusage(7, &ru)), err(getrusage(RUSAGE_SELF, (struct rusage *)8)));
    close(go[0]), close(go[1]), close(back[0]), close(back[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    fds();
    maps();
    memfd();
    cpus();
    limits();
    return 0;
}
