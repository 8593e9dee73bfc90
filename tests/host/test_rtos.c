/*
 * The RTOS personality's kernel (personalities/rtos/kernel) on the build machine, with the host port
 * (personalities/rtos/tests/host/port_host.c): the scheduler's choices, delays and timeouts, queues,
 * semaphores and mutexes with priority inheritance, notifications, event groups, timers and the heap.
 */
#include "cunit_tap.h"
#include "port_host.h"
#include "event_groups.h"
#include "queue.h"
#include "message_buffer.h"
#include "semphr.h"
#include "stream_buffer.h"
#include "timers.h"
#include <CUnit/CUnit.h>
#include <string.h>

static void nop_task(void *arg) { (void)arg; }

static TaskHandle_t make(const char *name, UBaseType_t prio)
{
    TaskHandle_t t = NULL;
    CU_ASSERT_EQUAL(xTaskCreate(nop_task, name, 128, NULL, prio, &t), pdPASS);
    return t;
}

/* A fresh scheduler: no tasks, tick 0, running, with an idle task at priority 0. */
static void fresh(void)
{
    memset(&rtos, 0, sizeof(rtos));
    host_isr = false;
    rtos.idle = make("IDLE", 0);
    rtos.running = true;
}

static void run(TaskHandle_t t) /* make t the running task, as a switch would */
{
    rtos.current = t;
}

static void test_priorities_and_slicing(void)
{
    fresh();
    TaskHandle_t a = make("a", 1), b = make("b", 3), c = make("c", 3);
    rtos.current = NULL;
    CU_ASSERT_PTR_EQUAL(rtos_pick(), b); /* highest priority, first made */
    CU_ASSERT_EQUAL(eTaskGetState(b), eRunning);
    CU_ASSERT_EQUAL(eTaskGetState(a), eReady);
    CU_ASSERT_PTR_EQUAL(rtos_pick(), b); /* no reason to switch */
    CU_ASSERT_TRUE(rtos_tick());         /* c has b's priority: its slice is due */
    CU_ASSERT_PTR_EQUAL(rtos_pick(), c);
    CU_ASSERT_TRUE(rtos_tick());
    CU_ASSERT_PTR_EQUAL(rtos_pick(), b);
    vTaskSuspend(b);
    vTaskSuspend(c);
    CU_ASSERT_PTR_EQUAL(rtos_pick(), a);
    CU_ASSERT_FALSE(rtos_tick()); /* alone at its priority: no slicing */
    int y = host_yields;
    vTaskResume(c); /* outranks a: a switch is asked for */
    CU_ASSERT_EQUAL(host_yields, y + 1);
    CU_ASSERT_PTR_EQUAL(rtos_pick(), c);
    CU_ASSERT_EQUAL(eTaskGetState(b), eSuspended);
    CU_ASSERT_EQUAL(uxTaskGetNumberOfTasks(), 4);
}

static void test_delays(void)
{
    fresh();
    TaskHandle_t a = make("a", 2), b = make("b", 1);
    run(a);
    TickType_t start = xTaskGetTickCount();
    vTaskDelay(5); /* the host port runs the clock until a is ready again */
    CU_ASSERT_EQUAL(xTaskGetTickCount() - start, 5);
    CU_ASSERT_EQUAL(eTaskGetState(a), eRunning);
    TickType_t last = xTaskGetTickCount();
    CU_ASSERT_TRUE(xTaskDelayUntil(&last, 10));
    CU_ASSERT_EQUAL(xTaskGetTickCount(), start + 15);
    CU_ASSERT_EQUAL(last, start + 15);
    last -= 20; /* a release already missed: no delay */
    CU_ASSERT_FALSE(xTaskDelayUntil(&last, 10));
    /* While a waits, b runs; when a's delay ends, a preempts b. */
    run(a);
    vTaskPrioritySet(b, 1);
    CU_ASSERT_EQUAL(uxTaskPriorityGet(b), 1);
    vTaskPrioritySet(a, 4);
    CU_ASSERT_EQUAL(uxTaskPriorityGet(NULL), 4);
    vTaskDelete(b);
    CU_ASSERT_EQUAL(eTaskGetState(b), eDeleted);
    rtos_reap();
    CU_ASSERT_EQUAL(uxTaskGetNumberOfTasks(), 2);
}

static void test_queue(void)
{
    fresh();
    run(make("q", 1));
    QueueHandle_t q = xQueueCreate(2, sizeof(int));
    int v = 1, out = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(xQueueSend(q, &v, 0), pdPASS);
    v = 2;
    CU_ASSERT_EQUAL(xQueueSend(q, &v, 0), pdPASS);
    v = 3;
    CU_ASSERT_EQUAL(xQueueSend(q, &v, 0), errQUEUE_FULL);
    CU_ASSERT_EQUAL(uxQueueSpacesAvailable(q), 0);
    CU_ASSERT_EQUAL(xQueuePeek(q, &out, 0), pdPASS);
    CU_ASSERT_EQUAL(out, 1);
    CU_ASSERT_EQUAL(uxQueueMessagesWaiting(q), 2);
    CU_ASSERT_EQUAL(xQueueReceive(q, &out, 0), pdPASS);
    CU_ASSERT_EQUAL(out, 1);
    v = 9;
    CU_ASSERT_EQUAL(xQueueSendToFront(q, &v, 0), pdPASS);
    xQueueReceive(q, &out, 0);
    CU_ASSERT_EQUAL(out, 9);
    xQueueReceive(q, &out, 0);
    CU_ASSERT_EQUAL(out, 2);
    TickType_t start = xTaskGetTickCount();
    CU_ASSERT_EQUAL(xQueueReceive(q, &out, 7), errQUEUE_EMPTY); /* after exactly its timeout */
    CU_ASSERT_EQUAL(xTaskGetTickCount() - start, 7);
    host_isr = true;
    BaseType_t woken = pdFALSE;
    v = 5;
    CU_ASSERT_EQUAL(xQueueSendFromISR(q, &v, &woken), pdPASS);
    CU_ASSERT_EQUAL(woken, pdFALSE); /* nobody waited */
    host_isr = false;
    xQueueReset(q);
    CU_ASSERT_EQUAL(uxQueueMessagesWaiting(q), 0);
    QueueHandle_t one = xQueueCreate(1, sizeof(int));
    v = 1;
    xQueueOverwrite(one, &v);
    v = 2;
    xQueueOverwrite(one, &v);
    xQueueReceive(one, &out, 0);
    CU_ASSERT_EQUAL(out, 2);
    vQueueDelete(one);
    vQueueDelete(q);
}

static UBaseType_t low_prio_seen;
static TaskHandle_t watched;
void vApplicationTickHook(void)
{
    if (watched && uxTaskPriorityGetFromISR(watched) > low_prio_seen)
        low_prio_seen = uxTaskPriorityGetFromISR(watched);
}

static void test_mutexes(void)
{
    fresh();
    TaskHandle_t low = make("low", 1), high = make("high", 5);
    SemaphoreHandle_t m = xSemaphoreCreateMutex();
    run(low);
    CU_ASSERT_EQUAL(xSemaphoreTake(m, 0), pdPASS);
    CU_ASSERT_PTR_EQUAL(xSemaphoreGetMutexHolder(m), low);
    run(high);
    CU_ASSERT_EQUAL(xSemaphoreGive(m), pdFAIL); /* not the holder */
    watched = low, low_prio_seen = 0;
    CU_ASSERT_EQUAL(xSemaphoreTake(m, 4), pdFALSE); /* times out while low holds it */
    CU_ASSERT_EQUAL(low_prio_seen, 5);              /* low ran at high's priority meanwhile */
    CU_ASSERT_EQUAL(uxTaskPriorityGet(low), 1);     /* and lost it when high gave up */
    watched = NULL;
    run(low);
    CU_ASSERT_EQUAL(xSemaphoreGive(m), pdPASS);
    CU_ASSERT_EQUAL(xSemaphoreGive(m), pdFAIL); /* given already */

    SemaphoreHandle_t r = xSemaphoreCreateRecursiveMutex();
    CU_ASSERT_EQUAL(xSemaphoreTakeRecursive(r, 0), pdPASS);
    CU_ASSERT_EQUAL(xSemaphoreTakeRecursive(r, 0), pdPASS);
    CU_ASSERT_EQUAL(xSemaphoreGiveRecursive(r), pdPASS);
    run(high);
    CU_ASSERT_EQUAL(xSemaphoreTakeRecursive(r, 0), pdFALSE); /* still held once */
    run(low);
    CU_ASSERT_EQUAL(xSemaphoreGiveRecursive(r), pdPASS);
    run(high);
    CU_ASSERT_EQUAL(xSemaphoreTakeRecursive(r, 0), pdPASS);

    SemaphoreHandle_t c = xSemaphoreCreateCounting(3, 1);
    CU_ASSERT_EQUAL(uxSemaphoreGetCount(c), 1);
    xSemaphoreGive(c);
    xSemaphoreGive(c);
    CU_ASSERT_EQUAL(xSemaphoreGive(c), pdFAIL); /* at its maximum */
    CU_ASSERT_EQUAL(uxSemaphoreGetCount(c), 3);
}

static void test_notifications(void)
{
    fresh();
    TaskHandle_t a = make("a", 2), b = make("b", 1);
    run(b);
    xTaskNotifyGive(a);
    xTaskNotifyGive(a);
    run(a);
    CU_ASSERT_EQUAL(ulTaskNotifyTake(pdFALSE, 0), 2);
    CU_ASSERT_EQUAL(ulTaskNotifyTake(pdTRUE, 0), 1);
    CU_ASSERT_EQUAL(ulTaskNotifyTake(pdTRUE, 3), 0); /* timed out */
    run(b);
    CU_ASSERT_EQUAL(xTaskNotify(a, 7, eSetValueWithoutOverwrite), pdPASS);
    CU_ASSERT_EQUAL(xTaskNotify(a, 8, eSetValueWithoutOverwrite), pdFAIL); /* 7 is unread */
    CU_ASSERT_EQUAL(xTaskNotify(a, 0x10, eSetBits), pdPASS);
    run(a);
    uint32_t v = 0;
    CU_ASSERT_EQUAL(xTaskNotifyWait(0, 0xffffffffu, &v, 0), pdTRUE);
    CU_ASSERT_EQUAL(v, 0x17);
    CU_ASSERT_EQUAL(xTaskNotifyWait(0, 0, &v, 2), pdFALSE);
    CU_ASSERT_EQUAL(v, 0);
}

static void test_event_groups(void)
{
    fresh();
    run(make("e", 1));
    EventGroupHandle_t g = xEventGroupCreate();
    CU_ASSERT_EQUAL(xEventGroupSetBits(g, 0x3), 0x3);
    CU_ASSERT_EQUAL(xEventGroupWaitBits(g, 0x3, pdTRUE, pdTRUE, 0), 0x3);
    CU_ASSERT_EQUAL(xEventGroupGetBits(g), 0); /* cleared on exit */
    xEventGroupSetBits(g, 0x1);
    TickType_t start = xTaskGetTickCount();
    CU_ASSERT_EQUAL(xEventGroupWaitBits(g, 0x5, pdFALSE, pdTRUE, 5), 0x1); /* not all: timed out */
    CU_ASSERT_EQUAL(xTaskGetTickCount() - start, 5);
    CU_ASSERT_EQUAL(xEventGroupWaitBits(g, 0x5, pdFALSE, pdFALSE, 0), 0x1); /* any: 0x1 will do */
    CU_ASSERT_EQUAL(xEventGroupClearBits(g, 0x1), 0x1);
    xEventGroupSetBits(g, 0x6);
    CU_ASSERT_EQUAL(xEventGroupSync(g, 0x1, 0x7, 0), 0x7); /* the last to arrive passes */
    CU_ASSERT_EQUAL(xEventGroupGetBits(g), 0);
    vEventGroupDelete(g);
}

static char order[64];
static TickType_t fired_at[8];
static int fired;
static void on_timer(TimerHandle_t t)
{
    size_t n = strlen(order);
    if (n < sizeof(order) - 1)
        order[n] = *(const char *)pvTimerGetTimerID(t);
    if (fired < 8)
        fired_at[fired++] = xTaskGetTickCount();
}

static void test_timers(void)
{
    fresh();
    run(make("t", 1));
    TimerHandle_t a = xTimerCreate("a", 3, pdTRUE, "a", on_timer), b = xTimerCreate("b", 5, pdFALSE, "b", on_timer);
    order[0] = 0, fired = 0;
    TickType_t start = xTaskGetTickCount();
    xTimerStart(a, 0);
    xTimerStart(b, 0);
    CU_ASSERT_EQUAL(rtos_timers_poll(), 3);
    for (int i = 0; i < 12; i++) {
        rtos_tick();
        rtos_timers_poll();
    }
    CU_ASSERT_STRING_EQUAL(order, "abaaa");
    CU_ASSERT_EQUAL(fired_at[0] - start, 3);
    CU_ASSERT_EQUAL(fired_at[1] - start, 5);
    CU_ASSERT_EQUAL(fired_at[4] - start, 12);
    CU_ASSERT_FALSE(xTimerIsTimerActive(b)); /* one-shot */
    CU_ASSERT_TRUE(xTimerIsTimerActive(a));
    xTimerChangePeriod(a, 10, 0);
    rtos_timers_poll();
    CU_ASSERT_EQUAL(xTimerGetPeriod(a), 10);
    xTimerStop(a, 0);
    rtos_timers_poll();
    CU_ASSERT_FALSE(xTimerIsTimerActive(a));
    xTimerDelete(a, 0);
    xTimerDelete(b, 0);
    CU_ASSERT_EQUAL(rtos_timers_poll(), portMAX_DELAY);
}

static void test_heap(void)
{
    void *blocks[512];
    int n = 0;
    size_t before = xPortGetFreeHeapSize();
    int failures = host_malloc_failures;

    while (n < 512 && (blocks[n] = pvPortMalloc(1000)))
        n++;
    CU_ASSERT_TRUE(n > 0 && n < 512);
    CU_ASSERT_EQUAL(host_malloc_failures, failures + 1);
    CU_ASSERT_PTR_NULL(xQueueCreate(100, 100)); /* no room: NULL, as documented */
    while (n > 0)
        vPortFree(blocks[--n]);
    CU_ASSERT_EQUAL(xPortGetFreeHeapSize(), before); /* the free blocks merged back */
    CU_ASSERT_PTR_NOT_NULL(blocks[0] = pvPortMalloc(before / 2));
    vPortFree(blocks[0]);
}

static void test_stream_buffers(void)
{
    char out[32];

    fresh();
    run(make("s", 1));
    StreamBufferHandle_t s = xStreamBufferCreate(8, 4);
    CU_ASSERT_EQUAL(xStreamBufferSend(s, "abcdefghij", 10, 0), 8); /* as much as fits */
    CU_ASSERT_TRUE(xStreamBufferIsFull(s));
    CU_ASSERT_EQUAL(xStreamBufferReceive(s, out, 3, 0), 3);
    CU_ASSERT_EQUAL(memcmp(out, "abc", 3), 0);
    CU_ASSERT_EQUAL(xStreamBufferSend(s, "XYZ", 3, 0), 3); /* wraps around the end */
    CU_ASSERT_EQUAL(xStreamBufferReceive(s, out, sizeof(out), 0), 8);
    CU_ASSERT_EQUAL(memcmp(out, "defghXYZ", 8), 0);
    xStreamBufferSend(s, "12", 2, 0);
    TickType_t start = xTaskGetTickCount();
    CU_ASSERT_EQUAL(xStreamBufferReceive(s, out, sizeof(out), 6), 2); /* under the trigger level: waits, then takes it */
    CU_ASSERT_EQUAL(xTaskGetTickCount() - start, 6);
    vStreamBufferDelete(s);

    MessageBufferHandle_t m = xMessageBufferCreate(32);
    CU_ASSERT_EQUAL(xMessageBufferSend(m, "hello", 5, 0), 5);
    CU_ASSERT_EQUAL(xMessageBufferSend(m, "world!", 6, 0), 6);
    CU_ASSERT_EQUAL(xMessageBufferSend(m, "too long to fit", 15, 0), 0); /* whole or not at all */
    CU_ASSERT_EQUAL(xMessageBufferNextLengthBytes(m), 5);
    CU_ASSERT_EQUAL(xMessageBufferReceive(m, out, 3, 0), 0); /* too small for the next message */
    CU_ASSERT_EQUAL(xMessageBufferReceive(m, out, sizeof(out), 0), 5);
    CU_ASSERT_EQUAL(memcmp(out, "hello", 5), 0);
    CU_ASSERT_EQUAL(xMessageBufferReceive(m, out, sizeof(out), 0), 6);
    CU_ASSERT_EQUAL(memcmp(out, "world!", 6), 0);
    CU_ASSERT_TRUE(xMessageBufferIsEmpty(m));
    vMessageBufferDelete(m);
}

static void test_asserts(void)
{
    jmp_buf jb;
    int before = host_asserts;
    char junk[64] = {0};

    fresh();
    run(make("x", 1));
    host_assert_jump = &jb;
    if (!setjmp(jb))
        uxQueueMessagesWaiting((QueueHandle_t)junk); /* not a queue */
    CU_ASSERT_EQUAL(host_asserts, before + 1);
    if (!setjmp(jb)) {
        host_isr = true;
        vTaskDelay(1); /* not callable from an interrupt handler */
    }
    host_isr = false;
    CU_ASSERT_EQUAL(host_asserts, before + 2);
    host_assert_jump = NULL;
}

void register_rtos_suite(void)
{
    static const CU_TestInfo tests[] = {
        {"priorities and time slicing", test_priorities_and_slicing},
        {"delays", test_delays},
        {"queues", test_queue},
        {"mutexes and semaphores", test_mutexes},
        {"notifications", test_notifications},
        {"event groups", test_event_groups},
        {"timers", test_timers},
        {"heap", test_heap},
        {"stream and message buffers", test_stream_buffers},
        {"assertions", test_asserts},
        CU_TEST_INFO_NULL,
    };
    cunit_tap_add_suite("rtos", tests);
}
