/*
 * A root task that dereferences a bad pointer. The kernel must report the fault (user mode, the
 * address) and stop the task, not panic: tests/guest/meson.build checks the report.
 */
#include <stdio.h>

int main(void)
{
    volatile int *bad = (volatile int *)0x5000;

    printf("fault task: writing to %p\n", (void *)bad);
    *bad = 1;
    printf("fault task: still running after the fault\n");
    return 0;
}
