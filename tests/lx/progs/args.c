/* Arguments, environment, auxiliary vector and identity: what a Linux process finds when it starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    printf("argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] %s\n", i, i == 0 ? (strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]) : argv[i]);
    printf("argv[argc] %s\n", argv[argc] ? "set" : "NULL");
    printf("pagesz %lu\n", getauxval(AT_PAGESZ));
    printf("random %s\n", getauxval(AT_RANDOM) ? "set" : "missing");
    printf("secure %lu\n", getauxval(AT_SECURE));
    struct utsname u;
    if (uname(&u) != 0)
        return 1;
    printf("sysname %s machine %s\n", u.sysname, u.machine);
    printf("pid positive %d\n", getpid() > 0);
    printf("page via sysconf %ld\n", sysconf(_SC_PAGESIZE));
    char cwd[256];
    printf("getcwd %s\n", getcwd(cwd, sizeof cwd) ? "ok" : "failed");
    return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
