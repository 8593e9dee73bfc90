/*
 * The block front end: lx's virtual disks from the disk server (abi/proteus/io/blk.h, libos/blk.c).
 * Each disk has up to PX_BLK_RING requests in flight, each with its own 64 KiB of the shared data
 * area; lx never waits for one. A thread per disk waits for the server's signal and passes it on to
 * lx's own notification, and lx's event loop then collects the finished requests (lx_disk_poll) and
 * runs their callbacks (the buffer cache's, fs/buffer.c). A restart of the disk server is handled by
 * libos: requests without an answer are posted again, and whoever waits for them simply waits longer.
 */
#include "dev/blk.h"
#include <stdio.h>
#include <string.h>

static struct lx_disk disks[LX_MAX_DISKS];
static unsigned ndisks;
static uint32_t notify;

struct lx_disk *lx_disk_at(unsigned i) { return i < ndisks ? &disks[i] : NULL; }

struct lx_disk *lx_disk_find(const char *name)
{
    for (unsigned i = 0; i < ndisks; i++)
        if (strcmp(disks[i].name, name) == 0)
            return &disks[i];
    return NULL;
}

static void waiter(void *arg)
{
    struct lx_disk *d = arg;
    uint64_t bits;

    for (;;)
        if (px_wait(d->blk.wait, &bits) == PX_OK)
            px_signal(notify);
}

unsigned lx_disks_init(uint32_t notification)
{
    static const char names[LX_MAX_DISKS][4] = {"vda", "vdb", "vdc", "vdd"};

    notify = notification;
    for (unsigned i = 0; i < LX_MAX_DISKS; i++) {
        struct lx_disk *d = &disks[ndisks];
        struct libos_thread t;
        int st;
        if (!libos_resource(names[i], LIBOS_RES_SHARED))
            continue;
        memset(d, 0, sizeof(*d));
        snprintf(d->name, sizeof(d->name), "%s", names[i]);
        if ((st = libos_blk_open(&d->blk, names[i])) != PX_BLK_OK) {
            printf("lx: disk %s: cannot open it (status %d)\n", names[i], st);
            continue;
        }
        d->pages = d->blk.sectors / LX_SECTORS_PER_PAGE;
        d->read_only = d->blk.sh->flags & PX_BLK_FLAG_READ_ONLY;
        if (libos_thread_create(waiter, d, 15, PX_CAP_NULL, 0, &t) != PX_OK) { /* as the console's */
            printf("lx: disk %s: cannot start its thread\n", names[i]);
            continue;
        }
        ndisks++;
    }
    return ndisks;
}

int lx_disk_submit(struct lx_disk *d, uint32_t op, uint64_t sector, uint32_t count,
                   void (*prepare)(void *arg, uint8_t *data), lx_disk_done_fn *done, void *arg)
{
    unsigned slot = 0;
    uint64_t id;

    if (d->gone)
        return -LX_EIO; /* its server is gone for good: fail at once */
    while (slot < PX_BLK_RING && d->req[slot].busy)
        slot++;
    if (slot == PX_BLK_RING)
        return -LX_EAGAIN;
    uint8_t *data = d->blk.data + (size_t)slot * (PX_BLK_DATA_SIZE / PX_BLK_RING);
    if (prepare)
        prepare(arg, data);
    /* (The response event is armed already: lx_disk_poll leaves it armed whenever it goes idle.) */
    if (libos_blk_submit(&d->blk, op, sector, count, (uint64_t)slot * (PX_BLK_DATA_SIZE / PX_BLK_RING), &id) != PX_BLK_OK)
        return -LX_EIO;
    d->req[slot].busy = true;
    d->req[slot].id = id;
    d->req[slot].done = done;
    d->req[slot].arg = arg;
    if (d->in_flight++ == 0)
        d->progress_ns = libos_monotonic_ns(); /* the clock of its timeout starts with its work */
    return 0;
}

/*
 * The disk's server has not answered for LX_DISK_TIMEOUT_NS: it is gone for good. Every request in
 * flight fails (PX_BLK_ERR_IO: the buffer cache reports EIO to whoever waits), and so will every later
 * one, at once. The disk stays gone even if a server comes back: the library would post the abandoned
 * requests again, and an old write landing after a newer one would corrupt the disk.
 */
static void disk_gone(struct lx_disk *d)
{
    printf("lx: disk %s: no answer from the disk server for %llu s: taken as gone; its I/O fails with EIO\n",
           d->name, (unsigned long long)(LX_DISK_TIMEOUT_NS / 1000000000ull));
    d->gone = true;
    for (unsigned s = 0; s < PX_BLK_RING; s++)
        if (d->req[s].busy) {
            d->req[s].busy = false;
            d->in_flight--;
            d->req[s].done(d, d->req[s].arg, PX_BLK_ERR_IO, d->blk.data + (size_t)s * (PX_BLK_DATA_SIZE / PX_BLK_RING));
        }
    lx_buffers_disk_gone(d);
    lx_wake_pending = true; /* the calls waiting for it go on, and fail */
}

uint64_t lx_disk_deadline(void)
{
    uint64_t next = 0;

    for (unsigned i = 0; i < ndisks; i++)
        if (disks[i].in_flight && !disks[i].gone &&
            (!next || disks[i].progress_ns + LX_DISK_TIMEOUT_NS < next))
            next = disks[i].progress_ns + LX_DISK_TIMEOUT_NS;
    return next;
}

void lx_disk_poll(void)
{
    uint64_t now = libos_monotonic_ns();

    for (unsigned i = 0; i < ndisks; i++) {
        struct lx_disk *d = &disks[i];
        uint64_t id;
        int status;
        /*
         * Poll until the ring is empty, even when nothing is in flight any more: libos_blk_poll's last,
         * empty look is what arms the response event (rsp_event = resp_cons + 1, then a final check),
         * and it must be armed before the next request is posted. (Stopping at in_flight == 0 left the
         * event at an old index; the next request then armed it only after posting, and a response
         * the server gave in between was never signalled: the process waiting for it hung.)
         */
        for (;;) {
            if (!libos_blk_poll(&d->blk, &id, &status))
                break; /* idle, with the event armed */
            d->progress_ns = now;
            for (unsigned s = 0; s < PX_BLK_RING; s++)
                if (d->req[s].busy && d->req[s].id == id) {
                    d->req[s].busy = false;
                    d->in_flight--;
                    lx_wake_pending = true; /* a call waiting for it is done again */
                    d->req[s].done(d, d->req[s].arg, status, d->blk.data + (size_t)s * (PX_BLK_DATA_SIZE / PX_BLK_RING));
                    break;
                }
        }
        if (d->in_flight && !d->gone && now - d->progress_ns >= LX_DISK_TIMEOUT_NS)
            disk_gone(d);
    }
}

void lx_disk_wait(void)
{
    px_thread_yield(); /* the server runs; its answers are polled for next */
    lx_disk_poll();
}
