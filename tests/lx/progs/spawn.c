/*
 * system, popen and posix_spawn: glibc and musl make them with clone(CLONE_VM | CLONE_VFORK), a child
 * that runs in the parent's memory until its execve, and tells a failed execve through that memory.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int r = system("echo from system; exit 3");
    printf("system: exited %d status %d\n", WIFEXITED(r), WEXITSTATUS(r));

    FILE *f = popen("echo piped; echo two", "r");
    char line[64];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        n++, fputs(line, stdout);
    printf("popen: %d lines, pclose status %d\n", n, f ? WEXITSTATUS(pclose(f)) : -1);

    pid_t pid;
    int st;
    char *argv[] = {"sh", "-c", "exit 9", NULL};
    int e = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
    waitpid(pid, &st, 0);
    printf("posix_spawn: %d, child status %d\n", e, WEXITSTATUS(st));

    char *none[] = {"nope", NULL};
    e = posix_spawn(&pid, "/no/such/program", NULL, NULL, none, environ);
    printf("posix_spawn of a missing program: ENOENT %d\n", e == ENOENT);
    return 0;
}
