/*
 * The kernel core from user space (ABI 0.2), as the root task: capabilities and rights, tasks and their
 * isolation, IPC with badges, notifications, exceptions and foreign system calls as messages,
 * preemption, kernel-memory quotas, batched mapping and timers. Child tasks run this same image, loaded
 * from the boot module by libos_spawn, and start in one of the *_child functions. Prints KTAP; exits
 * with the number of failures.
 */
#include <libos/libos.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EP_SLOT_IN_CHILD 17
#define SECRET_VA 0x0000200000000000ull
#define MAP_VA 0x0000300000000000ull
#define MAP_VA2 0x0000310000000000ull

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
static const struct px_bootinfo *bi(void) { return libos_bootinfo; }

static uint32_t new_endpoint(void)
{
    uint32_t s = slot();
    return px_endpoint_create(s) == PX_OK ? s : 0;
}

static uint32_t new_notification(void)
{
    uint32_t s = slot();
    return px_notification_create(s) == PX_OK ? s : 0;
}

/* Spawn a child running entry(arg) from our own image, stopped; the caller gives caps and resumes it. */
static int64_t spawn(int (*entry)(uint64_t), uint64_t arg, uint64_t quota, uint32_t handler,
                     struct libos_child *c)
{
    const void *image = NULL;
    struct px_map_op op;
    const char *err;
    uint64_t pages = (bi()->module_size + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE;
    static uint64_t module_va;

    if (!module_va) { /* map our boot module (our own ELF) once, read-only */
        module_va = libos_va_alloc(pages);
        op = (struct px_map_op){PX_MAP_OP_MAP, bi()->cap_module, module_va, 0, pages, PX_PROT_READ, 0};
        if (px_map_batch(bi()->cap_task, &op, 1, NULL) != PX_OK)
            return PX_ERR_FAULT;
    }
    image = (const void *)(uintptr_t)module_va;
    struct libos_spawn s = {.image = image,
                            .size = bi()->module_size,
                            .quota = quota,
                            .memory_pages = 512,
                            .prio = PX_PRIO_DEFAULT,
                            .entry = entry,
                            .arg = arg,
                            .handler = handler,
                            .start_stopped = true,
                            .give_debug = true};
    int64_t st = libos_spawn(&s, c, &err);
    if (st != PX_OK)
        printf("# spawn failed: %s (status %lld)\n", err ? err : "?", (long long)st);
    return st;
}

/* ---- IPC between two tasks, with badges ---- */

static int pong_child(uint64_t ep)
{
    struct px_msg m = {0};

    if (px_recv((uint32_t)ep, &m) != PX_OK)
        return 1;
    while (PX_MSGINFO_LABEL(m.info) != 99) {
        m = (struct px_msg){PX_MSGINFO(8, 2), 0, {m.badge, m.mr[0] + 1, 0, 0}};
        if (px_reply_recv((uint32_t)ep, &m) != PX_OK)
            return 2;
    }
    m.info = PX_MSGINFO(100, 0);
    px_reply(&m);
    return 0;
}

static void test_ipc_badges(void)
{
    uint32_t ep = new_endpoint(), b1 = slot(), b2 = slot();
    struct libos_child c;
    int good = 0;

    check(spawn(pong_child, EP_SLOT_IN_CHILD, 256 << 10, PX_CAP_NULL, &c) == PX_OK, "spawn a server task");
    check(px_task_cap_insert(c.task, ep, EP_SLOT_IN_CHILD, PX_R_READ) == PX_OK, "give it a receive cap");
    check(px_cap_mint(ep, b1, PX_R_WRITE, 0x11) == PX_OK && px_cap_mint(ep, b2, PX_R_WRITE, 0x22) == PX_OK,
          "mint two badged send caps");
    px_thread_resume(c.thread);
    for (uint64_t i = 0; i < 200; i++) {
        struct px_msg m = {PX_MSGINFO(7, 1), 0, {i, 0, 0, 0}};
        uint32_t via = i & 1 ? b2 : b1;
        if (px_call(via, &m) == PX_OK && PX_MSGINFO_LABEL(m.info) == 8 &&
            m.mr[0] == (i & 1 ? 0x22u : 0x11u) && m.mr[1] == i + 1)
            good++;
    }
    check(good == 200, "200 calls across tasks, each reply names the badge it came through (%d good)", good);
    struct px_msg m = {PX_MSGINFO(99, 0), 0, {0}};
    check(px_call(b1, &m) == PX_OK && PX_MSGINFO_LABEL(m.info) == 100, "the server answers its last call");
    px_obj_destroy(c.task);
}

/* ---- Isolation: a task cannot touch another's memory; its fault reaches its handler ---- */

static int peek_child(uint64_t va)
{
    return (int)*(volatile uint64_t *)(uintptr_t)va; /* not mapped in this task */
}

static void test_isolation(void)
{
    uint32_t frame = slot(), h = new_endpoint();
    struct px_map_op op = {PX_MAP_OP_MAP, frame, SECRET_VA, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    struct libos_child c;
    struct px_msg m = {0};

    px_frame_create(bi()->cap_memory, frame, 1);
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_OK, "map a secret page in the root task");
    *(volatile uint64_t *)(uintptr_t)SECRET_VA = 0x5ec2e7;
    check(spawn(peek_child, SECRET_VA, 256 << 10, h, &c) == PX_OK,
          "spawn a task that reads the secret address");
    px_thread_resume(c.thread);
    check(px_recv(h, &m) == PX_OK, "its exception reaches the handler endpoint");
    check(PX_MSGINFO_LABEL(m.info) == PX_LABEL_EXCEPTION + PX_EXC_PAGE_FAULT, "as a page fault (label %#llx)",
          (unsigned long long)PX_MSGINFO_LABEL(m.info));
    struct px_ipc_buffer *ib = libos_ipc_buffer();
    check(PX_MSGINFO_LENGTH(m.info) == PX_EXCEPTION_WORDS && ib->mr[22] == SECRET_VA &&
              (ib->mr[23] & PX_ACCESS_READ) && !(ib->mr[23] & PX_ACCESS_PRESENT),
          "with the address and a read of a page that is not there (length %u)", PX_MSGINFO_LENGTH(m.info));
    m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    check(px_reply(&m) == PX_OK, "the handler leaves it stopped");
    check(*(volatile uint64_t *)(uintptr_t)SECRET_VA == 0x5ec2e7, "the secret is untouched");
    check(px_obj_destroy(c.task) == PX_OK, "destroy the task");
}

/* ---- Rights, types and slots, for every kind of call ---- */

static void test_rights(void)
{
    uint32_t ep = new_endpoint(), n = new_notification(), f = slot(), s[16];
    uint64_t type, rights, badge, bits;
    struct px_msg m = {0};
    struct px_map_op op;
    struct px_regs r;

    for (int i = 0; i < 16; i++)
        s[i] = slot();
    px_frame_create(bi()->cap_memory, f, 1);
    px_cap_copy(ep, s[0], PX_R_READ);  /* receive only */
    px_cap_copy(ep, s[1], PX_R_WRITE); /* send only */
    px_cap_copy(n, s[2], PX_R_READ);   /* wait only */
    px_cap_copy(n, s[3], PX_R_WRITE);  /* signal only */
    px_cap_copy(f, s[4], PX_R_READ);   /* read-only frame */
    px_cap_copy(bi()->cap_memory, s[5], PX_R_READ);
    px_cap_copy(bi()->cap_task, s[6], PX_R_READ);
    px_cap_copy(bi()->cap_thread, s[7], PX_R_READ);
    px_cap_copy(bi()->cap_debug, s[8], 0);
    check(px_cap_identify(s[0], &type, &rights, &badge) == PX_OK && type == PX_OBJ_ENDPOINT &&
              rights == PX_R_READ,
          "identify a derived cap: type endpoint, rights READ");
    check(px_cap_copy(s[0], s[9], PX_R_ALL) == PX_OK &&
              px_cap_identify(s[9], &type, &rights, &badge) == PX_OK && rights == PX_R_READ,
          "copying never adds rights");
    check(px_send(s[0], &m) == PX_ERR_RIGHTS && px_call(s[0], &m) == PX_ERR_RIGHTS, "send/call need WRITE");
    check(px_recv(s[1], &m) == PX_ERR_RIGHTS && px_reply_recv(s[1], &m) == PX_ERR_RIGHTS, "recv needs READ");
    check(px_signal(s[2]) == PX_ERR_RIGHTS, "signal needs WRITE");
    check(px_wait(s[3], &bits) == PX_ERR_RIGHTS && px_poll(s[3], &bits) == PX_ERR_RIGHTS,
          "wait/poll need READ");
    op = (struct px_map_op){PX_MAP_OP_MAP, s[4], MAP_VA, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_RIGHTS,
          "mapping writable needs WRITE on the frame");
    op.prot = PX_PROT_READ | PX_PROT_EXEC;
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_RIGHTS, "mapping executable needs EXEC");
    op.prot = PX_PROT_READ;
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_OK, "a read-only frame cap maps read-only");
    op = (struct px_map_op){PX_MAP_OP_PROTECT, 0, MAP_VA, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_RIGHTS,
          "protect cannot exceed the mapping's rights");
    op = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA, 0, 1, PX_PROT_WRITE | PX_PROT_EXEC | PX_PROT_READ, 0};
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_INVAL, "W+X is refused");
    check(px_frame_create(s[5], s[10], 1) == PX_ERR_RIGHTS &&
              px_memory_split(s[5], s[10], 1) == PX_ERR_RIGHTS,
          "frame_create/memory_split need MANAGE on the memory");
    check(px_thread_create(s[6], s[10]) == PX_ERR_RIGHTS &&
              px_map_batch(s[6], &op, 1, NULL) == PX_ERR_RIGHTS &&
              px_task_cap_insert(s[6], ep, 30, PX_R_ALL) == PX_ERR_RIGHTS,
          "thread_create/map_batch need MANAGE, cap_insert GRANT on the task");
    check(px_thread_resume(s[7]) == PX_ERR_RIGHTS && px_thread_suspend(s[7]) == PX_ERR_RIGHTS &&
              px_thread_set_sched(s[7], 1, 10000) == PX_ERR_RIGHTS &&
              px_thread_set_handler(s[7], ep, 0) == PX_ERR_RIGHTS &&
              px_thread_read_regs(s[7], &r) == PX_ERR_RIGHTS && px_thread_bind(s[7], n) == PX_ERR_RIGHTS &&
              px_thread_set_tls(s[7], 0, 0) == PX_ERR_RIGHTS && px_thread_cpu_time(s[7], &bits) == PX_ERR_RIGHTS &&
              px_thread_set_ipc_buf(s[7], f, 0) == PX_ERR_RIGHTS,
          "every thread call needs MANAGE");
    check(px_debug_write(s[8], "x", 1, NULL) == PX_ERR_RIGHTS, "debug_write needs WRITE on the debug cap");
    check(px_obj_destroy(s[0]) == PX_ERR_RIGHTS, "destroy needs MANAGE");
    check(px_call(n, &m) == PX_ERR_TYPE && px_signal(ep) == PX_ERR_TYPE &&
              px_thread_resume(ep) == PX_ERR_TYPE,
          "a cap of the wrong type: TYPE");
    check(px_signal(0) == PX_ERR_CAP && px_signal(5000) == PX_ERR_CAP && px_signal(s[11]) == PX_ERR_CAP,
          "slot 0, a slot past the table, an empty slot: CAP");
    check(px_endpoint_create(ep) == PX_ERR_SLOT_FULL && px_cap_copy(n, ep, PX_R_ALL) == PX_ERR_SLOT_FULL,
          "creating into a used slot: SLOT_FULL");
    check(px_cap_mint(s[1], s[11], PX_R_WRITE, 5) == PX_OK &&
              px_cap_mint(s[11], s[12], PX_R_WRITE, 6) == PX_ERR_INVAL,
          "a badge is set once");
    check(px_thread_set_sched(bi()->cap_thread, PX_PRIO_MAX + 1, 10000) == PX_ERR_INVAL,
          "priority above one's own: INVAL");
    check(px_thread_write_regs(bi()->cap_thread, &r) == PX_ERR_STATE,
          "writing the registers of a running thread: STATE");
    check(px_thread_read_regs(bi()->cap_task, (struct px_regs *)0x10) == PX_ERR_TYPE, "type before address");
    check(px_obj_destroy(ep) == PX_OK && px_send(s[1], &m) == PX_ERR_REVOKED &&
              px_recv(s[0], &m) == PX_ERR_REVOKED,
          "destroying an endpoint revokes every cap to it");
    check(px_cap_delete(s[1]) == PX_OK && px_cap_delete(s[1]) == PX_ERR_CAP, "delete empties the slot");
    check(px_map_batch(bi()->cap_task, (const struct px_map_op *)0xffffffff80000000ull, 1, NULL) ==
              PX_ERR_FAULT,
          "map_batch with a kernel pointer: FAULT");
    op = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA + 12, 0, 1, PX_PROT_READ, 0};
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_INVAL, "a misaligned address: INVAL");
    op.vaddr = 0xffffffff80000000ull;
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_INVAL, "a kernel address: INVAL");
    op.vaddr = 0x0000800000000000ull;
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_INVAL, "a non-canonical address: INVAL");
    op = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA, 1, 1, PX_PROT_READ, 0};
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_INVAL, "pages beyond the frame: INVAL");
    op = (struct px_map_op){9, f, MAP_VA, 0, 1, PX_PROT_READ, 0};
    check(px_map_batch(bi()->cap_task, &op, 1, NULL) == PX_ERR_INVAL, "an unknown operation: INVAL");
    check(px_map_batch(bi()->cap_task, &op, PX_MAP_BATCH_MAX + 1, NULL) == PX_ERR_INVAL,
          "too many operations: INVAL");
    {
        uint32_t th = slot();
        px_thread_create(bi()->cap_task, th);
        check(px_thread_read_regs(th, (struct px_regs *)0xffffffff80100000ull) == PX_ERR_FAULT &&
                  px_thread_write_regs(th, (const struct px_regs *)0x0000800000000000ull) == PX_ERR_FAULT,
              "registers to or from a kernel or non-canonical address: FAULT");
        check(px_thread_set_tls(th, 0xffff800000000000ull, 0) == PX_ERR_INVAL, "a kernel TLS base: INVAL");
        px_obj_destroy(th);
    }
    op = (struct px_map_op){PX_MAP_OP_UNMAP, 0, MAP_VA, 0, 1, 0, 0};
    px_map_batch(bi()->cap_task, &op, 1, NULL);
}

/* ---- Exceptions as messages: skip a faulting instruction; foreign system calls ---- */

static volatile int after_ud2;
static volatile uint64_t foreign_result;

static void ud2_thread(void *done)
{
    __asm__ volatile("ud2");
    after_ud2 = 1;
    px_signal((uint32_t)(uintptr_t)done);
}

static void foreign_thread(void *unused)
{
    uint64_t rax = 39; /* Linux getpid */

    (void)unused;
    __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
    foreign_result = rax;
    rax = 60; /* Linux exit: the handler stops us */
    __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
}

static volatile uint64_t xmm0_after[2];

/* Puts a pattern in xmm0, makes a foreign syscall, and keeps what xmm0 holds when it comes back. */
static void fpu_thread(void *unused)
{
    static const uint64_t pattern[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    uint64_t rax = 39, out[2];

    (void)unused;
    __asm__ volatile("movdqu %2, %%xmm0; syscall; movdqu %%xmm0, %0"
                     : "=m"(out), "+a"(rax)
                     : "m"(pattern)
                     : "rcx", "r11", "xmm0", "memory");
    xmm0_after[0] = out[0], xmm0_after[1] = out[1];
    rax = 60;
    __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
}

static bool take_exception(uint32_t h, struct px_msg *m, struct px_regs *r, uint64_t *kind)
{
    struct px_exception e;

    *m = (struct px_msg){0};
    if (px_recv(h, m) != PX_OK || PX_MSGINFO_LABEL(m->info) < PX_LABEL_EXCEPTION)
        return false;
    libos_exception_get(m, &e);
    *kind = PX_MSGINFO_LABEL(m->info) - PX_LABEL_EXCEPTION;
    *r = e.regs;
    return e.kind == *kind; /* the message says its kind twice: label and word 20 */
}

static int64_t resume_with(struct px_msg *m, const struct px_regs *r)
{
    libos_exception_resume(m, r);
    return px_reply(m);
}

static void test_exceptions(void)
{
    uint32_t h = new_endpoint(), done = new_notification();
    struct libos_thread t;
    struct px_msg m;
    struct px_regs r;
    uint64_t kind, bits;

    check(libos_thread_create(ud2_thread, (void *)(uintptr_t)done, 20, h, 0, &t) == PX_OK,
          "a thread with a handler");
    check(take_exception(h, &m, &r, &kind) && kind == PX_EXC_INVALID_OPCODE,
          "its ud2 arrives as invalid opcode");
    r.rip += 2;
    check(resume_with(&m, &r) == PX_OK, "the handler replies with RIP past the instruction");
    check(px_wait(done, &bits) == PX_OK && after_ud2 == 1, "and the thread carries on after it");

    check(libos_thread_create(foreign_thread, NULL, 20, h, PX_THREAD_FOREIGN_ABI, &t) == PX_OK,
          "a foreign-ABI thread");
    check(take_exception(h, &m, &r, &kind) && kind == PX_EXC_FOREIGN_SYSCALL && r.rax == 39,
          "its syscall arrives as a foreign syscall with rax = 39");
    r.rax = 1234;
    check(resume_with(&m, &r) == PX_OK, "the handler answers rax = 1234");
    check(take_exception(h, &m, &r, &kind) && kind == PX_EXC_FOREIGN_SYSCALL && r.rax == 60,
          "the next syscall arrives too (exit)");
    check(foreign_result == 1234, "the thread saw the handler's result (%llu)",
          (unsigned long long)foreign_result);
    m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    px_reply(&m);
    check(px_thread_read_regs(t.thread, &r) == PX_OK && r.rax == 60,
          "the stopped thread's registers can be read");
    uint64_t ran = 0, later = 0, mine = 0, mine_later = 0;
    int64_t st = px_thread_cpu_time(t.thread, &ran);
    check(st == PX_OK && ran > 0, "it has run for some time (%llu ns)", (unsigned long long)ran);
    check(px_thread_cpu_time(bi()->cap_thread, &mine) == PX_OK, "the caller's own time can be read");
    for (volatile int i = 0; i < 100000; i++)
        ;
    check(px_thread_cpu_time(t.thread, &later) == PX_OK && later == ran, "a stopped thread's time stands still");
    check(px_thread_cpu_time(bi()->cap_thread, &mine_later) == PX_OK && mine_later > mine,
          "a running thread's goes on (its current turn counts)");
    px_obj_destroy(t.thread);

    /* Suspended while its foreign system call's message waits in the queue, it takes the call again. */
    uint32_t idle = new_endpoint();
    check(libos_thread_create(foreign_thread, NULL, 20, idle, PX_THREAD_FOREIGN_ABI, &t) == PX_OK,
          "a foreign-ABI thread whose handler endpoint nobody receives on");
    /*
     * It runs while we sleep, and its syscall's message waits on the endpoint. On a busy host the sleep
     * can end before it got there (the guest's clock follows the host's): then it is suspended short of
     * its syscall instruction, and resumed to try again.
     */
    struct px_regs at_suspend = {0};
    bool pending = false;
    for (int tries = 0; tries < 100 && !pending; tries++) {
        libos_sleep_ns(2000000);
        pending = px_thread_suspend(t.thread) == PX_OK && px_thread_read_regs(t.thread, &at_suspend) == PX_OK &&
                  at_suspend.rax == 39 && *(const uint16_t *)(uintptr_t)at_suspend.rip == 0x050f; /* syscall */
        if (!pending)
            px_thread_resume(t.thread);
    }
    check(pending, "suspended with the call pending");
    check(px_thread_set_handler(t.thread, h, PX_THREAD_FOREIGN_ABI) == PX_OK && px_thread_resume(t.thread) == PX_OK &&
              take_exception(h, &m, &r, &kind) && kind == PX_EXC_FOREIGN_SYSCALL && r.rax == 39 &&
              r.rip == at_suspend.rip + 2,
          "resumed, it makes the same call from the same instruction");
    m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    px_reply(&m);
    px_obj_destroy(t.thread);

    /* Its FPU state, read and written by the handler while the thread waits for the reply. */
    struct px_fpu_state f;
    uint64_t xmm0[2], mxcsr_mask = 0;
    check(libos_thread_create(fpu_thread, NULL, 20, h, PX_THREAD_FOREIGN_ABI, &t) == PX_OK &&
              take_exception(h, &m, &r, &kind) && kind == PX_EXC_FOREIGN_SYSCALL,
          "a thread with a pattern in xmm0 makes a foreign syscall");
    check(px_thread_read_fpu(t.thread, &f) == PX_OK && (memcpy(xmm0, f.fxsave + 160, 16), 1) &&
              xmm0[0] == 0x0123456789abcdefull && xmm0[1] == 0xfedcba9876543210ull,
          "the handler reads its xmm0 from the FXSAVE image");
    memcpy(&mxcsr_mask, f.fxsave + 28, 4);
    uint32_t bad = 0x1f80 | ~(uint32_t)mxcsr_mask;
    struct px_fpu_state g = f;
    memcpy(g.fxsave + 24, &bad, 4);
    check(mxcsr_mask != 0 && px_thread_write_fpu(t.thread, &g) == PX_ERR_INVAL,
          "an MXCSR with reserved bits set is refused: INVAL");
    xmm0[0] = 42, xmm0[1] = 43;
    memcpy(f.fxsave + 160, xmm0, 16);
    check(px_thread_write_fpu(t.thread, &f) == PX_OK, "the handler writes a new xmm0");
    check(px_thread_read_fpu(bi()->cap_thread, &f) == PX_ERR_STATE, "the running thread's own: STATE");
    check(resume_with(&m, &r) == PX_OK && take_exception(h, &m, &r, &kind) && r.rax == 60,
          "the thread goes on to its next syscall");
    check(xmm0_after[0] == 42 && xmm0_after[1] == 43, "and saw the xmm0 the handler wrote");
    check(px_thread_write_fpu(t.thread, (const struct px_fpu_state *)0xffffffff80000000ull) == PX_ERR_FAULT,
          "an FPU image from a kernel address: FAULT");
    m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    px_reply(&m);
    px_obj_destroy(t.thread);
}

/* ---- Preemption: two spinning threads of one priority share the CPU ---- */

static volatile uint64_t spins_a, spins_b;
static volatile int stop_spinning;

static void spinner(void *counter)
{
    while (!stop_spinning)
        (*(volatile uint64_t *)counter)++;
}

static void timed_spinner(void *done)
{
    uint64_t end = libos_monotonic_ns() + 60000000ull; /* 60 ms: several 10 ms time slices */

    while (libos_monotonic_ns() < end)
        spins_a++;
    stop_spinning = 1;
    px_signal((uint32_t)(uintptr_t)done);
}

static void test_preemption(void)
{
    uint32_t done = new_notification();
    struct libos_thread a, b;
    uint64_t bits;

    check(libos_thread_create(spinner, (void *)&spins_b, 10, PX_CAP_NULL, 0, &b) == PX_OK &&
              libos_thread_create(timed_spinner, (void *)(uintptr_t)done, 10, PX_CAP_NULL, 0, &a) == PX_OK,
          "two spinning threads at priority 10");
    check(px_wait(done, &bits) == PX_OK, "the timed one finishes");
    check(spins_a > 0 && spins_b > 0, "both ran: the timer preempts a thread that never yields (%llu, %llu)",
          (unsigned long long)spins_a, (unsigned long long)spins_b);
}

/* ---- Waiting on an endpoint and a notification at once ---- */

static volatile uint64_t got_labels[2], got_bits;

static void bound_receiver(void *arg)
{
    uint32_t *caps = arg; /* endpoint, done */
    struct px_msg m;

    for (int i = 0; i < 2; i++) {
        if (px_recv(caps[0], &m) != PX_OK)
            return;
        got_labels[i] = PX_MSGINFO_LABEL(m.info);
        if (got_labels[i] == PX_LABEL_NOTIFY)
            got_bits = m.mr[0];
    }
    px_signal(caps[1]);
}

static void test_ep_and_ntfn(void)
{
    static uint32_t caps[2];
    uint32_t n = new_notification(), b = slot();
    struct libos_thread t;
    struct px_msg m = {PX_MSGINFO(42, 0), 0, {0}};
    uint64_t bits;

    caps[0] = new_endpoint();
    caps[1] = new_notification();
    px_cap_mint(n, b, PX_R_WRITE, 0x8);
    check(libos_thread_create(bound_receiver, caps, PX_PRIO_MAX, PX_CAP_NULL, 0, &t) == PX_OK &&
              px_thread_bind(t.thread, n) == PX_OK,
          "a thread bound to a notification");
    px_thread_yield(); /* it runs and waits in recv */
    check(px_signal(b) == PX_OK, "signal the notification");
    check(px_send(caps[0], &m) == PX_OK, "send on the endpoint");
    check(px_wait(caps[1], &bits) == PX_OK && got_labels[0] == PX_LABEL_NOTIFY && got_bits == 0x8 &&
              got_labels[1] == 42,
          "one recv woke for the signal (bits %#llx), the next for the message",
          (unsigned long long)got_bits);
}

/* ---- Batched mapping ---- */

static void toucher(void *va) { *(volatile uint64_t *)va = 1; }

static void test_batch_map(void)
{
    static struct px_map_op ops[512];
    uint32_t f = slot(), h = new_endpoint();
    uint64_t done = 0, kind;
    struct libos_thread t;
    struct px_msg m;
    struct px_regs r;
    bool ok = true;

    check(px_frame_create(bi()->cap_memory, f, 512) == PX_OK, "a frame of 512 pages");
    for (int i = 0; i < 512; i++)
        ops[i] = (struct px_map_op){
            PX_MAP_OP_MAP, f, MAP_VA + i * 4096ull, (uint64_t)i, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    int64_t st = px_map_batch(bi()->cap_task, ops, 512, &done);
    check(st == PX_OK && done == 512, "512 maps in one call (%llu done)", (unsigned long long)done);
    for (int i = 0; i < 512; i++)
        *(volatile uint64_t *)(uintptr_t)(MAP_VA + i * 4096ull) = 0xabc000 + i;
    /* Those maps continue one another (the kernel keeps them as one record): cut one page out of the
       middle and map another page of the frame there; its neighbours stay as they were. */
    ops[0] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, MAP_VA + 100 * 4096ull, 0, 1, 0, 0};
    ops[1] = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA + 100 * 4096ull, 300, 1, PX_PROT_READ, 0};
    st = px_map_batch(bi()->cap_task, ops, 2, &done);
    check(st == PX_OK && *(volatile uint64_t *)(uintptr_t)(MAP_VA + 99 * 4096ull) == 0xabc000ull + 99 &&
              *(volatile uint64_t *)(uintptr_t)(MAP_VA + 100 * 4096ull) == 0xabc000ull + 300 &&
              *(volatile uint64_t *)(uintptr_t)(MAP_VA + 101 * 4096ull) == 0xabc000ull + 101,
          "a page cut out of pages mapped one by one, another put in its place");
    ops[0] = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA + 100 * 4096ull, 100, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
    px_map_batch(bi()->cap_task, ops, 1, &done);
    ops[0] = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA2, 0, 512, PX_PROT_READ, 0};
    check(px_map_batch(bi()->cap_task, ops, 1, &done) == PX_OK,
          "the same frame again, as one 512-page range");
    for (int i = 0; i < 512; i++)
        ok &= *(volatile uint64_t *)(uintptr_t)(MAP_VA2 + i * 4096ull) == 0xabc000ull + i;
    check(ok, "both mappings show the same pages");
    ops[0] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, MAP_VA, 0, 512, 0, 0};
    ops[1] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, MAP_VA2, 0, 512, 0, 0};
    check(px_map_batch(bi()->cap_task, ops, 2, &done) == PX_OK && done == 2, "unmap both in one call");
    ops[0] = (struct px_map_op){PX_MAP_OP_MAP, f, MAP_VA, 0, 1, PX_PROT_READ, 7};
    check(px_map_batch(bi()->cap_task, ops, 1, &done) == PX_ERR_INVAL && done == 0,
          "a non-zero reserved field: INVAL");
    libos_thread_create(toucher, (void *)(uintptr_t)(MAP_VA + 4096 * 7), 20, h, 0, &t);
    check(take_exception(h, &m, &r, &kind) && kind == PX_EXC_PAGE_FAULT &&
              libos_ipc_buffer()->mr[22] == MAP_VA + 4096 * 7,
          "an unmapped page faults");
    m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
    px_reply(&m);
    px_obj_destroy(t.thread);
    check(px_obj_destroy(f) == PX_OK, "destroy the frame");
    /* A batch whose first operation unmaps the page holding the batch: the kernel reads each operation
       when it applies it, so the second is gone: FAULT, not a kernel page fault. */
    uint32_t pf = 0;
    struct px_map_op *self = libos_map_new(1, &pf);
    self[0] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, (uint64_t)(uintptr_t)self, 0, 1, 0, 0};
    self[1] = (struct px_map_op){PX_MAP_OP_UNMAP, 0, MAP_VA, 0, 1, 0, 0};
    done = 9;
    st = px_map_batch(bi()->cap_task, self, 2, &done);
    check(st == PX_ERR_FAULT && done == 1, "a batch that unmaps itself: FAULT after 1 operation (status %lld, %llu done)",
          (long long)st, (unsigned long long)done);
    px_obj_destroy(pf);
}

/* libos_unmap_free gives pages back: a 64-page pool serves ten 32-page mappings, one after another. */
static void test_unmap_free(void)
{
    uint32_t pool = slot(), frame = 0;
    int served = 0;

    check(px_memory_split(bi()->cap_memory, pool, 64) == PX_OK, "a pool of 64 pages");
    for (int i = 0; i < 10; i++) {
        uint8_t *p = libos_map_new_from(pool, 32, &frame);
        if (!p)
            break;
        p[0] = p[32 * 4096 - 1] = 1;
        libos_unmap_free(p, 32, frame);
        served++;
    }
    check(served == 10, "libos_unmap_free returns the pages: %d of 10 mappings served", served);
    uint8_t *a = libos_map_new_from(pool, 32, NULL), *b = libos_map_new_from(pool, 32, NULL);
    check(a && b && !libos_map_new_from(pool, 1, NULL), "and the pool is whole again (64 pages, no more)");
}

/* ---- Suspending a thread blocked in a call ---- */

static volatile int64_t recv_status = -1;
static volatile uint64_t recv_word;

static void blocked_receiver(void *ep)
{
    struct px_msg m = {0};

    recv_status = px_recv((uint32_t)(uintptr_t)ep, &m);
    recv_word = m.mr[0];
}

/* Found by the kernel-ABI fuzzer: a thread suspended while blocked in RECV came back, when resumed, with
   its call's number (0x52) as the status. Now the call is taken again: it still receives. */
static void test_suspend_blocked(void)
{
    uint32_t ep = new_endpoint();
    struct libos_thread t;
    struct px_msg m = {PX_MSGINFO(5, 1), 0, {77, 0, 0, 0}};

    check(libos_thread_create(blocked_receiver, (void *)(uintptr_t)ep, PX_PRIO_MAX, PX_CAP_NULL, 0, &t) == PX_OK,
          "a thread that blocks in RECV");
    libos_sleep_ns(5000000);
    check(px_thread_suspend(t.thread) == PX_OK && px_thread_resume(t.thread) == PX_OK,
          "suspended and resumed while it waits");
    libos_sleep_ns(5000000);
    check(recv_status == -1, "its RECV is still waiting (status %lld)", (long long)recv_status);
    if (recv_status == -1) {
        px_send(ep, &m);
        libos_sleep_ns(5000000);
    }
    check(recv_status == PX_OK && recv_word == 77, "and receives the next message");
}

/* ---- Kernel-memory quotas ---- */

static int quota_child(uint64_t ep)
{
    uint32_t s = 20, n = 0;
    int64_t st;

    /* Threads are charged to the task they are created in, about 1 KiB each. */
    while ((st = px_thread_create(libos_bootinfo->cap_task, s++)) == PX_OK)
        n++;
    struct px_msg m = {PX_MSGINFO(1, 2), 0, {n, (uint64_t)st, 0, 0}};
    px_call((uint32_t)ep, &m);
    return 0;
}

static void test_quota(void)
{
    uint32_t ep = new_endpoint(), extra[64];
    struct libos_child c;
    struct px_msg m = {0};
    int made = 0;

    check(spawn(quota_child, EP_SLOT_IN_CHILD, 256 << 10, PX_CAP_NULL, &c) == PX_OK,
          "a task with 256 KiB of kernel memory");
    px_task_cap_insert(c.task, ep, EP_SLOT_IN_CHILD, PX_R_WRITE);
    px_thread_resume(c.thread);
    int64_t st = px_recv(ep, &m);
    check(st == PX_OK && m.mr[1] == PX_ERR_NOMEM && m.mr[0] > 10,
          "it creates threads until its quota runs out: status %llu after %llu", (unsigned long long)m.mr[1],
          (unsigned long long)m.mr[0]);
    for (int i = 0; i < 64; i++)
        made += px_endpoint_create(extra[i] = slot()) == PX_OK;
    check(made == 64, "meanwhile the root task's quota is untouched");
    m.info = PX_MSGINFO(0, 0);
    px_reply(&m);
    check(px_obj_destroy(c.task) == PX_OK, "destroying the task gives its quota back");
    check(spawn(quota_child, EP_SLOT_IN_CHILD, 1 << 10, PX_CAP_NULL, &c) == PX_ERR_NOMEM,
          "a task too small for its own cap table is not created: NOMEM");
    check(px_task_create(bi()->cap_memory, slot(), 1ull << 62) == PX_ERR_NOMEM,
          "a quota larger than ours: NOMEM");
}

/* A child that makes threads until its quota runs out, reports, and goes on when told (label 1). */
static int quota_grow_child(uint64_t ep)
{
    uint32_t s = 20;
    int64_t st;
    struct px_msg m;

    do {
        uint64_t n = 0;
        while ((st = px_thread_create(libos_bootinfo->cap_task, s++)) == PX_OK)
            n++;
        /* Its own task cap is not one it created: no quota moves through it. */
        int64_t self = px_task_quota_give(libos_bootinfo->cap_task, 4096);
        m = (struct px_msg){PX_MSGINFO(1, 3), 0, {n, (uint64_t)st, (uint64_t)self, 0}};
        if (px_call((uint32_t)ep, &m) != PX_OK)
            return 1;
    } while (PX_MSGINFO_LABEL(m.info) == 1);
    return 0;
}

static void test_quota_transfer(void)
{
    uint32_t ep = new_endpoint(), weak = slot();
    struct libos_child c;
    struct px_msg m = {0};
    uint64_t lim, used, own_lim, own_used, own_used2, taken = 0, climit;

    check(spawn(quota_grow_child, EP_SLOT_IN_CHILD, 128 << 10, PX_CAP_NULL, &c) == PX_OK,
          "a task with 128 KiB of kernel memory");
    int64_t st = px_task_quota_info(c.task, &lim, &used);
    check(st == PX_OK && lim == 128 << 10 && used > 0 && used < lim,
          "quota info: its limit, and its cap table in use (%llu)", (unsigned long long)used);
    px_task_quota_info(PX_CAP_NULL, &own_lim, &own_used);
    st = px_task_quota_take(c.task, PX_QUOTA_UNUSED, &taken);
    check(st == PX_OK && taken == lim - used, "take back all it does not use (%llu bytes)",
          (unsigned long long)taken);
    px_task_quota_info(PX_CAP_NULL, &own_lim, &own_used2);
    check(own_used2 == own_used - taken, "and our own quota gets them back");
    check(px_task_quota_take(c.task, 1, NULL) == PX_ERR_AGAIN, "nothing unused is left to take: AGAIN");
    check(px_task_quota_give(c.task, own_lim) == PX_ERR_NOMEM, "giving more than we have unused: NOMEM");
    check(px_task_quota_give(c.task, 64 << 10) == PX_OK, "give it 64 KiB");
    px_task_quota_info(c.task, &lim, &used);
    px_task_quota_info(PX_CAP_NULL, &own_lim, &own_used);
    check(lim == used + (64 << 10) && own_used == own_used2 + (64 << 10), "its limit grows, our use with it");
    px_cap_copy(c.task, weak, PX_R_ALL & ~PX_R_MANAGE);
    check(px_task_quota_give(weak, 4096) == PX_ERR_RIGHTS && px_task_quota_take(weak, 1, NULL) == PX_ERR_RIGHTS,
          "without MANAGE on the task: RIGHTS");
    px_task_cap_insert(c.task, ep, EP_SLOT_IN_CHILD, PX_R_WRITE);
    px_thread_resume(c.thread);
    st = px_recv(ep, &m);
    check(st == PX_OK && m.mr[1] == PX_ERR_NOMEM && m.mr[0] > 10, "it makes %llu threads until its quota runs out",
          (unsigned long long)m.mr[0]);
    check(m.mr[2] == PX_ERR_RIGHTS, "a task cannot give quota to itself through its own cap: RIGHTS");
    uint64_t first = m.mr[0];
    px_task_quota_info(c.task, &lim, &used);
    check(px_task_quota_take(c.task, lim - used + 1, NULL) == PX_ERR_AGAIN && px_task_quota_info(c.task, &climit,
          &used) == PX_OK && climit == lim, "what it uses cannot be taken: AGAIN, its limit unchanged");
    check(px_task_quota_give(c.task, 128 << 10) == PX_OK, "give it 128 KiB more while it waits");
    m.info = PX_MSGINFO(1, 0);
    st = px_reply_recv(ep, &m);
    check(st == PX_OK && m.mr[1] == PX_ERR_NOMEM && m.mr[0] > first, "and it makes %llu more threads",
          (unsigned long long)m.mr[0]);
    px_task_quota_info(c.task, &climit, &used);
    px_task_quota_info(PX_CAP_NULL, &own_lim, &own_used);
    check(px_obj_destroy(c.task) == PX_OK, "destroy it");
    px_task_quota_info(PX_CAP_NULL, &own_lim, &own_used2);
    check(own_used - own_used2 >= climit, "its whole limit, as grown, comes back to us (%llu of %llu)",
          (unsigned long long)(own_used - own_used2), (unsigned long long)climit);
    check(px_task_quota_give(c.task, 4096) == PX_ERR_REVOKED, "a destroyed task takes no quota: REVOKED");
    px_cap_delete(weak), px_cap_delete(c.task), px_cap_delete(c.thread);
}

/* The cap table grows: libos grows ours as slots run out; a child's grows on its own quota. */
static void test_cap_grow(void)
{
    enum { N = 1500 };
    static uint32_t slots[N];
    uint32_t ep = new_endpoint();
    uint64_t size0 = 0, size = 0, t, r, b, lim, used, used2;
    struct libos_child c;
    int ok = 0;

    int64_t st = px_cap_table_grow(PX_CAP_NULL, 0, &size0);
    check(st == PX_OK && size0 >= PX_CAP_SLOTS_INITIAL, "our table has %llu slots", (unsigned long long)size0);
    for (int i = 0; i < N; i++)
        ok += (slots[i] = slot()) != 0 && px_cap_copy(ep, slots[i], PX_R_ALL) == PX_OK;
    px_cap_table_grow(PX_CAP_NULL, 0, &size);
    check(ok == N && size > size0, "%d more caps: libos grew the table to %llu slots", N,
          (unsigned long long)size);
    check(px_cap_identify(slots[N - 1], &t, &r, &b) == PX_OK && t == PX_OBJ_ENDPOINT &&
              px_cap_identify(bi()->cap_task, &t, &r, &b) == PX_OK && t == PX_OBJ_TASK,
          "the newest and the oldest caps both work");
    check(px_cap_copy(ep, (uint32_t)size, PX_R_ALL) == PX_ERR_CAP, "one past the end: CAP");
    check(px_cap_table_grow(PX_CAP_NULL, PX_CAP_SLOTS_MAX + 1ull, &t) == PX_ERR_INVAL && t == size,
          "beyond PX_CAP_SLOTS_MAX: INVAL, the table unchanged");
    for (int i = 0; i < N; i++)
        px_cap_delete(slots[i]), libos_slot_free(slots[i]);
    check(spawn(quota_child, EP_SLOT_IN_CHILD, 256 << 10, PX_CAP_NULL, &c) == PX_OK, "a child with 256 KiB");
    px_task_quota_info(c.task, &lim, &used);
    check(px_cap_table_grow(c.task, 65536, &t) == PX_ERR_NOMEM && t == PX_CAP_SLOTS_INITIAL &&
              px_task_quota_info(c.task, &lim, &used2) == PX_OK && used2 == used,
          "growing its table past its quota: NOMEM, nothing charged");
    st = px_cap_table_grow(c.task, 2048, &t);
    check(st == PX_OK && t == 2048 && px_task_quota_info(c.task, &lim, &used2) == PX_OK && used2 == used + 1024 * 24,
          "to 2048 slots: charged to the child (1024 slots more, 24 bytes each)");
    check(px_task_cap_insert(c.task, ep, 2047, PX_R_WRITE) == PX_OK &&
              px_task_cap_insert(c.task, ep, 2048, PX_R_WRITE) == PX_ERR_CAP,
          "its new last slot takes a cap, the one after is out of range");
    px_obj_destroy(c.task);
    px_cap_delete(c.task), px_cap_delete(c.thread);
    uint32_t small = slot();
    st = px_task_create_slots(bi()->cap_memory, small, 64 << 10, 1);
    if (st == PX_OK)
        px_cap_table_grow(small, 0, &t), px_task_quota_info(small, &lim, &used);
    check(st == PX_OK && t == 4096 / 24 && used < 24 * PX_CAP_SLOTS_INITIAL,
          "a task made with a one-slot table gets one page of %llu slots (%llu bytes in use)",
          (unsigned long long)t, (unsigned long long)used);
    check(px_task_create_slots(bi()->cap_memory, slot(), 64 << 10, PX_CAP_SLOTS_MAX + 1) == PX_ERR_INVAL,
          "more than PX_CAP_SLOTS_MAX at creation: INVAL");
    px_obj_destroy(small), px_cap_delete(small);
}

/* ---- Timers ---- */

static void test_timer(void)
{
    uint32_t n = new_notification(), t = slot();
    uint64_t bits = 0, t0 = libos_monotonic_ns(), t1;
    int64_t st;

    check(px_timer_create(t, n, 0x4) == PX_OK, "a timer signalling bit 2");
    check(px_timer_set(t, t0 + 5000000, 2000000) == PX_OK, "armed for +5 ms, then every 2 ms");
    st = px_wait(n, &bits);
    t1 = libos_monotonic_ns();
    check(st == PX_OK && bits == 0x4 && t1 >= t0 + 5000000,
          "the first expiry wakes us no earlier than the deadline (%llu us)",
          (unsigned long long)(t1 - t0) / 1000);
    check(px_wait(n, &bits) == PX_OK && bits == 0x4, "and the period keeps it coming");
    /* The periodic timer is stopped and any bit it left pending taken, or that bit (a period that ended
     * while this test ran, easily under TCG) would end the one-shot's wait below at once. */
    px_timer_set(t, 0, 0);
    px_poll(n, &bits);

    /* The shared info page says where the kernel's tick falls; a deadline right on a tick is never early. */
    uint64_t last = 0, period = 0;
    bool told = libos_kernel_tick(&last, &period);
    check(told && period == 1000000 && last % period == 0 &&
              last <= libos_monotonic_ns() && libos_monotonic_ns() - last < 1000 * period,
          "the kernel's tick: every %llu ns from 0, the latest at %llu ns", (unsigned long long)period,
          (unsigned long long)last);
    check(px_timer_set(t, last + 3 * period, 0) == PX_OK && px_wait(n, &bits) == PX_OK && bits == 0x4 &&
              libos_monotonic_ns() >= last + 3 * period,
          "a one-shot timer due on a tick fires at it, not before");
    check(px_timer_set(t, 0, 0) == PX_OK, "cancel");
    check(px_obj_destroy(t) == PX_OK, "destroy");
}

/* ---- Devices: an interrupt line, I/O ports and device memory ---- */

#define COM1 0x3f8
#define UART_IER 1
#define UART_LSR 5

static void test_devices(void)
{
    uint32_t irq = slot(), n = new_notification(), io = slot(), io2 = slot(), dev = slot(), ram = slot();
    uint32_t lsr = 0;
    uint64_t bits = 0;

    check(px_ioport_split(bi()->cap_ioport, io, COM1, 8) == PX_OK, "a cap for COM1's eight ports");
    int64_t st = px_ioport_in(io, COM1 + UART_LSR, 1, &lsr);
    check(st == PX_OK && (lsr & 0x20), "read its line status (%#x)", lsr);
    check(px_ioport_in(io, 0x60, 1, &lsr) == PX_ERR_RIGHTS &&
              px_ioport_in(io, COM1 + 7, 2, &lsr) == PX_ERR_RIGHTS,
          "ports outside the cap: RIGHTS");
    check(px_ioport_in(io, COM1, 3, &lsr) == PX_ERR_INVAL, "width 3: INVAL");
    check(px_ioport_split(io, io2, COM1 + 4, 8) == PX_ERR_INVAL, "a sub-range must lie inside");
    check(px_irq_create(bi()->cap_irq_control, irq, 4, 0) == PX_OK, "claim interrupt line 4 (COM1)");
    check(px_irq_create(bi()->cap_irq_control, slot(), 4, 0) == PX_ERR_STATE, "a line has one owner");
    check(px_irq_create(bi()->cap_irq_control, slot(), 99, 0) == PX_ERR_INVAL, "no line 99");
    check(px_irq_bind(irq, n, 0x10) == PX_OK, "deliver it to a notification as bit 4");
    /* Enabling the transmitter-empty interrupt of an idle UART raises the line at once. */
    px_ioport_out(io, COM1 + UART_IER, 1, 0x02);
    st = px_wait(n, &bits);
    check(st == PX_OK && bits == 0x10, "the interrupt arrives as a signal (bits %#llx)",
          (unsigned long long)bits);
    px_ioport_out(io, COM1 + UART_IER, 1, 0);
    check(px_irq_ack(irq) == PX_OK, "acknowledge it");
    check(px_obj_destroy(irq) == PX_OK && px_irq_create(bi()->cap_irq_control, slot(), 4, 0) == PX_OK,
          "destroyed, the line can be claimed again");
    check(px_frame_create_device(bi()->cap_mmio, dev, 0xfeb00000ull, 1) == PX_OK,
          "a device frame (virtio-mmio window)");
    check(px_frame_create_device(bi()->cap_mmio, ram, 0x200000, 1) == PX_ERR_INVAL,
          "RAM is not device memory");
    check(px_frame_create_device(bi()->cap_mmio, ram, 0xfee00000ull, 1) == PX_ERR_INVAL,
          "the kernel's local APIC is not handed out");
    check(px_frame_create_device(bi()->cap_memory, ram, 0xfeb00000ull, 1) == PX_ERR_TYPE,
          "it takes an MMIO cap");
    check(px_thread_set_ipc_buf(bi()->cap_thread, dev, 0) == PX_ERR_INVAL, "a device frame is no IPC buffer");
}

/* ---- A fault nobody handles stops the thread and tells whoever watches the task ---- */

static int crash_child(uint64_t address)
{
    return *(volatile int *)(uintptr_t)address; /* page 0: never mapped */
}

static void test_fault_notification(void)
{
    uint32_t n = new_notification();
    struct libos_child c;
    struct px_regs r;
    uint64_t bits;

    check(spawn(crash_child, 16, 256 << 10, PX_CAP_NULL, &c) == PX_OK,
          "a task that will crash, with no handler");
    check(px_task_set_fault_ntfn(c.task, n) == PX_OK, "watch it with a notification");
    px_thread_resume(c.thread);
    check(px_wait(n, &bits) == PX_OK, "its crash signals the notification");
    check(px_thread_read_regs(c.thread, &r) == PX_OK, "its stopped thread can be inspected");
    check(px_obj_destroy(c.task) == PX_OK, "and the task destroyed");
}

int main(void)
{
    uint64_t v = 0;

    px_abi_version(&v);
    printf("KTAP version 1\n");
    printf("# core test: ABI %llu.%llu\n", (unsigned long long)v >> 16, (unsigned long long)v & 0xffff);
    test_rights();
    test_ipc_badges();
    test_isolation();
    test_exceptions();
    test_preemption();
    test_ep_and_ntfn();
    test_batch_map();
    test_unmap_free();
    test_suspend_blocked();
    test_quota();
    test_quota_transfer();
    test_cap_grow();
    test_timer();
    test_devices();
    test_fault_notification();
    printf("1..%d\n", number);
    printf("# core test: %d failures\n", failures);
    return failures;
}
