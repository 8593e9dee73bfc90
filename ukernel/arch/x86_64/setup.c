/*
 * x86_64 bring-up: from boot.S's minimal long mode to the generic kernel_main. Also the small arch hooks
 * the generic kernel calls: shutdown, idle, and the hooks main.c uses to finish the machine set-up.
 */
#include <arch/apic.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <arch/pvh.h>
#include <arch/trap.h>
#include <core/kernel.h>
#include <core/main.h>
#include <core/string.h>

/* QEMU's isa-debug-exit device (tools/runner.py adds it): writing v exits QEMU with status 2v+1. */
#define DEBUG_EXIT_PORT 0xf4

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE (1ull << 0)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

void serial_init(void);
void syscall_entry(void);
extern char boot_stack_top[];

static struct boot_info boot_info;
bool arch_smap;

/* SSE must be usable by user tasks (their libc uses it); the kernel itself is built without it. */
static void fpu_init(void)
{
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    uint32_t mxcsr = 0x1f80, mask; /* all exceptions masked, round to nearest: the start-of-day state */
    static uint8_t image[512] __attribute__((aligned(16)));
    __asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
    __asm__ volatile("fxsave64 %0" : "=m"(image));
    memcpy(&mask, image + 28, 4);
    arch_mxcsr_mask = mask ? mask : 0xffbf; /* 0: the CPU predates MXCSR_MASK (SDM vol. 1, 11.6.6) */
}

/*
 * User mode: entries from ring 3 save the thread's state into the thread itself (TSS.rsp0 points at the
 * end of its frame), then run on the boot stack, which is free once kernel_main has handed the CPU to
 * user code: the kernel keeps no state on it between entries. syscall masks IF, DF, TF and AC. SMEP,
 * where the CPU has it, stops the kernel executing user pages, and SMAP stops it reading or writing them
 * outside the copy routines (arch_copy_from_user, arch_copy_to_user).
 */
static void user_mode_init(void)
{
    uint32_t r[4];

    cpu_tss.rsp[0] = (uint64_t)boot_stack_top; /* until the first thread runs: then its own frame */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DS - 8) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_SFMASK, RFLAGS_IF | (1u << 10) | (1u << 8) | (1u << 18));
    cpuid(7, 0, r);
    if (r[1] & (1u << 7))
        write_cr4(read_cr4() | CR4_SMEP);
    if (r[1] & (1u << 20)) {
        write_cr4(read_cr4() | CR4_SMAP);
        arch_smap = true;
    }
}

__noreturn void arch_boot(uint32_t start_info_pa);
void arch_boot(uint32_t start_info_pa)
{
    serial_init();
    gdt_init();
    idt_init();
    fpu_init();
    user_mode_init();
    pvh_parse(start_info_pa, &boot_info);
    kernel_main(&boot_info);
}

paddr_t arch_boot_map_limit(void) { return BOOT_MAP_SIZE; }
void *arch_boot_phys_to_virt(paddr_t pa) { return phys_to_virt(pa); }
void arch_mm_init(const struct boot_info *bi) { mmu_init(bi); }

void arch_timer_init(void)
{
    apic_init();
    ioapic_init();
    apic_timer_start();
}

void arch_print_info(void)
{
    kprintf("timer: local APIC at %lu Hz bus clock, %d Hz tick; TSC %lu.%03lu MHz (%s)\n",
            (unsigned long)apic_bus_hz(), TIMER_HZ, (unsigned long)(arch_tsc_hz() / 1000000),
            (unsigned long)(arch_tsc_hz() / 1000 % 1000), tsc_source());
}

void arch_idle(void) { cpu_idle(); }

void arch_shutdown(enum shutdown_code code)
{
    irq_disable();
    outl(DEBUG_EXIT_PORT, code);
    /* Still here: the machine has no isa-debug-exit device. */
    kprintf("shutdown: no isa-debug-exit device; halting (status %d)\n", code);
    for (;;)
        __asm__ volatile("cli; hlt");
}
