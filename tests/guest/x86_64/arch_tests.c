/*
 * x86_64 in-kernel tests. Suite "arch": the page tables enforce W^X, the trap path returns from an
 * exception, and the kernel runs with interrupts masked. Suites "fault", "triplefault" and "hang" deliberately crash or hang the machine: they test
 * that the fault report and the runner's failure detection work (tests/guest/check_failure.py).
 */
#include <arch/cpu.h>
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <core/kernel.h>
#include <core/ktest.h>

extern char __text_start[], __rodata_start[], __data_start[], __ksyms_start[];

static void expect_mapping(const char *what, const void *va, uint64_t must, uint64_t must_not)
{
    uint64_t pte;

    if (!mmu_lookup((uint64_t)va, &pte)) {
        ktest_fail("%s %p is not mapped", what, va);
        return;
    }
    if ((pte & must) != must || (pte & must_not))
        ktest_fail("%s %p has PTE %#lx", what, va, (unsigned long)pte);
}

KTEST(arch, w_xor_x)
{
    static int data_object = 1;

    expect_mapping("text", __text_start, PTE_P, PTE_W | PTE_NX);
    expect_mapping("text", (char *)&ktest_boot_info, PTE_P, PTE_W | PTE_NX);
    expect_mapping("rodata", __rodata_start, PTE_P | PTE_NX, PTE_W);
    expect_mapping("data", __data_start, PTE_P | PTE_W | PTE_NX, 0);
    expect_mapping("data", &data_object, PTE_P | PTE_W | PTE_NX, 0);
    expect_mapping("direct map", phys_to_virt(0x200000), PTE_P | PTE_W | PTE_NX, 0);
    KT_EXPECT(read_cr0() & CR0_WP);
    KT_EXPECT(rdmsr(MSR_EFER) & EFER_NXE);
}

KTEST(arch, low_memory_unmapped)
{
    uint64_t pte;

    KT_EXPECT(!mmu_lookup(0, &pte));
    KT_EXPECT(!mmu_lookup(KERNEL_PHYS_LOAD, &pte));
}

KTEST(arch, exception_returns)
{
    trap_expect = (struct trap_expect){.vector = VEC_UD, .skip = 2};
    __asm__ volatile("ud2");
    KT_EXPECT(trap_expect.hits == 1);
    trap_expect = (struct trap_expect){.vector = VEC_BP, .skip = 0}; /* int3 reports RIP after itself */
    __asm__ volatile("int3");
    KT_EXPECT(trap_expect.hits == 1);
    trap_expect.vector = -1;
}

/*
 * The kernel takes interrupts only in user mode and in its idle wait: with the tick running (the tests run
 * where kernel_main would build the root task and enter user mode), interrupts are masked, and the idle
 * wait masks them again. An interrupt taken with RSP on a thread's saved frame, as on the way out to user
 * mode, pushes its frame below the thread object (arch_start_user, trap.c).
 */
KTEST(arch, kernel_runs_with_interrupts_masked)
{
    uint64_t t0 = arch_timer_ticks(), c0 = arch_read_cycles();

    KT_EXPECT(!irqs_enabled());
    while (arch_timer_ticks() == t0 && arch_read_cycles() - c0 < 20 * arch_tsc_hz())
        arch_idle();
    KT_EXPECT(arch_timer_ticks() > t0);
    KT_EXPECT(!irqs_enabled());
}

static void expect_write_faults(const char *what, volatile uint8_t *p)
{
    uint8_t before = *p;

    trap_expect = (struct trap_expect){.vector = VEC_PF, .skip = 2};
    /* movb %cl, (%rax) is 2 bytes (88 08); it writes back the same value in case it does not fault. */
    __asm__ volatile("movb %%cl, (%%rax)" ::"a"(p), "c"(before ^ 0xff) : "memory");
    if (trap_expect.hits != 1)
        ktest_fail("writing %s at %p did not fault", what, (void *)p);
    else if ((trap_expect.error & (PF_PRESENT | PF_WRITE)) != (PF_PRESENT | PF_WRITE))
        ktest_fail("writing %s: error code %#lx", what, (unsigned long)trap_expect.error);
    KT_EXPECT(*p == before);
    trap_expect.vector = -1;
}

KTEST(arch, write_to_text_and_rodata_faults)
{
    expect_write_faults("rodata", (volatile uint8_t *)__rodata_start);
    expect_write_faults("text", (volatile uint8_t *)__text_start);
}

/* The documented fault report: a kernel write to an unmapped address. */
__attribute__((noinline)) void ktest_fault_trigger(volatile uint64_t *p);
void ktest_fault_trigger(volatile uint64_t *p) { *p = 0x1234; }

KTEST(fault, page_fault_report) { ktest_fault_trigger((volatile uint64_t *)0xdead000); }

KTEST(triplefault, triple_fault)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed empty = {0, 0};

    __asm__ volatile("lidt %0; int3" ::"m"(empty));
}

/* Unbounded recursion: the boot stack runs into its guard page, which is reported as a stack overflow. */
__attribute__((noinline)) uint64_t ktest_recurse(volatile uint64_t *depth);
uint64_t ktest_recurse(volatile uint64_t *depth)
{
    volatile uint64_t frame[32];

    frame[*depth % 32] = ++*depth;
    if (*depth == 0) /* never: the volatile read keeps the compiler from seeing endless recursion */
        return 0;
    return ktest_recurse(depth) + frame[3];
}

KTEST(stackoverflow, stack_overflow)
{
    volatile uint64_t depth = 0;

    ktest_recurse(&depth);
}

KTEST(hang, hang)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}
