/*
 * Tasks and the scheduler: fixed priorities, preemption (configUSE_PREEMPTION), time slicing among equal
 * priorities (configUSE_TIME_SLICING), delays, suspension and the idle task. The port decides when the
 * switch happens (port/port.c); this file decides which task it is (rtos_pick).
 */
#include "rtos.h"
#include <string.h>

struct rtos_sched rtos;

/* Once (the lists are set up when `all` is): before the first task, or after a test cleared rtos. */
static void init(void)
{
    if (rtos.all.end.next)
        return;
    for (unsigned p = 0; p < configMAX_PRIORITIES; p++)
        rtos_list_init(&rtos.ready[p]);
    rtos_list_init(&rtos.delayed);
    rtos_list_init(&rtos.suspended);
    rtos_list_init(&rtos.pending_ready);
    rtos_list_init(&rtos.terminated);
    rtos_list_init(&rtos.all);
}

rtos_task *rtos_task_of(TaskHandle_t h)
{
    rtos_task *t = h ? h : rtos.current;

    configASSERT(t != NULL && t->magic == RTOS_TASK_MAGIC);
    return t;
}

static void add_ready(rtos_task *t)
{
    rtos_list_append(&rtos.ready[t->prio], &t->state_node, t);
    rtos.ready_mask |= 1ull << t->prio;
}

static void remove_state(rtos_task *t)
{
    struct rtos_list *l = t->state_node.list;

    rtos_list_remove(&t->state_node);
    if (l && l >= &rtos.ready[0] && l < &rtos.ready[configMAX_PRIORITIES] && l->count == 0)
        rtos.ready_mask &= ~(1ull << (l - rtos.ready));
}

static bool is_ready(const rtos_task *t)
{
    return t->state_node.list == &rtos.ready[t->prio];
}

static UBaseType_t top_priority(void)
{
    return rtos.ready_mask ? 63 - (UBaseType_t)__builtin_clzll(rtos.ready_mask) : 0;
}

rtos_task *rtos_create(TaskFunction_t fn, const char *name, size_t stack_bytes, void *arg, UBaseType_t prio,
                       StackType_t *static_stack, StaticTask_t *static_tcb)
{
    rtos_task *t;

    _Static_assert(sizeof(StaticTask_t) >= sizeof(rtos_task), "StaticTask_t must hold a task");
    init();
    configASSERT(fn != NULL);
    configASSERT(prio < configMAX_PRIORITIES);
    if (static_tcb)
        t = (rtos_task *)static_tcb;
    else if (!(t = pvPortMalloc(sizeof(*t))))
        return NULL;
    memset(t, 0, sizeof(*t));
    t->static_tcb = static_tcb != NULL;
    portENTER_CRITICAL(); /* the port's allocators are shared with the interrupt context */
    bool prepared = port_task_prepare(t, stack_bytes, static_stack);
    portEXIT_CRITICAL();
    if (!prepared) {
        if (!static_tcb)
            vPortFree(t);
        rtos_malloc_failed();
        return NULL;
    }
    t->magic = RTOS_TASK_MAGIC;
    strncpy(t->name, name ? name : "", sizeof(t->name) - 1);
    t->prio = t->base_prio = prio;
    t->fn = fn;
    t->arg = arg;
    portENTER_CRITICAL();
    port_task_setup(t);
    t->number = ++rtos.next_number;
    rtos_list_append(&rtos.all, &t->all_node, t);
    rtos.tasks++;
    add_ready(t);
    if (!rtos.current) {
        rtos.current = t;
    } else if (rtos.running && t->prio > rtos.current->prio && configUSE_PREEMPTION) {
        port_yield_within_api();
    } else if (!rtos.running && t->prio >= rtos.current->prio) {
        rtos.current = t; /* before the start, the highest (latest among equals) runs first */
    }
    portEXIT_CRITICAL();
    return t;
}

BaseType_t xTaskCreate(TaskFunction_t code, const char *name, configSTACK_DEPTH_TYPE depth, void *params,
                       UBaseType_t priority, TaskHandle_t *created)
{
    rtos_task *t = rtos_create(code, name, (size_t)depth * sizeof(StackType_t), params, priority, NULL, NULL);

    if (created)
        *created = t;
    return t ? pdPASS : errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
}

TaskHandle_t xTaskCreateStatic(TaskFunction_t code, const char *name, uint32_t depth, void *params,
                               UBaseType_t priority, StackType_t *stack, StaticTask_t *tcb)
{
    configASSERT(stack != NULL && tcb != NULL);
    return rtos_create(code, name, (size_t)depth * sizeof(StackType_t), params, priority, stack, tcb);
}

/* Take the current task off the ready list: until woken from wait_list (if any) or ticks pass. */
void rtos_block_current(struct rtos_list *wait_list, TickType_t ticks)
{
    rtos_task *t = rtos.current;

    configASSERT(rtos.suspended_count == 0); /* a task cannot block while the scheduler is suspended */
    remove_state(t);
    t->wake = WAKE_NONE;
    if (wait_list)
        rtos_list_insert_sorted(wait_list, &t->event_node, t, configMAX_PRIORITIES - t->prio);
    rtos_list_insert_sorted(&rtos.delayed, &t->state_node, t,
                            ticks == portMAX_DELAY ? UINT64_MAX : rtos.ticks + ticks);
    port_yield_within_api();
}

bool rtos_unblock(rtos_task *t, enum rtos_wake why)
{
    remove_state(t);
    rtos_list_remove(&t->event_node);
    t->wake = (uint8_t)why;
    if (rtos.suspended_count)
        rtos_list_append(&rtos.pending_ready, &t->state_node, t);
    else
        add_ready(t);
    return rtos.current && t->prio > rtos.current->prio;
}

void rtos_set_priority(rtos_task *t, UBaseType_t prio)
{
    if (t->prio == prio)
        return;
    if (is_ready(t)) {
        remove_state(t);
        t->prio = prio;
        add_ready(t);
    } else {
        t->prio = prio;
    }
    if (t->event_node.list) { /* keep its wait list in priority order */
        struct rtos_list *l = t->event_node.list;
        rtos_list_remove(&t->event_node);
        rtos_list_insert_sorted(l, &t->event_node, t, configMAX_PRIORITIES - prio);
    }
}

bool rtos_tick(void)
{
    bool sw = false;
    rtos_task *t;

    if (rtos.suspended_count) {
        rtos.pended_ticks++;
        return false;
    }
    rtos.ticks++;
    while ((t = rtos_list_first(&rtos.delayed)) && t->state_node.key <= rtos.ticks)
        sw |= rtos_unblock(t, WAKE_TIMEOUT);
    if (configUSE_PREEMPTION && configUSE_TIME_SLICING && rtos.current && is_ready(rtos.current) &&
        rtos.ready[rtos.current->prio].count > 1) {
        rtos.yield_requested = true;
        sw = true;
    }
#if configUSE_TICK_HOOK
    vApplicationTickHook();
#endif
    return sw && configUSE_PREEMPTION;
}

rtos_task *rtos_pick(void)
{
    rtos_task *cur = rtos.current, *next;
    bool rotate = rtos.yield_requested;

    rtos.yield_requested = false;
    if (cur && is_ready(cur)) {
        if (rtos.suspended_count)
            return cur;
        if (rotate) { /* to the back of its priority's list */
            remove_state(cur);
            add_ready(cur);
        } else if (!configUSE_PREEMPTION || cur->prio >= top_priority()) {
            return cur;
        }
    }
    configASSERT(rtos.ready_mask != 0); /* the idle task is always ready to run */
    next = rtos_list_first(&rtos.ready[top_priority()]);
    rtos.current = next;
    return next;
}

void rtos_reap(void)
{
    rtos_task *t;

    while ((t = rtos_list_first(&rtos.terminated)) && t != rtos.current) {
        rtos_list_remove(&t->state_node);
        port_task_release(t);
        t->magic = 0;
        if (!t->static_tcb)
            vPortFree(t);
    }
}

void rtos_timeout_start(struct rtos_timeout *to, TickType_t ticks)
{
    to->forever = ticks == portMAX_DELAY;
    to->deadline = rtos.ticks + ticks;
}

TickType_t rtos_timeout_left(const struct rtos_timeout *to)
{
    if (to->forever)
        return portMAX_DELAY;
    return rtos.ticks >= to->deadline ? 0 : (TickType_t)(to->deadline - rtos.ticks);
}

void vTaskDelete(TaskHandle_t h)
{
    rtos_task *t;

    rtos_assert_task_context();
    portENTER_CRITICAL();
    t = rtos_task_of(h);
    configASSERT(t != rtos.idle);
    rtos_remove_task(t);
    if (t == rtos.current && rtos.running)
        port_yield_within_api();
    portEXIT_CRITICAL();
}

void rtos_remove_task(rtos_task *t)
{
    remove_state(t);
    rtos_list_remove(&t->event_node);
    rtos_list_remove(&t->all_node);
    rtos_list_append(&rtos.terminated, &t->state_node, t);
    rtos.tasks--;
}

void vTaskDelay(TickType_t ticks)
{
    rtos_assert_task_context();
    portENTER_CRITICAL();
    if (ticks > 0)
        rtos_block_current(NULL, ticks);
    else
        rtos.yield_requested = true, port_yield_within_api();
    portEXIT_CRITICAL();
}

BaseType_t xTaskDelayUntil(TickType_t *previous_wake, TickType_t increment)
{
    BaseType_t delayed = pdFALSE;

    configASSERT(previous_wake != NULL && increment > 0);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    TickType_t now = (TickType_t)rtos.ticks, elapsed = now - *previous_wake;
    if (elapsed < increment) { /* the next release is still ahead (modulo the tick counter's wrap) */
        rtos_block_current(NULL, increment - elapsed);
        delayed = pdTRUE;
    }
    *previous_wake += increment;
    portEXIT_CRITICAL();
    return delayed;
}

BaseType_t xTaskAbortDelay(TaskHandle_t h)
{
    BaseType_t done = pdFALSE;

    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    if (t->state_node.list == &rtos.delayed) {
        if (rtos_unblock(t, WAKE_ABORT))
            port_yield_within_api();
        done = pdTRUE;
    }
    portEXIT_CRITICAL();
    return done;
}

TickType_t xTaskGetTickCount(void) { return (TickType_t)rtos.ticks; }
TickType_t xTaskGetTickCountFromISR(void) { return (TickType_t)rtos.ticks; }

UBaseType_t uxTaskPriorityGet(TaskHandle_t h)
{
    portENTER_CRITICAL();
    UBaseType_t p = rtos_task_of(h)->prio;
    portEXIT_CRITICAL();
    return p;
}

UBaseType_t uxTaskPriorityGetFromISR(TaskHandle_t h) { return rtos_task_of(h)->prio; }

void vTaskPrioritySet(TaskHandle_t h, UBaseType_t prio)
{
    rtos_assert_task_context();
    if (prio >= configMAX_PRIORITIES)
        prio = configMAX_PRIORITIES - 1;
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    UBaseType_t was = t->prio;
    /* While it holds a mutex with an inherited priority, the inherited one stays unless the new is higher. */
    if (t->prio == t->base_prio || prio > t->prio)
        rtos_set_priority(t, prio);
    t->base_prio = prio;
    if (rtos.running && ((t != rtos.current && is_ready(t) && t->prio > rtos.current->prio) ||
                         (t == rtos.current && t->prio < was)))
        port_yield_within_api();
    portEXIT_CRITICAL();
}

void vTaskSuspend(TaskHandle_t h)
{
    rtos_assert_task_context();
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    remove_state(t);
    rtos_list_remove(&t->event_node);
    for (unsigned i = 0; i < configTASK_NOTIFICATION_ARRAY_ENTRIES; i++)
        if (t->notify_state[i] == NOTIFY_WAITING)
            t->notify_state[i] = NOTIFY_NONE;
    rtos_list_append(&rtos.suspended, &t->state_node, t);
    if (t == rtos.current && rtos.running)
        port_yield_within_api();
    portEXIT_CRITICAL();
}

void vTaskResume(TaskHandle_t h)
{
    rtos_assert_task_context();
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    if (t->state_node.list == &rtos.suspended && rtos_unblock(t, WAKE_ABORT) && configUSE_PREEMPTION)
        port_yield_within_api();
    portEXIT_CRITICAL();
}

BaseType_t xTaskResumeFromISR(TaskHandle_t h)
{
    rtos_task *t = rtos_task_of(h);

    if (t->state_node.list != &rtos.suspended)
        return pdFALSE;
    return rtos_unblock(t, WAKE_ABORT) ? pdTRUE : pdFALSE;
}

void vTaskSuspendAll(void)
{
    portENTER_CRITICAL();
    rtos.suspended_count++;
    portEXIT_CRITICAL();
}

BaseType_t xTaskResumeAll(void)
{
    BaseType_t yielded = pdFALSE;
    rtos_task *t;

    portENTER_CRITICAL();
    configASSERT(rtos.suspended_count > 0);
    if (--rtos.suspended_count == 0) {
        bool sw = false;
        while ((t = rtos_list_first(&rtos.pending_ready))) {
            rtos_list_remove(&t->state_node);
            add_ready(t);
            sw |= rtos.current && t->prio > rtos.current->prio;
        }
        for (; rtos.pended_ticks; rtos.pended_ticks--)
            sw |= rtos_tick();
        if (sw && rtos.running && configUSE_PREEMPTION) {
            port_yield_within_api();
            yielded = pdTRUE;
        }
    }
    portEXIT_CRITICAL();
    return yielded;
}

TaskHandle_t xTaskGetCurrentTaskHandle(void) { return rtos.current; }
TaskHandle_t xTaskGetIdleTaskHandle(void) { return rtos.idle; }

TaskHandle_t xTaskGetHandle(const char *name)
{
    struct rtos_node *n;
    TaskHandle_t found = NULL;

    portENTER_CRITICAL();
    for (n = rtos.all.end.next; n != &rtos.all.end && !found; n = n->next)
        if (strncmp(((rtos_task *)n->owner)->name, name, configMAX_TASK_NAME_LEN) == 0)
            found = n->owner;
    portEXIT_CRITICAL();
    return found;
}

char *pcTaskGetName(TaskHandle_t h) { return rtos_task_of(h)->name; }
UBaseType_t uxTaskGetNumberOfTasks(void) { return rtos.tasks; }

eTaskState eTaskGetState(TaskHandle_t h)
{
    rtos_task *t = h;
    eTaskState s = eInvalid;
    struct rtos_list *l;

    if (!t || t->magic != RTOS_TASK_MAGIC)
        return eDeleted; /* freed: its memory may be anything now */
    portENTER_CRITICAL();
    l = t->state_node.list;
    if (t == rtos.current && is_ready(t))
        s = eRunning;
    else if (is_ready(t) || l == &rtos.pending_ready)
        s = eReady;
    else if (l == &rtos.delayed)
        s = eBlocked;
    else if (l == &rtos.suspended)
        s = eSuspended;
    else if (l == &rtos.terminated)
        s = eDeleted;
    portEXIT_CRITICAL();
    return s;
}

BaseType_t xTaskGetSchedulerState(void)
{
    if (!rtos.running)
        return taskSCHEDULER_NOT_STARTED;
    return rtos.suspended_count ? taskSCHEDULER_SUSPENDED : taskSCHEDULER_RUNNING;
}

static void idle_task(void *arg)
{
    void port_idle(void);
    (void)arg;
    for (;;) {
#if configUSE_IDLE_HOOK
        vApplicationIdleHook();
#endif
        port_idle();
    }
}

void vTaskStartScheduler(void)
{
    rtos_task *idle;

    init();
#if configSUPPORT_STATIC_ALLOCATION && !configSUPPORT_DYNAMIC_ALLOCATION
    StaticTask_t *tcb;
    StackType_t *stack;
    uint32_t depth;
    vApplicationGetIdleTaskMemory(&tcb, &stack, &depth);
    idle = rtos_create(idle_task, "IDLE", depth * sizeof(StackType_t), NULL, tskIDLE_PRIORITY, stack, tcb);
#else
    idle = rtos_create(idle_task, "IDLE", configMINIMAL_STACK_SIZE * sizeof(StackType_t), NULL, tskIDLE_PRIORITY,
                       NULL, NULL);
#endif
    if (!idle)
        return; /* as FreeRTOS: vTaskStartScheduler returns only when the idle task cannot be made */
    rtos.idle = idle;
#if configUSE_TIMERS
    rtos_timers_init();
#endif
    rtos.running = true;
    port_start_scheduler();
}

void vTaskEndScheduler(void)
{
    port_end_scheduler(RTOS_EXIT_END_SCHEDULER);
}

/* Words at the bottom of the stack never written: stacks start zeroed (a static one from the port's
   pattern on), so the first non-zero word from the bottom is the deepest the task has reached. */
UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t h)
{
    rtos_task *t = rtos_task_of(h);
    size_t n = 0, words = t->stack_bytes / sizeof(StackType_t);

    if (!t->stack)
        return 0;
    while (n < words && (t->stack[n] == 0 || t->stack[n] == (StackType_t)0xa5a5a5a5a5a5a5a5ull))
        n++;
    return n;
}
