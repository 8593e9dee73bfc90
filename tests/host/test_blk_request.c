/*
 * Host tests for servers/blk/request.c: the disk server's checks on client requests and ring indices.
 * Every malformed descriptor must be refused with the right status before it could name memory or
 * sectors outside the client's own.
 */
#include "cunit_tap.h"
#include "request.h"
#include <CUnit/CUnit.h>

static const struct blk_config_disk disk = {"d", 0, 0, 0, 0, 1000, 2048, 2048};
static const struct blk_config_disk ro = {"r", 1, 0, 1, 0, 0, 2048, 2048};

static int chk(const struct blk_config_disk *d, uint32_t op, uint64_t sector, uint32_t count, uint64_t offset)
{
    struct px_blk_request r = {7, op, count, sector, offset};
    return blk_request_check(d, &r);
}

static void test_good(void)
{
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 0, 1, 0), PX_BLK_OK);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_WRITE, 2048 - 128, 128, PX_BLK_DATA_SIZE - 65536), PX_BLK_OK);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_DISCARD, 100, 128, 12345), PX_BLK_OK); /* no data: offset unused */
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_FLUSH, 0, 0, 0), PX_BLK_OK);
    CU_ASSERT_EQUAL(chk(&ro, PX_BLK_OP_READ, 10, 8, 0), PX_BLK_OK);
}

static void test_malformed(void)
{
    CU_ASSERT_EQUAL(chk(&disk, 0, 0, 1, 0), PX_BLK_ERR_UNSUPPORTED);
    CU_ASSERT_EQUAL(chk(&disk, 99, 0, 1, 0), PX_BLK_ERR_UNSUPPORTED);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 0, 0, 0), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 0, PX_BLK_MAX_SECTORS + 1, 0), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 0, 1, 1), PX_BLK_ERR_INVAL);                   /* misaligned */
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 0, 2, PX_BLK_DATA_SIZE - 512), PX_BLK_ERR_INVAL); /* runs off */
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_WRITE, 0, 1, PX_BLK_DATA_SIZE), PX_BLK_ERR_INVAL);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_WRITE, 0, 1, UINT64_MAX - 511), PX_BLK_ERR_INVAL);    /* would wrap */
}

static void test_range(void)
{
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 2048, 1, 0), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_READ, 2047, 2, 0), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_WRITE, UINT64_MAX, 1, 0), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_WRITE, UINT64_MAX - 1, 8, 0), PX_BLK_ERR_RANGE);    /* would wrap */
    CU_ASSERT_EQUAL(chk(&disk, PX_BLK_OP_DISCARD, 2040, 9, 0), PX_BLK_ERR_RANGE);
    CU_ASSERT_EQUAL(chk(&ro, PX_BLK_OP_WRITE, 0, 1, 0), PX_BLK_ERR_READ_ONLY);
    CU_ASSERT_EQUAL(chk(&ro, PX_BLK_OP_DISCARD, 0, 1, 0), PX_BLK_ERR_READ_ONLY);
    CU_ASSERT_EQUAL(chk(&ro, PX_BLK_OP_WRITE, 5000, 1, 0), PX_BLK_ERR_RANGE); /* range before read-only */
}

static void test_ring(void)
{
    CU_ASSERT_EQUAL(blk_ring_pending(0, 0), 0);
    CU_ASSERT_EQUAL(blk_ring_pending(5, 2), 3);
    CU_ASSERT_EQUAL(blk_ring_pending(PX_BLK_RING, 0), PX_BLK_RING);
    CU_ASSERT_EQUAL(blk_ring_pending(PX_BLK_RING + 1, 0), -1);
    CU_ASSERT_EQUAL(blk_ring_pending(3, 0xfffffffeu), 5); /* across the wrap of free-running indices */
    CU_ASSERT_EQUAL(blk_ring_pending(0, 1), -1);          /* the consumer ahead of the producer */
    CU_ASSERT_EQUAL(blk_ring_pending(0x80000000u, 0), -1);
}

/*
 * Event indexes (io/blk.h): a consumer going idle at cons asks for event = cons + 1; a producer that
 * moved its index from old to new signals only if that passed the event.
 */
static void test_event_index(void)
{
    CU_ASSERT_TRUE(px_blk_need_signal(11, 10, 11));  /* the first request after the consumer went idle */
    CU_ASSERT_TRUE(px_blk_need_signal(14, 10, 11));  /* a batch of four: one signal */
    CU_ASSERT_FALSE(px_blk_need_signal(15, 14, 11)); /* posted again before it woke: no second signal */
    CU_ASSERT_FALSE(px_blk_need_signal(14, 14, 11)); /* nothing new */
    CU_ASSERT_FALSE(px_blk_need_signal(20, 15, 30)); /* busy consumer whose event lies ahead */
    CU_ASSERT_FALSE(px_blk_need_signal(20, 15, 12)); /* stale event: it was passed and answered before */
    CU_ASSERT_TRUE(px_blk_need_signal(20, 15, 20));
    CU_ASSERT_TRUE(px_blk_need_signal(2, 0xfffffffeu, 0xffffffffu)); /* across the wrap */
    CU_ASSERT_TRUE(px_blk_need_signal(1, 0xffffffffu, 0));
    CU_ASSERT_FALSE(px_blk_need_signal(3, 1, 0xfffffffeu));
    /*
     * A restart: the new server drops what was posted (cons = prod = 40) and asks for event = 41; the
     * client's resubmission of 3 requests moves prod from 40 to 43, and must signal.
     */
    CU_ASSERT_TRUE(px_blk_need_signal(43, 40, 41));
    /*
     * Had the new server left the old event (7) in place, the check would say no: so the new server sets
     * it, and libos/blk.c signals after every resubmission anyway.
     */
    CU_ASSERT_FALSE(px_blk_need_signal(43, 40, 7));
}

void register_blk_request_suite(void)
{
    static CU_TestInfo tests[] = {
        {"well-formed requests pass", test_good},
        {"malformed descriptors are refused", test_malformed},
        {"requests outside the disk or on a read-only disk", test_range},
        {"ring indices", test_ring},
        {"event indexes suppress signals", test_event_index},
        CU_TEST_INFO_NULL,
    };
    cunit_tap_add_suite("blk_request", tests);
}
