/* A process that dereferences a bad pointer: it dies of SIGSEGV; the system around it does not. */
#include <stdio.h>

int main(void)
{
    printf("about to fault\n");
    fflush(stdout);
    *(volatile int *)16 = 1;
    printf("still here\n");
    return 0;
}
