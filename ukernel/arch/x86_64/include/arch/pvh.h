/*
 * The PVH boot protocol's start-of-day structures, as the x86 PVH ABI defines them (Xen public header
 * arch-x86/hvm/start_info.h describes the same layout). All addresses are physical.
 */
#ifndef ARCH_PVH_H
#define ARCH_PVH_H

#include <core/bootinfo.h>
#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
    uint32_t magic;
    uint32_t version; /* 1 adds the memory map */
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* E820 types: 1 = RAM */
    uint32_t reserved;
};

#define HVM_MEMMAP_RAM 1

void pvh_parse(uint32_t start_info_pa, struct boot_info *bi);

#endif
