/* A process that dereferences a bad pointer: it dies of SIGSEGV; the system around it does not. */
#include <stdio.h>

int main(void)
{
    printf("about to fault\n");
    fflush(stdout);
    int *volatile bad = (int *)16; /* a volatile pointer: the compiler cannot see where it goes */
    *bad = 1;
    printf("still here\n");
    return 0;
}
