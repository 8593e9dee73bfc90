/*
 * Synchronisation, checked from inside: priority inheritance in the classic inversion, recursive
 * mutexes, queues between tasks, queue sets, notifications (and their indices), event group sync, an
 * interrupt handing work to a task, timers' order and periods, and running out of heap.
 */
#include "../check.h"
#include "event_groups.h"
#include "queue.h"
#include "semphr.h"
#include "timers.h"
#include <string.h>

/* Ticks a check allows beyond the exact figure: the tick is counted from the clock, and QEMU on a busy
   machine may run the guest late (the order of events is exact; the host tests check exact counts). */
#define SLACK 40

static char trace[160];
static void note(const char *s)
{
    taskENTER_CRITICAL();
    strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
    taskEXIT_CRITICAL();
}

/* Let lower-priority tasks run until cond holds (or a long while passed): no assumption on speed. */
#define WAIT_UNTIL(cond)                                                                                    \
    do {                                                                                                    \
        for (int w_ = 0; w_ < 2000 && !(cond); w_++)                                                         \
            vTaskDelay(1);                                                                                  \
    } while (0)

/* ---- priority inversion: low holds the mutex high wants, medium is ready to run ---- */
static SemaphoreHandle_t mutex;
static volatile int go;
static TaskHandle_t low_task;

static void low(void *arg)
{
    (void)arg;
    xSemaphoreTake(mutex, portMAX_DELAY);
    note("L1 ");
    while (!go)
        ; /* holds the mutex, working */
    note("L2 ");
    xSemaphoreGive(mutex);
    note("L3 ");
    vTaskDelete(NULL);
}
static void high(void *arg)
{
    (void)arg;
    note("H1 ");
    xSemaphoreTake(mutex, portMAX_DELAY);
    note("H2 ");
    xSemaphoreGive(mutex);
    vTaskDelete(NULL);
}
static void medium(void *arg)
{
    (void)arg;
    note("M1 ");
    vTaskDelete(NULL);
}

static void inversion(void)
{
    mutex = xSemaphoreCreateMutex();
    xTaskCreate(low, "low", configMINIMAL_STACK_SIZE, NULL, 1, &low_task);
    WAIT_UNTIL(strstr(trace, "L1")); /* low takes the mutex and works */
    xTaskCreate(high, "high", configMINIMAL_STACK_SIZE, NULL, 3, NULL);
    xTaskCreate(medium, "medium", configMINIMAL_STACK_SIZE, NULL, 2, NULL);
    WAIT_UNTIL(strstr(trace, "H1")); /* high blocks on the mutex; low inherits its priority */
    vTaskDelay(5);                   /* medium is ready all along: without inheritance it would run */
    CHECK(uxTaskPriorityGet(low_task) == 3, "the holder inherited priority 3 (has %u)",
          (unsigned)uxTaskPriorityGet(low_task));
    CHECK(strcmp(trace, "L1 H1 ") == 0, "medium has not run: %s", trace);
    go = 1;
    WAIT_UNTIL(strstr(trace, "L3"));
    CHECK(strcmp(trace, "L1 H1 L2 H2 M1 L3 ") == 0, "inversion bounded: %s", trace);
}

/* ---- recursive mutex ---- */
static SemaphoreHandle_t rec;
static volatile int other_got = -1;
static void other(void *arg)
{
    (void)arg;
    other_got = xSemaphoreTakeRecursive(rec, 0);
    vTaskDelete(NULL);
}
static void recursive(void)
{
    rec = xSemaphoreCreateRecursiveMutex();
    for (int i = 0; i < 3; i++)
        xSemaphoreTakeRecursive(rec, 0);
    xSemaphoreGiveRecursive(rec);
    xSemaphoreGiveRecursive(rec);
    xTaskCreate(other, "other", configMINIMAL_STACK_SIZE, NULL, 5, NULL);
    CHECK(other_got == pdFALSE, "held once more: another task cannot take it");
    CHECK(xSemaphoreGiveRecursive(rec) == pdPASS, "the last give");
    CHECK(xSemaphoreGiveRecursive(rec) == pdFAIL, "one give too many fails");
    other_got = -1;
    xTaskCreate(other, "other", configMINIMAL_STACK_SIZE, NULL, 5, NULL);
    CHECK(other_got == pdTRUE, "now another task takes it");
}

/* ---- a queue to a higher-priority receiver ---- */
static QueueHandle_t q;
static void receiver(void *arg)
{
    int v;
    char buf[16];
    (void)arg;
    for (int i = 0; i < 3; i++) {
        xQueueReceive(q, &v, portMAX_DELAY);
        snprintf(buf, sizeof(buf), "r%d ", v);
        note(buf);
    }
    vTaskDelete(NULL);
}
static void queues(void)
{
    trace[0] = 0;
    q = xQueueCreate(3, sizeof(int));
    xTaskCreate(receiver, "receiver", configMINIMAL_STACK_SIZE, NULL, 5, NULL);
    for (int i = 1; i <= 3; i++) {
        char buf[16];
        snprintf(buf, sizeof(buf), "s%d ", i);
        note(buf);
        xQueueSend(q, &i, portMAX_DELAY);
    }
    CHECK(strcmp(trace, "s1 r1 s2 r2 s3 r3 ") == 0, "each send woke the receiver at once: %s", trace);
}

/* ---- notifications ---- */
static TaskHandle_t counter_task;
static volatile uint32_t counted, bits_seen;
static void counter(void *arg)
{
    (void)arg;
    counted = ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    uint32_t v = 0;
    xTaskNotifyWait(0, 0xffffffffu, &v, portMAX_DELAY);
    bits_seen = v;
    vTaskDelete(NULL);
}
static void notifications(void)
{
    xTaskCreate(counter, "counter", configMINIMAL_STACK_SIZE, NULL, 1, &counter_task);
    WAIT_UNTIL(eTaskGetState(counter_task) == eBlocked);
    xTaskNotifyGive(counter_task);
    xTaskNotifyGive(counter_task);
    xTaskNotifyGive(counter_task);
    WAIT_UNTIL(counted != 0);
    CHECK(counted == 3, "ulTaskNotifyTake counted 3 gives (%u)", (unsigned)counted);
    WAIT_UNTIL(eTaskGetState(counter_task) == eBlocked);
    xTaskNotify(counter_task, 0x5, eSetBits);
    xTaskNotify(counter_task, 0x10, eSetBits);
    WAIT_UNTIL(bits_seen != 0);
    CHECK(bits_seen == 0x15, "xTaskNotifyWait saw the bits 0x15 (%#x)", (unsigned)bits_seen);
}

/* Indices: a task waiting on index 1 is not woken by index 0 or 2, and each index keeps its own value. */
static TaskHandle_t indexed_task;
static volatile uint32_t index1_value, index0_left;
static void indexed(void *arg)
{
    (void)arg;
    uint32_t v = 0;
    xTaskNotifyWaitIndexed(1, 0, 0xffffffffu, &v, portMAX_DELAY);
    index1_value = v;
    index0_left = ulTaskNotifyTakeIndexed(0, pdTRUE, 0);
    vTaskDelete(NULL);
}
static void notification_indices(void)
{
    xTaskCreate(indexed, "indexed", configMINIMAL_STACK_SIZE, NULL, 3, &indexed_task);
    WAIT_UNTIL(eTaskGetState(indexed_task) == eBlocked);
    xTaskNotifyGiveIndexed(indexed_task, 0);
    xTaskNotifyGiveIndexed(indexed_task, 0);
    xTaskNotifyIndexed(indexed_task, 2, 0x77, eSetValueWithOverwrite);
    CHECK(eTaskGetState(indexed_task) == eBlocked && index1_value == 0,
          "notifications to indices 0 and 2 leave a task waiting on index 1 blocked");
    uint32_t before = 0;
    xTaskNotifyAndQueryIndexed(indexed_task, 1, 0x300, eSetBits, &before);
    WAIT_UNTIL(index1_value != 0);
    CHECK(index1_value == 0x300 && before == 0, "index 1 woke it with its own value (%#x)", (unsigned)index1_value);
    CHECK(index0_left == 2, "index 0 kept its two gives (%u)", (unsigned)index0_left);
    CHECK(ulTaskNotifyValueClearIndexed(NULL, 2, 0) == 0, "the current task's index 2 is untouched");
}

/* ---- queue sets ---- */
static QueueSetHandle_t set;
static QueueHandle_t set_q1, set_q2;
static SemaphoreHandle_t set_sem;
static char set_trace[64];
static void selector(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        QueueSetMemberHandle_t m = xQueueSelectFromSet(set, portMAX_DELAY);
        int v = 0;
        if (m == set_q1 && xQueueReceive(set_q1, &v, 0) == pdPASS)
            strncat(set_trace, v == 1 ? "q1:1 " : "q1:? ", sizeof(set_trace) - strlen(set_trace) - 1);
        else if (m == set_q2 && xQueueReceive(set_q2, &v, 0) == pdPASS)
            strncat(set_trace, v == 2 ? "q2:2 " : v == 3 ? "q2:3 " : "q2:? ",
                    sizeof(set_trace) - strlen(set_trace) - 1);
        else if (m == set_sem && xSemaphoreTake(set_sem, 0) == pdPASS)
            strncat(set_trace, "sem ", sizeof(set_trace) - strlen(set_trace) - 1);
        else
            strncat(set_trace, "? ", sizeof(set_trace) - strlen(set_trace) - 1);
    }
    vTaskDelete(NULL);
}
static void queue_sets(void)
{
    set = xQueueCreateSet(2 + 2 + 1);
    set_q1 = xQueueCreate(2, sizeof(int));
    set_q2 = xQueueCreate(2, sizeof(int));
    set_sem = xSemaphoreCreateBinary();
    CHECK(set && set_q1 && set_q2 && set_sem, "a set of two queues and a semaphore");
    CHECK(xQueueAddToSet(set_q1, set) == pdPASS && xQueueAddToSet(set_q2, set) == pdPASS &&
              xQueueAddToSet(set_sem, set) == pdPASS, "its members join while empty");
    CHECK(xQueueAddToSet(set_q1, set) == pdFAIL, "a member joins one set once");
    TickType_t t = xTaskGetTickCount();
    CHECK(xQueueSelectFromSet(set, 5) == NULL && xTaskGetTickCount() - t >= 5,
          "selecting from an empty set times out with NULL");
    int one = 1, two = 2, three = 3;
    xQueueSend(set_q2, &two, 0);
    xQueueSend(set_q1, &one, 0);
    xQueueSend(set_q2, &three, 0);
    xSemaphoreGive(set_sem);
    xTaskCreate(selector, "selector", configMINIMAL_STACK_SIZE, NULL, 3, NULL);
    WAIT_UNTIL(strlen(set_trace) >= 18);
    CHECK(strcmp(set_trace, "q2:2 q1:1 q2:3 sem ") == 0, "the set gave the members in the order items came: %s",
          set_trace);
    int x = 9;
    xQueueSend(set_q1, &x, 0);
    CHECK(xQueueRemoveFromSet(set_q1, set) == pdFAIL, "a member with an item cannot leave");
    CHECK(xQueueSelectFromSet(set, 0) == set_q1 && xQueueReceive(set_q1, &x, 0) == pdPASS && x == 9,
          "an item sent to a member has the set select it at once");
    CHECK(xQueueRemoveFromSet(set_q1, set) == pdPASS && xQueueRemoveFromSet(set_q2, set) == pdPASS &&
              xQueueRemoveFromSet(set_sem, set) == pdPASS, "empty members leave");
    xQueueSend(set_q1, &x, 0);
    CHECK(xQueueSelectFromSet(set, 0) == NULL, "and what they receive then no longer reaches the set");
    xQueueReceive(set_q1, &x, 0);
    vQueueDelete(set_q1);
    vQueueDelete(set_q2);
    vSemaphoreDelete(set_sem);
    vQueueDelete(set);
}

/* ---- event group rendezvous ---- */
static EventGroupHandle_t group;
static volatile EventBits_t synced[3];
static void party(void *arg)
{
    int i = (int)(intptr_t)arg;
    vTaskDelay((TickType_t)(i * 3));
    synced[i] = xEventGroupSync(group, 1u << i, 0x7, portMAX_DELAY);
    vTaskDelete(NULL);
}
static void event_groups(void)
{
    group = xEventGroupCreate();
    for (int i = 0; i < 3; i++)
        xTaskCreate(party, "party", configMINIMAL_STACK_SIZE, (void *)(intptr_t)i, 2, NULL);
    WAIT_UNTIL(synced[0] && synced[1] && synced[2]);
    CHECK((synced[0] & 7) == 7 && (synced[1] & 7) == 7 && (synced[2] & 7) == 7, "all three passed the rendezvous");
    CHECK(xEventGroupGetBits(group) == 0, "and the bits were cleared");
    TickType_t t = xTaskGetTickCount();
    EventBits_t b = xEventGroupWaitBits(group, 0x8, pdTRUE, pdFALSE, 10);
    CHECK(b == 0 && xTaskGetTickCount() - t >= 10, "waiting for a bit nobody sets times out");
}

/* ---- an interrupt handing work to a task ---- */
static SemaphoreHandle_t irq_sem;
static volatile int isr_runs, isr_in_interrupt = 1;
static void isr(void *arg)
{
    BaseType_t woken = pdFALSE;
    (void)arg;
    isr_runs++;
    if (!xPortIsInsideInterrupt())
        isr_in_interrupt = 0;
    xSemaphoreGiveFromISR(irq_sem, &woken);
    portYIELD_FROM_ISR(woken);
}
static void interrupts(void)
{
    irq_sem = xSemaphoreCreateBinary();
    CHECK(xProteusTimerInterrupt(2000, isr, NULL) == pdPASS, "a 2 ms timer interrupt");
    TickType_t t = xTaskGetTickCount();
    int got = 0;
    for (int i = 0; i < 5; i++)
        got += xSemaphoreTake(irq_sem, 100) == pdPASS;
    TickType_t took = xTaskGetTickCount() - t;
    CHECK(got == 5, "five hand-offs from the interrupt handler (%d)", got);
    CHECK(took >= 8 && took <= 10 + SLACK, "about 2 ticks apart (%u for 5)", (unsigned)took);
    CHECK(isr_in_interrupt, "the handler ran in interrupt context");
}

/* ---- timers ---- */
static char fired[32];
static TickType_t fired_at[8], timer_start;
static int nfired, a_fired, a_after_stop;
static TimerHandle_t timer_a;
static void on_timer(TimerHandle_t t)
{
    size_t n = strlen(fired);
    if (n < sizeof(fired) - 1)
        fired[n] = *(const char *)pvTimerGetTimerID(t);
    if (nfired < 8)
        fired_at[nfired++] = xTaskGetTickCount() - timer_start;
    if (t == timer_a && ++a_fired == 4)
        xTimerStop(t, 0); /* from its own callback: no waiting there */
    if (t == timer_a && a_fired > 5)
        a_after_stop = 1; /* one more may have been due before the stop was handled; no more */
}

static void wait_fired(size_t n)
{
    for (int i = 0; i < 100 && strlen(fired) < n; i++)
        vTaskDelay(5);
}
static void timers(void)
{
    TimerHandle_t a = timer_a = xTimerCreate("a", 10, pdTRUE, "a", on_timer);
    TimerHandle_t b = xTimerCreate("b", 25, pdFALSE, "b", on_timer);
    vTaskSuspendAll(); /* both start on the same tick */
    timer_start = xTaskGetTickCount();
    xTimerStart(a, 0);
    xTimerStart(b, 0);
    xTaskResumeAll();
    wait_fired(5);
    CHECK(strncmp(fired, "aabaa", 5) == 0, "callback order %s", fired);
    static const TickType_t due[5] = {10, 20, 25, 30, 40};
    int on_time = 1;
    for (int i = 0; i < 5; i++)
        on_time &= fired_at[i] >= due[i] && fired_at[i] <= due[i] + SLACK;
    CHECK(on_time, "at ticks %u %u %u %u %u (due 10 20 25 30 40)", (unsigned)fired_at[0], (unsigned)fired_at[1], (unsigned)fired_at[2],
          (unsigned)fired_at[3], (unsigned)fired_at[4]);
    CHECK(xTimerIsTimerActive(b) == pdFALSE, "the one-shot timer is dormant");
    vTaskDelay(25);
    CHECK(!a_after_stop && xTimerIsTimerActive(a) == pdFALSE, "the auto-reload timer stopped itself");
    size_t before = strlen(fired);
    xTimerChangePeriod(b, 5, 0);
    for (int i = 0; i < 100 && !strchr(fired + before, 'b'); i++)
        vTaskDelay(5);
    CHECK(strchr(fired + before, 'b') != NULL, "a new period restarts the one-shot timer: %s", fired);
    xTimerDelete(a, 0);
    xTimerDelete(b, 0);
}

/* ---- heap exhaustion ---- */
static volatile int malloc_failed;
void vApplicationMallocFailedHook(void) { malloc_failed++; }
static void heap(void)
{
    QueueHandle_t qs[128];
    int n = 0;
    size_t before = xPortGetFreeHeapSize();
    while (n < 128 && (qs[n] = xQueueCreate(16, 64)))
        n++;
    CHECK(n > 0 && n < 128, "queues until the heap ran out: %d", n);
    CHECK(malloc_failed == 1, "vApplicationMallocFailedHook ran once");
    void *crumbs[256];
    int m = 0;
    while (m < 256 && (crumbs[m] = pvPortMalloc(32)))
        m++;
    CHECK(m < 256, "and the last crumbs: %d", m);
    CHECK(xTaskCreate(counter, "nomem", configMINIMAL_STACK_SIZE, NULL, 1, NULL) ==
              errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY, "xTaskCreate fails without memory");
    while (m > 0)
        vPortFree(crumbs[--m]);
    while (n > 0)
        vQueueDelete(qs[--n]);
    CHECK(xPortGetFreeHeapSize() == before, "all of it came back");
}

static void control(void *arg)
{
    (void)arg;
    inversion();
    recursive();
    queues();
    notifications();
    notification_indices();
    queue_sets();
    event_groups();
    interrupts();
    timers();
    heap();
    check_done();
}

int main(void)
{
    xTaskCreate(control, "control", configMINIMAL_STACK_SIZE * 4, NULL, 4, NULL);
    vTaskStartScheduler();
    return 1;
}
