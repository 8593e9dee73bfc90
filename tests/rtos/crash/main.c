/*
 * An RTOS that fails entirely: its interrupt handler writes through a null pointer, which stops the
 * guest kernel itself. The root server restarts it (crash-lx.dts) while lx goes on.
 */
#include "FreeRTOS.h"
#include "proteus_rtos.h"
#include "task.h"
#include <stdio.h>

static void isr(void *arg)
{
    (void)arg;
    *(volatile int *)0 = 1;
}

static void task(void *arg)
{
    (void)arg;
    printf("crash: up\n");
    vTaskDelay(50);
    xProteusTimerInterrupt(1000, isr, NULL);
    for (;;)
        vTaskDelay(1000);
}

int main(void)
{
    xTaskCreate(task, "task", configMINIMAL_STACK_SIZE, NULL, 1, NULL);
    vTaskStartScheduler();
    return 1;
}
