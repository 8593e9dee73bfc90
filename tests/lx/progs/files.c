/* Files on a read-only tree: open, read, seek, stat, directories, links, and the errors each one gives. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void expect_errno(const char *what, long r, int err)
{
    printf("%s: %s\n", what, r >= 0 ? "succeeded" : errno == err ? "expected errno" : strerror(errno));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    int fd = open("data/lines.txt", O_RDONLY);
    if (fd < 0) {
        perror("open data/lines.txt");
        return 1;
    }
    struct stat st;
    fstat(fd, &st);
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    unsigned sum = 0;
    for (ssize_t i = 0; i < n; i++)
        sum = sum * 31 + (unsigned char)buf[i];
    printf("read %zd sum %08x\n", n, sum);
    printf("read at end %zd\n", read(fd, buf, sizeof buf));
    printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek 10 %lld\n", (long long)lseek(fd, 10, SEEK_SET));
    n = read(fd, buf, 12);
    printf("after seek: %.*s\n", (int)n, buf);
    printf("pread %zd: %.5s\n", pread(fd, buf, 5, 0), buf);
    char a[4], b[6];
    struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
    lseek(fd, 0, SEEK_SET);
    printf("readv %zd: %.4s|%.6s\n", readv(fd, iov, 2), a, b);
    int fd2 = dup(fd);
    printf("dup shares offset %lld\n", (long long)lseek(fd2, 0, SEEK_CUR));
    close(fd2);
    expect_errno("lseek negative", lseek(fd, -1, SEEK_SET), EINVAL);
    expect_errno("write to O_RDONLY", write(fd, "x", 1), EBADF);
    close(fd);
    expect_errno("read closed fd", read(fd, buf, 1), EBADF);
    expect_errno("close closed fd", close(fd), EBADF);
    expect_errno("open missing", open("data/missing", O_RDONLY), ENOENT);
    expect_errno("open missing dir", open("data/nodir/x", O_RDONLY), ENOENT);
    expect_errno("open file as dir", open("data/lines.txt/x", O_RDONLY), ENOTDIR);
    expect_errno("stat bad pointer", stat((const char *)8, &st), EFAULT);

    struct stat ls;
    printf("lstat link is link %d\n", lstat("data/link", &ls) == 0 && S_ISLNK(ls.st_mode));
    printf("stat link is regular %d\n", stat("data/link", &ls) == 0 && S_ISREG(ls.st_mode));
    n = readlink("data/link", buf, sizeof buf);
    printf("readlink %.*s\n", (int)(n > 0 ? n : 0), buf);

    DIR *d = opendir("data/dir");
    if (!d) {
        perror("opendir");
        return 1;
    }
    char *names[64];
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) && count < 64;)
        names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, count, sizeof names[0], by_name);
    for (int i = 0; i < count; i++)
        printf("entry %s\n", names[i]);
    int dfd = open("data/dir", O_RDONLY | O_DIRECTORY);
    expect_errno("read a directory", read(dfd, buf, 1), EISDIR);
    close(dfd);
    printf("chdir %d\n", chdir("data/dir"));
    printf("relative after chdir %d\n", access("a", F_OK));
    printf("getcwd ends %s\n", strrchr(getcwd(buf, sizeof buf), '/'));
    return 0;
}
