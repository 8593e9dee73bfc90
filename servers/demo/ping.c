/*
 * A demo task: calls "pong" over the endpoint of its channel "ping-pong" and prints the round trip.
 * It was given nothing else: no other task is reachable from here.
 */
#include <libos/libos.h>
#include <stdio.h>

int main(void)
{
    const struct libos_resource *ep = libos_resource("ping-pong", LIBOS_RES_ENDPOINT);

    if (!ep) {
        printf("ping: no channel 'ping-pong'\n");
        return 1;
    }
    for (uint64_t n = 1;; n++) {
        struct px_msg m = {PX_MSGINFO(1, 1), 0, {n, 0, 0, 0}};
        uint64_t t0 = libos_monotonic_ns();
        int64_t st = px_call(ep->cap, &m);
        if (st != PX_OK || m.mr[0] != n + 1) {
            printf("ping: call %llu failed (status %lld)\n", (unsigned long long)n, (long long)st);
            return 1;
        }
        if (n % 1000 == 0)
            printf("ping: %llu round trips, last %llu ns\n", (unsigned long long)n,
                   (unsigned long long)(libos_monotonic_ns() - t0));
        if (n % 100 == 0)
            px_thread_yield();
    }
}
