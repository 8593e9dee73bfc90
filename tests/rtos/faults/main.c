/*
 * Bad tasks: one divides by zero, one writes through a wild pointer, one recurses until its stack
 * overflows. Each is reported by name and stopped; the survivor goes on and ends the run, whose status
 * then says a task faulted.
 */
#include "FreeRTOS.h"
#include "task.h"
#include <stdio.h>

static volatile int zero;
static volatile int hooked;

void vApplicationStackOverflowHook(TaskHandle_t task, char *name)
{
    (void)task;
    hooked++;
    printf("hook: stack overflow in %s\n", name);
}

static void divider(void *arg)
{
    (void)arg;
    vTaskDelay(5);
    printf("divider: %d\n", 100 / zero);
    for (;;)
        vTaskDelay(100);
}

static void wild(void *arg)
{
    (void)arg;
    vTaskDelay(10);
    *(volatile int *)0xdead0000 = 1;
    printf("wild: still here\n");
    for (;;)
        vTaskDelay(100);
}

static volatile int depth_limit = 1 << 30; /* never reached: the stack ends first */
static int recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return n < depth_limit ? recurse(n + 1) + pad[0] : 0;
}

static void deep(void *arg)
{
    (void)arg;
    vTaskDelay(15);
    printf("deep: %d\n", recurse(0));
}

static void survivor(void *arg)
{
    (void)arg;
    for (int i = 1; i <= 5; i++) {
        vTaskDelay(10);
        printf("survivor: round %d\n", i);
    }
    printf("survivor: %u tasks left, overflow hook ran %d time(s)\n", (unsigned)uxTaskGetNumberOfTasks(), hooked);
    vTaskEndScheduler();
}

int main(void)
{
    xTaskCreate(divider, "divider", configMINIMAL_STACK_SIZE, NULL, 2, NULL);
    xTaskCreate(wild, "wild", configMINIMAL_STACK_SIZE, NULL, 2, NULL);
    xTaskCreate(deep, "deep", configMINIMAL_STACK_SIZE, NULL, 2, NULL);
    xTaskCreate(survivor, "survivor", configMINIMAL_STACK_SIZE, NULL, 1, NULL);
    vTaskStartScheduler();
    return 1;
}
