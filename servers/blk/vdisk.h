/*
 * Virtual disks of the disk server: the portable layer between a client's requests and the physical disk.
 * It only does arithmetic and calls the struct vdisk_io callbacks, so it is built both for Proteus and
 * natively for the host unit tests (tests/host/test_vdisk.c). It never allocates: the in-memory map of a
 * thin disk lives in memory the caller provides (vdisk_memory_needed), and the layer's own disk I/O goes
 * through a caller-provided scratch block (DMA-able memory in the real server).
 *
 * A slice maps virtual sector s to physical sector base + s. A thin disk allocates 64 KiB backing blocks
 * on first write and keeps its allocation map on disk, crash-consistent; vdisk.c describes the layout and
 * the protocol. Every request is checked against the virtual size, and every physical sector the layer
 * computes is checked against the region before any I/O, so a client cannot reach outside its region.
 *
 * Not thread-safe: the server runs one request on a virtual disk at a time.
 */
#ifndef SERVERS_BLK_VDISK_H
#define SERVERS_BLK_VDISK_H

#include <proteus/io/blk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a virtual disk reaches the physical disk, in 512-byte sectors. Each returns a PX_BLK_* status. */
struct vdisk_io {
    int (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf);
    int (*write)(void *ctx, uint64_t sector, uint32_t count, const void *buf);
    int (*flush)(void *ctx); /* everything written before is durable when it returns PX_BLK_OK */
    void *ctx;
};

enum vdisk_type { VDISK_SLICE, VDISK_THIN };

struct vdisk_config {
    enum vdisk_type type;
    uint64_t base; /* first sector of the region on the physical disk */
    uint64_t
        region_sectors; /* sectors of the region (slice: the whole disk; thin: header + map + data blocks) */
    uint64_t sectors;   /* the size the client sees (slice: must equal region_sectors; thin: may be larger) */
    bool read_only;
};

#define VDISK_THIN_BLOCK_SECTORS 128 /* 64 KiB backing blocks */
#define VDISK_THIN_BLOCK_BYTES (VDISK_THIN_BLOCK_SECTORS * PX_BLK_SECTOR_SIZE)
#define VDISK_THIN_MAGIC "PXTHIN01" /* 8 bytes, no terminator on disk */
#define VDISK_THIN_VERSION 1
#define VDISK_THIN_HEADER_BYTES 68 /* the fields and their CRC; the rest of sector 0 is zero */

/*
 * An open virtual disk. The fields are private to vdisk.c (the unit tests read them to check invariants).
 * Sectors and blocks of a thin disk are relative to the region.
 */
struct vdisk {
    struct vdisk_config cfg;
    struct vdisk_io io;
    uint8_t *scratch; /* one block, for the layer's own I/O */
    /* Thin disks only (all zero for a slice). */
    uint64_t vblocks;     /* virtual blocks: entries of the map */
    uint64_t dblocks;     /* data (backing) blocks */
    uint64_t map_start;   /* first sector of the map (1) */
    uint64_t map_sectors; /* sectors of the map */
    uint64_t data_start;  /* first sector of data block 0 */
    uint32_t *map;        /* virtual block -> data block + 1, 0 = unallocated: what the disk's map says */
    uint64_t *used;       /* bitmap of the data blocks that must not be handed out */
    uint64_t allocated;   /* data blocks the map references */
    uint64_t in_use;      /* bits set in used: allocated, plus blocks set aside after an I/O error */
    uint64_t hint;        /* where the search for a free data block starts */
};

/*
 * Bytes of working memory vdisk_open needs for this configuration: 0 for a slice, and 0 for a thin
 * configuration that vdisk_open would refuse anyway (it then says why).
 */
size_t vdisk_memory_needed(const struct vdisk_config *cfg);

/*
 * Opens a virtual disk. `mem` and `memsize` give working memory for the in-memory map (any alignment;
 * size it with vdisk_memory_needed); `scratch` is a buffer of at least one block (64 KiB) the layer uses
 * for its own disk I/O. A thin region whose header sector is all zeros is formatted (header, then an
 * all-zero map) unless the disk is read-only, in which case it opens as an empty disk and nothing is
 * written. A bad configuration, a header that does not match it or a map that references a data block
 * out of range or twice gives PX_BLK_ERR_INVAL, a failed read or write PX_BLK_ERR_IO; both put a message
 * in err (e.g. "thin disk header: bad magic"). On failure every request on `d` fails.
 */
int vdisk_open(struct vdisk *d, const struct vdisk_config *cfg, const struct vdisk_io *io, void *mem,
               size_t memsize, void *scratch, char *err, size_t errlen);

/*
 * Requests, in virtual sectors. count 0 or a NULL buffer gives PX_BLK_ERR_INVAL, a range outside
 * [0, sectors) PX_BLK_ERR_RANGE, a write or discard on a read-only disk PX_BLK_ERR_READ_ONLY. A thin
 * write that needs more free data blocks than there are gives PX_BLK_ERR_NO_SPACE and changes nothing.
 * Discarded sectors read as zeros; a discard on a slice does nothing.
 */
int vdisk_read(struct vdisk *d, uint64_t sector, uint32_t count, void *buf);
int vdisk_write(struct vdisk *d, uint64_t sector, uint32_t count, const void *buf);
int vdisk_flush(struct vdisk *d);
int vdisk_discard(struct vdisk *d, uint64_t sector, uint32_t count);

/* Thin: the data blocks the map references; slice: 0. */
uint64_t vdisk_blocks_allocated(const struct vdisk *d);

#endif
