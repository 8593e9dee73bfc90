/*
 * Software timers: the timer service task keeps the active timers sorted by expiry and takes commands
 * (start, stop, reset, change period, delete, pended calls) from its queue; callbacks run in that task,
 * in expiry order (equal expiries in the order they were started).
 */
#include "rtos.h"
#include "queue.h"
#include "timers.h"
#include <string.h>

#define TIMER_MAGIC 0x7173e7a1

enum { CMD_START, CMD_STOP, CMD_RESET, CMD_CHANGE_PERIOD, CMD_DELETE, CMD_PEND };

struct tmrTimerControl {
    uint32_t magic;
    uint8_t auto_reload, static_mem, active;
    const char *name;
    TickType_t period;
    void *id;
    TimerCallbackFunction_t callback;
    struct rtos_node node; /* in the active list, key = expiry */
};
_Static_assert(sizeof(StaticTimer_t) >= sizeof(struct tmrTimerControl), "StaticTimer_t must hold a timer");

struct command {
    int op;
    TimerHandle_t timer;
    uint64_t issued; /* the tick the command was sent */
    TickType_t value;
    PendedFunction_t fn;
    void *p1;
    uint32_t p2;
};

static QueueHandle_t commands;
static struct rtos_list active;
static TaskHandle_t service;

static void ensure(void)
{
    if (commands)
        return;
    rtos_list_init(&active);
    commands = xQueueCreate(configTIMER_QUEUE_LENGTH, sizeof(struct command));
    configASSERT(commands != NULL);
}

static struct tmrTimerControl *check(TimerHandle_t t)
{
    configASSERT(t != NULL && t->magic == TIMER_MAGIC);
    return t;
}

static void init_timer(struct tmrTimerControl *t, const char *name, TickType_t period, BaseType_t auto_reload,
                       void *id, TimerCallbackFunction_t callback)
{
    configASSERT(period > 0);
    memset(t, 0, sizeof(*t));
    t->magic = TIMER_MAGIC;
    t->name = name;
    t->period = period;
    t->auto_reload = auto_reload != pdFALSE;
    t->id = id;
    t->callback = callback;
}

TimerHandle_t xTimerCreate(const char *name, TickType_t period, BaseType_t auto_reload, void *id,
                           TimerCallbackFunction_t callback)
{
    struct tmrTimerControl *t;

    ensure();
    if (!(t = pvPortMalloc(sizeof(*t)))) {
        return NULL;
    }
    init_timer(t, name, period, auto_reload, id, callback);
    return t;
}

TimerHandle_t xTimerCreateStatic(const char *name, TickType_t period, BaseType_t auto_reload, void *id,
                                 TimerCallbackFunction_t callback, StaticTimer_t *buffer)
{
    configASSERT(buffer != NULL);
    ensure();
    init_timer((struct tmrTimerControl *)buffer, name, period, auto_reload, id, callback);
    ((struct tmrTimerControl *)buffer)->static_mem = 1;
    return (TimerHandle_t)buffer;
}

static BaseType_t send(struct command *c, TickType_t ticks)
{
    configASSERT(commands != NULL); /* configUSE_TIMERS is 1 and the timers were set up */
    c->issued = rtos.ticks;
    return xQueueSend(commands, c, rtos.running ? ticks : 0);
}

static BaseType_t send_isr(struct command *c, BaseType_t *woken)
{
    configASSERT(commands != NULL);
    c->issued = rtos.ticks;
    return xQueueSendFromISR(commands, c, woken);
}

BaseType_t xTimerStart(TimerHandle_t t, TickType_t ticks)
{
    struct command c = {.op = CMD_START, .timer = check(t)};
    return send(&c, ticks);
}
BaseType_t xTimerStop(TimerHandle_t t, TickType_t ticks)
{
    struct command c = {.op = CMD_STOP, .timer = check(t)};
    return send(&c, ticks);
}
BaseType_t xTimerReset(TimerHandle_t t, TickType_t ticks)
{
    struct command c = {.op = CMD_RESET, .timer = check(t)};
    return send(&c, ticks);
}
BaseType_t xTimerChangePeriod(TimerHandle_t t, TickType_t period, TickType_t ticks)
{
    configASSERT(period > 0);
    struct command c = {.op = CMD_CHANGE_PERIOD, .timer = check(t), .value = period};
    return send(&c, ticks);
}
BaseType_t xTimerDelete(TimerHandle_t t, TickType_t ticks)
{
    struct command c = {.op = CMD_DELETE, .timer = check(t)};
    return send(&c, ticks);
}
BaseType_t xTimerStartFromISR(TimerHandle_t t, BaseType_t *woken)
{
    struct command c = {.op = CMD_START, .timer = check(t)};
    return send_isr(&c, woken);
}
BaseType_t xTimerStopFromISR(TimerHandle_t t, BaseType_t *woken)
{
    struct command c = {.op = CMD_STOP, .timer = check(t)};
    return send_isr(&c, woken);
}
BaseType_t xTimerResetFromISR(TimerHandle_t t, BaseType_t *woken)
{
    struct command c = {.op = CMD_RESET, .timer = check(t)};
    return send_isr(&c, woken);
}
BaseType_t xTimerChangePeriodFromISR(TimerHandle_t t, TickType_t period, BaseType_t *woken)
{
    struct command c = {.op = CMD_CHANGE_PERIOD, .timer = check(t), .value = period};
    return send_isr(&c, woken);
}
BaseType_t xTimerPendFunctionCall(PendedFunction_t fn, void *p1, uint32_t p2, TickType_t ticks)
{
    struct command c = {.op = CMD_PEND, .fn = fn, .p1 = p1, .p2 = p2};
    return send(&c, ticks);
}
BaseType_t xTimerPendFunctionCallFromISR(PendedFunction_t fn, void *p1, uint32_t p2, BaseType_t *woken)
{
    struct command c = {.op = CMD_PEND, .fn = fn, .p1 = p1, .p2 = p2};
    return send_isr(&c, woken);
}

BaseType_t xTimerIsTimerActive(TimerHandle_t t)
{
    portENTER_CRITICAL();
    BaseType_t a = check(t)->active;
    portEXIT_CRITICAL();
    return a;
}
void *pvTimerGetTimerID(TimerHandle_t t) { return check(t)->id; }
void vTimerSetTimerID(TimerHandle_t t, void *id) { check(t)->id = id; }
const char *pcTimerGetName(TimerHandle_t t) { return check(t)->name; }
TickType_t xTimerGetPeriod(TimerHandle_t t) { return check(t)->period; }
TickType_t xTimerGetExpiryTime(TimerHandle_t t) { return (TickType_t)check(t)->node.key; }
BaseType_t xTimerGetReloadMode(TimerHandle_t t) { return check(t)->auto_reload; }
void vTimerSetReloadMode(TimerHandle_t t, BaseType_t r) { check(t)->auto_reload = r != pdFALSE; }
TaskHandle_t xTimerGetTimerDaemonTaskHandle(void) { return service; }

static void arm(struct tmrTimerControl *t, uint64_t expiry)
{
    rtos_list_remove(&t->node);
    rtos_list_insert_sorted(&active, &t->node, t, expiry);
    t->active = 1;
}

static void disarm(struct tmrTimerControl *t)
{
    rtos_list_remove(&t->node);
    t->active = 0;
}

static void run_command(const struct command *c)
{
    struct tmrTimerControl *t = c->timer;

    if (c->op == CMD_PEND) {
        c->fn(c->p1, c->p2);
        return;
    }
    if (!t || t->magic != TIMER_MAGIC)
        return; /* deleted after the command was sent */
    switch (c->op) {
    case CMD_START:
    case CMD_RESET: arm(t, c->issued + t->period); break;
    case CMD_STOP: disarm(t); break;
    case CMD_CHANGE_PERIOD:
        t->period = c->value;
        arm(t, c->issued + t->period);
        break;
    case CMD_DELETE:
        disarm(t);
        t->magic = 0;
        if (!t->static_mem)
            vPortFree(t);
        break;
    }
}

/* Run the callbacks of the timers due: true if one was. */
static bool expire(void)
{
    struct tmrTimerControl *t = rtos_list_first(&active);

    if (!t || t->node.key > rtos.ticks)
        return false;
    uint64_t due = t->node.key;
    if (t->auto_reload)
        arm(t, due + t->period); /* from when it was due, so the period does not drift */
    else
        disarm(t);
    t->callback(t);
    return true;
}

/* Run what is due and the commands waiting; the ticks until the next expiry (portMAX_DELAY: none). */
TickType_t rtos_timers_poll(void)
{
    struct command c;

    for (;;) {
        while (expire())
            ;
        if (xQueueReceive(commands, &c, 0) != pdPASS)
            break;
        run_command(&c);
    }
    struct tmrTimerControl *next = rtos_list_first(&active);
    if (!next)
        return portMAX_DELAY;
    uint64_t now = rtos.ticks;
    return next->node.key > now ? (TickType_t)(next->node.key - now) : 0;
}

static void service_task(void *arg)
{
    struct command c;

    (void)arg;
    for (;;) {
        TickType_t wait = rtos_timers_poll();
        if (wait && xQueuePeek(commands, &c, wait) == pdPASS)
            continue; /* a command came: run it (and whatever is due) on the next round */
    }
}

void rtos_timers_init(void)
{
    ensure();
    service = rtos_create(service_task, "Tmr Svc", configTIMER_TASK_STACK_DEPTH * sizeof(StackType_t), NULL,
                          configTIMER_TASK_PRIORITY, NULL, NULL);
    configASSERT(service != NULL);
}
