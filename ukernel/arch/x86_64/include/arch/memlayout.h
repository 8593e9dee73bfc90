/*
 * Virtual memory layout of the kernel on x86_64. Included by C, assembly and the linker script, so it holds
 * only plain constants.
 *
 *   0x0000000000000000 +------------------------------+
 *                      | user space (per task)        |   lower half, 128 TiB
 *   0x00007fffffffffff +------------------------------+
 *                      |   non-canonical hole         |
 *   0xffff800000000000 +------------------------------+ PHYS_MAP_BASE
 *                      | direct map of physical RAM   |   RW, NX, 2 MiB pages, up to 512 GiB
 *   0xffffff8000000000 +------------------------------+ MMIO_BASE
 *                      | device registers (LAPIC...)  |   RW, NX, uncached, 4 KiB pages
 *   0xffffffff80000000 +------------------------------+ KERNEL_VIRT_BASE
 *                      | kernel image, loaded at      |   text RX, rodata R, data/bss RW+NX
 *                      | physical KERNEL_PHYS_LOAD    |
 *   0xffffffffffffffff +------------------------------+
 *
 * During boot (before mmu_init) the first GiB of physical memory is mapped at 0, at PHYS_MAP_BASE and at
 * KERNEL_VIRT_BASE with 2 MiB pages; mmu_init replaces that with the layout above and drops the identity map.
 */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#define USER_BASE 0x1000            /* page 0 is never mapped */
#define USER_TOP 0x00007ffffffff000 /* first address above user space */
#define USER_STACK_TOP 0x00007fff00000000

#define KERNEL_VIRT_BASE 0xffffffff80000000
#define KERNEL_PHYS_LOAD 0x100000
#define KERNEL_SPACE_START 0xffff800000000000 /* everything above is the kernel's */
#define PHYS_MAP_BASE 0xffff800000000000
#define PHYS_MAP_SIZE 0x8000000000 /* 512 GiB: one PML4 slot */
#define MMIO_BASE 0xffffff8000000000
#define MMIO_SIZE 0x40000000     /* 1 GiB */
#define BOOT_MAP_SIZE 0x40000000 /* what boot.S maps before mmu_init */

#define KERNEL_STACK_SIZE 0x4000
#define IST_STACK_SIZE 0x2000

#ifndef __ASSEMBLER__
#include <stdint.h>
static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)(pa + PHYS_MAP_BASE); }
static inline uint64_t virt_to_phys(const void *va)
{
    uintptr_t v = (uintptr_t)va;
    return v >= KERNEL_VIRT_BASE ? v - KERNEL_VIRT_BASE : v - PHYS_MAP_BASE;
}
#endif

#endif
