/* A demo task: says hello on its console every half second, counting, with the time since boot. */
#include <libos/libos.h>
#include <stdio.h>

int main(void)
{
    for (unsigned n = 1;; n++) {
        printf("hello from a Proteus task, line %u at %llu ms\n", n,
               (unsigned long long)(libos_monotonic_ns() / 1000000));
        libos_sleep_ns(500000000ull);
    }
}
