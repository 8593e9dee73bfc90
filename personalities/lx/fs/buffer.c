/*
 * The buffer cache: 4 KiB pages of lx's disks, found by (disk, page) in a hash table, evicted least
 * recently used (never a referenced, dirty or busy one). A read that misses starts the disk read of the
 * page and, when the page follows the one read before (a sequential reader), of up to 15 pages after
 * it in the same request; the caller gets LX_WOULD_BLOCK and its call is done again when the read
 * finishes, so lx serves other processes meanwhile. Writes are write-back: a page is marked dirty and
 * written later, in runs of neighbouring dirty pages, when more than DIRTY_MAX pages are dirty, when a
 * dirty page is to be evicted, and on sync. A sync is done when every page that was dirty is written
 * and a FLUSH (issued after those writes were acknowledged) is acknowledged too.
 */
#include "dev/blk.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUF 1024     /* 4 MiB of cache */
#define NHASH 256
#define DIRTY_MAX 256 /* write-back starts past 1 MiB of dirty pages */
#define BH_EMPTY 0
#define BH_READING 1
#define BH_VALID 2

static struct lx_bh bufs[NBUF];
static struct lx_bh *hash[NHASH];
static uint8_t *pool;
static uint64_t clock_now;
static unsigned ndirty;

/* Per disk: where the last read ended (read-ahead), and the sync in progress. */
static struct {
    uint64_t next_page;
    uint8_t flush;      /* 0 none, 1 in flight, 2 done (a sync may return), 3 failed */
    uint64_t flush_gen; /* writes finished when the flush was issued */
    uint64_t writes_done;
    uint64_t flushed;   /* writes finished when the last flush that succeeded was issued */
    bool error;         /* a write failed since the last sync */
} disk_state[LX_MAX_DISKS];

static unsigned disk_index(struct lx_disk *d)
{
    for (unsigned i = 0; i < LX_MAX_DISKS; i++)
        if (lx_disk_at(i) == d)
            return i;
    return 0;
}

static unsigned hash_of(struct lx_disk *d, uint64_t page) { return (unsigned)((page * 31 + disk_index(d)) % NHASH); }

static struct lx_bh *find(struct lx_disk *d, uint64_t page)
{
    for (struct lx_bh *b = hash[hash_of(d, page)]; b; b = b->next)
        if (b->disk == d && b->page == page)
            return b;
    return NULL;
}

static void unhash(struct lx_bh *b)
{
    struct lx_bh **pp = &hash[hash_of(b->disk, b->page)];

    while (*pp && *pp != b)
        pp = &(*pp)->next;
    if (*pp)
        *pp = b->next;
    b->disk = NULL;
}

static void start_writeback(struct lx_disk *only, unsigned want);

/* A free buffer for (d, page): the least recently used one nobody needs; NULL if none now. */
static struct lx_bh *grab(struct lx_disk *d, uint64_t page)
{
    struct lx_bh *best = NULL;

    if (!pool && !(pool = malloc((size_t)NBUF * LX_PAGE)))
        return NULL;
    for (unsigned i = 0; i < NBUF; i++) {
        struct lx_bh *b = &bufs[i];
        if (!b->data)
            b->data = pool + (size_t)i * LX_PAGE;
        if (!b->disk) {
            best = b;
            break;
        }
        if (!b->refs && !b->dirty && !b->writing && b->state != BH_READING && (!best || b->used < best->used))
            best = b;
    }
    if (!best) {
        start_writeback(NULL, 64); /* everything is dirty: make some clean */
        return NULL;
    }
    if (best->disk)
        unhash(best);
    *best = (struct lx_bh){.disk = d, .page = page, .data = best->data, .state = BH_EMPTY, .used = ++clock_now};
    best->next = hash[hash_of(d, page)];
    hash[hash_of(d, page)] = best;
    return best;
}

/* A request of pages [first, first + n) (a write's buffers in run). */
struct read_req {
    uint64_t first;
    unsigned n;
    struct lx_bh *run[LX_MAX_PAGES_PER_REQ];
};

static void read_done(struct lx_disk *d, void *arg, int status, uint8_t *data)
{
    struct read_req *rq = arg;

    for (unsigned i = 0; i < rq->n; i++) {
        struct lx_bh *b = find(d, rq->first + i);
        if (!b || b->state != BH_READING)
            continue;
        if (status == PX_BLK_OK) {
            memcpy(b->data, data + (size_t)i * LX_PAGE, LX_PAGE);
            b->state = BH_VALID, b->error = 0;
        } else {
            b->state = BH_EMPTY, b->error = -LX_EIO;
            printf("lx: disk %s: reading page %llu failed (status %d)\n", d->name,
                   (unsigned long long)b->page, status);
        }
    }
    free(rq);
}

/* Start reading page and (sequential) the pages after it that are not cached. */
static int start_read(struct lx_disk *d, struct lx_bh *first)
{
    unsigned di = disk_index(d), n = 1;
    uint64_t page = first->page;
    bool sequential = page == disk_state[di].next_page || page == disk_state[di].next_page - 1;
    struct read_req *rq = malloc(sizeof(*rq));

    if (!rq)
        return -LX_ENOMEM;
    first->state = BH_READING;
    if (sequential)
        while (n < LX_MAX_PAGES_PER_REQ && page + n < d->pages && !find(d, page + n)) {
            struct lx_bh *b = grab(d, page + n);
            if (!b)
                break;
            b->state = BH_READING;
            n++;
        }
    *rq = (struct read_req){.first = page, .n = n};
    disk_state[di].next_page = page + n;
    int e = lx_disk_submit(d, PX_BLK_OP_READ, page * LX_SECTORS_PER_PAGE, n * LX_SECTORS_PER_PAGE, NULL, read_done, rq);
    if (e < 0) { /* no request slot now (or the disk is gone): the pages are not being read */
        for (unsigned i = 0; i < n; i++) {
            struct lx_bh *b = find(d, page + i);
            if (b)
                b->state = BH_EMPTY;
        }
        free(rq);
        return e == -LX_EAGAIN ? 0 : e;
    }
    return 0;
}

struct lx_bh *lx_bread(struct lx_disk *d, uint64_t page, int *err)
{
    struct lx_bh *b;

    if (page >= d->pages || d->gone) {
        *err = -LX_EIO;
        return NULL;
    }
    if (!(b = find(d, page)) && !(b = grab(d, page))) {
        *err = LX_WOULD_BLOCK; /* every buffer busy: wait for a write or read to finish */
        return NULL;
    }
    b->used = ++clock_now;
    if (b->state == BH_VALID) {
        disk_state[disk_index(d)].next_page = page + 1 > disk_state[disk_index(d)].next_page
                                                  ? page + 1 : disk_state[disk_index(d)].next_page;
        b->refs++;
        return b;
    }
    if (b->error) { /* the last read failed: report it once, then try again next time */
        *err = b->error;
        b->error = 0;
        return NULL;
    }
    if (b->state == BH_EMPTY) {
        int e = start_read(d, b);
        if (e < 0) {
            *err = e;
            return NULL;
        }
    }
    *err = LX_WOULD_BLOCK;
    return NULL;
}

struct lx_bh *lx_bget(struct lx_disk *d, uint64_t page, int *err)
{
    struct lx_bh *b;

    if (page >= d->pages || d->gone) {
        *err = -LX_EIO;
        return NULL;
    }
    if (!(b = find(d, page)) && !(b = grab(d, page))) {
        *err = LX_WOULD_BLOCK;
        return NULL;
    }
    if (b->state == BH_READING) { /* its read would overwrite what is written now: wait for it */
        *err = LX_WOULD_BLOCK;
        return NULL;
    }
    if (b->state == BH_EMPTY)
        memset(b->data, 0, LX_PAGE), b->state = BH_VALID, b->error = 0;
    b->used = ++clock_now;
    b->refs++;
    return b;
}

void lx_bdirty(struct lx_bh *b)
{
    if (!b->dirty)
        ndirty++;
    b->dirty = true;
    if (ndirty > DIRTY_MAX)
        start_writeback(NULL, ndirty - DIRTY_MAX / 2);
}

void lx_brelse(struct lx_bh *b)
{
    if (b && b->refs)
        b->refs--;
}

/* A write of pages [first, first + n) finished: they are clean unless changed while it was in flight. */
static void write_done(struct lx_disk *d, void *arg, int status, uint8_t *data)
{
    struct read_req *rq = arg;
    unsigned di = disk_index(d);

    for (unsigned i = 0; i < rq->n; i++)
        rq->run[i]->writing = false;
    if (status != PX_BLK_OK) {
        disk_state[di].error = true;
        for (unsigned i = 0; i < rq->n; i++) /* still to be written: a later sync tries again */
            if (!rq->run[i]->dirty)
                rq->run[i]->dirty = true, ndirty++;
        printf("lx: disk %s: writing pages %llu-%llu failed (status %d)\n", d->name,
               (unsigned long long)rq->first, (unsigned long long)(rq->first + rq->n - 1), status);
    }
    disk_state[di].writes_done++;
    free(rq);
}

/* The pages' bytes into the request's part of the data area; from now on a change makes them dirty again. */
static void copy_pages(void *arg, uint8_t *data)
{
    struct read_req *rq = arg;

    for (unsigned i = 0; i < rq->n; i++) {
        memcpy(data + (size_t)i * LX_PAGE, rq->run[i]->data, LX_PAGE);
        rq->run[i]->dirty = false, rq->run[i]->writing = true;
        ndirty--;
    }
}

/* Write the run of dirty pages that starts at b (up to 64 KiB of neighbours): 0, or -LX_EAGAIN / -LX_E*. */
static int write_run(struct lx_bh *b)
{
    struct lx_disk *d = b->disk;
    struct read_req *rq = malloc(sizeof(*rq));
    unsigned n = 0;

    if (!rq)
        return -LX_ENOMEM;
    for (struct lx_bh *c = b; c && n < LX_MAX_PAGES_PER_REQ && c->dirty && !c->writing && c->state == BH_VALID;
         c = find(d, b->page + n))
        rq->run[n++] = c;
    rq->first = b->page, rq->n = n;
    int e = lx_disk_submit(d, PX_BLK_OP_WRITE, b->page * LX_SECTORS_PER_PAGE, n * LX_SECTORS_PER_PAGE,
                           copy_pages, write_done, rq);
    if (e < 0)
        free(rq);
    return e;
}

/* Start writing up to `want` dirty pages (of one disk, or all), first of runs, lowest page first. */
static void start_writeback(struct lx_disk *only, unsigned want)
{
    for (unsigned i = 0; i < NBUF && want; i++) {
        struct lx_bh *b = &bufs[i];
        if (!b->disk || !b->dirty || b->writing || (only && b->disk != only))
            continue;
        while (b->page > 0) { /* back to the start of its run */
            struct lx_bh *prev = find(b->disk, b->page - 1);
            if (!prev || !prev->dirty || prev->writing)
                break;
            b = prev;
        }
        unsigned before = ndirty;
        if (write_run(b) < 0)
            return; /* no request slot: the next completion or call goes on */
        want = before - ndirty >= want ? 0 : want - (before - ndirty);
    }
}

static void flush_done(struct lx_disk *d, void *arg, int status, uint8_t *data)
{
    disk_state[disk_index(d)].flush = status == PX_BLK_OK ? 2 : 3;
}

void lx_buffers_disk_gone(struct lx_disk *d)
{
    for (unsigned i = 0; i < NBUF; i++) {
        struct lx_bh *b = &bufs[i];
        if (b->disk != d)
            continue;
        if (b->dirty)
            b->dirty = false, ndirty--;
        b->writing = false;
        if (!b->refs) /* (one the engine holds goes when it lets go of it: lx_bread fails from now on) */
            unhash(b);
    }
    disk_state[disk_index(d)].flush = 0;
}

int lx_bsync(struct lx_disk *d)
{
    unsigned di = disk_index(d);
    bool pending = false;

    if (d->gone)
        return -LX_EIO;
    for (unsigned i = 0; i < NBUF; i++)
        if (bufs[i].disk == d && (bufs[i].dirty || bufs[i].writing))
            pending = true;
    if (pending) { /* writes first; the flush only once they are acknowledged */
        start_writeback(d, NBUF);
        disk_state[di].flush = 0;
        return LX_WOULD_BLOCK;
    }
    switch (disk_state[di].flush) {
    case 0:
        if (disk_state[di].flushed == disk_state[di].writes_done && !disk_state[di].error)
            return 0; /* nothing written since the last flush: nothing to make durable */
        disk_state[di].flush_gen = disk_state[di].writes_done;
        if (lx_disk_submit(d, PX_BLK_OP_FLUSH, 0, 0, NULL, flush_done, NULL) == 0)
            disk_state[di].flush = 1;
        return LX_WOULD_BLOCK;
    case 1: return LX_WOULD_BLOCK;
    default: {
        bool failed = disk_state[di].flush == 3 || disk_state[di].error;
        if (disk_state[di].flush == 2)
            disk_state[di].flushed = disk_state[di].flush_gen;
        disk_state[di].flush = 0, disk_state[di].error = false;
        return failed ? -LX_EIO : 0;
    }
    }
}

void lx_buffers_shutdown(void)
{
    struct lx_disk *d;

    for (unsigned i = 0; (d = lx_disk_at(i)); i++) {
        unsigned spins = 0;
        int e;
        while ((e = lx_bsync(d)) == LX_WOULD_BLOCK && spins++ < 1000000)
            lx_disk_wait();
        if (e < 0)
            printf("lx: disk %s: could not write everything back\n", d->name);
    }
}

/* /dev/vda and the others: the disk through the cache, at byte offsets. */
static int64_t disk_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_disk *d = f->priv;
    uint64_t size = d->pages * LX_PAGE, end, done = 0;
    int err = 0;

    if (*off >= size)
        return 0;
    end = *off + len < size ? *off + len : size;
    for (uint64_t page = *off / LX_PAGE; page * LX_PAGE < end; page++) /* every page there, or wait */
        if (!find(d, page) || find(d, page)->state != BH_VALID) {
            struct lx_bh *b = lx_bread(d, page, &err);
            if (b)
                lx_brelse(b);
            else if (err != LX_WOULD_BLOCK)
                return err;
        }
    if (err == LX_WOULD_BLOCK)
        return LX_WOULD_BLOCK;
    while (*off + done < end) {
        uint64_t at = *off + done, in = at % LX_PAGE, k = LX_PAGE - in < end - at ? LX_PAGE - in : end - at;
        struct lx_bh *b = lx_bread(d, at / LX_PAGE, &err);
        if (!b)
            return done ? (int64_t)done : err;
        memcpy(buf + done, b->data + in, k);
        lx_brelse(b);
        done += k;
    }
    *off += done;
    return (int64_t)done;
}

static int64_t disk_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_disk *d = f->priv;
    uint64_t size = d->pages * LX_PAGE, done = 0;
    int err;

    if (d->read_only)
        return -LX_EROFS;
    if (*off >= size)
        return len ? -LX_ENOSPC : 0;
    if (len > size - *off)
        len = size - *off;
    while (done < len) {
        uint64_t at = *off + done, in = at % LX_PAGE, k = LX_PAGE - in < len - done ? LX_PAGE - in : len - done;
        struct lx_bh *b = k == LX_PAGE ? lx_bget(d, at / LX_PAGE, &err) : lx_bread(d, at / LX_PAGE, &err);
        if (!b) {
            if (done)
                break;
            return err;
        }
        memcpy(b->data + in, buf + done, k);
        lx_bdirty(b);
        lx_brelse(b);
        done += k;
    }
    *off += done;
    return (int64_t)done;
}

static int disk_fsync(struct lx_fd *f) { return lx_bsync(f->priv); }

const struct lx_file_ops lx_disk_file_ops = {.read = disk_read, .write = disk_write, .fsync = disk_fsync,
                                             .seekable = true};
