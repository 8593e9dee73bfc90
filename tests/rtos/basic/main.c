/* The smallest application: two tasks and a queue; the receiver ends the run. */
#include "FreeRTOS.h"
#include "queue.h"
#include "task.h"
#include <stdio.h>

static QueueHandle_t q;

static void producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 3; i++) {
        xQueueSend(q, &i, portMAX_DELAY);
        vTaskDelay(pdMS_TO_TICKS(10));
    }
    vTaskDelete(NULL);
}

static void consumer(void *arg)
{
    int v, sum = 0;
    (void)arg;
    for (int i = 0; i < 3; i++) {
        xQueueReceive(q, &v, portMAX_DELAY);
        printf("got %d at tick %u\n", v, (unsigned)xTaskGetTickCount());
        sum += v;
    }
    printf("sum %d\n", sum);
    vTaskEndScheduler();
}

int main(void)
{
    q = xQueueCreate(4, sizeof(int));
    xTaskCreate(producer, "producer", configMINIMAL_STACK_SIZE, NULL, 1, NULL);
    xTaskCreate(consumer, "consumer", configMINIMAL_STACK_SIZE, NULL, 2, NULL);
    vTaskStartScheduler();
    return 1;
}
