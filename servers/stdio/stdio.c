/*
 * The stdio server: a program's standard streams passed through to the host over a second UART (COM2),
 * so `tools/proteus lx` can give the program the caller's stdin, stdout and stderr byte for byte
 * (abi/proteus/io/stdio.h has the protocol on both sides).
 *
 * Resources (declared in the system's manifest): the UART's ports "io0" and interrupt line "irq0" (which
 * signals "events", bit 48), QEMU's fw_cfg ports "io1", the channel "stdio" (the shared struct
 * px_stdio_page, and the notification the client signals) and the channel "stdio-in" (the notification
 * we signal the client with).
 *
 * Bulk input that is known up front comes through fw_cfg rather than the UART, whose 16-byte FIFO QEMU
 * refills only as fast as its main loop turns: the host's start block (the file "opt/proteus/start",
 * the program's arguments and environment) and, when the caller's stdin is a file, all of stdin
 * ("opt/proteus/stdin", then end of file). A data port read is synchronous, so this runs at memory speed.
 * Input from a pipe streams over the UART after the start block.
 *
 * Two helper threads turn the interrupt line's notification and the client's into bits of one of our
 * own, so the loop waits in one place. Output is written with the UART polled (bytes are not dropped or
 * reordered, and a ring's cons only passes bytes the UART has sent); input is read on interrupts and
 * parsed frame by frame into the in ring. When that ring is full we stop reading the UART: its FIFO fills
 * and QEMU stops taking the host's bytes, so stdin is never read ahead of the program by more than that.
 */
#include <libos/libos.h>
#include <proteus/io/stdio.h>
#include <stdio.h>
#include <string.h>

#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LSR 5
#define LSR_DATA 0x01
#define LSR_TEMT 0x40
#define IER_RX 0x01
#define BIT_UART 1ull
#define BIT_CLIENT 2ull
#define SPIN_READS 2000 /* empty reads of the UART before we wait for its interrupt */
#define FRAME_MAX 4096 /* bytes per OUT/ERR frame we send */
#define RELAY_PRIO 22  /* the server's own priority (its manifest), above lx's 20 */

static uint32_t uart, base, irq, me;
static struct px_stdio_page *page;
static uint32_t to_client;

/* What the input parser is in the middle of: a frame's type, its length bytes, its data. */
static struct {
    uint8_t type;
    unsigned have_len; /* 0, 1 or 2 length bytes read */
    uint32_t left;     /* data bytes still to come */
} in_frame;
static bool rx_stopped;

/* fw_cfg (QEMU's docs/specs/fw_cfg.rst): a 16-bit selector port and a data port read a byte at a time. */
#define FW_CFG_SELECTOR 0
#define FW_CFG_DATA 1
#define FW_CFG_FILE_DIR 0x19
static uint32_t fw, fw_base;
static struct {
    uint16_t key;
    uint32_t left;
} feeds[2]; /* the start block, then stdin if it is a file */
static unsigned feed; /* the feed being read; past the last: the UART's frames */
static bool stdin_in_file;

static uint8_t fw_byte(void)
{
    uint32_t v = 0;

    px_ioport_in(fw, (uint16_t)(fw_base + FW_CFG_DATA), 1, &v);
    return (uint8_t)v;
}

static uint32_t fw_be(unsigned bytes)
{
    uint32_t v = 0;

    while (bytes--)
        v = v << 8 | fw_byte();
    return v;
}

/* Find the fw_cfg files the host gave us (none if QEMU has no fw_cfg or the host gave none). */
static void fw_find(void)
{
    uint32_t count;

    if (!fw || px_ioport_out(fw, (uint16_t)(fw_base + FW_CFG_SELECTOR), 2, FW_CFG_FILE_DIR) != PX_OK)
        return;
    count = fw_be(4);
    for (uint32_t i = 0; i < count && i < 4096; i++) {
        uint32_t size = fw_be(4);
        uint16_t key = (uint16_t)fw_be(2);
        char name[57];
        fw_be(2);
        for (unsigned j = 0; j < 56; j++)
            name[j] = (char)fw_byte();
        name[56] = 0;
        if (strcmp(name, "opt/proteus/start") == 0)
            feeds[0].key = key, feeds[0].left = size;
        if (strcmp(name, "opt/proteus/stdin") == 0)
            feeds[1].key = key, feeds[1].left = size, stdin_in_file = true;
    }
    for (feed = 0; feed < 2 && !feeds[feed].key; feed++)
        ;
    if (feed < 2)
        px_ioport_out(fw, (uint16_t)(fw_base + FW_CFG_SELECTOR), 2, feeds[feed].key);
}

/* Copy fw_cfg bytes into the in ring while it has room; true if any moved. */
static bool fw_feed(void)
{
    struct px_stdio_ring *r = &page->in;
    bool moved = false;

    while (feed < 2) {
        while (feeds[feed].left && r->prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE) < PX_STDIO_RING_SIZE) {
            r->data[r->prod % PX_STDIO_RING_SIZE] = fw_byte();
            __atomic_store_n(&r->prod, r->prod + 1, __ATOMIC_RELEASE);
            feeds[feed].left--;
            moved = true;
        }
        if (feeds[feed].left)
            return moved;
        if (feed == 1) { /* stdin was the file: it ends here */
            __atomic_store_n(&r->closed, 1, __ATOMIC_RELEASE);
            moved = true;
        }
        for (feed++; feed < 2 && !feeds[feed].key; feed++)
            ;
        if (feed < 2)
            px_ioport_out(fw, (uint16_t)(fw_base + FW_CFG_SELECTOR), 2, feeds[feed].key);
    }
    return moved;
}

static uint32_t uart_in(unsigned reg)
{
    uint32_t v = 0;

    px_ioport_in(uart, (uint16_t)(base + reg), 1, &v);
    return v;
}

static void uart_out(unsigned reg, uint8_t v) { px_ioport_out(uart, (uint16_t)(base + reg), 1, v); }

static void put(uint8_t c)
{
    while (!(uart_in(UART_LSR) & LSR_TEMT))
        ;
    uart_out(UART_DATA, c);
}

/* Helper threads: each waits on one notification and passes it on as a bit of ours. */
struct relay {
    uint32_t from, to;
};

static void relay_thread(void *arg)
{
    const struct relay *r = arg;

    for (;;) {
        uint64_t bits;
        if (px_wait(r->from, &bits) == PX_OK)
            px_signal(r->to);
    }
}

static bool start_relay(struct relay *r, uint32_t from, uint64_t bit)
{
    struct libos_thread th;
    uint32_t badged = libos_slot_alloc();

    if (!badged || px_cap_mint(me, badged, PX_R_WRITE, bit) != PX_OK)
        return false;
    *r = (struct relay){from, badged};
    return libos_thread_create(relay_thread, r, RELAY_PRIO, PX_CAP_NULL, 0, &th) == PX_OK;
}

/* Send what the client wrote to one ring, in frames; the ring's cons moves once the UART has sent it. */
static bool drain(struct px_stdio_ring *r, uint8_t type)
{
    uint32_t prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE), cons = r->cons;

    if (prod == cons)
        return false;
    while (cons != prod) {
        uint32_t n = prod - cons < FRAME_MAX ? prod - cons : FRAME_MAX;
        put(type), put((uint8_t)n), put((uint8_t)(n >> 8));
        for (uint32_t i = 0; i < n; i++)
            put(r->data[(cons + i) % PX_STDIO_RING_SIZE]);
        cons += n;
    }
    while (!(uart_in(UART_LSR) & LSR_TEMT))
        ;
    __atomic_store_n(&r->cons, cons, __ATOMIC_RELEASE);
    return true;
}

/* One byte from the host; false if the in ring has no room for it (it is kept for later). */
static bool take(uint8_t c)
{
    struct px_stdio_ring *r = &page->in;

    if (stdin_in_file)
        return true; /* stdin came as a file: nothing from the UART is for it */
    if (in_frame.type == 0) {
        if (c == PX_STDIO_EOF)
            __atomic_store_n(&r->closed, 1, __ATOMIC_RELEASE);
        else if (c == PX_STDIO_DATA)
            in_frame = (typeof(in_frame)){c, 0, 0};
        return true; /* anything else is not for us: skipped */
    }
    if (in_frame.have_len < 2) {
        in_frame.left |= (uint32_t)c << (8 * in_frame.have_len++);
        if (in_frame.have_len == 2 && in_frame.left == 0)
            in_frame.type = 0;
        return true;
    }
    if (r->prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE) >= PX_STDIO_RING_SIZE)
        return false;
    r->data[r->prod % PX_STDIO_RING_SIZE] = c;
    __atomic_store_n(&r->prod, r->prod + 1, __ATOMIC_RELEASE);
    if (--in_frame.left == 0)
        in_frame.type = 0;
    return true;
}

/* Read what the UART holds while the ring has room; the byte that did not fit waits in `held`. */
static bool read_uart(void)
{
    static int held = -1;
    uint32_t before = page->in.prod, closed = page->in.closed;

    if (held >= 0 && take((uint8_t)held))
        held = -1;
    /*
     * QEMU refills the UART's 16-byte FIFO from the host as soon as there is room, so while bytes flow we
     * keep reading a while after it runs dry rather than wait for an interrupt per 16 bytes.
     */
    for (unsigned idle = 0; held < 0 && idle < SPIN_READS; idle++) {
        if (!(uart_in(UART_LSR) & LSR_DATA))
            continue;
        uint8_t c = (uint8_t)uart_in(UART_DATA);
        if (!take(c))
            held = c;
        idle = 0;
    }
    rx_stopped = held >= 0;
    return page->in.prod != before || page->in.closed != closed;
}

int main(void)
{
    const struct libos_resource *ports = libos_resource("io0", LIBOS_RES_IOPORT);
    const struct libos_resource *fw_ports = libos_resource("io1", LIBOS_RES_IOPORT);
    const struct libos_resource *line = libos_resource("irq0", LIBOS_RES_IRQ);
    const struct libos_resource *events = libos_resource("events", LIBOS_RES_NOTIFICATION);
    const struct libos_resource *shared = libos_resource("stdio", LIBOS_RES_SHARED);
    const struct libos_resource *from_client = libos_resource("stdio", LIBOS_RES_NOTIFICATION);
    const struct libos_resource *signal = libos_resource("stdio-in", LIBOS_RES_NOTIFICATION);
    static struct relay relays[2];

    if (!ports || !line || !events || !shared || !from_client || !signal ||
        shared->size < sizeof(struct px_stdio_page)) {
        printf("stdio: the manifest does not give this server its UART, line and channels\n");
        return 1;
    }
    uart = ports->cap, base = (uint32_t)ports->va, irq = line->cap, to_client = signal->cap;
    fw = fw_ports ? fw_ports->cap : 0, fw_base = fw_ports ? (uint32_t)fw_ports->va : 0;
    page = (struct px_stdio_page *)(uintptr_t)shared->va;
    if (!(me = libos_slot_alloc()) || px_notification_create(me) != PX_OK ||
        !start_relay(&relays[0], events->cap, BIT_UART) ||
        !start_relay(&relays[1], from_client->cap, BIT_CLIENT)) {
        printf("stdio: cannot start\n");
        return 1;
    }
    if (uart_in(UART_LSR) == 0xff) { /* no UART there (QEMU was started without COM2): nothing to serve */
        for (;;)
            px_wait(me, &(uint64_t){0});
    }
    uart_out(UART_FCR, 0x07); /* FIFOs on and empty: the host sends nothing before READY */
    uart_out(UART_IER, IER_RX);
    fw_find();
    if (fw_feed())
        px_signal(to_client);
    put(PX_STDIO_READY);
    for (;;) {
        uint64_t bits = 0;
        bool to_signal = false;

        px_wait(me, &bits);
        if (bits & BIT_UART)
            px_irq_ack(irq);
        if (feed < 2 && (bits & BIT_CLIENT))
            to_signal |= fw_feed();
        if (feed >= 2 && (!rx_stopped || (bits & BIT_CLIENT)))
            to_signal |= read_uart();
        to_signal |= drain(&page->out, PX_STDIO_OUT);
        to_signal |= drain(&page->err, PX_STDIO_ERR);
        if (to_signal)
            px_signal(to_client);
    }
}
