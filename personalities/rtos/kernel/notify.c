/* Direct-to-task notifications: a 32-bit value and a state per task (one index: 0). */
#include "rtos.h"

static BaseType_t notify(rtos_task *t, uint32_t value, eNotifyAction action, uint32_t *previous, bool *sw)
{
    uint8_t was = t->notify_state;
    BaseType_t ok = pdPASS;

    if (previous)
        *previous = t->notify_value;
    switch (action) {
    case eSetBits: t->notify_value |= value; break;
    case eIncrement: t->notify_value++; break;
    case eSetValueWithOverwrite: t->notify_value = value; break;
    case eSetValueWithoutOverwrite:
        if (was == NOTIFY_RECEIVED)
            ok = pdFAIL; /* the last one is still unread */
        else
            t->notify_value = value;
        break;
    case eNoAction: break;
    default: configASSERT(0);
    }
    if (ok == pdPASS)
        t->notify_state = NOTIFY_RECEIVED;
    *sw = false;
    if (was == NOTIFY_WAITING && ok == pdPASS && t->state_node.list == &rtos.delayed)
        *sw = rtos_unblock(t, WAKE_EVENT);
    return ok;
}

BaseType_t xTaskGenericNotify(TaskHandle_t h, UBaseType_t index, uint32_t value, eNotifyAction action,
                              uint32_t *previous)
{
    bool sw;

    configASSERT(index == 0); /* configTASK_NOTIFICATION_ARRAY_ENTRIES is 1 */
    rtos_assert_task_context();
    portENTER_CRITICAL();
    BaseType_t ok = notify(rtos_task_of(h), value, action, previous, &sw);
    if (sw && configUSE_PREEMPTION)
        port_yield_within_api();
    portEXIT_CRITICAL();
    return ok;
}

BaseType_t xTaskGenericNotifyFromISR(TaskHandle_t h, UBaseType_t index, uint32_t value, eNotifyAction action,
                                     uint32_t *previous, BaseType_t *woken)
{
    bool sw;

    configASSERT(index == 0 && h != NULL);
    BaseType_t ok = notify(rtos_task_of(h), value, action, previous, &sw);
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

    configASSERT(index == 0);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    t = rtos.current;
    if (t->notify_state != NOTIFY_RECEIVED) {
        t->notify_value &= ~clear_on_entry;
        t->notify_state = NOTIFY_WAITING;
        if (ticks > 0)
            rtos_block_current(NULL, ticks);
    }
    portEXIT_CRITICAL();
    portENTER_CRITICAL();
    if (value)
        *value = t->notify_value;
    ok = t->notify_state == NOTIFY_RECEIVED;
    if (ok)
        t->notify_value &= ~clear_on_exit;
    t->notify_state = NOTIFY_NONE;
    portEXIT_CRITICAL();
    return ok;
}

uint32_t ulTaskGenericNotifyTake(UBaseType_t index, BaseType_t clear_on_exit, TickType_t ticks)
{
    rtos_task *t;
    uint32_t v;

    configASSERT(index == 0);
    rtos_assert_task_context();
    portENTER_CRITICAL();
    t = rtos.current;
    if (t->notify_value == 0) {
        t->notify_state = NOTIFY_WAITING;
        if (ticks > 0)
            rtos_block_current(NULL, ticks);
    }
    portEXIT_CRITICAL();
    portENTER_CRITICAL();
    v = t->notify_value;
    if (v)
        t->notify_value = clear_on_exit ? 0 : v - 1;
    t->notify_state = NOTIFY_NONE;
    portEXIT_CRITICAL();
    return v;
}

BaseType_t xTaskGenericNotifyStateClear(TaskHandle_t h, UBaseType_t index)
{
    configASSERT(index == 0);
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    BaseType_t was = t->notify_state == NOTIFY_RECEIVED;
    if (was)
        t->notify_state = NOTIFY_NONE;
    portEXIT_CRITICAL();
    return was;
}

uint32_t ulTaskGenericNotifyValueClear(TaskHandle_t h, UBaseType_t index, uint32_t bits)
{
    configASSERT(index == 0);
    portENTER_CRITICAL();
    rtos_task *t = rtos_task_of(h);
    uint32_t v = t->notify_value;
    t->notify_value &= ~bits;
    portEXIT_CRITICAL();
    return v;
}
