/* A demo task that fails on purpose: prints, waits a little, then writes through a bad pointer. */
#include <libos/libos.h>
#include <stdio.h>

__attribute__((noinline)) static void crash(volatile int *p) { *p = 42; }

int main(void)
{
    printf("crashy: running; about to fault\n");
    libos_sleep_ns(300000000ull);
    crash((volatile int *)0x1000);
    return 0;
}
