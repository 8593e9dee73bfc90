/* File locks: flock and fcntl's record locks (POSIX and OFD), between processes, as man 2 says. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[] = "/tmp/lx-locks-XXXXXX";

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl) < 0 ? -errno : 0;
}

/* What F_GETLK says a lock of type over [start, start+len) would meet: "type start len by-other". */
static void getlk(const char *label, int fd, short type, off_t start, off_t len, pid_t other)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, F_GETLK, &fl) < 0) {
        printf("%s: F_GETLK %s\n", label, strerror(errno));
        return;
    }
    if (fl.l_type == F_UNLCK)
        printf("%s: free\n", label);
    else
        printf("%s: %s %lld %lld %s\n", label, fl.l_type == F_RDLCK ? "read" : "write", (long long)fl.l_start,
               (long long)fl.l_len, fl.l_pid == other ? "by the other" : "by someone else");
}

/* A child that runs fn and exits; the parent waits for its status. */
static int in_child(int (*fn)(int), int arg)
{
    int st;
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int try_write_lock(int range) /* the exit status says: 0 taken, 1 EAGAIN, 2 other */
{
    int fd = open(path, O_RDWR);
    int e = lk(fd, F_SETLK, F_WRLCK, range * 10, 10);
    return e == 0 ? 0 : e == -EAGAIN || e == -EACCES ? 1 : 2;
}

static int try_flock(int how)
{
    int fd = open(path, O_RDWR);
    return flock(fd, how | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 1 : 2;
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    int fd = mkstemp(path), e;
    pid_t me = getpid();
    if (fd < 0 || write(fd, "0123456789abcdefghijklmnopqrstuvwxyz", 36) != 36)
        return 1;
    setvbuf(stdout, NULL, _IONBF, 0);

    /* record locks: taking, splitting, merging, what others see */
    printf("lock 10..29 write: %d\n", lk(fd, F_SETLK, F_WRLCK, 10, 20));
    int r0 = in_child(try_write_lock, 0), r1 = in_child(try_write_lock, 1), r3 = in_child(try_write_lock, 3);
    printf("child takes 0..9: %d, 10..19: %d, 30..39: %d\n", r0, r1, r3);
    printf("unlock 15..19: %d\n", lk(fd, F_SETLK, F_UNLCK, 15, 5));
    printf("child takes 15..24: %d\n", in_child(try_write_lock, 1) == 1 ? 1 : 0);
    pid_t pid = fork();
    if (pid == 0) { /* the other process sees the parent's pieces */
        int cfd = open(path, O_RDWR);
        getlk("other asks 0..14", cfd, F_WRLCK, 0, 15, getppid());
        getlk("other asks 15..19", cfd, F_WRLCK, 15, 5, getppid());
        getlk("other asks 15..", cfd, F_RDLCK, 15, 0, getppid());
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    r0 = lk(fd, F_SETLK, F_RDLCK, 0, 10);
    r1 = lk(fd, F_SETLK, F_WRLCK, 15, 5);
    printf("read lock 0..9 and 15..19 (merging with the pieces): %d %d\n", r0, r1);
    pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        getlk("other asks read 0..39", cfd, F_RDLCK, 0, 40, getppid());
        getlk("other asks write 0..9", cfd, F_WRLCK, 0, 10, getppid());
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    getlk("own locks do not conflict", fd, F_WRLCK, 0, 0, me);

    /* closing any descriptor of the file lets the process's record locks go */
    int fd2 = open(path, O_RDONLY);
    close(fd2);
    printf("after closing another descriptor, child takes 10..19: %d\n", in_child(try_write_lock, 1));

    /* errors */
    int ro = open(path, O_RDONLY);
    printf("write lock on a read-only descriptor: %s\n", strerror(-lk(ro, F_SETLK, F_WRLCK, 0, 1)));
    printf("bad type: %s\n", strerror(-lk(fd, F_SETLK, 7, 0, 1)));
    printf("negative start: %s\n", strerror(-lk(fd, F_SETLK, F_RDLCK, -5, 1)));
    printf("bad descriptor: %s\n", strerror(-lk(999, F_SETLK, F_RDLCK, 0, 1)));
    printf("bad pointer: %s\n", fcntl(fd, F_SETLK, (struct flock *)8) < 0 ? strerror(errno) : "ok");
    struct flock ofd = {.l_type = F_RDLCK, .l_pid = 1};
    printf("OFD lock with l_pid set: %s\n", fcntl(fd, F_OFD_SETLK, &ofd) < 0 ? strerror(errno) : "ok");
    close(ro);

    /* F_SETLKW waits for the holder; a signal ends the wait with EINTR */
    lk(fd, F_SETLK, F_WRLCK, 0, 0);
    int ready[2];
    pipe(ready);
    pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        struct sigaction sa = {.sa_handler = on_alarm};
        sigaction(SIGALRM, &sa, NULL);
        alarm(1);
        int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
        printf("child's F_SETLKW while held, then a signal: %s\n", strerror(-r));
        write(ready[1], "x", 1);
        r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
        printf("child's F_SETLKW once let go: %d\n", r);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    usleep(100000);
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    waitpid(pid, NULL, 0);

    /* the simple deadlock: each holds one byte and waits for the other's */
    lk(fd, F_SETLK, F_WRLCK, 0, 1);
    pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        lk(cfd, F_SETLK, F_WRLCK, 1, 1);
        write(ready[1], "x", 1);
        int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1); /* waits for the parent */
        printf("child got byte 0: %d\n", r);
        _exit(0);
    }
    read(ready[0], &c, 1);
    usleep(200000); /* the child is waiting by now */
    e = lk(fd, F_SETLKW, F_WRLCK, 1, 1);
    printf("parent waiting for the child's byte: %s\n", strerror(-e));
    lk(fd, F_SETLK, F_UNLCK, 0, 1);
    waitpid(pid, NULL, 0);
    printf("locks go at exit: child's byte 1 free: %d\n", lk(fd, F_SETLK, F_WRLCK, 1, 1));
    lk(fd, F_SETLK, F_UNLCK, 0, 0);

    /* OFD locks belong to the description: two descriptions of one process conflict */
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    r0 = lk(a, F_OFD_SETLK, F_WRLCK, 0, 10);
    r1 = lk(b, F_OFD_SETLK, F_WRLCK, 5, 10);
    printf("OFD a: %d, OFD b: %s\n", r0, strerror(-r1));
    struct flock q = {.l_type = F_WRLCK, .l_start = 0, .l_len = 1};
    fcntl(b, F_OFD_GETLK, &q);
    printf("OFD_GETLK: type %s pid %d len %lld\n", q.l_type == F_WRLCK ? "write" : "other", q.l_pid, (long long)q.l_len);
    printf("POSIX lock against the OFD lock: %s\n", strerror(-lk(fd, F_SETLK, F_RDLCK, 0, 1)));
    close(a);
    printf("after the description closes: %d\n", lk(b, F_OFD_SETLK, F_WRLCK, 5, 10));
    close(b);

    /* flock: shared and exclusive, conversion, kept across fork, let go at the last close */
    int f1 = open(path, O_RDONLY);
    r0 = flock(f1, LOCK_SH);
    r1 = in_child(try_flock, LOCK_SH);
    r3 = in_child(try_flock, LOCK_EX);
    printf("flock sh: %d; child sh: %d; child ex: %d\n", r0, r1, r3);
    r0 = flock(f1, LOCK_EX);
    r1 = in_child(try_flock, LOCK_SH);
    printf("upgrade to ex: %d; child sh: %d\n", r0, r1);
    printf("flock and record locks are apart: %d\n", lk(fd, F_SETLK, F_WRLCK, 0, 0));
    lk(fd, F_SETLK, F_UNLCK, 0, 0);
    int f2 = open(path, O_RDONLY);
    printf("another description of this process: %s\n", flock(f2, LOCK_EX | LOCK_NB) < 0 ? strerror(errno) : "taken");
    int dupd = dup(f1);
    close(f1);
    printf("still held through a dup: %d\n", in_child(try_flock, LOCK_SH));
    close(dupd);
    printf("after the last close: %d\n", in_child(try_flock, LOCK_EX));
    printf("flock bad op: %s\n", flock(f2, 77) < 0 ? strerror(errno) : "ok");
    printf("flock bad fd: %s\n", flock(999, LOCK_SH) < 0 ? strerror(errno) : "ok");
    flock(f2, LOCK_EX);
    pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDONLY);
        write(ready[1], "x", 1);
        printf("child's blocking flock: %d\n", flock(cfd, LOCK_EX));
        _exit(0);
    }
    read(ready[0], &c, 1);
    usleep(100000);
    flock(f2, LOCK_UN);
    waitpid(pid, NULL, 0);
    unlink(path);
    printf("done\n");
    return 0;
}
