/* Memory: the heap, anonymous mappings, protections, and a large allocation touched page by page. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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
    return 0;
}
