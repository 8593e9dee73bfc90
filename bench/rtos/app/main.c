/*
 * The RTOS benchmark (tools/proteus bench rtos, docs/benchmarks.md): release lateness of a 1 kHz task
 * (xTaskDelayUntil; from the tick it was due to the task running), then the cost of a context switch
 * (two tasks of one priority alternating by taskYIELD) and of a queue hand-off (send by one task to
 * the moment a higher-priority receiver has it), in TSC units: guest instructions under --icount.
 * BENCH_SAMPLES sets the releases measured (the quick mode uses few).
 */
#include "FreeRTOS.h"
#include "proteus_rtos.h"
#include "queue.h"
#include "task.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef BENCH_SAMPLES
#define BENCH_SAMPLES 5000
#endif
#ifndef BENCH_SETTLE_MS
#define BENCH_SETTLE_MS 200 /* let the rest of the system (lx's load) get going */
#endif
#define SWITCHES 2000
#define HANDOFFS 1000

static uint32_t lateness[BENCH_SAMPLES];
static TaskHandle_t main_task;

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static int cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void periodic(void *arg)
{
    TickType_t release = xTaskGetTickCount();
    unsigned missed = 0;
    (void)arg;
    for (unsigned i = 0; i < BENCH_SAMPLES; i++) {
        if (xTaskDelayUntil(&release, 1) == pdFALSE)
            missed++;
        uint64_t now = ullProteusNowNs(), due = ullProteusTickTimeNs(release);
        lateness[i] = now > due ? (uint32_t)(now - due) : 0;
    }
    qsort(lateness, BENCH_SAMPLES, sizeof(lateness[0]), cmp);
    printf("bench: lateness samples %u median %lu p99 %lu max %lu ns missed %u\n", (unsigned)BENCH_SAMPLES,
           (unsigned long)lateness[BENCH_SAMPLES / 2], (unsigned long)lateness[BENCH_SAMPLES * 99 / 100],
           (unsigned long)lateness[BENCH_SAMPLES - 1], missed);
    xTaskNotifyGive(main_task);
    vTaskDelete(NULL);
}

static volatile uint64_t switch_start, switch_end;
static void yielder(void *arg)
{
    int first = arg != NULL;
    if (first)
        switch_start = tsc();
    for (int i = 0; i < SWITCHES / 2; i++)
        taskYIELD();
    if (!first) {
        switch_end = tsc();
        xTaskNotifyGive(main_task);
    }
    vTaskDelete(NULL);
}

static QueueHandle_t q;
static uint64_t handoff_total;
static void receiver(void *arg)
{
    uint64_t sent;
    (void)arg;
    for (int i = 0; i < HANDOFFS; i++) {
        xQueueReceive(q, &sent, portMAX_DELAY);
        handoff_total += tsc() - sent;
    }
    xTaskNotifyGive(main_task);
    vTaskDelete(NULL);
}

static void bench(void *arg)
{
    (void)arg;
    main_task = xTaskGetCurrentTaskHandle();
    vTaskDelay(pdMS_TO_TICKS(BENCH_SETTLE_MS));
    xTaskCreate(periodic, "periodic", configMINIMAL_STACK_SIZE, NULL, configMAX_PRIORITIES - 1, NULL);
    ulTaskNotifyTake(pdTRUE, portMAX_DELAY);

    /* Two tasks of one priority, below ours: they alternate until both are done. */
    xTaskCreate(yielder, "yield-a", configMINIMAL_STACK_SIZE, (void *)1, 2, NULL);
    xTaskCreate(yielder, "yield-b", configMINIMAL_STACK_SIZE, NULL, 2, NULL);
    ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    printf("bench: switch count %d per-switch %llu tsc\n", SWITCHES,
           (unsigned long long)((switch_end - switch_start) / SWITCHES));

    q = xQueueCreate(1, sizeof(uint64_t));
    xTaskCreate(receiver, "receiver", configMINIMAL_STACK_SIZE, NULL, 5, NULL);
    for (int i = 0; i < HANDOFFS; i++) {
        uint64_t now = tsc();
        xQueueSend(q, &now, portMAX_DELAY);
    }
    ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    printf("bench: queue count %d send-to-receive %llu tsc\n", HANDOFFS,
           (unsigned long long)(handoff_total / HANDOFFS));
    vProteusExit(0);
}

int main(void)
{
    xTaskCreate(bench, "bench", configMINIMAL_STACK_SIZE, NULL, 4, NULL);
    vTaskStartScheduler();
    return 1;
}
