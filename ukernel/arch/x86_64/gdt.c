/*
 * The GDT and the TSS. Long mode ignores segment bases and limits for code and data, so the descriptors
 * only carry the privilege level and the 64-bit flag. The TSS supplies the kernel stack for entries from
 * user mode (rsp0) and the separate stacks of the IST, used for faults that cannot trust the current stack.
 */
#include <arch/gdt.h>
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <core/compiler.h>
#include <core/pmm.h>

struct tss cpu_tss;
static uint64_t gdt[GDT_ENTRIES];
/* Each IST stack has a guard page under it, unmapped by mmu_init (arch_stack_guard). */
static struct {
    uint8_t guard[PAGE_SIZE];
    uint8_t stack[IST_STACK_SIZE];
} ist_stacks[2] __attribute__((aligned(PAGE_SIZE)));
_Static_assert(IST_STACK_SIZE % PAGE_SIZE == 0, "IST stacks fill whole pages");

extern char boot_stack_guard[];

uintptr_t arch_stack_guard(unsigned i)
{
    if (i < 2)
        return (uintptr_t)ist_stacks[i].guard;
    return i == 2 ? (uintptr_t)boot_stack_guard : 0;
}

#define SEG_PRESENT (1ull << 47)
#define SEG_USER (3ull << 45)
#define SEG_CODE_DATA (1ull << 44)
#define SEG_EXEC (1ull << 43)
#define SEG_RW (1ull << 41)
#define SEG_LONG (1ull << 53)

static void load_segments(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed gdtr = {sizeof(gdt) - 1, (uint64_t)gdt};

    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(gdtr), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
                     : "rax", "memory");
}

void gdt_init(void)
{
    uint64_t tss = (uint64_t)&cpu_tss;

    gdt[GDT_KERNEL_CS / 8] = SEG_PRESENT | SEG_CODE_DATA | SEG_EXEC | SEG_RW | SEG_LONG;
    gdt[GDT_KERNEL_DS / 8] = SEG_PRESENT | SEG_CODE_DATA | SEG_RW;
    gdt[GDT_USER_DS / 8] = SEG_PRESENT | SEG_USER | SEG_CODE_DATA | SEG_RW;
    gdt[GDT_USER_CS / 8] = SEG_PRESENT | SEG_USER | SEG_CODE_DATA | SEG_EXEC | SEG_RW | SEG_LONG;
    /* Available 64-bit TSS (type 9): limit, base split over two slots. */
    gdt[GDT_TSS / 8] = (sizeof(cpu_tss) - 1) | ((tss & 0xffffff) << 16) | (9ull << 40) | SEG_PRESENT |
                       ((tss >> 24) & 0xff) << 56;
    gdt[GDT_TSS / 8 + 1] = tss >> 32;

    cpu_tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)&ist_stacks[0].stack[IST_STACK_SIZE];
    cpu_tss.ist[IST_NMI - 1] = (uint64_t)&ist_stacks[1].stack[IST_STACK_SIZE];
    cpu_tss.iomap_base = sizeof(cpu_tss); /* no I/O bitmap: user port access faults */
    load_segments();
}
