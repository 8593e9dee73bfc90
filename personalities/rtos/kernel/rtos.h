/*
 * The portable core of the RTOS personality: lists, the task control block, the scheduler's state, and
 * the port interface (port/port.c on Proteus, tests/port_host.c on the build machine) it calls.
 *
 * Invariants: the scheduler's state changes only inside a critical section (a task's) or in the interrupt
 * context while no task is inside one (the port guarantees it). A task is in exactly one state list: a
 * ready list (rtos.ready[prio]), the delayed list, the suspended list, the pending-ready list (woken while
 * the scheduler was suspended) or the terminated list; a blocked task is also in one object's wait list,
 * sorted by priority, highest first.
 */
#ifndef RTOS_KERNEL_RTOS_H
#define RTOS_KERNEL_RTOS_H

#include "FreeRTOS.h"
#include "task.h"
#include <stdbool.h>

#if configMAX_PRIORITIES > 64
#error "configMAX_PRIORITIES above 64 is not supported"
#endif

struct rtos_list;
struct rtos_node {
    struct rtos_node *prev, *next;
    uint64_t key;
    struct rtos_list *list;
    void *owner;
};
struct rtos_list {
    struct rtos_node end; /* sentinel */
    unsigned count;
};

void rtos_list_init(struct rtos_list *l);
void rtos_list_append(struct rtos_list *l, struct rtos_node *n, void *owner);
void rtos_list_insert_sorted(struct rtos_list *l, struct rtos_node *n, void *owner, uint64_t key);
void rtos_list_remove(struct rtos_node *n);
static inline void *rtos_list_first(const struct rtos_list *l)
{
    return l->count ? l->end.next->owner : NULL;
}

enum rtos_wake { WAKE_NONE, WAKE_EVENT, WAKE_TIMEOUT, WAKE_ABORT };
enum rtos_notify_state { NOTIFY_NONE, NOTIFY_WAITING, NOTIFY_RECEIVED };

/* What the port keeps per task (its thread on Proteus). */
struct rtos_port_task {
    uint32_t thread, frame, handler;
    uint64_t stack_pages; /* 0: the application's static stack */
    uint8_t *tls;         /* its TLS page; the IPC buffer's page follows it in the frame */
    uint8_t started, stopped, trapped, faulted;
};

struct tskTaskControlBlock {
    struct rtos_node state_node, event_node, all_node;
    uint32_t magic;
    uint8_t static_tcb, wake, ev_flags;
    uint8_t notify_state[configTASK_NOTIFICATION_ARRAY_ENTRIES];
    char name[configMAX_TASK_NAME_LEN];
    UBaseType_t prio, base_prio, mutexes_held, number;
    uint32_t notify_value[configTASK_NOTIFICATION_ARRAY_ENTRIES];
    TickType_t ev_bits; /* EventBits_t: what it waits for, then what it got */
    TaskFunction_t fn;
    void *arg;
    StackType_t *stack; /* lowest address */
    size_t stack_bytes;
    struct rtos_port_task port;
};
typedef struct tskTaskControlBlock rtos_task;

#define RTOS_TASK_MAGIC 0x7a5c0b1e

struct rtos_sched {
    struct rtos_list ready[configMAX_PRIORITIES];
    struct rtos_list delayed, suspended, pending_ready, terminated, all;
    rtos_task *current;
    rtos_task *idle;
    uint64_t ticks;         /* never wraps; TickType_t is its low bits */
    uint64_t pended_ticks;  /* ticks that came while the scheduler was suspended */
    UBaseType_t suspended_count;
    UBaseType_t tasks, next_number;
    bool running, yield_requested, yield_pending;
    uint64_t ready_mask; /* bit p: ready[p] is not empty */
};
extern struct rtos_sched rtos;

/* The port. */
void port_task_setup(rtos_task *t); /* make its context; it starts when first chosen. configASSERTs success */
bool port_task_prepare(rtos_task *t, size_t stack_bytes, StackType_t *static_stack); /* stack (false: no memory) */
void port_task_release(rtos_task *t);          /* its context and stack (the task is not running) */
void port_start_scheduler(void) __attribute__((noreturn));
void port_end_scheduler(int status) __attribute__((noreturn));
#define RTOS_EXIT_END_SCHEDULER (-2147483647 - 1) /* port_end_scheduler: 0, or the port's status for faults */
bool port_in_isr(void);
void port_yield_within_api(void); /* a switch is needed: now, or when the critical section ends */

/* The core, for the port and the other kernel files. */
rtos_task *rtos_task_of(TaskHandle_t h); /* h, or the current task for NULL; asserts a valid handle */
bool rtos_tick(void);                    /* one tick: true if a switch is due */
rtos_task *rtos_pick(void);              /* the task to run now (updates rtos.current) */
void rtos_block_current(struct rtos_list *wait_list, TickType_t ticks); /* NULL list: only a delay */
bool rtos_unblock(rtos_task *t, enum rtos_wake why); /* true if t outranks the current task */
void rtos_set_priority(rtos_task *t, UBaseType_t prio); /* effective priority, moving it where it waits */
void rtos_remove_task(rtos_task *t); /* onto the terminated list (deleted, or stopped by a fault) */
void rtos_reap(void);                                   /* free terminated tasks (not the current one) */
rtos_task *rtos_create(TaskFunction_t fn, const char *name, size_t stack_bytes, void *arg, UBaseType_t prio,
                       StackType_t *static_stack, StaticTask_t *static_tcb);
/* Only the FromISR calls may be made from an interrupt handler. */
#define rtos_assert_task_context() configASSERT(!port_in_isr())
void rtos_timers_init(void);         /* the timer service task, at scheduler start */
TickType_t rtos_timers_poll(void);   /* the service task's round: due callbacks, then commands */
void rtos_malloc_failed(void);

/* A deadline for a blocking call: now + ticks, or never. */
struct rtos_timeout {
    uint64_t deadline;
    bool forever;
};
void rtos_timeout_start(struct rtos_timeout *to, TickType_t ticks);
/* The ticks left (0 when expired) as a TickType_t block time. */
TickType_t rtos_timeout_left(const struct rtos_timeout *to);

#endif
