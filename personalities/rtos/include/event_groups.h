/* FreeRTOS event groups (kernel/event_groups.c). */
#ifndef EVENT_GROUPS_H
#define EVENT_GROUPS_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before event_groups.h"
#endif
#include "timers.h"

typedef struct EventGroupDef_t *EventGroupHandle_t;
typedef TickType_t EventBits_t;

EventGroupHandle_t xEventGroupCreate(void);
EventGroupHandle_t xEventGroupCreateStatic(StaticEventGroup_t *buffer);
void vEventGroupDelete(EventGroupHandle_t g);
EventBits_t xEventGroupWaitBits(EventGroupHandle_t g, EventBits_t bits, BaseType_t clear_on_exit,
                                BaseType_t wait_for_all, TickType_t ticks);
EventBits_t xEventGroupSetBits(EventGroupHandle_t g, EventBits_t bits);
EventBits_t xEventGroupClearBits(EventGroupHandle_t g, EventBits_t bits);
BaseType_t xEventGroupSetBitsFromISR(EventGroupHandle_t g, EventBits_t bits, BaseType_t *woken);
EventBits_t xEventGroupClearBitsFromISR(EventGroupHandle_t g, EventBits_t bits);
EventBits_t xEventGroupGetBitsFromISR(EventGroupHandle_t g);
EventBits_t xEventGroupSync(EventGroupHandle_t g, EventBits_t set, EventBits_t wait, TickType_t ticks);
#define xEventGroupGetBits(g) xEventGroupClearBits((g), 0)

#endif
