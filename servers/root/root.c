/*
 * The root server: builds the system the image describes, and keeps it running.
 *
 * The boot module is the system image: a flattened device tree (docs/manifest.md) whose tasks carry their
 * programs as LZ4 frames. The root server checks the whole description first (manifest.c), then unpacks
 * every program (module.c), creates the channels, consoles and device caps, starts the tasks in order
 * with exactly what they declare (libos_spawn with named grants), hands the kernel log to the console
 * server, and then supervises: a task that exits or stops on an exception it does not handle is reported
 * (task, fault, address, RIP and its symbol) and restarted or not according to its policy. For fault
 * injection, a manifest can also ask it to crash chosen tasks at random moments (chaos-kills).
 */
#include "root.h"
#include "manifest.h"
#include "module.h"
#include <libos/libos.h>
#include <proteus/exception.h>
#include <proteus/io/console.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_RESERVE_KIB (16u << 10) /* user memory the root server keeps (unpacked programs) */
#define ROOT_KMEM_RESERVE_KIB 2048u  /* kernel memory it keeps for its own objects */
#define BIT_TIMER (1ull << 62)
#define BIT_CHAOS (1ull << 61)
#define CHAOS_INTERVAL_MS_DEFAULT 200

static struct manifest m;
static struct child children[MANIFEST_MAX_TASKS];
static uint32_t supervisor, timer, chaos_timer;
static struct consoles cons;

static void *alloc_pages(size_t n) { return libos_map_new((n + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE, NULL); }

static const void *map_image(void)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    uint64_t pages = (bi->module_size + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE, va = libos_va_alloc(pages);
    struct px_map_op op = {PX_MAP_OP_MAP, bi->cap_module, va, 0, pages, PX_PROT_READ, 0};

    if (!va || px_map_batch(bi->cap_task, &op, 1, NULL) != PX_OK)
        return NULL;
    return (const void *)(uintptr_t)va;
}

static int64_t start(struct child *c)
{
    const struct manifest_task *t = c->task;
    struct libos_spawn s = {
        .name = t->name,
        .image = c->elf,
        .size = c->elf_size,
        .quota = (uint64_t)t->kernel_memory_kib << 10,
        .memory_pages = (uint64_t)t->memory_kib / 4,
        .prio = t->priority,
        .grants = c->grants,
        .ngrants = c->ngrants,
    };
    const char *err;
    int64_t st = libos_spawn(&s, &c->child, &err);

    if (st != PX_OK) {
        printf("root: %s: cannot start: %s (status %lld)\n", t->path, err ? err : "?", (long long)st);
        return st;
    }
    px_task_set_fault_ntfn(c->child.task, c->watch);
    c->running = true;
    c->started_ns = libos_monotonic_ns();
    return PX_OK;
}

/* A task's data image, unpacked into frames it gets read-only as the resource "image". */
static void unpack_image(struct child *c)
{
    char err[96];
    void *data;
    size_t size;
    uint32_t frame;

    if (module_unpack(c->task->image, c->task->image_size, alloc_pages, &data, &size, err, sizeof(err)) < 0) {
        printf("root: %s: bad image: %s; the task is not started\n", c->task->path, err);
        c->broken = true;
        return;
    }
    uint64_t pages = (size + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE;
    uint8_t *copy = libos_map_new(pages, &frame);
    if (!copy) {
        printf("root: %s: no memory for its image\n", c->task->path);
        c->broken = true;
        return;
    }
    memcpy(copy, data, size);
    grant_image(c, frame, pages, size);
}

static void unpack_all(void)
{
    for (unsigned i = 0; i < m.ntasks; i++) {
        struct child *c = &children[i];
        char err[96];
        c->task = &m.tasks[i];
        if (module_unpack(c->task->program, c->task->program_size, alloc_pages, &c->elf, &c->elf_size, err,
                          sizeof(err)) < 0) {
            printf("root: %s: bad program: %s; the task is not started\n", c->task->path, err);
            c->broken = true;
        } else if (c->task->image) {
            unpack_image(c);
        }
    }
}

/* Arm the timer for the earliest pending restart. */
static void arm_timer(void)
{
    uint64_t next = 0;

    for (unsigned i = 0; i < m.ntasks; i++)
        if (children[i].restart_at_ns && (!next || children[i].restart_at_ns < next))
            next = children[i].restart_at_ns;
    px_timer_set(timer, next, 0);
}

/* Every system-exit task has ended: let the consoles catch up, then end the system with the status. */
static void maybe_end_system(void)
{
    int64_t status = 0;
    bool any = false;

    for (unsigned i = 0; i < m.ntasks; i++) {
        struct child *c = &children[i];
        if (!c->task->system_exit)
            continue;
        if (c->running || c->restart_at_ns)
            return;
        any = true;
        if (!status)
            status = c->exit_status;
    }
    if (!any)
        return;
    printf("root: every system-exit task has ended: the system ends with status %lld\n", (long long)status);
    fflush(stdout);
    for (int i = 0; i < 300 && !consoles_drained(&cons); i++)
        libos_sleep_ns(10000000);
    exit((int)status);
}

static void report(struct child *c, uint64_t state, int64_t value, uint64_t addr)
{
    static const char *const kinds[PX_EXC_KINDS] = PX_EXC_NAMES;
    struct px_regs r;

    if (state == PX_TASK_EXITED) {
        printf("root: %s exited with status %lld\n", c->task->path, (long long)value);
        return;
    }
    printf("root: %s stopped: %s", c->task->path, kinds[value > 0 && value < PX_EXC_KINDS ? value : 0]);
    if (value == PX_EXC_PAGE_FAULT)
        printf(" at %#llx", (unsigned long long)addr);
    if (px_thread_read_regs(c->child.thread, &r) == PX_OK) {
        char sym[64];
        printf(", rip %#llx", (unsigned long long)r.rip);
        if (elf_symbolize(c->elf, c->elf_size, r.rip, sym, sizeof(sym)))
            printf(" <%s>", sym);
    }
    printf("\n");
}

/* A task ended: report, reclaim, and restart it if its policy says so. */
static void ended(struct child *c)
{
    uint64_t state = 0, addr = 0;
    int64_t value = 0;
    const struct manifest_task *t = c->task;
    bool failed;

    px_task_status(c->child.task, &state, &value, &addr);
    if (state == PX_TASK_RUNNING)
        return;
    report(c, state, value, addr);
    failed = state != PX_TASK_EXITED || value != 0;
    c->exit_status = state == PX_TASK_EXITED ? value : 128 + value;
    px_obj_destroy(c->child.task);
    px_cap_delete(c->child.task), px_cap_delete(c->child.thread);
    libos_slot_free(c->child.task), libos_slot_free(c->child.thread);
    c->running = false;
    if (!failed || t->restart != MANIFEST_RESTART_ON_FAILURE) {
        if (failed)
            printf("root: %s is not restarted (restart = \"never\")\n", t->path);
        maybe_end_system();
        return;
    }
    if (t->restart_reset_ms && libos_monotonic_ns() - c->started_ns >= (uint64_t)t->restart_reset_ms * 1000000)
        c->restarts = 0; /* it ran well for a while: this failure is a first one */
    if (c->restarts >= t->restart_limit) {
        printf("root: %s failed %u times: not restarted again (restart-limit %u)\n", t->path, c->restarts + 1,
               t->restart_limit);
        maybe_end_system();
        return;
    }
    uint64_t delay = (uint64_t)t->restart_backoff_ms << (c->restarts < 16 ? c->restarts : 16);
    if (delay > 60000)
        delay = 60000; /* doubling stops at a minute */
    c->restarts++;
    printf("root: restarting %s in %llu ms (restart %u of %u)\n", t->path, (unsigned long long)delay,
           c->restarts, t->restart_limit);
    c->restart_at_ns = libos_monotonic_ns() + delay * 1000000;
    arm_timer();
}

static void restart_due(void)
{
    uint64_t now = libos_monotonic_ns();

    for (unsigned i = 0; i < m.ntasks; i++) {
        struct child *c = &children[i];
        if (c->restart_at_ns && c->restart_at_ns <= now) {
            c->restart_at_ns = 0;
            if (start(c) == PX_OK)
                printf("root: %s restarted\n", c->task->path);
        }
    }
    arm_timer();
}

/*
 * Fault injection: chaos_kills times, at moments uniformly between a half and one and a half of
 * chaos_interval_ms apart, one running chaos-victim task, chosen at random, is crashed: its main thread
 * is stopped and resumed at address 0, so it dies of a page fault in whatever it was doing, and is
 * reported and restarted (or not) like any task that fails. The moments and victims follow from
 * chaos-seed (xorshift64*).
 */
static unsigned chaos_done;
static uint64_t chaos_state;

static uint64_t chaos_random(void)
{
    chaos_state ^= chaos_state >> 12;
    chaos_state ^= chaos_state << 25;
    chaos_state ^= chaos_state >> 27;
    return chaos_state * 0x2545f4914f6cdd1dull;
}

static void chaos_arm(void)
{
    uint64_t mean = (uint64_t)(m.chaos_interval_ms ? m.chaos_interval_ms : CHAOS_INTERVAL_MS_DEFAULT) * 1000000;

    px_timer_set(chaos_timer, libos_monotonic_ns() + mean / 2 + chaos_random() % mean, 0);
}

static void chaos_crash(struct child *c)
{
    struct px_regs r;

    chaos_done++;
    printf("root: chaos: crashing %s (%u of %u)\n", c->task->path, chaos_done, m.chaos_kills);
    if (px_thread_suspend(c->child.thread) != PX_OK || px_thread_read_regs(c->child.thread, &r) != PX_OK) {
        printf("root: chaos: cannot stop %s\n", c->task->path);
        return;
    }
    r.rip = 0;
    if (px_thread_write_regs(c->child.thread, &r) != PX_OK || px_thread_resume(c->child.thread) != PX_OK)
        printf("root: chaos: cannot crash %s\n", c->task->path);
}

static void chaos_strike(void)
{
    struct child *running[MANIFEST_MAX_TASKS];
    unsigned n = 0;

    for (unsigned i = 0; i < m.ntasks; i++)
        if (children[i].task->chaos_victim && children[i].running)
            running[n++] = &children[i];
    if (n)
        chaos_crash(running[chaos_random() % n]); /* none running: all are being restarted; try later */
    if (chaos_done < m.chaos_kills)
        chaos_arm();
    else
        printf("root: chaos: %u crashes done\n", chaos_done);
}

static void chaos_start(void)
{
    if (!m.chaos_kills)
        return;
    chaos_state = ((uint64_t)m.chaos_seed << 1 | 1) * 0x9e3779b97f4a7c15ull;
    printf("root: chaos: %u crashes of chaos-victim tasks, about %u ms apart, seed %u\n", m.chaos_kills,
           m.chaos_interval_ms ? m.chaos_interval_ms : CHAOS_INTERVAL_MS_DEFAULT, m.chaos_seed);
    chaos_arm();
}

static __attribute__((noreturn)) void supervise(void)
{
    for (;;) {
        uint64_t bits = 0;
        px_wait(supervisor, &bits);
        for (unsigned i = 0; i < m.ntasks; i++)
            if ((bits & (1ull << i)) && children[i].running)
                ended(&children[i]);
        if (bits & BIT_TIMER)
            restart_due();
        if (bits & BIT_CHAOS)
            chaos_strike();
    }
}

static int setup_supervision(void)
{
    if (px_notification_create(supervisor = libos_slot_alloc()) != PX_OK ||
        px_timer_create(timer = libos_slot_alloc(), supervisor, BIT_TIMER) != PX_OK ||
        (m.chaos_kills && px_timer_create(chaos_timer = libos_slot_alloc(), supervisor, BIT_CHAOS) != PX_OK))
        return -1;
    for (unsigned i = 0; i < m.ntasks; i++)
        if (px_cap_mint(supervisor, children[i].watch = libos_slot_alloc(), PX_R_WRITE, 1ull << i) != PX_OK)
            return -1;
    return 0;
}

int main(void)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    struct manifest_limits lim = {
        .memory_kib = bi->memory_pages * 4 > ROOT_RESERVE_KIB ? bi->memory_pages * 4 - ROOT_RESERVE_KIB : 0,
        .kernel_memory_kib =
            bi->kmem_quota / 1024 > ROOT_KMEM_RESERVE_KIB ? bi->kmem_quota / 1024 - ROOT_KMEM_RESERVE_KIB : 0,
    };
    const void *image = map_image();
    char err[160];
    unsigned started = 0;

    printf("root: system image of %llu bytes\n", (unsigned long long)bi->module_size);
    if (!image || manifest_parse(image, bi->module_size, &lim, &m, err, sizeof(err)) < 0) {
        printf("root: the system image is not valid: %s\n", image ? err : "cannot map it");
        return 1;
    }
    printf("root: %s%s%u tasks, %u channels\n", m.model, m.model[0] ? ": " : "", m.ntasks, m.nchannels);
    unpack_all();
    if (setup_supervision() < 0 || grants_build(&m, children, &cons) < 0) {
        printf("root: out of memory building the system\n");
        return 1;
    }
    for (unsigned i = 0; i < m.ntasks; i++) {
        struct child *c = &children[i];
        if (c->broken || start(c) != PX_OK)
            continue;
        started++;
        printf("root: started %s\n", c->task->path);
        if ((int)i == m.console_server)
            consoles_attach(&cons);
    }
    printf("root: %u of %u tasks running\n", started, m.ntasks);
    chaos_start();
    supervise();
}
