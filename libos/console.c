/*
 * The task's side of its virtual console (abi/proteus/io/console.h): output into the shared ring,
 * signalling the console server; input from it, waiting on the notification the server signals.
 */
#include <libos/libos.h>
#include <proteus/io/console.h>

#define WAIT_ROUNDS 64 /* yields to wait for room before dropping output */

static struct px_console_page *page;
static uint32_t signal_cap, input_cap;
static bool looked;

static bool attach(void)
{
    const struct libos_resource *r, *in;

    if (!looked) {
        looked = true;
        const struct libos_resource *sig = libos_resource("console", LIBOS_RES_NOTIFICATION);
        if ((r = libos_resource("console", LIBOS_RES_CONSOLE)) && r->size >= sizeof(*page) && sig) {
            page = (struct px_console_page *)(uintptr_t)r->va;
            signal_cap = sig->cap;
            in = libos_resource("console", LIBOS_RES_CONSOLE_IN);
            input_cap = in ? in->cap : 0;
        }
    }
    return page != NULL;
}

bool libos_console_attached(void) { return attach(); }

void libos_console_use(void *p, uint32_t sig, uint32_t in)
{
    page = p;
    signal_cap = sig;
    input_cap = in;
    looked = true;
}

size_t libos_console_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    struct px_console_out *o;
    size_t done = 0;
    int rounds = 0;

    if (!attach())
        return 0;
    o = &page->out;
    while (done < len) {
        uint32_t prod = o->prod, cons = __atomic_load_n(&o->cons, __ATOMIC_ACQUIRE);
        if (prod - cons == PX_CONSOLE_OUT_SIZE) {
            px_signal(signal_cap);
            if (++rounds > WAIT_ROUNDS) {
                __atomic_fetch_add(&o->lost, (uint32_t)(len - done), __ATOMIC_RELEASE);
                break;
            }
            px_thread_yield();
            continue;
        }
        o->data[prod % PX_CONSOLE_OUT_SIZE] = p[done++];
        __atomic_store_n(&o->prod, prod + 1, __ATOMIC_RELEASE);
    }
    px_signal(signal_cap);
    return len;
}

/* Take what input the ring holds, up to len bytes. */
static size_t take(uint8_t *p, size_t len)
{
    struct px_console_in *in = &page->in;
    size_t n = 0;

    while (n < len && in->cons != __atomic_load_n(&in->prod, __ATOMIC_ACQUIRE)) {
        p[n++] = in->data[in->cons % PX_CONSOLE_IN_SIZE];
        __atomic_store_n(&in->cons, in->cons + 1, __ATOMIC_RELEASE);
    }
    return n;
}

size_t libos_console_read(void *buf, size_t len)
{
    struct px_console_in *in;
    uint64_t bits;

    if (!attach() || !input_cap || len == 0)
        return 0;
    in = &page->in;
    while (__atomic_load_n(&in->prod, __ATOMIC_ACQUIRE) == in->cons)
        px_wait(input_cap, &bits);
    return take(buf, len);
}

size_t libos_console_read_nowait(void *buf, size_t len)
{
    return attach() && input_cap ? take(buf, len) : 0;
}

static uint32_t forward_to;

static void forward(void *arg)
{
    uint64_t bits;

    (void)arg;
    for (;;)
        if (px_wait(input_cap, &bits) == PX_OK)
            px_signal(forward_to);
}

int64_t libos_console_notify(uint32_t notification, unsigned prio)
{
    struct libos_thread t;

    if (!attach() || !input_cap)
        return PX_ERR_INVAL;
    if (forward_to)
        return PX_ERR_STATE;
    forward_to = notification;
    return libos_thread_create(forward, NULL, prio, PX_CAP_NULL, 0, &t);
}
