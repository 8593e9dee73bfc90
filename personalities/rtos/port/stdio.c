/*
 * The C library from any task: Newlib's stdio and malloc keep shared state (stdout's buffer, the
 * allocator's lists), so an application's calls hold a recursive mutex (with priority inheritance, so a
 * low task printing delays a high one only as long as the high one waits for the C library itself); the
 * link wraps them (-Wl,--wrap=NAME, build-app.sh). Before the scheduler starts they run as they are. In
 * the interrupt context (an ISR, a hook the interrupt thread runs) a task may be inside the C library
 * with stdout half a line full, so output there is formatted on the stack and written to the console at
 * once, whole, and touches no stdio state.
 */
#include "../kernel/rtos.h"
#include "semphr.h"
#include <libos/libos.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static SemaphoreHandle_t io;

static bool lock(void)
{
    if (!rtos.running || port_in_isr())
        return false;
    if (!io) {
        portENTER_CRITICAL();
        if (!io)
            io = xSemaphoreCreateRecursiveMutex();
        portEXIT_CRITICAL();
        configASSERT(io != NULL);
    }
    xSemaphoreTakeRecursive(io, portMAX_DELAY);
    return true;
}

static void unlock(bool locked)
{
    if (locked)
        xSemaphoreGiveRecursive(io);
}

static bool in_interrupt(void) { return rtos.running && port_in_isr(); }

/* Output from the interrupt context: straight to the console (what does not fit in 512 bytes is cut). */
static int isr_write(const char *p, size_t n)
{
    libos_console_write(p, n);
    return (int)n;
}

static int isr_vprintf(const char *f, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), f, ap);

    return n < 0 ? n : isr_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static int isr_string(const char *str, bool newline)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), newline ? "%s\n" : "%s", str);

    return n < 0 ? n : isr_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static bool std_stream(FILE *s) { return s == stdout || s == stderr; }

#define WRAP(ret, name, params, args, isr_when, isr)                                                           \
    ret __real_##name params;                                                                                  \
    ret __wrap_##name params;                                                                                  \
    ret __wrap_##name params                                                                                   \
    {                                                                                                          \
        if (in_interrupt() && (isr_when))                                                                      \
            return isr;                                                                                        \
        bool l = lock();                                                                                       \
        ret r = __real_##name args;                                                                            \
        unlock(l);                                                                                             \
        return r;                                                                                              \
    }

WRAP(int, vprintf, (const char *f, va_list ap), (f, ap), true, isr_vprintf(f, ap))
WRAP(int, vfprintf, (FILE *s, const char *f, va_list ap), (s, f, ap), std_stream(s), isr_vprintf(f, ap))
WRAP(int, puts, (const char *str), (str), true, isr_string(str, true) < 0 ? EOF : 1)
WRAP(int, putchar, (int c), (c), true, (isr_write(&(char){(char)c}, 1), (unsigned char)c))
WRAP(int, fputs, (const char *str, FILE *s), (str, s), std_stream(s), isr_string(str, false) < 0 ? EOF : 1)
WRAP(int, fputc, (int c, FILE *s), (c, s), std_stream(s), (isr_write(&(char){(char)c}, 1), (unsigned char)c))
WRAP(int, fflush, (FILE *s), (s), true, 0) /* the interrupt context's output is never buffered */
WRAP(size_t, fwrite, (const void *p, size_t size, size_t n, FILE *s), (p, size, n, s), std_stream(s) && size,
     (isr_write(p, size * n), n))
WRAP(void *, malloc, (size_t n), (n), false, NULL)
WRAP(void *, calloc, (size_t n, size_t size), (n, size), false, NULL)
WRAP(void *, realloc, (void *p, size_t n), (p, n), false, NULL)

void __real_free(void *p);
void __wrap_free(void *p);
void __wrap_free(void *p)
{
    bool l = lock();
    __real_free(p);
    unlock(l);
}

int __wrap_printf(const char *f, ...);
int __wrap_printf(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    if (in_interrupt()) {
        int r = isr_vprintf(f, ap);
        va_end(ap);
        return r;
    }
    bool l = lock();
    int r = vprintf(f, ap);
    unlock(l);
    va_end(ap);
    return r;
}

int __wrap_fprintf(FILE *s, const char *f, ...);
int __wrap_fprintf(FILE *s, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    if (in_interrupt() && std_stream(s)) {
        int r = isr_vprintf(f, ap);
        va_end(ap);
        return r;
    }
    bool l = lock();
    int r = vfprintf(s, f, ap);
    unlock(l);
    va_end(ap);
    return r;
}
