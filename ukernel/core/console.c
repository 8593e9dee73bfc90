/*
 * The kernel console: kprintf formats with the portable engine and hands bytes to the architecture's
 * console (the serial port). panic() is the one way the kernel stops on an internal error: it prints a
 * line starting with "PANIC:", which the test runner recognises, and shuts the machine down.
 */
#include <core/format.h>
#include <core/ipc.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/vm.h>
#include <proteus/io/console.h>

/*
 * Once a console server attaches the kernel log (PX_SYS_KLOG_ATTACH), the kernel's console output goes
 * into its ring instead of the UART, so that the server is the only writer and lines never interleave;
 * the server is signalled on the way out of the kernel (klog_flush). A panic writes to the UART again.
 */
static struct px_console_out *klog;
static struct frame *klog_frame;
static struct notification *klog_ntfn;
static uint64_t klog_bits;
bool klog_pending; /* output the console server has not been told of (kernel.h) */

static void klog_put(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t prod = klog->prod;
        if (prod - __atomic_load_n(&klog->cons, __ATOMIC_ACQUIRE) >= PX_CONSOLE_OUT_SIZE) {
            klog->lost += (uint32_t)(n - i);
            break;
        }
        klog->data[prod % PX_CONSOLE_OUT_SIZE] = (uint8_t)s[i];
        __atomic_store_n(&klog->prod, prod + 1, __ATOMIC_RELEASE);
    }
    klog_pending = true;
}

static void console_out(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    if (klog)
        klog_put(s, n);
    else
        arch_console_write(s, n);
}

void klog_attach(struct frame *f, struct notification *n, uint64_t bits)
{
    if (klog_frame)
        kobj_put(&klog_frame->obj), kobj_put(&klog_ntfn->obj);
    kobj_get(&f->obj), kobj_get(&n->obj);
    klog_frame = f;
    klog_ntfn = n;
    klog_bits = bits ? bits : 1;
    klog = phys_to_virt(f->pa);
}

void klog_flush(void)
{
    if (!klog_pending)
        return;
    klog_pending = false;
    if (klog_ntfn->obj.dead || klog_frame->obj.dead) {
        klog = NULL; /* the server is gone: back to the UART */
        return;
    }
    ntfn_signal(klog_ntfn, klog_bits);
}

void console_emergency(void) { klog = NULL; }

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
    console_emergency();
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
