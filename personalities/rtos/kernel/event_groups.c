/*
 * Event groups: a word of bits and the tasks waiting for some or all of a set of them. Setting bits
 * wakes every waiter whose condition now holds, then clears the bits those waiters asked to clear.
 */
#include "rtos.h"
#include "event_groups.h"

#define GROUP_MAGIC 0xe7e46b17
#define WAIT_ALL 1
#define CLEAR_ON_EXIT 2
#define EVENT_BITS_MASK ((EventBits_t)0x00ffffffu) /* the top byte is reserved, as on FreeRTOS */

struct EventGroupDef_t {
    uint32_t magic;
    uint8_t static_mem;
    EventBits_t bits;
    struct rtos_list waiters;
};
_Static_assert(sizeof(StaticEventGroup_t) >= sizeof(struct EventGroupDef_t), "StaticEventGroup_t must hold a group");

static struct EventGroupDef_t *check(EventGroupHandle_t g)
{
    configASSERT(g != NULL && g->magic == GROUP_MAGIC);
    return g;
}

EventGroupHandle_t xEventGroupCreate(void)
{
    struct EventGroupDef_t *g = pvPortMalloc(sizeof(*g));

    if (!g) {
        return NULL;
    }
    g->magic = GROUP_MAGIC;
    g->static_mem = 0;
    g->bits = 0;
    rtos_list_init(&g->waiters);
    return g;
}

EventGroupHandle_t xEventGroupCreateStatic(StaticEventGroup_t *buffer)
{
    struct EventGroupDef_t *g = (struct EventGroupDef_t *)buffer;

    configASSERT(buffer != NULL);
    g->magic = GROUP_MAGIC;
    g->static_mem = 1;
    g->bits = 0;
    rtos_list_init(&g->waiters);
    return g;
}

void vEventGroupDelete(EventGroupHandle_t h)
{
    struct EventGroupDef_t *g = check(h);
    rtos_task *t;

    portENTER_CRITICAL();
    while ((t = rtos_list_first(&g->waiters))) { /* waiters return with the bits as they are: 0 */
        t->ev_bits = 0;
        rtos_unblock(t, WAKE_EVENT);
    }
    g->magic = 0;
    port_yield_within_api();
    portEXIT_CRITICAL();
    if (!g->static_mem)
        vPortFree(g);
}

static bool satisfied(EventBits_t have, EventBits_t want, uint8_t flags)
{
    return (flags & WAIT_ALL) ? (have & want) == want : (have & want) != 0;
}

/* Set bits and wake whoever they satisfy: true if one outranks the current task. */
static bool set_bits(struct EventGroupDef_t *g, EventBits_t bits)
{
    EventBits_t clear = 0;
    struct rtos_node *n, *next;
    bool sw = false;

    g->bits |= bits & EVENT_BITS_MASK;
    for (n = g->waiters.end.next; n != &g->waiters.end; n = next) {
        rtos_task *t = n->owner;
        next = n->next;
        if (satisfied(g->bits, t->ev_bits, t->ev_flags)) {
            if (t->ev_flags & CLEAR_ON_EXIT)
                clear |= t->ev_bits;
            t->ev_bits = g->bits; /* what it returns */
            sw |= rtos_unblock(t, WAKE_EVENT);
        }
    }
    g->bits &= ~clear;
    return sw;
}

EventBits_t xEventGroupSetBits(EventGroupHandle_t h, EventBits_t bits)
{
    struct EventGroupDef_t *g = check(h);

    rtos_assert_task_context();
    portENTER_CRITICAL();
    if (set_bits(g, bits) && configUSE_PREEMPTION)
        port_yield_within_api();
    EventBits_t now = g->bits;
    portEXIT_CRITICAL();
    return now;
}

BaseType_t xEventGroupSetBitsFromISR(EventGroupHandle_t h, EventBits_t bits, BaseType_t *woken)
{
    if (set_bits(check(h), bits) && woken)
        *woken = pdTRUE;
    return pdPASS;
}

EventBits_t xEventGroupClearBits(EventGroupHandle_t h, EventBits_t bits)
{
    struct EventGroupDef_t *g = check(h);

    portENTER_CRITICAL();
    EventBits_t was = g->bits;
    g->bits &= ~bits;
    portEXIT_CRITICAL();
    return was;
}

EventBits_t xEventGroupClearBitsFromISR(EventGroupHandle_t h, EventBits_t bits)
{
    struct EventGroupDef_t *g = check(h);
    EventBits_t was = g->bits;

    g->bits &= ~bits;
    return was;
}

EventBits_t xEventGroupGetBitsFromISR(EventGroupHandle_t h) { return check(h)->bits; }

/* Wait for `want` (all or any) with the group's state already updated by the caller, in a critical section. */
static EventBits_t wait_locked(struct EventGroupDef_t *g, EventBits_t want, uint8_t flags, TickType_t ticks)
{
    rtos_task *t = rtos.current;

    if (satisfied(g->bits, want, flags)) {
        EventBits_t now = g->bits;
        if (flags & CLEAR_ON_EXIT)
            g->bits &= ~want;
        portEXIT_CRITICAL();
        return now;
    }
    if (ticks == 0) {
        EventBits_t now = g->bits;
        portEXIT_CRITICAL();
        return now;
    }
    t->ev_bits = want;
    t->ev_flags = flags;
    rtos_block_current(&g->waiters, ticks);
    portEXIT_CRITICAL();
    portENTER_CRITICAL();
    EventBits_t got = t->wake == WAKE_EVENT ? t->ev_bits : g->bits; /* timed out: the bits as they are */
    portEXIT_CRITICAL();
    return got;
}

EventBits_t xEventGroupWaitBits(EventGroupHandle_t h, EventBits_t bits, BaseType_t clear_on_exit,
                                BaseType_t wait_for_all, TickType_t ticks)
{
    struct EventGroupDef_t *g = check(h);

    configASSERT(bits != 0 && (bits & ~EVENT_BITS_MASK) == 0);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    return wait_locked(g, bits, (uint8_t)((wait_for_all ? WAIT_ALL : 0) | (clear_on_exit ? CLEAR_ON_EXIT : 0)),
                       ticks);
}

EventBits_t xEventGroupSync(EventGroupHandle_t h, EventBits_t set, EventBits_t wait, TickType_t ticks)
{
    struct EventGroupDef_t *g = check(h);

    configASSERT(wait != 0 && (wait & ~EVENT_BITS_MASK) == 0);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    EventBits_t was = g->bits;
    bool sw = set_bits(g, set);
    if (sw && configUSE_PREEMPTION)
        port_yield_within_api();
    if (((was | set) & wait) == wait) { /* the last to arrive: everyone is through */
        g->bits &= ~wait;
        portEXIT_CRITICAL();
        return was | set;
    }
    return wait_locked(g, wait, WAIT_ALL | CLEAR_ON_EXIT, ticks);
}
