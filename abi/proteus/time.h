/*
 * Proteus ABI: time. Every task has the shared info page mapped read-only at the address the start-of-day
 * registers give (bootinfo.h); it holds what a task needs to read monotonic and wall-clock time without a
 * system call (the PV clock):
 *
 *     do {
 *         seq = info->seq;   (an odd value means an update is in progress: read again)
 *         ... read the fields ...
 *     } while (seq & 1 || seq != info->seq);
 *     ns = info->mono_base_ns + (((tsc - info->tsc_base) * info->tsc_mul) >> info->tsc_shift)
 *
 * (the multiplication is 64 x 32 -> 96 bits: compute it in 128 bits). Wall-clock time is monotonic time +
 * wall_offset_ns (nanoseconds since 1970-01-01 UTC).
 *
 * Timer objects fire on the kernel's tick, at the first tick at or after their deadline. The tick falls at
 * the monotonic times tick_base_ns + k * tick_ns (give or take the interrupt's latency), so a guest kernel
 * can put its own tick on the kernel's (the RTOS personality does). A kernel that does not say leaves
 * tick_ns 0.
 */
#ifndef PROTEUS_TIME_H
#define PROTEUS_TIME_H

#include <stdint.h>

struct px_shared_info {
    uint32_t seq;          /* odd while the kernel updates the page */
    uint32_t version;      /* PX_SHARED_INFO_VERSION */
    uint64_t tsc_hz;       /* TSC frequency */
    uint64_t tsc_base;     /* TSC value at mono_base_ns */
    uint64_t mono_base_ns; /* monotonic time at tsc_base */
    uint32_t tsc_mul;      /* ns = (delta_tsc * tsc_mul) >> tsc_shift */
    uint32_t tsc_shift;
    int64_t wall_offset_ns; /* wall clock = monotonic + wall_offset_ns */
    uint64_t abi_version;  /* PX_ABI_VERSION of the kernel */
    uint64_t tick_ns;      /* the kernel's tick period (0: not given) */
    uint64_t tick_base_ns; /* a monotonic time at which a tick fell */
    uint64_t reserved[56]; /* zero; the page is 4 KiB, the structure 512 bytes */
};

#define PX_SHARED_INFO_VERSION 1

#endif
