/* The disk benchmark's workloads, shared by the direct baseline (bench.c) and the client (bench/blk). */
#ifndef BLK_BENCH_H
#define BLK_BENCH_H

#include "virtio.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct blk_workload {
    const char *name;
    bool random, write;
    uint32_t bytes;
    unsigned depth;
};

#define BLK_NWORKLOADS 16
static const struct blk_workload blk_workloads[BLK_NWORKLOADS] = {
    {"seq_read_4k_qd1", false, false, 4096, 1},   {"seq_read_4k_qd32", false, false, 4096, 32},
    {"seq_read_64k_qd1", false, false, 65536, 1}, {"seq_read_64k_qd32", false, false, 65536, 32},
    {"seq_write_4k_qd1", false, true, 4096, 1},   {"seq_write_4k_qd32", false, true, 4096, 32},
    {"seq_write_64k_qd1", false, true, 65536, 1}, {"seq_write_64k_qd32", false, true, 65536, 32},
    {"rand_read_4k_qd1", true, false, 4096, 1},   {"rand_read_4k_qd32", true, false, 4096, 32},
    {"rand_read_64k_qd1", true, false, 65536, 1}, {"rand_read_64k_qd32", true, false, 65536, 32},
    {"rand_write_4k_qd1", true, true, 4096, 1},   {"rand_write_4k_qd32", true, true, 4096, 32},
    {"rand_write_64k_qd1", true, true, 65536, 1}, {"rand_write_64k_qd32", true, true, 65536, 32},
};

/*
 * 8 MiB per run for 64 KiB requests, 2 MiB for 4 KiB ones (TCG is slow), three runs each; the quick mode
 * (bench.quick on the command line, for the test suite) does one run of an eighth of that.
 */
static inline unsigned blk_workload_count(const struct blk_workload *w, bool quick)
{
    return (w->bytes == 4096 ? 512 : 128) / (quick ? 8 : 1);
}
#define BLK_BENCH_REPEAT 3
static inline int blk_bench_repeat(bool quick) { return quick ? 1 : BLK_BENCH_REPEAT; }

static inline void blk_bench_report(const char *how, const struct blk_workload *w, double *r, int n)
{
    for (int i = 1; i < n; i++) /* sort: n is tiny */
        for (int j = i; j > 0 && r[j] < r[j - 1]; j--) {
            double t = r[j];
            r[j] = r[j - 1], r[j - 1] = t;
        }
    printf("bench blk.%s_%s median=%.1f min=%.1f unit=MBps n=%d\n", how, w->name, r[n / 2], r[0], n);
}

void bench_direct(struct vblk *dev, void (*wait)(void), bool quick);

#endif
