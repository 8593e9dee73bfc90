/*
 * lx's block front end (dev/blk.c) and buffer cache (fs/buffer.c): the virtual disks lx's manifest
 * gives it (named vda, vdb, ... there), read and written in 4 KiB pages through a cache, with requests
 * in flight while lx serves other processes.
 */
#ifndef LX_DEV_BLK_H
#define LX_DEV_BLK_H

#include "lx.h"
#include <libos/blk.h>

#define LX_MAX_DISKS 4
#define LX_PAGE 4096u
#define LX_SECTORS_PER_PAGE (LX_PAGE / PX_BLK_SECTOR_SIZE)
#define LX_MAX_PAGES_PER_REQ (PX_BLK_MAX_SECTORS / LX_SECTORS_PER_PAGE) /* 16: 64 KiB */
/*
 * A disk whose server has answered nothing for this long while requests wait is taken as gone for good
 * (its server crashed and was not restarted): its requests fail with EIO, and so does everything asked
 * of it afterwards, at once. A restart takes the server well under a second (the manifest's back-off
 * doubles from 100 ms, three restarts by default), so this is far beyond any restart.
 */
#define LX_DISK_TIMEOUT_NS (20ull * 1000000000ull)

struct lx_disk;
/* What a finished request does: status is PX_BLK_OK or PX_BLK_ERR_*; data its bytes in the data area. */
typedef void lx_disk_done_fn(struct lx_disk *d, void *arg, int status, uint8_t *data);

struct lx_disk {
    char name[8];
    struct libos_blk blk;
    uint64_t pages;  /* its size in 4 KiB pages */
    bool read_only;
    struct {
        bool busy;
        uint64_t id;
        lx_disk_done_fn *done;
        void *arg;
    } req[PX_BLK_RING]; /* request i uses bytes [i * 64 KiB, (i + 1) * 64 KiB) of the data area */
    unsigned in_flight;
    uint64_t progress_ns; /* when it last answered, or was given work while idle */
    bool gone;            /* taken as gone for good (LX_DISK_TIMEOUT_NS): I/O fails with EIO */
};

/* Open every disk the manifest gives lx; its completions signal `notification`. How many. */
unsigned lx_disks_init(uint32_t notification);
struct lx_disk *lx_disk_find(const char *name); /* "vda"; NULL if lx has no such disk */
struct lx_disk *lx_disk_at(unsigned i);
/*
 * Start a request: op PX_BLK_OP_*, count sectors at sector (data: *data is where its bytes go or come
 * from, to be filled before the request is started for a write, which the callback `prepare` does).
 * -LX_EAGAIN when every request slot is busy (the caller waits for a completion).
 */
int lx_disk_submit(struct lx_disk *d, uint32_t op, uint64_t sector, uint32_t count,
                   void (*prepare)(void *arg, uint8_t *data), lx_disk_done_fn *done, void *arg);
void lx_disk_poll(void); /* collect finished requests (lx's notification said some may have) */
void lx_disk_wait(void); /* wait for one to finish: only at shutdown, when nothing else is to be done */
uint64_t lx_disk_deadline(void); /* when lx must look at its disks again (a timeout), 0 if never */
/* The buffer cache lets go of a gone disk's pages (fs/buffer.c): what was not written is lost. */
void lx_buffers_disk_gone(struct lx_disk *d);

/* The buffer cache: a disk's 4 KiB pages. */
struct lx_bh {
    struct lx_disk *disk;
    uint64_t page;
    uint8_t *data;
    uint8_t state;    /* BH_* (fs/buffer.c) */
    bool dirty;       /* changed since it was read or last written */
    bool writing;     /* a write of it is in flight (a change meanwhile makes it dirty again) */
    int error;        /* the last read's or write's failure (-LX_EIO), or 0 */
    unsigned refs;
    uint64_t used;    /* when last used, for eviction */
    struct lx_bh *next; /* its hash chain */
};
/* The page, valid and referenced; or NULL with *err LX_WOULD_BLOCK (its read, and read-ahead, are
 * started: do the call again when they finish) or -LX_EIO. */
struct lx_bh *lx_bread(struct lx_disk *d, uint64_t page, int *err);
/* The page for a write of all of it (its old bytes are not read); NULL with *err as lx_bread. */
struct lx_bh *lx_bget(struct lx_disk *d, uint64_t page, int *err);
void lx_bdirty(struct lx_bh *b);
void lx_brelse(struct lx_bh *b);
/* Every dirty page of d written and a flush done: 0, LX_WOULD_BLOCK (started: do the call again), or -LX_EIO. */
int lx_bsync(struct lx_disk *d);
void lx_buffers_shutdown(void); /* write everything back and flush every disk, waiting */

extern const struct lx_file_ops lx_disk_file_ops;
/* fs/devfs.c: open /dev/vda...: the description, or NULL with *err (0: no such disk). */
struct lx_fd *lx_devfs_open_disk(const char *path, int flags, int *err); /* /dev/vda: the disk itself, through the cache */

#endif
