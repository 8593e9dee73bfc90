/*
 * Host tests for servers/blk/vdisk.c: slices and thin-provisioned virtual disks.
 *
 * The physical disk is simulated in memory (struct sim). Reads see every write; a write is also kept in a
 * log until the next flush, and a simulated crash keeps only the durable image plus a chosen part of that
 * log (none, all, any prefix, or a random subset: a disk may reorder writes between flushes). The
 * simulation can also cut the power after N writes and flushes (every later call fails) or fail one
 * call and carry on (an I/O error). It flags any access outside the region under test.
 *
 * Data written by the tests is a pattern that names its write (a tag) and its virtual sector, so a
 * sector read back tells which write it came from, and a sector shown at the wrong place is caught.
 */
#include "../../servers/blk/vdisk.h"
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC PX_BLK_SECTOR_SIZE
#define BSEC VDISK_THIN_BLOCK_SECTORS
#define BBYTES VDISK_THIN_BLOCK_BYTES

/* ---- The simulated disk ---- */

struct wlog {
    uint64_t sector;
    uint32_t count;
    uint8_t *data;
};

struct sim {
    uint64_t nsectors, lo, hi; /* [lo, hi): the sectors the virtual disk may touch */
    uint8_t *cur;              /* what reads see */
    uint8_t *durable;          /* what survives a crash */
    struct wlog *log;          /* writes since the last flush */
    size_t nlog, caplog;
    long ops;     /* writes and flushes attempted */
    long cut_at;  /* the power goes at this op: it and everything after fail (-1: never) */
    long fail_at; /* this op alone fails and changes nothing (-1: none) */
    bool dead, fail_reads, violation;
    unsigned long reads, writes, flushes;
};

static struct sim *sim_new(uint64_t nsectors, uint64_t lo, uint64_t hi)
{
    struct sim *s = calloc(1, sizeof(*s));

    s->nsectors = nsectors;
    s->lo = lo;
    s->hi = hi;
    s->cur = calloc(nsectors, SEC);
    s->durable = calloc(nsectors, SEC);
    /* Outside the window: a sentinel, which must stay untouched. */
    memset(s->cur, 0xee, lo * SEC);
    memset(s->cur + hi * SEC, 0xee, (nsectors - hi) * SEC);
    memcpy(s->durable, s->cur, nsectors * SEC);
    s->cut_at = s->fail_at = -1;
    return s;
}

static void sim_clear_log(struct sim *s)
{
    for (size_t i = 0; i < s->nlog; i++)
        free(s->log[i].data);
    s->nlog = 0;
}

static void sim_free(struct sim *s)
{
    sim_clear_log(s);
    free(s->log);
    free(s->cur);
    free(s->durable);
    free(s);
}

static struct sim *sim_clone(const struct sim *o)
{
    struct sim *s = malloc(sizeof(*s));

    *s = *o;
    s->cur = malloc(o->nsectors * SEC);
    s->durable = malloc(o->nsectors * SEC);
    memcpy(s->cur, o->cur, o->nsectors * SEC);
    memcpy(s->durable, o->durable, o->nsectors * SEC);
    s->caplog = o->nlog;
    s->log = malloc((o->nlog ? o->nlog : 1) * sizeof(*s->log));
    for (size_t i = 0; i < o->nlog; i++) {
        s->log[i] = o->log[i];
        s->log[i].data = malloc((size_t)o->log[i].count * SEC);
        memcpy(s->log[i].data, o->log[i].data, (size_t)o->log[i].count * SEC);
    }
    return s;
}

static bool sim_outside(struct sim *s, uint64_t sector, uint32_t count)
{
    if (sector < s->lo || sector >= s->hi || count == 0 || count > s->hi - sector)
        s->violation = true;
    return s->violation;
}

/* Counts one write or flush; says whether it fails. */
static bool sim_op_fails(struct sim *s)
{
    long op;

    if (s->dead)
        return true;
    op = s->ops++;
    if (s->cut_at >= 0 && op >= s->cut_at) {
        s->dead = true;
        return true;
    }
    return op == s->fail_at;
}

static int sim_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
    struct sim *s = ctx;

    if (s->dead || s->fail_reads || sim_outside(s, sector, count))
        return PX_BLK_ERR_IO;
    s->reads++;
    memcpy(buf, s->cur + sector * SEC, (size_t)count * SEC);
    return PX_BLK_OK;
}

static int sim_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
    struct sim *s = ctx;

    if (sim_outside(s, sector, count) || sim_op_fails(s))
        return PX_BLK_ERR_IO;
    s->writes++;
    memcpy(s->cur + sector * SEC, buf, (size_t)count * SEC);
    if (s->nlog == s->caplog) {
        s->caplog = s->caplog ? 2 * s->caplog : 16;
        s->log = realloc(s->log, s->caplog * sizeof(*s->log));
    }
    s->log[s->nlog].sector = sector;
    s->log[s->nlog].count = count;
    s->log[s->nlog].data = malloc((size_t)count * SEC);
    memcpy(s->log[s->nlog++].data, buf, (size_t)count * SEC);
    return PX_BLK_OK;
}

static void sim_apply(struct sim *s, const struct wlog *w)
{
    memcpy(s->durable + w->sector * SEC, w->data, (size_t)w->count * SEC);
}

static int sim_flush(void *ctx)
{
    struct sim *s = ctx;

    if (sim_op_fails(s))
        return PX_BLK_ERR_IO;
    s->flushes++;
    for (size_t i = 0; i < s->nlog; i++)
        sim_apply(s, &s->log[i]);
    sim_clear_log(s);
    return PX_BLK_OK;
}

static uint64_t rnd(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545f4914f6cdd1dULL;
}

/*
 * A crash: the unflushed writes that survive are the first `keep` of the log, or a random subset of it
 * if `rng` is given; the power comes back.
 */
static void sim_crash(struct sim *s, size_t keep, uint64_t *rng)
{
    for (size_t i = 0; i < s->nlog; i++) {
        if (rng ? rnd(rng) % 2 : i < keep)
            sim_apply(s, &s->log[i]);
    }
    sim_clear_log(s);
    memcpy(s->cur, s->durable, s->nsectors * SEC);
    s->dead = false;
    s->cut_at = s->fail_at = -1;
}

static struct vdisk_io sim_io(struct sim *s)
{
    struct vdisk_io io = {sim_read, sim_write, sim_flush, s};

    return io;
}

/* ---- Opening virtual disks on it ---- */

struct tvd {
    struct vdisk d;
    uint8_t *mem, *scratch;
    char err[200];
};

/* Opens with exactly the memory asked for, deliberately misaligned, and garbage in it and in scratch. */
static int tv_open(struct tvd *t, struct sim *s, const struct vdisk_config *cfg)
{
    size_t need = vdisk_memory_needed(cfg);
    struct vdisk_io io = sim_io(s);

    t->mem = malloc(need + 1);
    memset(t->mem, 0xa5, need + 1);
    t->scratch = malloc(BBYTES);
    memset(t->scratch, 0x5a, BBYTES);
    return vdisk_open(&t->d, cfg, &io, need ? t->mem + 1 : NULL, need, t->scratch, t->err, sizeof(t->err));
}

static void tv_close(struct tvd *t)
{
    free(t->mem);
    free(t->scratch);
    t->mem = t->scratch = NULL;
}

static uint64_t div_up(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

static uint64_t map_sectors_for(uint64_t sectors) { return div_up(div_up(sectors, BSEC), SEC / 4); }

/* A thin disk of `sectors` with room for `dblocks` data blocks (plus `slack` < 128 sectors unused). */
static struct vdisk_config thin_cfg(uint64_t base, uint64_t sectors, uint64_t dblocks, uint64_t slack)
{
    struct vdisk_config c = {VDISK_THIN, base, 1 + map_sectors_for(sectors) + dblocks * BSEC + slack, sectors,
                             false};

    return c;
}

/* A simulated disk holding the region of `c` with 8 sentinel sectors after it. */
static struct sim *sim_for(const struct vdisk_config *c)
{
    return sim_new(c->base + c->region_sectors + 8, c->base, c->base + c->region_sectors);
}

/* ---- The data pattern ---- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void pattern_sector(uint8_t *p, uint64_t sector, uint64_t tag)
{
    uint64_t w[SEC / 8];

    w[0] = tag;
    w[1] = sector;
    for (size_t j = 2; j < SEC / 8; j++)
        w[j] = mix(tag * 1000003 ^ sector << 20 ^ j);
    memcpy(p, w, SEC);
}

static void fill(uint8_t *buf, uint64_t sector, uint32_t count, uint64_t tag)
{
    for (uint32_t i = 0; i < count; i++)
        pattern_sector(buf + (size_t)i * SEC, sector + i, tag);
}

/* The tag of the write a sector holds (0 for zeros), or UINT64_MAX if it holds anything else. */
static uint64_t tag_of(const uint8_t *p, uint64_t sector)
{
    uint8_t want[SEC];
    uint64_t tag;

    memcpy(&tag, p, 8);
    if (tag == 0) {
        for (size_t i = 0; i < SEC; i++) {
            if (p[i])
                return UINT64_MAX;
        }
        return 0;
    }
    pattern_sector(want, sector, tag);
    return memcmp(p, want, SEC) == 0 ? tag : UINT64_MAX;
}

static int write_tag(struct vdisk *d, uint64_t sector, uint32_t count, uint64_t tag)
{
    uint8_t *buf = malloc((size_t)count * SEC);
    int rc;

    fill(buf, sector, count, tag);
    rc = vdisk_write(d, sector, count, buf);
    free(buf);
    return rc;
}

/* Sectors of [sector, sector + count) that do not read back as the tags model[] gives them. */
static uint64_t mismatches(struct vdisk *d, uint64_t sector, uint64_t count, const uint64_t *model)
{
    uint8_t *buf = malloc(BBYTES);
    uint64_t bad = 0;

    for (uint64_t s = sector; s < sector + count; s += BSEC) {
        uint32_t n = (uint32_t)(sector + count - s < BSEC ? sector + count - s : BSEC);

        if (vdisk_read(d, s, n, buf) != PX_BLK_OK) {
            bad += n;
            continue;
        }
        for (uint32_t i = 0; i < n; i++)
            bad += tag_of(buf + (size_t)i * SEC, s + i) != model[s + i];
    }
    free(buf);
    return bad;
}

static void model_set(uint64_t *model, uint64_t sector, uint64_t count, uint64_t tag)
{
    for (uint64_t i = 0; i < count; i++)
        model[sector + i] = tag;
}

/* ---- Invariants of an open thin disk ---- */

static bool used_bit(const struct vdisk *d, uint64_t b) { return d->used[b / 64] >> (b % 64) & 1; }

/* The map references each data block at most once, and the counters and bitmap agree with it. */
static void check_invariants(const struct vdisk *d, bool strict)
{
    uint8_t *seen = calloc(d->dblocks + 1, 1);
    uint64_t n = 0, bits = 0, bad = 0;

    for (uint64_t vb = 0; vb < d->vblocks; vb++) {
        uint32_t e = d->map[vb];

        if (e == 0)
            continue;
        n++;
        if (e > d->dblocks || seen[e - 1] || !used_bit(d, e - 1)) {
            bad++;
            continue;
        }
        seen[e - 1] = 1;
    }
    for (uint64_t b = 0; b < (d->dblocks + 63) / 64 * 64; b++) {
        if (b < d->dblocks)
            bits += used_bit(d, b);
        else
            bad += used_bit(d, b);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(n, d->allocated);
    CU_ASSERT_EQUAL(n, vdisk_blocks_allocated(d));
    CU_ASSERT_EQUAL(bits, d->in_use);
    if (strict)
        CU_ASSERT_EQUAL(bits, n);
    free(seen);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The map as the disk (what reads see) has it equals the map in memory; entries past the end are 0. */
static void check_disk_map(const struct sim *s, const struct vdisk *d)
{
    const uint8_t *m = s->cur + (d->cfg.base + d->map_start) * SEC;
    uint64_t bad = 0;

    for (uint64_t i = 0; i < d->map_sectors * (SEC / 4); i++)
        bad += le32(m + 4 * i) != (i < d->vblocks ? d->map[i] : 0);
    CU_ASSERT_EQUAL(bad, 0);
}

/* Independent CRC-32 (IEEE, reflected), as the header format specifies. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

/* The header on the simulated disk matches the layout computed here from the configuration. */
static void check_header(const struct sim *s, const struct vdisk_config *c)
{
    const uint8_t *h = s->cur + c->base * SEC;
    uint64_t ms = map_sectors_for(c->sectors), dblocks = (c->region_sectors - 1 - ms) / BSEC;

    CU_ASSERT_EQUAL(memcmp(h, "PXTHIN01", 8), 0);
    CU_ASSERT_EQUAL(le32(h + 8), 1);
    CU_ASSERT_EQUAL(le32(h + 12), BSEC);
    CU_ASSERT_EQUAL(le64(h + 16), c->sectors);
    CU_ASSERT_EQUAL(le64(h + 24), div_up(c->sectors, BSEC));
    CU_ASSERT_EQUAL(le64(h + 32), dblocks);
    CU_ASSERT_EQUAL(le64(h + 40), 1);
    CU_ASSERT_EQUAL(le64(h + 48), ms);
    CU_ASSERT_EQUAL(le64(h + 56), 1 + ms);
    CU_ASSERT_EQUAL(le32(h + 64), ref_crc32(h, 64));
    for (size_t i = 68; i < SEC; i++)
        CU_ASSERT_EQUAL_FATAL(h[i], 0);
}

/* Writes one sector to each unallocated virtual block until NO_SPACE: all free blocks can be had. */
static void check_no_leak(struct vdisk *d)
{
    uint64_t before = vdisk_blocks_allocated(d), got = 0;
    int rc = PX_BLK_OK;

    for (uint64_t vb = 0; vb < d->vblocks && rc == PX_BLK_OK; vb++) {
        if (d->map[vb] != 0)
            continue;
        rc = write_tag(d, vb * BSEC, 1, 999);
        got += rc == PX_BLK_OK;
    }
    CU_ASSERT(rc == PX_BLK_ERR_NO_SPACE || before + got == d->vblocks);
    CU_ASSERT_EQUAL(before + got, d->dblocks < d->vblocks ? d->dblocks : d->vblocks);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(d), before + got);
    check_invariants(d, true);
}

/* ---- Slices ---- */

static void test_slice(void)
{
    struct vdisk_config c = {VDISK_SLICE, 16, 1000, 1000, false};
    struct sim *s = sim_new(1040, 16, 1016);
    struct tvd t;
    uint8_t buf[3 * SEC], back[3 * SEC];
    uint64_t model[1000] = {0};

    CU_ASSERT_EQUAL(vdisk_memory_needed(&c), 0);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(s->reads + s->writes + s->flushes, 0);
    fill(buf, 0, 3, 7);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 0, 3, buf), PX_BLK_OK);
    CU_ASSERT_EQUAL(memcmp(s->cur + 16 * SEC, buf, 3 * SEC), 0); /* sector s is base + s */
    model_set(model, 0, 3, 7);
    CU_ASSERT_EQUAL(write_tag(&t.d, 997, 3, 8), PX_BLK_OK);
    model_set(model, 997, 3, 8);
    CU_ASSERT_EQUAL(write_tag(&t.d, 500, 1, 9), PX_BLK_OK);
    model_set(model, 500, 1, 9);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, 1000, model), 0);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 0, 3, back), PX_BLK_OK);
    CU_ASSERT_EQUAL(memcmp(back, buf, sizeof(buf)), 0);
    /* Bounds: count 0, past the end, straddling it, and sector + count overflowing. */
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 0, 0, buf), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 5, 0, buf), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 5, 0), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 0, 1, NULL), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 0, 1, NULL), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 1000, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 999, 2, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, UINT64_MAX, 2, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, UINT64_MAX - 1, 3, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 1, UINT32_MAX, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 999, 2), PX_BLK_ERR_RANGE);
    /* Discard does nothing; flush reaches the device. */
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 0, 1000), PX_BLK_OK);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, 1000, model), 0);
    CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_OK);
    CU_ASSERT_EQUAL(s->flushes, 1);
    CU_ASSERT_EQUAL(s->nlog, 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 0);
    CU_ASSERT_FALSE(s->violation);
    tv_close(&t);
    sim_free(s);
}

static void test_slice_read_only(void)
{
    struct vdisk_config c = {VDISK_SLICE, 4, 100, 100, true};
    struct sim *s = sim_new(110, 4, 104);
    struct tvd t;
    uint8_t buf[SEC];

    memset(s->cur + 4 * SEC, 0x3c, 100 * SEC);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 99, 1, buf), PX_BLK_OK);
    CU_ASSERT_EQUAL(buf[0], 0x3c);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 0, 1, buf), PX_BLK_ERR_READ_ONLY);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 0, 1), PX_BLK_ERR_READ_ONLY);
    /* Range and count are checked first. */
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 100, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 0, 0, buf), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(s->writes, 0);
    CU_ASSERT_FALSE(s->violation);
    tv_close(&t);
    sim_free(s);
}

/* ---- Configuration errors ---- */

static void expect_open_error(struct vdisk_config c, const char *msg)
{
    struct sim *s = sim_new(4096, 0, 4096);
    struct tvd t;
    uint8_t buf[SEC];

    CU_ASSERT_EQUAL(tv_open(&t, s, &c), PX_BLK_ERR_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(t.err, msg));
    if (!strstr(t.err, msg))
        printf("# expected \"%s\", got \"%s\"\n", msg, t.err);
    /* A disk that failed to open refuses every request. */
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 0, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 0, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(s->writes, 0);
    tv_close(&t);
    sim_free(s);
}

static void test_config_errors(void)
{
    struct vdisk_config c = thin_cfg(0, 1000, 2, 0), bad;
    struct vdisk_io io;
    struct vdisk d;
    struct sim *s = sim_for(&c);
    uint8_t *scratch = malloc(BBYTES), *mem;
    char err[100];

    expect_open_error((struct vdisk_config){VDISK_SLICE, 0, 100, 101, false}, "slice");
    expect_open_error((struct vdisk_config){VDISK_SLICE, 0, 0, 0, false}, "region is empty");
    expect_open_error((struct vdisk_config){VDISK_SLICE, UINT64_MAX - 10, 100, 100, false}, "wraps");
    expect_open_error((struct vdisk_config){(enum vdisk_type)7, 0, 100, 100, false}, "unknown type");
    expect_open_error((struct vdisk_config){VDISK_THIN, 0, 100, 0, false}, "no sectors");
    /* Header + 1 map sector + one block needs 130 sectors. */
    expect_open_error((struct vdisk_config){VDISK_THIN, 0, 129, 1000, false}, "cannot hold");
    expect_open_error((struct vdisk_config){VDISK_THIN, 0, 1, 1000, false}, "cannot hold");
    CU_ASSERT_EQUAL(vdisk_memory_needed(&(struct vdisk_config){VDISK_THIN, 0, 129, 1000, false}), 0);
    CU_ASSERT(vdisk_memory_needed(&(struct vdisk_config){VDISK_THIN, 0, 130, 1000, false}) > 0);
    CU_ASSERT_EQUAL(vdisk_memory_needed(NULL), 0);

    /* Not enough working memory, no memory, no callbacks. */
    io = sim_io(s);
    mem = malloc(vdisk_memory_needed(&c));
    CU_ASSERT_EQUAL(vdisk_open(&d, &c, &io, mem, vdisk_memory_needed(&c) - 1, scratch, err, sizeof(err)),
                    PX_BLK_ERR_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "working memory"));
    CU_ASSERT_EQUAL(vdisk_open(&d, &c, &io, NULL, 0, scratch, err, sizeof(err)), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_open(&d, &c, &io, mem, vdisk_memory_needed(&c), NULL, err, sizeof(err)),
                    PX_BLK_ERR_INVAL);
    io.flush = NULL;
    CU_ASSERT_EQUAL(vdisk_open(&d, &c, &io, mem, vdisk_memory_needed(&c), scratch, err, sizeof(err)),
                    PX_BLK_ERR_INVAL);
    /* A NULL or empty err buffer is fine. */
    bad = c;
    bad.sectors = 0;
    io = sim_io(s);
    CU_ASSERT_EQUAL(vdisk_open(&d, &bad, &io, mem, 100, scratch, NULL, 0), PX_BLK_ERR_INVAL);
    /* A read error on the header. */
    s->fail_reads = true;
    CU_ASSERT_EQUAL(vdisk_open(&d, &c, &io, mem, vdisk_memory_needed(&c), scratch, err, sizeof(err)),
                    PX_BLK_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "read error"));
    CU_ASSERT_EQUAL(s->writes, 0);
    free(mem);
    free(scratch);
    sim_free(s);
}

/* ---- Thin disks ---- */

static void test_thin_format(void)
{
    /* 300 virtual blocks, the last one partial: 3 map sectors; 20 data blocks and 50 spare sectors. */
    struct vdisk_config c = thin_cfg(8, 300 * BSEC - 70, 20, 50);
    struct sim *s = sim_for(&c);
    struct tvd t;
    uint64_t *model = calloc(c.sectors, sizeof(*model));

    /* Garbage in the map area: a zero header means "format", which must zero the map. */
    memset(s->cur + 9 * SEC, 0x77, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(t.d.vblocks, 300);
    CU_ASSERT_EQUAL(t.d.map_start, 1);
    CU_ASSERT_EQUAL(t.d.map_sectors, 3);
    CU_ASSERT_EQUAL(t.d.data_start, 4);
    CU_ASSERT_EQUAL(t.d.dblocks, 20);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 0);
    CU_ASSERT_EQUAL(s->nlog, 0); /* formatting is durable */
    CU_ASSERT(s->flushes >= 2);
    check_header(s, &c);
    check_disk_map(s, &t.d);
    check_invariants(&t.d, true);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    /* The last, partial virtual block works. */
    CU_ASSERT_EQUAL(write_tag(&t.d, c.sectors - 5, 5, 3), PX_BLK_OK);
    model_set(model, c.sectors - 5, 5, 3);
    tv_close(&t);

    /* Reopen: nothing is written, the data is there. */
    s->writes = s->flushes = 0;
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(s->writes + s->flushes, 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 1);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    check_invariants(&t.d, true);
    CU_ASSERT_FALSE(s->violation);
    tv_close(&t);
    sim_free(s);
    free(model);
}

static void test_thin_read_only(void)
{
    struct vdisk_config c = thin_cfg(0, 10 * BSEC, 4, 0);
    struct sim *s = sim_for(&c);
    struct tvd t;
    uint8_t buf[SEC];
    uint64_t *model = calloc(c.sectors, sizeof(*model));

    /* A zeroed region opened read-only is an empty disk, and stays unformatted. */
    c.read_only = true;
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 0, 1, buf), PX_BLK_ERR_READ_ONLY);
    CU_ASSERT_EQUAL(s->writes + s->flushes, 0);
    tv_close(&t);
    /* Formatted and written read-write, then opened read-only. */
    c.read_only = false;
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 130, 10, 5), PX_BLK_OK);
    model_set(model, 130, 10, 5);
    CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_OK);
    tv_close(&t);
    c.read_only = true;
    s->writes = s->flushes = 0;
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, 130, 1, buf), PX_BLK_ERR_READ_ONLY);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 0, BSEC * 2), PX_BLK_ERR_READ_ONLY);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, c.sectors, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, UINT64_MAX, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, c.sectors - 1, 2, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(s->writes + s->flushes, 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 1);
    tv_close(&t);
    sim_free(s);
    free(model);
}

static void test_thin_across_blocks(void)
{
    struct vdisk_config c = thin_cfg(3, 50 * BSEC, 10, 0);
    struct sim *s = sim_for(&c);
    struct tvd t;
    uint64_t *model = calloc(c.sectors, sizeof(*model));
    unsigned long reads;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    /* Unallocated blocks read as zeros, without disk I/O. */
    reads = s->reads;
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_EQUAL(s->reads, reads);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 0, 0, model), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, c.sectors, 1, model), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_write(&t.d, c.sectors - 1, 2, model), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, UINT64_MAX - 1, 2), PX_BLK_ERR_RANGE);
    /* A write over three blocks, starting and ending inside one. */
    CU_ASSERT_EQUAL(write_tag(&t.d, 5 * BSEC + 100, 2 * BSEC - 50, 1), PX_BLK_OK);
    model_set(model, 5 * BSEC + 100, 2 * BSEC - 50, 1);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 3);
    CU_ASSERT_EQUAL(s->nlog, 0); /* each allocation ends in a flush */
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    /* Then one that covers allocated and unallocated blocks. */
    CU_ASSERT_EQUAL(write_tag(&t.d, 7 * BSEC + 120, BSEC, 2), PX_BLK_OK);
    model_set(model, 7 * BSEC + 120, BSEC, 2);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 4);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    check_invariants(&t.d, true);
    check_disk_map(s, &t.d);
    tv_close(&t);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_FALSE(s->violation);
    tv_close(&t);
    sim_free(s);
    free(model);
}

static void test_thin_no_space(void)
{
    /* 100 virtual blocks (6.25 MiB) backed by 10 (640 KiB). */
    struct vdisk_config c = thin_cfg(0, 100 * BSEC, 10, 127);
    struct sim *s = sim_for(&c);
    struct tvd t;
    uint64_t *model = calloc(c.sectors, sizeof(*model));
    unsigned long writes;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(t.d.dblocks, 10);
    for (uint64_t i = 0; i < 9; i++) {
        CU_ASSERT_EQUAL(write_tag(&t.d, i * 10 * BSEC + i, 3, 10 + i), PX_BLK_OK);
        model_set(model, i * 10 * BSEC + i, 3, 10 + i);
    }
    /* One block left: a write that needs two is refused whole, before any I/O. */
    writes = s->writes;
    CU_ASSERT_EQUAL(write_tag(&t.d, 95 * BSEC - 1, 2, 50), PX_BLK_ERR_NO_SPACE);
    CU_ASSERT_EQUAL(s->writes, writes);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 9);
    /* Even if one of the two is already allocated, the other needs the last block. */
    CU_ASSERT_EQUAL(write_tag(&t.d, 10 * BSEC - 1, 2, 51), PX_BLK_OK);
    model_set(model, 10 * BSEC - 1, 2, 51);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 10);
    writes = s->writes;
    CU_ASSERT_EQUAL(write_tag(&t.d, 99 * BSEC, 1, 52), PX_BLK_ERR_NO_SPACE);
    CU_ASSERT_EQUAL(write_tag(&t.d, 0, 2 * BSEC, 53), PX_BLK_ERR_NO_SPACE);
    CU_ASSERT_EQUAL(s->writes, writes);
    /* A full disk still takes writes to allocated blocks. */
    CU_ASSERT_EQUAL(write_tag(&t.d, 10 * BSEC, BSEC, 54), PX_BLK_OK);
    model_set(model, 10 * BSEC, BSEC, 54);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_OK);
    check_invariants(&t.d, true);
    tv_close(&t);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 10);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_EQUAL(write_tag(&t.d, 99 * BSEC, 1, 55), PX_BLK_ERR_NO_SPACE);
    CU_ASSERT_FALSE(s->violation);
    tv_close(&t);
    sim_free(s);
    free(model);
}

static void test_thin_rewrite(void)
{
    struct vdisk_config c = thin_cfg(0, 20 * BSEC, 5, 0);
    struct sim *s = sim_for(&c);
    struct tvd t;
    uint64_t *model = calloc(c.sectors, sizeof(*model));
    unsigned long flushes, writes;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 3 * BSEC, BSEC, 1), PX_BLK_OK);
    model_set(model, 3 * BSEC, BSEC, 1);
    /* Rewrites go in place: one write each, no allocation, no flush. */
    flushes = s->flushes;
    writes = s->writes;
    CU_ASSERT_EQUAL(write_tag(&t.d, 3 * BSEC + 10, 20, 2), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 3 * BSEC + 127, 1, 3), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 3 * BSEC, BSEC, 4), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 3 * BSEC + 60, 5, 5), PX_BLK_OK);
    model_set(model, 3 * BSEC, BSEC, 4);
    model_set(model, 3 * BSEC + 60, 5, 5);
    CU_ASSERT_EQUAL(s->flushes, flushes);
    CU_ASSERT_EQUAL(s->writes, writes + 4);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 1);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_OK);
    CU_ASSERT_EQUAL(s->flushes, flushes + 1);
    tv_close(&t);
    sim_crash(s, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    tv_close(&t);
    sim_free(s);
    free(model);
}

static void test_thin_discard(void)
{
    /* 300 virtual blocks: 3 map sectors, so a discard can span map sectors. */
    struct vdisk_config c = thin_cfg(1, 300 * BSEC - 9, 6, 0);
    struct sim *s = sim_for(&c);
    struct tvd t;
    uint64_t *model = calloc(c.sectors, sizeof(*model));
    uint64_t vbs[6] = {0, 120, 127, 128, 200, 299};
    unsigned long writes;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    for (int i = 0; i < 6; i++) {
        uint64_t n = vbs[i] == 299 ? BSEC - 9 : BSEC;
        CU_ASSERT_EQUAL(write_tag(&t.d, vbs[i] * BSEC, (uint32_t)n, 1 + i), PX_BLK_OK);
        model_set(model, vbs[i] * BSEC, n, 1 + i);
    }
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 6);
    /* Partial: only the covered sectors become zeros; the block stays. */
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 10, 20), PX_BLK_OK);
    model_set(model, 10, 20, 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 6);
    /* Discarding unallocated space does no I/O. */
    writes = s->writes;
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 2 * BSEC + 5, 10 * BSEC), PX_BLK_OK);
    CU_ASSERT_EQUAL(s->writes, writes);
    /* From inside block 120 to inside block 201: 120 partial, 127, 128 and 200 whole, over two map sectors.
     */
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 120 * BSEC + 64, 81 * BSEC), PX_BLK_OK);
    model_set(model, 120 * BSEC + 64, 81 * BSEC, 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 3);
    CU_ASSERT_EQUAL(s->nlog, 0); /* the unmapping is durable */
    check_disk_map(s, &t.d);
    /* The last, partial, block counts as whole when the discard reaches the end of the disk. */
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 299 * BSEC, BSEC - 9), PX_BLK_OK);
    model_set(model, 299 * BSEC, BSEC - 9, 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 2);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    check_invariants(&t.d, true);
    /* The freed blocks are reused: four more blocks fit, then NO_SPACE. */
    for (uint64_t vb = 10; vb < 14; vb++) {
        CU_ASSERT_EQUAL(write_tag(&t.d, vb * BSEC + 1, 1, 20 + vb), PX_BLK_OK);
        model_set(model, vb * BSEC + 1, 1, 20 + vb);
    }
    CU_ASSERT_EQUAL(write_tag(&t.d, 14 * BSEC, 1, 40), PX_BLK_ERR_NO_SPACE);
    /* A reused block holds zeros except for the new data, not its old contents. */
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    tv_close(&t);
    sim_crash(s, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, model), 0);
    check_invariants(&t.d, true);
    CU_ASSERT_FALSE(s->violation);
    tv_close(&t);
    sim_free(s);
    free(model);
}

/* ---- Crashes at every step ---- */

/*
 * A durable thin disk with history: allocations, an in-place rewrite, a whole-block discard (so a freed
 * block with old data in it is reused next), all flushed. Fills `model` with what it holds.
 */
static struct sim *crash_base(const struct vdisk_config *c, uint64_t *model)
{
    struct sim *s = sim_for(c);
    struct tvd t;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, c), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 0, BSEC, 1), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, BSEC + 7, 30, 2), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 5 * BSEC, BSEC, 3), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, BSEC + 20, 5, 4), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 5 * BSEC, BSEC), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_OK);
    model_set(model, 0, BSEC, 1);
    model_set(model, BSEC + 7, 30, 2);
    model_set(model, BSEC + 20, 5, 4);
    CU_ASSERT_EQUAL(mismatches(&t.d, 0, c->sectors, model), 0);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 2);
    tv_close(&t);
    s->ops = 0;
    return s;
}

/*
 * After a crash in the middle of writing [ws, ws + wn) with tag 100: the old data is intact, and each
 * block the write touches is either complete (its sectors, zeros elsewhere) or absent (all zeros).
 * Returns how many of those blocks are present.
 */
static uint64_t check_after_alloc_crash(struct vdisk *d, const uint64_t *model, uint64_t ws, uint32_t wn,
                                        bool must_be_there)
{
    uint64_t *want = malloc(d->cfg.sectors * sizeof(*want)), present = 0;

    memcpy(want, model, d->cfg.sectors * sizeof(*want));
    for (uint64_t vb = ws / BSEC; vb * BSEC < ws + wn; vb++) {
        bool there = d->map[vb] != 0;

        CU_ASSERT(there || !must_be_there);
        for (uint64_t s = vb * BSEC; s < (vb + 1) * BSEC && s < d->cfg.sectors; s++)
            want[s] = there && s >= ws && s < ws + wn ? 100 : 0;
        present += there;
    }
    CU_ASSERT_EQUAL(mismatches(d, 0, d->cfg.sectors, want), 0);
    free(want);
    return present;
}

static void crash_alloc_case(uint64_t ws, uint32_t wn)
{
    struct vdisk_config c = thin_cfg(5, 40 * BSEC, 12, 3);
    uint64_t *model = calloc(c.sectors, sizeof(*model));
    struct sim *base = crash_base(&c, model), *s;
    struct tvd t;
    long nops;

    /* How many writes and flushes the write does when nothing goes wrong. */
    s = sim_clone(base);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, ws, wn, 100), PX_BLK_OK);
    nops = s->ops;
    CU_ASSERT(nops >= 4);
    tv_close(&t);
    sim_free(s);
    for (long k = 0; k <= nops; k++) {
        s = sim_clone(base);
        CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
        s->cut_at = k;
        int rc = write_tag(&t.d, ws, wn, 100);
        CU_ASSERT_EQUAL(rc, k < nops ? PX_BLK_ERR_IO : PX_BLK_OK);
        tv_close(&t);
        for (size_t keep = 0; keep <= s->nlog; keep++) {
            struct sim *cs = sim_clone(s);
            sim_crash(cs, keep, NULL);
            CU_ASSERT_EQUAL_FATAL(tv_open(&t, cs, &c), PX_BLK_OK);
            check_invariants(&t.d, true);
            check_disk_map(cs, &t.d);
            uint64_t present = check_after_alloc_crash(&t.d, model, ws, wn, rc == PX_BLK_OK);
            CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 2 + present);
            check_no_leak(&t.d);
            CU_ASSERT_FALSE(cs->violation);
            tv_close(&t);
            sim_free(cs);
        }
        sim_free(s);
    }
    sim_free(base);
    free(model);
}

static void test_crash_alloc(void)
{
    crash_alloc_case(7 * BSEC + 3, 50);         /* inside one block (reusing the discarded one) */
    crash_alloc_case(10 * BSEC, BSEC);          /* one whole block */
    crash_alloc_case(8 * BSEC + 100, 200);      /* two blocks, across the boundary */
    crash_alloc_case(2 * BSEC + 100, 2 * BSEC); /* three blocks */
    crash_alloc_case(39 * BSEC + 127, 1);       /* the last sector */
}

/* Sectors of [sector, sector + count) holding neither write `tag` nor zeros. */
static uint64_t old_or_zero(struct vdisk *d, uint64_t sector, uint32_t count, uint64_t tag)
{
    uint8_t *buf = malloc((size_t)count * SEC);
    uint64_t bad = 0;

    CU_ASSERT_EQUAL(vdisk_read(d, sector, count, buf), PX_BLK_OK);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t t = tag_of(buf + (size_t)i * SEC, sector + i);
        bad += t != tag && t != 0;
    }
    free(buf);
    return bad;
}

/* A crash at every step of a discard over two map sectors: each block is either intact or gone. */
static void test_crash_discard(void)
{
    struct vdisk_config c = thin_cfg(2, 300 * BSEC, 8, 0);
    uint64_t *model = calloc(c.sectors, sizeof(*model)), vbs[5] = {120, 127, 128, 131, 200};
    struct sim *base = sim_for(&c), *s;
    struct tvd t;
    long nops;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, base, &c), PX_BLK_OK);
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(write_tag(&t.d, vbs[i] * BSEC, BSEC, 1 + i), PX_BLK_OK);
        model_set(model, vbs[i] * BSEC, BSEC, 1 + i);
    }
    tv_close(&t);
    base->ops = 0;
    s = sim_clone(base);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 120 * BSEC + 5, 81 * BSEC - 5), PX_BLK_OK);
    nops = s->ops; /* the partial zeroing, two map sectors, a flush */
    CU_ASSERT_EQUAL(nops, 4);
    tv_close(&t);
    sim_free(s);
    for (long k = 0; k <= nops; k++) {
        s = sim_clone(base);
        CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
        s->cut_at = k;
        CU_ASSERT_EQUAL(vdisk_discard(&t.d, 120 * BSEC + 5, 81 * BSEC - 5),
                        k < nops ? PX_BLK_ERR_IO : PX_BLK_OK);
        tv_close(&t);
        for (size_t keep = 0; keep <= s->nlog; keep++) {
            struct sim *cs = sim_clone(s);
            uint64_t *want = malloc(c.sectors * sizeof(*want)), present = 0;

            sim_crash(cs, keep, NULL);
            CU_ASSERT_EQUAL_FATAL(tv_open(&t, cs, &c), PX_BLK_OK);
            check_invariants(&t.d, true);
            memcpy(want, model, c.sectors * sizeof(*want));
            for (int i = 1; i < 5; i++) {
                bool there = t.d.map[vbs[i]] != 0;
                CU_ASSERT(!there || k < nops);
                model_set(want, vbs[i] * BSEC, BSEC, there ? 1 + (uint64_t)i : 0);
                present += there;
            }
            CU_ASSERT_EQUAL(mismatches(&t.d, 0, 120 * BSEC + 5, want), 0);
            CU_ASSERT_EQUAL(old_or_zero(&t.d, 120 * BSEC + 5, BSEC - 5, 1), 0);
            CU_ASSERT_EQUAL(mismatches(&t.d, 121 * BSEC, c.sectors - 121 * BSEC, want), 0);
            CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 1 + present);
            check_no_leak(&t.d);
            tv_close(&t);
            sim_free(cs);
            free(want);
        }
        sim_free(s);
    }
    sim_free(base);
    free(model);
}

/* A crash at every step of formatting a map larger than the scratch block (130 sectors). */
static void test_crash_format(void)
{
    struct vdisk_config c = thin_cfg(0, (uint64_t)129 * 128 * BSEC + 5, 3, 0);
    struct sim *base = sim_for(&c), *s;
    struct tvd t;
    long nops;

    CU_ASSERT_EQUAL(map_sectors_for(c.sectors), 130);
    memset(base->cur + SEC, 0x42, 130 * SEC); /* stale map contents */
    memcpy(base->durable, base->cur, base->nsectors * SEC);
    s = sim_clone(base);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    nops = s->ops;
    CU_ASSERT_EQUAL(nops, 5); /* two map writes, flush, header, flush */
    tv_close(&t);
    sim_free(s);
    for (long k = 0; k <= nops; k++) {
        s = sim_clone(base);
        s->cut_at = k;
        CU_ASSERT_EQUAL(tv_open(&t, s, &c), k < nops ? PX_BLK_ERR_IO : PX_BLK_OK);
        CU_ASSERT(k == nops || strstr(t.err, "thin disk format") != NULL);
        tv_close(&t);
        for (size_t keep = 0; keep <= s->nlog; keep++) {
            struct sim *cs = sim_clone(s);
            sim_crash(cs, keep, NULL);
            CU_ASSERT_EQUAL_FATAL(tv_open(&t, cs, &c), PX_BLK_OK);
            check_header(cs, &c);
            check_disk_map(cs, &t.d);
            CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 0);
            check_no_leak(&t.d);
            tv_close(&t);
            sim_free(cs);
        }
        sim_free(s);
    }
    sim_free(base);
}

/*
 * Makes one write or flush of an allocation of virtual block 9 (k < 4), or of a discard of it after
 * its allocation (k = 4: the map write, 5: the flush), fail with an I/O error.
 */
static void io_error_at(struct vdisk *d, struct sim *s, long k)
{
    if (k < 4) {
        s->fail_at = k;
        CU_ASSERT_EQUAL(write_tag(d, 9 * BSEC + 1, 3, 100), PX_BLK_ERR_IO);
    } else {
        CU_ASSERT_EQUAL(write_tag(d, 9 * BSEC + 1, 3, 100), PX_BLK_OK);
        s->fail_at = s->ops + k - 4;
        CU_ASSERT_EQUAL(vdisk_discard(d, 9 * BSEC, BSEC), PX_BLK_ERR_IO);
    }
    /* The data block whose map entry is in doubt (if any) is set aside, not free. */
    check_invariants(d, false);
    CU_ASSERT(d->in_use - d->allocated <= 1);
}

/*
 * An I/O error (not a crash) at each step of an allocation or a discard: the disk stays usable and
 * consistent. Afterwards either virtual block 9 is rewritten (which settles its entry), or another map
 * sector gets a new block: that must not be the block in doubt, or after a reopen it could be
 * referenced twice.
 */
static void test_io_errors(void)
{
    struct vdisk_config c = thin_cfg(0, 300 * BSEC, 6, 0);
    uint64_t *model = calloc(c.sectors, sizeof(*model)), *want = malloc(c.sectors * sizeof(*want));
    struct sim *base = crash_base(&c, model), *s;
    struct tvd t;

    for (long k = 0; k < 12; k++) {
        bool rewrite = k >= 6, there;

        memcpy(want, model, c.sectors * sizeof(*want));
        s = sim_clone(base);
        CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
        io_error_at(&t.d, s, k % 6);
        CU_ASSERT_EQUAL(write_tag(&t.d, rewrite ? 9 * BSEC + 1 : 200 * BSEC, 3, 101), PX_BLK_OK);
        model_set(want, rewrite ? 9 * BSEC + 1 : 200 * BSEC, 3, 101);
        if (rewrite)
            check_disk_map(s, &t.d);
        CU_ASSERT_EQUAL(vdisk_flush(&t.d), PX_BLK_OK);
        tv_close(&t);
        CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
        check_invariants(&t.d, true);
        /* Unless rewritten, block 9 is now either absent or as written. */
        there = t.d.map[9] != 0;
        if (!rewrite && there)
            model_set(want, 9 * BSEC + 1, 3, 100);
        CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), rewrite ? 3 : 3 + there);
        CU_ASSERT_EQUAL(mismatches(&t.d, 0, c.sectors, want), 0);
        check_no_leak(&t.d);
        tv_close(&t);
        sim_free(s);
    }
    sim_free(base);
    free(model);
    free(want);
}

/* More data blocks than one bitmap word: blocks freed below where the search starts are found again. */
static void test_many_blocks(void)
{
    struct vdisk_config c = thin_cfg(0, 400 * BSEC, 200, 0);
    struct sim *s = sim_for(&c);
    struct tvd t;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 0, 200 * BSEC, 1), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 200);
    CU_ASSERT_EQUAL(write_tag(&t.d, 300 * BSEC, 1, 2), PX_BLK_ERR_NO_SPACE);
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 5 * BSEC, 10 * BSEC), PX_BLK_OK);  /* data blocks 5-14 */
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 130 * BSEC, 2 * BSEC), PX_BLK_OK); /* 130, 131 */
    CU_ASSERT_EQUAL(vdisk_discard(&t.d, 199 * BSEC, BSEC), PX_BLK_OK);     /* 199 */
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 187);
    CU_ASSERT_EQUAL(write_tag(&t.d, 250 * BSEC, 13 * BSEC, 3), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 200);
    CU_ASSERT_EQUAL(write_tag(&t.d, 300 * BSEC, 1, 4), PX_BLK_ERR_NO_SPACE);
    check_invariants(&t.d, true);
    check_disk_map(s, &t.d);
    tv_close(&t);
    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 200);
    CU_ASSERT_EQUAL(t.d.map[250], 6); /* the lowest free block, 5, first */
    tv_close(&t);
    sim_free(s);
}

/* ---- Corrupt headers and maps ---- */

/* A formatted disk holding two allocated blocks (data blocks 0 and 1 for virtual blocks 0 and 1). */
static struct sim *corrupt_base(const struct vdisk_config *c)
{
    struct sim *s = sim_for(c);
    struct tvd t;

    CU_ASSERT_EQUAL_FATAL(tv_open(&t, s, c), PX_BLK_OK);
    CU_ASSERT_EQUAL(write_tag(&t.d, 0, 2 * BSEC, 1), PX_BLK_OK);
    tv_close(&t);
    return s;
}

static void expect_corrupt(struct sim *s, const struct vdisk_config *c, const char *msg)
{
    struct tvd t;
    uint8_t buf[SEC];
    unsigned long writes = s->writes;

    CU_ASSERT_EQUAL(tv_open(&t, s, c), PX_BLK_ERR_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(t.err, msg));
    if (!strstr(t.err, msg))
        printf("# expected \"%s\", got \"%s\"\n", msg, t.err);
    CU_ASSERT_EQUAL(vdisk_read(&t.d, 0, 1, buf), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(s->writes, writes); /* a corrupt disk is never "repaired" */
    tv_close(&t);
    sim_free(s);
}

/* Sets header field `off` (a uint64, or a uint32 if `w32`) and, if `fix`, the checksum. */
static struct sim *with_header(const struct vdisk_config *c, size_t off, uint64_t v, bool w32, bool fix)
{
    struct sim *s = corrupt_base(c);
    uint8_t *h = s->cur + c->base * SEC;

    if (w32)
        put32(h + off, (uint32_t)v);
    else
        put64(h + off, v);
    if (fix)
        put32(h + 64, ref_crc32(h, 64));
    return s;
}

static struct sim *with_entry(const struct vdisk_config *c, uint64_t vb, uint32_t v)
{
    struct sim *s = corrupt_base(c);

    put32(s->cur + (c->base + 1) * SEC + 4 * vb, v);
    return s;
}

static void test_corrupt(void)
{
    struct vdisk_config c = thin_cfg(3, 200 * BSEC, 5, 0), other;
    struct sim *s;
    struct tvd t;

    s = corrupt_base(&c);
    memcpy(s->cur + c.base * SEC, "PXTHIN02", 8);
    expect_corrupt(s, &c, "thin disk header: bad magic");
    s = corrupt_base(&c);
    s->cur[c.base * SEC + 20] ^= 1;
    expect_corrupt(s, &c, "thin disk header: bad checksum");
    s = corrupt_base(&c);
    s->cur[c.base * SEC + 66] ^= 0x80;
    expect_corrupt(s, &c, "thin disk header: bad checksum");
    expect_corrupt(with_header(&c, 8, 2, true, true), &c, "thin disk header: unsupported version 2");
    expect_corrupt(with_header(&c, 12, 64, true, true), &c, "thin disk header: block size 64");
    expect_corrupt(with_header(&c, 16, c.sectors + 1, false, true), &c, "virtual sectors");
    expect_corrupt(with_header(&c, 32, 4, false, true), &c, "layout does not match");
    expect_corrupt(with_header(&c, 56, 4, false, true), &c, "layout does not match");
    expect_corrupt(with_header(&c, 48, 1, false, true), &c, "layout does not match");
    /* A good disk opened with a configuration that does not match it. */
    other = c;
    other.sectors = c.sectors - 1;
    expect_corrupt(corrupt_base(&c), &other, "the configuration says");
    other = c;
    other.region_sectors += BSEC;
    expect_corrupt(corrupt_base(&c), &other, "layout does not match");
    /* Maps. */
    expect_corrupt(with_entry(&c, 7, 6), &c,
                   "thin disk map: virtual block 7 references data block 5, out of range");
    expect_corrupt(with_entry(&c, 150, 0xffffffffu), &c, "out of range");
    expect_corrupt(with_entry(&c, 199, 1), &c, "thin disk map: data block 0 referenced twice");
    expect_corrupt(with_entry(&c, 200, 3), &c, "past the last block");
    expect_corrupt(with_entry(&c, 255, 3), &c, "past the last block");
    /* The largest valid entry is fine. */
    s = with_entry(&c, 199, 5);
    CU_ASSERT_EQUAL(tv_open(&t, s, &c), PX_BLK_OK);
    CU_ASSERT_EQUAL(vdisk_blocks_allocated(&t.d), 3);
    check_invariants(&t.d, true);
    tv_close(&t);
    sim_free(s);
}

/* ---- Randomized, against a model ---- */

struct rmodel {
    struct vdisk_config c;
    struct sim *s;
    struct tvd t;
    uint64_t *cur; /* per virtual sector: the tag reads must show */
    uint64_t *dur; /* the tag as of the last explicit flush */
    bool *zeroed;  /* discarded since the last explicit flush */
    bool *refused; /* tags of writes that got NO_SPACE */
    uint64_t mark; /* tags above this were written since the last explicit flush */
    uint64_t next_tag, rng;
    uint8_t *buf;
    unsigned long nospace, crashes, bad;
};

static uint64_t rrange(struct rmodel *m, uint64_t *sector, uint64_t maxcount)
{
    uint64_t n = m->c.sectors, count;

    if (rnd(&m->rng) % 4 == 0) { /* block-aligned */
        *sector = rnd(&m->rng) % div_up(n, BSEC) * BSEC;
        count = BSEC * (1 + rnd(&m->rng) % 3);
    } else {
        *sector = rnd(&m->rng) % n;
        count = 1 + rnd(&m->rng) % maxcount;
    }
    return count < n - *sector ? count : n - *sector;
}

static void r_write(struct rmodel *m)
{
    uint64_t sector, count = rrange(m, &sector, 300), tag = m->next_tag++, need = 0;
    int rc;

    fill(m->buf, sector, (uint32_t)count, tag);
    rc = vdisk_write(&m->t.d, sector, (uint32_t)count, m->buf);
    if (rc == PX_BLK_OK) {
        model_set(m->cur, sector, count, tag);
        return;
    }
    CU_ASSERT_EQUAL(rc, PX_BLK_ERR_NO_SPACE);
    for (uint64_t vb = sector / BSEC; vb * BSEC < sector + count; vb++)
        need += m->t.d.map[vb] == 0;
    CU_ASSERT(need > m->t.d.dblocks - m->t.d.allocated);
    m->refused[tag] = true;
    m->nospace++;
}

static void r_discard(struct rmodel *m)
{
    uint64_t sector, count = rrange(m, &sector, rnd(&m->rng) % 8 ? 300 : 3000);

    CU_ASSERT_EQUAL(vdisk_discard(&m->t.d, sector, (uint32_t)count), PX_BLK_OK);
    model_set(m->cur, sector, count, 0);
    for (uint64_t i = 0; i < count; i++)
        m->zeroed[sector + i] = true;
}

static void r_read(struct rmodel *m)
{
    uint64_t sector, count = rrange(m, &sector, 300);

    CU_ASSERT_EQUAL(vdisk_read(&m->t.d, sector, (uint32_t)count, m->buf), PX_BLK_OK);
    for (uint64_t i = 0; i < count; i++)
        m->bad += tag_of(m->buf + i * SEC, sector + i) != m->cur[sector + i];
}

static void r_flush(struct rmodel *m)
{
    CU_ASSERT_EQUAL(vdisk_flush(&m->t.d), PX_BLK_OK);
    memcpy(m->dur, m->cur, m->c.sectors * sizeof(*m->dur));
    memset(m->zeroed, 0, m->c.sectors);
    m->mark = m->next_tag - 1;
}

/* What a sector may hold after a crash: its flushed contents, or anything written or discarded since. */
static bool r_allowed(const struct rmodel *m, uint64_t s, uint64_t tag)
{
    if (tag == m->dur[s] || (tag == 0 && m->zeroed[s]))
        return true;
    return tag != UINT64_MAX && tag > m->mark && tag < m->next_tag && !m->refused[tag];
}

/* Crash (losing all, none, a prefix or a random subset of the unflushed writes) and reopen. */
static void r_crash(struct rmodel *m)
{
    uint64_t mode = rnd(&m->rng) % 4, n = m->c.sectors;

    tv_close(&m->t);
    sim_crash(m->s,
              mode == 0   ? 0
              : mode == 1 ? m->s->nlog
                          : rnd(&m->rng) % (m->s->nlog + 1),
              mode == 3 ? &m->rng : NULL);
    CU_ASSERT_EQUAL_FATAL(tv_open(&m->t, m->s, &m->c), PX_BLK_OK);
    check_invariants(&m->t.d, true);
    for (uint64_t s = 0; s < n; s += BSEC) {
        uint32_t cnt = (uint32_t)(n - s < BSEC ? n - s : BSEC);
        CU_ASSERT_EQUAL(vdisk_read(&m->t.d, s, cnt, m->buf), PX_BLK_OK);
        for (uint32_t i = 0; i < cnt; i++) {
            uint64_t tag = tag_of(m->buf + (size_t)i * SEC, s + i);
            m->bad += !r_allowed(m, s + i, tag);
            m->cur[s + i] = m->dur[s + i] = tag;
        }
    }
    memset(m->zeroed, 0, n);
    m->mark = m->next_tag - 1;
    m->crashes++;
}

static void random_run(uint64_t seed, int ops)
{
    struct rmodel m = {.c = thin_cfg(7, 64 * BSEC - 37, 40, 11), .next_tag = 1, .rng = seed};

    m.s = sim_for(&m.c);
    m.cur = calloc(m.c.sectors, sizeof(uint64_t));
    m.dur = calloc(m.c.sectors, sizeof(uint64_t));
    m.zeroed = calloc(m.c.sectors, 1);
    m.refused = calloc((size_t)ops + 2, 1);
    m.buf = malloc(3000 * SEC);
    CU_ASSERT_EQUAL_FATAL(tv_open(&m.t, m.s, &m.c), PX_BLK_OK);
    for (int i = 0; i < ops; i++) {
        uint64_t r = rnd(&m.rng) % 1000;

        if (r < 500)
            r_write(&m);
        else if (r < 760)
            r_read(&m);
        else if (r < 880)
            r_discard(&m);
        else if (r < 990)
            r_flush(&m);
        else
            r_crash(&m);
        check_invariants(&m.t.d, true);
        if (i % 500 == 499)
            m.bad += mismatches(&m.t.d, 0, m.c.sectors, m.cur);
    }
    r_crash(&m);
    CU_ASSERT_EQUAL(m.bad, 0);
    CU_ASSERT(m.nospace > 0 && m.crashes > 1);
    CU_ASSERT_FALSE(m.s->violation);
    printf("# seed %llu: %d operations, %lu refused for space, %lu crashes, %llu blocks in use\n",
           (unsigned long long)seed, ops, m.nospace, m.crashes,
           (unsigned long long)vdisk_blocks_allocated(&m.t.d));
    tv_close(&m.t);
    sim_free(m.s);
    free(m.cur);
    free(m.dur);
    free(m.zeroed);
    free(m.refused);
    free(m.buf);
}

static void test_random(void)
{
    random_run(0x9e3779b97f4a7c15ULL, 4000);
    random_run(12345, 3000);
    random_run(0xdeadbeef, 3000);
}

void register_vdisk_suite(void)
{
    static CU_TestInfo tests[] = {
        {"slice: reads, writes, bounds, overflow", test_slice},
        {"slice: read-only", test_slice_read_only},
        {"bad configurations are refused", test_config_errors},
        {"thin: formats a zeroed region and reopens it", test_thin_format},
        {"thin: read-only", test_thin_read_only},
        {"thin: writes across blocks, unallocated reads as zeros", test_thin_across_blocks},
        {"thin: allocation until NO_SPACE on a larger virtual disk", test_thin_no_space},
        {"thin: rewrites of allocated blocks go in place", test_thin_rewrite},
        {"thin: discard of whole and partial blocks, reuse", test_thin_discard},
        {"thin: crash at every step of an allocation", test_crash_alloc},
        {"thin: crash at every step of a discard", test_crash_discard},
        {"thin: crash at every step of formatting", test_crash_format},
        {"thin: I/O errors at every step leave a usable disk", test_io_errors},
        {"thin: more data blocks than a bitmap word", test_many_blocks},
        {"thin: corrupt headers and maps are refused", test_corrupt},
        {"thin: randomized against a model, with crashes", test_random},
        CU_TEST_INFO_NULL,
    };

    cunit_tap_add_suite("vdisk", tests);
}
