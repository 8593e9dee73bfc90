/*
 * Bad API use: giving a mutex the task does not hold returns pdFAIL, as documented; calling a blocking
 * API from an interrupt handler fails configASSERT, which reports its file and line and ends the run.
 */
#include "FreeRTOS.h"
#include "proteus_rtos.h"
#include "queue.h"
#include "semphr.h"
#include "task.h"
#include <stdio.h>

static QueueHandle_t q;

static void isr(void *arg)
{
    int v = 1;
    (void)arg;
    xQueueSend(q, &v, 10); /* not FromISR: an assertion */
}

static void task(void *arg)
{
    SemaphoreHandle_t m = xSemaphoreCreateMutex();
    (void)arg;
    printf("give of a mutex not held: %s\n", xSemaphoreGive(m) == pdFAIL ? "pdFAIL" : "passed");
    q = xQueueCreate(1, sizeof(int));
    xProteusTimerInterrupt(1000, isr, NULL);
    vTaskDelay(100);
    printf("not reached\n");
    vTaskEndScheduler();
}

int main(void)
{
    xTaskCreate(task, "task", configMINIMAL_STACK_SIZE, NULL, 1, NULL);
    vTaskStartScheduler();
    return 1;
}
