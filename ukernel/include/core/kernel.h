/*
 * What every kernel file needs: the console printf, panic and assertions, and the hooks each architecture
 * provides to the generic core (declared here, resolved at link time; generic code never names an arch).
 */
#ifndef CORE_KERNEL_H
#define CORE_KERNEL_H

#include <core/compiler.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTEUS_VERSION "0.1.0"

/* How the kernel asks the machine to stop; the test runner reads these back (docs/testing.md). */
enum shutdown_code {
    SHUTDOWN_OK = 0,
    SHUTDOWN_TEST_FAILED = 1,
    SHUTDOWN_PANIC = 2,
    SHUTDOWN_ROOT_FAILED = 3, /* the root task exited with a non-zero status or was stopped by a fault */
};

__printf(1, 2) int kprintf(const char *fmt, ...);
void klog_flush(void);        /* tell the console server about new log output (safe points only) */
extern bool klog_pending;     /* there is output klog_flush has to tell of: a hot path checks it inline */
void console_emergency(void); /* from now on write to the UART directly (the machine is going down) */
int kvprintf(const char *fmt, va_list ap);
__printf(1, 2) __noreturn void panic(const char *fmt, ...);
/* The same without a backtrace, for callers that already printed a fuller report (the fault handler). */
__printf(1, 2) __noreturn void panic_quiet(const char *fmt, ...);

#define kassert(cond)                                                                                        \
    do {                                                                                                     \
        if (unlikely(!(cond)))                                                                               \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);                                \
    } while (0)

/* Provided by the architecture. */
void arch_console_write(const char *s, size_t n);
__noreturn void arch_shutdown(enum shutdown_code code);
void arch_dump_backtrace(void);
uint64_t arch_timer_ticks(void);
uint64_t arch_tsc_hz(void);
uint64_t arch_read_cycles(void);
void arch_idle(void); /* wait, interrupts on, for one interrupt; they are masked again after */

#endif
