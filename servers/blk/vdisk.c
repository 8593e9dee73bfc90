/*
 * Virtual disks (vdisk.h): slices and thin-provisioned disks over a region of the physical disk.
 *
 * Thin layout, in sectors relative to the region, all integers little-endian:
 *   sector 0            header: bytes 0-7 magic "PXTHIN01", 8-11 version (1), 12-15 block sectors (128),
 *                       16-23 virtual sectors, 24-31 virtual blocks, 32-39 data blocks, 40-47 map start
 *                       sector (1), 48-55 map sectors, 56-63 data start sector, 64-67 CRC-32 (IEEE) of
 *                       bytes 0-63; the rest of the sector is zero.
 *   1 .. map_sectors    the map: one uint32 per virtual block, 0 = unallocated, else data block + 1;
 *                       the entries past the last virtual block are zero.
 *   data_start ..       the data blocks, 128 sectors each: as many as fit (at most 0xfffffffe).
 * Every field is derived from the configuration, so open recomputes them and requires the header to match.
 *
 * Crash consistency. The map on disk is the only record of allocation: a data block is in use exactly
 * when a durable map entry references it, so on open the free blocks are the unreferenced ones and
 * nothing can leak across a crash. A first write to a virtual block (1) picks a free data block, (2)
 * writes all of it (the client's data, zeros elsewhere), (3) flushes, (4) writes the one map sector that
 * holds the entry, (5) flushes, and only then updates the map in memory. A sector write is atomic, so a
 * crash before (4) is durable leaves the entry 0 (the block, maybe half written, is free again) and one
 * after leaves it pointing at a block that (3) made durable: the block is either absent or complete.
 * Freeing goes the other way round: a discard writes the cleared entries and flushes before the blocks
 * become free in memory, so a block is never rewritten for a new owner while a durable entry still
 * references it for the old one. Formatting writes the zeroed map, flushes, then writes the header and
 * flushes, so a crash while formatting leaves a zero header and the next open formats again.
 *
 * After an I/O error in the middle of either protocol the on-disk entry is unknown; the virtual block
 * is then left unallocated in memory (its next map write settles the entry) and the data block is set
 * aside (in `used` but not mapped) until the next open, so it cannot end up referenced twice.
 */
#include "vdisk.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SECTOR PX_BLK_SECTOR_SIZE
#define BS VDISK_THIN_BLOCK_SECTORS
#define ENTRIES_PER_SECTOR (SECTOR / 4)
#define MAX_DATA_BLOCKS 0xfffffffeu /* map entries are data block + 1 in a uint32 */

enum {
    HDR_MAGIC = 0,
    HDR_VERSION = 8,
    HDR_BLOCK_SECTORS = 12,
    HDR_SECTORS = 16,
    HDR_VBLOCKS = 24,
    HDR_DBLOCKS = 32,
    HDR_MAP_START = 40,
    HDR_MAP_SECTORS = 48,
    HDR_DATA_START = 56,
    HDR_CRC = 64,
};

struct thin_layout {
    uint64_t vblocks, map_sectors, data_start, dblocks;
    size_t map_bytes, used_bytes;
};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            return false;
    }
    return true;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/*
 * All physical I/O goes through these two: `rel` and `count` are relative to the region and checked
 * against it, so no computation error can reach outside it (the check failing is a bug in this file).
 */
static int region_read(struct vdisk *d, uint64_t rel, uint64_t count, void *buf)
{
    if (count == 0 || count > UINT32_MAX || rel >= d->cfg.region_sectors ||
        count > d->cfg.region_sectors - rel)
        return PX_BLK_ERR_IO;
    return d->io.read(d->io.ctx, d->cfg.base + rel, (uint32_t)count, buf);
}

static int region_write(struct vdisk *d, uint64_t rel, uint64_t count, const void *buf)
{
    if (count == 0 || count > UINT32_MAX || rel >= d->cfg.region_sectors ||
        count > d->cfg.region_sectors - rel)
        return PX_BLK_ERR_IO;
    return d->io.write(d->io.ctx, d->cfg.base + rel, (uint32_t)count, buf);
}

/* Bitmap of data blocks in use. */
static bool used_test(const struct vdisk *d, uint64_t b) { return d->used[b / 64] >> (b % 64) & 1; }

static void used_set(struct vdisk *d, uint64_t b)
{
    d->used[b / 64] |= (uint64_t)1 << (b % 64);
    d->in_use++;
}

static void used_clear(struct vdisk *d, uint64_t b)
{
    d->used[b / 64] &= ~((uint64_t)1 << (b % 64));
    d->in_use--;
    if (b < d->hint)
        d->hint = b;
}

/* The lowest free data block at or after the hint (every block below the hint is in use). */
static bool find_free(struct vdisk *d, uint64_t *out)
{
    uint64_t words = (d->dblocks + 63) / 64;

    for (uint64_t w = d->hint / 64; w < words; w++) {
        if (d->used[w] == UINT64_MAX)
            continue;
        uint64_t b = w * 64 + (uint64_t)__builtin_ctzll(~d->used[w]);
        if (b >= d->dblocks)
            break;
        *out = d->hint = b;
        return true;
    }
    return false;
}

/* The layout of a thin disk, or why the configuration cannot hold one. */
static const char *thin_layout(const struct vdisk_config *cfg, struct thin_layout *l)
{
    if (cfg->sectors == 0)
        return "the virtual disk has no sectors";
    l->vblocks = cfg->sectors / BS + (cfg->sectors % BS != 0);
    l->map_sectors = l->vblocks / ENTRIES_PER_SECTOR + (l->vblocks % ENTRIES_PER_SECTOR != 0);
    l->data_start = 1 + l->map_sectors;
    if (cfg->region_sectors < l->data_start || cfg->region_sectors - l->data_start < BS)
        return "the region cannot hold the header, the map and one data block";
    l->dblocks = min_u64((cfg->region_sectors - l->data_start) / BS, MAX_DATA_BLOCKS);
    if (l->vblocks > SIZE_MAX / 16)
        return "the map does not fit in memory";
    l->map_bytes = ((size_t)l->vblocks * 4 + 7) & ~(size_t)7;
    l->used_bytes = (size_t)((l->dblocks + 63) / 64) * 8;
    return NULL;
}

size_t vdisk_memory_needed(const struct vdisk_config *cfg)
{
    struct thin_layout l;

    if (!cfg || cfg->type != VDISK_THIN || thin_layout(cfg, &l))
        return 0;
    return l.map_bytes + l.used_bytes + 8; /* 8: room to align the start */
}

static void encode_header(const struct vdisk *d, uint8_t *h)
{
    memset(h, 0, VDISK_THIN_HEADER_BYTES);
    memcpy(h + HDR_MAGIC, VDISK_THIN_MAGIC, 8);
    put_le32(h + HDR_VERSION, VDISK_THIN_VERSION);
    put_le32(h + HDR_BLOCK_SECTORS, BS);
    put_le64(h + HDR_SECTORS, d->cfg.sectors);
    put_le64(h + HDR_VBLOCKS, d->vblocks);
    put_le64(h + HDR_DBLOCKS, d->dblocks);
    put_le64(h + HDR_MAP_START, d->map_start);
    put_le64(h + HDR_MAP_SECTORS, d->map_sectors);
    put_le64(h + HDR_DATA_START, d->data_start);
    put_le32(h + HDR_CRC, crc32(h, HDR_CRC));
}

static int check_header(const struct vdisk *d, const uint8_t *h, char *err, size_t errlen)
{
    uint8_t want[VDISK_THIN_HEADER_BYTES];

    encode_header(d, want);
    if (memcmp(h + HDR_MAGIC, VDISK_THIN_MAGIC, 8) != 0)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk header: bad magic");
    if (get_le32(h + HDR_VERSION) != VDISK_THIN_VERSION)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk header: unsupported version %u",
                    (unsigned)get_le32(h + HDR_VERSION));
    if (get_le32(h + HDR_CRC) != crc32(h, HDR_CRC))
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk header: bad checksum");
    if (get_le32(h + HDR_BLOCK_SECTORS) != BS)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk header: block size %u sectors, not %u",
                    (unsigned)get_le32(h + HDR_BLOCK_SECTORS), (unsigned)BS);
    if (get_le64(h + HDR_SECTORS) != d->cfg.sectors)
        return fail(err, errlen, PX_BLK_ERR_INVAL,
                    "thin disk header: %llu virtual sectors, the configuration says %llu",
                    (unsigned long long)get_le64(h + HDR_SECTORS), (unsigned long long)d->cfg.sectors);
    if (memcmp(h + HDR_VBLOCKS, want + HDR_VBLOCKS, HDR_CRC - HDR_VBLOCKS) != 0)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk header: the layout does not match the region");
    return PX_BLK_OK;
}

/* Takes map entry `v` of virtual block `vb` read from disk. */
static int load_entry(struct vdisk *d, uint64_t vb, uint32_t v, char *err, size_t errlen)
{
    if (v == 0)
        return PX_BLK_OK;
    if (v > d->dblocks)
        return fail(err, errlen, PX_BLK_ERR_INVAL,
                    "thin disk map: virtual block %llu references data block %llu, out of range",
                    (unsigned long long)vb, (unsigned long long)v - 1);
    if (used_test(d, v - 1))
        return fail(err, errlen, PX_BLK_ERR_INVAL,
                    "thin disk map: data block %llu referenced twice (again by virtual block %llu)",
                    (unsigned long long)v - 1, (unsigned long long)vb);
    used_set(d, v - 1);
    d->map[vb] = v;
    d->allocated++;
    return PX_BLK_OK;
}

/* Reads the map one scratch block at a time, checking that no data block is referenced twice. */
static int load_map(struct vdisk *d, char *err, size_t errlen)
{
    for (uint64_t s = 0; s < d->map_sectors; s += BS) {
        uint64_t n = min_u64(BS, d->map_sectors - s);
        int rc = region_read(d, d->map_start + s, n, d->scratch);

        if (rc != PX_BLK_OK)
            return fail(err, errlen, rc, "thin disk map: read error at map sector %llu",
                        (unsigned long long)s);
        for (uint64_t i = 0; i < n * ENTRIES_PER_SECTOR; i++) {
            uint64_t vb = s * ENTRIES_PER_SECTOR + i;
            uint32_t v = get_le32(d->scratch + 4 * i);

            if (vb >= d->vblocks && v != 0)
                return fail(err, errlen, PX_BLK_ERR_INVAL,
                            "thin disk map: nonzero entry past the last block");
            if (vb < d->vblocks && (rc = load_entry(d, vb, v, err, errlen)) != PX_BLK_OK)
                return rc;
        }
    }
    return PX_BLK_OK;
}

/* Zeroes the map, makes that durable, then writes the header (see the top of the file). */
static int format(struct vdisk *d, char *err, size_t errlen)
{
    int rc = PX_BLK_OK;

    memset(d->scratch, 0, VDISK_THIN_BLOCK_BYTES);
    for (uint64_t s = 0; s < d->map_sectors && rc == PX_BLK_OK; s += BS)
        rc = region_write(d, d->map_start + s, min_u64(BS, d->map_sectors - s), d->scratch);
    if (rc == PX_BLK_OK)
        rc = d->io.flush(d->io.ctx);
    if (rc != PX_BLK_OK)
        return fail(err, errlen, rc, "thin disk format: cannot write the map");
    encode_header(d, d->scratch);
    rc = region_write(d, 0, 1, d->scratch);
    if (rc == PX_BLK_OK)
        rc = d->io.flush(d->io.ctx);
    if (rc != PX_BLK_OK)
        return fail(err, errlen, rc, "thin disk format: cannot write the header");
    return PX_BLK_OK;
}

static int thin_open(struct vdisk *d, void *mem, size_t memsize, char *err, size_t errlen)
{
    struct thin_layout l;
    const char *why = thin_layout(&d->cfg, &l);
    uint8_t *p;
    int rc;

    if (why)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk: %s", why);
    if (!mem || memsize < l.map_bytes + l.used_bytes + 8)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "thin disk: %zu bytes of working memory needed, %zu given",
                    l.map_bytes + l.used_bytes + 8, mem ? memsize : 0);
    p = (uint8_t *)mem + ((8 - (uintptr_t)mem % 8) % 8);
    memset(p, 0, l.map_bytes + l.used_bytes);
    d->map = (uint32_t *)(void *)p;
    d->used = (uint64_t *)(void *)(p + l.map_bytes);
    d->vblocks = l.vblocks;
    d->dblocks = l.dblocks;
    d->map_start = 1;
    d->map_sectors = l.map_sectors;
    d->data_start = l.data_start;
    if ((rc = region_read(d, 0, 1, d->scratch)) != PX_BLK_OK)
        return fail(err, errlen, rc, "thin disk header: read error");
    if (all_zero(d->scratch, SECTOR))
        return d->cfg.read_only ? PX_BLK_OK : format(d, err, errlen);
    if ((rc = check_header(d, d->scratch, err, errlen)) != PX_BLK_OK)
        return rc;
    return load_map(d, err, errlen);
}

static int open_any(struct vdisk *d, const struct vdisk_config *cfg, void *mem, size_t memsize, char *err,
                    size_t errlen)
{
    if (cfg->region_sectors == 0)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "virtual disk: the region is empty");
    if (cfg->base + cfg->region_sectors < cfg->base)
        return fail(err, errlen, PX_BLK_ERR_INVAL, "virtual disk: the region wraps around");
    if (cfg->type == VDISK_SLICE) {
        if (cfg->sectors != cfg->region_sectors)
            return fail(err, errlen, PX_BLK_ERR_INVAL, "slice: the size differs from the region's");
        return PX_BLK_OK;
    }
    if (cfg->type == VDISK_THIN)
        return thin_open(d, mem, memsize, err, errlen);
    return fail(err, errlen, PX_BLK_ERR_INVAL, "virtual disk: unknown type %d", (int)cfg->type);
}

int vdisk_open(struct vdisk *d, const struct vdisk_config *cfg, const struct vdisk_io *io, void *mem,
               size_t memsize, void *scratch, char *err, size_t errlen)
{
    int rc;

    if (err && errlen)
        err[0] = '\0';
    memset(d, 0, sizeof(*d));
    if (!cfg || !io || !io->read || !io->write || !io->flush || !scratch)
        return fail(err, errlen, PX_BLK_ERR_INVAL,
                    "virtual disk: no configuration, I/O callbacks or scratch");
    d->cfg = *cfg;
    d->io = *io;
    d->scratch = scratch;
    rc = open_any(d, cfg, mem, memsize, err, errlen);
    if (rc != PX_BLK_OK)
        memset(d, 0, sizeof(*d)); /* sectors = 0: every request fails */
    return rc;
}

static int check_request(const struct vdisk *d, uint64_t sector, uint32_t count, bool write)
{
    if (count == 0)
        return PX_BLK_ERR_INVAL;
    if (sector >= d->cfg.sectors || count > d->cfg.sectors - sector)
        return PX_BLK_ERR_RANGE;
    if (write && d->cfg.read_only)
        return PX_BLK_ERR_READ_ONLY;
    return PX_BLK_OK;
}

/* Region sector of sector `off` of data block `b` (b < dblocks, off < BS: inside the region). */
static uint64_t data_sector(const struct vdisk *d, uint64_t b, uint64_t off)
{
    return d->data_start + b * BS + off;
}

/* The part of a request in one virtual block: block vb, sectors [off, off + n) of it. */
struct seg {
    uint64_t vb;
    uint32_t off, n;
};

static struct seg seg_at(uint64_t s, uint64_t end)
{
    struct seg g = {s / BS, (uint32_t)(s % BS), 0};

    g.n = (uint32_t)min_u64(BS - g.off, end - s);
    return g;
}

static int thin_read(struct vdisk *d, uint64_t sector, uint32_t count, uint8_t *buf)
{
    uint64_t end = sector + count;

    for (uint64_t s = sector; s < end;) {
        struct seg g = seg_at(s, end);
        uint32_t e = d->map[g.vb];
        int rc = PX_BLK_OK;

        if (e == 0)
            memset(buf, 0, (size_t)g.n * SECTOR);
        else
            rc = region_read(d, data_sector(d, e - 1, g.off), g.n, buf);
        if (rc != PX_BLK_OK)
            return rc;
        s += g.n;
        buf += (size_t)g.n * SECTOR;
    }
    return PX_BLK_OK;
}

/*
 * Writes map sector `ms`, built from the in-memory map with the entries of virtual blocks [lo, hi)
 * replaced by `v`, through scratch.
 */
static int write_map_sector(struct vdisk *d, uint64_t ms, uint64_t lo, uint64_t hi, uint32_t v)
{
    for (uint64_t i = 0; i < ENTRIES_PER_SECTOR; i++) {
        uint64_t vb = ms * ENTRIES_PER_SECTOR + i;
        uint32_t e = vb >= d->vblocks ? 0 : vb >= lo && vb < hi ? v : d->map[vb];

        put_le32(d->scratch + 4 * i, e);
    }
    return region_write(d, d->map_start + ms, 1, d->scratch);
}

/* First write to virtual block g.vb: the allocation protocol of the top of the file. */
static int alloc_write(struct vdisk *d, struct seg g, const uint8_t *src)
{
    uint64_t b;
    int rc;

    if (!find_free(d, &b))
        return PX_BLK_ERR_NO_SPACE;
    memset(d->scratch, 0, VDISK_THIN_BLOCK_BYTES);
    memcpy(d->scratch + (size_t)g.off * SECTOR, src, (size_t)g.n * SECTOR);
    rc = region_write(d, data_sector(d, b, 0), BS, d->scratch);
    if (rc == PX_BLK_OK)
        rc = d->io.flush(d->io.ctx);
    if (rc != PX_BLK_OK)
        return rc;  /* no entry references b: it stays free */
    used_set(d, b); /* from here on, set aside if the entry's fate is unknown */
    rc = write_map_sector(d, g.vb / ENTRIES_PER_SECTOR, g.vb, g.vb + 1, (uint32_t)(b + 1));
    if (rc == PX_BLK_OK)
        rc = d->io.flush(d->io.ctx);
    if (rc != PX_BLK_OK)
        return rc;
    d->map[g.vb] = (uint32_t)(b + 1);
    d->allocated++;
    return PX_BLK_OK;
}

/* Free data blocks a write of [sector, end) needs, compared with those there are. */
static bool has_space(const struct vdisk *d, uint64_t sector, uint64_t end)
{
    uint64_t need = 0;

    for (uint64_t vb = sector / BS; vb * BS < end; vb++)
        need += d->map[vb] == 0;
    return need <= d->dblocks - d->in_use;
}

static int thin_write(struct vdisk *d, uint64_t sector, uint32_t count, const uint8_t *buf)
{
    uint64_t end = sector + count;

    if (!has_space(d, sector, end))
        return PX_BLK_ERR_NO_SPACE;
    for (uint64_t s = sector; s < end;) {
        struct seg g = seg_at(s, end);
        uint32_t e = d->map[g.vb];
        int rc;

        if (e == 0)
            rc = alloc_write(d, g, buf);
        else
            rc = region_write(d, data_sector(d, e - 1, g.off), g.n, buf);
        if (rc != PX_BLK_OK)
            return rc;
        s += g.n;
        buf += (size_t)g.n * SECTOR;
    }
    return PX_BLK_OK;
}

/*
 * Unmaps virtual blocks [lo, hi): writes every map sector with an allocated entry among them, flushes,
 * and only then frees their data blocks (on an error they are set aside instead).
 */
static int unmap_blocks(struct vdisk *d, uint64_t lo, uint64_t hi)
{
    bool wrote = false;
    int rc = PX_BLK_OK;

    for (uint64_t ms = lo / ENTRIES_PER_SECTOR; ms * ENTRIES_PER_SECTOR < hi && rc == PX_BLK_OK; ms++) {
        uint64_t a = ms * ENTRIES_PER_SECTOR > lo ? ms * ENTRIES_PER_SECTOR : lo;
        uint64_t b = min_u64(hi, (ms + 1) * ENTRIES_PER_SECTOR);
        bool any = false;

        for (uint64_t vb = a; vb < b && !any; vb++)
            any = d->map[vb] != 0;
        if (any) {
            rc = write_map_sector(d, ms, a, b, 0);
            wrote = true;
        }
    }
    if (wrote && rc == PX_BLK_OK)
        rc = d->io.flush(d->io.ctx);
    for (uint64_t vb = lo; vb < hi; vb++) {
        if (d->map[vb] == 0)
            continue;
        if (rc == PX_BLK_OK)
            used_clear(d, d->map[vb] - 1);
        d->map[vb] = 0;
        d->allocated--;
    }
    return rc;
}

static int thin_discard(struct vdisk *d, uint64_t sector, uint32_t count)
{
    uint64_t end = sector + count, lo = UINT64_MAX, hi = 0;

    memset(d->scratch, 0, VDISK_THIN_BLOCK_BYTES);
    for (uint64_t s = sector; s < end;) {
        struct seg g = seg_at(s, end);
        uint32_t e = d->map[g.vb];
        int rc = PX_BLK_OK;

        if (g.off == 0 && (g.n == BS || s + g.n == d->cfg.sectors)) {
            lo = min_u64(lo, g.vb); /* the whole block: unmap it below */
            hi = g.vb + 1;
        } else if (e != 0) {
            rc = region_write(d, data_sector(d, e - 1, g.off), g.n, d->scratch);
        }
        if (rc != PX_BLK_OK)
            return rc;
        s += g.n;
    }
    return lo < hi ? unmap_blocks(d, lo, hi) : PX_BLK_OK;
}

int vdisk_read(struct vdisk *d, uint64_t sector, uint32_t count, void *buf)
{
    int rc = buf ? check_request(d, sector, count, false) : PX_BLK_ERR_INVAL;

    if (rc != PX_BLK_OK)
        return rc;
    if (d->cfg.type == VDISK_SLICE)
        return region_read(d, sector, count, buf);
    return thin_read(d, sector, count, buf);
}

int vdisk_write(struct vdisk *d, uint64_t sector, uint32_t count, const void *buf)
{
    int rc = buf ? check_request(d, sector, count, true) : PX_BLK_ERR_INVAL;

    if (rc != PX_BLK_OK)
        return rc;
    if (d->cfg.type == VDISK_SLICE)
        return region_write(d, sector, count, buf);
    return thin_write(d, sector, count, buf);
}

int vdisk_flush(struct vdisk *d)
{
    if (!d->io.flush)
        return PX_BLK_ERR_INVAL;
    return d->io.flush(d->io.ctx);
}

int vdisk_discard(struct vdisk *d, uint64_t sector, uint32_t count)
{
    int rc = check_request(d, sector, count, true);

    if (rc != PX_BLK_OK)
        return rc;
    if (d->cfg.type == VDISK_SLICE)
        return PX_BLK_OK;
    return thin_discard(d, sector, count);
}

uint64_t vdisk_blocks_allocated(const struct vdisk *d)
{
    return d->cfg.type == VDISK_THIN ? d->allocated : 0;
}
