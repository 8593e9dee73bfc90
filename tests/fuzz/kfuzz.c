/*
 * The kernel-ABI fuzzer (tools/proteus fuzz kernel, docs/reliability.md), run as the root task.
 *
 * Each round, the root task spawns WORKERS tasks from its own image; in each, THREADS threads issue
 * random system calls whose arguments come from interesting values: caps of every type the task can
 * make (and of the wrong type, revoked, deleted, slot 0, past the table), kernel, non-canonical,
 * unmapped, read-only and misaligned addresses, huge lengths, every rights mask, map batches with
 * overlapping and out-of-range operations, IPC on endpoints other threads are blocked on, exceptions of
 * victim threads answered with odd replies. The calls act on a playground of cap slots (PG_FIRST and up)
 * that the threads fill themselves, so they never destroy their own task or thread. Every 2 ms the
 * worker's main thread destroys and remakes the objects in the first slots and suspends and resumes the
 * fuzzing threads (a blocked call is taken again); a thread that made no call for a whole turn is woken
 * by destroying every endpoint and notification in the playground and the few slots past it it reaches.
 *
 * Checks: every status must be one docs/abi.md allows for its call (a finding prints the thread's last
 * LOG calls and its seed); and the root task asks the kernel to check itself (PX_SYS_DEBUG_CHECK, which
 * needs the root task's debug cap) every CHECK_NS while the workers run and once more after it has
 * destroyed them: no invariant broken, the untracked pages unchanged, and at the end of a round every
 * kernel object, page and byte of quota back (but for the page tables our own address space grew,
 * which PX_SYS_DEBUG_TASK_USE tells). No panic and no hang is the runner's watchdog.
 *
 * A seed gives each thread its own generator, so each thread's sequence of calls is the same on a rerun;
 * the interleaving of the threads is the scheduler's.
 *
 * Kernel command line: fuzz.calls=N (total calls, default 200000), fuzz.seed=S (default 1).
 * Prints KTAP: one result per round and one per check, then the totals; exits with the failures.
 */
#include <libos/libos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKERS 3
#define THREADS 2 /* fuzzing threads per worker, besides its main thread */
#define ROUND_CALLS 15000ull /* fresh tasks every round: a round of many more can wedge its threads */
#define STUCK_TURNS 500 /* turns of 2 ms a thread may stay blocked before it is destroyed */
#define EP_SLOT_IN_CHILD 1000 /* above the slots libos hands out in a worker, and the playground */
#define PG_FIRST 900 /* the playground: slots PG_FIRST .. PG_FIRST + PG_SLOTS - 1 */
#define PG_SLOTS 48
#define BLOCKERS 4 /* the first playground slots: endpoints and notifications remade by the main thread */
#define LOG 24
#define CHECK_NS 20000000ull
#define VICTIM_VA 0x0000100000000000ull

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define B(s) (1u << (s))
#define C4 (B(PX_ERR_CAP) | B(PX_ERR_REVOKED) | B(PX_ERR_TYPE) | B(PX_ERR_RIGHTS))
#define NEW (B(PX_ERR_CAP) | B(PX_ERR_SLOT_FULL) | B(PX_ERR_NOMEM))

/* What each call may return (docs/abi.md): bit s for status s. */
static const struct {
    uint16_t nr;
    uint32_t allowed;
} calls[] = {
    {PX_SYS_ABI_VERSION, B(PX_OK)},
    {PX_SYS_CAP_COPY, B(PX_OK) | B(PX_ERR_CAP) | B(PX_ERR_REVOKED) | B(PX_ERR_SLOT_FULL)},
    {PX_SYS_CAP_MINT, B(PX_OK) | C4 | B(PX_ERR_INVAL) | B(PX_ERR_SLOT_FULL)},
    {PX_SYS_CAP_DELETE, B(PX_OK) | B(PX_ERR_CAP)},
    {PX_SYS_CAP_IDENTIFY, B(PX_OK) | C4},
    {PX_SYS_OBJ_DESTROY, B(PX_OK) | C4},
    {PX_SYS_CAP_TABLE_GROW, B(PX_OK) | C4 | B(PX_ERR_INVAL) | B(PX_ERR_NOMEM)},
    {PX_SYS_TASK_CREATE, B(PX_OK) | C4 | NEW | B(PX_ERR_INVAL)}, /* INVAL: more slots than the maximum */
    {PX_SYS_TASK_CAP_INSERT, B(PX_OK) | C4 | B(PX_ERR_SLOT_FULL)},
    {PX_SYS_TASK_SET_FAULT_NTFN, B(PX_OK) | C4},
    /* A destroyed task still answers; REVOKED is for a dead cap of another type or without MANAGE (the
       order of the cap checks: liveness before type and rights). */
    {PX_SYS_TASK_STATUS, B(PX_OK) | C4},
    {PX_SYS_TASK_QUOTA_GIVE, B(PX_OK) | C4 | B(PX_ERR_NOMEM)},
    {PX_SYS_TASK_QUOTA_TAKE, B(PX_OK) | C4 | B(PX_ERR_AGAIN)},
    {PX_SYS_TASK_QUOTA_INFO, B(PX_OK) | C4},
    {PX_SYS_THREAD_CREATE, B(PX_OK) | C4 | NEW},
    {PX_SYS_THREAD_WRITE_REGS, B(PX_OK) | C4 | B(PX_ERR_STATE) | B(PX_ERR_FAULT)},
    {PX_SYS_THREAD_READ_REGS, B(PX_OK) | C4 | B(PX_ERR_STATE) | B(PX_ERR_FAULT)},
    {PX_SYS_THREAD_RESUME, B(PX_OK) | C4 | B(PX_ERR_STATE)},
    {PX_SYS_THREAD_SUSPEND, B(PX_OK) | C4 | B(PX_ERR_STATE)},
    {PX_SYS_THREAD_SET_SCHED, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_THREAD_SET_HANDLER, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_THREAD_SET_IPC_BUF, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_THREAD_YIELD, B(PX_OK)},
    {PX_SYS_THREAD_BIND, B(PX_OK) | C4 | B(PX_ERR_STATE)},
    {PX_SYS_THREAD_SET_TLS, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_THREAD_READ_FPU, B(PX_OK) | C4 | B(PX_ERR_STATE) | B(PX_ERR_FAULT)},
    {PX_SYS_THREAD_WRITE_FPU, B(PX_OK) | C4 | B(PX_ERR_STATE) | B(PX_ERR_FAULT) | B(PX_ERR_INVAL)},
    {PX_SYS_THREAD_CPU_TIME, B(PX_OK) | C4},
    {PX_SYS_ENDPOINT_CREATE, B(PX_OK) | NEW},
    {PX_SYS_NOTIFICATION_CREATE, B(PX_OK) | NEW},
    {PX_SYS_SEND, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_CALL, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_RECV, B(PX_OK) | C4},
    {PX_SYS_REPLY, B(PX_OK) | B(PX_ERR_STATE) | B(PX_ERR_INVAL)},
    {PX_SYS_REPLY_RECV, B(PX_OK) | C4 | B(PX_ERR_STATE) | B(PX_ERR_INVAL)},
    {PX_SYS_SIGNAL, B(PX_OK) | C4},
    {PX_SYS_WAIT, B(PX_OK) | C4},
    {PX_SYS_POLL, B(PX_OK) | C4 | B(PX_ERR_AGAIN)},
    {PX_SYS_MEMORY_SPLIT, B(PX_OK) | C4 | NEW | B(PX_ERR_INVAL)},
    {PX_SYS_FRAME_CREATE, B(PX_OK) | C4 | NEW | B(PX_ERR_INVAL)},
    {PX_SYS_FRAME_INFO, B(PX_OK) | C4},
    {PX_SYS_MAP_BATCH, B(PX_OK) | C4 | B(PX_ERR_INVAL) | B(PX_ERR_FAULT) | B(PX_ERR_NOMEM)},
    {PX_SYS_FRAME_CREATE_DEVICE, B(PX_OK) | C4 | NEW | B(PX_ERR_INVAL)},
    {PX_SYS_TIMER_CREATE, B(PX_OK) | C4 | NEW},
    {PX_SYS_TIMER_SET, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_IRQ_CREATE, B(PX_OK) | C4 | NEW | B(PX_ERR_INVAL) | B(PX_ERR_STATE)},
    {PX_SYS_IRQ_BIND, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_IRQ_ACK, B(PX_OK) | C4},
    {PX_SYS_IOPORT_SPLIT, B(PX_OK) | C4 | NEW | B(PX_ERR_INVAL)},
    {PX_SYS_IOPORT_IN, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_IOPORT_OUT, B(PX_OK) | C4 | B(PX_ERR_INVAL)},
    {PX_SYS_DEBUG_WRITE, C4 | B(PX_ERR_INVAL) | B(PX_ERR_FAULT)}, /* the playground's debug cap: READ only */
    {PX_SYS_KLOG_ATTACH, C4 | B(PX_ERR_INVAL)},
    {PX_SYS_DEBUG_CHECK, C4},
    {PX_SYS_DEBUG_TASK_USE, C4},
    {PX_SYS_ASPACE_SWITCHES, B(PX_OK)},
    {PX_SYS_DEBUG_FASTPATH, C4 | B(PX_ERR_INVAL)}, /* the playground's debug cap is READ only */
    /* Numbers no call has: reserved, retired, past the ranges. */
    {0x000, B(PX_ERR_NOSYS)},
    {0x016, B(PX_ERR_NOSYS)}, /* reserved */
    {0x027, B(PX_ERR_NOSYS)},
    {0x0ff, B(PX_ERR_NOSYS)},
    {0x100, B(PX_ERR_NOSYS)},
    {0x2ff, B(PX_ERR_NOSYS)},
    {0x300, B(PX_ERR_NOSYS)},
    {0x3ff, B(PX_ERR_NOSYS)},
    {0x400, B(PX_ERR_NOSYS)},
    {0xffff, B(PX_ERR_NOSYS)},
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))
#define NOT_A_CALL 0xfffffffff0000000ull /* a number past every range: NOSYS, chosen sometimes at random */

/* ---- Random values ---- */

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n) { return next(r) % n; }

struct fuzzer {
    struct rng rng;
    uint8_t *scratch; /* SCRATCH_PAGES mapped read-write, then an unmapped page */
    uint64_t calls, done, findings;
    unsigned id;
    struct {
        uint64_t nr, a[6];
        int64_t status;
    } log[LOG];
};
#define SCRATCH_PAGES 2
#define IN_FLIGHT INT64_MIN

static uint64_t slot_arg(struct fuzzer *f)
{
    static const uint64_t odd[] = {0, 1023, 1024, 1025, 0xffffffff, 0x100000000ull, ~0ull, 1ull << 63};
    uint64_t x = below(&f->rng, 100);

    if (x < 80)
        return PG_FIRST + below(&f->rng, PG_SLOTS);
    return x < 95 ? odd[x % 8] : next(&f->rng);
}

static uint64_t ptr_arg(struct fuzzer *f)
{
    uint64_t end = (uint64_t)(uintptr_t)f->scratch + SCRATCH_PAGES * PX_PAGE_SIZE;
    const uint64_t odd[] = {0,
                            0x1000,
                            0xffff800000000000ull,
                            0xffffffff80000000ull,
                            0x0000800000000000ull,
                            0x8000000000000000ull,
                            end - 8,
                            end - 100,
                            (uint64_t)(uintptr_t)&slot_arg, /* our code: read-only */
                            PX_USER_TOP - 8,
                            ~0ull};
    uint64_t x = below(&f->rng, 100);

    if (x < 50)
        return (uint64_t)(uintptr_t)f->scratch + (below(&f->rng, 4) ? 0 : below(&f->rng, 64));
    if (x < 95)
        return odd[x % (sizeof(odd) / sizeof(odd[0]))];
    return next(&f->rng);
}

static uint64_t size_arg(struct fuzzer *f)
{
    static const uint64_t odd[] = {0, 1, 2, 3, 4, 7, 8, 16, 63, 64, 65, 127, 128, 255, 256, 4095, 4096, 4097,
                                   1ull << 20, 1ull << 32, 1ull << 62, ~0ull};
    uint64_t x = below(&f->rng, 100);

    if (x < 80)
        return odd[x % (sizeof(odd) / sizeof(odd[0]))];
    return x < 95 ? below(&f->rng, 1 << 16) : next(&f->rng);
}

static uint64_t va_arg_(struct fuzzer *f)
{
    uint64_t x = below(&f->rng, 100);

    if (x < 70)
        return VICTIM_VA + below(&f->rng, 32) * PX_PAGE_SIZE;
    static const uint64_t odd[] = {0, PX_USER_BASE, PX_USER_TOP - PX_PAGE_SIZE, PX_USER_TOP,
                                   VICTIM_VA + 1, 0xffff800000000000ull, 0x0000800000000000ull};
    return x < 95 ? odd[x % 7] : next(&f->rng);
}

static uint64_t any_arg(struct fuzzer *f)
{
    switch (below(&f->rng, 5)) {
    case 0:
        return slot_arg(f);
    case 1:
        return ptr_arg(f);
    case 2:
        return size_arg(f);
    case 3:
        return va_arg_(f);
    default:
        return next(&f->rng);
    }
}

static uint64_t rights_arg(struct fuzzer *f)
{
    return below(&f->rng, 4) ? below(&f->rng, 32) : next(&f->rng);
}

/* A batch of map operations in the scratch memory, overlapping and out of range. */
static uint64_t map_ops(struct fuzzer *f, uint64_t *count)
{
    struct px_map_op *ops = (struct px_map_op *)(void *)f->scratch;
    unsigned n = (unsigned)below(&f->rng, 12);

    for (unsigned i = 0; i < n; i++) {
        uint64_t pages = below(&f->rng, 8) ? 1 + below(&f->rng, 4) : size_arg(f);
        ops[i] = (struct px_map_op){(uint32_t)(below(&f->rng, 8) ? 1 + below(&f->rng, 3) : next(&f->rng)),
                                    (uint32_t)slot_arg(f), va_arg_(f), below(&f->rng, 4), pages,
                                    (uint32_t)(below(&f->rng, 8) ? below(&f->rng, 8) : next(&f->rng)),
                                    below(&f->rng, 16) ? 0u : (uint32_t)next(&f->rng)};
    }
    uint64_t x = below(&f->rng, 10);
    *count = x < 8 ? n : (x == 8 ? PX_MAP_BATCH_MAX + 1 : next(&f->rng));
    return below(&f->rng, 10) ? (uint64_t)(uintptr_t)ops : ptr_arg(f);
}

/* ---- One call ---- */

static void args_for(struct fuzzer *f, uint64_t nr, uint64_t a[6])
{
    for (int i = 0; i < 6; i++)
        a[i] = any_arg(f);
    switch (nr) {
    case PX_SYS_CAP_COPY:
    case PX_SYS_CAP_MINT:
        a[0] = slot_arg(f), a[1] = slot_arg(f), a[2] = rights_arg(f);
        a[3] = below(&f->rng, 3) ? 1 + below(&f->rng, 4) : next(&f->rng);
        break;
    case PX_SYS_TASK_CREATE:
        a[0] = slot_arg(f), a[1] = slot_arg(f);
        a[2] = below(&f->rng, 4) ? 48 * 1024 + below(&f->rng, 64) * 1024 : size_arg(f);
        break;
    case PX_SYS_TASK_CAP_INSERT:
        a[0] = slot_arg(f), a[1] = slot_arg(f), a[2] = below(&f->rng, 2) ? below(&f->rng, 32) : slot_arg(f);
        a[3] = rights_arg(f);
        break;
    case PX_SYS_THREAD_WRITE_REGS:
    case PX_SYS_THREAD_READ_REGS:
    case PX_SYS_THREAD_READ_FPU:
    case PX_SYS_THREAD_WRITE_FPU:
    case PX_SYS_DEBUG_WRITE:
        a[0] = slot_arg(f), a[1] = ptr_arg(f), a[2] = size_arg(f);
        if (nr == PX_SYS_THREAD_WRITE_REGS || nr == PX_SYS_THREAD_WRITE_FPU)
            for (unsigned i = 0; i < SCRATCH_PAGES * PX_PAGE_SIZE / 8; i += 1 + (unsigned)below(&f->rng, 64))
                ((uint64_t *)(void *)f->scratch)[i] = any_arg(f);
        break;
    case PX_SYS_THREAD_SET_SCHED:
        a[0] = slot_arg(f), a[1] = below(&f->rng, 4) ? below(&f->rng, PX_PRIO_MAX + 2) : next(&f->rng);
        a[2] = size_arg(f);
        break;
    case PX_SYS_THREAD_SET_HANDLER:
        a[0] = slot_arg(f), a[1] = slot_arg(f), a[2] = below(&f->rng, 3) ? below(&f->rng, 4) : next(&f->rng);
        break;
    case PX_SYS_THREAD_SET_IPC_BUF:
    case PX_SYS_MEMORY_SPLIT:
    case PX_SYS_FRAME_CREATE:
        a[0] = slot_arg(f), a[1] = slot_arg(f), a[2] = below(&f->rng, 2) ? below(&f->rng, 8) : size_arg(f);
        break;
    case PX_SYS_SEND:
    case PX_SYS_CALL:
    case PX_SYS_REPLY:
    case PX_SYS_REPLY_RECV:
        a[0] = slot_arg(f);
        a[1] = below(&f->rng, 4) ? PX_MSGINFO(below(&f->rng, 4) ? below(&f->rng, 8) : next(&f->rng),
                                              below(&f->rng, 70))
                                 : next(&f->rng);
        break;
    case PX_SYS_MAP_BATCH:
        a[0] = slot_arg(f), a[1] = map_ops(f, &a[2]);
        break;
    case PX_SYS_TIMER_CREATE:
        a[0] = slot_arg(f), a[1] = slot_arg(f);
        break;
    case PX_SYS_TIMER_SET:
        a[0] = slot_arg(f);
        a[1] = below(&f->rng, 2) ? libos_monotonic_ns() + below(&f->rng, 5000000) : size_arg(f);
        a[2] = below(&f->rng, 2) ? below(&f->rng, 3000000) : size_arg(f);
        break;
    case PX_SYS_THREAD_SET_TLS:
        a[0] = slot_arg(f), a[1] = va_arg_(f), a[2] = va_arg_(f);
        break;
    default: /* calls on one cap, then the rest */
        a[0] = slot_arg(f);
        if (below(&f->rng, 2))
            a[1] = slot_arg(f);
        break;
    }
}

static void report(struct fuzzer *f, uint64_t nr, const uint64_t a[6], int64_t st)
{
    if (++f->findings > 3)
        return;
    printf("# FINDING: thread %u, call %llu: 0x%03llx returned status %lld, which docs/abi.md does not allow\n",
           f->id, (unsigned long long)f->done, (unsigned long long)nr, (long long)st);
    printf("#   args 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx; the last %d calls before it:\n",
           (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3],
           (unsigned long long)a[4], (unsigned long long)a[5], LOG);
    for (unsigned i = 0; i < LOG; i++) {
        unsigned k = (unsigned)((f->done + i) % LOG);
        printf("#   0x%03llx (0x%llx, 0x%llx, 0x%llx, 0x%llx) -> %lld\n", (unsigned long long)f->log[k].nr,
               (unsigned long long)f->log[k].a[0], (unsigned long long)f->log[k].a[1],
               (unsigned long long)f->log[k].a[2], (unsigned long long)f->log[k].a[3], (long long)f->log[k].status);
    }
}

static void fuzz_one(struct fuzzer *f)
{
    unsigned c = (unsigned)below(&f->rng, NCALLS);
    uint64_t nr = below(&f->rng, 200) ? calls[c].nr : NOT_A_CALL + below(&f->rng, 1 << 20);
    uint32_t allowed = nr < NOT_A_CALL ? calls[c].allowed : B(PX_ERR_NOSYS);
    uint64_t a[6];

    args_for(f, nr, a);
    unsigned k = (unsigned)(f->done % LOG);
    f->log[k].nr = nr;
    memcpy(f->log[k].a, a, sizeof(a));
    f->log[k].status = IN_FLIGHT; /* what the main thread sees of a call that blocks */
    struct px_ret r = px_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    f->log[k].status = r.status;
    f->done++;
    if (r.status < 0 || r.status > PX_ERR_STATE || !(allowed & B(r.status)))
        report(f, nr, a, r.status);
}

static void fuzz_thread(void *arg)
{
    struct fuzzer *f = arg;

    while (f->done < f->calls)
        fuzz_one(f);
    for (;;) /* until the main thread has reported and the task is destroyed */
        px_thread_yield();
}

/* ---- A worker task ---- */

static uint64_t cmdline_value(const char *key, uint64_t dflt)
{
    const char *p = strstr(libos_bootinfo->cmdline, key);

    return p ? strtoull(p + strlen(key), NULL, 0) : dflt;
}

/* The blockers: endpoints and notifications that the fuzzing threads block on, remade to wake them. */
static void remake_blockers(void)
{
    for (uint32_t i = 0; i < BLOCKERS; i++) {
        px_obj_destroy(PG_FIRST + i);
        px_cap_delete(PG_FIRST + i);
        if (i % 2)
            px_notification_create(PG_FIRST + i);
        else
            px_endpoint_create(PG_FIRST + i);
    }
    px_memory_split(libos_bootinfo->cap_memory, PG_FIRST + BLOCKERS, 256); /* SLOT_FULL while it is there */
}

/*
 * Every endpoint and notification in the playground, and in the slots past it that slot_arg's odd values
 * reach (1023 is the initial table's last slot; 1024 and 1025 exist once a thread grew the table): a copy
 * made there outlives the playground's own, and a thread blocked on it would wait for ever. Their waiters
 * wake with REVOKED.
 */
static void destroy_ipc_objects(void)
{
    for (uint32_t s = PG_FIRST; s < 1026; s++) {
        if (s == PG_FIRST + PG_SLOTS)
            s = 1023;
        uint64_t type = 0, rights, badge;
        if (px_cap_identify(s, &type, &rights, &badge) == PX_OK &&
            (type == PX_OBJ_ENDPOINT || type == PX_OBJ_NOTIFICATION))
            px_obj_destroy(s);
    }
}

/*
 * A thread still blocked after STUCK_TURNS turns waits on something the sweeps cannot reach (an object
 * whose only cap it moved out of their way): say what it waits in, so a reader can tell that from a wake-up
 * the kernel lost, and destroy it (the kernel must cope with that too); its round ends without its calls.
 */
static void abandon(struct fuzzer *f, uint32_t thread)
{
    unsigned k = (unsigned)(f->done % LOG);
    uint64_t type = 0, rights = 0, badge = 0;
    int64_t st = f->log[k].status == IN_FLIGHT ? px_cap_identify((uint32_t)f->log[k].a[0], &type, &rights, &badge)
                                                : -1;

    printf("# thread %u blocked for %u turns in call %llu, 0x%03llx (0x%llx, 0x%llx): %s; destroyed\n", f->id,
           STUCK_TURNS, (unsigned long long)f->done, (unsigned long long)f->log[k].nr,
           (unsigned long long)f->log[k].a[0], (unsigned long long)f->log[k].a[1],
           f->log[k].status != IN_FLIGHT ? "between calls"
           : st == PX_OK                  ? (type == PX_OBJ_ENDPOINT       ? "its first cap is an endpoint"
                                             : type == PX_OBJ_NOTIFICATION ? "its first cap is a notification"
                                                                           : "its first cap is another object")
                                          : "its first cap is empty now");
    px_obj_destroy(thread);
    f->calls = f->done;
}

static int worker(uint64_t arg)
{
    static struct fuzzer fz[THREADS];
    struct libos_thread th[THREADS];
    unsigned id = (unsigned)(arg & 0xf);
    uint64_t calls = (arg >> 4) & 0xfffffff, seed = arg >> 32, total = 0, findings = 0;
    uint8_t *scratch[THREADS];

    /* The playground's first objects: blockers, a pool of 256 pages, a READ-only copy of the debug cap. */
    remake_blockers();
    if (libos_bootinfo->cap_debug)
        px_cap_copy(libos_bootinfo->cap_debug, PG_FIRST + BLOCKERS + 1, PX_R_READ);
    for (unsigned t = 0; t < THREADS; t++) {
        uint64_t va = libos_va_alloc(SCRATCH_PAGES + 1);
        uint32_t frame = libos_slot_alloc();
        struct px_map_op op = {PX_MAP_OP_MAP, frame, va, 0, SCRATCH_PAGES, PX_PROT_READ | PX_PROT_WRITE, 0};
        if (px_frame_create(libos_bootinfo->cap_memory, frame, SCRATCH_PAGES) != PX_OK ||
            px_map_batch(libos_bootinfo->cap_task, &op, 1, NULL) != PX_OK)
            return 100;
        scratch[t] = (uint8_t *)(uintptr_t)va;
        fz[t] = (struct fuzzer){.rng = {seed * 0x1000003ull + id * 16 + t}, .scratch = scratch[t],
                                .calls = calls / THREADS, .id = id * 16 + t};
        int64_t st = libos_thread_create(fuzz_thread, &fz[t], PX_PRIO_DEFAULT - 1, PX_CAP_NULL, 0, &th[t]);
        if (st != PX_OK)
            return 110 + (int)st;
    }
    uint64_t seen[THREADS] = {0}, abandoned = 0;
    unsigned stuck_turns[THREADS] = {0};
    for (;;) {
        bool all = true, stuck = false;
        libos_sleep_ns(2000000);
        remake_blockers();
        for (unsigned t = 0; t < THREADS; t++) {
            bool still = fz[t].done == seen[t] && fz[t].done < fz[t].calls;
            stuck |= still;
            stuck_turns[t] = still ? stuck_turns[t] + 1 : 0;
            seen[t] = fz[t].done;
            if (stuck_turns[t] == STUCK_TURNS)
                abandon(&fz[t], th[t].thread), abandoned++;
            all &= fz[t].done >= fz[t].calls;
        }
        if (stuck) /* a thread blocked for a whole turn: destroy what it may wait on */
            destroy_ipc_objects();
        if (all)
            break;
    }
    for (unsigned t = 0; t < THREADS; t++)
        total += fz[t].done, findings += fz[t].findings;
    struct px_msg m = {PX_MSGINFO(1, 4), 0, {id, total, findings, abandoned}};
    px_call(EP_SLOT_IN_CHILD, &m);
    return 0;
}

/* ---- The root task ---- */

static int failures, number;
static uint64_t abandoned; /* fuzzing threads destroyed while blocked on what no sweep reached */

static void result(int ok, const char *what)
{
    printf("%s %d %s\n", ok ? "ok" : "not ok", ++number, what);
    failures += !ok;
}

struct check {
    uint64_t violations, free_pages, objects, untracked;
    uint64_t own_pages, own_bytes; /* what this task's cap table and page tables hold; its quota use */
};

static struct check kcheck(void)
{
    struct px_ret r = px_syscall(PX_SYS_DEBUG_CHECK, libos_bootinfo->cap_debug, 0, 0, 0, 0, 0);
    struct px_ret u = px_syscall(PX_SYS_DEBUG_TASK_USE, libos_bootinfo->cap_debug, libos_bootinfo->cap_task, 0, 0, 0, 0);

    if (r.status != PX_OK || u.status != PX_OK) {
        printf("# DEBUG_CHECK failed with status %lld, DEBUG_TASK_USE with %lld\n", (long long)r.status,
               (long long)u.status);
        return (struct check){~0ull, 0, 0, 0, 0, 0};
    }
    return (struct check){r.r[0], r.r[1], r.r[2], r.r[3], u.r[0], u.r[1]};
}

static int64_t spawn(uint64_t arg, uint32_t ep, struct libos_child *c)
{
    static uint64_t module_va;
    uint64_t pages = (libos_bootinfo->module_size + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE;
    const char *err = NULL;

    if (!module_va) {
        module_va = libos_va_alloc(pages);
        struct px_map_op op = {PX_MAP_OP_MAP, libos_bootinfo->cap_module, module_va, 0, pages, PX_PROT_READ, 0};
        if (px_map_batch(libos_bootinfo->cap_task, &op, 1, NULL) != PX_OK)
            return PX_ERR_FAULT;
    }
    struct libos_spawn s = {.image = (const void *)(uintptr_t)module_va,
                            .size = libos_bootinfo->module_size,
                            .quota = 2 << 20,
                            .memory_pages = 1024,
                            .prio = PX_PRIO_DEFAULT - 1,
                            .entry = worker,
                            .arg = arg,
                            .start_stopped = true,
                            .give_debug = true};
    int64_t st = libos_spawn(&s, c, &err);
    if (st == PX_OK)
        st = px_task_cap_insert(c->task, ep, EP_SLOT_IN_CHILD, PX_R_WRITE);
    if (st == PX_OK)
        st = px_thread_resume(c->thread);
    if (st != PX_OK)
        printf("# spawn failed: %s (status %lld)\n", err ? err : "?", (long long)st);
    return st;
}

/* One round: WORKERS tasks making `calls` calls in all from `seed`; the kernel checked as they go. */
static void round_(uint64_t seed, uint64_t calls, uint32_t ep, uint32_t ntfn, uint32_t timer,
                   uint64_t *made, uint64_t *found)
{
    struct check base = kcheck(), now;
    struct libos_child c[WORKERS];
    unsigned running = 0, checks = 0, bad_checks = 0;
    char what[160];

    for (unsigned w = 0; w < WORKERS; w++)
        if (spawn(w | ((calls / WORKERS) << 4) | (seed << 32), ep, &c[w]) == PX_OK)
            running++;
    px_timer_set(timer, libos_monotonic_ns() + CHECK_NS, 0);
    for (unsigned left = running; left;) {
        struct px_msg m = {0};
        if (px_recv(ep, &m) != PX_OK)
            break;
        if (PX_MSGINFO_LABEL(m.info) == PX_LABEL_NOTIFY) {
            uint64_t t0 = libos_monotonic_ns();
            now = kcheck();
            checks++;
            /* The check walks every object: keep it to a fifth of the time, however many there are. */
            uint64_t spent = libos_monotonic_ns() - t0;
            px_timer_set(timer, libos_monotonic_ns() + MAX(CHECK_NS, 4 * spent), 0);
            if (now.violations || now.untracked != base.untracked) {
                bad_checks++;
                printf("# check %u: %llu invariants broken, untracked pages %llu (were %llu)\n", checks,
                       (unsigned long long)now.violations, (unsigned long long)now.untracked,
                       (unsigned long long)base.untracked);
            }
            continue;
        }
        *made += m.mr[1];
        *found += m.mr[2];
        abandoned += m.mr[3];
        left--;
        m = (struct px_msg){PX_MSGINFO(0, 0), 0, {0}};
        px_reply(&m);
    }
    px_timer_set(timer, 0, 0);
    uint64_t bits;
    px_poll(ntfn, &bits);
    snprintf(what, sizeof(what), "round seed %llu: %u workers ran, %u kernel checks while they ran, %u broken",
             (unsigned long long)seed, running, checks, bad_checks);
    if (calls) /* the round of no calls is not counted */
        result(running == WORKERS && checks > 0 && bad_checks == 0, what);
    for (unsigned w = 0; w < WORKERS; w++) {
        px_obj_destroy(c[w].task);
        px_cap_delete(c[w].task);
        px_cap_delete(c[w].thread);
        libos_slot_free(c[w].task);
        libos_slot_free(c[w].thread);
    }
    now = kcheck();
    /* Our own page tables may have grown (spawning maps each child's image at a fresh address): the pages
       must come back but for those. */
    bool back = !now.violations && now.untracked == base.untracked && now.objects == base.objects &&
                now.free_pages + now.own_pages == base.free_pages + base.own_pages &&
                now.own_bytes - now.own_pages * PX_PAGE_SIZE == base.own_bytes - base.own_pages * PX_PAGE_SIZE;
    if (!back)
        printf("# after the round: %llu invariants broken; free pages %llu (were %llu), ours %llu (were %llu), "
               "kernel objects %llu (were %llu), untracked pages %llu (were %llu), our quota use %llu (was %llu)\n",
               (unsigned long long)now.violations, (unsigned long long)now.free_pages,
               (unsigned long long)base.free_pages, (unsigned long long)now.own_pages,
               (unsigned long long)base.own_pages, (unsigned long long)now.objects,
               (unsigned long long)base.objects, (unsigned long long)now.untracked,
               (unsigned long long)base.untracked, (unsigned long long)now.own_bytes,
               (unsigned long long)base.own_bytes);
    snprintf(what, sizeof(what), "round seed %llu: every kernel object and page back after its tasks went",
             (unsigned long long)seed);
    if (calls)
        result(back, what);
}

int main(void)
{
    uint64_t total = cmdline_value("fuzz.calls=", 200000), seed = cmdline_value("fuzz.seed=", 1);
    uint64_t made = 0, found = 0, bits;
    uint32_t ep = libos_slot_alloc(), ntfn = libos_slot_alloc(), timer = libos_slot_alloc();
    uint64_t rounds = (total + ROUND_CALLS - 1) / ROUND_CALLS;

    printf("KTAP version 1\n");
    printf("# kfuzz: seed %llu, %llu calls in %llu rounds, %d tasks of %d fuzzing threads\n",
           (unsigned long long)seed, (unsigned long long)total, (unsigned long long)rounds, WORKERS, THREADS);
    if (px_endpoint_create(ep) != PX_OK || px_notification_create(ntfn) != PX_OK ||
        px_timer_create(timer, ntfn, 1) != PX_OK || px_thread_bind(libos_bootinfo->cap_thread, ntfn) != PX_OK) {
        printf("not ok 1 set-up\n1..1\n");
        return 1;
    }
    struct check first = kcheck();
    result(first.violations == 0, "the kernel's invariants hold at the start");
    /* A round of no calls first: the spawning code's own first-use allocations settle. */
    uint64_t ignore = 0;
    round_(0, 0, ep, ntfn, timer, &ignore, &ignore);
    px_poll(ntfn, &bits);
    for (uint64_t r = 0; r < rounds; r++) {
        uint64_t n = MIN(ROUND_CALLS, total - r * ROUND_CALLS);
        round_(seed + r, n, ep, ntfn, timer, &made, &found);
    }
    result(found == 0, "every status one docs/abi.md allows");
    printf("1..%d\n", number);
    printf("# kfuzz: %llu calls made, seeds %llu..%llu, %llu findings, %d failures, %llu threads destroyed while "
           "blocked\n", (unsigned long long)made, (unsigned long long)seed, (unsigned long long)(seed + rounds - 1),
           (unsigned long long)found, failures, (unsigned long long)abandoned);
    return failures;
}
