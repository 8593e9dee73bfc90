/*
 * Shared file mappings: mapshared [DIR] makes a file in DIR (default: a new directory in /tmp), maps it
 * MAP_SHARED and checks that the mapping is the file: stores are seen by read(2) and writes by the
 * mapping, two mappings and two processes (a fork's inherited mapping and a mapping of its own) share
 * their stores, msync's flags and errors, truncation, a private mapping made later, mincore, the
 * errors of mapping what cannot be mapped shared, and that the file holds the stores after munmap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
#define SIZE (3 * PG + 100)

static void expect(const char *what, long r, int err)
{
    printf("%s: %s\n", what, r >= 0 ? "succeeded" : errno == err ? "expected errno" : strerror(errno));
}

static uint32_t sum(const unsigned char *p, size_t n)
{
    uint32_t s = 0;

    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

static uint32_t file_sum(int fd, size_t n)
{
    static unsigned char buf[4 * PG];
    size_t got = 0;
    ssize_t k;

    while (got < n && (k = pread(fd, buf + got, n - got, (off_t)got)) > 0)
        got += (size_t)k;
    return got == n ? sum(buf, n) : 0;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/mapsharedXXXXXX", path[256];
    const char *where = argc > 1 ? argv[1] : mkdtemp(dir);
    unsigned char pattern[SIZE], c;

    if (!where) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/shared.bin", where);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < SIZE; i++)
        pattern[i] = (unsigned char)(i * 7 + i / 251);
    if (fd < 0 || write(fd, pattern, SIZE) != SIZE) {
        perror("mapshared: the file");
        return 1;
    }
    unsigned char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        perror("mapshared: mmap");
        return 1;
    }
    printf("mapped equals file: %d\n", sum(m, SIZE) == sum(pattern, SIZE));

    /* the mapping is the file: a store is read back, a write is seen */
    memcpy(m + 10, "stored", 6);
    char back[8] = {0};
    printf("pread sees the store: %d\n", pread(fd, back, 6, 10) == 6 && memcmp(back, "stored", 6) == 0);
    printf("pwrite: %zd\n", pwrite(fd, "written", 7, PG + 5));
    printf("the mapping sees the write: %d\n", memcmp(m + PG + 5, "written", 7) == 0);

    /* a second mapping of the same file, at another address: the same pages */
    unsigned char *m2 = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
    printf("second mapping: %d\n", m2 != MAP_FAILED);
    m2[PG + 1] = 'Z';
    printf("seen through the first: %c\n", m[2 * PG + 1]);

    /* a child stores through the mapping it inherited and through one of its own, and sees the parent's */
    int up[2], down[2];
    if (pipe(up) < 0 || pipe(down) < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        m[20] = 'C';
        int cfd = open(path, O_RDWR);
        unsigned char *own = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 2 * PG);
        if (own == MAP_FAILED)
            _exit(2);
        own[50] = 'O';
        if (write(up[1], "x", 1) != 1 || read(down[0], &c, 1) != 1) /* the parent stores meanwhile */
            _exit(3);
        _exit(own[60] == 'P' ? 0 : 4); /* ends without msync or munmap */
    }
    if (read(up[0], &c, 1) != 1)
        return 1;
    printf("the child's stores: %c %c\n", m[20], m[2 * PG + 50]);
    m[2 * PG + 60] = 'P';
    if (write(down[1], "x", 1) != 1)
        return 1;
    int st;
    waitpid(pid, &st, 0);
    printf("the child saw the parent's store: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("read sees the child's stores: ");
    printf("%d\n", pread(fd, back, 1, 2 * PG + 50) == 1 && back[0] == 'O');

    /* msync: its flags and errors */
    expect("msync MS_SYNC", msync(m, SIZE, MS_SYNC), 0);
    expect("msync MS_ASYNC", msync(m, PG, MS_ASYNC), 0);
    expect("msync MS_INVALIDATE", msync(m + PG, PG, MS_INVALIDATE), 0);
    expect("msync both", msync(m, PG, MS_SYNC | MS_ASYNC), EINVAL);
    expect("msync unaligned", msync(m + 1, PG, MS_SYNC), EINVAL);
    expect("msync bad flag", msync(m, PG, 64), EINVAL);
    unsigned char *hole = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole + PG, PG);
    expect("msync unmapped", msync(hole, 3 * PG, MS_SYNC), ENOMEM);
    expect("msync anonymous", msync(hole, PG, MS_SYNC), 0);

    /* mincore: a file's mapped pages are in memory; an anonymous page only once touched */
    unsigned char vec[4] = {9, 9, 9, 9};
    expect("mincore", mincore(m, SIZE, vec), 0);
    printf("file pages in memory: %d %d %d %d\n", vec[0], vec[1], vec[2], vec[3]);
    unsigned char *anon = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    anon[PG] = 1;
    expect("mincore anonymous", mincore(anon, 2 * PG, vec), 0);
    printf("anonymous pages: %d %d\n", vec[0], vec[1]);
    expect("mincore unaligned", mincore(anon + 1, PG, vec), EINVAL);
    expect("mincore unmapped", mincore(hole, 3 * PG, vec), ENOMEM);

    /* a private mapping made now reads what the shared one stored */
    unsigned char *priv = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("private mapping sees the stores: %d\n", priv != MAP_FAILED && memcmp(priv + 10, "stored", 6) == 0 &&
                                                        priv[20] == 'C' && priv[2 * PG + 1] == 'Z');

    /* truncation: the bytes cut off read as zeros when the file grows again */
    printf("ftruncate: %d\n", ftruncate(fd, PG + 100));
    printf("tail zeroed in the mapping: %d\n", m[PG + 100] == 0 && m[PG + 99] == pattern[PG + 99]);
    printf("ftruncate back: %d\n", ftruncate(fd, SIZE));
    memset(m + PG + 100, 'T', 8);
    printf("pread after growing: %d\n", pread(fd, back, 8, PG + 100) == 8 && memcmp(back, "TTTTTTTT", 8) == 0);

    /* what cannot be mapped shared */
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    expect("read-only file, PROT_WRITE", (long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
    expect("write-only file", (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0), EACCES);
    unsigned char *rm = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    printf("read-only file, PROT_READ: %d %c\n", rm != MAP_FAILED, rm != MAP_FAILED ? rm[10] : '?');
    expect("mprotect PROT_WRITE of it", mprotect(rm, PG, PROT_READ | PROT_WRITE), EACCES);
    expect("unaligned offset", (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL);
    expect("a pipe", (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, up[0], 0), ENODEV);
    int dfd = open(where, O_RDONLY);
    expect("a directory", (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, dfd, 0), ENODEV);
    expect("a closed descriptor", (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, 1000, 0), EBADF);
    int zfd = open("/dev/zero", O_RDWR);
    unsigned char *z = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, zfd, 0);
    printf("/dev/zero shared: %d %d\n", z != MAP_FAILED, z != MAP_FAILED ? z[100] : -1);
    if (z != MAP_FAILED && (pid = fork()) == 0) {
        z[100] = 42;
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("its child's store: %d\n", z != MAP_FAILED ? z[100] : -1);

    /* after munmap and close the file holds every store */
    memcpy(m + 3 * PG + 90, "end", 3);
    expect("munmap", munmap(m, SIZE), 0);
    expect("munmap second", munmap(m2, 2 * PG), 0);
    memcpy(pattern + 10, "stored", 6);
    memcpy(pattern + PG + 5, "written", 7);
    pattern[2 * PG + 1] = 'Z', pattern[20] = 'C', pattern[2 * PG + 50] = 'O', pattern[2 * PG + 60] = 'P';
    memset(pattern + PG + 100, 0, SIZE - PG - 100);
    memset(pattern + PG + 100, 'T', 8);
    memcpy(pattern + 3 * PG + 90, "end", 3);
    close(fd);
    fd = open(path, O_RDONLY);
    printf("the file after munmap: %d\n", file_sum(fd, SIZE) == sum(pattern, SIZE));
    close(fd);
    if (argc <= 1) {
        unlink(path);
        rmdir(where);
    }
    return 0;
}
