/*
 * Unit tests for the slab allocator (<core/kmem.h>).
 *
 * Pages come from aligned_alloc through counting callbacks, so every test can
 * check that pages handed out and pages given back balance (no leaks, even
 * without LeakSanitizer), and can simulate exhaustion by refusing pages.
 * New pages are filled with garbage so that "objects come back zeroed" is a
 * real check.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/kmem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct page_src {
    unsigned allocs;
    unsigned frees;
    unsigned limit;    /* most pages live at once */
    unsigned misalign; /* bytes added to each page address (tests the alignment check) */
};

static unsigned live_pages(const struct page_src *s) { return s->allocs - s->frees; }

static void *src_alloc_page(void *ctx)
{
    struct page_src *s = ctx;
    char *page;

    if (live_pages(s) >= s->limit)
        return NULL;
    page = aligned_alloc(PAGE_SIZE, 2 * PAGE_SIZE);
    if (!page)
        return NULL;
    memset(page, 0xcc, 2 * PAGE_SIZE);
    s->allocs++;
    return page + s->misalign;
}

static void src_free_page(void *ctx, void *page)
{
    struct page_src *s = ctx;

    CU_ASSERT(live_pages(s) > 0);
    s->frees++;
    free((char *)page - s->misalign);
}

static struct page_src src;
static const struct kmem_pages pages = {src_alloc_page, src_free_page, &src};

static void src_reset(unsigned limit)
{
    memset(&src, 0, sizeof(src));
    src.limit = limit;
}

static bool all_bytes(const void *p, int value, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i] != (unsigned char)value)
            return false;
    }
    return true;
}

static void test_status_names(void)
{
    CU_ASSERT_STRING_EQUAL(kmem_status_name(KMEM_OK), "KMEM_OK");
    CU_ASSERT_STRING_EQUAL(kmem_status_name(KMEM_NOMEM), "KMEM_NOMEM");
    CU_ASSERT_STRING_EQUAL(kmem_status_name(KMEM_BAD_POINTER), "KMEM_BAD_POINTER");
    CU_ASSERT_STRING_EQUAL(kmem_status_name(KMEM_DOUBLE_FREE), "KMEM_DOUBLE_FREE");
    CU_ASSERT_PTR_NOT_NULL(kmem_status_name((enum kmem_status)77));
}

static void test_init_sizes(void)
{
    struct kmem_cache c;
    size_t max;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "one", 1, &pages));
    CU_ASSERT_EQUAL(c.objsize, 16);
    CU_ASSERT_STRING_EQUAL(c.name, "one");
    CU_ASSERT_EQUAL(c.first_offset % KMEM_ALIGN, 0);
    CU_ASSERT(c.first_offset + c.objs_per_slab * c.objsize <= PAGE_SIZE);
    CU_ASSERT(c.first_offset + (c.objs_per_slab + 1) * c.objsize > PAGE_SIZE);
    CU_ASSERT_EQUAL(c.slabs, 0);
    CU_ASSERT_EQUAL(src.allocs, 0); /* no page taken before the first alloc */

    CU_ASSERT_TRUE(kmem_cache_init(&c, "16", 16, &pages));
    CU_ASSERT_EQUAL(c.objsize, 16);
    CU_ASSERT_TRUE(kmem_cache_init(&c, "17", 17, &pages));
    CU_ASSERT_EQUAL(c.objsize, 32);
    CU_ASSERT_TRUE(kmem_cache_init(&c, "2048", 2048, &pages));
    CU_ASSERT_EQUAL(c.objsize, 2048);
    CU_ASSERT_EQUAL(c.objs_per_slab, (PAGE_SIZE - c.first_offset) / 2048);
    CU_ASSERT(c.objs_per_slab >= 1);

    max = PAGE_SIZE - c.first_offset;
    CU_ASSERT_TRUE(kmem_cache_init(&c, "max", max, &pages));
    CU_ASSERT_EQUAL(c.objs_per_slab, 1);
    CU_ASSERT_FALSE(kmem_cache_init(&c, "max+1", max + 1, &pages));
    CU_ASSERT_FALSE(kmem_cache_init(&c, "zero", 0, &pages));
    CU_ASSERT_FALSE(kmem_cache_init(&c, "page", PAGE_SIZE, &pages));
    CU_ASSERT_FALSE(kmem_cache_init(&c, "huge", SIZE_MAX, &pages));
    CU_ASSERT_FALSE(kmem_cache_init(&c, "huge", SIZE_MAX - 8, &pages));
    CU_ASSERT_FALSE(kmem_cache_init(&c, "nopages", 32, NULL));
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

    return x < y ? -1 : x > y;
}

static void test_alloc_zeroed_aligned_distinct(void)
{
    enum { N = 600 };
    static void *objs[N];
    struct kmem_cache c;
    unsigned bad = 0;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t24", 24, &pages));
    for (int i = 0; i < N; i++) {
        objs[i] = kmem_alloc(&c);
        CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i]);
        bad += (uintptr_t)objs[i] % KMEM_ALIGN != 0;
        bad += !all_bytes(objs[i], 0, c.objsize);
        memset(objs[i], i & 0xff, c.objsize); /* later checked for overlap damage */
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(c.objs_in_use, N);
    CU_ASSERT_EQUAL(c.slabs, (N + c.objs_per_slab - 1) / c.objs_per_slab);
    CU_ASSERT_EQUAL(c.slabs, live_pages(&src));

    for (int i = 0; i < N; i++)
        bad += !all_bytes(objs[i], i & 0xff, c.objsize);
    CU_ASSERT_EQUAL(bad, 0);

    qsort(objs, N, sizeof(objs[0]), cmp_ptr);
    for (int i = 1; i < N; i++)
        bad += (uintptr_t)objs[i] - (uintptr_t)objs[i - 1] < c.objsize;
    CU_ASSERT_EQUAL(bad, 0);

    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_fill_free_shrink(void)
{
    enum { N = 2000 };
    static void *objs[N];
    struct kmem_cache c;
    size_t slabs;
    unsigned errors = 0;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t64", 64, &pages));
    for (int i = 0; i < N; i++) {
        objs[i] = kmem_alloc(&c);
        CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i]);
    }
    slabs = c.slabs;
    CU_ASSERT(slabs > 10);
    CU_ASSERT_EQUAL(live_pages(&src), slabs);

    /* Free in an interleaved order so slabs go full -> partial -> empty at different times. */
    for (int pass = 0; pass < 3; pass++) {
        for (int i = pass; i < N; i += 3)
            errors += kmem_free(&c, objs[i]) != KMEM_OK;
    }
    CU_ASSERT_EQUAL(errors, 0);
    CU_ASSERT_EQUAL(c.objs_in_use, 0);
    CU_ASSERT_EQUAL(c.slabs, 1); /* at most one empty slab is kept */
    CU_ASSERT_EQUAL(live_pages(&src), 1);
    CU_ASSERT_TRUE(list_empty(&c.partial));
    CU_ASSERT_TRUE(list_empty(&c.full));
    CU_ASSERT_EQUAL(list_length(&c.empty), 1);

    CU_ASSERT_EQUAL(kmem_cache_shrink(&c), 1);
    CU_ASSERT_EQUAL(c.slabs, 0);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
    CU_ASSERT_EQUAL(kmem_cache_shrink(&c), 0);
    CU_ASSERT_EQUAL(src.allocs, slabs);

    /* The cache still works after shrinking to nothing. */
    void *o = kmem_alloc(&c);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_EQUAL(kmem_free(&c, o), KMEM_OK);
    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_empty_slab_policy(void)
{
    struct kmem_cache c;
    void *objs[3 * 64];
    unsigned per;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t256", 256, &pages));
    per = c.objs_per_slab;
    CU_ASSERT_FATAL(per * 3 <= 3 * 64);
    for (unsigned i = 0; i < 3 * per; i++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i] = kmem_alloc(&c));
    CU_ASSERT_EQUAL(c.slabs, 3);
    CU_ASSERT_EQUAL(list_length(&c.full), 3);

    /* Objects are handed out slab by slab, so objs[0..per) share a page. */
    for (unsigned i = 0; i < per; i++)
        CU_ASSERT_EQUAL(kmem_free(&c, objs[i]), KMEM_OK);
    CU_ASSERT_EQUAL(c.slabs, 3); /* first empty slab is cached */
    CU_ASSERT_EQUAL(list_length(&c.empty), 1);
    for (unsigned i = per; i < 2 * per; i++)
        CU_ASSERT_EQUAL(kmem_free(&c, objs[i]), KMEM_OK);
    CU_ASSERT_EQUAL(c.slabs, 2); /* second one is given back */
    CU_ASSERT_EQUAL(live_pages(&src), 2);

    /* Allocation reuses the cached empty slab before asking for a page. */
    unsigned before = src.allocs;
    CU_ASSERT_PTR_NOT_NULL(objs[0] = kmem_alloc(&c));
    CU_ASSERT_EQUAL(src.allocs, before);
    CU_ASSERT_EQUAL(list_length(&c.partial), 1);
    CU_ASSERT_TRUE(list_empty(&c.empty));

    /* A partial slab is preferred over the empty one. */
    CU_ASSERT_EQUAL(kmem_free(&c, objs[2 * per + 1]), KMEM_OK); /* third slab: full -> partial */
    CU_ASSERT_EQUAL(kmem_free(&c, objs[0]), KMEM_OK);           /* first slab: partial -> empty */
    CU_ASSERT_EQUAL(list_length(&c.partial), 1);
    CU_ASSERT_EQUAL(list_length(&c.empty), 1);
    CU_ASSERT_PTR_EQUAL(kmem_alloc(&c), objs[2 * per + 1]);
    CU_ASSERT_EQUAL(list_length(&c.full), 1);

    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_double_free(void)
{
    struct kmem_cache c;
    void *a, *b;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t32", 32, &pages));
    a = kmem_alloc(&c);
    b = kmem_alloc(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(kmem_free(&c, a), KMEM_OK);
    CU_ASSERT_EQUAL(c.objs_in_use, 1);
    CU_ASSERT_EQUAL(kmem_free(&c, a), KMEM_DOUBLE_FREE);
    CU_ASSERT_EQUAL(c.objs_in_use, 1);
    CU_ASSERT_EQUAL(kmem_free(&c, b), KMEM_OK);
    CU_ASSERT_EQUAL(kmem_free(&c, b), KMEM_DOUBLE_FREE);
    CU_ASSERT_EQUAL(kmem_free(&c, a), KMEM_DOUBLE_FREE);
    CU_ASSERT_EQUAL(c.objs_in_use, 0);
    CU_ASSERT_EQUAL(c.slabs, 1);
    /* The allocator still hands out each object once. */
    void *x = kmem_alloc(&c), *y = kmem_alloc(&c);
    CU_ASSERT_PTR_NOT_EQUAL(x, y);
    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_bad_pointers(void)
{
    struct kmem_cache a, b;
    char *oa, *ob, *last;
    void *plain;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&a, "a", 48, &pages));
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&b, "b", 48, &pages));
    oa = kmem_alloc(&a);
    ob = kmem_alloc(&b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(oa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ob);

    CU_ASSERT_EQUAL(kmem_free(&a, NULL), KMEM_BAD_POINTER);
    CU_ASSERT_EQUAL(kmem_free(&a, ob), KMEM_BAD_POINTER); /* another cache's object */
    CU_ASSERT_EQUAL(kmem_free(&b, oa), KMEM_BAD_POINTER);
    CU_ASSERT_EQUAL(kmem_free(&a, oa + 1), KMEM_BAD_POINTER);
    CU_ASSERT_EQUAL(kmem_free(&a, oa + 16), KMEM_BAD_POINTER); /* aligned, but mid-object */
    CU_ASSERT_EQUAL(kmem_free(&a, oa + a.objsize / 2), KMEM_BAD_POINTER);

    char *page = (char *)((uintptr_t)oa & ~(uintptr_t)(PAGE_SIZE - 1));
    CU_ASSERT_EQUAL(kmem_free(&a, page), KMEM_BAD_POINTER); /* the slab header */
    CU_ASSERT_EQUAL(kmem_free(&a, page + a.first_offset - KMEM_ALIGN), KMEM_BAD_POINTER);
    last = page + a.first_offset + (size_t)a.objs_per_slab * a.objsize;
    if (last < page + PAGE_SIZE) /* slack after the last object */
        CU_ASSERT_EQUAL(kmem_free(&a, last), KMEM_BAD_POINTER);

    /* A page that never was a slab: no magic. */
    plain = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    memset(plain, 0, PAGE_SIZE);
    CU_ASSERT_EQUAL(kmem_free(&a, (char *)plain + a.first_offset), KMEM_BAD_POINTER);
    memset(plain, 0x6b, PAGE_SIZE);
    CU_ASSERT_EQUAL(kmem_free(&a, (char *)plain + a.first_offset), KMEM_BAD_POINTER);
    free(plain);

    /* Nothing was disturbed by the rejected calls. */
    CU_ASSERT_EQUAL(a.objs_in_use, 1);
    CU_ASSERT_EQUAL(b.objs_in_use, 1);
    CU_ASSERT_EQUAL(kmem_free(&a, oa), KMEM_OK);
    CU_ASSERT_EQUAL(kmem_free(&b, ob), KMEM_OK);
    kmem_cache_destroy(&a);
    kmem_cache_destroy(&b);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_page_exhaustion(void)
{
    struct kmem_cache c;
    void *objs[256];
    unsigned per;

    src_reset(0);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t128", 128, &pages));
    CU_ASSERT_PTR_NULL(kmem_alloc(&c)); /* no page at all */
    CU_ASSERT_EQUAL(c.slabs, 0);
    CU_ASSERT_EQUAL(c.objs_in_use, 0);

    src.limit = 1;
    per = c.objs_per_slab;
    CU_ASSERT_FATAL(per <= 256);
    for (unsigned i = 0; i < per; i++)
        CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i] = kmem_alloc(&c));
    CU_ASSERT_PTR_NULL(kmem_alloc(&c));
    CU_ASSERT_PTR_NULL(kmem_alloc(&c));
    CU_ASSERT_EQUAL(c.slabs, 1);
    CU_ASSERT_EQUAL(c.objs_in_use, per);
    CU_ASSERT_EQUAL(list_length(&c.full), 1);
    CU_ASSERT_TRUE(list_empty(&c.partial));

    CU_ASSERT_EQUAL(kmem_free(&c, objs[5]), KMEM_OK);
    CU_ASSERT_PTR_EQUAL(kmem_alloc(&c), objs[5]);
    CU_ASSERT_PTR_NULL(kmem_alloc(&c));

    src.limit = 2; /* memory comes back: the cache grows again */
    CU_ASSERT_PTR_NOT_NULL(kmem_alloc(&c));
    CU_ASSERT_EQUAL(c.slabs, 2);
    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_misaligned_page_refused(void)
{
    struct kmem_cache c;

    src_reset(~0u);
    src.misalign = 64;
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t16", 16, &pages));
    CU_ASSERT_PTR_NULL(kmem_alloc(&c));
    CU_ASSERT_EQUAL(src.allocs, 1);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
    CU_ASSERT_EQUAL(c.slabs, 0);
}

static void test_poison(void)
{
    struct kmem_cache c;
    unsigned char *o, *keep;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t40", 40, &pages));
    keep = kmem_alloc(&c); /* keeps the slab alive so the freed object stays readable */
    o = kmem_alloc(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(keep);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    memset(o, 0x11, c.objsize);
    CU_ASSERT_EQUAL(kmem_free(&c, o), KMEM_OK);
    CU_ASSERT_TRUE(all_bytes(o, KMEM_POISON, c.objsize));
    CU_ASSERT_EQUAL(KMEM_POISON, 0x6b);
    /* The neighbour was not touched. */
    CU_ASSERT_TRUE(all_bytes(keep, 0, c.objsize));

    /* Reallocation hands the same slot back, zeroed again. */
    CU_ASSERT_PTR_EQUAL(kmem_alloc(&c), o);
    CU_ASSERT_TRUE(all_bytes(o, 0, c.objsize));

    /* The last object of a slab is poisoned too (the empty slab is cached, so still readable). */
    CU_ASSERT_EQUAL(kmem_free(&c, o), KMEM_OK);
    CU_ASSERT_EQUAL(kmem_free(&c, keep), KMEM_OK);
    CU_ASSERT_EQUAL(c.slabs, 1);
    CU_ASSERT_TRUE(all_bytes(keep, KMEM_POISON, c.objsize));
    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void run_size(size_t size)
{
    enum { N = 300 };
    static unsigned char *objs[N];
    struct kmem_cache c;
    unsigned bad = 0;

    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "sized", size, &pages));
    CU_ASSERT(c.objsize >= size && c.objsize < size + KMEM_ALIGN);
    CU_ASSERT_EQUAL(c.objsize % KMEM_ALIGN, 0);
    for (int i = 0; i < N; i++) {
        objs[i] = kmem_alloc(&c);
        CU_ASSERT_PTR_NOT_NULL_FATAL(objs[i]);
        bad += (uintptr_t)objs[i] % KMEM_ALIGN != 0;
        bad += !all_bytes(objs[i], 0, size);
        memset(objs[i], 0x80 | (i & 0x7f), size);
    }
    for (int i = 0; i < N; i++)
        bad += !all_bytes(objs[i], 0x80 | (i & 0x7f), size);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(c.slabs, (N + c.objs_per_slab - 1) / c.objs_per_slab);
    for (int i = N - 1; i >= 0; i--)
        bad += kmem_free(&c, objs[i]) != KMEM_OK;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(c.slabs, 1);
    CU_ASSERT_EQUAL(kmem_cache_shrink(&c), 1);
}

static void test_sizes(void)
{
    static const size_t sizes[] = {1, 15, 16, 17, 100, 2048, 2049};

    src_reset(~0u);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        run_size(sizes[i]);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static void test_destroy_with_live_objects(void)
{
    struct kmem_cache c;

    src_reset(~0u);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t512", 512, &pages));
    for (int i = 0; i < 40; i++)
        CU_ASSERT_PTR_NOT_NULL(kmem_alloc(&c));
    CU_ASSERT(c.slabs >= 5);
    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(c.slabs, 0);
    CU_ASSERT_EQUAL(c.objs_in_use, 0);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
    CU_ASSERT_TRUE(list_empty(&c.partial));
    CU_ASSERT_TRUE(list_empty(&c.full));
    CU_ASSERT_TRUE(list_empty(&c.empty));
    /* Usable again after destruction. */
    void *o = kmem_alloc(&c);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_EQUAL(kmem_free(&c, o), KMEM_OK);
    kmem_cache_destroy(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Random alloc/free: every live object keeps its own pattern, and the counters follow. */
static void test_random_stress(void)
{
    enum { MAXO = 1500 };
    static unsigned char *objs[MAXO];
    static unsigned tags[MAXO];
    size_t n = 0;
    uint64_t rng = 7;
    struct kmem_cache c;
    unsigned errors = 0;

    src_reset(40);
    CU_ASSERT_TRUE_FATAL(kmem_cache_init(&c, "t80", 80, &pages));
    for (unsigned round = 0; round < 30000; round++) {
        if (n < MAXO && rng_next(&rng) % 5 < 3) {
            unsigned char *o = kmem_alloc(&c);
            if (!o) {
                errors += live_pages(&src) < src.limit; /* may only fail when pages ran out */
                continue;
            }
            errors += !all_bytes(o, 0, c.objsize);
            tags[n] = round & 0xff;
            memset(o, (int)tags[n], c.objsize);
            objs[n++] = o;
        } else if (n > 0) {
            size_t k = rng_next(&rng) % n;
            errors += !all_bytes(objs[k], (int)tags[k], c.objsize);
            errors += kmem_free(&c, objs[k]) != KMEM_OK;
            objs[k] = objs[--n];
            tags[k] = tags[n];
        }
        errors += c.objs_in_use != n;
        errors += c.slabs != live_pages(&src);
    }
    CU_ASSERT_EQUAL(errors, 0);
    while (n > 0)
        CU_ASSERT_EQUAL(kmem_free(&c, objs[--n]), KMEM_OK);
    CU_ASSERT(c.slabs <= 1);
    kmem_cache_shrink(&c);
    CU_ASSERT_EQUAL(live_pages(&src), 0);
}

static const CU_TestInfo kmem_tests[] = {
    {"status_names", test_status_names},
    {"init_sizes", test_init_sizes},
    {"alloc_zeroed_aligned_distinct", test_alloc_zeroed_aligned_distinct},
    {"fill_free_shrink", test_fill_free_shrink},
    {"empty_slab_policy", test_empty_slab_policy},
    {"double_free", test_double_free},
    {"bad_pointers", test_bad_pointers},
    {"page_exhaustion", test_page_exhaustion},
    {"misaligned_page_refused", test_misaligned_page_refused},
    {"poison", test_poison},
    {"sizes", test_sizes},
    {"destroy_with_live_objects", test_destroy_with_live_objects},
    {"random_stress", test_random_stress},
    CU_TEST_INFO_NULL,
};

void register_kmem_suite(void) { cunit_tap_add_suite("kmem", kmem_tests); }
