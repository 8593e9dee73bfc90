/*
 * Direct-to-task notifications: per task, configTASK_NOTIFICATION_ARRAY_ENTRIES of a 32-bit value and a
 * state. A task waits on one index at a time; a notification to another index does not wake it.
 */
#include "rtos.h"

#define VALID_INDEX(i) configASSERT((i) < configTASK_NOTIFICATION_ARRAY_ENTRIES)

static BaseType_t notify(rtos_task *t, UBaseType_t i, uint32_t value, eNotifyAction action, uint32_t *previous,
                         bool *sw)
{
    uint8_t was = t->notify_state[i];
    BaseType_t ok = pdPASS;

    if (previous)
        *previous = t->notify_value[i];
    switch (action) {
    case eSetBits: t->notify_value[i] |= value; break;
    case eIncrement: t->notify_value[i]++; break;
    case eSetValueWithOverwrite: t->notify_value[i] = value; break;
    case eSetValueWithoutOverwrite:
        if (was == NOTIFY_RECEIVED)
            ok = pdFAIL; /* the last one is still unread */
        else
            t->notify_value[i] = value;
        break;
    case eNoAction: break;
    default: configASSERT(0);
    }
    if (ok == pdPASS)
        t->notify_state[i] = NOTIFY_RECEIVED;
    *sw = false;
    if (was == NOTIFY_WAITING && ok == pdPASS && t->state_node.list == &rtos.delayed)
        *sw = rtos_unblock(t, WAKE_EVENT);
    return ok;
}

BaseType_t xTaskGenericNotify(TaskHandle_t h, UBaseType_t index, uint32_t value, eNotifyAction action,
                              uint32_t *previous)
{
    bool sw;

    VALID_INDEX(index);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    BaseType_t ok = notify(rtos_task_of(h), index, value, action, previous, &sw);
    if (sw && configUSE_PREEMPTION)
        port_yield_within_api();
    portEXIT_CRITICAL();
    return ok;
}

BaseType_t xTaskGenericNotifyFromISR(TaskHandle_t h, UBaseType_t index, uint32_t value, eNotifyAction action,
                                     uint32_t *previous, BaseType_t *woken)
{
    bool sw;

    VALID_INDEX(index);
    configASSERT(h != NULL);
    BaseType_t ok = notify(rtos_task_of(h), index, value, action, previous, &sw);
    if (sw && woken)
        *woken = pdTRUE;
    return ok;
}

void vTaskGenericNotifyGiveFromISR(TaskHandle_t h, UBaseType_t index, BaseType_t *woken)
{
    xTaskGenericNotifyFromISR(h, index, 0, eIncrement, NULL, woken);
}

BaseType_t xTaskGenericNotifyWait(UBaseType_t index, uint32_t clear_on_entry, uint32_t clear_on_exit,
                                  uint32_t *value, TickType_t ticks)
{
    rtos_task *t;
    BaseType_t ok;

    VALID_INDEX(index);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    t = rtos.current;
    if (t->notify_state[index] != NOTIFY_RECEIVED) {
        t->notify_value[index] &= ~clear_on_entry;
        t->notify_state[index] = NOTIFY_WAITING;
        if (ticks > 0)
            rtos_block_current(NULL, ticks);
    }
    portEXIT_CRITICAL();
    portENTER_CRITICAL();
    if (value)
        *value = t->notify_value[index];
    ok = t->notify_state[index] == NOTIFY_RECEIVED;
    if (ok)
        t->notify_value[index] &= ~clear_on_exit;
    t->notify_state[index] = NOTIFY_NONE;
    portEXIT_CRITICAL();
    return ok;
}

uint32_t ulTaskGenericNotifyTake(UBaseType_t index, BaseType_t clear_on_exit, TickType_t ticks)
{
    rtos_task *t;
    uint32_t v;

    VALID_INDEX(index);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    t = rtos.current;
    if (t->notify_value[index] == 0) {
        t->notify_state[index] = NOTIFY_WAITING;
        if (ticks > 0)
            rtos_block_current(NULL, ticks);
    }
    portEXIT_CRITICAL();
    portENTER_CRITICAL();
    v = t->notify_value[index];
    if (v)
        t->notify_value[index] = clear_on_exit ? 0 : v - 1;
    t->notify_state[index] = NOTIFY_NONE;
    portEXIT_CRITICAL();
    return v;
}

BaseType_t xTaskGenericNotifyStateClear(TaskHandle_t h, UBaseType_t index)
{
    VALID_INDEX(index);
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    BaseType_t was = t->notify_state[index] == NOTIFY_RECEIVED;
    if (was)
        t->notify_state[index] = NOTIFY_NONE;
    portEXIT_CRITICAL();
    return was;
}

uint32_t ulTaskGenericNotifyValueClear(TaskHandle_t h, UBaseType_t index, uint32_t bits)
{
    VALID_INDEX(index);
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    uint32_t v = t->notify_value[index];
    t->notify_value[index] &= ~bits;
    portEXIT_CRITICAL();
    return v;
}
