/*
 * The kernel's IPC fast path against its general path, as the root task (docs/architecture.md, "The fast
 * path"). The same scenarios (calls of every length through a badged cap, the bad-input cases, a
 * foreign system call delivered and resumed, a caller destroyed before the reply) run once with the fast
 * path on and once with it off (PX_SYS_DEBUG_FASTPATH); every status, register, badge, info word and
 * buffer word they produce is recorded, and the two records must be equal, the first run having taken
 * the fast path and the second not. Then the return to user mode: a thread whose saved RIP is made
 * non-canonical (or kernel) through THREAD_WRITE_REGS, and one whose RIP is canonical but unmapped, must
 * each fault in user mode (an exception message), not in the kernel. The leaf calls, which the entry
 * answers without a frame, leave the same registers as the general path, and a foreign-ABI thread's call
 * with a leaf call's number is still reflected. Prints KTAP.
 */
#include <libos/libos.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PRIO 20
#define BADGE 0x77
#define MAX_REC 256

static int failures, number;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d ", ok ? "ok" : "not ok", ++number);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    failures += !ok;
}

static uint32_t slot(void) { return libos_slot_alloc(); }

static uint64_t rec[2][MAX_REC];
static unsigned nrec[2], run;

static void put(uint64_t v)
{
    if (nrec[run] < MAX_REC)
        rec[run][nrec[run]++] = v;
}

/* ---- the partners ---- */

/* Answers each call: label + 1, MRn * 3 + badge, buffer words + 1, the same length. */
static void echo_thread(void *ep)
{
    struct px_msg m;
    struct px_ipc_buffer *b = libos_ipc_buffer();

    if (px_recv((uint32_t)(uintptr_t)ep, &m) != PX_OK)
        return;
    for (;;) {
        unsigned len = PX_MSGINFO_LENGTH(m.info);
        for (int i = 0; i < 4; i++)
            m.mr[i] = m.mr[i] * 3 + m.badge;
        for (unsigned i = PX_MSG_REG_WORDS; i < len; i++)
            b->mr[i] += 1;
        m.info = PX_MSGINFO(PX_MSGINFO_LABEL(m.info) + 1, len);
        if (px_reply_recv((uint32_t)(uintptr_t)ep, &m) != PX_OK)
            return;
    }
}

static volatile uint64_t foreign_results[4];

/* Three Linux-style system calls, each result kept, then "exit" (its handler stops it). */
static void foreign_thread(void *unused)
{
    (void)unused;
    for (uint64_t i = 0; i < 3; i++) {
        /* The second is the number of a kernel leaf call (PX_SYS_ABI_VERSION): reflected all the same. */
        register uint64_t rax __asm__("rax") = i == 1 ? PX_SYS_ABI_VERSION : 39 + i;
        register uint64_t rdi __asm__("rdi") = 7 + i;
        register uint64_t rsi __asm__("rsi") = 8;
        register uint64_t rdx __asm__("rdx") = 9;
        register uint64_t r10 __asm__("r10") = 10;
        __asm__ volatile("syscall"
                         : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
                         :
                         : "rcx", "r11", "memory");
        foreign_results[i] = rax;
    }
    register uint64_t rax __asm__("rax") = 60;
    __asm__ volatile("syscall" : "+r"(rax) : : "rcx", "r11", "memory");
}

static void caller_thread(void *ep)
{
    struct px_msg m = {PX_MSGINFO(1, 1), 0, {5, 0, 0, 0}};

    px_call((uint32_t)(uintptr_t)ep, &m); /* destroyed before the reply */
}

static volatile int64_t late_status;

static void late_caller_thread(void *ep)
{
    struct px_msg m = {PX_MSGINFO(2, 1), 0, {6, 0, 0, 0}};

    late_status = px_call((uint32_t)(uintptr_t)ep, &m);
}

/* ---- the scenarios, recorded ---- */

static void record_call(uint32_t ep, unsigned len)
{
    struct px_ipc_buffer *b = libos_ipc_buffer();
    struct px_msg m = {PX_MSGINFO(10 + len, len), 0, {len + 1, 2, 3, 4}};

    for (unsigned i = PX_MSG_REG_WORDS; i < len; i++)
        b->mr[i] = 100 + i;
    put((uint64_t)px_call(ep, &m));
    put(m.info), put(m.badge);
    for (int i = 0; i < 4; i++)
        put(m.mr[i]);
    for (unsigned i = PX_MSG_REG_WORDS; i < len; i++)
        put(b->mr[i]);
}

static void foreign_scenario(void)
{
    uint32_t h = slot();
    struct libos_thread t;
    struct px_msg m;
    struct px_exception e;
    struct px_regs r;

    px_endpoint_create(h);
    libos_thread_create(foreign_thread, NULL, PRIO, h, PX_THREAD_FOREIGN_ABI, &t);
    int64_t st = px_recv(h, &m); /* it runs now, and its first call finds us waiting */
    for (int i = 0; st == PX_OK && i < 4; i++) {
        libos_exception_get(&m, &e);
        put(PX_MSGINFO_LABEL(m.info)), put(PX_MSGINFO_LENGTH(m.info)), put(e.kind), put(e.code);
        put(e.regs.rax), put(e.regs.rdi), put(e.regs.rsi), put(e.regs.rdx), put(e.regs.r10);
        put(e.regs.rip == e.regs.rcx), put(e.regs.rflags == e.regs.r11);
        if (e.regs.rax == 60)
            break;
        r = e.regs;
        r.rax = e.code * 10 + 1;
        libos_exception_resume(&m, &r);
        st = px_reply_recv(h, &m);
    }
    put((uint64_t)st);
    m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    put((uint64_t)px_reply(&m));
    for (int i = 0; i < 3; i++)
        put(foreign_results[i]), foreign_results[i] = 0;
    put((uint64_t)px_thread_read_regs(t.thread, &r));
    put(r.rax);
    px_obj_destroy(t.thread);
    px_obj_destroy(t.frame);
    px_obj_destroy(h);
}

static void destroyed_caller_scenario(void)
{
    uint32_t ep = slot();
    struct libos_thread c, d;
    struct px_msg m;

    px_endpoint_create(ep);
    libos_thread_create(caller_thread, (void *)(uintptr_t)ep, PRIO, PX_CAP_NULL, 0, &c);
    libos_thread_create(late_caller_thread, (void *)(uintptr_t)ep, PRIO, PX_CAP_NULL, 0, &d);
    put((uint64_t)px_recv(ep, &m)); /* the first caller's */
    put(m.info), put(m.mr[0]);
    put((uint64_t)px_obj_destroy(c.thread));
    m = (struct px_msg){PX_MSGINFO(3, 0), 0, {0}};
    put((uint64_t)px_reply_recv(ep, &m)); /* nobody to answer now: a plain receive, the second's call */
    put(m.info), put(m.mr[0]);
    m = (struct px_msg){PX_MSGINFO(4, 1), 0, {44, 0, 0, 0}};
    put((uint64_t)px_reply(&m));
    px_thread_yield();
    put((uint64_t)late_status);
    px_obj_destroy(d.thread);
    px_obj_destroy(c.frame);
    px_obj_destroy(d.frame);
    px_obj_destroy(ep);
}

static void scenarios(void)
{
    uint32_t ep = slot(), badged = slot(), readonly = slot(), writeonly = slot(), ntfn = slot();
    struct libos_thread t;

    px_endpoint_create(ep);
    px_cap_mint(ep, badged, PX_R_ALL, BADGE);
    px_cap_mint(ep, readonly, PX_R_READ, BADGE);
    px_cap_mint(ep, writeonly, PX_R_WRITE, BADGE);
    px_notification_create(ntfn);
    libos_thread_create(echo_thread, (void *)(uintptr_t)ep, PRIO, PX_CAP_NULL, 0, &t);
    px_thread_yield();                      /* it waits in receive */
    for (unsigned len = 0; len <= 6; len++) /* 5 and 6: longer than the registers */
        record_call(badged, len);
    put((uint64_t)px_call(1000, &(struct px_msg){PX_MSGINFO(1, 0), 0, {0}}));     /* an empty slot: CAP */
    put((uint64_t)px_call(ntfn, &(struct px_msg){PX_MSGINFO(1, 0), 0, {0}}));     /* a notification: TYPE */
    put((uint64_t)px_call(readonly, &(struct px_msg){PX_MSGINFO(1, 0), 0, {0}})); /* no WRITE: RIGHTS */
    put((uint64_t)px_reply_recv(writeonly, &(struct px_msg){PX_MSGINFO(1, 0), 0, {0}})); /* no READ: RIGHTS */
    px_obj_destroy(ep); /* the server's receive fails: it returns */
    put((uint64_t)px_call(badged, &(struct px_msg){PX_MSGINFO(1, 0), 0, {0}})); /* a dead endpoint: REVOKED */
    px_obj_destroy(t.thread);
    px_obj_destroy(t.frame);
    px_obj_destroy(writeonly);
    px_obj_destroy(ntfn);
    px_obj_destroy(readonly);
    px_obj_destroy(badged);
    foreign_scenario();
    destroyed_caller_scenario();
}

static void test_equivalence(void)
{
    uint32_t debug = libos_bootinfo->cap_debug;
    uint64_t hits0 = 0, hits1 = 0, hits2 = 0, on = 0;

    check(px_debug_fastpath(debug, 1, &hits0, &on) == PX_OK && on == 1, "the fast path is on");
    check(px_debug_fastpath(debug, 3, NULL, NULL) == PX_ERR_INVAL, "an unknown fast-path mode: INVAL");
    check(px_debug_fastpath(libos_bootinfo->cap_thread, 0, NULL, NULL) == PX_ERR_TYPE,
          "the switch needs the debug cap: TYPE");
    run = 0;
    scenarios();
    check(px_debug_fastpath(debug, 2, &hits1, &on) == PX_OK && on == 0, "the fast path is off");
    check(hits1 - hits0 >= 12, "the scenarios took the fast path (%llu times)",
          (unsigned long long)(hits1 - hits0));
    run = 1;
    scenarios();
    check(px_debug_fastpath(debug, 1, &hits2, &on) == PX_OK && on == 1, "and on again");
    check(hits2 == hits1, "with it off, nothing took it");
    check(nrec[0] == nrec[1] && nrec[0] > 60, "both ways recorded as many results (%u, %u)", nrec[0],
          nrec[1]);
    unsigned first = 0;
    while (first < nrec[0] && rec[0][first] == rec[1][first])
        first++;
    check(first == nrec[0], "fast and general path give the same statuses, registers and messages%s",
          first == nrec[0] ? "" : " (they differ; see below)");
    if (first < nrec[0])
        printf("# first difference at result %u: fast %#llx, general %#llx\n", first,
               (unsigned long long)rec[0][first], (unsigned long long)rec[1][first]);
    /* The values themselves, as the ABI documents them. */
    check(rec[0][0] == PX_OK && rec[0][1] == PX_MSGINFO(11, 0) && rec[0][2] == 0 &&
              rec[0][3] == 1 * 3 + BADGE,
          "an empty call comes back with label + 1, MR0 * 3 + badge");
    unsigned cases = 7 * 7 + 1 + 2, six = cases - 9; /* 7 words a call, and lengths 5 and 6 buffer words */
    check(rec[0][six] == PX_OK && rec[0][six + 1] == PX_MSGINFO(17, 6) && rec[0][six + 7] == 104 + 1 &&
              rec[0][six + 8] == 105 + 1,
          "a 6-word call comes back through the IPC buffer");
    check(rec[0][cases] == (uint64_t)PX_ERR_CAP, "a call on an empty slot: CAP");
    check(rec[0][cases + 1] == (uint64_t)PX_ERR_TYPE, "a call on a notification: TYPE");
    check(rec[0][cases + 2] == (uint64_t)PX_ERR_RIGHTS, "a call without WRITE: RIGHTS");
    check(rec[0][cases + 3] == (uint64_t)PX_ERR_RIGHTS, "a reply-and-receive without READ: RIGHTS");
    check(rec[0][cases + 4] == (uint64_t)PX_ERR_REVOKED, "a call to a destroyed server: REVOKED");
}

/* ---- leaf calls: the entry's short way gives the general path's registers ---- */

enum { L_RAX, L_RDX, L_RDI, L_RSI, L_R8, L_R9, L_R10, L_RBX, L_R12, L_R13, L_R14, L_R15, L_RCX, L_R11, L_REGS };

/* A system call with every other register set to a pattern; all of them afterwards. */
static __attribute__((noinline)) void leaf_call(uint64_t nr, uint64_t out[L_REGS])
{
    register uint64_t rax __asm__("rax") = nr, rdx __asm__("rdx") = 0x3333, rdi __asm__("rdi") = 0x1111;
    register uint64_t rsi __asm__("rsi") = 0x2222, r8 __asm__("r8") = 0x8888, r9 __asm__("r9") = 0x9999;
    register uint64_t r10 __asm__("r10") = 0xaaaa, rbx __asm__("rbx") = 0x4444, r12 __asm__("r12") = 0xc12;
    register uint64_t r13 __asm__("r13") = 0xc13, r14 __asm__("r14") = 0xc14, r15 __asm__("r15") = 0xc15;
    register uint64_t rcx __asm__("rcx") = 0xcccc, r11 __asm__("r11") = 0xbbbb;

    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdx), "+r"(rdi), "+r"(rsi), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(rbx),
                       "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15), "+r"(rcx), "+r"(r11)
                     :
                     : "memory");
    uint64_t v[L_REGS] = {rax, rdx, rdi, rsi, r8, r9, r10, rbx, r12, r13, r14, r15, rcx, r11};
    memcpy(out, v, sizeof(v));
}

static uint64_t leaf_hits(void)
{
    return px_syscall(PX_SYS_DEBUG_FASTPATH, libos_bootinfo->cap_debug, 0, 0, 0, 0, 0).r[2];
}

static void test_leaf_calls(void)
{
    uint32_t debug = libos_bootinfo->cap_debug;
    uint64_t fast[2][L_REGS], slow[2][L_REGS], h0, h1, h2;
    static const uint64_t kept[L_REGS] = {0,     0,     0x1111, 0x2222, 0x8888, 0x9999, 0xaaaa,
                                          0x4444, 0xc12, 0xc13,  0xc14,  0xc15,  0,      0};

    h0 = leaf_hits();
    leaf_call(PX_SYS_ABI_VERSION, fast[0]);
    leaf_call(PX_SYS_ASPACE_SWITCHES, fast[1]);
    h1 = leaf_hits();
    px_debug_fastpath(debug, 2, NULL, NULL);
    leaf_call(PX_SYS_ABI_VERSION, slow[0]);
    leaf_call(PX_SYS_ASPACE_SWITCHES, slow[1]);
    h2 = leaf_hits();
    px_debug_fastpath(debug, 1, NULL, NULL);
    check(h1 - h0 == 2 && h2 == h1, "two leaf calls took the short way, none with the fast paths off (%llu, %llu)",
          (unsigned long long)(h1 - h0), (unsigned long long)(h2 - h1));
    bool same = true, kept_all = true;
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < L_REGS; i++) {
            same &= fast[c][i] == slow[c][i] || (c == 1 && i == L_RDX);
            kept_all &= kept[i] == 0 || fast[c][i] == kept[i];
        }
    check(same, "the short way and the general path leave the same registers (rip in rcx, RFLAGS in r11)");
    check(kept_all, "every register a call does not answer in comes back as it went");
    check(fast[0][L_RAX] == PX_OK && fast[0][L_RDX] == PX_ABI_VERSION, "ABI_VERSION: OK, rdx = %#llx",
          (unsigned long long)fast[0][L_RDX]);
    check(fast[1][L_RAX] == PX_OK && fast[1][L_RDX] > 0 && fast[1][L_RDX] <= slow[1][L_RDX],
          "ASPACE_SWITCHES: OK, a count that does not go back (%llu, then %llu)",
          (unsigned long long)fast[1][L_RDX], (unsigned long long)slow[1][L_RDX]);
}

/* ---- the return to user mode: sysretq only where it is safe ---- */

static void ud2_thread(void *unused)
{
    (void)unused;
    __asm__ volatile("ud2");
}

static bool take(uint32_t h, struct px_msg *m, struct px_exception *e)
{
    if (px_recv(h, m) != PX_OK || PX_MSGINFO_LABEL(m->info) < PX_LABEL_EXCEPTION)
        return false;
    libos_exception_get(m, e);
    return true;
}

static void stop(struct px_msg *m)
{
    m->info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    px_reply(m);
}

static void return_to(uint64_t rip, uint64_t expect_rip, const char *what)
{
    uint32_t h = slot();
    struct libos_thread t;
    struct px_msg m;
    struct px_exception e;
    struct px_regs r;

    px_endpoint_create(h);
    libos_thread_create(ud2_thread, NULL, PRIO, h, 0, &t);
    bool stopped = take(h, &m, &e) && e.kind == PX_EXC_INVALID_OPCODE;
    stop(&m);
    check(stopped && px_thread_read_regs(t.thread, &r) == PX_OK, "%s: a stopped thread", what);
    r.rip = r.rcx = rip; /* rcx = rip and r11 = rflags: all sysretq would need but a safe RIP */
    r.r11 = r.rflags;
    check(px_thread_write_regs(t.thread, &r) == PX_OK && px_thread_resume(t.thread) == PX_OK,
          "%s: RIP %#llx written, the thread resumed", what, (unsigned long long)rip);
    bool got = take(h, &m, &e);
    check(got && e.kind == PX_EXC_PAGE_FAULT && e.regs.rip == expect_rip && e.addr == expect_rip,
          "%s: it faults in user mode fetching at %#llx (kind %llu, rip %#llx)", what,
          (unsigned long long)expect_rip, (unsigned long long)(got ? e.kind : 0),
          (unsigned long long)(got ? e.regs.rip : 0));
    if (got)
        stop(&m);
    px_obj_destroy(t.thread);
    px_obj_destroy(t.frame);
    px_obj_destroy(h);
}

static void test_sysret_safety(void)
{
    /* THREAD_WRITE_REGS makes a RIP outside user space 0 (abi.md); the frame's rcx keeps the value, so
     * the return cannot be sysretq's and goes by iretq. */
    return_to(0x0000800000000000ull, 0, "a non-canonical RIP");
    return_to(0xffff800000001000ull, 0, "a kernel RIP");
    /* Canonical and in user space, but unmapped: sysretq's case, and the fault is the user's. */
    return_to(0x00007fffffffd000ull, 0x00007fffffffd000ull, "an unmapped user RIP");
}

/* ---- a map batch folds runs of one-page maps; failures and replacements come out as without folding ---- */

#define FOLD_VA 0x0000320000000000ull

static void test_batch_fold(void)
{
    static struct px_map_op ops[16];
    uint32_t f = slot(), g = slot(), task = libos_bootinfo->cap_task;
    uint64_t done = 0;
    bool ok = true;

    check(px_frame_create(libos_bootinfo->cap_memory, f, 8) == PX_OK &&
              px_frame_create(libos_bootinfo->cap_memory, g, 1) == PX_OK,
          "frames of 8 pages and of 1");
    struct px_map_op one = {PX_MAP_OP_MAP, g, FOLD_VA + 3 * 4096ull, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    check(px_map_batch(task, &one, 1, &done) == PX_OK && done == 1, "the 1-page frame at page 3");
    *(volatile uint64_t *)(uintptr_t)(FOLD_VA + 3 * 4096ull) = 0x9999;
    /* Pages 0..9 of an 8-page frame, one operation a page: the 9th is out of the frame. */
    for (int i = 0; i < 10; i++)
        ops[i] = (struct px_map_op){
            PX_MAP_OP_MAP, f, FOLD_VA + i * 4096ull, (uint64_t)i, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    int64_t st = px_map_batch(task, ops, 10, &done);
    check(st == PX_ERR_INVAL && done == 8,
          "ten one-page maps, the 9th past the frame: INVAL after 8 (%lld, %llu)", (long long)st,
          (unsigned long long)done);
    for (int i = 0; i < 8; i++)
        *(volatile uint64_t *)(uintptr_t)(FOLD_VA + i * 4096ull) = 0x100 + i;
    for (int i = 0; i < 8; i++)
        ok &= *(volatile uint64_t *)(uintptr_t)(FOLD_VA + i * 4096ull) == 0x100ull + i;
    check(ok, "the eight before it are mapped, page 3 replaced by the 8-page frame's");
    px_map_batch(task, &(struct px_map_op){PX_MAP_OP_MAP, g, FOLD_VA + 20 * 4096ull, 0, 1, PX_PROT_READ, 0},
                 1, &done);
    check(*(volatile uint64_t *)(uintptr_t)(FOLD_VA + 20 * 4096ull) == 0x9999,
          "the 1-page frame kept its own page");
    /* A run broken by another kind of operation, and a wrong right in the middle of one. */
    ops[0] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, FOLD_VA, 0, 32, 0, 0};
    for (int i = 1; i < 6; i++)
        ops[i] = (struct px_map_op){PX_MAP_OP_MAP, f, FOLD_VA + (i - 1) * 4096ull, (uint64_t)(i - 1), 1,
                                    PX_PROT_READ,  0};
    ops[6] =
        (struct px_map_op){PX_MAP_OP_MAP, f, FOLD_VA + 5 * 4096ull, 5, 1, PX_PROT_READ | PX_PROT_EXEC, 0};
    ops[7] = (struct px_map_op){PX_MAP_OP_MAP, f, FOLD_VA + 6 * 4096ull, 6, 1, PX_PROT_READ, 0};
    st = px_map_batch(task, ops, 8, &done);
    check(st == PX_OK && done == 8,
          "an unmap, five read-only maps, one executable, one more: all 8 (%lld, %llu)", (long long)st,
          (unsigned long long)done);
    ok = true;
    for (int i = 0; i < 7; i++)
        ok &= *(volatile uint64_t *)(uintptr_t)(FOLD_VA + i * 4096ull) == 0x100ull + i;
    check(ok, "and they show the frame's pages");
    ops[0] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, FOLD_VA, 0, 32, 0, 0};
    px_map_batch(task, ops, 1, &done);
    px_obj_destroy(f);
    px_obj_destroy(g);
}

int main(void)
{
    printf("KTAP version 1\n");
    px_thread_set_sched(libos_bootinfo->cap_thread, PRIO, PX_TIMESLICE_DEFAULT_US);
    test_equivalence();
    test_leaf_calls();
    test_sysret_safety();
    test_batch_fold();
    printf("1..%d\n", number);
    printf("# fastpath test: %d failures\n", failures);
    return failures;
}
