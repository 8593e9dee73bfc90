/*
 * Unit tests for the physical page-frame allocator (<core/pmm.h>).
 *
 * The allocator only touches its bitmaps, so the tests hand it fake physical
 * ranges. After each step check_invariants() recomputes the counters from
 * the bitmaps and checks that allocated pages are always usable, so any
 * accounting drift is caught where it happens.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/bitmap.h>
#include <core/pmm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PG ((paddr_t)PAGE_SIZE)

static void *pmm_setup(struct pmm *p, paddr_t lo, paddr_t hi)
{
    size_t bytes = pmm_metadata_bytes(lo, hi);
    /* Filled with garbage first: pmm_init() must not rely on zeroed storage. */
    void *storage = malloc(bytes ? bytes : 1);

    CU_ASSERT_PTR_NOT_NULL_FATAL(storage);
    memset(storage, 0xa5, bytes);
    pmm_init(p, lo, hi, storage);
    return storage;
}

static void check_invariants(const struct pmm *p)
{
    size_t usable = 0, free = 0, bad = 0;

    for (size_t i = 0; i < p->npages; i++) {
        bool u = bitmap_test(p->usable, i), a = bitmap_test(p->used, i);
        usable += u;
        free += u && !a;
        bad += a && !u;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(pmm_usable_pages(p), usable);
    CU_ASSERT_EQUAL(pmm_free_pages(p), free);
    CU_ASSERT(pmm_free_pages(p) <= pmm_usable_pages(p));
}

static void test_status_names(void)
{
    CU_ASSERT_STRING_EQUAL(pmm_status_name(PMM_OK), "PMM_OK");
    CU_ASSERT_STRING_EQUAL(pmm_status_name(PMM_NOMEM), "PMM_NOMEM");
    CU_ASSERT_STRING_EQUAL(pmm_status_name(PMM_INVALID), "PMM_INVALID");
    CU_ASSERT_STRING_EQUAL(pmm_status_name(PMM_NOT_USABLE), "PMM_NOT_USABLE");
    CU_ASSERT_STRING_EQUAL(pmm_status_name(PMM_DOUBLE_FREE), "PMM_DOUBLE_FREE");
    CU_ASSERT_PTR_NOT_NULL(pmm_status_name((enum pmm_status)99));
}

static void test_init(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st;

    CU_ASSERT_EQUAL(pmm_metadata_bytes(0x100000, 0x500000), 2 * 16 * 8); /* 1024 pages */
    CU_ASSERT_EQUAL(pmm_metadata_bytes(0, 65 * PG), 2 * 2 * 8);
    CU_ASSERT_EQUAL(pmm_metadata_bytes(0x5000, 0x5000), 0);
    CU_ASSERT_EQUAL(pmm_metadata_bytes(0x5000, 0x1000), 0);
    CU_ASSERT_EQUAL(pmm_metadata_bytes(0, 1) % 8, 0);

    st = pmm_setup(&p, 0x100000, 0x500000);
    CU_ASSERT_EQUAL(p.base, 0x100000);
    CU_ASSERT_EQUAL(p.npages, 1024);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 0);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 0);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_NOMEM);
    check_invariants(&p);
    free(st);

    /* lo rounds down, hi rounds up. */
    st = pmm_setup(&p, 0x1234, 0x5001);
    CU_ASSERT_EQUAL(p.base, 0x1000);
    CU_ASSERT_EQUAL(p.npages, 5);
    check_invariants(&p);
    free(st);

    /* An empty range is valid and has nothing to give. */
    st = pmm_setup(&p, 0x8000, 0x8000);
    CU_ASSERT_EQUAL(p.npages, 0);
    pmm_add_free(&p, 0, 0x100000);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 0);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_NOMEM);
    CU_ASSERT_FALSE(pmm_is_allocated(&p, 0x8000));
    free(st);
}

static void test_add_free_rounding(void)
{
    struct pmm p;
    void *st = pmm_setup(&p, 0, 64 * PG);

    pmm_add_free(&p, 0x1001, 0x3fff); /* only page 2 lies entirely inside */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 1);
    CU_ASSERT_TRUE(bitmap_test(p.usable, 2));
    CU_ASSERT_FALSE(bitmap_test(p.usable, 1));
    CU_ASSERT_FALSE(bitmap_test(p.usable, 3));

    pmm_add_free(&p, 0x1000, 0x1fff); /* less than a page once rounded inward */
    pmm_add_free(&p, 0x5000, 0x5000);
    pmm_add_free(&p, 0x6000, 0x5000);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 1);

    pmm_add_free(&p, 0x2000, 0x3000); /* again: no double counting */
    pmm_add_free(&p, 0x1800, 0x3800);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 1);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 1);

    pmm_add_free(&p, 0, 8 * PG); /* overlaps page 2 */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 8);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 8);

    pmm_add_free(&p, 60 * PG, 1000 * PG); /* clipped at the top */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 12);
    pmm_add_free(&p, 100 * PG, 200 * PG); /* entirely outside */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 12);
    check_invariants(&p);
    free(st);

    /* Clipping at the bottom of a range that does not start at 0. */
    st = pmm_setup(&p, 16 * PG, 32 * PG);
    pmm_add_free(&p, 0, 20 * PG);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 4);
    check_invariants(&p);
    free(st);
}

static void test_reserve_rounding(void)
{
    struct pmm p;
    void *st = pmm_setup(&p, 0, 64 * PG);

    pmm_add_free(&p, 0, 64 * PG);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 64);
    pmm_reserve(&p, 0x2fff, 0x3001); /* touches pages 2 and 3 */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 62);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 62);
    CU_ASSERT_FALSE(bitmap_test(p.usable, 2));
    CU_ASSERT_FALSE(bitmap_test(p.usable, 3));
    CU_ASSERT_TRUE(bitmap_test(p.usable, 1));
    CU_ASSERT_TRUE(bitmap_test(p.usable, 4));

    pmm_reserve(&p, 0x2000, 0x4000); /* again: no double counting */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 62);
    pmm_reserve(&p, 10 * PG + 1, 10 * PG + 2); /* a single byte reserves its page */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 61);
    pmm_reserve(&p, 5 * PG, 5 * PG); /* empty */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 61);
    pmm_reserve(&p, 62 * PG, UINT64_MAX); /* clipped, and no overflow rounding up */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 59);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 59);
    check_invariants(&p);

    /* Freeing the RAM again after a reserve makes it usable again. */
    pmm_add_free(&p, 0x2000, 0x4000);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 61);
    check_invariants(&p);
    free(st);
}

static void test_reserve_allocated(void)
{
    struct pmm p;
    paddr_t a = 0, b = 0;
    void *st = pmm_setup(&p, 0, 16 * PG);

    pmm_add_free(&p, 0, 16 * PG);
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 2, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 14);
    pmm_reserve(&p, a, a + PG); /* the first allocated page */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 15);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 14);
    CU_ASSERT_FALSE(pmm_is_allocated(&p, a));
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a + PG));
    check_invariants(&p);

    CU_ASSERT_EQUAL(pmm_free(&p, a, 2), PMM_NOT_USABLE);
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a + PG));
    CU_ASSERT_EQUAL(pmm_free(&p, a + PG, 1), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 15);

    /* Reserving a mix of free, allocated and never-usable pages. */
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 3, 1, &b), PMM_OK);
    pmm_reserve(&p, 0, 16 * PG);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 0);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 0);
    check_invariants(&p);

    /* add_free over allocated pages hands them back as free. */
    pmm_add_free(&p, 0, 16 * PG);
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 4, 1, &b), PMM_OK);
    pmm_add_free(&p, 0, 16 * PG);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 16);
    CU_ASSERT_FALSE(pmm_is_allocated(&p, b));
    check_invariants(&p);
    free(st);
}

static void test_exhaustion(void)
{
    struct pmm p;
    paddr_t got[64], a = 0;
    void *st = pmm_setup(&p, 0x40000000, 0x40000000 + 64 * PG);

    pmm_add_free(&p, 0x40000000, 0x40000000 + 64 * PG);
    for (int i = 0; i < 64; i++) {
        CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 1, 1, &got[i]), PMM_OK);
        CU_ASSERT_TRUE(pmm_is_allocated(&p, got[i]));
        CU_ASSERT(got[i] >= 0x40000000 && got[i] < 0x40000000 + 64 * PG);
        CU_ASSERT_EQUAL(got[i] % PG, 0);
        for (int j = 0; j < i; j++)
            CU_ASSERT_NOT_EQUAL(got[i], got[j]);
    }
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 0);
    a = 0x1234;
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_NOMEM);
    CU_ASSERT_EQUAL(a, 0x1234); /* untouched on failure */

    CU_ASSERT_EQUAL(pmm_free(&p, got[37], 1), PMM_OK);
    CU_ASSERT_FALSE(pmm_is_allocated(&p, got[37]));
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 1);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 2, 1, &a), PMM_NOMEM);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, got[37]);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_NOMEM);
    check_invariants(&p);

    for (int i = 0; i < 64; i++)
        CU_ASSERT_EQUAL(pmm_free(&p, got[i], 1), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 64);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 64, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 0x40000000);
    check_invariants(&p);
    free(st);
}

static void test_alignment(void)
{
    struct pmm p;
    paddr_t a = 0, b = 0, c = 0;
    /* Base deliberately not 2 MiB aligned: alignment is physical, not relative to base. */
    void *st = pmm_setup(&p, 0x1000, 0x1000 + 4096 * PG);

    pmm_add_free(&p, 0x1000, 0x1000 + 4096 * PG);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 0x1000);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 512, &b), PMM_OK);
    CU_ASSERT_EQUAL(b % (512 * PG), 0);
    CU_ASSERT_EQUAL(b, 0x200000);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 512, 512, &c), PMM_OK);
    CU_ASSERT_EQUAL(c % (512 * PG), 0);
    CU_ASSERT(c >= 0x400000);
    for (paddr_t x = c; x < c + 512 * PG; x += PG)
        CU_ASSERT_TRUE(pmm_is_allocated(&p, x));
    CU_ASSERT_EQUAL(pmm_alloc(&p, 3, 4, &a), PMM_OK);
    CU_ASSERT_EQUAL(a % (4 * PG), 0);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 0, &a), PMM_OK); /* 0 means one page */
    check_invariants(&p);

    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 3, &a), PMM_INVALID);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 6, &a), PMM_INVALID);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 0, 1, &a), PMM_INVALID);
    /* An alignment no address in the range satisfies: nothing fits. */
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, (size_t)1 << 40, &a), PMM_NOMEM);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, (size_t)1 << 63, &a), PMM_NOMEM);
    check_invariants(&p);
    free(st);
}

/* True if none of the n pages at a is one of the reserved holes. */
static bool avoids_holes(paddr_t a, size_t n)
{
    static const size_t holes[] = {10, 20, 21, 40};

    for (size_t i = 0; i < n; i++) {
        for (size_t h = 0; h < 4; h++) {
            if (a / PG + i == holes[h])
                return false;
        }
    }
    return true;
}

static void test_contiguous_around_holes(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st = pmm_setup(&p, 0, 64 * PG);

    /* Free runs: [0,10) [11,20) [22,40) [41,64). */
    pmm_add_free(&p, 0, 64 * PG);
    pmm_reserve(&p, 10 * PG, 11 * PG);
    pmm_reserve(&p, 20 * PG, 22 * PG);
    pmm_reserve(&p, 40 * PG, 41 * PG);
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 60);

    CU_ASSERT_EQUAL(pmm_alloc(&p, 24, 1, &a), PMM_NOMEM);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 20, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 41 * PG);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 18, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 22 * PG);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 11, 1, &a), PMM_NOMEM);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 10, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 9, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 11 * PG);
    CU_ASSERT_TRUE(avoids_holes(a, 9));
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_OK);
        CU_ASSERT_TRUE(avoids_holes(a, 1));
    }
    CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &a), PMM_NOMEM);
    CU_ASSERT_FALSE(pmm_is_allocated(&p, 10 * PG));
    CU_ASSERT_FALSE(pmm_is_allocated(&p, 40 * PG));
    check_invariants(&p);
    free(st);
}

static void test_hint_wraps(void)
{
    struct pmm p;
    paddr_t got[10], a = 0;
    void *st = pmm_setup(&p, 0, 10 * PG);

    pmm_add_free(&p, 0, 10 * PG);
    for (int i = 0; i < 8; i++)
        CU_ASSERT_EQUAL(pmm_alloc(&p, 1, 1, &got[i]), PMM_OK);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(pmm_free(&p, got[i], 1), PMM_OK);
    /* Only 2 pages after the hint: the run of 3 at the start must be found by wrapping. */
    CU_ASSERT_EQUAL(pmm_alloc(&p, 3, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 2, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, 8 * PG);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 0);
    check_invariants(&p);
    free(st);
}

static void test_double_free(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st = pmm_setup(&p, 0, 32 * PG);

    pmm_add_free(&p, 0, 32 * PG);
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 1, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free(&p, a, 1), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 32);
    CU_ASSERT_EQUAL(pmm_free(&p, a, 1), PMM_DOUBLE_FREE);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 32);
    CU_ASSERT_EQUAL(pmm_free(&p, 5 * PG, 1), PMM_DOUBLE_FREE); /* never allocated */
    check_invariants(&p);
    free(st);
}

static void test_partial_double_free(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st = pmm_setup(&p, 0, 32 * PG);

    pmm_add_free(&p, 0, 32 * PG);
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 4, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free(&p, a + 2 * PG, 1), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 29);

    CU_ASSERT_EQUAL(pmm_free(&p, a, 4), PMM_DOUBLE_FREE);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 29);
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a));
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a + PG));
    CU_ASSERT_FALSE(pmm_is_allocated(&p, a + 2 * PG));
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a + 3 * PG));

    /* A range reaching into reserved memory is rejected as a whole too. */
    pmm_reserve(&p, a + 4 * PG, a + 5 * PG);
    CU_ASSERT_EQUAL(pmm_free(&p, a + 3 * PG, 2), PMM_NOT_USABLE);
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a + 3 * PG));

    CU_ASSERT_EQUAL(pmm_free(&p, a, 2), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free(&p, a + 3 * PG, 1), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), pmm_usable_pages(&p));
    check_invariants(&p);
    free(st);
}

static void test_free_not_usable(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st = pmm_setup(&p, 0, 64 * PG);

    pmm_add_free(&p, 0, 32 * PG);    /* pages 32..63 never become RAM */
    pmm_reserve(&p, 0x4000, 0x6000); /* "kernel image" at pages 4..5 */
    CU_ASSERT_EQUAL(pmm_free(&p, 40 * PG, 1), PMM_NOT_USABLE);
    CU_ASSERT_EQUAL(pmm_free(&p, 0x4000, 1), PMM_NOT_USABLE);
    CU_ASSERT_EQUAL(pmm_free(&p, 0x5000, 1), PMM_NOT_USABLE);
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 1, 1, &a), PMM_OK);
    CU_ASSERT(a != 0x4000 && a != 0x5000);
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 29);
    check_invariants(&p);
    free(st);
}

static void test_free_invalid(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st = pmm_setup(&p, 16 * PG, 48 * PG);

    pmm_add_free(&p, 16 * PG, 48 * PG);
    CU_ASSERT_EQUAL_FATAL(pmm_alloc(&p, 1, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free(&p, a + 1, 1), PMM_INVALID); /* misaligned */
    CU_ASSERT_EQUAL(pmm_free(&p, a + PG / 2, 1), PMM_INVALID);
    CU_ASSERT_EQUAL(pmm_free(&p, 15 * PG, 1), PMM_INVALID); /* below base */
    CU_ASSERT_EQUAL(pmm_free(&p, 0, 1), PMM_INVALID);
    CU_ASSERT_EQUAL(pmm_free(&p, 48 * PG, 1), PMM_INVALID);  /* at the end */
    CU_ASSERT_EQUAL(pmm_free(&p, 47 * PG, 2), PMM_INVALID);  /* crosses the end */
    CU_ASSERT_EQUAL(pmm_free(&p, a, SIZE_MAX), PMM_INVALID); /* length overflow */
    CU_ASSERT_EQUAL(pmm_free(&p, UINT64_MAX & ~(PG - 1), 1), PMM_INVALID);
    CU_ASSERT_EQUAL(pmm_free(&p, a, 0), PMM_INVALID);
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a));
    CU_ASSERT_TRUE(pmm_is_allocated(&p, a + 5)); /* any address inside the page */
    CU_ASSERT_FALSE(pmm_is_allocated(&p, 0));
    CU_ASSERT_FALSE(pmm_is_allocated(&p, 48 * PG));
    CU_ASSERT_EQUAL(pmm_free_pages(&p), 31);
    CU_ASSERT_EQUAL(pmm_free(&p, a, 1), PMM_OK);
    check_invariants(&p);
    free(st);
}

static void test_top_of_address_space(void)
{
    struct pmm p;
    paddr_t a = 0;
    void *st = pmm_setup(&p, UINT64_C(0xffffffffffff0000), UINT64_MAX);

    CU_ASSERT_EQUAL(p.npages, 16);
    pmm_add_free(&p, UINT64_C(0xffffffffffff0000), UINT64_MAX); /* last page is partial: excluded */
    CU_ASSERT_EQUAL(pmm_usable_pages(&p), 15);
    CU_ASSERT_EQUAL(pmm_alloc(&p, 15, 1, &a), PMM_OK);
    CU_ASSERT_EQUAL(a, UINT64_C(0xffffffffffff0000));
    CU_ASSERT_EQUAL(pmm_free(&p, a, 15), PMM_OK);
    CU_ASSERT_EQUAL(pmm_free(&p, UINT64_C(0xfffffffffffff000), 1), PMM_NOT_USABLE);
    check_invariants(&p);
    free(st);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

struct block {
    paddr_t addr;
    size_t n;
};

/* Random allocs and frees checked against a shadow page map: no overlap, no loss. */
static void test_random_stress(void)
{
    enum { NPAGES = 1000, MAXB = 400 };
    static unsigned char owner[NPAGES];
    struct block blocks[MAXB];
    size_t nblocks = 0, allocated = 0;
    uint64_t rng = 42;
    struct pmm p;
    void *st = pmm_setup(&p, 0x10000000, 0x10000000 + NPAGES * PG);
    unsigned errors = 0;

    memset(owner, 0, sizeof(owner));
    pmm_add_free(&p, 0x10000000, 0x10000000 + NPAGES * PG);
    for (int round = 0; round < 20000; round++) {
        if (nblocks < MAXB && (nblocks == 0 || rng_next(&rng) % 3 != 0)) {
            size_t n = 1 + rng_next(&rng) % 16, align = (size_t)1 << (rng_next(&rng) % 5);
            paddr_t a;
            enum pmm_status s = pmm_alloc(&p, n, align, &a);
            if (s != PMM_OK) {
                errors += s != PMM_NOMEM;
                continue;
            }
            errors += a % (align * PG) != 0;
            for (size_t i = 0; i < n; i++)
                errors += owner[(a - 0x10000000) / PG + i]++ != 0;
            blocks[nblocks++] = (struct block){a, n};
            allocated += n;
        } else {
            size_t k = rng_next(&rng) % nblocks;
            errors += pmm_free(&p, blocks[k].addr, blocks[k].n) != PMM_OK;
            for (size_t i = 0; i < blocks[k].n; i++)
                owner[(blocks[k].addr - 0x10000000) / PG + i] = 0;
            allocated -= blocks[k].n;
            blocks[k] = blocks[--nblocks];
        }
        errors += pmm_free_pages(&p) != NPAGES - allocated;
    }
    CU_ASSERT_EQUAL(errors, 0);
    check_invariants(&p);
    while (nblocks > 0) {
        nblocks--;
        CU_ASSERT_EQUAL(pmm_free(&p, blocks[nblocks].addr, blocks[nblocks].n), PMM_OK);
    }
    CU_ASSERT_EQUAL(pmm_free_pages(&p), NPAGES);
    free(st);
}

static const CU_TestInfo pmm_tests[] = {
    {"status_names", test_status_names},
    {"init", test_init},
    {"add_free_rounding", test_add_free_rounding},
    {"reserve_rounding", test_reserve_rounding},
    {"reserve_allocated", test_reserve_allocated},
    {"exhaustion", test_exhaustion},
    {"alignment", test_alignment},
    {"contiguous_around_holes", test_contiguous_around_holes},
    {"hint_wraps", test_hint_wraps},
    {"double_free", test_double_free},
    {"partial_double_free", test_partial_double_free},
    {"free_not_usable", test_free_not_usable},
    {"free_invalid", test_free_invalid},
    {"top_of_address_space", test_top_of_address_space},
    {"random_stress", test_random_stress},
    CU_TEST_INFO_NULL,
};

void register_pmm_suite(void) { cunit_tap_add_suite("pmm", pmm_tests); }
