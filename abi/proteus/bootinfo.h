/*
 * Proteus ABI: the root task's start of day (docs/abi.md, "Start of day"). The root task starts with rdi
 * pointing at this structure, on a read-only page of its own, and with these caps in its table.
 */
#ifndef PROTEUS_BOOTINFO_H
#define PROTEUS_BOOTINFO_H

#include <stdint.h>

#define PX_BOOTINFO_MAGIC 0x4f464e49544f4f42ull /* "BOOTINFO" */
#define PX_SHARED_INFO_ADDR 0x00007fff00000000ull /* every task: struct px_shared_info, read-only */

struct px_bootinfo {
    uint64_t magic;         /* PX_BOOTINFO_MAGIC */
    uint64_t abi_version;   /* PX_ABI_VERSION */
    uint64_t shared_info;   /* PX_SHARED_INFO_ADDR */
    uint64_t ipc_buffer;    /* the initial thread's IPC buffer, already registered */
    uint32_t cap_task;      /* the root task itself (ALL rights) */
    uint32_t cap_thread;    /* its initial thread (ALL) */
    uint32_t cap_memory;    /* every free page of RAM (ALL) */
    uint32_t cap_debug;     /* the debug console (WRITE) */
    uint32_t cap_module;    /* frame: the boot module the root task was loaded from (READ) */
    uint32_t cap_ipc_frame; /* frame: the initial IPC buffer page (READ|WRITE) */
    uint32_t cap_irq_control; /* claim interrupt lines (ALL) */
    uint32_t cap_ioport;    /* every I/O port (ALL) */
    uint32_t cap_mmio;      /* device physical memory: everything that is not RAM (ALL) */
    uint32_t reserved0;     /* zero */
    uint32_t cap_first_free; /* first empty slot */
    uint32_t cap_slots;     /* size of the cap table at start (PX_SYS_CAP_TABLE_GROW grows it) */
    uint64_t memory_pages;  /* pages free in cap_memory when the task starts */
    uint64_t module_size;   /* bytes in cap_module */
    uint64_t kmem_quota;    /* bytes of kernel memory the root task may use */
    char cmdline[256];      /* the kernel command line, NUL-terminated */
};

#endif
