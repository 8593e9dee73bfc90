/*
 * Queues, and the semaphores and mutexes built on them: a ring of fixed-size items, a list of tasks
 * waiting to send and one of tasks waiting to receive (each highest priority first). A mutex is a queue
 * of one empty item with a holder; a task that blocks on a mutex lends the holder its priority (priority
 * inheritance) until the holder gives every mutex back, or the waiter gives up. A queue set is a queue
 * of member handles: each item posted to a member posts the member's handle to its set.
 */
#include "rtos.h"
#include "queue.h"
#include "semphr.h"
#include <string.h>

#define QUEUE_MAGIC 0x51e0e5e1

struct QueueDefinition {
    uint32_t magic;
    uint8_t type, static_mem;
    UBaseType_t length, item_size, count, head; /* items at head .. head+count-1 (mod length) */
    uint8_t *storage;
    struct rtos_list senders, receivers;
    rtos_task *holder;
    UBaseType_t recursion;
    struct QueueDefinition *set; /* the queue set this one belongs to, if any */
};

_Static_assert(sizeof(StaticQueue_t) >= sizeof(struct QueueDefinition), "StaticQueue_t must hold a queue");

static struct QueueDefinition *check(QueueHandle_t q)
{
    configASSERT(q != NULL && q->magic == QUEUE_MAGIC);
    return q;
}

static bool is_mutex(const struct QueueDefinition *q)
{
    return q->type == queueQUEUE_TYPE_MUTEX || q->type == queueQUEUE_TYPE_RECURSIVE_MUTEX;
}

static void init_queue(struct QueueDefinition *q, UBaseType_t length, UBaseType_t item_size, uint8_t *storage,
                       uint8_t type)
{
    q->magic = QUEUE_MAGIC;
    q->type = type;
    q->length = length;
    q->item_size = item_size;
    q->storage = storage;
    q->count = q->head = 0;
    q->holder = NULL;
    q->recursion = 0;
    q->set = NULL;
    rtos_list_init(&q->senders);
    rtos_list_init(&q->receivers);
}

QueueHandle_t xQueueGenericCreate(UBaseType_t length, UBaseType_t item_size, uint8_t type)
{
    struct QueueDefinition *q;

    configASSERT(length > 0);
    if (item_size && length > SIZE_MAX / item_size)
        return NULL;
    if (!(q = pvPortMalloc(sizeof(*q) + length * item_size))) {
        return NULL;
    }
    init_queue(q, length, item_size, (uint8_t *)(q + 1), type);
    q->static_mem = 0;
    return q;
}

QueueHandle_t xQueueGenericCreateStatic(UBaseType_t length, UBaseType_t item_size, uint8_t *storage,
                                        StaticQueue_t *buffer, uint8_t type)
{
    struct QueueDefinition *q = (struct QueueDefinition *)buffer;

    configASSERT(length > 0 && buffer != NULL);
    configASSERT((item_size == 0) == (storage == NULL));
    init_queue(q, length, item_size, storage, type);
    q->static_mem = 1;
    return q;
}

QueueHandle_t xQueueCreateMutex(uint8_t type)
{
    QueueHandle_t q = xQueueGenericCreate(1, 0, type);

    if (q)
        q->count = 1; /* available */
    return q;
}

QueueHandle_t xQueueCreateMutexStatic(uint8_t type, StaticQueue_t *buffer)
{
    QueueHandle_t q = xQueueGenericCreateStatic(1, 0, NULL, buffer, type);

    q->count = 1;
    return q;
}

QueueHandle_t xQueueCreateCountingSemaphore(UBaseType_t max, UBaseType_t initial)
{
    configASSERT(max > 0 && initial <= max);
    QueueHandle_t q = xQueueGenericCreate(max, 0, queueQUEUE_TYPE_COUNTING_SEMAPHORE);
    if (q)
        q->count = initial;
    return q;
}

QueueHandle_t xQueueCreateCountingSemaphoreStatic(UBaseType_t max, UBaseType_t initial, StaticQueue_t *buffer)
{
    configASSERT(max > 0 && initial <= max);
    QueueHandle_t q = xQueueGenericCreateStatic(max, 0, NULL, buffer, queueQUEUE_TYPE_COUNTING_SEMAPHORE);
    q->count = initial;
    return q;
}

void vQueueDelete(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);

    configASSERT(q->senders.count == 0 && q->receivers.count == 0); /* nobody may wait on it */
    configASSERT(q->set == NULL);                                  /* nor may it be in a set */
    q->magic = 0;
    if (!q->static_mem)
        vPortFree(q);
}

static uint8_t *slot(struct QueueDefinition *q, UBaseType_t i)
{
    return q->storage + ((q->head + i) % q->length) * q->item_size;
}

static void put(struct QueueDefinition *q, const void *item, BaseType_t position)
{
    if (position == queueOVERWRITE && q->count == q->length) {
        configASSERT(q->length == 1); /* overwriting is for queues of one item */
        q->count = 0;
    }
    if (q->item_size) {
        if (position == queueSEND_TO_FRONT) {
            q->head = (q->head + q->length - 1) % q->length;
            memcpy(slot(q, 0), item, q->item_size);
        } else {
            memcpy(slot(q, q->count), item, q->item_size);
        }
    }
    q->count++;
}

static void take(struct QueueDefinition *q, void *buffer, bool peek)
{
    if (q->item_size && buffer)
        memcpy(buffer, slot(q, 0), q->item_size);
    if (!peek) {
        q->head = (q->head + 1) % q->length;
        q->count--;
    }
}

/* The highest-priority waiter of a list, woken: true if it outranks the current task. */
static bool wake_one(struct rtos_list *l)
{
    rtos_task *t = rtos_list_first(l);

    return t ? rtos_unblock(t, WAKE_EVENT) : false;
}

/*
 * An item arrived in q (its count went up): tell q's set, then wake q's own highest-priority receiver.
 * True if a woken task outranks the current one. The set has room for every item of its members.
 */
static bool posted(struct QueueDefinition *q)
{
    bool outranks = false;

    if (q->set) {
        configASSERT(q->set->count < q->set->length); /* the set is shorter than its members together */
        put(q->set, &q, queueSEND_TO_BACK);
        outranks = wake_one(&q->set->receivers);
    }
    return wake_one(&q->receivers) || outranks;
}

/* The holder gives the mutex back: without mutexes left, it returns to its own priority. */
static void mutex_released(struct QueueDefinition *q)
{
    rtos_task *h = q->holder;

    q->holder = NULL;
    if (h && --h->mutexes_held == 0 && h->prio != h->base_prio)
        rtos_set_priority(h, h->base_prio);
}

/* A waiter gave up: the holder keeps only the priority the remaining waiters lend it. */
static void mutex_disinherit_after_timeout(struct QueueDefinition *q)
{
    rtos_task *h = q->holder, *w = rtos_list_first(&q->receivers);
    UBaseType_t p;

    if (!h || h->mutexes_held != 1)
        return; /* with several mutexes held, it keeps what it has until it gives them back */
    p = h->base_prio;
    if (w && w->prio > p)
        p = w->prio;
    rtos_set_priority(h, p);
}

BaseType_t xQueueGenericSend(QueueHandle_t h, const void *item, TickType_t ticks, BaseType_t position)
{
    struct QueueDefinition *q = check(h);
    struct rtos_timeout to;
    bool started = false;

    configASSERT(item != NULL || q->item_size == 0);
    configASSERT(position != queueOVERWRITE || q->length == 1);
    rtos_assert_task_context();
    for (;;) {
        portENTER_CRITICAL();
        if (is_mutex(q)) {
            /* Give: only the holder may, and a given mutex is not given again. */
            if (q->holder != rtos.current || q->count) {
                portEXIT_CRITICAL();
                return pdFAIL;
            }
            if (q->type == queueQUEUE_TYPE_RECURSIVE_MUTEX && q->recursion > 1) {
                q->recursion--;
                portEXIT_CRITICAL();
                return pdPASS;
            }
            UBaseType_t was = rtos.current->prio;
            q->recursion = 0;
            mutex_released(q);
            q->count = 1;
            /* A waiter that outranks us, or our inherited priority gone: let the scheduler choose. */
            if ((posted(q) || rtos.current->prio < was) && configUSE_PREEMPTION)
                port_yield_within_api();
            portEXIT_CRITICAL();
            return pdPASS;
        }
        if (q->count < q->length || position == queueOVERWRITE) {
            UBaseType_t before = q->count;
            put(q, item, position);
            if ((q->count > before ? posted(q) : wake_one(&q->receivers)) && configUSE_PREEMPTION)
                port_yield_within_api();
            portEXIT_CRITICAL();
            return pdPASS;
        }
        if (!started) {
            rtos_timeout_start(&to, ticks);
            started = true;
        }
        TickType_t left = rtos_timeout_left(&to);
        if (left == 0) {
            portEXIT_CRITICAL();
            return errQUEUE_FULL;
        }
        rtos_block_current(&q->senders, left);
        portEXIT_CRITICAL(); /* runs again when woken or out of time: then look again */
    }
}

BaseType_t xQueueGenericSendFromISR(QueueHandle_t h, const void *item, BaseType_t *woken, BaseType_t position)
{
    struct QueueDefinition *q = check(h);

    configASSERT(!is_mutex(q)); /* a mutex is never given from an interrupt */
    if (q->count >= q->length && position != queueOVERWRITE)
        return errQUEUE_FULL;
    UBaseType_t before = q->count;
    put(q, item, position);
    if ((q->count > before ? posted(q) : wake_one(&q->receivers)) && woken)
        *woken = pdTRUE;
    return pdPASS;
}

BaseType_t xQueueGiveFromISR(QueueHandle_t h, BaseType_t *woken)
{
    return xQueueGenericSendFromISR(h, NULL, woken, queueSEND_TO_BACK);
}

static BaseType_t receive(QueueHandle_t h, void *buffer, TickType_t ticks, bool peek)
{
    struct QueueDefinition *q = check(h);
    struct rtos_timeout to;
    bool started = false, inherited = false;

    configASSERT(buffer != NULL || q->item_size == 0);
    rtos_assert_task_context();
    for (;;) {
        portENTER_CRITICAL();
        if (q->count) {
            take(q, buffer, peek);
            if (is_mutex(q)) {
                q->holder = rtos.current;
                q->recursion = 1;
                rtos.current->mutexes_held++;
            }
            if (!peek && wake_one(&q->senders) && configUSE_PREEMPTION)
                port_yield_within_api();
            if (peek && wake_one(&q->receivers) && configUSE_PREEMPTION) /* the item is still there */
                port_yield_within_api();
            portEXIT_CRITICAL();
            return pdPASS;
        }
        if (!started) {
            rtos_timeout_start(&to, ticks);
            started = true;
        }
        TickType_t left = rtos_timeout_left(&to);
        if (left == 0) {
            if (inherited)
                mutex_disinherit_after_timeout(q);
            portEXIT_CRITICAL();
            return errQUEUE_EMPTY;
        }
        if (is_mutex(q) && q->holder && q->holder->prio < rtos.current->prio) {
            rtos_set_priority(q->holder, rtos.current->prio); /* lend the holder our priority */
            inherited = true;
        }
        rtos_block_current(&q->receivers, left);
        portEXIT_CRITICAL();
    }
}

BaseType_t xQueueReceive(QueueHandle_t q, void *buffer, TickType_t ticks) { return receive(q, buffer, ticks, false); }
BaseType_t xQueuePeek(QueueHandle_t q, void *buffer, TickType_t ticks) { return receive(q, buffer, ticks, true); }
BaseType_t xQueueSemaphoreTake(QueueHandle_t q, TickType_t ticks) { return receive(q, NULL, ticks, false); }

BaseType_t xQueueReceiveFromISR(QueueHandle_t h, void *buffer, BaseType_t *woken)
{
    struct QueueDefinition *q = check(h);

    configASSERT(!is_mutex(q));
    if (!q->count)
        return pdFAIL;
    take(q, buffer, false);
    if (wake_one(&q->senders) && woken)
        *woken = pdTRUE;
    return pdPASS;
}

BaseType_t xQueuePeekFromISR(QueueHandle_t h, void *buffer)
{
    struct QueueDefinition *q = check(h);

    if (!q->count)
        return pdFAIL;
    take(q, buffer, true);
    return pdPASS;
}

BaseType_t xQueueTakeMutexRecursive(QueueHandle_t h, TickType_t ticks)
{
    struct QueueDefinition *q = check(h);

    configASSERT(q->type == queueQUEUE_TYPE_RECURSIVE_MUTEX);
    portENTER_CRITICAL();
    if (q->holder == rtos.current) {
        q->recursion++;
        portEXIT_CRITICAL();
        return pdPASS;
    }
    portEXIT_CRITICAL();
    return receive(h, NULL, ticks, false);
}

BaseType_t xQueueGiveMutexRecursive(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);

    configASSERT(q->type == queueQUEUE_TYPE_RECURSIVE_MUTEX);
    return xQueueGenericSend(h, NULL, 0, queueSEND_TO_BACK);
}

TaskHandle_t xQueueGetMutexHolder(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);

    portENTER_CRITICAL();
    TaskHandle_t t = is_mutex(q) ? q->holder : NULL;
    portEXIT_CRITICAL();
    return t;
}

TaskHandle_t xQueueGetMutexHolderFromISR(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);

    return is_mutex(q) ? q->holder : NULL;
}

UBaseType_t uxQueueMessagesWaiting(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);

    portENTER_CRITICAL();
    UBaseType_t n = q->count;
    portEXIT_CRITICAL();
    return n;
}

UBaseType_t uxQueueMessagesWaitingFromISR(QueueHandle_t h) { return check(h)->count; }

UBaseType_t uxQueueSpacesAvailable(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);

    portENTER_CRITICAL();
    UBaseType_t n = q->length - q->count;
    portEXIT_CRITICAL();
    return n;
}

BaseType_t xQueueIsQueueEmptyFromISR(QueueHandle_t h) { return check(h)->count == 0; }
BaseType_t xQueueIsQueueFullFromISR(QueueHandle_t h)
{
    struct QueueDefinition *q = check(h);
    return q->count == q->length;
}

BaseType_t xQueueGenericReset(QueueHandle_t h, BaseType_t new_queue)
{
    struct QueueDefinition *q = check(h);

    (void)new_queue;
    portENTER_CRITICAL();
    q->count = q->head = 0;
    if (wake_one(&q->senders) && configUSE_PREEMPTION) /* a sender that waited for room has some now */
        port_yield_within_api();
    portEXIT_CRITICAL();
    return pdPASS;
}

QueueSetHandle_t xQueueCreateSet(UBaseType_t length)
{
    return xQueueGenericCreate(length, sizeof(QueueSetMemberHandle_t), queueQUEUE_TYPE_BASE);
}

BaseType_t xQueueAddToSet(QueueSetMemberHandle_t member, QueueSetHandle_t set)
{
    struct QueueDefinition *q = check(member), *s = check(set);
    BaseType_t ok = pdFAIL;

    portENTER_CRITICAL();
    if (!q->set && q != s && q->count == 0) { /* empty (a mutex: taken), as FreeRTOS asks */
        q->set = s;
        ok = pdPASS;
    }
    portEXIT_CRITICAL();
    return ok;
}

BaseType_t xQueueRemoveFromSet(QueueSetMemberHandle_t member, QueueSetHandle_t set)
{
    struct QueueDefinition *q = check(member);
    BaseType_t ok = pdFAIL;

    portENTER_CRITICAL();
    if (q->set == check(set) && q->count == 0) {
        q->set = NULL;
        ok = pdPASS;
    }
    portEXIT_CRITICAL();
    return ok;
}

QueueSetMemberHandle_t xQueueSelectFromSet(QueueSetHandle_t set, TickType_t ticks)
{
    QueueSetMemberHandle_t member = NULL;

    return receive(set, &member, ticks, false) == pdPASS ? member : NULL;
}

QueueSetMemberHandle_t xQueueSelectFromSetFromISR(QueueSetHandle_t set)
{
    QueueSetMemberHandle_t member = NULL;

    return xQueueReceiveFromISR(set, &member, NULL) == pdPASS ? member : NULL;
}
