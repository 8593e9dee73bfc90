/*
 * Unit tests for <core/bitmap.h>: single bits at word boundaries, ranges
 * crossing words, the searches (including stray bits beyond nbits that must
 * be ignored) and aligned zero runs. Besides hand-picked cases, a seeded
 * random test compares every search against a bit-by-bit reference model.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/bitmap.h>
#include <stdint.h>
#include <string.h>

/* Reference model: obviously correct, one bit at a time. */
static size_t ref_find(const uint64_t *map, size_t nbits, size_t from, bool want)
{
    for (size_t i = from; i < nbits; i++) {
        if (bitmap_test(map, i) == want)
            return i;
    }
    return nbits;
}

static size_t ref_zero_run(const uint64_t *map, size_t nbits, size_t from, size_t n, size_t align)
{
    if (n == 0)
        return nbits;
    if (align == 0)
        align = 1;
    for (size_t i = from; i + n <= nbits; i++) {
        if (i % align)
            continue;
        if (ref_find(map, i + n, i, true) == i + n)
            return i;
    }
    return nbits;
}

static void test_word_boundaries(void)
{
    uint64_t map[3] = {0};
    static const size_t bits[] = {0, 63, 64, 127, 128, 191};

    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        bitmap_set(map, bits[i]);
        CU_ASSERT_TRUE(bitmap_test(map, bits[i]));
    }
    CU_ASSERT_EQUAL(map[0], UINT64_C(0x8000000000000001));
    CU_ASSERT_EQUAL(map[1], UINT64_C(0x8000000000000001));
    CU_ASSERT_EQUAL(map[2], UINT64_C(0x8000000000000001));
    CU_ASSERT_FALSE(bitmap_test(map, 1));
    CU_ASSERT_FALSE(bitmap_test(map, 62));
    CU_ASSERT_FALSE(bitmap_test(map, 65));
    CU_ASSERT_EQUAL(bitmap_count_set(map, 192), 6);

    bitmap_clear(map, 63);
    bitmap_clear(map, 64);
    CU_ASSERT_FALSE(bitmap_test(map, 63));
    CU_ASSERT_FALSE(bitmap_test(map, 64));
    CU_ASSERT_TRUE(bitmap_test(map, 0));
    CU_ASSERT_TRUE(bitmap_test(map, 127));
    CU_ASSERT_EQUAL(map[0], 1);
    CU_ASSERT_EQUAL(map[1], UINT64_C(0x8000000000000000));
    /* Clearing a clear bit and setting a set bit change nothing. */
    bitmap_clear(map, 63);
    bitmap_set(map, 0);
    CU_ASSERT_EQUAL(map[0], 1);
}

static void test_words_macro(void)
{
    CU_ASSERT_EQUAL(BITMAP_WORDS(0), 0);
    CU_ASSERT_EQUAL(BITMAP_WORDS(1), 1);
    CU_ASSERT_EQUAL(BITMAP_WORDS(64), 1);
    CU_ASSERT_EQUAL(BITMAP_WORDS(65), 2);
    CU_ASSERT_EQUAL(BITMAP_WORDS(128), 2);
    CU_ASSERT_EQUAL(BITMAP_WORDS(129), 3);
}

static void test_set_range(void)
{
    uint64_t map[4] = {0};

    bitmap_set_range(map, 60, 10); /* 60..69 crosses word 0/1 */
    CU_ASSERT_EQUAL(map[0], UINT64_C(0xF000000000000000));
    CU_ASSERT_EQUAL(map[1], UINT64_C(0x3F));
    CU_ASSERT_EQUAL(map[2], 0);

    memset(map, 0, sizeof(map));
    bitmap_set_range(map, 1, 254); /* whole middle words */
    CU_ASSERT_EQUAL(map[0], ~UINT64_C(1));
    CU_ASSERT_EQUAL(map[1], ~UINT64_C(0));
    CU_ASSERT_EQUAL(map[2], ~UINT64_C(0));
    CU_ASSERT_EQUAL(map[3], UINT64_C(0x7FFFFFFFFFFFFFFF));
    CU_ASSERT_EQUAL(bitmap_count_set(map, 256), 254);

    memset(map, 0, sizeof(map));
    bitmap_set_range(map, 64, 64); /* exactly one word */
    CU_ASSERT_EQUAL(map[0], 0);
    CU_ASSERT_EQUAL(map[1], ~UINT64_C(0));
    CU_ASSERT_EQUAL(map[2], 0);

    bitmap_set_range(map, 5, 0); /* empty range */
    CU_ASSERT_EQUAL(map[0], 0);
    bitmap_set_range(map, 200, 1);
    CU_ASSERT_EQUAL(map[3], UINT64_C(1) << 8);
}

static void test_clear_range(void)
{
    uint64_t map[4];

    memset(map, 0xff, sizeof(map));
    bitmap_clear_range(map, 63, 66); /* 63..128 */
    CU_ASSERT_EQUAL(map[0], UINT64_C(0x7FFFFFFFFFFFFFFF));
    CU_ASSERT_EQUAL(map[1], 0);
    CU_ASSERT_EQUAL(map[2], ~UINT64_C(1));
    CU_ASSERT_EQUAL(map[3], ~UINT64_C(0));
    CU_ASSERT_EQUAL(bitmap_count_set(map, 256), 256 - 66);

    bitmap_clear_range(map, 0, 0);
    CU_ASSERT_EQUAL(map[0], UINT64_C(0x7FFFFFFFFFFFFFFF));
    bitmap_clear_range(map, 0, 256);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(map[i], 0);
}

static void test_find_first(void)
{
    uint64_t map[3] = {0};

    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 0), 192);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 192, 0), 0);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 192, 100), 100);

    bitmap_set(map, 5);
    bitmap_set(map, 70);
    bitmap_set(map, 130);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 0), 5);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 5), 5);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 6), 70);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 71), 130);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 131), 192);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 192), 192);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 192, 1000), 192);

    memset(map, 0xff, sizeof(map));
    bitmap_clear(map, 64);
    bitmap_clear(map, 150);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 192, 0), 64);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 192, 64), 64);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 192, 65), 150);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 192, 151), 192);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 100, 65), 100);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 0, 0), 0);
}

static void test_stray_bits_ignored(void)
{
    uint64_t map[2];

    /* nbits = 70: bits 70..127 of the last word are stray and must be ignored. */
    memset(map, 0, sizeof(map));
    map[1] = ~UINT64_C(0) << 6;
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 70, 0), 70);
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 70, 65), 70);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 70), 0);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 70, 0, 70, 1), 0);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 70, 60, 10, 1), 60);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 70, 61, 10, 1), 70);

    memset(map, 0xff, sizeof(map));
    map[1] = UINT64_C(0x3f); /* bits 64..69 set, stray part zero */
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 70, 0), 70);
    CU_ASSERT_EQUAL(bitmap_find_first_zero(map, 70, 69), 70);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 70), 70);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 70, 0, 1, 1), 70);

    /* Single-word map with stray bits. */
    map[0] = ~UINT64_C(0) << 10;
    CU_ASSERT_EQUAL(bitmap_find_first_set(map, 10, 0), 10);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 10), 0);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 11), 1);
}

static void test_zero_run(void)
{
    uint64_t map[4] = {0};

    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 256, 1), 0);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 1, 256, 1), 256);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 257, 1), 256);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 0, 1), 256); /* n == 0 means "none" */
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 3, 5, 0), 3);   /* align 0 = any */
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 3, 5, 1), 3);

    bitmap_set(map, 10);
    bitmap_set(map, 100);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 10, 1), 0);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 11, 1), 11);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 5, 6, 1), 11);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 89, 1), 11);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 90, 1), 101); /* 11..99 is only 89 long */
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 155, 1), 101);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 156, 1), 256);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 101, 155, 1), 101);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 102, 155, 1), 256);
}

static void test_zero_run_aligned(void)
{
    uint64_t map[4] = {0};

    bitmap_set(map, 1);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 4, 4), 4);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 4, 64), 64);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 5, 1, 8), 8);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 8, 1, 8), 8);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 1, 2), 0);

    bitmap_set(map, 130);
    /* The 128-aligned candidate 128 is blocked by bit 130, and 256 is out of range. */
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 1, 64, 128), 256);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 1, 64, 64), 64);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 65, 64, 64), 192);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 65, 65, 64), 256);
    /* Alignment larger than the map. */
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 1, 1, 512), 256);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 256, 0, 1, 512), 0);
    /* Run that would only fit by crossing nbits. */
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 200, 131, 70, 1), 200);
    CU_ASSERT_EQUAL(bitmap_find_zero_run(map, 200, 131, 69, 1), 131);
}

static void test_count(void)
{
    uint64_t map[3] = {0};

    CU_ASSERT_EQUAL(bitmap_count_set(map, 192), 0);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 0), 0);
    bitmap_set_range(map, 10, 100);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 192), 100);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 64), 54);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 65), 55);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 110), 100);
    CU_ASSERT_EQUAL(bitmap_count_set(map, 11), 1);
}

/* xorshift64*, seeded, so failures are reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static void fill_random(uint64_t *map, size_t words, uint64_t *rng)
{
    for (size_t w = 0; w < words; w++) {
        /* AND of two draws gives sparser bits, so zero runs of useful length exist. */
        map[w] = rng_next(rng) & rng_next(rng) & rng_next(rng);
        if (rng_next(rng) % 4 == 0)
            map[w] = 0;
        else if (rng_next(rng) % 8 == 0)
            map[w] = ~UINT64_C(0);
    }
}

static void test_random_against_reference(void)
{
    uint64_t rng = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t map[6];
    unsigned mismatches = 0;

    for (int round = 0; round < 2000; round++) {
        size_t nbits = 1 + rng_next(&rng) % 384;
        size_t from = rng_next(&rng) % (nbits + 2);
        size_t n = rng_next(&rng) % 40;
        size_t align = (size_t)1 << (rng_next(&rng) % 7);

        fill_random(map, 6, &rng);
        mismatches += bitmap_find_first_zero(map, nbits, from) != ref_find(map, nbits, from, false);
        mismatches += bitmap_find_first_set(map, nbits, from) != ref_find(map, nbits, from, true);
        mismatches +=
            bitmap_find_zero_run(map, nbits, from, n, align) != ref_zero_run(map, nbits, from, n, align);

        size_t ref_count = 0;
        for (size_t i = 0; i < nbits; i++)
            ref_count += bitmap_test(map, i);
        mismatches += bitmap_count_set(map, nbits) != ref_count;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_random_ranges(void)
{
    uint64_t rng = 12345;
    uint64_t map[5], ref[5];
    unsigned mismatches = 0;

    memset(map, 0, sizeof(map));
    memset(ref, 0, sizeof(ref));
    for (int round = 0; round < 2000; round++) {
        size_t start = rng_next(&rng) % 320;
        size_t n = rng_next(&rng) % (320 - start + 1);
        bool set = rng_next(&rng) & 1;

        if (set)
            bitmap_set_range(map, start, n);
        else
            bitmap_clear_range(map, start, n);
        for (size_t i = start; i < start + n; i++) {
            if (set)
                bitmap_set(ref, i);
            else
                bitmap_clear(ref, i);
        }
        mismatches += memcmp(map, ref, sizeof(map)) != 0;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
}

static const CU_TestInfo bitmap_tests[] = {
    {"word_boundaries", test_word_boundaries},
    {"words_macro", test_words_macro},
    {"set_range", test_set_range},
    {"clear_range", test_clear_range},
    {"find_first", test_find_first},
    {"stray_bits_ignored", test_stray_bits_ignored},
    {"zero_run", test_zero_run},
    {"zero_run_aligned", test_zero_run_aligned},
    {"count", test_count},
    {"random_against_reference", test_random_against_reference},
    {"random_ranges", test_random_ranges},
    CU_TEST_INFO_NULL,
};

void register_bitmap_suite(void) { cunit_tap_add_suite("bitmap", bitmap_tests); }
