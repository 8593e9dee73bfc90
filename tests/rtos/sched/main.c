/*
 * The scheduler, checked from inside: priority preemption, time slicing among equals (and the tick
 * preempting tasks that spin), delays and timeouts, suspension, priority changes, and deleting a task
 * that is blocked.
 */
#include "../check.h"
#include "queue.h"
#include "semphr.h"
#include <string.h>

/* Ticks a check allows beyond the exact figure: the tick is counted from the clock, and QEMU on a busy
   machine may run the guest late (the order of events is exact; the host tests check exact counts). */
#define SLACK 40

static char trace[128];
static void note(const char *s)
{
    taskENTER_CRITICAL();
    strncat(trace, s, sizeof(trace) - strlen(trace) - 1);
    taskEXIT_CRITICAL();
}

static SemaphoreHandle_t sem;
static void high(void *arg)
{
    (void)arg;
    note("H1 ");
    xSemaphoreTake(sem, portMAX_DELAY);
    note("H2 ");
    vTaskDelete(NULL);
}

static volatile unsigned spins[2], switches;
static volatile int last_spinner = -1;
static void spinner(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (;;) {
        if (last_spinner != me)
            last_spinner = me, switches++;
        spins[me]++;
    }
}

static QueueHandle_t never;
static void waiter(void *arg)
{
    int v;
    (void)arg;
    xQueueReceive(never, &v, portMAX_DELAY);
    note("W-woke ");
    vTaskDelete(NULL);
}

static void raised(void *arg)
{
    (void)arg;
    for (;;) {
        note("R ");
        vTaskSuspend(NULL);
    }
}

static void control(void *arg)
{
    TaskHandle_t s0, s1, w, r;
    (void)arg;

    /* Preemption: a higher-priority task runs as soon as it is ready. */
    sem = xSemaphoreCreateBinary();
    xTaskCreate(high, "high", configMINIMAL_STACK_SIZE, NULL, 4, NULL);
    note("c1 ");
    xSemaphoreGive(sem);
    note("c2");
    CHECK(strcmp(trace, "H1 c1 H2 c2") == 0, "preemption order: %s", trace);
    trace[0] = 0;

    /* Time slicing: two spinning tasks of one priority share the CPU tick by tick, and the tick
       preempts them both when this task's delay ends. */
    xTaskCreate(spinner, "spin0", configMINIMAL_STACK_SIZE, (void *)0, 2, &s0);
    xTaskCreate(spinner, "spin1", configMINIMAL_STACK_SIZE, (void *)1, 2, &s1);
    TickType_t t = xTaskGetTickCount();
    vTaskDelay(50);
    TickType_t took = xTaskGetTickCount() - t;
    /* At least the delay; more only when the machine (QEMU under load) was late to run us. */
    CHECK(took >= 50 && took <= 50 + SLACK, "vTaskDelay(50) took %u ticks", (unsigned)took);
    CHECK(spins[0] > 0 && spins[1] > 0, "both spinners ran (%u, %u)", spins[0], spins[1]);
    CHECK(switches >= 4, "they took turns: %u switches in 50 ticks", switches);
    CHECK(eTaskGetState(s0) == eReady, "a preempted spinner is ready");
    vTaskDelete(s0);
    vTaskDelete(s1);
    unsigned before = spins[0];
    vTaskDelay(5);
    CHECK(spins[0] == before, "a deleted task runs no more");

    /* Timeouts. */
    xSemaphoreTake(sem, 0);
    t = xTaskGetTickCount();
    CHECK(xSemaphoreTake(sem, 20) == pdFALSE, "take of an empty semaphore times out");
    TickType_t waited = xTaskGetTickCount() - t;
    CHECK(waited >= 20 && waited <= 20 + SLACK, "after its 20 ticks (%u)", (unsigned)waited);
    TickType_t last = xTaskGetTickCount(), first = last;
    for (int i = 0; i < 5; i++)
        xTaskDelayUntil(&last, 7);
    took = xTaskGetTickCount() - first;
    CHECK(last - first == 35 && took >= 35 && took <= 35 + SLACK, "five periods of 7 ticks: %u", (unsigned)took);

    /* Deleting a blocked task. */
    never = xQueueCreate(1, sizeof(int));
    UBaseType_t n = uxTaskGetNumberOfTasks();
    xTaskCreate(waiter, "waiter", configMINIMAL_STACK_SIZE, NULL, 4, &w);
    CHECK(eTaskGetState(w) == eBlocked, "the waiter is blocked");
    vTaskDelete(w);
    int one = 1;
    CHECK(xQueueSend(never, &one, 0) == pdPASS && uxQueueMessagesWaiting(never) == 1, "nobody took the item");
    vTaskDelay(2);
    CHECK(strstr(trace, "W-woke") == NULL, "the deleted waiter never woke");
    CHECK(uxTaskGetNumberOfTasks() == n, "task count back to %u", (unsigned)n);

    /* Priorities and suspension. */
    xTaskCreate(raised, "raised", configMINIMAL_STACK_SIZE, NULL, 1, &r);
    CHECK(eTaskGetState(r) == eReady, "a low task waits its turn");
    CHECK(strstr(trace, "R ") == NULL, "and has not run");
    vTaskPrioritySet(r, 5);
    CHECK(strstr(trace, "R ") != NULL, "raised above us, it ran at once");
    CHECK(eTaskGetState(r) == eSuspended, "and suspended itself");
    CHECK(uxTaskPriorityGet(r) == 5, "its priority is 5");
    CHECK(strcmp(pcTaskGetName(NULL), "control") == 0, "pcTaskGetName: %s", pcTaskGetName(NULL));
    CHECK(xTaskGetCurrentTaskHandle() != r, "xTaskGetCurrentTaskHandle");
    vTaskResume(r); /* it runs, and suspends itself again */
    CHECK(eTaskGetState(r) == eSuspended, "resumed, it ran and suspended itself again");
    check_done();
}

int main(void)
{
    xTaskCreate(control, "control", configMINIMAL_STACK_SIZE * 4, NULL, 3, NULL);
    vTaskStartScheduler();
    printf("vTaskStartScheduler returned\n");
    return 1;
}
