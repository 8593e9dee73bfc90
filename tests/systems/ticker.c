/* System test (restart.dts): prints a numbered tick every 100 ms for 3 s, then ends the system. */
#include <libos/libos.h>
#include <stdio.h>

int main(void)
{
    for (int n = 1; n <= 30; n++) {
        printf("tick %d\n", n);
        libos_sleep_ns(100000000ull);
    }
    return 0;
}
