/*
 * Turns the PVH start_info into the generic boot_info. Runs on the boot page tables, where the first GiB
 * of physical memory is visible through the direct map, so everything the loader handed us must be copied
 * or described here: mmu_init takes that mapping away.
 */
#include <arch/memlayout.h>
#include <arch/pvh.h>
#include <core/kernel.h>
#include <core/string.h>

extern char __kernel_start[], __kernel_end[];

static const void *boot_ptr(uint64_t pa, uint64_t size)
{
    if (pa + size < pa || pa + size > BOOT_MAP_SIZE)
        panic("PVH: boot data at %#lx+%#lx lies outside the first GiB", (unsigned long)pa,
              (unsigned long)size);
    return phys_to_virt(pa);
}

static void reserve(struct boot_info *bi, uint64_t start, uint64_t size, const char *what)
{
    if (start + size < start || start + size > (uint64_t)-PAGE_SIZE)
        panic("PVH: boot data at %#lx+%#lx wraps around memory", (unsigned long)start, (unsigned long)size);
    if (!bootinfo_add_reserved(bi, ALIGN_DOWN(start, PAGE_SIZE), ALIGN_UP(start + size, PAGE_SIZE), what))
        panic("PVH: too many reserved ranges (max %d)", BOOT_MAX_RANGES);
}

static void parse_memmap(const struct hvm_start_info *si, struct boot_info *bi)
{
    const struct hvm_memmap_entry *map;

    if (si->version < 1 || si->memmap_entries == 0)
        panic("PVH: start_info version %u has no memory map", si->version);
    map = boot_ptr(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*map));
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        if (map[i].type != HVM_MEMMAP_RAM)
            continue;
        if (!bootinfo_add_ram(bi, map[i].addr, map[i].addr + map[i].size))
            panic("PVH: too many RAM ranges (max %d)", BOOT_MAX_RANGES);
    }
    reserve(bi, si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*map), "PVH memory map");
}

static void parse_modules(const struct hvm_start_info *si, struct boot_info *bi)
{
    const struct hvm_modlist_entry *mods;

    if (si->nr_modules == 0)
        return;
    if (si->nr_modules > BOOT_MAX_MODULES)
        panic("PVH: %u boot modules, at most %d supported", si->nr_modules, BOOT_MAX_MODULES);
    mods = boot_ptr(si->modlist_paddr, si->nr_modules * sizeof(*mods));
    for (uint32_t i = 0; i < si->nr_modules; i++) {
        bi->modules[i].start = mods[i].paddr;
        bi->modules[i].size = mods[i].size;
        reserve(bi, mods[i].paddr, mods[i].size, "boot module");
    }
    bi->nmodules = si->nr_modules;
    reserve(bi, si->modlist_paddr, si->nr_modules * sizeof(*mods), "PVH module list");
}

void pvh_parse(uint32_t start_info_pa, struct boot_info *bi)
{
    const struct hvm_start_info *si = boot_ptr(start_info_pa, sizeof(*si));

    if (si->magic != HVM_START_MAGIC)
        panic("PVH: bad start_info magic %#x at %#x (not booted through PVH?)", si->magic, start_info_pa);
    bi->loader = "PVH";
    /* The first MiB holds firmware data and keeps physical page 0 out of the allocator. */
    reserve(bi, 0, 0x100000, "first MiB (firmware)");
    reserve(bi, (uint64_t)__kernel_start - KERNEL_VIRT_BASE, (uint64_t)(__kernel_end - __kernel_start),
            "kernel image");
    reserve(bi, start_info_pa, sizeof(*si), "PVH start info");
    parse_memmap(si, bi);
    parse_modules(si, bi);
    if (si->cmdline_paddr) {
        const char *cmd = boot_ptr(si->cmdline_paddr, BOOT_CMDLINE_MAX);
        size_t n = 0;
        while (n < BOOT_CMDLINE_MAX - 1 && cmd[n])
            n++;
        memcpy(bi->cmdline, cmd, n);
        bi->cmdline[n] = '\0';
        reserve(bi, si->cmdline_paddr, n + 1, "command line");
    }
}
