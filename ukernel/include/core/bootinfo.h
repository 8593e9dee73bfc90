/*
 * The machine as the boot loader described it, in a form the generic kernel understands: RAM ranges,
 * ranges that must never be handed out (the kernel image, boot modules, loader data), the command line
 * and the boot modules. The architecture fills it from its boot protocol (PVH on x86_64).
 */
#ifndef CORE_BOOTINFO_H
#define CORE_BOOTINFO_H

#include <core/pmm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_RANGES 64
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 256

struct mem_range {
    paddr_t start;
    paddr_t end;      /* exclusive */
    const char *what; /* for the boot log: why a range is reserved (NULL for RAM) */
};

struct boot_module {
    paddr_t start;
    uint64_t size;
};

struct boot_info {
    struct mem_range ram[BOOT_MAX_RANGES];
    size_t nram;
    struct mem_range reserved[BOOT_MAX_RANGES];
    size_t nreserved;
    struct boot_module modules[BOOT_MAX_MODULES];
    size_t nmodules;
    char cmdline[BOOT_CMDLINE_MAX];
    const char *loader; /* boot protocol, for the boot log */
};

/* Both return false when the table is full. */
bool bootinfo_add_ram(struct boot_info *bi, paddr_t start, paddr_t end);
bool bootinfo_add_reserved(struct boot_info *bi, paddr_t start, paddr_t end, const char *what);

/*
 * Set up the page allocator over all RAM in bi: every RAM page is free except the reserved ranges and
 * the allocator's own bitmaps, which are placed in the first RAM that is free, below `storage_limit`
 * (memory the caller can already address) and large enough. `to_virt` turns that physical address into
 * a pointer. Returns false if no such place exists.
 */
bool bootmem_init(struct pmm *p, const struct boot_info *bi, paddr_t storage_limit,
                  void *(*to_virt)(paddr_t));

/* Value of `key=` in a space-separated command line, copied into buf; false if absent. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

#endif
