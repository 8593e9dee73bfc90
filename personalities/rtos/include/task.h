/* FreeRTOS tasks, the scheduler and direct-to-task notifications (kernel/tasks.c, kernel/notify.c). */
#ifndef INC_TASK_H
#define INC_TASK_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before task.h"
#endif

typedef struct tskTaskControlBlock *TaskHandle_t;

typedef enum { eRunning = 0, eReady, eBlocked, eSuspended, eDeleted, eInvalid } eTaskState;
typedef enum { eNoAction = 0, eSetBits, eIncrement, eSetValueWithOverwrite, eSetValueWithoutOverwrite } eNotifyAction;

#define tskIDLE_PRIORITY ((UBaseType_t)0)
#define tskKERNEL_VERSION_NUMBER "Proteus-RTOS 1.0"

#define taskYIELD() portYIELD()
#define taskENTER_CRITICAL() portENTER_CRITICAL()
#define taskEXIT_CRITICAL() portEXIT_CRITICAL()
#define taskENTER_CRITICAL_FROM_ISR() portSET_INTERRUPT_MASK_FROM_ISR()
#define taskEXIT_CRITICAL_FROM_ISR(x) portCLEAR_INTERRUPT_MASK_FROM_ISR(x)
#define taskDISABLE_INTERRUPTS() portDISABLE_INTERRUPTS()
#define taskENABLE_INTERRUPTS() portENABLE_INTERRUPTS()

#define taskSCHEDULER_SUSPENDED ((BaseType_t)0)
#define taskSCHEDULER_NOT_STARTED ((BaseType_t)1)
#define taskSCHEDULER_RUNNING ((BaseType_t)2)

BaseType_t xTaskCreate(TaskFunction_t code, const char *name, configSTACK_DEPTH_TYPE stack_depth, void *params,
                       UBaseType_t priority, TaskHandle_t *created);
TaskHandle_t xTaskCreateStatic(TaskFunction_t code, const char *name, uint32_t stack_depth, void *params,
                               UBaseType_t priority, StackType_t *stack, StaticTask_t *tcb);
void vTaskDelete(TaskHandle_t task);
void vTaskDelay(TickType_t ticks);
BaseType_t xTaskDelayUntil(TickType_t *previous_wake, TickType_t increment);
#define vTaskDelayUntil(prev, inc) ((void)xTaskDelayUntil((prev), (inc)))
BaseType_t xTaskAbortDelay(TaskHandle_t task);
TickType_t xTaskGetTickCount(void);
TickType_t xTaskGetTickCountFromISR(void);
UBaseType_t uxTaskPriorityGet(TaskHandle_t task);
UBaseType_t uxTaskPriorityGetFromISR(TaskHandle_t task);
void vTaskPrioritySet(TaskHandle_t task, UBaseType_t priority);
void vTaskSuspend(TaskHandle_t task);
void vTaskResume(TaskHandle_t task);
BaseType_t xTaskResumeFromISR(TaskHandle_t task);
void vTaskSuspendAll(void);
BaseType_t xTaskResumeAll(void);
TaskHandle_t xTaskGetCurrentTaskHandle(void);
TaskHandle_t xTaskGetIdleTaskHandle(void);
TaskHandle_t xTaskGetHandle(const char *name);
char *pcTaskGetName(TaskHandle_t task);
#define pcTaskGetTaskName pcTaskGetName
UBaseType_t uxTaskGetNumberOfTasks(void);
eTaskState eTaskGetState(TaskHandle_t task);
BaseType_t xTaskGetSchedulerState(void);
UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t task);
void vTaskStartScheduler(void);
void vTaskEndScheduler(void);

/* Direct-to-task notifications: configTASK_NOTIFICATION_ARRAY_ENTRIES per task (default 1); the forms
   without an index use index 0. */
BaseType_t xTaskGenericNotify(TaskHandle_t task, UBaseType_t index, uint32_t value, eNotifyAction action,
                              uint32_t *previous);
BaseType_t xTaskGenericNotifyFromISR(TaskHandle_t task, UBaseType_t index, uint32_t value, eNotifyAction action,
                                     uint32_t *previous, BaseType_t *woken);
void vTaskGenericNotifyGiveFromISR(TaskHandle_t task, UBaseType_t index, BaseType_t *woken);
BaseType_t xTaskGenericNotifyWait(UBaseType_t index, uint32_t clear_on_entry, uint32_t clear_on_exit,
                                  uint32_t *value, TickType_t ticks);
uint32_t ulTaskGenericNotifyTake(UBaseType_t index, BaseType_t clear_on_exit, TickType_t ticks);
BaseType_t xTaskGenericNotifyStateClear(TaskHandle_t task, UBaseType_t index);
uint32_t ulTaskGenericNotifyValueClear(TaskHandle_t task, UBaseType_t index, uint32_t bits);

#define xTaskNotify(t, v, a) xTaskGenericNotify((t), 0, (v), (a), NULL)
#define xTaskNotifyIndexed(t, i, v, a) xTaskGenericNotify((t), (i), (v), (a), NULL)
#define xTaskNotifyAndQuery(t, v, a, p) xTaskGenericNotify((t), 0, (v), (a), (p))
#define xTaskNotifyGive(t) xTaskGenericNotify((t), 0, 0, eIncrement, NULL)
#define xTaskNotifyGiveIndexed(t, i) xTaskGenericNotify((t), (i), 0, eIncrement, NULL)
#define xTaskNotifyFromISR(t, v, a, w) xTaskGenericNotifyFromISR((t), 0, (v), (a), NULL, (w))
#define xTaskNotifyAndQueryFromISR(t, v, a, p, w) xTaskGenericNotifyFromISR((t), 0, (v), (a), (p), (w))
#define vTaskNotifyGiveFromISR(t, w) vTaskGenericNotifyGiveFromISR((t), 0, (w))
#define xTaskNotifyWait(c1, c2, v, t) xTaskGenericNotifyWait(0, (c1), (c2), (v), (t))
#define xTaskNotifyWaitIndexed(i, c1, c2, v, t) xTaskGenericNotifyWait((i), (c1), (c2), (v), (t))
#define ulTaskNotifyTake(c, t) ulTaskGenericNotifyTake(0, (c), (t))
#define ulTaskNotifyTakeIndexed(i, c, t) ulTaskGenericNotifyTake((i), (c), (t))
#define xTaskNotifyStateClear(t) xTaskGenericNotifyStateClear((t), 0)
#define ulTaskNotifyValueClear(t, b) ulTaskGenericNotifyValueClear((t), 0, (b))
#define xTaskNotifyAndQueryIndexed(t, i, v, a, p) xTaskGenericNotify((t), (i), (v), (a), (p))
#define xTaskNotifyIndexedFromISR(t, i, v, a, w) xTaskGenericNotifyFromISR((t), (i), (v), (a), NULL, (w))
#define xTaskNotifyAndQueryIndexedFromISR(t, i, v, a, p, w) xTaskGenericNotifyFromISR((t), (i), (v), (a), (p), (w))
#define vTaskNotifyGiveIndexedFromISR(t, i, w) vTaskGenericNotifyGiveFromISR((t), (i), (w))
#define xTaskNotifyStateClearIndexed(t, i) xTaskGenericNotifyStateClear((t), (i))
#define ulTaskNotifyValueClearIndexed(t, i, b) ulTaskGenericNotifyValueClear((t), (i), (b))

/* Hooks the application defines when its configuration asks for them. */
void vApplicationIdleHook(void);
void vApplicationTickHook(void);
void vApplicationMallocFailedHook(void);
void vApplicationStackOverflowHook(TaskHandle_t task, char *name);
void vApplicationGetIdleTaskMemory(StaticTask_t **tcb, StackType_t **stack, uint32_t *depth);
void vApplicationGetTimerTaskMemory(StaticTask_t **tcb, StackType_t **stack, uint32_t *depth);

#endif
