/*
 * The scheduler: one FIFO per priority and a bitmap of the non-empty ones. The running thread (current)
 * is not in a queue. A thread that used up its time slice goes to the back of its queue with a new one;
 * a thread preempted by a higher priority goes back to the front and keeps what it had left.
 *
 * CPU time is charged at each switch in raw clock ticks (time_ticks: one TSC read and a subtraction) and
 * converted to nanoseconds only when somebody asks (thread_cpu_ns): no less accurate than charging
 * nanoseconds, since the sum of the spans is converted once instead of each span being rounded.
 */
#include <core/kernel.h>
#include <core/task.h>
#include <core/timer.h>

struct thread *current;
static struct list_node runq[PX_PRIO_MAX + 1];
uint32_t sched_runq_bitmap; /* bit p: the run queue of priority p is not empty */
struct thread *sched_direct; /* the IPC fast path's choice for the next thread */
static bool need_resched;

static void rq_push(struct thread *t, bool front)
{
    if (!runq[0].next)
        for (unsigned i = 0; i <= PX_PRIO_MAX; i++)
            list_init(&runq[i]);
    if (front)
        list_push_front(&runq[t->prio], &t->queue_link);
    else
        list_push_back(&runq[t->prio], &t->queue_link);
    sched_runq_bitmap |= 1u << t->prio;
}

static void rq_remove(struct thread *t)
{
    list_remove(&t->queue_link);
    if (list_empty(&runq[t->prio]))
        sched_runq_bitmap &= ~(1u << t->prio);
}

static struct thread *rq_pop(void)
{
    struct thread *t;

    if (!sched_runq_bitmap)
        return NULL;
    t = list_entry(list_first(&runq[31 - __builtin_clz(sched_runq_bitmap)]), struct thread, queue_link);
    rq_remove(t);
    return t;
}

void sched_make_runnable(struct thread *t)
{
    t->state = TS_RUNNABLE;
    if (t == current || t == sched_direct)
        return;
    rq_push(t, false);
    if (!current || t->prio > current->prio)
        need_resched = true;
}

void sched_block(struct thread *t, enum thread_state s)
{
    if (t->state == TS_RUNNABLE && t != current && t != sched_direct)
        rq_remove(t);
    if (t == sched_direct)
        sched_direct = NULL;
    t->state = s;
}

void sched_yield(void)
{
    if (current) {
        current->budget = 0;
        need_resched = true;
    }
}

void sched_tick(void)
{
    if (current && current->budget && --current->budget == 0)
        need_resched = true;
}

/*
 * The IPC fast path: t runs next, straight after the current thread blocks, unless a queued thread has a
 * higher priority (then t just joins the run queue: the fast path never overtakes a priority).
 */
void sched_switch_to(struct thread *t)
{
    if (sched_direct && sched_direct != t)
        rq_push(sched_direct, true);
    sched_direct = NULL;
    t->state = TS_RUNNABLE;
    if (sched_runq_bitmap >> t->prio >> 1) {
        rq_push(t, false);
        need_resched = true;
        return;
    }
    sched_direct = t;
}

/*
 * The IPC fast path (ipc.c): whether the current thread, about to block, may hand the CPU straight to t
 * (sched_switch_to's condition: nothing queued is more urgent than t); and the hand-over itself, which is
 * what sched_switch_to and then sched_next do in that case, without touching the run queue.
 */

void sched_hand_to(struct thread *next)
{
    struct thread *prev = current;
    uint64_t now = time_ticks();

    prev->cpu_ticks += now - prev->ran_from;
    need_resched = false;
    next->state = TS_RUNNABLE;
    next->ran_from = now;
    if (next->budget == 0)
        next->budget = next->timeslice;
    arch_thread_switch(prev, next);
    current = next;
}

struct thread *sched_next(void)
{
    struct thread *prev = current, *next = sched_direct;

    sched_direct = NULL;
    if (!next && prev && prev->state == TS_RUNNABLE && !need_resched)
        return prev;
    uint64_t now = time_ticks();
    if (prev)
        prev->cpu_ticks += now - prev->ran_from;
    if (prev && prev->state == TS_RUNNABLE && prev != next) {
        bool expired = prev->budget == 0;
        if (expired)
            prev->budget = prev->timeslice;
        rq_push(prev, !expired);
    }
    need_resched = false;
    if (!next)
        next = rq_pop();
    while (!next) {
        current = NULL;
        arch_idle();
        next = rq_pop();
        now = time_ticks(); /* idle time is nobody's */
    }
    next->ran_from = now;
    if (next->budget == 0)
        next->budget = next->timeslice;
    if (next != prev)
        arch_thread_switch(prev, next);
    current = next;
    return next;
}

uint64_t thread_cpu_ns(const struct thread *t)
{
    return time_ticks_to_ns(t->cpu_ticks + (t == current ? time_ticks() - t->ran_from : 0));
}
