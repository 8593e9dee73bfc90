/*
 * The RTOS kernel's port for the host unit tests: no threads. The test is the current task; a switch it
 * asks for is recorded, and when the current task blocks, time runs (rtos_tick) until it is ready again,
 * as if the CPU idled meanwhile. Assertions jump back into the test that expected them.
 */
#include "port_host.h"
#include <stdio.h>
#include <stdlib.h>

int host_yields, host_asserts, host_malloc_failures;
bool host_isr;
jmp_buf *host_assert_jump;
static unsigned depth;

void host_assert_failed(const char *file, int line)
{
    host_asserts++;
    if (host_assert_jump)
        longjmp(*host_assert_jump, 1);
    fprintf(stderr, "unexpected assertion failure at %s:%d\n", file, line);
    abort();
}

bool port_task_prepare(rtos_task *t, size_t stack_bytes, StackType_t *static_stack)
{
    t->stack = static_stack;
    t->stack_bytes = stack_bytes;
    return true;
}
void port_task_setup(rtos_task *t) { (void)t; }
void port_task_release(rtos_task *t) { (void)t; }
void port_start_scheduler(void) { abort(); }
void port_end_scheduler(int status) { exit(status); }
bool port_in_isr(void) { return host_isr; }
void port_idle(void) {}

void port_yield_within_api(void)
{
    host_yields++;
}

void vPortEnterCritical(void) { depth++; }

void vPortExitCritical(void)
{
    if (--depth || host_isr || !rtos.running)
        return;
    /* The current task blocked: the clock runs until something wakes it. */
    for (int n = 0; rtos.current && rtos.current->state_node.list == &rtos.delayed && n < 100000; n++)
        rtos_tick();
}

void vPortDisableInterrupts(void) { vPortEnterCritical(); }
void vPortEnableInterrupts(void) { vPortExitCritical(); }
BaseType_t xPortIsInsideInterrupt(void) { return host_isr; }
void vPortYield(void)
{
    rtos.yield_requested = true;
    host_yields++;
}
void vPortYieldFromISR(void) { host_yields++; }
void vApplicationMallocFailedHook(void) { host_malloc_failures++; }
