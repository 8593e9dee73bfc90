/* FreeRTOS semaphores and mutexes: queues of no-size items (kernel/queue.c). */
#ifndef SEMAPHORE_H
#define SEMAPHORE_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before semphr.h"
#endif
#include "queue.h"

typedef QueueHandle_t SemaphoreHandle_t;

#define semGIVE_BLOCK_TIME ((TickType_t)0)

QueueHandle_t xQueueCreateMutex(uint8_t type);
QueueHandle_t xQueueCreateMutexStatic(uint8_t type, StaticQueue_t *buffer);
QueueHandle_t xQueueCreateCountingSemaphore(UBaseType_t max, UBaseType_t initial);
QueueHandle_t xQueueCreateCountingSemaphoreStatic(UBaseType_t max, UBaseType_t initial, StaticQueue_t *buffer);
BaseType_t xQueueTakeMutexRecursive(QueueHandle_t m, TickType_t ticks);
BaseType_t xQueueGiveMutexRecursive(QueueHandle_t m);
TaskHandle_t xQueueGetMutexHolder(QueueHandle_t m);
TaskHandle_t xQueueGetMutexHolderFromISR(QueueHandle_t m);

#define xSemaphoreCreateBinary() xQueueGenericCreate(1, 0, queueQUEUE_TYPE_BINARY_SEMAPHORE)
#define xSemaphoreCreateBinaryStatic(buf) xQueueGenericCreateStatic(1, 0, NULL, (buf), queueQUEUE_TYPE_BINARY_SEMAPHORE)
#define xSemaphoreCreateCounting(max, init) xQueueCreateCountingSemaphore((max), (init))
#define xSemaphoreCreateCountingStatic(max, init, buf) xQueueCreateCountingSemaphoreStatic((max), (init), (buf))
#define xSemaphoreCreateMutex() xQueueCreateMutex(queueQUEUE_TYPE_MUTEX)
#define xSemaphoreCreateMutexStatic(buf) xQueueCreateMutexStatic(queueQUEUE_TYPE_MUTEX, (buf))
#define xSemaphoreCreateRecursiveMutex() xQueueCreateMutex(queueQUEUE_TYPE_RECURSIVE_MUTEX)
#define xSemaphoreCreateRecursiveMutexStatic(buf) xQueueCreateMutexStatic(queueQUEUE_TYPE_RECURSIVE_MUTEX, (buf))
#define xSemaphoreTake(s, t) xQueueSemaphoreTake((s), (t))
#define xSemaphoreGive(s) xQueueGenericSend((s), NULL, semGIVE_BLOCK_TIME, queueSEND_TO_BACK)
#define xSemaphoreTakeRecursive(m, t) xQueueTakeMutexRecursive((m), (t))
#define xSemaphoreGiveRecursive(m) xQueueGiveMutexRecursive((m))
#define xSemaphoreGiveFromISR(s, w) xQueueGiveFromISR((s), (w))
#define xSemaphoreTakeFromISR(s, w) xQueueReceiveFromISR((s), NULL, (w))
#define vSemaphoreDelete(s) vQueueDelete((s))
#define uxSemaphoreGetCount(s) uxQueueMessagesWaiting((s))
#define uxSemaphoreGetCountFromISR(s) uxQueueMessagesWaitingFromISR((s))
#define xSemaphoreGetMutexHolder(m) xQueueGetMutexHolder((m))
#define xSemaphoreGetMutexHolderFromISR(m) xQueueGetMutexHolderFromISR((m))

#endif
