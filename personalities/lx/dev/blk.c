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
    d->in_flight++;
    return 0;
}

void lx_disk_poll(void)
{
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
            for (unsigned s = 0; s < PX_BLK_RING; s++)
                if (d->req[s].busy && d->req[s].id == id) {
                    d->req[s].busy = false;
                    d->in_flight--;
                    lx_wake_pending = true; /* a call waiting for it is done again */
                    d->req[s].done(d, d->req[s].arg, status, d->blk.data + (size_t)s * (PX_BLK_DATA_SIZE / PX_BLK_RING));
                    break;
                }
        }
    }
}

void lx_disk_wait(void)
{
    px_thread_yield(); /* the server runs; its answers are polled for next */
    lx_disk_poll();
}
