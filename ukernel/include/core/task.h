/*
 * Tasks, threads and the scheduler.
 *
 * A task is an address space, a cap table and a kernel-memory quota; a thread runs in a task. The kernel
 * has one stack and never blocks on it: every entry saves the user state into the current thread, runs
 * to completion and returns into whichever thread should run next (seL4's model). A blocked thread is
 * only a state and a queue link.
 *
 * Scheduling: fixed priorities 0..PX_PRIO_MAX, round robin within a priority, a time slice per thread
 * consumed by timer ticks. IPC hands the CPU straight to its partner (ipc.c) without a scheduler pass.
 */
#ifndef CORE_TASK_H
#define CORE_TASK_H

#include <arch/context.h>
#include <core/cap.h>
#include <core/list.h>
#include <core/object.h>
#include <core/rangetree.h>
#include <proteus/caps.h>
#include <proteus/ipc.h>
#include <proteus/thread.h>

struct aspace;
struct endpoint;
struct notification;
struct frame;

#define TASK_CAP_SLOTS PX_CAP_SLOTS_INITIAL
#define TASK_NAME_MAX 16

struct task {
    struct kobj obj;
    struct aspace *as;
    struct cap_table caps;
    struct quota quota;         /* what this task's own objects are charged to */
    struct quota *parent_quota; /* the quota it was carved from (refunded on destruction) */
    struct list_node threads;
    struct range_tree maps; /* struct mapping, by address (vm.c) */
    struct notification
        *fault_ntfn; /* held: told when it exits or a thread stops on an unhandled exception */
    uint64_t fault_bits;
    unsigned status;      /* PX_TASK_* */
    int64_t status_value; /* exit status or exception kind */
    uint64_t status_addr; /* faulting address */
    bool is_root;
    char name[TASK_NAME_MAX];
};

enum thread_state {
    TS_INACTIVE,      /* created or stopped: not scheduled */
    TS_RUNNABLE,      /* running or in the run queue */
    TS_BLOCKED_SEND,  /* in an endpoint's sender queue */
    TS_BLOCKED_RECV,  /* in an endpoint's receiver queue */
    TS_BLOCKED_REPLY, /* called (or faulted) and waits for the reply */
    TS_BLOCKED_NTFN,  /* waits on a notification */
};

struct thread {
    struct arch_context ctx; /* first: the CPU saves the user state straight into it */
    struct kobj obj;
    struct task *task;
    struct list_node task_link;
    struct list_node queue_link; /* run queue or IPC wait queue */
    enum thread_state state;
    uint8_t prio;
    uint32_t timeslice; /* ticks */
    uint32_t budget;    /* ticks left */
    uint32_t flags;     /* PX_THREAD_* */
    uint64_t cpu_ticks; /* time it has run, up to its last switch away (time_ticks) */
    uint64_t ran_from;  /* when it last started to run (time_ticks) */

    /* IPC */
    struct endpoint *ep;          /* the endpoint whose queue it is in */
    struct notification *ntfn;    /* the notification it waits on */
    bool is_call;                 /* a queued sender that wants a reply */
    uint64_t send_badge;          /* badge of the cap it sends through */
    struct thread *reply_to;      /* the caller this thread must answer */
    struct thread *replier;       /* while BLOCKED_REPLY: the thread holding our reply */
    struct notification *bound;   /* also woken, in RECV, by this notification */
    struct frame *ipcbuf_frame;   /* the IPC buffer, held */
    struct px_ipc_buffer *ipcbuf; /* ... and where the kernel reaches it */

    /* Exceptions */
    struct kobj *exc_ep; /* the exception endpoint (held), or NULL */
    uint64_t exc_badge;
    bool exc_pending; /* the message it sends is an exception */
    uint64_t exc_kind, exc_code, exc_addr, exc_access;
};

extern struct thread *current;

/*
 * A task with quota_bytes of kernel memory taken from parent's quota (NULL: the kernel's) and a cap table
 * of at least `slots` slots (rounded up to fill its last page; 1 <= slots <= PX_CAP_SLOTS_MAX).
 */
struct task *task_create(struct task *parent, uint64_t quota_bytes, uint32_t slots, const char *name);
struct thread *thread_create(struct task *t);
/* Grow t's cap table to at least `slots` (PX_CAP_SLOTS_MAX at most): PX_OK, PX_ERR_INVAL, PX_ERR_NOMEM. */
int task_cap_table_grow(struct task *t, uint64_t slots);
void thread_set_sched(struct thread *th, unsigned prio, uint32_t timeslice_us);
void thread_stop(struct thread *t); /* leave whatever it waits in; it becomes inactive */
void task_destroy(struct task *t);
void thread_destroy(struct thread *t);

/* Scheduler. */
void sched_make_runnable(struct thread *t); /* enqueue at the tail; preempts a lower priority current */
void sched_block(struct thread *t, enum thread_state s); /* take it out of the run queue */
void sched_yield(void);
void sched_tick(void);
/* The thread to run on return to user mode; idles (interrupts on) until there is one. */
struct thread *sched_next(void);
uint64_t thread_cpu_ns(const struct thread *t); /* the time t has run, its current turn included */
void sched_switch_to(struct thread *t); /* the IPC fast path: run t next, without a scheduler pass */
extern struct thread *sched_direct;  /* sched.c's state, for the inline check below */
extern uint32_t sched_runq_bitmap;
/* May the blocking current thread hand the CPU to t? Nothing chosen already, nothing more urgent queued. */
static inline bool sched_can_hand_to(const struct thread *t)
{
    return !sched_direct && !(sched_runq_bitmap >> t->prio >> 1);
}
void sched_hand_to(struct thread *t);            /* ... then do it: t is current afterwards */

/* Architecture: switch the CPU's user state (address space, FPU, TLS, kernel entry stack). */
void arch_thread_switch(struct thread *prev, struct thread *next);

#endif
