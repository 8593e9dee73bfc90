/* Kernel page tables: building them at boot, mapping device registers, and inspecting a mapping. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <arch/cpu.h>
#include <arch/memlayout.h>
#include <core/bootinfo.h>
#include <stdbool.h>
#include <stdint.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

void mmu_init(const struct boot_info *bi);
void *mmu_map_mmio(uint64_t pa, uint64_t size);

/* The leaf entry mapping va in the kernel's tables (with PS set for a large page); false if unmapped. */
bool mmu_lookup(uint64_t va, uint64_t *pte);

/* Kernel stack guards: the unmapped page under each kernel stack (the boot stack and the IST stacks).
 * arch_stack_guard(i) is the i-th guard's address, 0 past the last (gdt.c). */
#include <stdint.h>
uintptr_t arch_stack_guard(unsigned i);
bool arch_in_stack_guard(uint64_t va);

/* The number of CR3 loads (address-space switches) since boot. */
extern uint64_t cr3_loads;
static inline uint64_t mmu_cr3_loads(void) { return cr3_loads; }

/* A user address space (mmu.c); here so that a thread switch (context.c) loads it inline. */
struct aspace {
    uint64_t *pml4;
    /* The last page table user_pte reached and the 2 MiB region it maps (va >> 21): consecutive pages
     * (a batch of maps, an unmap of a range) find their entry without a walk. Page tables are freed only
     * with the address space, so the pointer stays good. */
    uint64_t *leaf;
    uint64_t leaf_region;
};

/* Switch to as (a CR3 load, counted, unless it is already loaded). */
static inline void arch_activate(struct aspace *as)
{
    uint64_t pa = virt_to_phys(as->pml4);

    if (read_cr3() != pa) {
        cr3_loads++;
        write_cr3(pa);
    }
}

#endif
