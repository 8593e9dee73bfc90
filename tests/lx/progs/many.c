/*
 * Linux's limits, not toy ones: RLIMIT_NOFILE is 1,024 by default and can be raised to its hard limit;
 * 4,096 descriptors open at once, then EMFILE; 65,000 mappings in one process (Linux's default
 * vm.max_map_count is 65,530), each its own (neighbours differ in protection, so none merge), found
 * again and unmapped; 1,000 children alive at once, each waiting until the parent lets go, all reaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define FDS 4096
#define MAPS 65000
#define CHILDREN 1000

static void descriptors(void)
{
    struct rlimit r;
    int n = 0, fd, last_err = 0;

    getrlimit(RLIMIT_NOFILE, &r);
    printf("default soft limit is 1024: %d\n", r.rlim_cur == 1024);
    printf("hard limit is at least 4096: %d\n", r.rlim_max >= FDS);
    r.rlim_cur = FDS;
    printf("raised to 4096: %d\n", setrlimit(RLIMIT_NOFILE, &r) == 0);
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        n = fd;
    last_err = errno;
    printf("descriptors up to 4095 then EMFILE: %d %d\n", n == FDS - 1, last_err == EMFILE);
    printf("dup2 past the limit is EBADF: %d\n", dup2(0, FDS) < 0 && errno == EBADF);
    for (fd = 3; fd < FDS; fd++)
        close(fd);
    printf("all closed: %d\n", open("/dev/null", O_RDONLY) == 3);
    close(3);
}

static void mappings(void)
{
    static char *at[MAPS];
    int ok = 1;

    for (int i = 0; i < MAPS && ok; i++) {
        at[i] = mmap(NULL, 4096, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ok = at[i] != MAP_FAILED;
        if (ok && i % 2 == 0)
            at[i][0] = (char)i;
    }
    printf("65000 mappings: %d\n", ok);
    for (int i = 0; i < MAPS && ok; i += 2)
        ok = at[i][0] == (char)i;
    printf("each still holds its byte: %d\n", ok);
    for (int i = 0; i < MAPS && ok; i++)
        ok = munmap(at[i], 4096) == 0;
    printf("all unmapped: %d\n", ok);
}

static void children(void)
{
    int hold[2], made = 0, reaped = 0, status;

    if (pipe(hold))
        return;
    for (; made < CHILDREN; made++) {
        pid_t c = fork();
        if (c < 0)
            break;
        if (c == 0) {
            char x;
            close(hold[1]);
            (void)!read(hold[0], &x, 1);
            _exit(7);
        }
    }
    close(hold[1]);
    while (wait(&status) > 0)
        reaped += WIFEXITED(status) && WEXITSTATUS(status) == 7;
    printf("1000 children alive at once, all reaped: %d %d\n", made == CHILDREN, reaped == CHILDREN);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2 || argv[1][0] == 'f')
        descriptors();
    if (argc < 2 || argv[1][0] == 'm')
        mappings();
    if (argc < 2 || argv[1][0] == 'c')
        children();
    return 0;
}
