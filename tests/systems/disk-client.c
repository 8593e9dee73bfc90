/*
 * System test (disk.dts): a client of the disk server. Writes and reads back patterns on its disk while
 * the other client does the same on its own; checks the requests the server must refuse; on a thin disk
 * larger than the physical one, writes near its end and reads unwritten blocks as zeros. Prints KTAP with
 * its name in every line; the system ends when both clients have.
 */
#include <libos/blk.h>
#include <stdio.h>
#include <string.h>

static int failures, number;
static const char *me;

static void check(int ok, const char *what)
{
    printf("%s %d %s: %s\n", ok ? "ok" : "not ok", ++number, me, what);
    failures += !ok;
}

static void pattern(uint8_t *p, uint64_t sector, unsigned count, unsigned salt)
{
    for (unsigned i = 0; i < count * 512; i++)
        p[i] = (uint8_t)((sector * 512 + i) * 31 + salt + (i >> 9));
}

static uint8_t wbuf[65536], rbuf[65536];

static void patterns(struct libos_blk *d, unsigned salt)
{
    unsigned good = 0, n = 0;

    for (uint64_t s = 0; s + 128 <= d->sectors && n < 64; s += d->sectors / 64, n++) {
        pattern(wbuf, s, 16, salt);
        if (libos_blk_io(d, PX_BLK_OP_WRITE, s, 16, wbuf) != PX_BLK_OK)
            continue;
        memset(rbuf, 0, sizeof(rbuf));
        good +=
            libos_blk_io(d, PX_BLK_OP_READ, s, 16, rbuf) == PX_BLK_OK && memcmp(rbuf, wbuf, 16 * 512) == 0;
    }
    char msg[80];
    snprintf(msg, sizeof(msg), "%u of %u patterns written and read back", good, n);
    check(n > 0 && good == n, msg);
}

static void refusals(struct libos_blk *d)
{
    uint64_t id, done;
    int st;

    check(libos_blk_io(d, PX_BLK_OP_READ, d->sectors, 1, rbuf) == PX_BLK_ERR_RANGE,
          "a read past the end: RANGE");
    check(libos_blk_io(d, PX_BLK_OP_WRITE, d->sectors - 1, 2, wbuf) == PX_BLK_ERR_RANGE,
          "a write across the end: RANGE");
    libos_blk_submit(d, PX_BLK_OP_READ, 0, 8, PX_BLK_DATA_SIZE - 512, &id);
    libos_blk_complete(d, &done, &st);
    check(st == PX_BLK_ERR_INVAL, "data beyond the shared area: INVAL");
    libos_blk_submit(d, PX_BLK_OP_READ, 0, 1, 3, &id);
    libos_blk_complete(d, &done, &st);
    check(st == PX_BLK_ERR_INVAL, "misaligned data: INVAL");
    libos_blk_submit(d, 77, 0, 1, 0, &id);
    libos_blk_complete(d, &done, &st);
    check(st == PX_BLK_ERR_UNSUPPORTED, "an unknown operation: UNSUPPORTED");
    check(libos_blk_io(d, PX_BLK_OP_READ, 0, 0, rbuf) == PX_BLK_ERR_INVAL, "zero sectors: INVAL");
    check(libos_blk_io(d, PX_BLK_OP_FLUSH, 0, 0, NULL) == PX_BLK_OK, "flush");
}

static void thin(struct libos_blk *d)
{
    bool zeros = true;

    pattern(wbuf, d->sectors - 128, 128, 7);
    check(libos_blk_io(d, PX_BLK_OP_WRITE, d->sectors - 128, 128, wbuf) == PX_BLK_OK,
          "a write at the end of a thin disk larger than the physical one");
    check(libos_blk_io(d, PX_BLK_OP_READ, d->sectors - 128, 128, rbuf) == PX_BLK_OK &&
              memcmp(rbuf, wbuf, 65536) == 0,
          "reads back");
    check(libos_blk_io(d, PX_BLK_OP_READ, d->sectors / 2 + 1000, 8, rbuf) == PX_BLK_OK,
          "read an unwritten block");
    for (unsigned i = 0; i < 8 * 512; i++)
        zeros &= rbuf[i] == 0;
    check(zeros, "unwritten blocks read as zeros");
}

int main(void)
{
    struct libos_blk d;

    me = libos_task_name();
    check(libos_blk_open(&d, me[0] == 'a' ? "disk-a" : "disk-b") == PX_BLK_OK, "open its disk");
    if (failures)
        return 1;
    patterns(&d, (unsigned)me[0]);
    refusals(&d);
    if (d.sectors > (32ull << 11)) /* the thin disk: 64 MiB on a 16 MiB device */
        thin(&d);
    printf("# %s: 1..%d\n", me, number);
    return failures;
}
