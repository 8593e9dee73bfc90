/*
 * A control loop: a task released every millisecond by xTaskDelayUntil measures how late each release
 * runs (from the tick it was due to the task running) and hands each window's figures to a reporting
 * task through a queue. The side-by-side system (servers/root/systems/rtos-lx.dts) runs it next to lx.
 */
#include "FreeRTOS.h"
#include "proteus_rtos.h"
#include "queue.h"
#include "task.h"
#include <stdio.h>
#include <stdlib.h>

#define WINDOW 2000 /* releases per report */

struct report {
    unsigned releases, missed;
    uint64_t median_ns, p99_ns, max_ns;
};

static QueueHandle_t reports;
static uint32_t lateness[WINDOW];

static int cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void control(void *arg)
{
    TickType_t release = xTaskGetTickCount();
    unsigned n = 0, total = 0, missed = 0;
    (void)arg;

    for (;;) {
        if (xTaskDelayUntil(&release, 1) == pdFALSE)
            missed++; /* the release was already past when we asked */
        uint64_t now = ullProteusNowNs(), due = ullProteusTickTimeNs(release);
        lateness[n++] = now > due ? (uint32_t)(now - due) : 0;
        total++;
        if (n == WINDOW) {
            qsort(lateness, n, sizeof(lateness[0]), cmp);
            struct report r = {total, missed, lateness[n / 2], lateness[n * 99 / 100], lateness[n - 1]};
            xQueueSend(reports, &r, 0);
            n = 0;
        }
    }
}

static void reporter(void *arg)
{
    struct report r;
    (void)arg;

    for (;;) {
        xQueueReceive(reports, &r, portMAX_DELAY);
        printf("periodic: %u releases, %u missed, lateness median %llu us, p99 %llu us, max %llu us\n", r.releases,
               r.missed, (unsigned long long)r.median_ns / 1000, (unsigned long long)r.p99_ns / 1000,
               (unsigned long long)r.max_ns / 1000);
    }
}

int main(void)
{
    reports = xQueueCreate(4, sizeof(struct report));
    xTaskCreate(control, "control", configMINIMAL_STACK_SIZE, NULL, configMAX_PRIORITIES - 1, NULL);
    xTaskCreate(reporter, "reporter", configMINIMAL_STACK_SIZE, NULL, 1, NULL);
    vTaskStartScheduler();
    return 1;
}
