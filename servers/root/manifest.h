/*
 * The system manifest: a flattened device tree (compiled by dtc from a .dts file) that says which tasks
 * the root server starts, in which order, with which memory budgets, devices and restart policy, and which
 * channels (endpoints, notifications, shared memory) connect them. docs/manifest.md describes the schema.
 *
 * manifest_parse() checks the whole description before anything starts and turns it into fixed-size
 * structures (no allocation, so it runs the same on the host and in the root server under Newlib). The
 * first error wins and is reported as one line "<node path>: <reason>"; the checks run in a fixed order:
 * the root node, each task in node order, each channel in node order, then the checks across tasks
 * (interrupt lines, I/O ports and device memory granted twice, consoles) and the memory budgets.
 */
#ifndef SERVERS_ROOT_MANIFEST_H
#define SERVERS_ROOT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_MAX_TASKS 16
#define MANIFEST_MAX_CHANNELS 32
#define MANIFEST_MAX_DISKS 8
#define MANIFEST_DISK_SHARED_KIB 2052 /* each disk's shared region: rings and a 2 MiB data area (io/blk.h)   \
                                       */
#define MANIFEST_MAX_IOPORTS 8
#define MANIFEST_MAX_IRQS 8
#define MANIFEST_MAX_MMIO 8
#define MANIFEST_NAME_MAX 15 /* task, channel and console names: 1..15 characters */

/* What the machine can give: the budgets of all tasks (and shared memory) must fit. */
struct manifest_limits {
    uint64_t memory_kib, kernel_memory_kib;
};

struct manifest_range {
    uint64_t base, size;
};

struct manifest_irq {
    uint32_t line, flags; /* flags: MANIFEST_IRQ_LEVEL | MANIFEST_IRQ_ACTIVE_LOW */
};

#define MANIFEST_IRQ_LEVEL 1u
#define MANIFEST_IRQ_ACTIVE_LOW 2u

enum manifest_restart { MANIFEST_RESTART_NEVER, MANIFEST_RESTART_ON_FAILURE };

struct manifest_task {
    char name[16], path[32], console[16]; /* console: "" when the task has none */
    const void *program;                  /* points into the FDT blob */
    size_t program_size;
    const void *image; /* optional data for the task (an LZ4 frame, like program), or NULL */
    size_t image_size;
    uint32_t memory_kib, kernel_memory_kib, priority;
    struct manifest_range ioports[MANIFEST_MAX_IOPORTS]; /* base = first port, size = count */
    unsigned nioports;
    struct manifest_irq irqs[MANIFEST_MAX_IRQS];
    unsigned nirqs;
    struct manifest_range mmio[MANIFEST_MAX_MMIO];
    unsigned nmmio;
    enum manifest_restart restart;
    uint32_t restart_limit, restart_backoff_ms;
    uint32_t restart_reset_ms; /* a failure after running this long counts as a first one; 0: never */
    bool chaos_victim;         /* fault injection may crash it (struct manifest's chaos_*) */
    bool console_server;
    bool system_exit; /* the system ends when every system-exit task has ended */
};

struct manifest_channel {
    char name[16], path[40];
    unsigned from, to; /* task indices */
    bool endpoint, notification;
    uint32_t shared_memory_kib; /* 0: no shared region */
};

/* A virtual disk: a slice of the physical disk, or a thin-provisioned disk backed by one. */
struct manifest_disk {
    char name[16], path[40];
    unsigned server, client; /* task indices */
    bool thin, read_only;
    uint32_t size_kib;    /* what the client sees */
    uint32_t offset_kib;  /* where its region starts on the physical disk */
    uint32_t backing_kib; /* thin: the region's size (header, map and blocks); slice: size_kib */
    uint32_t device;      /* which of its server's physical disks (0: the first) */
};

struct manifest {
    char model[64]; /* "" when absent */
    struct manifest_task tasks[MANIFEST_MAX_TASKS];
    unsigned ntasks;
    struct manifest_channel channels[MANIFEST_MAX_CHANNELS];
    unsigned nchannels;
    struct manifest_disk disks[MANIFEST_MAX_DISKS];
    unsigned ndisks;
    int console_server; /* task index or -1 */
    /* Fault injection (docs/manifest.md): crash a random chaos-victim task chaos_kills times, at random
     * moments chaos_interval_ms apart on average; chaos_kills == 0: none. */
    uint32_t chaos_kills, chaos_interval_ms, chaos_seed;
};

/*
 * Parses and validates the FDT blob of size bytes at fdt. lim may be NULL: no budget checks. Returns 0 and
 * a filled *out, or -1 and the first error as "<path>: <reason>" in err (always NUL-terminated when
 * errlen > 0; err may be NULL when errlen is 0). On error *out is left partly filled. The task programs
 * point into the blob, which must outlive *out.
 */
int manifest_parse(const void *fdt, size_t size, const struct manifest_limits *lim, struct manifest *out,
                   char *err, size_t errlen);

#endif /* SERVERS_ROOT_MANIFEST_H */
