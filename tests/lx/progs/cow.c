/*
 * fork's memory: after a fork each process sees only its own writes, whether the write is a store, a
 * system call filling a buffer, or comes after an mprotect or munmap in one of them; PROT_NONE and back
 * keeps the bytes; a forked child that stores to a read-only page dies of SIGSEGV.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LEN (256 * 1024)

static int global = 1;
static char bss[3 * 4096];

static int status_of(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static int all(const unsigned char *p, size_t len, unsigned char v)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    char stack[8192];
    unsigned char *heap = malloc(65536), *map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int up[2], down[2];

    memset(stack, 's', sizeof(stack));
    memset(heap, 'h', 65536);
    memset(map, 'm', MAP_LEN);
    memset(bss, 'b', sizeof(bss));
    setvbuf(stdout, NULL, _IONBF, 0);

    /* The child's stores stay in the child. */
    pid_t pid = fork();
    if (pid == 0) {
        global = 2;
        memset(stack, 'S', sizeof(stack));
        memset(heap, 'H', 65536);
        memset(map, 'M', MAP_LEN);
        memset(bss, 'B', sizeof(bss));
        _exit(global == 2 && all((unsigned char *)stack, sizeof(stack), 'S') && all(heap, 65536, 'H') &&
              all(map, MAP_LEN, 'M') && all((unsigned char *)bss, sizeof(bss), 'B') ? 7 : 1);
    }
    printf("child saw its own stores: %d\n", status_of(pid) == 7);
    printf("parent's memory unchanged: %d %d %d %d %d\n", global == 1, all((unsigned char *)stack, sizeof(stack), 's'),
           all(heap, 65536, 'h'), all(map, MAP_LEN, 'm'), all((unsigned char *)bss, sizeof(bss), 'b'));

    /* The parent's stores after the fork stay in the parent; a read() into a shared page too. */
    if (pipe(up) < 0 || pipe(down) < 0)
        return 1;
    pid = fork();
    if (pid == 0) {
        char c;
        if (read(down[0], &c, 1) != 1) /* the parent has written by now */
            _exit(1);
        int ok = global == 1 && all(map, MAP_LEN, 'm') && all(heap, 65536, 'h');
        if (read(down[0], heap, 5) != 5 || memcmp(heap, "child", 5) != 0) /* the kernel writes the child's copy */
            _exit(1);
        write(up[1], "x", 1);
        if (read(down[0], &c, 1) != 1)
            _exit(1);
        _exit(ok && all(map + 4096, MAP_LEN - 4096, 'm') && memcmp(map, "mmmmm", 5) == 0 ? 7 : 2);
    }
    global = 3;
    map[0] = 'P';
    memset(heap, 'p', 65536);
    write(down[1], "g", 1);
    write(down[1], "child", 5);
    char c;
    read(up[0], &c, 1);
    printf("parent's buffer unchanged by the child's read: %d\n", all(heap, 65536, 'p'));
    write(down[1], "z", 1);
    printf("child saw the memory as it was at fork: %d\n", status_of(pid) == 7);

    /* Three generations: each sees only its own. */
    pid = fork();
    if (pid == 0) {
        global = 10;
        pid_t g = fork();
        if (g == 0) {
            global = 20;
            map[1] = 'G';
            _exit(global == 20 && map[1] == 'G' ? 0 : 1);
        }
        int gs = status_of(g);
        _exit(gs == 0 && global == 10 && map[1] == 'm' ? 7 : 1);
    }
    printf("grandchild and child kept apart: %d; parent %d %c\n", status_of(pid) == 7, global, map[1]);

    /* mprotect and munmap in a child change nothing in the parent. */
    pid = fork();
    if (pid == 0) {
        if (mprotect(map, 8192, PROT_READ) != 0 || munmap(map + 65536, 65536) != 0)
            _exit(1);
        _exit(map[8192 + 5] == 'm' && map[3] == 'm' ? 7 : 2);
    }
    printf("child mprotect and munmap: %d; parent still writes %d\n", status_of(pid) == 7, (map[0] = 'Q', map[65536 + 9] = 'Q', 1));
    pid = fork();
    if (pid == 0) {
        mprotect(map, 4096, PROT_READ);
        map[10] = 'x'; /* SIGSEGV: read-only in this process, though the page is shared */
        _exit(0);
    }
    printf("store to a read-only page after fork: signal %d\n", status_of(pid) - 1000);

    /* PROT_NONE and back keeps the bytes, before and after a fork. */
    if (mprotect(map, MAP_LEN, PROT_NONE) != 0 || mprotect(map, MAP_LEN, PROT_READ | PROT_WRITE) != 0)
        return 1;
    printf("PROT_NONE and back keeps the bytes: %d %d\n", map[0] == 'Q', all(map + 4096, 4096, 'm'));
    mprotect(map + 4096, 4096, PROT_NONE);
    pid = fork();
    if (pid == 0) {
        mprotect(map + 4096, 4096, PROT_READ | PROT_WRITE);
        map[4096] = 'c';
        _exit(map[4097] == 'm' && map[4096] == 'c' ? 7 : 1);
    }
    printf("child re-opens a PROT_NONE page: %d\n", status_of(pid) == 7);
    mprotect(map + 4096, 4096, PROT_READ);
    printf("parent's copy of it: %c\n", map[4096]);

    /* Many forks, each writing its whole stack and heap: the memory comes back each time. */
    int ok = 1;
    for (int i = 0; i < 40 && ok; i++) {
        pid = fork();
        if (pid == 0) {
            memset(heap, i, 65536);
            memset(map + 8192, i, MAP_LEN - 8192);
            _exit(0);
        }
        ok = status_of(pid) == 0;
    }
    printf("40 forks that write: %d; parent's unchanged %d\n", ok, all(heap, 65536, 'p'));
    return 0;
}
