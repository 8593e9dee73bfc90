/*
 * eventfd and pipe2's flags, as man 2 eventfd and man 2 pipe say: the counter (added to, read and
 * reset, or taken one at a time with EFD_SEMAPHORE), its limits (EINVAL for a short buffer and for
 * 0xffffffffffffffff, EAGAIN past 0xfffffffffffffffe), its flags (O_NONBLOCK, FD_CLOEXEC, bad flags),
 * EFAULT for bad pointers, poll's view of it, and a reader blocked until another process writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile bad = (void *)8; /* an address nothing is mapped at (volatile: not seen through) */

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "ok" : "FAILED"); }

static short revents(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};

    return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

int main(void)
{
    uint64_t v = 0;
    int fd = eventfd(0, EFD_NONBLOCK);

    setvbuf(stdout, NULL, _IONBF, 0);
    check("eventfd", fd >= 0);
    check("empty: EAGAIN", read(fd, &v, 8) < 0 && errno == EAGAIN);
    check("empty: POLLOUT only", revents(fd) == POLLOUT);
    check("write 5", write(fd, &(uint64_t){5}, 8) == 8);
    check("write 3", write(fd, &(uint64_t){3}, 8) == 8);
    check("POLLIN and POLLOUT", revents(fd) == (POLLIN | POLLOUT));
    check("read gives the sum", read(fd, &v, 8) == 8 && v == 8);
    check("and resets it", read(fd, &v, 8) < 0 && errno == EAGAIN);
    check("a short read: EINVAL", write(fd, &(uint64_t){1}, 8) == 8 && read(fd, &v, 4) < 0 && errno == EINVAL);
    check("a short write: EINVAL", write(fd, &v, 7) < 0 && errno == EINVAL);
    check("a larger buffer reads 8", read(fd, (char[16]){0}, 16) == 8);
    check("all ones: EINVAL", write(fd, &(uint64_t){UINT64_MAX}, 8) < 0 && errno == EINVAL);
    check("to the most", write(fd, &(uint64_t){UINT64_MAX - 1}, 8) == 8);
    check("full: POLLIN only", revents(fd) == POLLIN);
    check("past it: EAGAIN", write(fd, &(uint64_t){1}, 8) < 0 && errno == EAGAIN);
    check("zero is fine when full", write(fd, &(uint64_t){0}, 8) == 8);
    check("bad read pointer: EFAULT", read(fd, bad, 8) < 0 && errno == EFAULT);
    check("bad write pointer: EFAULT", write(fd, bad, 8) < 0 && errno == EFAULT);
    check("O_NONBLOCK in F_GETFL", (fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE)) == (O_NONBLOCK | O_RDWR));
    check("no FD_CLOEXEC", fcntl(fd, F_GETFD) == 0);
    close(fd);

    fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
    check("semaphore with FD_CLOEXEC", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    int ones = 0;
    while (read(fd, &v, 8) == 8 && v == 1)
        ones++;
    check("three reads of 1, then EAGAIN", ones == 3 && errno == EAGAIN);
    close(fd);
    check("bad flags: EINVAL", syscall(SYS_eventfd2, 0, 0x40) < 0 && errno == EINVAL);
    check("eventfd (284) too", (fd = syscall(SYS_eventfd, 7)) >= 0 && read(fd, &v, 8) == 8 && v == 7);
    close(fd);

    fd = eventfd(0, 0); /* blocking: the reader waits until the child writes */
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        _exit(write(fd, &(uint64_t){42}, 8) == 8 ? 0 : 1);
    }
    check("a blocked read gets the other process's write", read(fd, &v, 8) == 8 && v == 42);
    int st;
    check("the child wrote", waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(fd);

    int p[2];
    check("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
                                            (fcntl(p[1], F_GETFL) & O_NONBLOCK) &&
                                            read(p[0], &v, 1) < 0 && errno == EAGAIN);
    close(p[0]), close(p[1]);
    check("pipe2 bad flags: EINVAL", pipe2(p, 0x1) < 0 && errno == EINVAL);
    check("pipe2 bad pointer: EFAULT", pipe2(bad, 0) < 0 && errno == EFAULT);
    return 0;
}
