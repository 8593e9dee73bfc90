/*
 * The disk benchmark's native baseline (bench blk, docs/benchmarks.md): the same workloads as the client
 * runs through the server (bench/blk), here straight on the device from inside the server, before it
 * serves anyone. It writes over the first 32 MiB of the disk: only for the benchmark system.
 */
#include "bench.h"
#include <libos/libos.h>
#include <stdio.h>
#include <stdlib.h>

#define SPAN_SECTORS (32u << 11) /* 32 MiB */

static uint64_t next_sector(const struct blk_workload *w, unsigned i, uint64_t *rng)
{
    uint32_t n = w->bytes / 512;

    if (!w->random)
        return (uint64_t)(i * n) % SPAN_SECTORS;
    *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
    return ((*rng >> 33) % (SPAN_SECTORS / n)) * n;
}

static double run(struct vblk *dev, const struct blk_workload *w, uint64_t buf_pa, void (*wait)(void),
                  bool quick)
{
    unsigned issued = 0, done = 0, inflight = 0, count = blk_workload_count(w, quick);
    uint64_t rng = 12345, t0 = libos_monotonic_ns();

    while (done < count) {
        while (issued < count && inflight < w->depth) {
            struct vblk_segment seg = {buf_pa + (uint64_t)(issued % 32) * 65536, w->bytes};
            if (vblk_submit(dev, w->write ? VBLK_WRITE : VBLK_READ, next_sector(w, issued, &rng), &seg, 1) <
                0)
                break;
            issued++, inflight++;
        }
        vblk_kick(dev);
        wait();
        vblk_reap(dev);
        for (int t = 0; t < VBLK_MAX_INFLIGHT; t++)
            if (dev->done[t]) {
                vblk_finish(dev, t);
                done++, inflight--;
            }
    }
    return (double)count * w->bytes / 1e6 / ((double)(libos_monotonic_ns() - t0) / 1e9);
}

void bench_direct(struct vblk *dev, void (*wait)(void), bool quick)
{
    uint32_t frame;
    void *buf = libos_map_new((32u * 65536) / PX_PAGE_SIZE, &frame);
    uint64_t pa, pages;

    if (!buf || px_frame_info(frame, &pa, &pages) != PX_OK) {
        printf("blk: no memory for the direct benchmark\n");
        return;
    }
    for (unsigned k = 0; k < BLK_NWORKLOADS; k++) {
        double r[BLK_BENCH_REPEAT];
        int n = blk_bench_repeat(quick);
        uint64_t switches = px_aspace_switches(), kicks = dev->kicks, irqs = dev->interrupts;
        for (int i = 0; i < n; i++)
            r[i] = run(dev, &blk_workloads[k], pa, wait, quick);
        double reqs = (double)blk_workload_count(&blk_workloads[k], quick) * n;
        printf("bench-info blk.direct_%s: per request %.2f kicks, %.2f interrupts, %.2f address-space "
               "switches\n",
               blk_workloads[k].name, (double)(dev->kicks - kicks) / reqs,
               (double)(dev->interrupts - irqs) / reqs, (double)(px_aspace_switches() - switches) / reqs);
        blk_bench_report("direct", &blk_workloads[k], r, n);
    }
}
