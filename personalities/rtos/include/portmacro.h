/*
 * The Proteus port's types and macros (included by FreeRTOS.h). Interrupts are virtual: "disabling" them
 * raises a nesting count the guest kernel's interrupt thread reads before it touches the scheduler's
 * state; an interrupt that arrives meanwhile is held until the count drops to zero (port/port.c).
 */
#ifndef PORTMACRO_H
#define PORTMACRO_H

#include <stdint.h>

typedef uint64_t StackType_t;
typedef long BaseType_t;
typedef unsigned long UBaseType_t;
typedef uint32_t TickType_t;

#define portSTACK_TYPE uint64_t
#define portBASE_TYPE long
#define portMAX_DELAY ((TickType_t)0xffffffffu)
#define portTICK_TYPE_IS_ATOMIC 1
#define portSTACK_GROWTH (-1)
#define portBYTE_ALIGNMENT 16
#define portPOINTER_SIZE_TYPE uintptr_t
#define portTICK_PERIOD_MS ((TickType_t)(1000 / configTICK_RATE_HZ))
#define portNOP() __asm__ volatile("nop")
#define portMEMORY_BARRIER() __asm__ volatile("" ::: "memory")

void vPortYield(void);
void vPortYieldFromISR(void);
void vPortEnterCritical(void);
void vPortExitCritical(void);
void vPortDisableInterrupts(void);
void vPortEnableInterrupts(void);
BaseType_t xPortIsInsideInterrupt(void);

#define portYIELD() vPortYield()
#define portYIELD_FROM_ISR(x)                                                                                  \
    do {                                                                                                      \
        if (x)                                                                                                \
            vPortYieldFromISR();                                                                              \
    } while (0)
#define portEND_SWITCHING_ISR(x) portYIELD_FROM_ISR(x)
#define portENTER_CRITICAL() vPortEnterCritical()
#define portEXIT_CRITICAL() vPortExitCritical()
#define portDISABLE_INTERRUPTS() vPortDisableInterrupts()
#define portENABLE_INTERRUPTS() vPortEnableInterrupts()
/* Interrupt handlers run one at a time in the interrupt thread: there is nothing further to mask. */
#define portSET_INTERRUPT_MASK_FROM_ISR() ((UBaseType_t)0)
#define portCLEAR_INTERRUPT_MASK_FROM_ISR(x) ((void)(x))

#endif
