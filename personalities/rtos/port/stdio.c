/*
 * The C library from any task: Newlib's stdio and malloc keep shared state (stdout's buffer, the
 * allocator's lists), so an application's calls hold a recursive mutex (with priority inheritance, so a
 * low task printing delays a high one only as long as the high one waits for the C library itself); the
 * link wraps them (-Wl,--wrap=NAME, build-app.sh). In the interrupt context and before the scheduler
 * starts they run as they are.
 */
#include "../kernel/rtos.h"
#include "semphr.h"
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

#define WRAP(ret, name, params, args)                                                                          \
    ret __real_##name params;                                                                                  \
    ret __wrap_##name params;                                                                                  \
    ret __wrap_##name params                                                                                   \
    {                                                                                                          \
        bool l = lock();                                                                                       \
        ret r = __real_##name args;                                                                            \
        unlock(l);                                                                                             \
        return r;                                                                                              \
    }

WRAP(int, vprintf, (const char *f, va_list ap), (f, ap))
WRAP(int, vfprintf, (FILE *s, const char *f, va_list ap), (s, f, ap))
WRAP(int, puts, (const char *str), (str))
WRAP(int, putchar, (int c), (c))
WRAP(int, fputs, (const char *str, FILE *s), (str, s))
WRAP(int, fputc, (int c, FILE *s), (c, s))
WRAP(int, fflush, (FILE *s), (s))
WRAP(size_t, fwrite, (const void *p, size_t size, size_t n, FILE *s), (p, size, n, s))
WRAP(void *, malloc, (size_t n), (n))
WRAP(void *, calloc, (size_t n, size_t size), (n, size))
WRAP(void *, realloc, (void *p, size_t n), (p, n))

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
    bool l = lock();
    int r = vfprintf(s, f, ap);
    unlock(l);
    va_end(ap);
    return r;
}
