/*
 * Unit tests for lx's region tree (personalities/lx/mm/regions.c): random insertions and removals of
 * non-overlapping regions, checked after each against a plain array (find at every edge, the walk in
 * address order, the tree's order and heap invariants), and 65,536 regions inserted top down (as mmap
 * makes them) staying shallow.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <lx.h>
#include <mm/regions.h>
#include <stdlib.h>

#define SLOTS 512 /* region i, when present, is [i * 0x10000, i * 0x10000 + len_i) */

static struct lx_region regions[SLOTS];
static bool present[SLOTS];

static unsigned depth(const struct lx_region *t)
{
    unsigned l, r;

    if (!t)
        return 0;
    l = depth(t->left), r = depth(t->right);
    return 1 + (l > r ? l : r);
}

/* Every node's subtrees hold smaller and larger starts, and no child outranks its parent. */
static bool valid(const struct lx_region *t, uint64_t lo, uint64_t hi)
{
    if (!t)
        return true;
    if (t->start < lo || t->start >= hi || (t->left && t->left->priority > t->priority) ||
        (t->right && t->right->priority > t->priority))
        return false;
    return valid(t->left, lo, t->start) && valid(t->right, t->start + 1, hi);
}

static void check_against_array(struct lx_region *root)
{
    CU_ASSERT_TRUE(valid(root, 0, ~0ull));
    for (unsigned i = 0; i < SLOTS; i++) {
        uint64_t base = (uint64_t)i * 0x10000;
        struct lx_region *want = present[i] ? &regions[i] : NULL;
        CU_ASSERT_PTR_EQUAL(lx_regions_find(root, base), want);
        if (present[i]) {
            CU_ASSERT_PTR_EQUAL(lx_regions_find(root, regions[i].end - 1), want);
            CU_ASSERT_PTR_NULL(lx_regions_find(root, regions[i].end));
        }
    }
    unsigned next = 0;
    for (struct lx_region *r = lx_regions_from(root, 0); r; r = lx_regions_from(root, r->end)) {
        while (next < SLOTS && !present[next])
            next++;
        CU_ASSERT_PTR_EQUAL(r, &regions[next]);
        next++;
    }
    while (next < SLOTS && !present[next])
        next++;
    CU_ASSERT_EQUAL(next, SLOTS);
}

static void test_random(void)
{
    struct lx_region *root = NULL;

    srand(7);
    for (unsigned step = 0; step < 4000; step++) {
        unsigned i = (unsigned)rand() % SLOTS;
        if (present[i]) {
            lx_regions_remove(&root, &regions[i]);
            present[i] = false;
        } else {
            regions[i] = (struct lx_region){.start = (uint64_t)i * 0x10000,
                                            .end = (uint64_t)i * 0x10000 + 0x1000 * (1 + (unsigned)rand() % 15)};
            lx_regions_insert(&root, &regions[i]);
            present[i] = true;
        }
        if (step % 97 == 0)
            check_against_array(root);
    }
    check_against_array(root);
    /* from(va) in a gap is the next region */
    for (unsigned i = 0; i + 1 < SLOTS; i++)
        if (present[i]) {
            struct lx_region *r = lx_regions_from(root, regions[i].end);
            unsigned j = i + 1;
            while (j < SLOTS && !present[j])
                j++;
            CU_ASSERT_PTR_EQUAL(r, j < SLOTS ? &regions[j] : NULL);
        }
}

static void test_top_down(void)
{
    enum { N = 65536 };
    struct lx_region *many = calloc(N, sizeof(*many)), *root = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(many);
    for (unsigned i = 0; i < N; i++) {
        many[i] = (struct lx_region){.start = 0x7f0000000000ull - (i + 1) * 0x1000ull,
                                     .end = 0x7f0000000000ull - i * 0x1000ull};
        lx_regions_insert(&root, &many[i]);
    }
    CU_ASSERT_TRUE(depth(root) < 64); /* a list would be 65,536 deep */
    CU_ASSERT_PTR_EQUAL(lx_regions_find(root, many[12345].start + 17), &many[12345]);
    for (unsigned i = 0; i < N; i += 2)
        lx_regions_remove(&root, &many[i]);
    CU_ASSERT_PTR_NULL(lx_regions_find(root, many[100].start));
    CU_ASSERT_PTR_EQUAL(lx_regions_from(root, many[100].start), &many[99]);
    CU_ASSERT_TRUE(valid(root, 0, ~0ull));
    free(many);
}

static const CU_TestInfo lx_regions_tests[] = {
    {"random", test_random},
    {"top_down", test_top_down},
    CU_TEST_INFO_NULL,
};

void register_lx_regions_suite(void) { cunit_tap_add_suite("lx_regions", lx_regions_tests); }
