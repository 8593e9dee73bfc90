/*
 * Unit tests for the scheduler (core/sched.c) and the endpoint / notification state machine (core/ipc.c),
 * run on the host against the real sources.
 *
 * The tests drive both the way the kernel does: `current` is the thread whose system call is being
 * handled, its arguments are in its saved registers (arch/context.h accessors), the IPC function acts on
 * it, and sched_next() then says which thread returns to user mode. Threads, endpoints and notifications
 * are static objects built here; the few functions sched.c and ipc.c take from elsewhere are stubs that
 * record what happened (arch_thread_switch, exception_unhandled) or plain copies (ctx_get_regs /
 * ctx_set_regs, without the kernel's filtering of RFLAGS and addresses).
 *
 * Nothing runnable is the one case where sched_next() would not return: it calls arch_idle()
 * in a loop. The stub here jumps back into next_thread(), which then returns NULL ("idle"); a call from
 * anywhere else aborts the run instead of hanging it. A test can also set idle_irq, which the stub then
 * runs once, as an interrupt taken while idle, before returning into sched_next()'s loop.
 *
 * sched.c keeps its state in statics (run queues, the fast path's `direct`, `need_resched`, `current`).
 * Every test starts with begin(), which runs and stops whatever an earlier test left runnable until the
 * scheduler goes idle, and then rebuilds all the objects; so no test depends on the order they run in.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/ipc.h>
#include <core/syscall.h>
#include <core/task.h>
#include <proteus/caps.h>
#include <proteus/exception.h>
#include <proteus/ipc.h>
#include <proteus/regs.h>
#include <proteus/status.h>
#include <proteus/syscall.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 6
#define TIMESLICE 3
#define SENTINEL 0x5e5e5e5eu /* what rax holds until a status is written */

static struct task dummy_task;
static struct thread th[NTHREADS];
static struct endpoint ep2;
static struct notification nt;
static struct px_ipc_buffer buf[3];

/* ---- What sched.c and ipc.c need from the rest of the kernel ---- */

static unsigned nswitches;
static struct thread *switch_prev, *switch_next;

void arch_thread_switch(struct thread *prev, struct thread *next)
{
    CU_ASSERT_PTR_NOT_EQUAL(prev, next);
    nswitches++;
    switch_prev = prev;
    switch_next = next;
}

static uint64_t fake_now; /* the monotonic clock, as the tests move it */

uint64_t time_now_ns(void) { return fake_now; }
uint64_t time_ticks(void) { return fake_now; } /* one tick a nanosecond here */
uint64_t time_ticks_to_ns(uint64_t ticks) { return ticks; }

/* The fast path's chores on the way out (nothing to flush or reap here), and the cap lookup: slot 1 is
 * ep with every right, slot 2 ep with READ only, anything else empty (begin() puts the same caps in the
 * task's table, where the fast path finds them). */
void klog_flush(void) {}
void kobj_reap(void) {}
bool klog_pending;
struct kobj *kobj_zombie;
static struct endpoint ep;
static struct cap fast_caps[3];

int cap_lookup(struct cap_table *t, uint64_t slot, unsigned type, uint32_t rights, struct cap **out)
{
    (void)t;
    fast_caps[1] = (struct cap){.obj = &ep.obj, .rights = PX_R_ALL, .badge = 0x77};
    fast_caps[2] = (struct cap){.obj = &ep.obj, .rights = PX_R_READ, .badge = 0x77};
    if (slot < 1 || slot > 2)
        return PX_ERR_CAP;
    if (fast_caps[slot].obj->type != type)
        return PX_ERR_TYPE;
    if ((fast_caps[slot].rights & rights) != rights)
        return PX_ERR_RIGHTS;
    *out = &fast_caps[slot];
    return PX_OK;
}

static jmp_buf idle_jmp;
static bool idle_armed;
static unsigned nidle;
static void (*idle_irq)(void); /* an "interrupt" to take while idle, once */

void arch_idle(void)
{
    nidle++;
    CU_ASSERT_PTR_NULL(current);
    if (idle_irq) {
        void (*irq)(void) = idle_irq;
        idle_irq = NULL;
        irq();
        return;
    }
    if (!idle_armed) {
        fprintf(stderr, "arch_idle: nothing runnable outside next_thread(): would hang\n");
        abort();
    }
    idle_armed = false;
    longjmp(idle_jmp, 1);
}

void ctx_get_regs(const struct arch_context *c, struct px_regs *r)
{
    const struct trap_frame *f = &c->frame;

    *r = (struct px_regs){f->rip, f->rsp, f->rflags, f->rax, f->rbx,     f->rcx,    f->rdx,
                          f->rsi, f->rdi, f->rbp,    f->r8,  f->r9,      f->r10,    f->r11,
                          f->r12, f->r13, f->r14,    f->r15, c->fs_base, c->gs_base};
}

void ctx_set_regs(struct arch_context *c, const struct px_regs *r)
{
    struct trap_frame *f = &c->frame;

    f->rip = r->rip, f->rsp = r->rsp, f->rflags = r->rflags;
    f->rax = r->rax, f->rbx = r->rbx, f->rcx = r->rcx, f->rdx = r->rdx;
    f->rsi = r->rsi, f->rdi = r->rdi, f->rbp = r->rbp;
    f->r8 = r->r8, f->r9 = r->r9, f->r10 = r->r10, f->r11 = r->r11;
    f->r12 = r->r12, f->r13 = r->r13, f->r14 = r->r14, f->r15 = r->r15;
    c->fs_base = r->fs_base;
    c->gs_base = r->gs_base;
}

static unsigned nunhandled;
static struct thread *unhandled_thread;

/* As the kernel's (roottask.c) without the report: the thread is stopped. */
void exception_unhandled(struct thread *t)
{
    nunhandled++;
    unhandled_thread = t;
    sched_block(t, TS_INACTIVE);
}

/* sched.c and ipc.c never drop references. */
void kobj_release(struct kobj *o)
{
    (void)o;
    CU_FAIL("kobj_release called");
}

/* ---- Helpers ---- */

/* sched_next(), or NULL when nothing is runnable (current is NULL then, as in the kernel's idle loop). */
static struct thread *next_thread(void)
{
    if (setjmp(idle_jmp))
        return NULL;
    idle_armed = true;
    struct thread *t = sched_next();
    idle_armed = false;
    return t;
}

static struct thread *mk(unsigned i, uint8_t prio)
{
    struct thread *t = &th[i];

    memset(t, 0, sizeof(*t));
    list_init(&t->queue_link);
    list_init(&t->task_link);
    t->obj.type = PX_OBJ_THREAD;
    t->obj.refs = 1;
    t->task = &dummy_task;
    t->prio = prio;
    t->timeslice = TIMESLICE;
    t->budget = TIMESLICE;
    t->state = TS_INACTIVE;
    t->ctx.frame.rax = SENTINEL;
    return t;
}

static void begin(void)
{
    /* Leave the scheduler idle: run and stop whatever an earlier test left runnable. */
    for (unsigned i = 0;; i++) {
        struct thread *t;
        if (i == 2 * NTHREADS) {
            fprintf(stderr, "begin: the scheduler does not drain\n");
            abort();
        }
        if (!(t = next_thread()))
            break;
        sched_block(t, TS_INACTIVE);
    }
    if (current) {
        fprintf(stderr, "begin: current is set while idle\n");
        abort();
    }
    for (unsigned i = 0; i < NTHREADS; i++)
        mk(i, 0);
    memset(&dummy_task, 0, sizeof(dummy_task));
    dummy_task.obj.type = PX_OBJ_TASK;
    dummy_task.obj.refs = 1;
    memset(&ep, 0, sizeof(ep));
    memset(&ep2, 0, sizeof(ep2));
    memset(&nt, 0, sizeof(nt));
    memset(buf, 0, sizeof(buf));
    for (struct endpoint *e = &ep; e; e = e == &ep ? &ep2 : NULL) {
        e->obj.type = PX_OBJ_ENDPOINT;
        e->obj.refs = 1;
        list_init(&e->senders);
        list_init(&e->receivers);
    }
    nt.obj.type = PX_OBJ_NOTIFICATION;
    nt.obj.refs = 1;
    list_init(&nt.waiters);
    /* The fast path looks its cap up inline in the task's table: the same caps as the stub's. */
    fast_caps[1] = (struct cap){.obj = &ep.obj, .rights = PX_R_ALL, .badge = 0x77};
    fast_caps[2] = (struct cap){.obj = &ep.obj, .rights = PX_R_READ, .badge = 0x77};
    dummy_task.caps = (struct cap_table){.slots = fast_caps, .size = 3};
    nswitches = 0;
    switch_prev = switch_next = NULL;
    nidle = 0;
    idle_irq = NULL;
    nunhandled = 0;
    unhandled_thread = NULL;
}

/* Resume an inactive thread, as THREAD_RESUME does, and check that it is what runs now. */
#define START(t)                                                                                             \
    do {                                                                                                     \
        sched_make_runnable(t);                                                                              \
        CU_ASSERT_PTR_EQUAL_FATAL(next_thread(), (t));                                                       \
    } while (0)

/* The thread that runs next is `t` (NULL: nothing, the CPU idles). */
#define RUNS(t) CU_ASSERT_PTR_EQUAL(next_thread(), (t))

/* Stop the running thread t and check that `then` runs next. */
#define STOP_AND_RUNS(t, then)                                                                               \
    do {                                                                                                     \
        CU_ASSERT_PTR_EQUAL(current, (t));                                                                   \
        sched_block((t), TS_INACTIVE);                                                                       \
        RUNS(then);                                                                                          \
    } while (0)

static void set_msg(struct thread *t, uint64_t label, unsigned len, uint64_t m0, uint64_t m1, uint64_t m2,
                    uint64_t m3)
{
    *ctx_info(&t->ctx) = PX_MSGINFO(label, len);
    *ctx_mr(&t->ctx, 0) = m0;
    *ctx_mr(&t->ctx, 1) = m1;
    *ctx_mr(&t->ctx, 2) = m2;
    *ctx_mr(&t->ctx, 3) = m3;
}

#define STATUS(t) ((t)->ctx.frame.rax)
#define INFO(t) (*ctx_info(&(t)->ctx))
#define MR(t, i) (*ctx_mr(&(t)->ctx, (i)))
#define BADGE(t) (*ctx_badge(&(t)->ctx))

/* t received (label, len, MR0..MR3) with a badge and PX_OK. */
#define CHECK_MSG(t, label, len, m0, m1, m2, m3, badge)                                                      \
    do {                                                                                                     \
        CU_ASSERT_EQUAL(INFO(t), PX_MSGINFO((label), (len)));                                                \
        CU_ASSERT_EQUAL(MR(t, 0), (m0));                                                                     \
        CU_ASSERT_EQUAL(MR(t, 1), (m1));                                                                     \
        CU_ASSERT_EQUAL(MR(t, 2), (m2));                                                                     \
        CU_ASSERT_EQUAL(MR(t, 3), (m3));                                                                     \
        CU_ASSERT_EQUAL(BADGE(t), (badge));                                                                  \
        CU_ASSERT_EQUAL(STATUS(t), PX_OK);                                                                   \
    } while (0)

static bool queued_on(const struct list_node *q, const struct thread *t)
{
    const struct list_node *n;

    list_for_each(n, q)
    {
        if (n == &t->queue_link)
            return true;
    }
    return false;
}

/* ---- Scheduler ---- */

static void test_sched_priority(void)
{
    struct thread *lo, *mid, *hi;

    begin();
    lo = mk(0, 0);
    mid = mk(1, 16);
    hi = mk(2, PX_PRIO_MAX);
    RUNS(NULL);
    CU_ASSERT_EQUAL(nidle, 1);
    CU_ASSERT_PTR_NULL(current);

    sched_make_runnable(lo);
    sched_make_runnable(mid);
    sched_make_runnable(hi);
    CU_ASSERT_EQUAL(lo->state, TS_RUNNABLE);
    RUNS(hi);
    CU_ASSERT_PTR_EQUAL(current, hi);
    CU_ASSERT_EQUAL(nswitches, 1);
    CU_ASSERT_PTR_NULL(switch_prev);
    CU_ASSERT_PTR_EQUAL(switch_next, hi);
    /* Nothing changed: the same thread goes on, with no switch. */
    RUNS(hi);
    CU_ASSERT_EQUAL(nswitches, 1);

    STOP_AND_RUNS(hi, mid);
    CU_ASSERT_EQUAL(nswitches, 2);
    CU_ASSERT_PTR_EQUAL(switch_prev, hi);
    CU_ASSERT_PTR_EQUAL(switch_next, mid);
    STOP_AND_RUNS(mid, lo);
    STOP_AND_RUNS(lo, NULL);
    CU_ASSERT_PTR_NULL(current);
    CU_ASSERT_EQUAL(nidle, 2);
}

static void test_sched_fifo(void)
{
    struct thread *a, *b, *c;

    begin();
    a = mk(0, 7);
    b = mk(1, 7);
    c = mk(2, 7);
    sched_make_runnable(a);
    sched_make_runnable(b);
    sched_make_runnable(c);
    RUNS(a);
    /* a blocks and comes back: behind the others. */
    sched_block(a, TS_BLOCKED_NTFN);
    RUNS(b);
    sched_make_runnable(a);
    RUNS(b); /* same priority: no preemption */
    STOP_AND_RUNS(b, c);
    STOP_AND_RUNS(c, a);
    STOP_AND_RUNS(a, NULL);
}

static void test_sched_round_robin(void)
{
    struct thread *a, *b, *c;

    begin();
    a = mk(0, 4);
    b = mk(1, 4);
    c = mk(2, 4);
    a->timeslice = a->budget = 2;
    b->timeslice = b->budget = 2;
    c->timeslice = c->budget = 2;
    sched_make_runnable(a);
    sched_make_runnable(b);
    sched_make_runnable(c);
    RUNS(a);
    sched_tick();
    CU_ASSERT_EQUAL(a->budget, 1);
    RUNS(a);
    sched_tick();
    CU_ASSERT_EQUAL(a->budget, 0);
    /* Out of budget: to the back of the queue, with a new time slice. */
    RUNS(b);
    CU_ASSERT_EQUAL(a->budget, 2);
    CU_ASSERT_PTR_EQUAL(c->queue_link.next, &a->queue_link); /* a is queued right after c */
    sched_tick();
    sched_tick();
    RUNS(c);
    sched_tick();
    RUNS(c);
    sched_tick();
    RUNS(a);
    sched_tick();
    sched_tick();
    RUNS(b);

    /* Alone at its priority, a thread out of budget goes on with a new slice and no switch. */
    sched_block(a, TS_INACTIVE);
    sched_block(c, TS_INACTIVE);
    CU_ASSERT_FALSE(list_node_linked(&a->queue_link));
    CU_ASSERT_FALSE(list_node_linked(&c->queue_link));
    nswitches = 0;
    sched_tick();
    sched_tick();
    CU_ASSERT_EQUAL(b->budget, 0);
    RUNS(b);
    CU_ASSERT_EQUAL(b->budget, 2);
    CU_ASSERT_EQUAL(nswitches, 0);
    STOP_AND_RUNS(b, NULL);
    /* A tick while idle does nothing. */
    sched_tick();
    RUNS(NULL);
}

static void test_sched_preempt(void)
{
    struct thread *lo, *lo2, *lo3, *hi, *lowest;

    begin();
    lo = mk(0, 3);
    lo2 = mk(1, 3);
    lo3 = mk(2, 3);
    hi = mk(3, 9);
    lowest = mk(4, 1);
    sched_make_runnable(lo);
    sched_make_runnable(lo2);
    RUNS(lo);
    sched_tick();
    CU_ASSERT_EQUAL(lo->budget, TIMESLICE - 1);

    /* Neither an equal nor a lower priority preempts. */
    sched_make_runnable(lo3);
    sched_make_runnable(lowest);
    RUNS(lo);

    /* A higher priority does, at the next pass; lo goes back to the front and keeps its budget. */
    sched_make_runnable(hi);
    CU_ASSERT_EQUAL(lo->state, TS_RUNNABLE);
    RUNS(hi);
    CU_ASSERT_PTR_EQUAL(switch_prev, lo);
    CU_ASSERT_EQUAL(lo->budget, TIMESLICE - 1);
    STOP_AND_RUNS(hi, lo);
    CU_ASSERT_EQUAL(lo->budget, TIMESLICE - 1);
    STOP_AND_RUNS(lo, lo2);
    STOP_AND_RUNS(lo2, lo3);
    STOP_AND_RUNS(lo3, lowest);
    STOP_AND_RUNS(lowest, NULL);
}

static void test_sched_block_queued(void)
{
    struct thread *a, *b, *c, *hi;

    begin();
    a = mk(0, 5);
    b = mk(1, 5);
    c = mk(2, 5);
    hi = mk(3, 8);
    sched_make_runnable(a);
    sched_make_runnable(b);
    sched_make_runnable(c);
    RUNS(a);

    /* A queued thread leaves the run queue. */
    sched_block(b, TS_BLOCKED_RECV);
    CU_ASSERT_EQUAL(b->state, TS_BLOCKED_RECV);
    CU_ASSERT_FALSE(list_node_linked(&b->queue_link));
    /* Blocking a thread that is not queued touches no queue. */
    sched_block(b, TS_INACTIVE);
    CU_ASSERT_EQUAL(b->state, TS_INACTIVE);

    /* The only thread of a priority leaves: that priority must be empty again. */
    sched_make_runnable(hi);
    sched_block(hi, TS_INACTIVE);
    CU_ASSERT_FALSE(list_node_linked(&hi->queue_link));
    RUNS(a);
    STOP_AND_RUNS(a, c);
    STOP_AND_RUNS(c, NULL);
    CU_ASSERT_EQUAL(b->state, TS_INACTIVE);
    CU_ASSERT_EQUAL(hi->state, TS_INACTIVE);

    /* And it can be queued again afterwards. */
    START(hi);
    STOP_AND_RUNS(hi, NULL);
}

static void test_sched_yield(void)
{
    struct thread *a, *b, *lo;

    begin();
    a = mk(0, 5);
    b = mk(1, 5);
    lo = mk(2, 2);
    sched_make_runnable(a);
    sched_make_runnable(b);
    sched_make_runnable(lo);
    RUNS(a);
    sched_yield();
    CU_ASSERT_EQUAL(a->budget, 0);
    RUNS(b);
    CU_ASSERT_EQUAL(a->budget, TIMESLICE);
    sched_yield();
    RUNS(a);
    /* Yielding never gives the CPU to a lower priority. */
    sched_block(b, TS_INACTIVE);
    sched_yield();
    RUNS(a);
    CU_ASSERT_EQUAL(a->budget, TIMESLICE);
    STOP_AND_RUNS(a, lo);
    STOP_AND_RUNS(lo, NULL);
    /* Yield while idle does nothing. */
    sched_yield();
    RUNS(NULL);
}

static void test_sched_direct(void)
{
    struct thread *a, *b, *c;

    begin();
    a = mk(0, 5);
    b = mk(1, 5);
    c = mk(2, 5);
    START(c);
    sched_block(c, TS_BLOCKED_RECV); /* as if c had blocked in IPC */

    /* The fast path's choice runs next; a second choice sends the first to the front of its queue. */
    sched_switch_to(a);
    CU_ASSERT_EQUAL(a->state, TS_RUNNABLE);
    CU_ASSERT_FALSE(list_node_linked(&a->queue_link));
    sched_make_runnable(a); /* already chosen: not queued as well */
    CU_ASSERT_FALSE(list_node_linked(&a->queue_link));
    sched_switch_to(b);
    CU_ASSERT_TRUE(list_node_linked(&a->queue_link));
    RUNS(b);
    CU_ASSERT_PTR_EQUAL(switch_prev, c);
    STOP_AND_RUNS(b, a);

    /* Blocking the chosen thread before it runs cancels the choice. */
    sched_switch_to(b);
    sched_block(b, TS_INACTIVE);
    CU_ASSERT_FALSE(list_node_linked(&b->queue_link));
    RUNS(a);
    STOP_AND_RUNS(a, NULL);
    CU_ASSERT_EQUAL(b->state, TS_INACTIVE);
    CU_ASSERT_EQUAL(c->state, TS_BLOCKED_RECV);
}

/* Each thread is charged the time from its switch in to its switch away; idle time is nobody's. */
static void test_sched_cpu_time(void)
{
    struct thread *a, *b;

    begin();
    fake_now = 1000;
    a = mk(0, 5);
    b = mk(1, 5);
    START(a);
    fake_now = 1300;
    CU_ASSERT_EQUAL(thread_cpu_ns(a), 300); /* the running thread: its turn so far */
    CU_ASSERT_EQUAL(thread_cpu_ns(b), 0);
    sched_make_runnable(b);
    sched_yield();
    RUNS(b);
    CU_ASSERT_EQUAL(thread_cpu_ns(a), 300);
    fake_now = 1500;
    STOP_AND_RUNS(b, a);
    CU_ASSERT_EQUAL(thread_cpu_ns(b), 200);
    fake_now = 1600;
    STOP_AND_RUNS(a, NULL);
    fake_now = 5000; /* idle for a while, then b again */
    START(b);
    fake_now = 5050;
    CU_ASSERT_EQUAL(thread_cpu_ns(a), 400);
    CU_ASSERT_EQUAL(thread_cpu_ns(b), 250);
    STOP_AND_RUNS(b, NULL);
}

static struct thread *irq_wakes;

static void irq_make_runnable(void) { sched_make_runnable(irq_wakes); }

static void irq_signal(void) { ntfn_signal(&nt, 0x4); }

static void test_sched_idle_wakeup(void)
{
    struct thread *t, *u;

    begin();
    t = mk(0, 5);
    u = mk(1, 3);
    /* t waits; an interrupt while idle wakes it: it runs with no switch (the CPU never left it). */
    START(t);
    ntfn_wait(&nt, true);
    idle_irq = irq_signal;
    nswitches = 0;
    RUNS(t);
    CU_ASSERT_EQUAL(nidle, 1);
    CU_ASSERT_EQUAL(nswitches, 0);
    CU_ASSERT_EQUAL(STATUS(t), PX_OK);
    CU_ASSERT_EQUAL(MR(t, 0), 0x4);
    RUNS(t);
    CU_ASSERT_EQUAL(nswitches, 0);

    /* Now another thread is woken while idle: a switch from the thread that blocked. */
    sched_block(t, TS_INACTIVE);
    irq_wakes = u;
    idle_irq = irq_make_runnable;
    RUNS(u);
    CU_ASSERT_EQUAL(nidle, 2);
    CU_ASSERT_EQUAL(nswitches, 1);
    CU_ASSERT_PTR_EQUAL(switch_prev, t);
    CU_ASSERT_PTR_EQUAL(switch_next, u);
    STOP_AND_RUNS(u, NULL);
}

/* ---- Endpoints ---- */

static void test_call_fast_path(void)
{
    struct thread *server, *client, *mid;

    begin();
    server = mk(0, 10);
    client = mk(1, 10);
    mid = mk(2, 5);
    START(server);
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(server->state, TS_BLOCKED_RECV);
    CU_ASSERT_PTR_EQUAL(server->ep, &ep);
    CU_ASSERT_TRUE(queued_on(&ep.receivers, server));
    RUNS(NULL);

    sched_make_runnable(mid);
    sched_make_runnable(client);
    RUNS(client);
    set_msg(client, 0x77, 4, 11, 22, 33, 44);
    ipc_send(&ep, 0xb0b, true);
    CU_ASSERT_EQUAL(client->state, TS_BLOCKED_REPLY);
    CU_ASSERT_PTR_EQUAL(client->replier, server);
    CU_ASSERT_PTR_EQUAL(server->reply_to, client);
    CU_ASSERT_EQUAL(server->state, TS_RUNNABLE);
    CU_ASSERT_PTR_NULL(server->ep);
    CU_ASSERT_TRUE(list_empty(&ep.receivers));
    CU_ASSERT_FALSE(list_node_linked(&server->queue_link)); /* not through the run queue */
    CHECK_MSG(server, 0x77, 4, 11, 22, 33, 44, 0xb0b);

    /* The fast path: the receiver runs next, straight from the caller; mid (lower priority) waits. */
    RUNS(server);
    CU_ASSERT_PTR_EQUAL(switch_prev, client);
    CU_ASSERT_PTR_EQUAL(switch_next, server);
    CU_ASSERT_EQUAL(mid->state, TS_RUNNABLE);
    CU_ASSERT_TRUE(list_node_linked(&mid->queue_link));

    /* The reply: label 0x99, two words, no badge, PX_OK for both. */
    set_msg(server, 0x99, 2, 0x10, 0x20, 0, 0);
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(server), PX_OK);
    CU_ASSERT_EQUAL(client->state, TS_RUNNABLE);
    CU_ASSERT_PTR_NULL(client->replier);
    CU_ASSERT_PTR_NULL(server->reply_to);
    CHECK_MSG(client, 0x99, 2, 0x10, 0x20, 0, 0, 0);
    /* Same priority: the server goes on until it blocks, then the client, then mid. */
    STOP_AND_RUNS(server, client);
    STOP_AND_RUNS(client, mid);
    STOP_AND_RUNS(mid, NULL);
}

/* The fast path never overtakes a priority: a low-priority receiver waits behind a runnable thread. */
static void test_call_fast_path_respects_priority(void)
{
    struct thread *server, *client, *mid;

    begin();
    server = mk(0, 1);
    client = mk(1, 10);
    mid = mk(2, 5);
    START(server);
    ipc_recv(&ep);
    RUNS(NULL);
    sched_make_runnable(mid);
    sched_make_runnable(client);
    RUNS(client);
    set_msg(client, 0x77, 1, 11, 0, 0, 0);
    ipc_send(&ep, 0, true);
    CU_ASSERT_EQUAL(client->state, TS_BLOCKED_REPLY);
    CU_ASSERT_EQUAL(server->state, TS_RUNNABLE);
    CU_ASSERT_TRUE(list_node_linked(&server->queue_link)); /* queued, not switched to */
    RUNS(mid);
    STOP_AND_RUNS(mid, server);
    CHECK_MSG(server, 0x77, 1, 11, 0, 0, 0, 0);
    STOP_AND_RUNS(server, NULL);
}

static void test_call_then_recv(void)
{
    struct thread *server, *client;

    begin();
    server = mk(0, 5);
    client = mk(1, 5);
    START(client);
    set_msg(client, 3, 3, 7, 8, 9, 10);
    ipc_send(&ep, 42, true);
    CU_ASSERT_EQUAL(client->state, TS_BLOCKED_SEND);
    CU_ASSERT_PTR_EQUAL(client->ep, &ep);
    CU_ASSERT_TRUE(client->is_call);
    CU_ASSERT_TRUE(queued_on(&ep.senders, client));
    CU_ASSERT_EQUAL(STATUS(client), SENTINEL);
    RUNS(NULL);

    START(server);
    ipc_recv(&ep);
    /* The message was waiting: the server goes on with it. */
    CU_ASSERT_EQUAL(server->state, TS_RUNNABLE);
    CHECK_MSG(server, 3, 3, 7, 8, 9, 10, 42);
    CU_ASSERT_PTR_EQUAL(server->reply_to, client);
    CU_ASSERT_EQUAL(client->state, TS_BLOCKED_REPLY);
    CU_ASSERT_PTR_EQUAL(client->replier, server);
    CU_ASSERT_PTR_NULL(client->ep);
    CU_ASSERT_TRUE(list_empty(&ep.senders));
    CU_ASSERT_EQUAL(STATUS(client), SENTINEL);
    RUNS(server);

    set_msg(server, 4, 1, 0xabc, 0, 0, 0);
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(server), PX_OK);
    CU_ASSERT_EQUAL(client->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(INFO(client), PX_MSGINFO(4, 1));
    CU_ASSERT_EQUAL(MR(client, 0), 0xabc);
    CU_ASSERT_EQUAL(BADGE(client), 0);
    CU_ASSERT_EQUAL(STATUS(client), PX_OK);
    CU_ASSERT_PTR_NULL(server->reply_to);
    CU_ASSERT_PTR_NULL(client->replier);
    /* Equal priorities: the server goes on, the client waits in the run queue. */
    RUNS(server);
    STOP_AND_RUNS(server, client);
    STOP_AND_RUNS(client, NULL);
}

static void test_send_fifo_badges(void)
{
    struct thread *s[3], *r, *hi;

    begin();
    for (unsigned i = 0; i < 3; i++) {
        s[i] = mk(i, 5);
        START(s[i]);
        set_msg(s[i], 10 + i, 1, 100 + i, 0, 0, 0);
        ipc_send(&ep, i + 1, false);
        CU_ASSERT_EQUAL(s[i]->state, TS_BLOCKED_SEND);
        CU_ASSERT_FALSE(s[i]->is_call);
        RUNS(NULL);
    }
    CU_ASSERT_EQUAL(list_length(&ep.senders), 3);

    r = mk(3, 5);
    START(r);
    for (unsigned i = 0; i < 3; i++) {
        ipc_recv(&ep);
        CU_ASSERT_EQUAL(r->state, TS_RUNNABLE);
        CHECK_MSG(r, 10 + i, 1, 100 + i, 0, 0, 0, i + 1);
        /* A send needs no reply: the sender goes on with PX_OK. */
        CU_ASSERT_PTR_NULL(r->reply_to);
        CU_ASSERT_EQUAL(s[i]->state, TS_RUNNABLE);
        CU_ASSERT_EQUAL(STATUS(s[i]), PX_OK);
        CU_ASSERT_PTR_NULL(s[i]->replier);
        RUNS(r);
    }
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(r->state, TS_BLOCKED_RECV);
    RUNS(s[0]);
    /* A send to a waiting receiver of the same priority: the sender goes on, the receiver is queued. */
    STOP_AND_RUNS(s[0], s[1]);
    set_msg(s[1], 20, 0, 0, 0, 0, 0);
    ipc_send(&ep, 2, false);
    CU_ASSERT_EQUAL(s[1]->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(STATUS(s[1]), PX_OK);
    CU_ASSERT_EQUAL(r->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(INFO(r), PX_MSGINFO(20, 0));
    CU_ASSERT_EQUAL(BADGE(r), 2);
    RUNS(s[1]); /* r has the same priority: s[1] goes on */
    STOP_AND_RUNS(s[1], s[2]);
    STOP_AND_RUNS(s[2], r);
    STOP_AND_RUNS(r, NULL);

    /* A waiting receiver of higher priority preempts the sender, which goes back to the front. */
    hi = mk(4, 9);
    START(hi);
    ipc_recv(&ep);
    RUNS(NULL);
    START(s[0]);
    sched_make_runnable(s[1]); /* queued behind s[0] */
    set_msg(s[0], 30, 0, 0, 0, 0, 0);
    ipc_send(&ep, 7, false);
    CU_ASSERT_EQUAL(STATUS(s[0]), PX_OK);
    CU_ASSERT_EQUAL(INFO(hi), PX_MSGINFO(30, 0));
    CU_ASSERT_EQUAL(BADGE(hi), 7);
    RUNS(hi);
    STOP_AND_RUNS(hi, s[0]);
    STOP_AND_RUNS(s[0], s[1]);
    STOP_AND_RUNS(s[1], NULL);
}

static void test_reply_without_caller(void)
{
    struct thread *t, *s;

    begin();
    t = mk(0, 5);
    s = mk(1, 5);
    START(t);
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(t), PX_ERR_STATE);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    RUNS(t);

    /* After a send (not a call) there is nobody to answer either. */
    ipc_recv(&ep);
    RUNS(NULL);
    START(s);
    ipc_send(&ep, 1, false);
    STOP_AND_RUNS(s, t);
    CU_ASSERT_PTR_NULL(t->reply_to);
    t->ctx.frame.rax = SENTINEL;
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(t), PX_ERR_STATE);
    CU_ASSERT_EQUAL(s->state, TS_INACTIVE);
    STOP_AND_RUNS(t, NULL);
}

static void test_reply_recv(void)
{
    struct thread *server, *c1, *c2;

    begin();
    server = mk(0, 5);
    c1 = mk(1, 5);
    c2 = mk(2, 5);
    START(server);
    ipc_recv(&ep);
    RUNS(NULL);
    sched_make_runnable(c1);
    sched_make_runnable(c2);
    RUNS(c1);
    set_msg(c1, 1, 1, 0xc1, 0, 0, 0);
    ipc_send(&ep, 0x1, true);
    RUNS(server);
    CHECK_MSG(server, 1, 1, 0xc1, 0, 0, 0, 0x1);

    /* The server lets c2 run; c2 calls while the server is busy and queues. */
    sched_yield();
    RUNS(c2);
    set_msg(c2, 2, 1, 0xc2, 0, 0, 0);
    ipc_send(&ep, 0x2, true);
    CU_ASSERT_EQUAL(c2->state, TS_BLOCKED_SEND);
    RUNS(server);

    /* Answer c1 and take c2's call at once: the server does not block. */
    set_msg(server, 0x100, 1, 0xa1, 0, 0, 0);
    ipc_reply_recv(&ep);
    CU_ASSERT_EQUAL(server->state, TS_RUNNABLE);
    CHECK_MSG(server, 2, 1, 0xc2, 0, 0, 0, 0x2);
    CU_ASSERT_PTR_EQUAL(server->reply_to, c2);
    CU_ASSERT_EQUAL(c2->state, TS_BLOCKED_REPLY);
    CU_ASSERT_PTR_EQUAL(c2->replier, server);
    CU_ASSERT_EQUAL(c1->state, TS_RUNNABLE);
    CHECK_MSG(c1, 0x100, 1, 0xa1, 0, 0, 0, 0);
    CU_ASSERT_PTR_NULL(c1->replier);
    RUNS(server); /* c1 has the same priority: it is queued */
    CU_ASSERT_TRUE(list_node_linked(&c1->queue_link));

    /* Answer c2 with nothing queued: the server waits, c2 runs at once (fast path, ahead of c1). */
    set_msg(server, 0x200, 1, 0xa2, 0, 0, 0);
    ipc_reply_recv(&ep);
    CU_ASSERT_EQUAL(server->state, TS_BLOCKED_RECV);
    CU_ASSERT_TRUE(queued_on(&ep.receivers, server));
    CU_ASSERT_PTR_NULL(server->reply_to);
    CU_ASSERT_EQUAL(c2->state, TS_RUNNABLE);
    CHECK_MSG(c2, 0x200, 1, 0xa2, 0, 0, 0, 0);
    RUNS(c2);
    CU_ASSERT_PTR_EQUAL(switch_prev, server);
    STOP_AND_RUNS(c2, c1);
    STOP_AND_RUNS(c1, NULL);

    /* reply_recv with nobody to answer is a plain recv. */
    CU_ASSERT_EQUAL(server->state, TS_BLOCKED_RECV);
    ipc_cancel(server);
    server->state = TS_INACTIVE;
    START(server);
    ipc_reply_recv(&ep);
    CU_ASSERT_EQUAL(server->state, TS_BLOCKED_RECV);
    RUNS(NULL);
}

static void test_recv_drops_unanswered_call(void)
{
    struct thread *server, *client;

    begin();
    server = mk(0, 5);
    client = mk(1, 5);
    START(server);
    ipc_recv(&ep);
    RUNS(NULL);
    START(client);
    set_msg(client, 1, 0, 0, 0, 0, 0);
    ipc_send(&ep, 0, true);
    RUNS(server);
    CU_ASSERT_PTR_EQUAL(server->reply_to, client);

    /* The server waits again without answering: the call fails with PX_ERR_REVOKED. */
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(server->state, TS_BLOCKED_RECV);
    CU_ASSERT_PTR_NULL(server->reply_to);
    CU_ASSERT_EQUAL(client->state, TS_RUNNABLE);
    CU_ASSERT_PTR_NULL(client->replier);
    CU_ASSERT_EQUAL(STATUS(client), PX_ERR_REVOKED);
    RUNS(client);
    STOP_AND_RUNS(client, NULL);
}

static void test_long_message(void)
{
    struct thread *s, *r;

    begin();
    s = mk(0, 5);
    r = mk(1, 5);
    s->ipcbuf = &buf[0];
    r->ipcbuf = &buf[1];
    for (unsigned i = 0; i < PX_MSG_WORDS; i++)
        buf[0].mr[i] = 0x1000 + i;

    /* Both have buffers: MR4..MR9 are copied, nothing beyond. */
    START(r);
    ipc_recv(&ep);
    RUNS(NULL);
    START(s);
    set_msg(s, 9, 10, 1, 2, 3, 4);
    ipc_send(&ep, 0, false);
    CU_ASSERT_EQUAL(INFO(r), PX_MSGINFO(9, 10));
    for (unsigned i = 4; i < 10; i++)
        CU_ASSERT_EQUAL(buf[1].mr[i], 0x1000 + i);
    CU_ASSERT_EQUAL(buf[1].mr[10], 0);
    STOP_AND_RUNS(s, r);

    /* A length above PX_MSG_WORDS is cut to it. */
    ipc_recv(&ep);
    RUNS(NULL);
    START(s);
    set_msg(s, 9, 100, 1, 2, 3, 4);
    ipc_send(&ep, 0, false);
    CU_ASSERT_EQUAL(INFO(r), PX_MSGINFO(9, PX_MSG_WORDS));
    CU_ASSERT_EQUAL(buf[1].mr[PX_MSG_WORDS - 1], 0x1000 + PX_MSG_WORDS - 1);
    CU_ASSERT_EQUAL(buf[1].user[0], 0);
    STOP_AND_RUNS(s, r);

    /* No buffer at the receiver: the receiver sees only the registers, and the shorter length. */
    r->ipcbuf = NULL;
    ipc_recv(&ep);
    RUNS(NULL);
    START(s);
    set_msg(s, 9, 10, 1, 2, 3, 4);
    ipc_send(&ep, 0, false);
    CHECK_MSG(r, 9, PX_MSG_REG_WORDS, 1, 2, 3, 4, 0);
    STOP_AND_RUNS(s, r);
    STOP_AND_RUNS(r, NULL);
}

/* ---- Notifications ---- */

static void test_ntfn_signal_and_wait(void)
{
    struct thread *t, *w1, *w2;

    begin();
    t = mk(0, 5);
    w1 = mk(1, 5);
    w2 = mk(2, 5);
    /* No waiter: the bits accumulate. */
    ntfn_signal(&nt, 0x1);
    ntfn_signal(&nt, 0x4);
    ntfn_signal(&nt, 0x1);
    CU_ASSERT_EQUAL(nt.bits, 0x5);

    START(t);
    ntfn_wait(&nt, true);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(STATUS(t), PX_OK);
    CU_ASSERT_EQUAL(MR(t, 0), 0x5);
    CU_ASSERT_EQUAL(nt.bits, 0);

    /* Poll with nothing pending. */
    t->ctx.frame.rax = SENTINEL;
    ntfn_wait(&nt, false);
    CU_ASSERT_EQUAL(STATUS(t), PX_ERR_AGAIN);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    CU_ASSERT_TRUE(list_empty(&nt.waiters));
    /* Poll with something pending. */
    ntfn_signal(&nt, 0x80);
    ntfn_wait(&nt, false);
    CU_ASSERT_EQUAL(STATUS(t), PX_OK);
    CU_ASSERT_EQUAL(MR(t, 0), 0x80);
    CU_ASSERT_EQUAL(nt.bits, 0);

    /* Wait blocks; a signal (here from an interrupt: nothing running) wakes it with the bits. */
    t->ctx.frame.rax = SENTINEL;
    ntfn_wait(&nt, true);
    CU_ASSERT_EQUAL(t->state, TS_BLOCKED_NTFN);
    CU_ASSERT_PTR_EQUAL(t->ntfn, &nt);
    CU_ASSERT_TRUE(queued_on(&nt.waiters, t));
    RUNS(NULL);
    ntfn_signal(&nt, 0x30);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    CU_ASSERT_PTR_NULL(t->ntfn);
    CU_ASSERT_EQUAL(STATUS(t), PX_OK);
    CU_ASSERT_EQUAL(MR(t, 0), 0x30);
    CU_ASSERT_EQUAL(nt.bits, 0);
    CU_ASSERT_TRUE(list_empty(&nt.waiters));
    RUNS(t);

    /* Two waiters: one signal wakes one, in FIFO order. */
    sched_make_runnable(w1);
    sched_make_runnable(w2);
    sched_yield();
    RUNS(w1);
    ntfn_wait(&nt, true);
    RUNS(w2);
    ntfn_wait(&nt, true);
    RUNS(t);
    ntfn_signal(&nt, 0x2);
    CU_ASSERT_EQUAL(w1->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(MR(w1, 0), 0x2);
    CU_ASSERT_EQUAL(w2->state, TS_BLOCKED_NTFN);
    ntfn_signal(&nt, 0x8);
    CU_ASSERT_EQUAL(w2->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(MR(w2, 0), 0x8);
    CU_ASSERT_EQUAL(nt.bits, 0);
    RUNS(t);
    STOP_AND_RUNS(t, w1);
    STOP_AND_RUNS(w1, w2);
    STOP_AND_RUNS(w2, NULL);
}

static void test_ntfn_bound(void)
{
    struct thread *t, *s;

    begin();
    t = mk(0, 5);
    s = mk(1, 5);
    t->bound = &nt;
    nt.bound = t;

    START(t);
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(t->state, TS_BLOCKED_RECV);
    RUNS(NULL);
    /* The signal wakes the receiver out of the endpoint with the notification label and the bits. */
    ntfn_signal(&nt, 0x11);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    CU_ASSERT_PTR_NULL(t->ep);
    CU_ASSERT_TRUE(list_empty(&ep.receivers));
    CHECK_MSG(t, PX_LABEL_NOTIFY, 0, 0x11, 0, 0, 0, 0);
    CU_ASSERT_EQUAL(nt.bits, 0);
    RUNS(t);

    /* Not in recv: the bits wait, and the next recv returns them at once. */
    ntfn_signal(&nt, 0x2);
    ntfn_signal(&nt, 0x40);
    CU_ASSERT_EQUAL(nt.bits, 0x42);
    t->ctx.frame.rax = SENTINEL;
    BADGE(t) = 99;
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    CU_ASSERT_TRUE(list_empty(&ep.receivers));
    CU_ASSERT_EQUAL(INFO(t), PX_MSGINFO(PX_LABEL_NOTIFY, 0));
    CU_ASSERT_EQUAL(MR(t, 0), 0x42);
    CU_ASSERT_EQUAL(BADGE(t), 0);
    CU_ASSERT_EQUAL(STATUS(t), PX_OK);
    CU_ASSERT_EQUAL(nt.bits, 0);
    RUNS(t);

    /* A queued sender comes before pending bits. */
    ipc_recv(&ep);
    RUNS(NULL);
    START(s);
    set_msg(s, 5, 1, 0x55, 0, 0, 0);
    ipc_send(&ep, 3, false); /* t is waiting: it takes this at once */
    CHECK_MSG(t, 5, 1, 0x55, 0, 0, 0, 3);
    set_msg(s, 6, 1, 0x66, 0, 0, 0);
    ipc_send(&ep, 3, false); /* t is not waiting: s queues */
    CU_ASSERT_EQUAL(s->state, TS_BLOCKED_SEND);
    ntfn_signal(&nt, 0x8); /* t is runnable: the bits wait */
    CU_ASSERT_EQUAL(nt.bits, 0x8);
    RUNS(t);
    ipc_recv(&ep);
    CHECK_MSG(t, 6, 1, 0x66, 0, 0, 0, 3);
    CU_ASSERT_EQUAL(nt.bits, 0x8);
    ipc_recv(&ep);
    CHECK_MSG(t, PX_LABEL_NOTIFY, 0, 0x8, 0, 0, 0, 0);
    CU_ASSERT_EQUAL(t->state, TS_RUNNABLE);
    RUNS(t);
    STOP_AND_RUNS(t, s);
    STOP_AND_RUNS(s, NULL);
}

/* ---- Exceptions ---- */

/* Give t distinct register values: word i of struct px_regs is 0x1000 + i. */
static void fill_regs(struct thread *t)
{
    struct px_regs r;
    uint64_t *w = (uint64_t *)&r;

    for (unsigned i = 0; i < PX_REGS_WORDS; i++)
        w[i] = 0x1000 + i;
    ctx_set_regs(&t->ctx, &r);
}

/* Start a handler waiting on ep and a faulting thread f whose exception endpoint is ep. */
static void exc_setup(struct thread *h, struct thread *f)
{
    START(h);
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(h->state, TS_BLOCKED_RECV);
    RUNS(NULL);
    f->exc_ep = &ep.obj;
    f->exc_badge = 0xe;
    START(f);
    fill_regs(f);
}

static void test_exception_resume(void)
{
    struct thread *h, *f;
    struct px_regs r;
    uint64_t *w = (uint64_t *)&r;

    begin();
    h = mk(0, 5);
    f = mk(1, 6);
    h->ipcbuf = &buf[0];
    exc_setup(h, f);
    ipc_exception(PX_EXC_PAGE_FAULT, 6, 0xdead0000, PX_ACCESS_WRITE | PX_ACCESS_PRESENT);
    CU_ASSERT_EQUAL(f->state, TS_BLOCKED_REPLY);
    CU_ASSERT_TRUE(f->exc_pending);
    CU_ASSERT_PTR_EQUAL(f->replier, h);
    CU_ASSERT_PTR_EQUAL(h->reply_to, f);
    CU_ASSERT_EQUAL(nunhandled, 0);
    RUNS(h);

    /* The message: the label says which exception; MR0..3 are rip, rsp, rflags, rax; the rest is in h's
     * buffer. */
    CU_ASSERT_EQUAL(INFO(h), PX_MSGINFO(PX_LABEL_EXCEPTION + PX_EXC_PAGE_FAULT, PX_EXCEPTION_WORDS));
    CU_ASSERT_EQUAL(BADGE(h), 0xe);
    CU_ASSERT_EQUAL(STATUS(h), PX_OK);
    CU_ASSERT_EQUAL(MR(h, 0), f->ctx.frame.rip);
    CU_ASSERT_EQUAL(MR(h, 1), f->ctx.frame.rsp);
    CU_ASSERT_EQUAL(MR(h, 2), f->ctx.frame.rflags);
    CU_ASSERT_EQUAL(MR(h, 3), f->ctx.frame.rax);
    CU_ASSERT_EQUAL(MR(h, 0), 0x1000);
    CU_ASSERT_EQUAL(MR(h, 3), 0x1003);
    for (unsigned i = PX_MSG_REG_WORDS; i < PX_REGS_WORDS; i++)
        CU_ASSERT_EQUAL(buf[0].mr[i], 0x1000 + i);
    CU_ASSERT_EQUAL(buf[0].mr[20], PX_EXC_PAGE_FAULT);
    CU_ASSERT_EQUAL(buf[0].mr[21], 6);
    CU_ASSERT_EQUAL(buf[0].mr[22], 0xdead0000);
    CU_ASSERT_EQUAL(buf[0].mr[23], PX_ACCESS_WRITE | PX_ACCESS_PRESENT);
    CU_ASSERT_EQUAL(buf[0].mr[24], 0);

    /* Resume with rip advanced by two and rbx changed. */
    set_msg(h, PX_EXC_REPLY_RESUME, PX_REGS_WORDS, MR(h, 0) + 2, MR(h, 1), MR(h, 2), MR(h, 3));
    buf[0].mr[4] = 0x4242;
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(h), PX_OK);
    CU_ASSERT_PTR_NULL(h->reply_to);
    CU_ASSERT_EQUAL(f->state, TS_RUNNABLE);
    CU_ASSERT_FALSE(f->exc_pending);
    CU_ASSERT_PTR_NULL(f->replier);
    ctx_get_regs(&f->ctx, &r);
    CU_ASSERT_EQUAL(r.rip, 0x1002);
    CU_ASSERT_EQUAL(r.rbx, 0x4242);
    for (unsigned i = 1; i < PX_REGS_WORDS; i++)
        if (i != 4)
            CU_ASSERT_EQUAL(w[i], 0x1000 + i);
    /* f has the higher priority. */
    RUNS(f);
    STOP_AND_RUNS(f, h);
    STOP_AND_RUNS(h, NULL);
}

static void test_exception_stop(void)
{
    struct thread *h, *f;

    begin();
    h = mk(0, 5);
    f = mk(1, 5);
    h->ipcbuf = &buf[0];
    exc_setup(h, f);
    ipc_exception(PX_EXC_GENERAL, 13, 0, 0);
    RUNS(h);
    CU_ASSERT_EQUAL(INFO(h), PX_MSGINFO(PX_LABEL_EXCEPTION + PX_EXC_GENERAL, PX_EXCEPTION_WORDS));
    CU_ASSERT_EQUAL(buf[0].mr[20], PX_EXC_GENERAL);
    CU_ASSERT_EQUAL(buf[0].mr[21], 13);

    set_msg(h, PX_EXC_REPLY_STOP, 0, 0, 0, 0, 0);
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(h), PX_OK);
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
    CU_ASSERT_FALSE(f->exc_pending);
    CU_ASSERT_PTR_NULL(f->replier);
    CU_ASSERT_PTR_NULL(h->reply_to);
    CU_ASSERT_EQUAL(f->ctx.frame.rip, 0x1000);
    RUNS(h);
    STOP_AND_RUNS(h, NULL);
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
}

static void test_exception_without_buffer(void)
{
    struct thread *h, *f;

    begin();
    h = mk(0, 5);
    f = mk(1, 6);
    exc_setup(h, f);
    ipc_exception(PX_EXC_DIVIDE, 0, 0, 0);
    RUNS(h);
    /* Only the registers' part arrives: rip, rsp, rflags, rax. */
    CHECK_MSG(h, PX_LABEL_EXCEPTION + PX_EXC_DIVIDE, PX_MSG_REG_WORDS, 0x1000, 0x1001, 0x1002, 0x1003, 0xe);
    /* Without a buffer the handler cannot send the 20 words a resume needs: f stays stopped. */
    set_msg(h, PX_EXC_REPLY_RESUME, PX_REGS_WORDS, 0x2000, 0, 0, 0);
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(h), PX_OK);
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
    CU_ASSERT_FALSE(f->exc_pending);
    CU_ASSERT_EQUAL(f->ctx.frame.rip, 0x1000);
    /* A resume that is too short stops it too. f has the higher priority: it runs at once. */
    h->ipcbuf = &buf[0];
    START(f);
    ipc_exception(PX_EXC_DIVIDE, 0, 0, 0);
    CU_ASSERT_EQUAL(f->state, TS_BLOCKED_SEND); /* h is running: the exception waits in the queue */
    CU_ASSERT_TRUE(f->exc_pending);
    RUNS(h);
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(h->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(INFO(h), PX_MSGINFO(PX_LABEL_EXCEPTION + PX_EXC_DIVIDE, PX_EXCEPTION_WORDS));
    CU_ASSERT_EQUAL(f->state, TS_BLOCKED_REPLY);
    set_msg(h, PX_EXC_REPLY_RESUME, PX_REGS_WORDS - 1, 0x2000, 0, 0, 0);
    ipc_reply();
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
    CU_ASSERT_EQUAL(f->ctx.frame.rip, 0x1000);
    RUNS(h);
    STOP_AND_RUNS(h, NULL);
}

static void test_exception_handler_recv_again(void)
{
    struct thread *h, *f;

    begin();
    h = mk(0, 5);
    f = mk(1, 5);
    h->ipcbuf = &buf[0];
    exc_setup(h, f);
    ipc_exception(PX_EXC_INVALID_OPCODE, 6, 0, 0);
    RUNS(h);
    /* The handler moves on without answering: the faulting thread stays stopped (not woken). */
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
    CU_ASSERT_FALSE(f->exc_pending);
    CU_ASSERT_PTR_NULL(f->replier);
    CU_ASSERT_EQUAL(STATUS(f), 0x1003); /* its rax is untouched */
    RUNS(NULL);
}

static void test_exception_unhandled(void)
{
    struct thread *f;

    begin();
    f = mk(0, 5);
    START(f);
    fill_regs(f);
    ipc_exception(PX_EXC_PAGE_FAULT, 4, 0x1234, PX_ACCESS_READ);
    CU_ASSERT_EQUAL(nunhandled, 1);
    CU_ASSERT_PTR_EQUAL(unhandled_thread, f);
    CU_ASSERT_EQUAL(f->exc_kind, PX_EXC_PAGE_FAULT);
    CU_ASSERT_EQUAL(f->exc_code, 4);
    CU_ASSERT_EQUAL(f->exc_addr, 0x1234);
    CU_ASSERT_EQUAL(f->exc_access, PX_ACCESS_READ);
    CU_ASSERT_FALSE(f->exc_pending);
    RUNS(NULL);

    /* A dead exception endpoint is no handler either: nothing is queued on it. */
    f->exc_ep = &ep.obj;
    ep.obj.dead = true;
    START(f);
    ipc_exception(PX_EXC_OTHER, 18, 0, 0);
    CU_ASSERT_EQUAL(nunhandled, 2);
    CU_ASSERT_TRUE(list_empty(&ep.senders));
    CU_ASSERT_FALSE(f->exc_pending);
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
    RUNS(NULL);
}

/* ---- Cancellation and destruction ---- */

static void test_cancel(void)
{
    struct thread *s, *r, *server, *client, *w;

    begin();
    s = mk(0, 5);
    r = mk(1, 5);
    server = mk(2, 5);
    client = mk(3, 5);
    w = mk(4, 5);

    /* A queued sender: out of the queue, and a later recv does not see it. */
    START(s);
    ipc_send(&ep, 1, true);
    RUNS(NULL);
    ipc_cancel(s);
    s->state = TS_INACTIVE; /* as thread_stop does */
    CU_ASSERT_TRUE(list_empty(&ep.senders));
    CU_ASSERT_PTR_NULL(s->ep);
    CU_ASSERT_FALSE(list_node_linked(&s->queue_link));
    START(r);
    ipc_recv(&ep);
    CU_ASSERT_EQUAL(r->state, TS_BLOCKED_RECV);
    CU_ASSERT_EQUAL(s->state, TS_INACTIVE);
    RUNS(NULL);

    /* A queued receiver. */
    ipc_cancel(r);
    r->state = TS_INACTIVE;
    CU_ASSERT_TRUE(list_empty(&ep.receivers));
    CU_ASSERT_PTR_NULL(r->ep);

    /* A caller waiting for its reply: the server no longer has anything to answer. */
    START(server);
    ipc_recv(&ep);
    RUNS(NULL);
    START(client);
    ipc_send(&ep, 0, true);
    RUNS(server);
    CU_ASSERT_EQUAL(client->state, TS_BLOCKED_REPLY);
    ipc_cancel(client);
    client->state = TS_INACTIVE;
    CU_ASSERT_PTR_NULL(server->reply_to);
    CU_ASSERT_PTR_NULL(client->replier);
    ipc_reply();
    CU_ASSERT_EQUAL(STATUS(server), PX_ERR_STATE);
    CU_ASSERT_EQUAL(client->state, TS_INACTIVE);
    RUNS(server);

    /* The thread holding a reply is cancelled: the caller's call fails. */
    ipc_recv(&ep);
    RUNS(NULL);
    client->ctx.frame.rax = SENTINEL;
    START(client);
    ipc_send(&ep, 0, true);
    RUNS(server);
    sched_block(server, TS_INACTIVE); /* thread_stop */
    ipc_cancel(server);
    CU_ASSERT_PTR_NULL(server->reply_to);
    CU_ASSERT_EQUAL(client->state, TS_RUNNABLE);
    CU_ASSERT_PTR_NULL(client->replier);
    CU_ASSERT_EQUAL(STATUS(client), PX_ERR_REVOKED);
    RUNS(client);

    /* A notification waiter: later signals only accumulate. */
    STOP_AND_RUNS(client, NULL);
    START(w);
    ntfn_wait(&nt, true);
    RUNS(NULL);
    ipc_cancel(w);
    w->state = TS_INACTIVE;
    CU_ASSERT_TRUE(list_empty(&nt.waiters));
    CU_ASSERT_PTR_NULL(w->ntfn);
    ntfn_signal(&nt, 0x3);
    CU_ASSERT_EQUAL(nt.bits, 0x3);
    CU_ASSERT_EQUAL(w->state, TS_INACTIVE);
    RUNS(NULL);
}

static void test_endpoint_destroy(void)
{
    struct thread *s1, *s2, *f, *r1, *r2;

    begin();
    s1 = mk(0, 5);
    s2 = mk(1, 5);
    f = mk(2, 5);
    r1 = mk(3, 5);
    r2 = mk(4, 5);

    START(s1);
    ipc_send(&ep, 1, true);
    RUNS(NULL);
    START(s2);
    ipc_send(&ep, 2, false);
    RUNS(NULL);
    f->exc_ep = &ep.obj;
    START(f);
    ipc_exception(PX_EXC_DIVIDE, 0, 0, 0);
    RUNS(NULL);
    START(r1);
    ipc_recv(&ep2);
    RUNS(NULL);
    START(r2);
    ipc_recv(&ep2);
    RUNS(NULL);
    CU_ASSERT_EQUAL(list_length(&ep.senders), 3);
    CU_ASSERT_EQUAL(list_length(&ep2.receivers), 2);

    /* Queued senders wake with PX_ERR_REVOKED; a queued exception leaves its thread stopped. */
    ep.obj.dead = true;
    endpoint_destroy(&ep);
    CU_ASSERT_TRUE(list_empty(&ep.senders));
    CU_ASSERT_EQUAL(s1->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(STATUS(s1), PX_ERR_REVOKED);
    CU_ASSERT_PTR_NULL(s1->ep);
    CU_ASSERT_EQUAL(s2->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(STATUS(s2), PX_ERR_REVOKED);
    CU_ASSERT_EQUAL(f->state, TS_INACTIVE);
    CU_ASSERT_FALSE(f->exc_pending);
    CU_ASSERT_PTR_NULL(f->ep);
    CU_ASSERT_FALSE(list_node_linked(&f->queue_link));
    /* Queued receivers too. */
    endpoint_destroy(&ep2);
    CU_ASSERT_TRUE(list_empty(&ep2.receivers));
    CU_ASSERT_EQUAL(r1->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(STATUS(r1), PX_ERR_REVOKED);
    CU_ASSERT_PTR_NULL(r1->ep);
    CU_ASSERT_EQUAL(r2->state, TS_RUNNABLE);
    CU_ASSERT_EQUAL(STATUS(r2), PX_ERR_REVOKED);
    /* Idempotent. */
    endpoint_destroy(&ep);
    endpoint_destroy(&ep2);

    RUNS(s1);
    STOP_AND_RUNS(s1, s2);
    STOP_AND_RUNS(s2, r1);
    STOP_AND_RUNS(r1, r2);
    STOP_AND_RUNS(r2, NULL);
}

/* ---- The fast path against the general path ---- */

/*
 * One system call by the current thread, as syscall_trap makes it: the fast path first if `fast`, else
 * (or when it declines) the general path as syscall_dispatch would run these calls; then the thread that
 * runs next.
 */
static struct thread *syscall_both_ways(bool fast, uint64_t nr, uint64_t slot)
{
    struct thread *self = current;
    struct cap *c;
    int st;

    self->ctx.frame.rax = nr;
    self->ctx.frame.rdi = slot;
    if (fast) {
        struct thread *n = ipc_fastpath();
        if (n)
            return n;
    }
    if (self->flags & PX_THREAD_FOREIGN_ABI) {
        ipc_exception(PX_EXC_FOREIGN_SYSCALL, nr, 0, 0);
    } else if (nr == PX_SYS_CALL) {
        if ((st = cap_lookup(NULL, slot, PX_OBJ_ENDPOINT, PX_R_WRITE, &c)) == PX_OK)
            ipc_send(container_of(c->obj, struct endpoint, obj), c->badge, true);
        else
            ctx_set_status(&self->ctx, st);
    } else if (nr == PX_SYS_REPLY_RECV || nr == PX_SYS_RECV) {
        if ((st = cap_lookup(NULL, slot, PX_OBJ_ENDPOINT, PX_R_READ, &c)) == PX_OK) {
            if (nr == PX_SYS_RECV)
                ipc_recv(container_of(c->obj, struct endpoint, obj));
            else
                ipc_reply_recv(container_of(c->obj, struct endpoint, obj));
        } else {
            ctx_set_status(&self->ctx, st);
        }
    }
    return next_thread();
}

#define SNAP_WORDS 2048
static uint64_t snap[2][SNAP_WORDS];
static unsigned nsnap[2];

/* Everything the calls can change: who runs, each thread's state, registers, IPC links and queues. */
static void snapshot(unsigned run, struct thread *running)
{
    uint64_t *s = snap[run];
    unsigned n = nsnap[run];

    if (n + 2 + NTHREADS * 14 > SNAP_WORDS)
        return;
    s[n++] = running ? (uint64_t)(running - th) : 99;
    s[n++] = buf[0].mr[5] ^ buf[1].mr[5] << 1 ^ buf[0].mr[12] << 2;
    for (unsigned i = 0; i < NTHREADS; i++) {
        struct thread *t = &th[i];
        struct trap_frame *f = &t->ctx.frame;
        s[n++] = t->state, s[n++] = f->rax, s[n++] = f->rsi, s[n++] = f->rdi;
        s[n++] = f->rdx, s[n++] = f->r10, s[n++] = f->r8, s[n++] = f->r9, s[n++] = f->rip;
        s[n++] = t->reply_to ? (uint64_t)(t->reply_to - th) : 99;
        s[n++] = t->replier ? (uint64_t)(t->replier - th) : 99;
        s[n++] = queued_on(&ep.receivers, t) | queued_on(&ep.senders, t) << 1;
        s[n++] = t->exc_pending | t->is_call << 1;
        s[n++] = t->budget;
    }
    nsnap[run] = n;
}

/* A client, a foreign-ABI thread, a server that is also their handler, and a bystander of the same
 * priority: calls of every length, a bad cap and a missing right, a foreign system call delivered and
 * resumed, and a STOP reply. */
static void fast_scenario(unsigned run)
{
    bool fast = run == 0;
    struct thread *srv, *cli, *frn, *by, *n;

    begin();
    srv = mk(0, 5), cli = mk(1, 5), frn = mk(2, 5), by = mk(3, 5);
    srv->ipcbuf = &buf[0];
    cli->ipcbuf = &buf[1];
    frn->exc_ep = &ep.obj;
    frn->exc_badge = 0xf;
    frn->flags = PX_THREAD_FOREIGN_ABI;
    for (unsigned i = 0; i < PX_REGS_WORDS; i++)
        ((uint64_t *)&frn->ctx.frame)[i] = 0x2000 + i;
    START(srv);
    n = syscall_both_ways(fast, PX_SYS_RECV, 1);
    snapshot(run, n);
    sched_make_runnable(cli);
    sched_make_runnable(frn);
    sched_make_runnable(by); /* queued at the same priority all along: no reason to leave the fast path */
    CU_ASSERT_PTR_EQUAL_FATAL(next_thread(), cli);
    for (unsigned len = 0; len <= 6; len++) {
        set_msg(cli, 10 + len, len, len, 2, 3, 4);
        buf[1].mr[5] = 50 + len;
        n = syscall_both_ways(fast, PX_SYS_CALL, 1); /* to the server, waiting */
        snapshot(run, n);
        CU_ASSERT_PTR_EQUAL_FATAL(current, srv);
        set_msg(srv, 20 + len, len, MR(srv, 0) * 3, 5, 6, 7);
        n = syscall_both_ways(fast, PX_SYS_REPLY_RECV, 1); /* answers, waits again */
        snapshot(run, n);
        CU_ASSERT_PTR_EQUAL_FATAL(current, cli);
    }
    set_msg(cli, 1, 0, 0, 0, 0, 0);
    snapshot(run, syscall_both_ways(fast, PX_SYS_CALL, 0)); /* an empty slot */
    snapshot(run, syscall_both_ways(fast, PX_SYS_CALL, 2)); /* READ only */
    /* The client gives way: the foreign thread's system call goes to the server, which answers. */
    sched_yield();
    CU_ASSERT_PTR_EQUAL_FATAL(next_thread(), frn);
    snapshot(run, syscall_both_ways(fast, 39, 7));
    CU_ASSERT_PTR_EQUAL_FATAL(current, srv);
    CU_ASSERT_EQUAL(INFO(srv), PX_MSGINFO(PX_LABEL_EXCEPTION + PX_EXC_FOREIGN_SYSCALL, PX_EXCEPTION_WORDS));
    set_msg(srv, PX_EXC_REPLY_RESUME, PX_REGS_WORDS, MR(srv, 0) + 2, MR(srv, 1), MR(srv, 2), 0x39);
    buf[0].mr[12] = 0x1234; /* r10 */
    snapshot(run, n = syscall_both_ways(fast, PX_SYS_REPLY_RECV, 1));
    CU_ASSERT_PTR_EQUAL_FATAL(n, frn);
    CU_ASSERT_EQUAL(frn->ctx.frame.rax, 0x39);
    CU_ASSERT_EQUAL(frn->ctx.frame.r10, 0x1234);
    /* Its exit call: the server stops it (the general path) and waits again; the rest run and stop. */
    snapshot(run, syscall_both_ways(fast, 60, 0));
    CU_ASSERT_PTR_EQUAL_FATAL(current, srv);
    set_msg(srv, PX_EXC_REPLY_STOP, 0, 0, 0, 0, 0);
    snapshot(run, syscall_both_ways(fast, PX_SYS_REPLY_RECV, 1));
    CU_ASSERT_EQUAL(frn->state, TS_INACTIVE);
    while (current) {
        sched_block(current, TS_INACTIVE);
        snapshot(run, next_thread());
    }
}

static void test_fastpath_equivalence(void)
{
    uint64_t hits0 = ipc_fastpath_hits, hits1;

    nsnap[0] = nsnap[1] = 0;
    fast_scenario(0);
    hits1 = ipc_fastpath_hits;
    fast_scenario(1);
    CU_ASSERT(hits1 - hits0 >= 12); /* 5 short calls, 5 short replies, the foreign call and its resume */
    CU_ASSERT_EQUAL(ipc_fastpath_hits, hits1);
    CU_ASSERT_EQUAL(nsnap[0], nsnap[1]);
    CU_ASSERT(nsnap[0] >= 20 * (2 + NTHREADS * 14));
    for (unsigned i = 0; i < nsnap[0]; i++)
        if (snap[0][i] != snap[1][i]) {
            fprintf(stderr, "fast and general paths differ at word %u: %#llx, %#llx\n", i,
                    (unsigned long long)snap[0][i], (unsigned long long)snap[1][i]);
            CU_FAIL("the fast path differs from the general path");
            break;
        }
}

static const CU_TestInfo sched_ipc_tests[] = {
    {"sched_cpu_time", test_sched_cpu_time},
    {"higher priority runs first", test_sched_priority},
    {"FIFO within a priority", test_sched_fifo},
    {"round robin when the budget runs out", test_sched_round_robin},
    {"preemption puts the preempted thread back at the front", test_sched_preempt},
    {"sched_block takes a queued thread out", test_sched_block_queued},
    {"sched_yield", test_sched_yield},
    {"the fast path's direct choice", test_sched_direct},
    {"an interrupt while idle wakes a thread", test_sched_idle_wakeup},
    {"call to a waiting receiver takes the fast path", test_call_fast_path},
    {"the fast path respects priorities", test_call_fast_path_respects_priority},
    {"call queues, recv takes it, reply answers", test_call_then_recv},
    {"sends complete without reply, in FIFO order, with badges", test_send_fifo_badges},
    {"reply with nothing to answer is PX_ERR_STATE", test_reply_without_caller},
    {"reply_recv answers and takes the next message", test_reply_recv},
    {"recv without replying fails the caller with PX_ERR_REVOKED", test_recv_drops_unanswered_call},
    {"long messages through the IPC buffers", test_long_message},
    {"notification signal, wait and poll", test_ntfn_signal_and_wait},
    {"bound notification wakes a receiver", test_ntfn_bound},
    {"exception message and resume", test_exception_resume},
    {"exception reply stop", test_exception_stop},
    {"exception to a handler without IPC buffer; short resume", test_exception_without_buffer},
    {"exception handler that does not answer", test_exception_handler_recv_again},
    {"exception without handler", test_exception_unhandled},
    {"ipc_cancel", test_cancel},
    {"endpoint_destroy wakes the queued threads", test_endpoint_destroy},
    {"the fast path gives the general path's results", test_fastpath_equivalence},
    CU_TEST_INFO_NULL,
};

void register_sched_ipc_suite(void) { cunit_tap_add_suite("sched_ipc", sched_ipc_tests); }
