/*
 * The console server: the only task that touches the UART (COM1's ports and interrupt line 4). Every task
 * with a console writes into its own ring (abi/proteus/io/console.h); the server turns each ring into
 * whole lines on the UART, prefixed with the console's name, so lines of different tasks never mix, and
 * reports bytes a producer had to drop. The kernel log arrives through the same kind of ring. Input goes
 * to the console that has the focus; Ctrl-T then a digit moves the focus (Ctrl-T Ctrl-T sends Ctrl-T).
 *
 * Resources (granted by the root server): the UART's ports "io0" and interrupt line "irq0" (as its manifest
 * node declares them), "wait" (the notification
 * every ring and the interrupt signal: client i is bit i, the kernel log bit 62, the UART bit 63), and
 * per client "con:<name>" (its page) and "in:<name>" (the notification to signal its input).
 */
#include <libos/libos.h>
#include <proteus/io/console.h>
#include <stdio.h>
#include <string.h>

#define MAX_CLIENTS 32
#define LINE_MAX 200
#define BIT_KLOG (1ull << 62)
#define BIT_UART (1ull << 63)
#define UART_DATA 0
#define UART_IER 1
#define UART_LSR 5
#define LSR_DATA 0x01
#define LSR_THRE 0x20
#define ESCAPE 0x14 /* Ctrl-T */

struct client {
    char name[16];
    struct px_console_page *page; /* the kernel log has only the output ring */
    uint32_t input;               /* notification cap, 0 for the kernel log */
    uint32_t lost_seen;
    char line[LINE_MAX];
    unsigned len;
};

static struct client clients[MAX_CLIENTS], klog;
static unsigned nclients, focus;
static uint32_t uart, uart_base, irq, wait_cap;
static bool color, escape;

static void uart_put(uint8_t c)
{
    uint32_t lsr = 0;

    while (px_ioport_in(uart, (uint16_t)(uart_base + UART_LSR), 1, &lsr) == PX_OK && !(lsr & LSR_THRE))
        ;
    px_ioport_out(uart, (uint16_t)(uart_base + UART_DATA), 1, c);
}

static void uart_puts(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            uart_put('\r');
        uart_put((uint8_t)*s);
    }
}

/* One whole line, with its prefix: the unit that never interleaves with another. */
static void emit(const struct client *c, const char *text, unsigned len)
{
    char prefix[48];
    unsigned colour = c == &klog ? 90 : 31 + (unsigned)(c - clients) % 6;

    if (color)
        snprintf(prefix, sizeof(prefix), "\033[%um[%-8s]\033[0m ", colour, c->name);
    else
        snprintf(prefix, sizeof(prefix), "[%-8s] ", c->name);
    uart_puts(prefix);
    for (unsigned i = 0; i < len; i++)
        if (text[i] != '\r')
            uart_put((uint8_t)text[i]);
    uart_puts("\n");
}

static void drain(struct client *c, struct px_console_out *o)
{
    uint32_t prod = __atomic_load_n(&o->prod, __ATOMIC_ACQUIRE), lost;

    for (uint32_t i = o->cons; i != prod; i++) {
        char ch = (char)o->data[i % PX_CONSOLE_OUT_SIZE];
        if (ch == '\n' || c->len == LINE_MAX) {
            emit(c, c->line, c->len);
            c->len = 0;
            if (ch == '\n')
                continue;
        }
        c->line[c->len++] = ch;
    }
    __atomic_store_n(&o->cons, prod, __ATOMIC_RELEASE);
    lost = __atomic_load_n(&o->lost, __ATOMIC_ACQUIRE);
    if (lost != c->lost_seen) {
        char msg[64];
        int n =
            snprintf(msg, sizeof(msg), "(console: %u bytes lost: the ring was full)", lost - c->lost_seen);
        emit(c, msg, (unsigned)n);
        c->lost_seen = lost;
    }
}

static void deliver_input(uint8_t ch)
{
    struct client *c = &clients[focus];
    struct px_console_in *in;

    if (escape) {
        escape = false;
        if (ch >= '0' && ch <= '9' && (unsigned)(ch - '0') < nclients) {
            focus = (unsigned)(ch - '0');
            char msg[48];
            int n = snprintf(msg, sizeof(msg), "(console: input goes to %s)", clients[focus].name);
            emit(&klog, msg, (unsigned)n);
            return;
        }
        if (ch != ESCAPE)
            return;
    } else if (ch == ESCAPE) {
        escape = true;
        return;
    }
    if (!nclients || !c->input)
        return;
    in = &c->page->in;
    if (in->prod - __atomic_load_n(&in->cons, __ATOMIC_ACQUIRE) >= PX_CONSOLE_IN_SIZE) {
        in->lost++;
        return;
    }
    in->data[in->prod % PX_CONSOLE_IN_SIZE] = ch == '\r' ? '\n' : ch;
    __atomic_store_n(&in->prod, in->prod + 1, __ATOMIC_RELEASE);
    px_signal(c->input);
}

static void read_uart(void)
{
    uint32_t lsr = 0, ch = 0;

    while (px_ioport_in(uart, (uint16_t)(uart_base + UART_LSR), 1, &lsr) == PX_OK && (lsr & LSR_DATA)) {
        px_ioport_in(uart, (uint16_t)(uart_base + UART_DATA), 1, &ch);
        deliver_input((uint8_t)ch);
    }
    px_irq_ack(irq);
}

static void find_clients(void)
{
    const struct libos_resources *t =
        (const struct libos_resources *)((const char *)libos_bootinfo + LIBOS_RESOURCES_OFFSET);

    for (uint32_t i = 0; i < t->count && nclients < MAX_CLIENTS; i++) {
        const struct libos_resource *r = &t->r[i], *in;
        if (r->kind != LIBOS_RES_SHARED || strncmp(r->name, "con:", 4) != 0)
            continue;
        struct client *c = &clients[nclients++];
        strncpy(c->name, r->name + 4, sizeof(c->name) - 1);
        c->page = (struct px_console_page *)(uintptr_t)r->va;
        char in_name[24];
        snprintf(in_name, sizeof(in_name), "in:%s", c->name);
        in = libos_resource(in_name, LIBOS_RES_NOTIFICATION);
        c->input = in ? in->cap : 0;
    }
}

int main(void)
{
    const struct libos_resource *ports = libos_resource("io0", LIBOS_RES_IOPORT);
    const struct libos_resource *line = libos_resource("irq0", LIBOS_RES_IRQ);
    const struct libos_resource *wait = libos_resource("wait", LIBOS_RES_NOTIFICATION);
    const struct libos_resource *log = libos_resource("klog", LIBOS_RES_SHARED);

    if (!ports || !wait)
        return 1; /* no UART to drive: nothing we can even say */
    uart = ports->cap;
    uart_base = (uint32_t)ports->va;
    wait_cap = wait->cap;
    irq = line ? line->cap : 0;
    color = strstr(libos_bootinfo->cmdline, "console.color=1") != NULL;
    strcpy(klog.name, "kernel");
    find_clients();
    const char *want = strstr(libos_bootinfo->cmdline, "console.focus="); /* the client input goes to first */
    for (unsigned i = 0; want && i < nclients; i++) {
        size_t n = strlen(clients[i].name);
        if (strncmp(want + 14, clients[i].name, n) == 0 && (want[14 + n] == ' ' || want[14 + n] == 0))
            focus = i;
    }
    if (irq)
        px_ioport_out(uart, (uint16_t)(uart_base + UART_IER), 1, 0x01); /* interrupt on received data */
    for (;;) {
        uint64_t bits = 0;
        px_wait(wait_cap, &bits);
        if (log && (bits & BIT_KLOG))
            drain(&klog, (struct px_console_out *)(uintptr_t)log->va);
        for (unsigned i = 0; i < nclients; i++)
            if (bits & (1ull << i))
                drain(&clients[i], &clients[i].page->out);
        if (bits & BIT_UART)
            read_uart();
    }
}
