/*
 * What the Proteus RTOS personality adds to the FreeRTOS API: ending the run with a status, interrupts
 * from Proteus notifications, and the time of a tick (docs/rtos.md).
 */
#ifndef PROTEUS_RTOS_H
#define PROTEUS_RTOS_H

#include "FreeRTOS.h"

/* End the whole application now with this exit status (tools/proteus rtos exits with it). */
void vProteusExit(int status) __attribute__((noreturn));

/* A virtual interrupt: isr(arg) runs in the interrupt context whenever the source fires. */
typedef void (*ProteusIsr_t)(void *arg);
/* A periodic timer interrupt every period_us microseconds (at least 1000). pdPASS or pdFAIL. */
BaseType_t xProteusTimerInterrupt(uint32_t period_us, ProteusIsr_t isr, void *arg);
/*
 * An interrupt from a notification the manifest gave the application by name (a channel's "to" side, or
 * an interrupt line's notification). pdFAIL if there is no such resource.
 */
BaseType_t xProteusNotificationInterrupt(const char *name, ProteusIsr_t isr, void *arg);

/* The monotonic time (ns) at which tick `tick` was due, and the time now: release lateness is the gap. */
uint64_t ullProteusTickTimeNs(TickType_t tick);
uint64_t ullProteusNowNs(void);

#endif
