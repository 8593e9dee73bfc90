/*
 * Unit tests for the boot-time memory setup (<core/bootinfo.h>): the RAM and reserved range tables,
 * bootmem_init() placing the page allocator's bitmaps and handing it the free RAM, and cmdline_get().
 *
 * Physical memory is fake: the pmm only touches its bitmaps, and the bitmaps go to a static host buffer.
 * Each test says at which physical address it expects the storage; the to_virt callback maps exactly
 * that window onto the buffer and records any other address, so a misplaced storage is reported instead
 * of written through a wild pointer. After bootmem_init(), the tests take every page with pmm_alloc()
 * and check that none is reserved, part of the storage, or outside RAM, and that the count matches.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/bootinfo.h>
#include <core/compiler.h>
#include <core/pmm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PG ((paddr_t)PAGE_SIZE)
#define MiB ((paddr_t)1 << 20)
#define GiB ((paddr_t)1 << 30)

/* The fake physical window [fake_base, fake_base + sizeof(fake)) where the storage is expected. */
static _Alignas(4096) uint8_t fake[2 * 1024 * 1024];
static paddr_t fake_base;
static paddr_t last_pa;
static unsigned to_virt_calls;
static unsigned to_virt_bad;

static void fake_reset(paddr_t base)
{
    memset(fake, 0xa5, sizeof(fake));
    fake_base = base;
    last_pa = 0;
    to_virt_calls = 0;
    to_virt_bad = 0;
}

static void *fake_to_virt(paddr_t pa)
{
    to_virt_calls++;
    last_pa = pa;
    if (pa < fake_base || pa - fake_base >= sizeof(fake)) {
        to_virt_bad++;
        return fake; /* somewhere harmless, so the test reports instead of crashing */
    }
    return fake + (pa - fake_base);
}

/* Bytes bootmem_init() sets aside for RAM spanning [lo, hi). */
static size_t storage_bytes(paddr_t lo, paddr_t hi)
{
    return ALIGN_UP(pmm_metadata_bytes(lo, hi), PAGE_SIZE);
}

static void bi_init(struct boot_info *bi) { memset(bi, 0, sizeof(*bi)); }

static void add_ram(struct boot_info *bi, paddr_t start, paddr_t end)
{
    CU_ASSERT_TRUE_FATAL(bootinfo_add_ram(bi, start, end));
}

static void add_reserved(struct boot_info *bi, paddr_t start, paddr_t end)
{
    CU_ASSERT_TRUE_FATAL(bootinfo_add_reserved(bi, start, end, "test"));
}

static bool in_ranges(const struct mem_range *r, size_t n, paddr_t page)
{
    for (size_t i = 0; i < n; i++)
        if (page < r[i].end && r[i].start < page + PG)
            return true;
    return false;
}

/* True if the whole page lies in one RAM range. */
static bool page_in_ram(const struct boot_info *bi, paddr_t page)
{
    for (size_t i = 0; i < bi->nram; i++)
        if (bi->ram[i].start <= page && page + PG <= bi->ram[i].end)
            return true;
    return false;
}

/* Pages wholly inside RAM, minus those touching a reserved range or the storage: what must be free. */
static size_t expected_free(const struct boot_info *bi, paddr_t storage, size_t bytes)
{
    paddr_t lo = UINT64_MAX, hi = 0;
    size_t n = 0;

    for (size_t i = 0; i < bi->nram; i++) {
        lo = MIN(lo, bi->ram[i].start);
        hi = MAX(hi, bi->ram[i].end);
    }
    for (paddr_t page = ALIGN_DOWN(lo, PG); page < hi; page += PG)
        n += page_in_ram(bi, page) && !in_ranges(bi->reserved, bi->nreserved, page) &&
             !(page < storage + bytes && storage < page + PG);
    return n;
}

/*
 * bootmem_init() with the storage expected at `storage`: checks the placement, the counters, then takes
 * every page and checks each one. Returns false (after reporting) if bootmem_init() failed.
 */
static bool init_and_check(const struct boot_info *bi, paddr_t limit, paddr_t storage, unsigned line)
{
    paddr_t lo = UINT64_MAX, hi = 0, page;
    struct pmm p;
    size_t bytes, want, got = 0, bad = 0;
    char msg[200];
    bool ok;

    for (size_t i = 0; i < bi->nram; i++) {
        lo = MIN(lo, bi->ram[i].start);
        hi = MAX(hi, bi->ram[i].end);
    }
    bytes = storage_bytes(lo, hi);
    CU_ASSERT_FATAL(bytes <= sizeof(fake));
    fake_reset(storage);

    ok = bootmem_init(&p, bi, limit, fake_to_virt);
    snprintf(msg, sizeof(msg), "bootmem_init: expected storage at %#llx, got %s at %#llx",
             (unsigned long long)storage, ok ? "success" : "failure", (unsigned long long)last_pa);
    CU_assertImplementation(ok && to_virt_calls == 1 && last_pa == storage && to_virt_bad == 0, line, msg,
                            __FILE__, "", CU_FALSE);
    if (!ok || to_virt_bad)
        return false;
    CU_ASSERT_PTR_EQUAL(p.usable, (void *)fake);
    CU_ASSERT_EQUAL(p.base, ALIGN_DOWN(lo, PG));
    CU_ASSERT(storage % PG == 0 && storage + bytes <= limit);

    want = expected_free(bi, storage, bytes);
    snprintf(msg, sizeof(msg), "bootmem_init: %zu free pages, expected %zu", pmm_free_pages(&p), want);
    CU_assertImplementation(pmm_free_pages(&p) == want, line, msg, __FILE__, "", CU_FALSE);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), want);

    while (pmm_alloc(&p, 1, 1, &page) == PMM_OK) {
        got++;
        bad += page % PG != 0 || !page_in_ram(bi, page) || in_ranges(bi->reserved, bi->nreserved, page) ||
               (page < storage + bytes && storage < page + PG);
    }
    snprintf(msg, sizeof(msg), "allocated %zu pages (expected %zu), %zu of them reserved/storage/not RAM",
             got, want, bad);
    CU_assertImplementation(got == want && bad == 0, line, msg, __FILE__, "", CU_FALSE);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 0);
    return true;
}

#define INIT_AND_CHECK(bi, limit, storage) init_and_check((bi), (limit), (storage), __LINE__)

/* bootmem_init() must fail, without asking for a pointer. */
static void expect_init_fails(const struct boot_info *bi, paddr_t limit, unsigned line)
{
    struct pmm p;
    bool ok;
    char msg[200];

    fake_reset(0);
    ok = bootmem_init(&p, bi, limit, fake_to_virt);
    snprintf(msg, sizeof(msg), "bootmem_init: expected failure, got %s (storage at %#llx)",
             ok ? "success" : "failure", (unsigned long long)last_pa);
    CU_assertImplementation(!ok, line, msg, __FILE__, "", CU_FALSE);
    CU_ASSERT_EQUAL(to_virt_calls, ok ? 1 : 0);
}

#define EXPECT_INIT_FAILS(bi, limit) expect_init_fails((bi), (limit), __LINE__)

static void test_add_ranges(void)
{
    static struct boot_info bi;

    bi_init(&bi);
    CU_ASSERT_TRUE(bootinfo_add_ram(&bi, 0x1000, 0x9f000));
    CU_ASSERT_TRUE(bootinfo_add_reserved(&bi, 0, 0x100000, "test"));
    CU_ASSERT_TRUE(bootinfo_add_ram(&bi, 0x100000, 0x8000000));
    CU_ASSERT_EQUAL(bi.nram, 2);
    CU_ASSERT_EQUAL(bi.nreserved, 1);
    CU_ASSERT_EQUAL(bi.ram[0].start, 0x1000);
    CU_ASSERT_EQUAL(bi.ram[0].end, 0x9f000);
    CU_ASSERT_EQUAL(bi.ram[1].start, 0x100000);
    CU_ASSERT_EQUAL(bi.ram[1].end, 0x8000000);
    CU_ASSERT_EQUAL(bi.reserved[0].start, 0);
    CU_ASSERT_EQUAL(bi.reserved[0].end, 0x100000);

    /* Empty and inverted ranges are accepted and ignored. */
    CU_ASSERT_TRUE(bootinfo_add_ram(&bi, 0x5000, 0x5000));
    CU_ASSERT_TRUE(bootinfo_add_ram(&bi, 0x6000, 0x5000));
    CU_ASSERT_TRUE(bootinfo_add_reserved(&bi, 0x7000, 0x7000, "test"));
    CU_ASSERT_TRUE(bootinfo_add_reserved(&bi, UINT64_MAX, 0, "test"));
    CU_ASSERT_EQUAL(bi.nram, 2);
    CU_ASSERT_EQUAL(bi.nreserved, 1);
    /* Unaligned edges are kept as given (the pmm rounds them). */
    CU_ASSERT_TRUE(bootinfo_add_reserved(&bi, 0x123, 0x4567, "test"));
    CU_ASSERT_EQUAL(bi.reserved[1].start, 0x123);
    CU_ASSERT_EQUAL(bi.reserved[1].end, 0x4567);
}

static void test_tables_full(void)
{
    static struct boot_info bi;

    bi_init(&bi);
    for (size_t i = 0; i < BOOT_MAX_RANGES; i++)
        CU_ASSERT_TRUE(bootinfo_add_ram(&bi, i * MiB, i * MiB + PG));
    CU_ASSERT_EQUAL(bi.nram, BOOT_MAX_RANGES);
    CU_ASSERT_FALSE(bootinfo_add_ram(&bi, 100 * MiB, 101 * MiB));
    CU_ASSERT_EQUAL(bi.nram, BOOT_MAX_RANGES);
    CU_ASSERT_EQUAL(bi.ram[BOOT_MAX_RANGES - 1].start, (BOOT_MAX_RANGES - 1) * MiB);
    /* An empty range needs no slot, even in a full table. */
    CU_ASSERT_TRUE(bootinfo_add_ram(&bi, 100 * MiB, 100 * MiB));
    CU_ASSERT_EQUAL(bi.nram, BOOT_MAX_RANGES);

    /* The reserved table is separate: still empty, and it fills up the same way. */
    CU_ASSERT_EQUAL(bi.nreserved, 0);
    for (size_t i = 0; i < BOOT_MAX_RANGES; i++)
        CU_ASSERT_TRUE(bootinfo_add_reserved(&bi, i * MiB, i * MiB + 1, "test"));
    CU_ASSERT_FALSE(bootinfo_add_reserved(&bi, 100 * MiB, 101 * MiB, "test"));
    CU_ASSERT_EQUAL(bi.nreserved, BOOT_MAX_RANGES);
    CU_ASSERT_TRUE(bootinfo_add_reserved(&bi, 3, 2, "test"));
    CU_ASSERT_EQUAL(bi.nram, BOOT_MAX_RANGES);
}

static void test_init_simple(void)
{
    static struct boot_info bi;

    /* 63 MiB of RAM from 1 MiB: 16128 pages, whose bitmaps take one page at the start. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 64 * MiB);
    CU_ASSERT_EQUAL(storage_bytes(1 * MiB, 64 * MiB), PG);
    INIT_AND_CHECK(&bi, 4 * GiB, 1 * MiB);
    CU_ASSERT_EQUAL(expected_free(&bi, 1 * MiB, PG), 16128 - 1);
}

static void test_init_reserved(void)
{
    static struct boot_info bi;

    /* Typical PVH layout: low MiB, kernel image, an unaligned boot module, a command line page. */
    bi_init(&bi);
    add_ram(&bi, 0, 128 * MiB);
    add_reserved(&bi, 0, 1 * MiB);
    add_reserved(&bi, 1 * MiB, 3 * MiB);
    add_reserved(&bi, 8 * MiB, 8 * MiB + 0x12345);
    add_reserved(&bi, 0x7fff000, 0x7fff100);
    CU_ASSERT_EQUAL(storage_bytes(0, 128 * MiB), 2 * PG);
    INIT_AND_CHECK(&bi, 4 * GiB, 3 * MiB);
    /* 32768 pages - 256 - 512 - 19 (module, rounded outward) - 1 - 2 (storage). */
    CU_ASSERT_EQUAL(expected_free(&bi, 3 * MiB, 2 * PG), 32768 - 256 - 512 - 19 - 1 - 2);
}

static void test_reserved_pushes_storage(void)
{
    static struct boot_info bi;

    /* Reserved ranges at the start of RAM, chained, the last with an unaligned end, listed out of order. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 64 * MiB);
    add_reserved(&bi, 0x180000, 0x200800);
    add_reserved(&bi, 1 * MiB, 0x180000);
    INIT_AND_CHECK(&bi, 4 * GiB, 0x201000);

    /* A one-page gap between reserved ranges is too small for two pages of bitmaps: skipped, but free. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 128 * MiB);
    add_reserved(&bi, 1 * MiB, 0x180000);
    add_reserved(&bi, 0x181000, 3 * MiB);
    CU_ASSERT_EQUAL(storage_bytes(1 * MiB, 128 * MiB), 2 * PG);
    INIT_AND_CHECK(&bi, 4 * GiB, 3 * MiB);
    CU_ASSERT_EQUAL(expected_free(&bi, 3 * MiB, 2 * PG), 32512 - 128 - 383 - 2);

    /* A two-page gap is enough. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 128 * MiB);
    add_reserved(&bi, 1 * MiB, 0x180000);
    add_reserved(&bi, 0x182000, 3 * MiB);
    INIT_AND_CHECK(&bi, 4 * GiB, 0x180000);

    /* A reserved range in the middle of where the storage would go. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 128 * MiB);
    add_reserved(&bi, 0x101000, 0x101001);
    INIT_AND_CHECK(&bi, 4 * GiB, 0x102000);
}

static void test_storage_limit(void)
{
    static struct boot_info bi;
    const size_t bytes = storage_bytes(1 * MiB, 32 * MiB);

    /* RAM listed high first: a limit below it sends the storage to the second range. */
    bi_init(&bi);
    add_ram(&bi, 16 * MiB, 32 * MiB);
    add_ram(&bi, 1 * MiB, 2 * MiB);
    CU_ASSERT_EQUAL(bytes, PG);
    INIT_AND_CHECK(&bi, 8 * MiB, 1 * MiB);
    INIT_AND_CHECK(&bi, 1 * MiB + bytes, 1 * MiB); /* the storage may end exactly at the limit */
    EXPECT_INIT_FAILS(&bi, 1 * MiB + bytes - 1);
    EXPECT_INIT_FAILS(&bi, 1 * MiB);
    EXPECT_INIT_FAILS(&bi, 0);
    /* With no limit to speak of, the first range listed wins. */
    INIT_AND_CHECK(&bi, UINT64_MAX, 16 * MiB);

    /* Reserved memory under the limit leaves no room below it. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 64 * MiB);
    add_reserved(&bi, 1 * MiB, 4 * MiB);
    EXPECT_INIT_FAILS(&bi, 4 * MiB);
    EXPECT_INIT_FAILS(&bi, 4 * MiB + PG - 1);
    INIT_AND_CHECK(&bi, 4 * MiB + PG, 4 * MiB);
}

static void test_no_ram(void)
{
    static struct boot_info bi;

    bi_init(&bi);
    EXPECT_INIT_FAILS(&bi, 4 * GiB);
    /* Empty RAM ranges are dropped, so there is still none. */
    CU_ASSERT_TRUE(bootinfo_add_ram(&bi, 1 * MiB, 1 * MiB));
    add_reserved(&bi, 0, 1 * MiB);
    EXPECT_INIT_FAILS(&bi, 4 * GiB);

    /* RAM that is all reserved, or too small for a page of bitmaps. */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 2 * MiB);
    add_reserved(&bi, 0, 2 * MiB);
    EXPECT_INIT_FAILS(&bi, 4 * GiB);
    bi_init(&bi);
    add_ram(&bi, 0x1800, 0x2800); /* a page of bytes, but no whole page */
    EXPECT_INIT_FAILS(&bi, 4 * GiB);
}

static void test_ram_with_holes(void)
{
    static struct boot_info bi;

    /* A PC-like map: low memory, the hole below 1 MiB, RAM to just under 128 MiB, then 1 GiB above 4 GiB. */
    bi_init(&bi);
    add_ram(&bi, 0x1000, 0x9f000);
    add_ram(&bi, 1 * MiB, 0x7fe0000);
    add_ram(&bi, 4 * GiB, 5 * GiB);
    add_reserved(&bi, 0, 1 * MiB);
    add_reserved(&bi, 1 * MiB, 4 * MiB);
    /* Span of 0x13ffff pages: 20480 words per bitmap, 80 pages of storage, more than low memory has. */
    CU_ASSERT_EQUAL(storage_bytes(0x1000, 5 * GiB), 80 * PG);
    INIT_AND_CHECK(&bi, 1 * GiB, 4 * MiB);
    CU_ASSERT_EQUAL(expected_free(&bi, 4 * MiB, 80 * PG), (0x7fe0 - 0x400) + 0x40000 - 80);

    /* Unaligned RAM edges: only whole pages count, the storage starts at the first whole one. */
    bi_init(&bi);
    add_ram(&bi, 0x1800, 0x5800);
    add_ram(&bi, 0x10000, 0x20000);
    INIT_AND_CHECK(&bi, 4 * GiB, 0x2000);
    CU_ASSERT_EQUAL(expected_free(&bi, 0x2000, PG), 3 + 16 - 1);

    /* The first range is too small for the storage, which goes to the next one, after its reservation. */
    bi_init(&bi);
    add_ram(&bi, 0x1000, 0x2000);
    add_ram(&bi, 1 * MiB, 128 * MiB);
    add_reserved(&bi, 1 * MiB, 2 * MiB);
    CU_ASSERT_EQUAL(storage_bytes(0x1000, 128 * MiB), 2 * PG);
    INIT_AND_CHECK(&bi, 4 * GiB, 2 * MiB);
}

static void test_storage_search_no_wraparound(void)
{
    static struct boot_info bi;

    /*
     * A reserved range ending in the last page of the address space covers all RAM: the search must not
     * round its end up past 2^64 to 0 and start again from physical address 0, which is not RAM.
     */
    bi_init(&bi);
    add_ram(&bi, 1 * MiB, 4 * MiB);
    add_reserved(&bi, 1 * MiB, UINT64_MAX);
    EXPECT_INIT_FAILS(&bi, UINT64_MAX);
    EXPECT_INIT_FAILS(&bi, 4 * GiB);

    /* Likewise for RAM starting in the last page: rounding its start up must not wrap to 0. */
    bi_init(&bi);
    add_ram(&bi, UINT64_MAX - 0x7ff, UINT64_MAX);
    EXPECT_INIT_FAILS(&bi, UINT64_MAX);
}

static void expect_value(const char *cmdline, const char *key, const char *want, unsigned line)
{
    char buf[64];
    bool found;
    char msg[256];

    memset(buf, 'Z', sizeof(buf));
    found = cmdline_get(cmdline, key, buf, sizeof(buf));
    snprintf(msg, sizeof(msg), "cmdline_get(\"%s\", \"%s\"): expected %s%s%s, got %s%.63s%s", cmdline, key,
             want ? "\"" : "", want ? want : "false", want ? "\"" : "", found ? "\"" : "",
             found ? buf : "false", found ? "\"" : "");
    if (want)
        CU_assertImplementation(found && strcmp(buf, want) == 0, line, msg, __FILE__, "", CU_FALSE);
    else
        CU_assertImplementation(!found && buf[0] == 'Z', line, msg, __FILE__, "", CU_FALSE);
}

#define EXPECT_VALUE(cmdline, key, want) expect_value((cmdline), (key), (want), __LINE__)

static void test_cmdline_positions(void)
{
    EXPECT_VALUE("ktest=pmm quiet loglevel=3", "ktest", "pmm");
    EXPECT_VALUE("quiet ktest=pmm loglevel=3", "ktest", "pmm");
    EXPECT_VALUE("quiet loglevel=3 ktest=pmm", "ktest", "pmm");
    EXPECT_VALUE("ktest=pmm", "ktest", "pmm");
    EXPECT_VALUE("quiet loglevel=3 ktest=pmm", "loglevel", "3");
    /* The first occurrence wins; the value runs to the next space and may hold '='. */
    EXPECT_VALUE("ktest=a ktest=b", "ktest", "a");
    EXPECT_VALUE("root=UUID=1234-abcd rw", "root", "UUID=1234-abcd");
}

static void test_cmdline_prefix_keys(void)
{
    EXPECT_VALUE("ktestx=1", "ktest", NULL);
    EXPECT_VALUE("ktestx=1 ktest=foo", "ktest", "foo");
    EXPECT_VALUE("ktest=foo ktestx=1", "ktestx", "1");
    EXPECT_VALUE("ktest=foo", "ktestx", NULL);
    EXPECT_VALUE("ktest=foo", "kt", NULL);
    EXPECT_VALUE("xktest=1", "ktest", NULL);
    /* A key inside another token's value is not a key. */
    EXPECT_VALUE("opt=ktest=1", "ktest", NULL);
    /* A bare word is not key=value. */
    EXPECT_VALUE("quiet ktest", "ktest", NULL);
    EXPECT_VALUE("ktest quiet", "ktest", NULL);
}

static void test_cmdline_missing(void)
{
    EXPECT_VALUE("quiet loglevel=3", "ktest", NULL);
    EXPECT_VALUE("", "ktest", NULL);
    EXPECT_VALUE("   ", "ktest", NULL);
}

static void test_cmdline_empty_value(void)
{
    EXPECT_VALUE("ktest=", "ktest", "");
    EXPECT_VALUE("ktest= quiet", "ktest", "");
    EXPECT_VALUE("quiet ktest=", "ktest", "");
    EXPECT_VALUE("ktest= ktest=x", "ktest", "");
}

static void test_cmdline_truncated(void)
{
    char buf[16];

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_TRUE(cmdline_get("a=1 ktest=abcdefgh b=2", "ktest", buf, 4));
    CU_ASSERT_STRING_EQUAL(buf, "abc");
    CU_ASSERT_EQUAL(buf[4], 'Z'); /* nothing written past size */

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_TRUE(cmdline_get("ktest=abcdefgh", "ktest", buf, 1));
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(buf[1], 'Z');

    /* Exactly fits, with its terminator. */
    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_TRUE(cmdline_get("ktest=abcdefgh", "ktest", buf, 9));
    CU_ASSERT_STRING_EQUAL(buf, "abcdefgh");
    CU_ASSERT_EQUAL(buf[9], 'Z');
    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_TRUE(cmdline_get("ktest=abcdefgh", "ktest", buf, 8));
    CU_ASSERT_STRING_EQUAL(buf, "abcdefg");
}

static void test_cmdline_size_zero(void)
{
    char buf[4] = {'Z', 'Z', 'Z', 'Z'};

    /* Found, but nothing may be written, not even a terminator. */
    CU_ASSERT_TRUE(cmdline_get("ktest=abc", "ktest", buf, 0));
    CU_ASSERT_EQUAL(buf[0], 'Z');
    CU_ASSERT_TRUE(cmdline_get("ktest=abc", "ktest", NULL, 0));
    CU_ASSERT_FALSE(cmdline_get("quiet", "ktest", NULL, 0));
    CU_ASSERT_FALSE(cmdline_get("ktest", "ktest", buf, 0));
}

static void test_cmdline_spaces(void)
{
    EXPECT_VALUE("  a=1    ktest=x   b=2  ", "ktest", "x");
    EXPECT_VALUE("   ktest=x", "ktest", "x");
    EXPECT_VALUE("ktest=x   ", "ktest", "x");
    EXPECT_VALUE("a=1  b=2   c=3", "c", "3");
    EXPECT_VALUE("a=1     ", "b", NULL);
}

static const CU_TestInfo bootmem_tests[] = {
    {"add_ranges", test_add_ranges},
    {"tables_full", test_tables_full},
    {"init_simple", test_init_simple},
    {"init_reserved", test_init_reserved},
    {"reserved_pushes_storage", test_reserved_pushes_storage},
    {"storage_limit", test_storage_limit},
    {"no_ram", test_no_ram},
    {"ram_with_holes", test_ram_with_holes},
    {"storage_search_no_wraparound", test_storage_search_no_wraparound},
    {"cmdline_positions", test_cmdline_positions},
    {"cmdline_prefix_keys", test_cmdline_prefix_keys},
    {"cmdline_missing", test_cmdline_missing},
    {"cmdline_empty_value", test_cmdline_empty_value},
    {"cmdline_truncated", test_cmdline_truncated},
    {"cmdline_size_zero", test_cmdline_size_zero},
    {"cmdline_spaces", test_cmdline_spaces},
    CU_TEST_INFO_NULL,
};

void register_bootmem_suite(void) { cunit_tap_add_suite("bootmem", bootmem_tests); }
