/*
 * Host tests for servers/root/module.c: unpacking LZ4-framed programs. Frames are made here with liblz4;
 * the bad ones are damaged copies, each of which must fail with a clear reason and no out-of-bounds
 * access (ASan).
 */
#include "../../servers/root/module.h"
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <lz4frame.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *allocated[64];
static int nallocated;
static bool refuse;

static void *test_alloc(size_t n)
{
    if (refuse || nallocated == 64)
        return NULL;
    return allocated[nallocated++] = malloc(n);
}

static void free_all(void)
{
    while (nallocated)
        free(allocated[--nallocated]);
}

/* An LZ4 frame of `len` bytes of a pattern, with or without the content size and checksum. */
static uint8_t *frame(size_t len, bool size, bool checksum, size_t *flen, uint8_t **plain)
{
    LZ4F_preferences_t prefs = {0};
    uint8_t *src = malloc(len), *dst;
    size_t cap;

    for (size_t i = 0; i < len; i++)
        src[i] = (uint8_t)(i * 7 + (i >> 9));
    prefs.frameInfo.contentSize = size ? len : 0;
    prefs.frameInfo.contentChecksumFlag = checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    cap = LZ4F_compressFrameBound(len, &prefs);
    dst = malloc(cap);
    *flen = LZ4F_compressFrame(dst, cap, src, len, &prefs);
    CU_ASSERT_FATAL(!LZ4F_isError(*flen));
    *plain = src;
    return dst;
}

static int unpack(const uint8_t *f, size_t n, void **out, size_t *outlen, char *err)
{
    return module_unpack(f, n, test_alloc, out, outlen, err, 128);
}

static void test_round_trip(void)
{
    size_t sizes[] = {1, 4096, 65536, 300001}, flen, outlen;
    char err[128];
    void *out;

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        uint8_t *plain, *f = frame(sizes[k], true, true, &flen, &plain);
        CU_ASSERT_EQUAL(unpack(f, flen, &out, &outlen, err), 0);
        CU_ASSERT_EQUAL(outlen, sizes[k]);
        CU_ASSERT(memcmp(out, plain, sizes[k]) == 0);
        free(f), free(plain), free_all();
    }
}

static void expect_error(const uint8_t *f, size_t n, const char *reason)
{
    char err[128] = "";
    void *out = NULL;
    size_t outlen = 0;

    CU_ASSERT_EQUAL(unpack(f, n, &out, &outlen, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, reason));
    if (!strstr(err, reason))
        fprintf(stderr, "# expected '%s', got '%s'\n", reason, err);
    free_all();
}

static void test_frame_requirements(void)
{
    size_t flen;
    uint8_t *plain, *f;

    f = frame(5000, true, false, &flen, &plain);
    expect_error(f, flen, "no content checksum");
    free(f), free(plain);
    f = frame(5000, false, true, &flen, &plain);
    expect_error(f, flen, "does not declare its content size");
    free(f), free(plain);
    expect_error((const uint8_t *)"\x7f"
                                  "ELF\x02\x01\x01",
                 7, "not an LZ4 frame");
    expect_error((const uint8_t *)"", 0, "not an LZ4 frame");
}

static void test_damage(void)
{
    size_t flen, outlen;
    uint8_t *plain, *f = frame(100000, true, true, &flen, &plain), *copy;
    char err[128];
    void *out;

    /* A flipped byte in the compressed data: the checksum (or the block decoder) catches it. */
    copy = malloc(flen);
    memcpy(copy, f, flen);
    copy[flen / 2] ^= 0x55;
    expect_error(copy, flen, "corrupt LZ4 data");
    /* Every truncation fails, never reads past the end. */
    for (size_t cut = 0; cut < flen; cut += 97) {
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, f, cut);
        CU_ASSERT_EQUAL(unpack(t, cut, &out, &outlen, err), -1);
        free(t), free_all();
    }
    /* Trailing garbage after a good frame. */
    uint8_t *longer = malloc(flen + 3);
    memcpy(longer, f, flen);
    memcpy(longer + flen, "xyz", 3);
    expect_error(longer, flen + 3, "trailing bytes");
    free(longer), free(copy), free(f), free(plain);
}

static void test_out_of_memory(void)
{
    size_t flen;
    uint8_t *plain, *f = frame(4096, true, true, &flen, &plain);

    refuse = true;
    expect_error(f, flen, "out of memory for the program");
    refuse = false;
    free(f), free(plain);
}

static void test_size_lie(void)
{
    size_t flen;
    uint8_t *plain, *f = frame(4096, true, true, &flen, &plain);

    /* The content size lives in bytes 6..13 of the frame header (after magic and FLG/BD); make it claim
     * more than is there. The header checksum then fails, which is also a clear refusal. */
    f[6] ^= 0x01;
    expect_error(f, flen, "not an LZ4 frame");
    free(f), free(plain);
}

void register_module_suite(void)
{
    static CU_TestInfo tests[] = {
        {"round trips of several sizes", test_round_trip},
        {"frames need a content size and checksum", test_frame_requirements},
        {"damaged and truncated frames fail", test_damage},
        {"allocation failure", test_out_of_memory},
        {"a header that lies about the size", test_size_lie},
        CU_TEST_INFO_NULL,
    };
    cunit_tap_add_suite("module", tests);
}
