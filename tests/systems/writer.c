/*
 * System test (console.dts): three of these write 300 numbered lines each, as fast as they can, at once;
 * tests/systems/check_console.py checks that every line arrives whole, once and in order.
 */
#include <libos/libos.h>
#include <stdio.h>

int main(void)
{
    const char *me = libos_task_name();
    char pattern[61];

    for (int n = 1; n <= 300; n++) {
        for (int i = 0; i < 60; i++)
            pattern[i] = (char)('a' + (n * 7 + i * 3 + me[6]) % 26);
        pattern[60] = 0;
        printf("%s line %d %s\n", me, n, pattern);
    }
    return 0;
}
