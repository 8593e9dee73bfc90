/* Timer objects: a deadline (and optional period) on the monotonic clock that signals a notification. */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include <core/ipc.h>

struct timer {
    struct kobj obj;
    struct list_node link;     /* armed timers */
    struct notification *ntfn; /* held */
    uint64_t bits;
    uint64_t deadline_ns; /* 0: disarmed */
    uint64_t period_ns;
};

struct timer *timer_create(struct notification *n, uint64_t bits, struct task *payer);
void timer_set(struct timer *t, uint64_t deadline_ns, uint64_t period_ns);
void timer_destroy(struct timer *t);
void timers_expire(uint64_t now_ns); /* from the tick */

uint64_t time_now_ns(void); /* monotonic, from the TSC */
uint64_t time_ns_tsc(uint64_t ns); /* the TSC value at a monotonic time */
void time_init(void);              /* start the monotonic clock (at the timer's start) */
/* The raw monotonic counter (the TSC), cheaper to read than time_now_ns, and a span of it in ns: CPU
 * time is charged in ticks at each switch and converted only when read (sched.c). */
uint64_t time_ticks(void);
uint64_t time_ticks_to_ns(uint64_t ticks);

#endif
