/* Memory: the heap, anonymous mappings (private and shared), protections, demand-zero pages, and a large
 * allocation touched page by page. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    size_t big = 16u << 20;
    unsigned char *p = malloc(big);
    if (!p)
        return 1;
    for (size_t i = 0; i < big; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    unsigned sum = 0;
    for (size_t i = 0; i < big; i += 4096)
        sum += p[i];
    printf("malloc 16 MiB sum %u\n", sum);
    free(p);

    /* the break, through the system call (musl's sbrk only reports it) */
    char *brk0 = (char *)syscall(SYS_brk, 0);
    printf("brk grows %d\n", (char *)syscall(SYS_brk, brk0 + 65536) == brk0 + 65536);
    memset(brk0, 0xab, 65536);
    printf("brk memory ok %d\n", ((unsigned char *)brk0)[65535] == 0xab);
    printf("brk cannot shrink below its start %d\n", (char *)syscall(SYS_brk, (char *)4096) == brk0 + 65536);

    unsigned char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap ok %d aligned %d zeroed %d\n", m != MAP_FAILED, ((uintptr_t)m & 4095) == 0, m[12345] == 0);
    memset(m, 7, 1 << 20);
    printf("mprotect ro %d\n", mprotect(m, 4096, PROT_READ));
    printf("still readable %d\n", m[100]);
    printf("munmap part %d\n", munmap(m + 4096, 4096));
    printf("munmap rest %d %d\n", munmap(m, 4096), munmap(m + 8192, (1 << 20) - 8192));
    errno = 0;
    printf("mmap zero length fails %d errno EINVAL %d\n", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED, errno == EINVAL);
    errno = 0;
    printf("munmap unaligned fails %d errno EINVAL %d\n", munmap((char *)m + 1, 4096) == -1, errno == EINVAL);
    unsigned char *fixed = mmap((void *)0x70000000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED at its address %d\n", fixed == (void *)0x70000000);
    fixed[8191] = 1;

    /* Anonymous memory is zero until written, wherever it is touched first; MADV_DONTNEED zeroes it. */
    size_t sparse_len = 32u << 20;
    unsigned char *sparse = mmap(NULL, sparse_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sparse[sparse_len - 1] = 9;
    sparse[12345678] = 8;
    unsigned zeros = 0;
    for (size_t i = 0; i < sparse_len; i += 1 << 20)
        zeros += sparse[i] == 0;
    printf("sparse 32 MiB: far ends written %d %d, untouched pages zero %u\n", sparse[sparse_len - 1], sparse[12345678], zeros);
    memset(sparse + 4096, 0x5a, 8192);
    int advised = madvise(sparse + 4096, 8192, MADV_DONTNEED);
    printf("madvise DONTNEED %d; reads zero after %d %d; others kept %d\n", advised, sparse[4096] == 0,
           sparse[4096 + 8191] == 0, sparse[12345678] == 8);
    munmap(sparse, sparse_len);

    /* A large reservation without access, then a part of it opened: only that part is usable. */
    size_t reserve = 256u << 20;
    unsigned char *res = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("reserve 256 MiB PROT_NONE %d\n", res != MAP_FAILED);
    printf("open 1 MiB of it %d\n", mprotect(res + (64u << 20), 1 << 20, PROT_READ | PROT_WRITE));
    memset(res + (64u << 20), 3, 1 << 20);
    printf("it holds what was written %d\n", res[(64u << 20) + 777] == 3);
    munmap(res, reserve);

    /* MAP_SHARED anonymous memory: parent and children see each other's writes, across COW forks. */
    volatile int *sh = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("shared mapping %d\n", sh != MAP_FAILED);
    sh[0] = 1;
    pid_t c = fork();
    if (c == 0) {
        sh[1] = sh[0] + 41; /* seen by the parent */
        sh[1024] = 7;       /* the next page */
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("the child's writes reach the parent: %d %d\n", sh[1], sh[1024]);
    sh[2] = 100;
    if ((c = fork()) == 0)
        _exit(sh[2] == 100 && sh[1] == 42 ? 0 : 1);
    int st;
    waitpid(c, &st, 0);
    printf("a second child sees the parent's: %d\n", WEXITSTATUS(st) == 0);
    errno = 0;
    printf("MAP_SHARED and MAP_PRIVATE together: %d\n",
           mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
    return 0;
}
