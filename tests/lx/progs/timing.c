/* Time: clocks move forward, sleeps last at least as long as asked. */
#include <stdio.h>
#include <time.h>

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
    double t0 = now(CLOCK_MONOTONIC);
    struct timespec d = {0, 20 * 1000 * 1000};
    nanosleep(&d, NULL);
    double t1 = now(CLOCK_MONOTONIC);
    printf("slept at least 20 ms %d\n", t1 - t0 >= 0.020);
    printf("slept under 2 s %d\n", t1 - t0 < 2.0);
    printf("realtime after 2020 %d\n", now(CLOCK_REALTIME) > 1577836800.0);
    printf("time() agrees %d\n", (double)time(NULL) - now(CLOCK_REALTIME) < 2.0);
    return 0;
}
