/*
 * The disk server: a user-level virtio-blk driver that gives each client its own virtual disk
 * (abi/proteus/io/blk.h). It drives every virtio-blk device in its MMIO grant whose interrupt line it is
 * granted (up to MAX_DEVICES; device 0 is the first disk QEMU is given, which microvm puts on the highest
 * transport, device 1 the second, ...), and each virtual disk lives on one of them (the manifest's
 * `device`). The devices' registers come from an MMIO grant, their interrupt lines through the
 * "events" notification, DMA goes to this task's frames and straight into the clients' data areas,
 * whose physical addresses the server learns from their frame caps (microvm has no IOMMU: see virtio.h).
 *
 * The event loop: wait on "events" (client bits 0..7, the device's line at bit 48 and up); collect every
 * finished device request and answer it; take requests from every client's ring, check each one, and
 * answer it or start it. Slices take the fast path: their reads and writes go to the device as they come,
 * up to the queue's depth, and are answered as they complete. Thin disks and flushes go through vdisk.c,
 * one at a time, because an allocation orders several writes.
 *
 * Batching (docs/blk.md): one wake-up answers everything that finished and starts everything posted,
 * with one kick of the device and at most one signal per client. Signals and kicks go only to a side
 * that asked for them (the clients' event indexes in io/blk.h, the device's VIRTIO_RING_F_EVENT_IDX):
 * the server asks a client for a signal only when few of its requests are on the device, since it looks
 * at every ring anyway when the device interrupts; a client asks for one only when it is about to wait.
 */
#include "bench.h"
#include "config.h"
#include "request.h"
#include "vdisk.h"
#include "virtio.h"
#include <libos/libos.h>
#include <proteus/io/blk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGIONS 16

#define MAX_DEVICES 4

struct device;

struct client {
    const struct blk_config_disk *cfg;
    struct device *dev; /* the physical disk its region is on */
    struct px_blk_shared *sh;
    uint8_t *data;
    uint32_t to_client;
    uint32_t resp_told; /* resp_prod when the client was last signalled (or did not ask to be) */
    bool ready, disconnected;
    struct vdisk vd;
};

/*
 * With at least this many requests on the device the server does not ask clients for signals: the next
 * interrupt comes soon and it looks at every ring then. Fewer, and a new request must wake it.
 */
#define BUSY_INFLIGHT 4

struct region {
    uint64_t va, pa, size;
};

struct inflight {
    struct client *c;
    uint64_t id;
};

/* A physical disk: its virtqueue, what is on it, its interrupt line, its side of vdisk.c. */
struct device {
    struct vblk vb;
    struct inflight inflight[VBLK_MAX_INFLIGHT];
    unsigned transport;
    uint32_t irq;
    uint64_t irq_bits;
    struct vdisk_io io;
};

static struct device devs[MAX_DEVICES];
static unsigned ndevs;
static uint64_t all_irq_bits;
static struct client clients[BLK_CONFIG_MAX_DISKS];
static unsigned nclients;
static struct region regions[MAX_REGIONS];
static unsigned nregions;
static uint32_t events;
static uint64_t pending;
static uint8_t *scratch;
static unsigned crash_after, crash_generations, writes_seen;
static bool crash_at_irq, crash_armed; /* blk.crash=N,K,irq: at the next interrupt, before acknowledging it */
static uint32_t generation;
static unsigned device_inflight;

static int fail(const char *what)
{
    printf("blk: %s\n", what);
    return 1;
}

/* ---- memory the device may reach ---- */

static int add_region(void *va, uint32_t frame, uint64_t size)
{
    uint64_t pa, pages;

    if (nregions == MAX_REGIONS || px_frame_info(frame, &pa, &pages) != PX_OK || pages * PX_PAGE_SIZE < size)
        return -1;
    regions[nregions++] = (struct region){(uint64_t)(uintptr_t)va, pa, size};
    return 0;
}

static uint64_t phys(const void *p, uint64_t len)
{
    uint64_t va = (uint64_t)(uintptr_t)p;

    for (unsigned i = 0; i < nregions; i++)
        if (va >= regions[i].va && va - regions[i].va <= regions[i].size &&
            len <= regions[i].size - (va - regions[i].va))
            return regions[i].pa + (va - regions[i].va);
    return 0;
}

/* ---- the device, synchronously (for vdisk.c) ---- */

static void tell_clients(void);

/* Sleep until an interrupt or a client's signal; first answer everyone and ask the devices to interrupt. */
static void wait_device(void)
{
    uint64_t bits = 0;
    bool arrived = false;

    tell_clients();
    for (unsigned i = 0; i < ndevs; i++)
        arrived |= vblk_arm(&devs[i].vb);
    if (arrived)
        return; /* completions arrived meanwhile: the caller reaps them */
    px_wait(events, &bits);
    pending |= bits & ~all_irq_bits;
    if ((bits & all_irq_bits) && crash_armed) {
        printf("blk: crashing on purpose with an interrupt taken and not acknowledged (blk.crash, "
               "generation %u)\n", generation);
        fflush(stdout);
        *(volatile int *)0 = 0;
    }
    for (unsigned i = 0; i < ndevs; i++)
        if (bits & devs[i].irq_bits) {
            devs[i].vb.interrupts++;
            vblk_ack_interrupt(&devs[i].vb);
            px_irq_ack(devs[i].irq);
        }
}

static void complete(struct device *d, int tag);

/* Answer every fast-path request the devices finished (except `keep` of `kd`, which a caller waits for). */
static void reap_all(struct device *kd, int keep)
{
    for (unsigned i = 0; i < ndevs; i++) {
        struct device *d = &devs[i];
        vblk_reap(&d->vb);
        for (int t = 0; t < VBLK_MAX_INFLIGHT; t++)
            if ((d != kd || t != keep) && d->vb.done[t] && d->inflight[t].c)
                complete(d, t);
    }
}

static int sync_io(struct device *d, enum vblk_op op, uint64_t sector, uint32_t count, void *buf)
{
    struct vblk_segment seg = {phys(buf, (uint64_t)count * 512), count * 512};
    int tag;

    if (op != VBLK_FLUSH && (!seg.pa || sector > d->vb.capacity || count > d->vb.capacity - sector))
        return op != VBLK_FLUSH && !seg.pa ? PX_BLK_ERR_INVAL : PX_BLK_ERR_IO;
    while ((tag = vblk_submit(&d->vb, op, sector, &seg, op == VBLK_FLUSH ? 0 : 1)) < 0) {
        wait_device();
        reap_all(NULL, -1);
    }
    vblk_kick(&d->vb);
    while (vblk_reap(&d->vb), !d->vb.done[tag])
        wait_device();
    reap_all(d, tag); /* fast-path requests that finished meanwhile */
    return vblk_finish(&d->vb, tag) == 0 ? PX_BLK_OK : PX_BLK_ERR_IO;
}

static int io_read(void *ctx, uint64_t s, uint32_t n, void *buf) { return sync_io(ctx, VBLK_READ, s, n, buf); }
static int io_write(void *ctx, uint64_t s, uint32_t n, const void *buf)
{
    return sync_io(ctx, VBLK_WRITE, s, n, (void *)(uintptr_t)buf);
}
static int io_flush(void *ctx)
{
    struct device *d = ctx;

    return d->vb.can_flush ? sync_io(d, VBLK_FLUSH, 0, 0, NULL) : PX_BLK_OK;
}

/* ---- clients ---- */

static void fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* Signal a client about the responses posted since the last time, if it asked (io/blk.h). */
static void tell(struct client *c, bool always)
{
    struct px_blk_shared *sh = c->sh;
    uint32_t prod = sh->resp_prod;

    if (prod == c->resp_told && !always)
        return;
    fence(); /* resp_prod is visible before we read rsp_event: the client's mirror image in libos/blk.c */
    if (always || !(__atomic_load_n(&sh->client_features, __ATOMIC_ACQUIRE) & PX_BLK_FEATURE_EVENT_IDX) ||
        px_blk_need_signal(prod, c->resp_told, __atomic_load_n(&sh->rsp_event, __ATOMIC_ACQUIRE)))
        px_signal(c->to_client);
    c->resp_told = prod;
}

static void tell_clients(void)
{
    for (unsigned i = 0; i < nclients; i++)
        if (clients[i].ready && !clients[i].disconnected)
            tell(&clients[i], false);
}

/* Post a response; the signal waits for tell_clients (one per batch). */
static void respond(struct client *c, uint64_t id, int status)
{
    struct px_blk_shared *sh = c->sh;
    uint32_t prod = sh->resp_prod;
    int rounds = 0;

    /* A full response ring: give the client time to take them, then give up on it. */
    while (prod - __atomic_load_n(&sh->resp_cons, __ATOMIC_ACQUIRE) >= PX_BLK_RING) {
        tell(c, true);
        px_thread_yield();
        if (++rounds == 10000) {
            printf("blk: disk %s: the client does not take its responses: disconnected\n", c->cfg->name);
            c->disconnected = true;
            return;
        }
    }
    sh->resp[prod % PX_BLK_RING] = (struct px_blk_response){id, status, 0};
    __atomic_store_n(&sh->resp_prod, prod + 1, __ATOMIC_RELEASE);
}

static void complete(struct device *d, int tag)
{
    struct inflight f = d->inflight[tag];

    d->inflight[tag].c = NULL;
    device_inflight--;
    respond(f.c, f.id, vblk_finish(&d->vb, tag) == 0 ? PX_BLK_OK : PX_BLK_ERR_IO);
}

static void maybe_crash(const struct px_blk_request *r)
{
    if (r->op == PX_BLK_OP_WRITE && crash_after && generation <= crash_generations &&
        ++writes_seen >= crash_after) {
        if (crash_at_irq) {
            crash_armed = true; /* wait_device crashes */
            return;
        }
        printf("blk: crashing on purpose after %u writes (blk.crash, generation %u)\n", writes_seen,
               generation);
        fflush(stdout);
        *(volatile int *)0 = 0;
    }
}

/* The fast path for slices: straight to the device; false if the queue is full (try again later). */
static bool submit_fast(struct client *c, const struct px_blk_request *r)
{
    struct vblk_segment seg = {phys(c->data + r->offset, (uint64_t)r->count * 512), r->count * 512};
    int tag = vblk_submit(&c->dev->vb, r->op == PX_BLK_OP_READ ? VBLK_READ : VBLK_WRITE, c->cfg->base + r->sector,
                          &seg, 1);

    if (tag < 0)
        return false;
    c->dev->inflight[tag] = (struct inflight){c, r->id};
    device_inflight++;
    return true;
}

static int slow(struct client *c, const struct px_blk_request *r)
{
    void *buf = c->data + r->offset;

    switch (r->op) {
    case PX_BLK_OP_READ:
        return vdisk_read(&c->vd, r->sector, r->count, buf);
    case PX_BLK_OP_WRITE:
        return vdisk_write(&c->vd, r->sector, r->count, buf);
    case PX_BLK_OP_DISCARD:
        return vdisk_discard(&c->vd, r->sector, r->count);
    default:
        return vdisk_flush(&c->vd);
    }
}

/* Take what the client posted, until its ring is empty or the device's queue is full. */
static void serve(struct client *c)
{
    struct px_blk_shared *sh = c->sh;

    while (!c->disconnected && c->ready) {
        uint32_t cons = sh->req_cons, prod = __atomic_load_n(&sh->req_prod, __ATOMIC_ACQUIRE);
        if (cons == prod) {
            if (device_inflight >= BUSY_INFLIGHT)
                return; /* not idle: the next interrupt brings us back here */
            /* Idle: ask for a signal at the next request, then look once more (io/blk.h). */
            __atomic_store_n(&sh->req_event, cons + 1, __ATOMIC_RELEASE);
            fence();
            if (__atomic_load_n(&sh->req_prod, __ATOMIC_ACQUIRE) == cons)
                return;
            continue;
        }
        if (blk_ring_pending(prod, cons) < 0) {
            printf("blk: disk %s: ring indices out of range (%u, %u): client disconnected\n", c->cfg->name,
                   prod, cons);
            c->disconnected = true;
            return;
        }
        struct px_blk_request r = sh->req[cons % PX_BLK_RING]; /* a copy: the client may change the ring */
        int st = blk_request_check(c->cfg, &r); /* nothing outside its disk or data area reaches the device */
        maybe_crash(&r);
        if (st == PX_BLK_OK && !c->cfg->thin && (r.op == PX_BLK_OP_READ || r.op == PX_BLK_OP_WRITE)) {
            if (!submit_fast(c, &r))
                return; /* the device's queue is full: its next interrupt brings us back */
            __atomic_store_n(&sh->req_cons, cons + 1, __ATOMIC_RELEASE);
            continue;
        }
        __atomic_store_n(&sh->req_cons, cons + 1, __ATOMIC_RELEASE);
        respond(c, r.id, st == PX_BLK_OK ? slow(c, &r) : st);
    }
}

/* ---- start of day ---- */

/* The grant of interrupt line `line` (its cap and its bit of "events"); false if there is none. */
static bool irq_grant(unsigned line, uint32_t *cap, uint64_t *bits)
{
    for (unsigned i = 0; i < 8; i++) {
        char name[8];
        snprintf(name, sizeof(name), "irq%u", i);
        const struct libos_resource *r = libos_resource(name, LIBOS_RES_IRQ);
        if (r && r->va == line) {
            *cap = r->cap, *bits = 1ull << r->size;
            return true;
        }
    }
    return false;
}

/*
 * Every virtio-blk device of the MMIO grant whose interrupt line this task has, from the highest
 * transport down (QEMU's microvm gives its first disk the highest transport, its second the one below:
 * so device i is the (i+1)-th disk QEMU was given). microvm (with ACPI, its default) wires transport i to
 * line 16 + i. A device without a grant for its line is left alone.
 */
static int setup_devices(void)
{
    const struct libos_resource *mmio = libos_resource("mmio0", LIBOS_RES_MMIO),
                                *ev = libos_resource("events", LIBOS_RES_NOTIFICATION);
    char err[96];

    if (!mmio || !ev)
        return fail("no device registers or events in this task's grants");
    events = ev->cap;
    for (unsigned t = (unsigned)(mmio->size / 0x200); t-- > 0 && ndevs < MAX_DEVICES;) {
        volatile uint8_t *regs = (volatile uint8_t *)(uintptr_t)mmio->va + t * 0x200;
        struct device *d = &devs[ndevs];
        unsigned index;
        uint32_t frame;
        void *dma;
        if (vblk_probe(regs, 1, &index) < 0)
            continue;
        if (!irq_grant(16 + t, &d->irq, &d->irq_bits)) {
            printf("blk: virtio-blk on transport %u: no grant for its interrupt line %u: not driven\n", t, 16 + t);
            continue;
        }
        if (!(dma = libos_map_new(3, &frame)) || add_region(dma, frame, 3 * PX_PAGE_SIZE) < 0)
            return fail("no DMA memory for a device");
        if (vblk_init(&d->vb, regs, dma, phys(dma, 3 * PX_PAGE_SIZE), err, sizeof(err)) < 0)
            return fail(err);
        /*
         * The kernel masks a line when it fires, until the driver acknowledges it, and the root server
         * keeps the line's cap across restarts. A predecessor that died between taking an interrupt and
         * acknowledging it left the line masked, and no interrupt would ever come again: unmask it now
         * that the device is reset.
         */
        px_irq_ack(d->irq);
        d->transport = t;
        d->io = (struct vdisk_io){io_read, io_write, io_flush, d};
        all_irq_bits |= d->irq_bits;
        ndevs++;
    }
    return ndevs ? 0 : fail("no virtio-blk device in the MMIO range with its interrupt line granted");
}

static void open_disk(struct client *c)
{
    struct vdisk_config vc = {c->cfg->thin ? VDISK_THIN : VDISK_SLICE, c->cfg->base, c->cfg->region,
                              c->cfg->sectors, c->cfg->read_only != 0};
    size_t need = vdisk_memory_needed(&vc);
    void *mem = need ? libos_map_new((need + PX_PAGE_SIZE - 1) / PX_PAGE_SIZE, NULL) : NULL;
    char err[96] = "";

    if (!c->dev)
        snprintf(err, sizeof(err), "its device %u is not there (this server drives %u)", c->cfg->device, ndevs);
    else if (c->cfg->base + c->cfg->region > c->dev->vb.capacity)
        snprintf(err, sizeof(err), "its region ends at sector %llu, past the disk's %llu",
                 (unsigned long long)(c->cfg->base + c->cfg->region), (unsigned long long)c->dev->vb.capacity);
    else if (need && !mem)
        snprintf(err, sizeof(err), "no memory for its map");
    else if (vdisk_open(&c->vd, &vc, &c->dev->io, mem, need, scratch, err, sizeof(err)) == PX_BLK_OK)
        err[0] = 0;
    c->sh->sectors = c->cfg->sectors;
    c->sh->sector_size = PX_BLK_SECTOR_SIZE;
    c->sh->flags = c->cfg->read_only ? PX_BLK_FLAG_READ_ONLY : 0;
    c->ready = !err[0];
    if (err[0])
        printf("blk: disk %s is not served: %s\n", c->cfg->name, err);
}

static int setup_clients(void)
{
    const struct libos_resource *cr = libos_resource("blk-config", LIBOS_RES_SHARED);
    const struct blk_config *cfg = cr ? (const struct blk_config *)(uintptr_t)cr->va : NULL;
    uint32_t sframe;

    if (!cfg || cfg->magic != BLK_CONFIG_MAGIC || cfg->ndisks > BLK_CONFIG_MAX_DISKS)
        return fail("no valid blk-config grant");
    if (!(scratch = libos_map_new(VDISK_THIN_BLOCK_SECTORS * 512 / PX_PAGE_SIZE, &sframe)) ||
        add_region(scratch, sframe, VDISK_THIN_BLOCK_SECTORS * 512) < 0)
        return fail("no memory for the scratch buffer");
    for (unsigned i = 0; i < cfg->ndisks; i++) {
        char name[24];
        snprintf(name, sizeof(name), "disk:%s", cfg->disks[i].name);
        const struct libos_resource *sh = libos_resource(name, LIBOS_RES_SHARED),
                                    *n = libos_resource(name, LIBOS_RES_NOTIFICATION);
        struct client *c = &clients[nclients++];
        if (!sh || !n || sh->size < PX_BLK_DATA_OFFSET + PX_BLK_DATA_SIZE)
            return fail("a disk's shared region or notification is missing");
        c->cfg = &cfg->disks[i];
        c->dev = cfg->disks[i].device < ndevs ? &devs[cfg->disks[i].device] : NULL;
        c->sh = (struct px_blk_shared *)(uintptr_t)sh->va;
        c->data = (uint8_t *)(uintptr_t)sh->va + PX_BLK_DATA_OFFSET;
        c->to_client = n->cap;
        if (add_region(c->data - PX_BLK_DATA_OFFSET, sh->cap, sh->size) < 0)
            return fail("cannot find a disk's physical address");
        if (c->sh->generation > generation)
            generation = c->sh->generation;
    }
    generation++;
    return 0;
}

static void options(void)
{
    const char *o = strstr(libos_bootinfo->cmdline, "blk.crash=");
    char where[4] = "";

    if (o)
        sscanf(o + 10, "%u,%u,%3[a-z]", &crash_after, &crash_generations, where);
    crash_at_irq = strcmp(where, "irq") == 0;
}

int main(void)
{
    options();
    if (setup_devices() != 0 || setup_clients() != 0)
        return 1;
    printf("blk: virtio-blk at %llu sectors%s", (unsigned long long)devs[0].vb.capacity,
           devs[0].vb.read_only ? " (read-only)" : "");
    for (unsigned i = 1; i < ndevs; i++)
        printf(" and %llu sectors%s", (unsigned long long)devs[i].vb.capacity, devs[i].vb.read_only ? " (read-only)" : "");
    printf(", %u disks, generation %u\n", nclients, generation);
    if (strstr(libos_bootinfo->cmdline,
               "bench.blk")) /* the baseline first, while nobody else uses the disk */
        bench_direct(&devs[0].vb, wait_device, strstr(libos_bootinfo->cmdline, "bench.quick") != NULL);
    /*
     * A restart drops what the previous server had not taken: every client resubmits what has no answer
     * once it sees the new generation with ready set (io/blk.h).
     */
    for (unsigned i = 0; i < nclients; i++) {
        struct px_blk_shared *sh = clients[i].sh;
        __atomic_store_n(&sh->ready, 0u, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->generation, generation, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->req_cons, __atomic_load_n(&sh->req_prod, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
        __atomic_store_n(&sh->req_event, sh->req_cons + 1, __ATOMIC_RELEASE);
        __atomic_store_n(&sh->server_features, PX_BLK_FEATURE_EVENT_IDX, __ATOMIC_RELEASE);
        open_disk(&clients[i]);
        clients[i].resp_told = sh->resp_prod;
        __atomic_store_n(&sh->ready, clients[i].ready ? 1u : 2u, __ATOMIC_RELEASE);
        px_signal(clients[i].to_client);
    }
    /*
     * Each round: answer what the device finished, take what every client posted (a client that
     * suppressed its signal relies on this), kick the device once, then sleep unless something came in.
     */
    for (;;) {
        pending = 0; /* bits that arrive while we serve stay in pending for the next round */
        reap_all(NULL, -1);
        for (unsigned i = 0; i < nclients; i++)
            serve(&clients[i]);
        for (unsigned i = 0; i < ndevs; i++)
            vblk_kick(&devs[i].vb);
        if (!pending)
            wait_device();
    }
}
