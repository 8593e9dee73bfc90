/*
 * The IDT and the first stop of every interrupt and exception. Interrupts go to their device code;
 * an exception in the kernel is a bug, so it produces the fault report documented in docs/debugging.md
 * (vector, error code, registers, CR2, the symbol of RIP and a backtrace) and panics. Exceptions from
 * user mode become exception messages to the thread's handler (ipc.c), or, with no handler, the same
 * report and a stopped thread.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <core/device.h>
#include <core/ipc.h>
#include <core/kernel.h>
#include <core/ksyms.h>
#include <core/object.h>
#include <core/syscall.h>
#include <core/timer.h>
#include <core/user.h>
#include <proteus/exception.h>
#include <proteus/status.h>
#include <proteus/syscall.h>
#include <proteus/abi.h>
#include <stddef.h>

struct idt_gate {
    uint16_t off_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t zero;
} __packed;

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout is fixed by the CPU");
_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8, "isr.S pushes 15 registers, rax first");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "isr.S pushes the vector after the error code");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "the CPU frame follows the error code");
_Static_assert(sizeof(struct trap_frame) % 16 == 0, "trap_dispatch must be called on an aligned stack");
_Static_assert(offsetof(struct trap_frame, cs) == TRAP_FRAME_CS, "isr.S tests the CS of the frame");
_Static_assert(offsetof(struct trap_frame, r11) == TRAP_FRAME_R11 &&
                   offsetof(struct trap_frame, rcx) == TRAP_FRAME_RCX &&
                   offsetof(struct trap_frame, rip) == TRAP_FRAME_RIP &&
                   offsetof(struct trap_frame, rflags) == TRAP_FRAME_RFLAGS,
               "isr.S compares these before it returns with sysretq");

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

extern const uint64_t isr_stub_table[NR_STUB_VECTORS];
extern const uint64_t isr_spurious;

static struct idt_gate idt[256];
struct trap_expect trap_expect = {.vector = -1};

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
};

static void set_gate(unsigned vec, uint64_t handler, unsigned ist)
{
    idt[vec] = (struct idt_gate){
        .off_lo = handler & 0xffff,
        .selector = GDT_KERNEL_CS,
        .ist = ist,
        .type_attr = GATE_INTERRUPT,
        .off_mid = (handler >> 16) & 0xffff,
        .off_hi = handler >> 32,
    };
}

void idt_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed idtr = {sizeof(idt) - 1, (uint64_t)idt};

    for (unsigned v = 0; v < NR_STUB_VECTORS; v++)
        set_gate(v, isr_stub_table[v], 0);
    set_gate(VEC_DF, isr_stub_table[VEC_DF], IST_DOUBLE_FAULT);
    set_gate(VEC_NMI, isr_stub_table[VEC_NMI], IST_NMI);
    set_gate(VEC_SPURIOUS, isr_spurious, 0);
    __asm__ volatile("lidt %0" ::"m"(idtr));
}

/* Print <symbol+offset> of addr, looking the symbol up at addr - bias (1 for return addresses). */
static void print_symbol(uint64_t addr, uint64_t bias)
{
    uint64_t off;
    const char *name = ksym_lookup(kernel_ksyms(), addr - bias, &off);

    if (name)
        kprintf("<%s+0x%lx>", name, (unsigned long)(off + bias));
    else
        kprintf("<?>");
}

/* Walk the frame-pointer chain (the kernel is built with -fno-omit-frame-pointer). */
static void backtrace_from(const uint64_t *fp)
{
    kprintf("backtrace:\n");
    /* Frames live on kernel stacks in the higher half; anything else ends the walk. */
    for (int depth = 0; depth < 16 && fp && (uint64_t)fp >= KERNEL_SPACE_START && ((uint64_t)fp & 7) == 0;
         depth++) {
        uint64_t ret = fp[1];
        if (ret < KERNEL_SPACE_START)
            break;
        kprintf("  #%d 0x%016lx ", depth, (unsigned long)ret);
        print_symbol(ret, 1); /* the call, not what follows it: a noreturn call may end a function */
        kprintf("\n");
        if (fp[0] <= (uint64_t)fp)
            break;
        fp = (const uint64_t *)fp[0];
    }
}

void arch_dump_backtrace(void) { backtrace_from(__builtin_frame_address(0)); }

static void describe_pf(uint64_t err)
{
    kprintf(" (%s, %s, %s mode%s%s)", err & PF_WRITE ? "write" : "read",
            err & PF_PRESENT ? "protection violation" : "not present", err & PF_USER ? "user" : "kernel",
            err & PF_FETCH ? ", instruction fetch" : "", err & PF_RSVD ? ", reserved bit set" : "");
}

static void fault_report(const struct trap_frame *f, uint64_t cr2)
{
    const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector] : "?";

    kprintf("*** FAULT: %s (vector %lu) in %s mode, error code %#lx", name, (unsigned long)f->vector,
            (f->cs & 3) ? "user" : "kernel", (unsigned long)f->error);
    if (f->vector == VEC_PF)
        describe_pf(f->error);
    kprintf("\n    RIP 0x%016lx ", (unsigned long)f->rip);
    if (!(f->cs & 3))
        print_symbol(f->rip, 0); /* the kernel knows only its own symbols */
    kprintf("\n    CR2 0x%016lx  CR3 0x%016lx  RFLAGS 0x%08lx  CS %#lx SS %#lx\n", (unsigned long)cr2,
            (unsigned long)read_cr3(), (unsigned long)f->rflags, (unsigned long)f->cs, (unsigned long)f->ss);
    kprintf("    RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx  RDX 0x%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("    RSI 0x%016lx  RDI 0x%016lx  RBP 0x%016lx  RSP 0x%016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
    kprintf("    R8  0x%016lx  R9  0x%016lx  R10 0x%016lx  R11 0x%016lx\n", f->r8, f->r9, f->r10, f->r11);
    kprintf("    R12 0x%016lx  R13 0x%016lx  R14 0x%016lx  R15 0x%016lx\n", f->r12, f->r13, f->r14, f->r15);
    if (!(f->cs & 3))
        backtrace_from((const uint64_t *)f->rbp);
}

static bool take_expected(struct trap_frame *f)
{
    if (trap_expect.vector != (int)f->vector)
        return false;
    trap_expect.hits++;
    trap_expect.error = f->error;
    trap_expect.vector = -1;
    f->rip += trap_expect.skip;
    return true;
}

void arch_dump_user_fault(const struct thread *t)
{
    if (t->task->is_root)
        kprintf("root task: ");
    fault_report(&t->ctx.frame, t->exc_addr);
}

/* A user thread's exception becomes an exception message (exception.h). */
static void user_exception(struct trap_frame *f)
{
    uint64_t cr2 = f->vector == VEC_PF ? read_cr2() : 0, access = 0, kind;

    switch (f->vector) {
    case VEC_PF:
        kind = PX_EXC_PAGE_FAULT;
        access = (f->error & PF_WRITE ? PX_ACCESS_WRITE : PX_ACCESS_READ) |
                 (f->error & PF_FETCH ? PX_ACCESS_EXEC : 0) | (f->error & PF_PRESENT ? PX_ACCESS_PRESENT : 0);
        break;
    case VEC_GP:
        kind = PX_EXC_GENERAL;
        break;
    case VEC_UD:
        kind = PX_EXC_INVALID_OPCODE;
        break;
    case VEC_DE:
        kind = PX_EXC_DIVIDE;
        break;
    case VEC_DB:
    case VEC_BP:
        kind = PX_EXC_DEBUG;
        break;
    default:
        kind = PX_EXC_OTHER;
        break;
    }
    ipc_exception(kind, f->vector == VEC_PF || f->vector == VEC_GP ? f->error : f->vector, cr2, access);
}

static void timer_interrupt(void)
{
    uint64_t due = apic_timer_tick(), now = time_now_ns();

    sched_tick();
    timers_expire(now > due ? now : due); /* an interrupt a little early is still its tick */
}

static inline struct trap_frame *trap_exit_to_user(void);

/*
 * Every entry. From user mode the frame is the current thread's saved state and we return the frame of
 * the thread to run next; from kernel mode (the idle loop, or a kernel bug) we return to where we were.
 */
struct trap_frame *trap_dispatch(struct trap_frame *f)
{
    bool user = f->cs & 3;

    if (f->vector == VEC_SYSCALL)
        syscall_dispatch();
    else if (f->vector == VEC_TIMER)
        timer_interrupt();
    else if (f->vector >= VEC_IRQ_BASE && f->vector < VEC_IRQ_BASE + PX_IRQ_LINES)
        ioapic_interrupt((unsigned)(f->vector - VEC_IRQ_BASE));
    else if (f->vector == VEC_SPURIOUS)
        ; /* no EOI for spurious interrupts */
    else if (f->vector < 32 && user)
        user_exception(f);
    else if (f->vector < 32) {
        if (take_expected(f))
            return f;
        console_emergency();
        fault_report(f, read_cr2());
        if ((f->vector == VEC_DF || f->vector == VEC_PF) && arch_in_stack_guard(read_cr2()))
            panic_quiet("kernel stack overflow: %#lx is the guard page under a kernel stack",
                        (unsigned long)read_cr2());
        panic_quiet("unhandled exception %lu in kernel mode", (unsigned long)f->vector);
    } else {
        kprintf("trap: unexpected interrupt vector %lu\n", (unsigned long)f->vector);
        apic_eoi();
    }
    if (!user)
        return f;
    return trap_exit_to_user();
}

/* The way out of every entry from user mode: the frame of the thread to run next. */
static inline struct trap_frame *trap_exit_to_user(void)
{
    if (klog_pending)
        klog_flush();
    struct thread *next = sched_next();
    if (kobj_zombie)
        kobj_reap();
    return &next->ctx.frame;
}

/* syscall_entry's way in: the frame is the current thread's, and only a system call needs decoding. */
struct trap_frame *syscall_trap(struct trap_frame *f)
{
    struct thread *next = ipc_fastpath_wants(current) ? ipc_fastpath() : NULL;

    (void)f;
    if (next)
        return &next->ctx.frame;
    syscall_dispatch();
    return trap_exit_to_user();
}

/*
 * Leaf calls (syscall.S): answered without a frame, so what they may do is narrow. They only read, so
 * they leave nothing for the general way out's chores: no log output to flush, no thread made runnable
 * (so no scheduling decision: need_resched is clear whenever user code runs, since every way out of the
 * kernel settles it), nothing freed to reap. The results are the general path's exactly
 * (tests/user/fastpath_test.c compares the registers both ways); PX_SYS_DEBUG_FASTPATH's switch turns
 * this path off with the IPC fast path.
 */
const uint8_t syscall_leaf_table[PX_SYS_RANGE_END] = {
    [PX_SYS_ABI_VERSION] = 1,
    [PX_SYS_ASPACE_SWITCHES] = 1,
};
extern uint64_t syscall_leaf_nr; /* the call's number (rax), put there by syscall_leaf_entry */
uint64_t syscall_leaf_hits;

struct leaf_result {
    int64_t status; /* rax */
    uint64_t value; /* rdx */
};

/* A leaf: no frame pointer to keep (a backtrace from here has nothing to show). */
__attribute__((no_caller_saved_registers, used, optimize("omit-frame-pointer"))) struct leaf_result
syscall_leaf(uint64_t arg0, uint64_t arg1, uint64_t arg2)
{
    (void)arg0, (void)arg1, (void)arg2;
    if (!ipc_fastpath_enabled || (current->flags & PX_THREAD_FOREIGN_ABI))
        return (struct leaf_result){SYSCALL_LEAF_DECLINED, 0};
    syscall_leaf_hits++;
    if (syscall_leaf_nr == PX_SYS_ABI_VERSION)
        return (struct leaf_result){PX_OK, PX_ABI_VERSION};
    return (struct leaf_result){PX_OK, mmu_cr3_loads()}; /* PX_SYS_ASPACE_SWITCHES */
}

/*
 * The first entry into user mode. Interrupts must be masked here, as everywhere in the kernel outside the
 * idle wait: trap_return_to points RSP at the thread's saved frame, which is the start of its struct
 * thread, and an interrupt taken from kernel mode before iretq pushes its own frame on that RSP, below the
 * struct: into the slab header in front of the first thread object (the root's). The kernel once booted
 * with interrupts on; a tick in that window wrote its vector (0x20) into the thread slab's list link, and
 * the next thread_create faulted on it (docs/reliability.md).
 */
void arch_start_user(struct thread *t)
{
    (void)t;
    kassert(!irqs_enabled());
    trap_return_to(&sched_next()->ctx.frame);
}
