/*
 * bench blk, through the server: the workloads of servers/blk/bench.h posted by a client to the disk
 * server (up to the queue depth at once), timed here. The server ran the same workloads directly on the
 * device first (the baseline); tools/bench.py prints the ratios.
 */
#include "../../servers/blk/bench.h"
#include <libos/blk.h>
#include <stdio.h>

#define REPEAT 3
#define SPAN_SECTORS (32u << 11)

static double run(struct libos_blk *d, const struct blk_workload *w)
{
    unsigned issued = 0, done = 0, count = blk_workload_count(w), n = w->bytes / 512;
    uint64_t rng = 12345, t0 = libos_monotonic_ns(), id;
    int st;

    while (done < count) {
        while (issued < count && issued - done < w->depth) {
            uint64_t sector = (uint64_t)(issued * n) % SPAN_SECTORS;
            if (w->random) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                sector = ((rng >> 33) % (SPAN_SECTORS / n)) * n;
            }
            libos_blk_submit(d, w->write ? PX_BLK_OP_WRITE : PX_BLK_OP_READ, sector, n,
                             (uint64_t)(issued % 32) * 65536, &id);
            issued++;
        }
        libos_blk_complete(d, &id, &st);
        done++;
    }
    return (double)count * w->bytes / 1e6 / ((double)(libos_monotonic_ns() - t0) / 1e9);
}

int main(void)
{
    struct libos_blk d;

    if (libos_blk_open(&d, "bench") != PX_BLK_OK) {
        printf("bench blk: cannot open the disk 'bench'\n");
        return 1;
    }
    for (unsigned k = 0; k < BLK_NWORKLOADS; k++) {
        double r[REPEAT];
        for (int i = 0; i < REPEAT; i++)
            r[i] = run(&d, &blk_workloads[k]);
        blk_bench_report("server", &blk_workloads[k], r, REPEAT);
    }
    return 0;
}
