/* The configuration the host unit tests compile the RTOS kernel with (tests/host/test_rtos.c). */
#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H
#define configUSE_PREEMPTION 1
#define configUSE_TIME_SLICING 1
#define configTICK_RATE_HZ 1000
#define configMAX_PRIORITIES 8
#define configMINIMAL_STACK_SIZE 128
#define configTOTAL_HEAP_SIZE (32 * 1024)
#define configUSE_MALLOC_FAILED_HOOK 1
#define configUSE_TICK_HOOK 1
#define configTIMER_TASK_PRIORITY 7
#define configSUPPORT_STATIC_ALLOCATION 1
void host_assert_failed(const char *file, int line);
#define configASSERT(x)                                                                                       \
    do {                                                                                                      \
        if (!(x))                                                                                             \
            host_assert_failed(__FILE__, __LINE__);                                                           \
    } while (0)
#endif
