/*
 * libos: the runtime of a Proteus task. It starts the task (crt0, Newlib, TLS), keeps the task's start
 * of day (struct px_bootinfo: the kernel's for the root task, its creator's for any other), hands out
 * cap slots and virtual addresses, and builds the usual things from kernel objects: memory mapped into
 * the task, threads with TLS and an IPC buffer, and new tasks from ELF images.
 */
#ifndef LIBOS_LIBOS_H
#define LIBOS_LIBOS_H

#include <libos/px.h>
#include <proteus/bootinfo.h>
#include <proteus/time.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The task's start of day. */
extern const struct px_bootinfo *libos_bootinfo;

static inline const struct px_shared_info *libos_shared_info(void)
{
    return (const struct px_shared_info *)(uintptr_t)PX_SHARED_INFO_ADDR;
}

/* Monotonic and wall-clock time in nanoseconds, from the shared info page (no system call). */
uint64_t libos_monotonic_ns(void);
int64_t libos_wallclock_ns(void);
/* The kernel's timer tick, which timer objects fire on: its latest time at or before now (monotonic ns) and
 * its period; false if the kernel does not say (abi/proteus/time.h). */
bool libos_kernel_tick(uint64_t *last_ns, uint64_t *period_ns);
/* Block the calling thread for at least ns nanoseconds (a timer and a notification of its own). */
void libos_sleep_ns(uint64_t ns);

/* A free cap slot, or 0 when the table cannot grow any more; and giving one back (each slot once). */
uint32_t libos_slot_alloc(void);
void libos_slot_free(uint32_t slot);
/* How many slots libos_slot_alloc has handed out and not had back. */
uint32_t libos_slots_in_use(void);

/* Fresh zeroed memory mapped read-write into this task: pages from its memory cap. NULL on failure;
 * *frame (if given) receives the frame cap. */
void *libos_map_new(uint64_t pages, uint32_t *frame);
/* The same with pages from another memory cap. */
void *libos_map_new_from(uint32_t memory, uint64_t pages, uint32_t *frame);
/*
 * Undo libos_map_new: unmap the pages from this task and delete the frame cap (and free its slot). A
 * mapping holds its frame, so both must go for the pages to return to their memory cap (the frame's
 * mappings in other tasks hold it too). The address range is not reused.
 */
void libos_unmap_free(void *va, uint64_t pages, uint32_t frame);
/* A range of this task's address space for mapping `pages` pages (never reused). */
uint64_t libos_va_alloc(uint64_t pages);

/*
 * Threads: run fn(arg) in a new thread of this task with its own stack, TLS and IPC buffer, at `prio`,
 * with exception endpoint `handler` (a slot of ours, PX_CAP_NULL for none) and PX_THREAD_* flags.
 */
struct libos_thread {
    uint32_t thread; /* cap */
    uint32_t frame;  /* cap: stack, TLS and IPC buffer */
};
int64_t libos_thread_create(void (*fn)(void *), void *arg, unsigned prio, uint32_t handler, uint32_t flags,
                            struct libos_thread *out);

/*
 * Exception messages, for a handler (a guest kernel): the exception received in m, words 4 and up
 * taken from this thread's IPC buffer; and m made the reply that resumes the thread with registers r
 * (send it with px_reply or px_reply_recv).
 */
void libos_exception_get(const struct px_msg *m, struct px_exception *e);
void libos_exception_resume(struct px_msg *m, const struct px_regs *r);

/*
 * Resources: what a task was given by name (channels, devices, its console), described in a table on its
 * start-of-day page after struct px_bootinfo (at LIBOS_RESOURCES_OFFSET). libos_spawn writes it.
 */
enum libos_resource_kind {
    LIBOS_RES_ENDPOINT = 1,
    LIBOS_RES_NOTIFICATION, /* to signal (the 'from' side) or wait on (the 'to' side) */
    LIBOS_RES_SHARED,       /* shared memory: va, size */
    LIBOS_RES_IOPORT,       /* a port range: base in va, count in size */
    LIBOS_RES_IRQ,          /* an interrupt line: line in va */
    LIBOS_RES_MMIO,         /* device registers: va, size */
    LIBOS_RES_CONSOLE,      /* the console page (shared memory): va, size; its notification to signal is
                               the LIBOS_RES_NOTIFICATION of the same name */
    LIBOS_RES_CONSOLE_IN,   /* the notification the console server signals when there is input */
    LIBOS_RES_SELF,         /* the task's own name (no cap) */
    LIBOS_RES_WAIT,         /* a notification to wait on, for a resource whose LIBOS_RES_NOTIFICATION
                               of the same name signals the other side (a disk's client) */
};

struct libos_resource {
    char name[24];
    uint32_t kind;
    uint32_t cap; /* slot in the task's table (0 if none) */
    uint64_t va, size;
};

#define LIBOS_RESOURCES_OFFSET 1024
#define LIBOS_RESOURCES_MAX ((4096 - LIBOS_RESOURCES_OFFSET - 8) / sizeof(struct libos_resource))

struct libos_resources {
    uint32_t count;
    uint32_t reserved;
    struct libos_resource r[];
};

/* The resource of this name and kind, or NULL. */
const struct libos_resource *libos_resource(const char *name, uint32_t kind);
/* The name this task was started under ("" if none). */
const char *libos_task_name(void);

/* Tasks: a new task running an ELF image (e.g. this task's own boot module). */

/* A cap (and for shared memory or MMIO frames, a mapping) to give a new task, under a name. */
struct libos_grant {
    const char *name;
    uint32_t kind;   /* enum libos_resource_kind */
    uint32_t cap;    /* in the creator's table */
    uint32_t rights; /* rights the child gets */
    uint64_t pages;  /* LIBOS_RES_SHARED / MMIO / CONSOLE: map this many pages of the frame */
    uint64_t value;  /* LIBOS_RES_IOPORT: base port; LIBOS_RES_IRQ: line */
    uint64_t size;   /* LIBOS_RES_IOPORT: count */
};
struct libos_spawn {
    const char *name;  /* the task's name (LIBOS_RES_SELF); may be NULL */
    const void *image; /* ELF executable */
    size_t size;
    uint64_t quota;        /* bytes of kernel memory, from this task's quota */
    uint64_t memory_pages; /* pages of memory, split from this task's memory cap */
    unsigned prio;
    /* Optional: instead of main, run entry(arg) in the child; entry is an address in that image. */
    int (*entry)(uint64_t arg);
    uint64_t arg;
    uint32_t handler; /* exception endpoint for its thread (PX_CAP_NULL: none) */
    uint32_t thread_flags;
    bool start_stopped;               /* leave the thread stopped (the caller resumes it) */
    const struct libos_grant *grants; /* caps and mappings to give it, by name */
    unsigned ngrants;
    bool give_debug; /* also give it our debug cap (the root server gives it to no one) */
};
struct libos_child {
    uint32_t task, thread; /* caps, in this task */
};
/* Returns a status; on failure *err says which step failed. */
int64_t libos_spawn(const struct libos_spawn *s, struct libos_child *out, const char **err);

/*
 * The task's virtual console (abi/proteus/io/console.h), when it has one (the "console" resource):
 * stdout and stderr go there. Writing waits briefly for room and then drops, counting what it dropped.
 */
bool libos_console_attached(void);
/* Use this console page and caps (for a task that set up its own console: the root server). */
void libos_console_use(void *page, uint32_t signal_cap, uint32_t input_cap);
size_t libos_console_write(const void *buf, size_t len);
/* Read what is there, waiting for input if there is none; 0 if the task has no console. */
size_t libos_console_read(void *buf, size_t len);
/* Read what is there without waiting: 0 if nothing is. */
size_t libos_console_read_nowait(void *buf, size_t len);
/*
 * For a task that waits on something else (an endpoint with a bound notification): a thread of the
 * task, at priority prio, signals `notification` (a cap with write rights; its badge says "console")
 * whenever input arrives; the task then takes it with libos_console_read_nowait. Once per task.
 */
int64_t libos_console_notify(uint32_t notification, unsigned prio);

/* This thread's IPC buffer. */
struct px_ipc_buffer *libos_ipc_buffer(void);

/* The TLS block FS points at: the self pointer at 0 and the stack-protector canary at 0x28. */
struct libos_tls {
    struct libos_tls *self;
    struct px_ipc_buffer *ipc_buffer;
    uint64_t reserved[3];
    uint64_t stack_guard; /* %fs:0x28 */
};

#endif
