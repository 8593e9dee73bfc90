/* FreeRTOS queues (kernel/queue.c). Semaphores and mutexes are queues too (semphr.h). */
#ifndef INC_QUEUE_H
#define INC_QUEUE_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before queue.h"
#endif
#include "task.h"

typedef struct QueueDefinition *QueueHandle_t;
typedef struct QueueDefinition *QueueSetHandle_t;
typedef struct QueueDefinition *QueueSetMemberHandle_t;

#define queueSEND_TO_BACK ((BaseType_t)0)
#define queueSEND_TO_FRONT ((BaseType_t)1)
#define queueOVERWRITE ((BaseType_t)2)

#define queueQUEUE_TYPE_BASE ((uint8_t)0)
#define queueQUEUE_TYPE_MUTEX ((uint8_t)1)
#define queueQUEUE_TYPE_COUNTING_SEMAPHORE ((uint8_t)2)
#define queueQUEUE_TYPE_BINARY_SEMAPHORE ((uint8_t)3)
#define queueQUEUE_TYPE_RECURSIVE_MUTEX ((uint8_t)4)

QueueHandle_t xQueueGenericCreate(UBaseType_t length, UBaseType_t item_size, uint8_t type);
QueueHandle_t xQueueGenericCreateStatic(UBaseType_t length, UBaseType_t item_size, uint8_t *storage,
                                        StaticQueue_t *buffer, uint8_t type);
BaseType_t xQueueGenericSend(QueueHandle_t q, const void *item, TickType_t ticks, BaseType_t position);
BaseType_t xQueueGenericSendFromISR(QueueHandle_t q, const void *item, BaseType_t *woken, BaseType_t position);
BaseType_t xQueueGiveFromISR(QueueHandle_t q, BaseType_t *woken);
BaseType_t xQueueReceive(QueueHandle_t q, void *buffer, TickType_t ticks);
BaseType_t xQueuePeek(QueueHandle_t q, void *buffer, TickType_t ticks);
BaseType_t xQueueReceiveFromISR(QueueHandle_t q, void *buffer, BaseType_t *woken);
BaseType_t xQueuePeekFromISR(QueueHandle_t q, void *buffer);
BaseType_t xQueueSemaphoreTake(QueueHandle_t q, TickType_t ticks);
UBaseType_t uxQueueMessagesWaiting(QueueHandle_t q);
UBaseType_t uxQueueMessagesWaitingFromISR(QueueHandle_t q);
UBaseType_t uxQueueSpacesAvailable(QueueHandle_t q);
BaseType_t xQueueGenericReset(QueueHandle_t q, BaseType_t new_queue);
void vQueueDelete(QueueHandle_t q);
BaseType_t xQueueIsQueueEmptyFromISR(QueueHandle_t q);
BaseType_t xQueueIsQueueFullFromISR(QueueHandle_t q);

#define xQueueCreate(len, size) xQueueGenericCreate((len), (size), queueQUEUE_TYPE_BASE)
#define xQueueCreateStatic(len, size, st, buf) xQueueGenericCreateStatic((len), (size), (st), (buf), queueQUEUE_TYPE_BASE)
#define xQueueSend(q, item, t) xQueueGenericSend((q), (item), (t), queueSEND_TO_BACK)
#define xQueueSendToBack(q, item, t) xQueueGenericSend((q), (item), (t), queueSEND_TO_BACK)
#define xQueueSendToFront(q, item, t) xQueueGenericSend((q), (item), (t), queueSEND_TO_FRONT)
#define xQueueOverwrite(q, item) xQueueGenericSend((q), (item), 0, queueOVERWRITE)
#define xQueueSendFromISR(q, item, w) xQueueGenericSendFromISR((q), (item), (w), queueSEND_TO_BACK)
#define xQueueSendToBackFromISR(q, item, w) xQueueGenericSendFromISR((q), (item), (w), queueSEND_TO_BACK)
#define xQueueSendToFrontFromISR(q, item, w) xQueueGenericSendFromISR((q), (item), (w), queueSEND_TO_FRONT)
#define xQueueOverwriteFromISR(q, item, w) xQueueGenericSendFromISR((q), (item), (w), queueOVERWRITE)
#define xQueueReset(q) xQueueGenericReset((q), pdFALSE)

/*
 * Queue sets: a set is a queue of the handles of its members (queues and semaphores), one entry per item
 * posted to a member; xQueueSelectFromSet returns the member that has an item to read (NULL when the
 * time runs out), and the task then reads exactly one item from it. A member joins and leaves a set only
 * while it is empty, and belongs to one set at most.
 */
QueueSetHandle_t xQueueCreateSet(UBaseType_t length);
BaseType_t xQueueAddToSet(QueueSetMemberHandle_t member, QueueSetHandle_t set);
BaseType_t xQueueRemoveFromSet(QueueSetMemberHandle_t member, QueueSetHandle_t set);
QueueSetMemberHandle_t xQueueSelectFromSet(QueueSetHandle_t set, TickType_t ticks);
QueueSetMemberHandle_t xQueueSelectFromSetFromISR(QueueSetHandle_t set);

#endif
