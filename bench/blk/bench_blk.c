/*
 * bench blk, through the server: the workloads of servers/blk/bench.h posted by a client to the disk
 * server (up to the queue depth at once), timed here. The server ran the same workloads directly on the
 * device first (the baseline); tools/bench.py prints the ratios.
 *
 * The client batches as a file system would: it posts everything the queue depth allows, tells the
 * server once, then takes every completion there is before it posts again. After each workload it says
 * how many signals it sent the server, how often it waited and how many address-space switches the
 * kernel made, per request: under TCG each switch flushes the emulator's TLB, and they cost more than
 * the rest of a request. Unlike the times, these counts do not depend on the host's load.
 */
#include "../../servers/blk/bench.h"
#include <libos/blk.h>
#include <stdio.h>
#include <string.h>

#define SPAN_SECTORS (32u << 11)

static double run(struct libos_blk *d, const struct blk_workload *w, bool quick)
{
    unsigned issued = 0, done = 0, count = blk_workload_count(w, quick), n = w->bytes / 512;
    uint64_t rng = 12345, t0 = libos_monotonic_ns(), id;
    int st;

    while (done < count) {
        while (issued < count && issued - done < w->depth) {
            uint64_t sector = (uint64_t)(issued * n) % SPAN_SECTORS;
            if (w->random) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                sector = ((rng >> 33) % (SPAN_SECTORS / n)) * n;
            }
            libos_blk_post(d, w->write ? PX_BLK_OP_WRITE : PX_BLK_OP_READ, sector, n,
                           (uint64_t)(issued % 32) * 65536, &id);
            issued++;
        }
        libos_blk_complete(d, &id, &st); /* tells the server about the posts, if it is idle */
        done++;
        while (done < issued && libos_blk_poll(d, &id, &st))
            done++;
    }
    return (double)count * w->bytes / 1e6 / ((double)(libos_monotonic_ns() - t0) / 1e9);
}

int main(void)
{
    struct libos_blk d;
    bool quick = strstr(libos_bootinfo->cmdline, "bench.quick") != NULL;
    int repeat = blk_bench_repeat(quick);

    if (libos_blk_open(&d, "bench") != PX_BLK_OK) {
        printf("bench blk: cannot open the disk 'bench'\n");
        return 1;
    }
    for (unsigned k = 0; k < BLK_NWORKLOADS; k++) {
        const struct blk_workload *w = &blk_workloads[k];
        double r[BLK_BENCH_REPEAT];
        uint64_t signals = d.signals, waits = d.waits, switches = px_aspace_switches();
        for (int i = 0; i < repeat; i++)
            r[i] = run(&d, w, quick);
        double reqs = (double)blk_workload_count(w, quick) * repeat;
        printf("bench-info blk.server_%s: per request %.2f signals to the server, %.2f waits, %.2f "
               "address-space switches\n",
               w->name, (double)(d.signals - signals) / reqs, (double)(d.waits - waits) / reqs,
               (double)(px_aspace_switches() - switches) / reqs);
        blk_bench_report("server", w, r, repeat);
    }
    return 0;
}
