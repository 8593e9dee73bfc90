/*
 * Segment selectors. The order is fixed by syscall/sysret: STAR makes the kernel SS = kernel CS + 8 and,
 * on return to 64-bit user mode, SS = STAR[63:48] + 8 and CS = STAR[63:48] + 16, so user data precedes
 * user code and both follow the kernel pair.
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS 0x18
#define GDT_USER_CS 0x20
#define GDT_TSS 0x28 /* 16-byte system descriptor */
#define GDT_ENTRIES 7

#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout is fixed by the CPU");

extern struct tss cpu_tss;
void gdt_init(void);
#endif

#endif
