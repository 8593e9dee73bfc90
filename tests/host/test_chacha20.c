/*
 * Unit tests for lx's ChaCha20 block function (personalities/lx/kernel/chacha20.c), against RFC 8439's test
 * vectors: the block of 2.3.2, the keystream of 2.4.2 (two blocks) and of A.1 #1 (all-zero key).
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <chacha20.h>
#include <stdint.h>

static void key_0_to_31(uint32_t key[8])
{
    for (uint32_t i = 0; i < 8; i++)
        key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
}

static void test_block_2_3_2(void)
{
    static const uint32_t want[16] = {
        0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
        0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9, 0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2,
    };
    uint32_t key[8], out[16];
    const uint32_t words[4] = {1, 0x09000000, 0x4a000000, 0};

    key_0_to_31(key);
    chacha20_block(key, words, out);
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(out[i], want[i]);
}

/* 2.4.2: the keystream for counter 1 and 2, nonce 00:00:00:00:00:00:00:4a:00:00:00:00 (first words). */
static void test_keystream_2_4_2(void)
{
    uint32_t key[8], out[16];
    const uint32_t one[4] = {1, 0, 0x4a000000, 0}, two[4] = {2, 0, 0x4a000000, 0};

    key_0_to_31(key);
    chacha20_block(key, one, out);
    CU_ASSERT_EQUAL(out[0], 0xf3514f22);
    CU_ASSERT_EQUAL(out[1], 0xe1d91b40);
    CU_ASSERT_EQUAL(out[15], 0xb7417df0);
    chacha20_block(key, two, out);
    CU_ASSERT_EQUAL(out[0], 0x9f74a669);
}

/* A.1 test vector #1: key, counter and nonce all zero; the keystream starts 76 b8 e0 ad. */
static void test_zero_key(void)
{
    static const uint32_t key[8], words[4];
    uint32_t out[16];

    chacha20_block(key, words, out);
    CU_ASSERT_EQUAL(out[0], 0xade0b876);
    CU_ASSERT_EQUAL(out[1], 0x903df1a0);
    CU_ASSERT_EQUAL(out[15], 0x8665eeb2);
}

static const CU_TestInfo chacha20_tests[] = {
    {"block_2_3_2", test_block_2_3_2},
    {"keystream_2_4_2", test_keystream_2_4_2},
    {"zero_key", test_zero_key},
    CU_TEST_INFO_NULL,
};

void register_chacha20_suite(void) { cunit_tap_add_suite("chacha20", chacha20_tests); }
