/* The host port's controls for tests/host/test_rtos.c. */
#ifndef RTOS_PORT_HOST_H
#define RTOS_PORT_HOST_H
#include "../../kernel/rtos.h"
#include <setjmp.h>

extern int host_yields, host_asserts, host_malloc_failures;
extern bool host_isr;
extern jmp_buf *host_assert_jump;
#endif
