/*
 * System test (disk-kill.dts): a write workload while the disk server is killed again and again (the
 * kernel command line's blk.crash=N,K makes it crash after N writes, in its first K generations, and the
 * root server restarts it). Every write that was acknowledged must read back afterwards.
 */
#include <libos/blk.h>
#include <stdio.h>
#include <string.h>

#define WRITES 600

static uint8_t buf[4096], back[4096];

static void fill(uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < sizeof(buf); i++)
        p[i] = (uint8_t)(n * 131 + i * 7 + (i >> 8));
}

int main(void)
{
    struct libos_blk d;
    unsigned acked = 0, good = 0;

    if (libos_blk_open(&d, "data") != PX_BLK_OK) {
        printf("not ok 1 open the disk\n1..1\n");
        return 1;
    }
    for (unsigned n = 0; n < WRITES; n++) {
        fill(buf, n);
        acked += libos_blk_io(&d, PX_BLK_OP_WRITE, (uint64_t)n * 8, 8, buf) == PX_BLK_OK;
    }
    for (unsigned n = 0; n < WRITES; n++) {
        fill(buf, n);
        good += libos_blk_io(&d, PX_BLK_OP_READ, (uint64_t)n * 8, 8, back) == PX_BLK_OK &&
                memcmp(buf, back, 4096) == 0;
    }
    printf("%s 1 all %u writes acknowledged\n", acked == WRITES ? "ok" : "not ok", acked);
    printf("%s 2 every acknowledged write reads back (%u of %u)\n", good == acked ? "ok" : "not ok", good,
           acked);
    printf("%s 3 the disk server was killed and restarted %u times during the workload\n",
           d.restarts >= 5 ? "ok" : "not ok", d.restarts);
    printf("1..3\n");
    return !(acked == WRITES && good == acked && d.restarts >= 5);
}
