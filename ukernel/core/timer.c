/*
 * Timer objects, checked on every tick: the resolution is the tick (1 ms). A periodic timer that fell
 * behind skips the periods it missed rather than signalling a burst.
 */
#include <core/kernel.h>
#include <core/timer.h>
#include <proteus/caps.h>

static struct list_node armed = {&armed, &armed};

struct timer *timer_create(struct notification *n, uint64_t bits, struct task *payer)
{
    struct timer *t = kobj_alloc(PX_OBJ_TIMER, &payer->quota, &payer->obj);

    if (!t)
        return NULL;
    list_init(&t->link);
    kobj_get(&n->obj);
    t->ntfn = n;
    t->bits = bits ? bits : 1;
    return t;
}

void timer_set(struct timer *t, uint64_t deadline_ns, uint64_t period_ns)
{
    list_remove(&t->link);
    t->deadline_ns = deadline_ns;
    t->period_ns = period_ns;
    if (deadline_ns)
        list_push_back(&armed, &t->link);
}

void timer_destroy(struct timer *t)
{
    list_remove(&t->link);
    kobj_put(&t->ntfn->obj);
    t->ntfn = NULL;
}

void timers_expire(uint64_t now)
{
    struct list_node *pos, *tmp;

    list_for_each_safe(pos, tmp, &armed)
    {
        struct timer *t = list_entry(pos, struct timer, link);
        if (t->deadline_ns > now)
            continue;
        if (!t->ntfn->obj.dead)
            ntfn_signal(t->ntfn, t->bits);
        if (t->period_ns) {
            uint64_t missed = (now - t->deadline_ns) / t->period_ns;
            t->deadline_ns += (missed + 1) * t->period_ns;
        } else {
            list_remove(&t->link);
            t->deadline_ns = 0;
        }
    }
}
