/*
 * Turning the manifest's declarations into caps: for each task exactly the channels, devices and console
 * it declares, each as a named grant (libos_grant) that libos_spawn installs and describes to the task.
 * The root server keeps its own copy of every cap, so a restarted task gets the same channels back.
 */
#include "../blk/config.h"
#include "root.h"
#include <proteus/io/console.h>
#include <stdio.h>
#include <string.h>

#define BIT_KLOG (1ull << 62)
#define BIT_UART (1ull << 63)

static int grant(struct child *c, const char *name, uint32_t kind, uint32_t cap, uint32_t rights,
                 uint64_t pages, uint64_t value, uint64_t size)
{
    static char names[MANIFEST_MAX_TASKS * ROOT_MAX_GRANTS][24];
    static unsigned nnames;

    if (c->ngrants == ROOT_MAX_GRANTS || nnames == sizeof(names) / sizeof(names[0]))
        return -1;
    snprintf(names[nnames], sizeof(names[0]), "%s", name);
    c->grants[c->ngrants++] = (struct libos_grant){names[nnames++], kind, cap, rights, pages, value, size};
    return 0;
}

void grant_image(struct child *c, uint32_t frame, uint64_t pages, uint64_t size)
{
    if (grant(c, "image", LIBOS_RES_SHARED, frame, PX_R_READ, pages, 0, 0) == 0)
        c->grants[c->ngrants - 1].size = size; /* the image's length; the mapping is whole pages */
}

static uint32_t new_object(int64_t (*create)(uint32_t))
{
    uint32_t s = libos_slot_alloc();

    return s && create(s) == PX_OK ? s : 0;
}

static uint32_t new_frame(uint64_t pages)
{
    uint32_t s = libos_slot_alloc();

    return s && px_frame_create(libos_bootinfo->cap_memory, s, pages) == PX_OK ? s : 0;
}

static uint32_t mint(uint32_t src, uint64_t badge)
{
    uint32_t s = libos_slot_alloc();

    return s && px_cap_mint(src, s, PX_R_WRITE, badge) == PX_OK ? s : 0;
}

static int channels(const struct manifest *m, struct child *children)
{
    for (unsigned i = 0; i < m->nchannels; i++) {
        const struct manifest_channel *ch = &m->channels[i];
        struct child *from = &children[ch->from], *to = &children[ch->to];
        if (ch->endpoint) {
            uint32_t ep = new_object(px_endpoint_create);
            if (!ep || grant(from, ch->name, LIBOS_RES_ENDPOINT, ep, PX_R_WRITE, 0, 0, 0) < 0 ||
                grant(to, ch->name, LIBOS_RES_ENDPOINT, ep, PX_R_READ, 0, 0, 0) < 0)
                return -1;
        }
        if (ch->notification) {
            uint32_t n = new_object(px_notification_create);
            if (!n || grant(from, ch->name, LIBOS_RES_NOTIFICATION, n, PX_R_WRITE, 0, 0, 0) < 0 ||
                grant(to, ch->name, LIBOS_RES_NOTIFICATION, n, PX_R_READ, 0, 0, 0) < 0)
                return -1;
        }
        if (ch->shared_memory_kib) {
            uint64_t pages = (ch->shared_memory_kib + 3) / 4;
            uint32_t f = new_frame(pages);
            if (!f || grant(from, ch->name, LIBOS_RES_SHARED, f, PX_R_READ | PX_R_WRITE, pages, 0, 0) < 0 ||
                grant(to, ch->name, LIBOS_RES_SHARED, f, PX_R_READ | PX_R_WRITE, pages, 0, 0) < 0)
                return -1;
        }
    }
    return 0;
}

/* The notification a device driver waits on: its interrupt lines and its disks' clients set its bits. */
static uint32_t events_of(struct child *c)
{
    if (!c->events) {
        if (!(c->events = new_object(px_notification_create)) ||
            grant(c, "events", LIBOS_RES_NOTIFICATION, c->events, PX_R_READ, 0, 0, 0) < 0)
            return c->events = 0;
    }
    return c->events;
}

static int devices(struct child *c, bool console_server, uint32_t wait)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    const struct manifest_task *t = c->task;
    char name[16];

    for (unsigned i = 0; i < t->nioports; i++) {
        uint32_t io = libos_slot_alloc();
        snprintf(name, sizeof(name), "io%u", i);
        if (!io ||
            px_ioport_split(bi->cap_ioport, io, (uint32_t)t->ioports[i].base, (uint32_t)t->ioports[i].size) ||
            grant(c, name, LIBOS_RES_IOPORT, io, PX_R_ALL, 0, t->ioports[i].base, t->ioports[i].size) < 0)
            return -1;
    }
    for (unsigned i = 0; i < t->nirqs; i++) {
        /* The console server's lines signal its "wait" (bit 63); any other task's its "events" (bit 48 + i).
         */
        uint32_t irq = libos_slot_alloc(), n = console_server ? wait : events_of(c);
        snprintf(name, sizeof(name), "irq%u", i);
        if (!irq || !n ||
            px_irq_create(bi->cap_irq_control, irq, t->irqs[i].line, t->irqs[i].flags) != PX_OK ||
            px_irq_bind(irq, n, console_server ? BIT_UART : 1ull << (48 + i)) != PX_OK ||
            grant(c, name, LIBOS_RES_IRQ, irq, PX_R_MANAGE, 0, t->irqs[i].line, 48 + i) < 0)
            return -1;
    }
    for (unsigned i = 0; i < t->nmmio; i++) {
        uint32_t f = libos_slot_alloc();
        uint64_t pages = t->mmio[i].size / PX_PAGE_SIZE;
        snprintf(name, sizeof(name), "mmio%u", i);
        if (!f || px_frame_create_device(bi->cap_mmio, f, t->mmio[i].base, pages) != PX_OK ||
            grant(c, name, LIBOS_RES_MMIO, f, PX_R_READ | PX_R_WRITE, pages, t->mmio[i].base, 0) < 0)
            return -1;
    }
    return 0;
}

/*
 * Disks: per disk a shared region (rings and data, io/blk.h) mapped in the server and the client, a
 * notification the server signals the client with, the client's badged cap to the server's "events";
 * and per server the read-only configuration page (servers/blk/config.h).
 */
static int disks(const struct manifest *m, struct child *children)
{
    struct blk_config *cfg[MANIFEST_MAX_TASKS] = {0};
    uint32_t cfg_frame[MANIFEST_MAX_TASKS] = {0};

    for (unsigned i = 0; i < m->ndisks; i++) {
        const struct manifest_disk *d = &m->disks[i];
        struct child *server = &children[d->server], *client = &children[d->client];
        uint64_t pages = MANIFEST_DISK_SHARED_KIB / 4;
        uint32_t region = new_frame(pages), to_client = new_object(px_notification_create), events, signal;
        char n[24];

        if (!cfg[d->server]) {
            cfg_frame[d->server] = new_frame(1);
            uint64_t va = libos_va_alloc(1);
            struct px_map_op op = {
                PX_MAP_OP_MAP, cfg_frame[d->server], va, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};
            if (!cfg_frame[d->server] || !va ||
                px_map_batch(libos_bootinfo->cap_task, &op, 1, NULL) != PX_OK ||
                grant(server, "blk-config", LIBOS_RES_SHARED, cfg_frame[d->server], PX_R_READ, 1, 0, 0) < 0)
                return -1;
            cfg[d->server] = (struct blk_config *)(uintptr_t)va;
            cfg[d->server]->magic = BLK_CONFIG_MAGIC;
        }
        struct blk_config *c = cfg[d->server];
        struct blk_config_disk *cd = &c->disks[c->ndisks];
        if (!region || !to_client || !(events = events_of(server)) ||
            !(signal = mint(events, 1ull << c->ndisks)))
            return -1;
        *cd = (struct blk_config_disk){.bit = c->ndisks,
                                       .thin = d->thin,
                                       .read_only = d->read_only,
                                       .device = d->device,
                                       .base = (uint64_t)d->offset_kib * 2,
                                       .region = (uint64_t)d->backing_kib * 2,
                                       .sectors = (uint64_t)d->size_kib * 2};
        snprintf(cd->name, sizeof(cd->name), "%s", d->name);
        c->ndisks++;
        snprintf(n, sizeof(n), "disk:%s", d->name);
        if (grant(server, n, LIBOS_RES_SHARED, region, PX_R_READ | PX_R_WRITE, pages, 0, 0) < 0 ||
            grant(server, n, LIBOS_RES_NOTIFICATION, to_client, PX_R_WRITE, 0, 0, 0) < 0 ||
            grant(client, d->name, LIBOS_RES_SHARED, region, PX_R_READ | PX_R_WRITE, pages, 0, 0) < 0 ||
            grant(client, d->name, LIBOS_RES_NOTIFICATION, signal, PX_R_WRITE, 0, 0, 0) < 0 ||
            grant(client, d->name, LIBOS_RES_WAIT, to_client, PX_R_READ, 0, 0, 0) < 0)
            return -1;
    }
    return 0;
}

/* Map a console page here too, to see whether the server has caught up (consoles_drained). */
static void *watch_ring(struct consoles *cons, uint32_t frame)
{
    uint64_t va = libos_va_alloc(1);
    struct px_map_op op = {PX_MAP_OP_MAP, frame, va, 0, 1, PX_PROT_READ | PX_PROT_WRITE, 0};

    if (!va || px_map_batch(libos_bootinfo->cap_task, &op, 1, NULL) != PX_OK)
        return NULL;
    if (cons->nrings < sizeof(cons->rings) / sizeof(cons->rings[0]))
        cons->rings[cons->nrings++] = (struct px_console_out *)(uintptr_t)va;
    return (void *)(uintptr_t)va;
}

/* A console client: its page, the badged cap that signals the server, the notification for its input. */
static int console_client(struct consoles *cons, struct child *server, const char *name, unsigned bit,
                          uint32_t *frame, uint32_t *signal, uint32_t *input)
{
    char n[24];

    if (!(*frame = new_frame(1)) || !(*signal = mint(cons->wait, 1ull << bit)) ||
        !(*input = new_object(px_notification_create)) || !watch_ring(cons, *frame))
        return -1;
    snprintf(n, sizeof(n), "con:%s", name);
    if (grant(server, n, LIBOS_RES_SHARED, *frame, PX_R_READ | PX_R_WRITE, 1, 0, 0) < 0)
        return -1;
    snprintf(n, sizeof(n), "in:%s", name);
    return grant(server, n, LIBOS_RES_NOTIFICATION, *input, PX_R_WRITE, 0, 0, 0);
}

/* The root server's own console comes first: its ring is rings[0]. */
static int consoles(const struct manifest *m, struct child *children, struct consoles *cons)
{
    struct child *server = &children[m->console_server];
    unsigned bit = 0;

    if (!(cons->wait = new_object(px_notification_create)) || !(cons->klog_frame = new_frame(1)))
        return -1;
    if (console_client(cons, server, "root", bit++, &cons->root_frame, &cons->root_signal,
                       &cons->root_input) < 0 ||
        !watch_ring(cons, cons->klog_frame) ||
        grant(server, "wait", LIBOS_RES_NOTIFICATION, cons->wait, PX_R_READ, 0, 0, 0) < 0 ||
        grant(server, "klog", LIBOS_RES_SHARED, cons->klog_frame, PX_R_READ | PX_R_WRITE, 1, 0, 0) < 0)
        return -1;
    for (unsigned i = 0; i < m->ntasks; i++) {
        struct child *c = &children[i];
        uint32_t frame, signal, input;
        if (!c->task->console[0])
            continue;
        if (console_client(cons, server, c->task->console, bit++, &frame, &signal, &input) < 0 ||
            grant(c, "console", LIBOS_RES_CONSOLE, frame, PX_R_READ | PX_R_WRITE, 1, 0, 0) < 0 ||
            grant(c, "console", LIBOS_RES_NOTIFICATION, signal, PX_R_WRITE, 0, 0, 0) < 0 ||
            grant(c, "console", LIBOS_RES_CONSOLE_IN, input, PX_R_READ, 0, 0, 0) < 0)
            return -1;
    }
    cons->present = true;
    return 0;
}

int grants_build(const struct manifest *m, struct child *children, struct consoles *cons)
{
    if (channels(m, children) < 0 || (m->console_server >= 0 && consoles(m, children, cons) < 0))
        return -1;
    for (unsigned i = 0; i < m->ntasks; i++)
        if (devices(&children[i], (int)i == m->console_server, cons->wait) < 0)
            return -1;
    return disks(m, children);
}

void consoles_attach(struct consoles *cons)
{
    uint32_t klog_signal;

    if (!cons->present)
        return;
    fflush(stdout);
    if ((klog_signal = mint(cons->wait, BIT_KLOG)))
        px_klog_attach(libos_bootinfo->cap_debug, cons->klog_frame, klog_signal);
    libos_console_use(cons->rings[0], cons->root_signal, cons->root_input);
}

bool consoles_drained(const struct consoles *cons)
{
    for (unsigned i = 0; i < cons->nrings; i++)
        if (__atomic_load_n(&cons->rings[i]->cons, __ATOMIC_ACQUIRE) != cons->rings[i]->prod)
            return false;
    return true;
}
