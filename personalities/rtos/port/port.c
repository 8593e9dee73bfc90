/*
 * The Proteus port: how the RTOS runs as one unprivileged Proteus task (docs/rtos.md).
 *
 * Each RTOS task is a Proteus thread of this task, at one priority below the guest kernel's interrupt
 * thread (the task's first thread, which runs main and then kernel_loop). Only the thread of the task the
 * scheduler chose is runnable; every other is stopped. The interrupt thread alone starts and stops
 * threads: it waits on an endpoint that is every task thread's exception handler and that has a
 * notification bound to it, whose bits are the tick (a Proteus timer), the application's interrupt
 * sources and nothing else.
 *
 * - A task that must give up the CPU (it blocks, yields, or woke a higher-priority task) executes the ud2
 *   at rtos_trap: the kernel stops it and sends its registers to the interrupt thread, which steps it over
 *   the instruction and resumes whichever task rtos_pick chooses.
 * - A tick or an interrupt wakes the interrupt thread, which preempts whatever task runs (it has the
 *   higher Proteus priority), so a spinning task loses the CPU when its slice or a better task is due.
 * - Critical sections are virtual interrupt masking: crit_depth > 0 tells the interrupt thread not to
 *   touch the scheduler's state; it records that work is deferred, and the task's closing
 *   taskEXIT_CRITICAL traps to let it run. The machine has one CPU, so the two never run at once.
 * - A task thread's fault (page fault, divide error, ...) is an exception message too: the task is
 *   reported by name and stopped; the others go on.
 */
#include "../kernel/rtos.h"
#include "proteus_rtos.h"
#include <libos/libos.h>
#include <proteus/ipc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if configTICK_RATE_HZ > 1000
#error "the Proteus timer's resolution is 1 ms: configTICK_RATE_HZ must be at most 1000"
#endif

#define TICK_NS (1000000000ull / configTICK_RATE_HZ)
#define TICK_SLACK_NS 100000ull
#define MIN_STACK_BYTES (16u * 1024) /* the C library's printf needs several KiB */
#define PAGE 4096u
#define CANARY 0xa5a5a5a5a5a5a5a5ull
#define CANARY_WORDS 4
#define STATUS_FAULTED 70 /* the run's status when a task faulted and nothing chose another */

enum { TRAP_YIELD = 1, TRAP_IDLE, TRAP_EXIT };
#define BIT_TICK 1ull
#define BIT_ISR0 2ull /* interrupt sources: bits 1..MAX_ISRS */
#define MAX_ISRS 16

void rtos_trap(uint64_t request, uint64_t arg);
__asm__(".text\n.globl rtos_trap\n.type rtos_trap,@function\nrtos_trap:\n\tud2\n\tret\n"
        ".size rtos_trap, .-rtos_trap\n");

static volatile uint32_t crit_depth; /* the running task's critical-section nesting */
static volatile bool deferred;       /* the interrupt thread left work for when it reaches 0 */
static volatile bool yield_pending;  /* a task asked for a switch inside a critical section */
static volatile bool in_isr;         /* the interrupt thread is running (interrupt context) */
static bool isr_yield;               /* portYIELD_FROM_ISR was called */

static bool port_ready;
static uint32_t endpoint, ntfn, tick_timer;
static unsigned kernel_prio, task_prio;
static uint64_t t0, ticks_done, events;
static rtos_task *running; /* the task whose thread was last resumed (it may be parked) */
static unsigned faults;

static struct {
    ProteusIsr_t fn;
    void *arg;
} isrs[MAX_ISRS];
static unsigned nisrs;

/* Output that must not wait for a task's stdio: straight to the console. */
static void report(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = sizeof(buf) - 1;
    if (n > 0)
        libos_console_write(buf, (size_t)n);
}

static void fatal(const char *what)
{
    report("rtos: %s\n", what);
    px_task_exit(125);
}

/* The endpoint, the notification and the priorities: before the first task is made. */
static void port_init(void)
{
    unsigned p;

    if (port_ready)
        return;
    /* Our own priority is the highest one we may set ourselves to. */
    for (p = PX_PRIO_MAX; p > 1; p--)
        if (px_thread_set_sched(libos_bootinfo->cap_thread, p, PX_TIMESLICE_DEFAULT_US) == PX_OK)
            break;
    kernel_prio = p;
    task_prio = p - 1;
    if (!(endpoint = libos_slot_alloc()) || px_endpoint_create(endpoint) != PX_OK || !(ntfn = libos_slot_alloc()) ||
        px_notification_create(ntfn) != PX_OK || px_thread_bind(libos_bootinfo->cap_thread, ntfn) != PX_OK ||
        !(tick_timer = libos_slot_alloc()) || px_timer_create(tick_timer, ntfn, BIT_TICK) != PX_OK)
        fatal("cannot make its endpoint, notification and tick timer");
    port_ready = true;
}

bool port_task_prepare(rtos_task *t, size_t stack_bytes, StackType_t *static_stack)
{
    uint64_t pages;
    uint8_t *mem;

    port_init();
    if (static_stack) { /* the application's stack; a frame for the TLS block and IPC buffer */
        if (!(mem = libos_map_new(2, &t->port.frame)))
            return false;
        t->stack = static_stack;
        t->stack_bytes = stack_bytes;
        t->port.stack_pages = 0;
        t->port.tls = mem;
        for (int i = 0; i < CANARY_WORDS; i++)
            static_stack[i] = CANARY;
        return true;
    }
    if (stack_bytes < MIN_STACK_BYTES)
        stack_bytes = MIN_STACK_BYTES;
    pages = (stack_bytes + PAGE - 1) / PAGE;
    /* libos leaves an unmapped page below every range: an overflow faults there. */
    if (!(mem = libos_map_new(pages + 2, &t->port.frame)))
        return false;
    t->stack = (StackType_t *)mem;
    t->stack_bytes = pages * PAGE;
    t->port.stack_pages = pages;
    t->port.tls = mem + pages * PAGE;
    return true;
}

static void task_entry(rtos_task *t)
{
    t->fn(t->arg);
    report("rtos: task '%s' returned from its function: deleted\n", t->name); /* FreeRTOS tasks never return */
    vTaskDelete(NULL);
    for (;;)
        ;
}

void port_task_setup(rtos_task *t)
{
    uint32_t th = libos_slot_alloc(), handler = libos_slot_alloc();
    struct libos_tls *tls = (struct libos_tls *)t->port.tls;
    struct px_regs r = {0};
    uint64_t top = ((uint64_t)(uintptr_t)t->stack + t->stack_bytes) & ~15ull;

    tls->self = tls;
    tls->ipc_buffer = (struct px_ipc_buffer *)(t->port.tls + PAGE);
    tls->stack_guard = 0x3c6ef372fe94f82bull ^ (uint64_t)(uintptr_t)tls;
    r.rip = (uint64_t)(uintptr_t)task_entry;
    r.rsp = top - 8; /* as if called */
    r.rdi = (uint64_t)(uintptr_t)t;
    r.fs_base = (uint64_t)(uintptr_t)tls;
    int64_t st = PX_ERR_NOMEM;
    const char *step = "cap slots";
    if (th && handler && (step = "thread", st = px_thread_create(libos_bootinfo->cap_task, th)) == PX_OK &&
        (step = "handler cap", st = px_cap_mint(endpoint, handler, PX_R_WRITE, (uint64_t)(uintptr_t)t)) == PX_OK &&
        (step = "registers", st = px_thread_write_regs(th, &r)) == PX_OK &&
        (step = "IPC buffer", st = px_thread_set_ipc_buf(th, t->port.frame, t->port.stack_pages + 1)) == PX_OK &&
        (step = "priority", st = px_thread_set_sched(th, task_prio, PX_TIMESLICE_DEFAULT_US)) == PX_OK &&
        (step = "handler", st = px_thread_set_handler(th, handler, 0)) == PX_OK)
        step = NULL;
    if (step) {
        report("rtos: cannot make the thread of task '%s': %s failed with status %lld\n", t->name, step,
               (long long)st);
        px_task_exit(125);
    }
    t->port.handler = handler;
    t->port.thread = th;
    t->port.stopped = 1;
}

void port_task_release(rtos_task *t)
{
    if (t == running)
        running = NULL;
    px_obj_destroy(t->port.thread);
    px_cap_delete(t->port.thread); /* the dead cap leaves the slot */
    libos_slot_free(t->port.thread);
    px_cap_delete(t->port.handler);
    libos_slot_free(t->port.handler);
    if (t->port.stack_pages)
        libos_unmap_free(t->stack, t->port.stack_pages + 2, t->port.frame);
    else
        libos_unmap_free(t->port.tls, 2, t->port.frame);
}

bool port_in_isr(void) { return in_isr; }

void port_yield_within_api(void)
{
    if (in_isr)
        isr_yield = true;
    else if (rtos.running)
        yield_pending = true;
}

void vPortEnterCritical(void)
{
    if (in_isr)
        return; /* the interrupt context already excludes every task */
    crit_depth++;
    __asm__ volatile("" ::: "memory");
}

void vPortExitCritical(void)
{
    if (in_isr)
        return;
    __asm__ volatile("" ::: "memory");
    configASSERT(crit_depth > 0);
    if (--crit_depth == 0 && rtos.running && (yield_pending || deferred))
        rtos_trap(TRAP_YIELD, 0);
}

void vPortDisableInterrupts(void) { vPortEnterCritical(); }
void vPortEnableInterrupts(void) { vPortExitCritical(); }
BaseType_t xPortIsInsideInterrupt(void) { return in_isr; }

void vPortYield(void)
{
    if (in_isr) {
        isr_yield = true;
        return;
    }
    vPortEnterCritical();
    rtos.yield_requested = true;
    yield_pending = true;
    vPortExitCritical();
}

void vPortYieldFromISR(void) { isr_yield = true; }

void port_idle(void) { rtos_trap(TRAP_IDLE, 0); }

static void __attribute__((noreturn)) finish(int status)
{
    if (status == RTOS_EXIT_END_SCHEDULER)
        status = faults ? STATUS_FAULTED : 0;
    fflush(stdout);
    report("rtos: the application ended with status %d\n", status);
    px_task_exit(status);
}

void port_end_scheduler(int status)
{
    if (in_isr || !rtos.running)
        finish(status);
    rtos_trap(TRAP_EXIT, (uint64_t)(unsigned)status);
    __builtin_unreachable();
}

void vProteusExit(int status) { port_end_scheduler(status); }

void vProteusAssertFailed(const char *file, int line)
{
    if (in_isr)
        report("rtos: assertion failed at %s:%d in an interrupt handler\n", file, line);
    else if (rtos.current && rtos.running)
        report("rtos: assertion failed at %s:%d in task '%s'\n", file, line, rtos.current->name);
    else
        report("rtos: assertion failed at %s:%d\n", file, line);
    if (in_isr || !rtos.running)
        finish(134);
    crit_depth = 0;
    rtos_trap(TRAP_EXIT, 134);
    for (;;)
        ;
}

uint64_t ullProteusTickTimeNs(TickType_t tick)
{
    /* The tick count's low 32 bits: the one nearest the present. */
    uint64_t full = (rtos.ticks & ~0xffffffffull) | tick;
    if (full > rtos.ticks + 0x80000000ull && full >= 0x100000000ull)
        full -= 0x100000000ull;
    return t0 + full * TICK_NS;
}

uint64_t ullProteusNowNs(void) { return libos_monotonic_ns(); }

static BaseType_t add_isr(ProteusIsr_t fn, void *arg, uint64_t *bit)
{
    if (nisrs >= MAX_ISRS || !fn)
        return pdFAIL;
    port_init();
    isrs[nisrs].fn = fn;
    isrs[nisrs].arg = arg;
    *bit = BIT_ISR0 << nisrs++;
    return pdPASS;
}

BaseType_t xProteusTimerInterrupt(uint32_t period_us, ProteusIsr_t isr, void *arg)
{
    uint64_t bit;
    uint32_t timer = 0;

    BaseType_t ok = pdPASS;

    vPortEnterCritical();
    if (period_us < 1000 || add_isr(isr, arg, &bit) != pdPASS) {
        ok = pdFAIL;
    } else if (!(timer = libos_slot_alloc()) || px_timer_create(timer, ntfn, bit) != PX_OK ||
               px_timer_set(timer, libos_monotonic_ns() + period_us * 1000ull, period_us * 1000ull) != PX_OK) {
        nisrs--;
        ok = pdFAIL;
    }
    vPortExitCritical();
    return ok;
}

/* A notification the manifest gave us: a thread waits on it and signals our bit for each signal. */
struct forward {
    uint32_t from, to;
};
static void forwarder(void *arg)
{
    struct forward *f = arg;
    uint64_t bits;

    for (;;)
        if (px_wait(f->from, &bits) == PX_OK)
            px_signal(f->to);
}

BaseType_t xProteusNotificationInterrupt(const char *name, ProteusIsr_t isr, void *arg)
{
    const struct libos_resource *r = libos_resource(name, LIBOS_RES_NOTIFICATION);
    static struct forward fw[MAX_ISRS];
    struct libos_thread th;
    uint64_t bit;

    if (!r || add_isr(isr, arg, &bit) != pdPASS)
        return pdFAIL;
    struct forward *f = &fw[nisrs - 1];
    f->from = r->cap;
    if (!(f->to = libos_slot_alloc()) || px_cap_mint(ntfn, f->to, PX_R_WRITE, bit) != PX_OK ||
        libos_thread_create(forwarder, f, kernel_prio, 0, 0, &th) != PX_OK) {
        nisrs--;
        return pdFAIL;
    }
    return pdPASS;
}

/* ---- the interrupt thread ---- */

static void stop_running(void)
{
    if (running && !running->port.stopped) {
        px_thread_suspend(running->port.thread);
        running->port.stopped = 1;
    }
}

static bool canary_broken(rtos_task *t)
{
    if (configCHECK_FOR_STACK_OVERFLOW == 0 || t->port.stack_pages)
        return false;
    for (int i = 0; i < CANARY_WORDS; i++)
        if (t->stack[i] != CANARY)
            return true;
    return false;
}

static void stack_overflow(rtos_task *t)
{
#if configCHECK_FOR_STACK_OVERFLOW
    vApplicationStackOverflowHook(t, t->name);
#endif
    report("rtos: task '%s' overflowed its stack: stopped\n", t->name);
    faults++;
    rtos_remove_task(t);
}

static void fault(rtos_task *t, const struct px_exception *e)
{
    static const char *const names[] = PX_EXC_NAMES;
    uint64_t lo = (uint64_t)(uintptr_t)t->stack;

    if (e->kind == PX_EXC_PAGE_FAULT && t->port.stack_pages && e->addr < lo && e->addr >= lo - PAGE) {
        stack_overflow(t);
        return;
    }
    report("rtos: task '%s' stopped: %s at rip %#llx", t->name, e->kind < PX_EXC_KINDS ? names[e->kind] : "exception",
           (unsigned long long)e->regs.rip);
    if (e->kind == PX_EXC_PAGE_FAULT)
        report(", address %#llx", (unsigned long long)e->addr);
    report("\n");
    faults++;
    rtos_remove_task(t);
}

static bool preemption_due(void)
{
    rtos_task *c = rtos.current;

    if (!c || c->state_node.list != &rtos.ready[c->prio])
        return true;
    return rtos.ready_mask >> (c->prio + 1) != 0;
}

/*
 * Ticks due by the clock: the timer's signals coalesce, the clock does not. When behind (the machine was
 * busy), a tick that wakes a task better than the running one ends the round, so that task runs at the
 * tick it waited for; the next round (its block, or the next tick) goes on from there.
 */
static void run_ticks(void)
{
    /* The slack covers a kernel tick a little before our estimate of it (its interrupt came early). */
    uint64_t now = libos_monotonic_ns() + TICK_SLACK_NS, due = now > t0 ? (now - t0) / TICK_NS : 0;

    while (ticks_done < due) {
        ticks_done++;
        if (!rtos_tick())
            continue;
        if (preemption_due() && ticks_done < due)
            break;
    }
}

static void run_isrs(uint64_t bits)
{
    for (unsigned i = 0; i < nisrs; i++)
        if (bits & (BIT_ISR0 << i))
            isrs[i].fn(isrs[i].arg);
}

static bool idle_parked; /* the idle task stopped itself and nothing asked for it since */

/* After an event: let the chosen task's thread, and only it, run. */
static void dispatch(rtos_task *next)
{
    if (next != running) {
        stop_running();
        running = next;
    }
    if (running->port.stopped && !(running == rtos.idle && idle_parked)) {
        running->port.started = 1;
        running->port.stopped = 0;
        px_thread_resume(running->port.thread);
    }
}

static void __attribute__((noreturn)) kernel_loop(void)
{
    struct px_msg m;
    struct px_exception e;

    px_recv(endpoint, &m);
    for (;;) {
        rtos_task *trapped = NULL;
        uint64_t label = PX_MSGINFO_LABEL(m.info);

        in_isr = true;
        if (label == PX_LABEL_NOTIFY) {
            events |= m.mr[0];
        } else if (label > PX_LABEL_EXCEPTION && label < PX_LABEL_EXCEPTION + PX_EXC_KINDS) {
            rtos_task *t = (rtos_task *)(uintptr_t)m.badge;
            libos_exception_get(&m, &e);
            configASSERT(t && t->magic == RTOS_TASK_MAGIC);
            t->port.stopped = 1;
            if (e.kind == PX_EXC_INVALID_OPCODE && e.regs.rip == (uint64_t)(uintptr_t)rtos_trap) {
                trapped = t;
                e.regs.rip += 2; /* over the ud2, onto its ret */
                if (e.regs.rdi == TRAP_EXIT)
                    finish((int)e.regs.rsi);
            } else {
                m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
                px_reply(&m);
                crit_depth = 0; /* whatever it held is gone with it */
                fault(t, &e);
            }
        }
        if (crit_depth > 0 && !trapped) {
            deferred = true; /* the running task is inside a critical section: when it leaves */
            in_isr = false;
            px_recv(endpoint, &m);
            continue;
        }
        deferred = false;
        yield_pending = false;
        run_ticks();
        if (events & ~BIT_TICK)
            run_isrs(events);
        events = 0;
        isr_yield = false;
        if (running && canary_broken(running) && running->state_node.list != &rtos.terminated)
            stack_overflow(running);
        rtos_task *next = rtos_pick();
        if (trapped) {
            idle_parked = trapped == rtos.idle && e.regs.rdi == TRAP_IDLE && !configUSE_IDLE_HOOK;
            if (trapped == next && !idle_parked) { /* it goes on: the cheap way */
                libos_exception_resume(&m, &e.regs);
                px_reply(&m);
                trapped->port.stopped = 0;
            } else {
                m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
                px_reply(&m);
                px_thread_write_regs(trapped->port.thread, &e.regs);
            }
        }
        if (next != rtos.idle)
            idle_parked = false;
        dispatch(next);
        rtos_reap();
        in_isr = false;
        px_recv(endpoint, &m);
    }
}

/*
 * The Proteus kernel checks timers on its own tick, so a timer fires at the first kernel tick at or after
 * its deadline. Our ticks are put on the kernel's, whose place the shared info page gives: t0 is a kernel
 * tick, and the tick timer's deadlines lie half a kernel tick before the ticks they are meant for.
 */
void port_start_scheduler(void)
{
    port_init();
    rtos.current = NULL;
    running = NULL;
    in_isr = true;
    crit_depth = 0;
    rtos_task *first = rtos_pick();
    uint64_t last, period;
    if (!libos_kernel_tick(&last, &period) || period > TICK_NS)
        fatal("cannot put its tick on the kernel's (the shared info page gives no tick, or a slower one)");
    t0 = last + period; /* a kernel tick to come */
    if (px_timer_set(tick_timer, t0 + TICK_NS - period / 2, TICK_NS) != PX_OK)
        fatal("cannot start the tick timer");
    running = first;
    first->port.started = 1;
    first->port.stopped = 0;
    px_thread_resume(first->port.thread);
    in_isr = false;
    kernel_loop();
}
