/* System-call arguments that are wrong: each gets the errno Linux gives, and the process goes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, long r, int err)
{
    printf("%-28s %s\n", what, r == -1 && errno == err ? "ok" : r == -1 ? strerror(errno) : "no error");
    errno = 0;
}

int main(void)
{
    char buf[16];
    int file = open("data/lines.txt", O_RDONLY);
    check("read bad fd", syscall(SYS_read, 999, buf, 1), EBADF);
    check("write negative fd", syscall(SYS_write, -5, buf, 1), EBADF);
    check("write bad buffer", syscall(SYS_write, 1, (void *)16, 4), EFAULT);
    check("read into bad buffer", syscall(SYS_read, file, (void *)16, 4), EFAULT);
    check("open bad path pointer", syscall(SYS_open, (void *)16, O_RDONLY), EFAULT);
    check("open empty path", syscall(SYS_open, "", O_RDONLY), ENOENT);
    check("unknown system call", syscall(1000), ENOSYS);
    check("nanosleep bad timespec", syscall(SYS_nanosleep, (void *)16, NULL), EFAULT);
    struct timespec bad = {0, 2000000000};
    check("nanosleep bad nsec", syscall(SYS_nanosleep, &bad, NULL), EINVAL);
    check("clock_gettime bad clock", syscall(SYS_clock_gettime, 12345, buf), EINVAL);
    check("fstat bad fd", syscall(SYS_fstat, 77, buf), EBADF);
    check("dup2 bad fd", syscall(SYS_dup2, 77, 3), EBADF);
    check("lseek bad whence", syscall(SYS_lseek, file, 0, 42), EINVAL);
    check("fcntl bad fd", syscall(SYS_fcntl, 77, F_GETFD), EBADF);
    check("mmap neither private nor shared", syscall(SYS_mmap, 0, 4096, 3, 0x20, -1, 0), EINVAL);
    check("mmap of a bad fd", syscall(SYS_mmap, 0, 4096, 1, 2, 77, 0), EBADF);
    check("lseek to before the start", syscall(SYS_lseek, file, (long)-5, SEEK_SET), EINVAL);
    check("getdents on a file", syscall(SYS_getdents64, file, buf, sizeof buf), ENOTDIR);
    printf("after all that, write still works\n");
    return 0;
}
