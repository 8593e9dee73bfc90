/*
 * Runaway processes under lx: fork until it fails, then allocate until that fails. Each must fail with
 * the errno Linux gives (EAGAIN or ENOMEM), and everything must go on working afterwards. Run under lx
 * only (not natively: it would exhaust the build machine, not a personality). With the argument `fork`,
 * only the fork part runs (the test suite's case: see docs/lx.md on memory exhaustion).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int hold[2], children = 0, err = 0;

    if (pipe(hold))
        return 1;
    for (;;) {
        pid_t c = fork();
        if (c < 0) {
            err = errno;
            break;
        }
        if (c == 0) { /* wait until the parent closes the pipe */
            char x;
            close(hold[1]);
            (void)!read(hold[0], &x, 1);
            _exit(0);
        }
        children++;
        if (children > 10000)
            break;
    }
    printf("fork failed after some children: %d\n", children > 0 && children < 10000);
    printf("with EAGAIN or ENOMEM: %d\n", err == EAGAIN || err == ENOMEM);
    close(hold[1]);
    int reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    printf("every child reaped: %d\n", reaped == children);
    if (argc > 1 && strcmp(argv[1], "fork") == 0) {
        printf("still working\n");
        return 0;
    }

    size_t total = 0;
    for (;;) {
        char *m = malloc(1 << 20);
        if (!m)
            break;
        memset(m, 1, 1 << 20);
        total += 1 << 20;
        if (total > (1ull << 34))
            break;
    }
    printf("malloc ran out: %d\n", total > 0 && total < (1ull << 34));
    pid_t c = fork(); /* memory is exhausted: the copies a fork may need cannot be promised */
    printf("fork with no memory left fails: %d\n", c < 0 && (errno == ENOMEM || errno == EAGAIN));
    if (c == 0)
        _exit(0);
    printf("still working\n");
    return 0;
}
