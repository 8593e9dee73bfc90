/*
 * The kernel console: kprintf formats with the portable engine and hands bytes to the architecture's
 * console (the serial port). panic() is the one way the kernel stops on an internal error: it prints a
 * line starting with "PANIC:", which the test runner recognises, and shuts the machine down.
 */
#include <core/format.h>
#include <core/kernel.h>

static void console_out(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    arch_console_write(s, n);
}

int kvprintf(const char *fmt, va_list ap) { return fmt_vformat(console_out, NULL, fmt, ap); }

int kprintf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

static __noreturn void vpanic(bool backtrace, const char *fmt, va_list ap)
{
    static bool panicking;

    if (panicking) /* a fault while reporting: stop at once */
        arch_shutdown(SHUTDOWN_PANIC);
    panicking = true;
    kprintf("PANIC: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    if (backtrace)
        arch_dump_backtrace();
    kprintf("PANIC: system halted\n");
    arch_shutdown(SHUTDOWN_PANIC);
}

void panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vpanic(true, fmt, ap);
}

void panic_quiet(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vpanic(false, fmt, ap);
}
