/*
 * bench ipc: the kernel's hot paths, timed with rdtsc around each operation (docs/benchmarks.md).
 * Runs as the root task; the server and the foreign-ABI "process" are child tasks spawned from this same
 * image, so every round trip crosses address spaces. Prints one line per result:
 *
 *   bench ipc.<name> median=<n> min=<n> unit=<tsc|insn> n=<iterations>
 *
 * The unit is insn when the kernel command line says bench.unit=insn (tools/proteus bench --icount:
 * under TCG with -icount shift=0 the TSC counts guest instructions). With bench.quick on the command line
 * each result takes QUICK_N iterations instead of N: the test suite's check that every line still comes.
 */
#include <libos/libos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 10000
#define QUICK_N 20
#define EP_IN_CHILD 17
#define SHARED_VA 0x0000200000000000ull
#define MAP_VA 0x0000300000000000ull
#define MANY_VA 0x0000340000000000ull

static uint64_t samples[N];
static const char *unit = "tsc";
static int n_iter = N; /* N, or QUICK_N with bench.quick */

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *s, int n)
{
    qsort(s, n, sizeof(*s), cmp);
    printf("bench ipc.%s median=%llu min=%llu unit=%s n=%d\n", name, (unsigned long long)s[n / 2],
           (unsigned long long)s[0], unit, n);
}

static uint32_t slot(void) { return libos_slot_alloc(); }

static int64_t spawn(int (*entry)(uint64_t), uint64_t arg, uint32_t handler, uint32_t flags, struct libos_child *c)
{
    static uint64_t module_va;
    const struct px_bootinfo *bi = libos_bootinfo;
    uint64_t pages = (bi->module_size + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE;
    const char *err;

    if (!module_va) {
        struct px_map_op op = {PX_MAP_OP_MAP, bi->cap_module, module_va = libos_va_alloc(pages), 0, pages, PX_PROT_READ, 0};
        px_map_batch(bi->cap_task, &op, 1, NULL);
    }
    struct libos_spawn s = {.image = (const void *)(uintptr_t)module_va,
                            .size = bi->module_size,
                            .quota = 512 << 10,
                            .memory_pages = 512, /* the child's image and stack come out of these too */
                            .prio = PX_PRIO_MAX,
                            .entry = entry,
                            .arg = arg,
                            .handler = handler,
                            .thread_flags = flags,
                            .start_stopped = true,
                            .give_debug = true};
    int64_t st = libos_spawn(&s, c, &err);
    if (st != PX_OK)
        printf("# bench ipc: spawn: %s (status %lld)\n", err ? err : "?", (long long)st);
    return st;
}

/* ---- call + reply between two tasks ---- */

static int echo_server(uint64_t ep)
{
    struct px_msg m;

    px_recv((uint32_t)ep, &m);
    for (;;)
        px_reply_recv((uint32_t)ep, &m); /* echoes the message back */
    return 0;
}

static void bench_call(uint32_t ep, unsigned words, const char *name)
{
    struct px_msg m = {PX_MSGINFO(1, words), 0, {1, 2, 3, 4}};

    for (int i = 0; i < 100; i++) /* warm up */
        px_call(ep, &m);
    for (int i = 0; i < n_iter; i++) {
        uint64_t t0 = tsc();
        px_call(ep, &m);
        samples[i] = tsc() - t0;
    }
    report(name, samples, n_iter);
}

/* ---- the foreign-ABI round trip: a "process" task's syscall reflected to its "personality" ---- */

static int foreign_process(uint64_t shared)
{
    volatile uint64_t *out = (volatile uint64_t *)(uintptr_t)shared;
    int n = (int)out[0]; /* the iteration count, from the parent */

    for (int i = 0; i < n + 100; i++) {
        uint64_t rax = 39, t0 = tsc();
        __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
        if (i >= 100)
            out[i - 100] = tsc() - t0;
    }
    uint64_t rax = 60; /* "exit": the personality stops us */
    __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
    return 0;
}

static void bench_foreign(void)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    uint32_t h = slot(), frame;
    uint64_t *shared = libos_map_new((N * 8 + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE, &frame);
    struct libos_child c;
    struct px_msg m;

    px_endpoint_create(h);
    if (spawn(foreign_process, SHARED_VA, h, PX_THREAD_FOREIGN_ABI, &c) != PX_OK)
        return;
    struct px_map_op op = {PX_MAP_OP_MAP, frame, SHARED_VA, 0, (N * 8 + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE,
                           PX_PROT_READ | PX_PROT_WRITE, 0};
    px_map_batch(c.task, &op, 1, NULL);
    shared[0] = (uint64_t)n_iter;
    px_thread_resume(c.thread);
    px_recv(h, &m);
    for (;;) {
        /* The personality's loop: the registers arrive in MR0..3 and the IPC buffer; answer rax = 0. */
        if (m.mr[3] == 60 || PX_MSGINFO_LABEL(m.info) != PX_LABEL_EXCEPTION + PX_EXC_FOREIGN_SYSCALL)
            break;
        m.info = PX_MSGINFO(PX_EXC_REPLY_RESUME, PX_REGS_WORDS);
        m.mr[3] = 0; /* rax */
        if (px_reply_recv(h, &m) != PX_OK)
            break;
        if (m.mr[3] == 60)
            break;
    }
    report("foreign_syscall_roundtrip", shared, n_iter);
    px_obj_destroy(c.task);
    (void)bi;
}

/* ---- null syscall ---- */

static void bench_null(void)
{
    uint64_t v;

    for (int i = 0; i < n_iter; i++) {
        uint64_t t0 = tsc();
        px_abi_version(&v);
        samples[i] = tsc() - t0;
    }
    report("null_syscall", samples, n_iter);
    /* The same call as a bare syscall instruction: the kernel's entry and exit without libos's
     * px_syscall (an out-of-line function that moves six arguments in and five results out). */
    for (int i = 0; i < n_iter; i++) {
        uint64_t rax = PX_SYS_ABI_VERSION, t0 = tsc();
        __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "rdx", "r11", "memory");
        samples[i] = tsc() - t0;
    }
    report("null_syscall_raw", samples, n_iter);
}

/* ---- notification signal -> the waiting thread runs ---- */

static volatile uint64_t woke_at;

static void waiter(void *n)
{
    uint64_t bits;

    for (;;) {
        px_wait((uint32_t)(uintptr_t)n, &bits);
        woke_at = tsc();
    }
}

static void bench_signal(void)
{
    uint32_t n = slot();
    struct libos_thread t;

    px_notification_create(n);
    px_thread_set_sched(libos_bootinfo->cap_thread, PX_PRIO_MAX - 1, PX_TIMESLICE_DEFAULT_US);
    libos_thread_create(waiter, (void *)(uintptr_t)n, PX_PRIO_MAX - 1, PX_CAP_NULL, 0, &t);
    px_thread_set_sched(t.thread, PX_PRIO_MAX - 1, PX_TIMESLICE_DEFAULT_US);
    px_thread_yield(); /* let it wait */
    for (int i = 0; i < n_iter; i++) {
        uint64_t t0 = tsc();
        px_signal(n);   /* it has our priority: it runs when we yield */
        px_thread_yield();
        samples[i] = woke_at - t0;
    }
    report("signal_to_wake", samples, n_iter);
    px_obj_destroy(t.thread);
}

/* ---- batched map of 1 and of 512 pages ---- */

static void bench_map(unsigned pages, const char *name)
{
    static struct px_map_op ops[512];
    uint32_t f = slot();
    struct px_map_op unmap = {PX_MAP_OP_UNMAP, 0, MAP_VA, 0, pages, 0, 0};
    const struct px_bootinfo *bi = libos_bootinfo;
    int n = n_iter;

    px_frame_create(bi->cap_memory, f, pages);
    for (unsigned i = 0; i < pages; i++)
        ops[i] = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA + i * 4096ull, i, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    for (int i = 0; i < n; i++) {
        uint64_t t0 = tsc();
        px_map_batch(bi->cap_task, ops, pages, NULL);
        samples[i] = tsc() - t0;
        px_map_batch(bi->cap_task, &unmap, 1, NULL);
    }
    report(name, samples, n);
    px_obj_destroy(f);
}

/*
 * ---- unmap and protect one page among many separate mappings ----
 * The root task holds `count` one-page mappings of one page, every other page from MANY_VA (so none
 * continues another and each is its own record); one in the middle is unmapped (timed) and mapped
 * again, or has its protection changed (timed) and changed back. With the records in a list each
 * operation scans them all; with a tree keyed by address the cost hardly depends on `count`.
 */
static void map_many(uint32_t f, unsigned from, unsigned to, unsigned op)
{
    static struct px_map_op ops[256];
    const struct px_bootinfo *bi = libos_bootinfo;

    while (from < to) {
        unsigned k = to - from < 256 ? to - from : 256;
        for (unsigned i = 0; i < k; i++)
            ops[i] = (struct px_map_op){op, f, MANY_VA + (from + i) * 2 * 4096ull, 0, 1, PX_PROT_READ, 0};
        px_map_batch(bi->cap_task, ops, k, NULL);
        from += k;
    }
}

static void bench_many(uint32_t f, unsigned count, const char *unmap_name, const char *protect_name)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    uint64_t va = MANY_VA + (count / 2) * 2 * 4096ull;
    struct px_map_op unmap = {PX_MAP_OP_UNMAP, 0, va, 0, 1, 0, 0};
    struct px_map_op map = {PX_MAP_OP_MAP, f, va, 0, 1, PX_PROT_READ, 0};
    struct px_map_op prot_rw = {PX_MAP_OP_PROTECT, 0, va, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    struct px_map_op prot_r = {PX_MAP_OP_PROTECT, 0, va, 0, 1, PX_PROT_READ, 0};
    int n = n_iter / 10 > 10 ? n_iter / 10 : n_iter;

    map_many(f, 0, count, PX_MAP_OP_MAP);
    for (int i = 0; i < n; i++) {
        uint64_t t0 = tsc();
        px_map_batch(bi->cap_task, &unmap, 1, NULL);
        samples[i] = tsc() - t0;
        px_map_batch(bi->cap_task, &map, 1, NULL);
    }
    report(unmap_name, samples, n);
    for (int i = 0; i < n; i++) {
        uint64_t t0 = tsc();
        px_map_batch(bi->cap_task, &prot_rw, 1, NULL);
        samples[i] = tsc() - t0;
        px_map_batch(bi->cap_task, &prot_r, 1, NULL);
    }
    report(protect_name, samples, n);
    map_many(f, 0, count, PX_MAP_OP_UNMAP);
}

int main(void)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    uint32_t ep = slot();
    struct libos_child server;

    if (strstr(bi->cmdline, "bench.unit=insn"))
        unit = "insn";
    if (strstr(bi->cmdline, "bench.quick"))
        n_iter = QUICK_N;
    printf("# bench ipc: %d iterations each, unit %s\n", n_iter, unit);
    px_endpoint_create(ep);
    if (spawn(echo_server, EP_IN_CHILD, PX_CAP_NULL, 0, &server) != PX_OK ||
        px_task_cap_insert(server.task, ep, EP_IN_CHILD, PX_R_READ) != PX_OK || px_thread_resume(server.thread) != PX_OK) {
        printf("# bench ipc: cannot start the server task\n");
        return 1;
    }
    bench_call(ep, 0, "call_reply_empty");
    bench_call(ep, 4, "call_reply_4words");
    bench_foreign();
    bench_null();
    bench_map(1, "map_batch_1");
    bench_map(512, "map_batch_512");
    bench_signal();
    uint32_t f = slot();
    px_frame_create(bi->cap_memory, f, 1);
    bench_many(f, 16, "map_many_unmap_16", "map_many_protect_16");
    bench_many(f, 4096, "map_many_unmap_4096", "map_many_protect_4096");
    px_obj_destroy(f);
    printf("# bench ipc: done\n");
    return 0;
}
