/* FreeRTOS software timers, run by the timer service task (kernel/timers.c). */
#ifndef TIMERS_H
#define TIMERS_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before timers.h"
#endif
#include "task.h"

typedef struct tmrTimerControl *TimerHandle_t;
typedef void (*TimerCallbackFunction_t)(TimerHandle_t timer);
typedef void (*PendedFunction_t)(void *, uint32_t);

TimerHandle_t xTimerCreate(const char *name, TickType_t period, BaseType_t auto_reload, void *id,
                           TimerCallbackFunction_t callback);
TimerHandle_t xTimerCreateStatic(const char *name, TickType_t period, BaseType_t auto_reload, void *id,
                                 TimerCallbackFunction_t callback, StaticTimer_t *buffer);
BaseType_t xTimerStart(TimerHandle_t t, TickType_t ticks);
BaseType_t xTimerStop(TimerHandle_t t, TickType_t ticks);
BaseType_t xTimerReset(TimerHandle_t t, TickType_t ticks);
BaseType_t xTimerChangePeriod(TimerHandle_t t, TickType_t period, TickType_t ticks);
BaseType_t xTimerDelete(TimerHandle_t t, TickType_t ticks);
BaseType_t xTimerStartFromISR(TimerHandle_t t, BaseType_t *woken);
BaseType_t xTimerStopFromISR(TimerHandle_t t, BaseType_t *woken);
BaseType_t xTimerResetFromISR(TimerHandle_t t, BaseType_t *woken);
BaseType_t xTimerChangePeriodFromISR(TimerHandle_t t, TickType_t period, BaseType_t *woken);
BaseType_t xTimerIsTimerActive(TimerHandle_t t);
void *pvTimerGetTimerID(TimerHandle_t t);
void vTimerSetTimerID(TimerHandle_t t, void *id);
const char *pcTimerGetName(TimerHandle_t t);
TickType_t xTimerGetPeriod(TimerHandle_t t);
TickType_t xTimerGetExpiryTime(TimerHandle_t t);
BaseType_t xTimerGetReloadMode(TimerHandle_t t);
void vTimerSetReloadMode(TimerHandle_t t, BaseType_t auto_reload);
TaskHandle_t xTimerGetTimerDaemonTaskHandle(void);
BaseType_t xTimerPendFunctionCall(PendedFunction_t fn, void *p1, uint32_t p2, TickType_t ticks);
BaseType_t xTimerPendFunctionCallFromISR(PendedFunction_t fn, void *p1, uint32_t p2, BaseType_t *woken);

#endif
