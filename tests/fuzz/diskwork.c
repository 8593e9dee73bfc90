/*
 * The file work of the server-kill injection (servers.py): a static Linux program run under lx with its
 * root on ext2, while the disk server is crashed and restarted under it. It appends numbered records to
 * DIR/log, each made durable by fsync before it prints "diskwork: acked N"; every tenth record it also
 * writes a file, fsyncs it, renames it over the previous one and syncs the directory (metadata on the
 * disk). It stops after SECONDS of its clock with "diskwork: done N". A record is "rec NNNNNNNN HHHHHHHH",
 * blanks and a newline (32 bytes), H a hash of N, so the host can check every acknowledged record on the
 * disk afterwards. If DIR/log exists it must hold only whole, consecutive records; the work goes on from
 * the next number.
 *
 * Usage: diskwork DIR SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD 32

static unsigned hash(unsigned n)
{
    n ^= n >> 16;
    n *= 0x7feb352du;
    n ^= n >> 15;
    n *= 0x846ca68bu;
    return n ^ (n >> 16);
}

static void record(char *buf, unsigned n) { snprintf(buf, RECORD + 1, "rec %08u %08x%10s\n", n, hash(n), ""); }

static void die(const char *what, const char *path)
{
    fprintf(stderr, "diskwork: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The records already in the log: all must be whole and in order. */
static unsigned existing(const char *log)
{
    char want[RECORD + 1], got[RECORD];
    unsigned n = 0;
    ssize_t r;
    int fd = open(log, O_RDONLY);

    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0)
        die("cannot open", log);
    while ((r = read(fd, got, RECORD)) == RECORD) {
        record(want, n);
        if (memcmp(want, got, RECORD) != 0) {
            fprintf(stderr, "diskwork: %s: record %u is wrong\n", log, n);
            exit(1);
        }
        n++;
    }
    if (r != 0) {
        fprintf(stderr, "diskwork: %s: %s after record %u\n", log, r < 0 ? strerror(errno) : "a torn record", n);
        exit(1);
    }
    close(fd);
    return n;
}

static void write_all(int fd, const char *buf, size_t len, const char *path)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0)
            die("cannot write", path);
        buf += w;
        len -= (size_t)w;
    }
}

static void churn(const char *dir, unsigned n)
{
    char tmp[256], final[256], block[4096];
    int fd;

    snprintf(tmp, sizeof(tmp), "%s/next", dir);
    snprintf(final, sizeof(final), "%s/file", dir);
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] = (char)('a' + (n + i) % 26);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        die("cannot create", tmp);
    for (int i = 0; i < 4; i++)
        write_all(fd, block, sizeof(block), tmp);
    if (fsync(fd) < 0 || close(fd) < 0)
        die("cannot fsync", tmp);
    if (rename(tmp, final) < 0)
        die("cannot rename", tmp);
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0 || fsync(fd) < 0 || close(fd) < 0)
        die("cannot fsync", dir);
    printf("diskwork: file %u\n", n);
}

int main(int argc, char **argv)
{
    char log[256], buf[RECORD + 1];
    unsigned n;
    double end;
    int fd;

    if (argc != 3) {
        fprintf(stderr, "usage: diskwork DIR SECONDS\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    end = now() + atof(argv[2]);
    if (mkdir(argv[1], 0755) < 0 && errno != EEXIST)
        die("cannot make", argv[1]);
    snprintf(log, sizeof(log), "%s/log", argv[1]);
    n = existing(log);
    printf("diskwork: from %u\n", n);
    if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
        die("cannot open", log);
    for (; now() < end; n++) {
        record(buf, n);
        write_all(fd, buf, RECORD, log);
        if (fsync(fd) < 0)
            die("cannot fsync", log);
        printf("diskwork: acked %u\n", n);
        if (n % 10 == 9)
            churn(argv[1], n);
    }
    if (close(fd) < 0)
        die("cannot close", log);
    printf("diskwork: done %u\n", n);
    return 0;
}
