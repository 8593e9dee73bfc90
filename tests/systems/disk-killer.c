/*
 * System test (disk-kill.dts): a write workload while the disk server is killed again and again (the
 * kernel command line's blk.crash=N,K makes it crash after N writes, in its first K generations, and the
 * root server restarts it). Every write that was acknowledged must read back afterwards.
 *
 * The writes come in blocks of BATCH, alternately one at a time (libos_blk_io) and as a batch (posted
 * together, pushed with one signal, completed with libos_blk_complete and libos_blk_poll), so restarts
 * land in both, and the event indexes that suppress signals (io/blk.h) must survive each generation
 * bump: a side that waits for a signal the other never sends hangs the test.
 */
#include <libos/blk.h>
#include <stdio.h>
#include <string.h>

#define WRITES 600
#define BATCH 20

static uint8_t buf[4096], back[4096];

static void fill(uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < sizeof(buf); i++)
        p[i] = (uint8_t)(n * 131 + i * 7 + (i >> 8));
}

/* Writes first..first+BATCH-1 as one batch; returns how many were acknowledged. */
static unsigned write_batch(struct libos_blk *d, unsigned first)
{
    uint64_t id, ids[BATCH];
    unsigned acked = 0, done = 0;
    int st;

    for (unsigned k = 0; k < BATCH; k++) {
        fill(d->data + k * 4096, first + k);
        if (libos_blk_post(d, PX_BLK_OP_WRITE, (uint64_t)(first + k) * 8, 8, k * 4096, &ids[k]) != PX_BLK_OK)
            return 0;
    }
    libos_blk_push(d);
    while (done < BATCH) {
        if (!libos_blk_poll(d, &id, &st)) /* nothing yet: wait for the next */
            libos_blk_complete(d, &id, &st);
        for (unsigned k = 0; k < BATCH; k++)
            if (ids[k] == id) {
                acked += st == PX_BLK_OK;
                done++;
            }
    }
    return acked;
}

int main(void)
{
    struct libos_blk d;
    unsigned acked = 0, good = 0, batches = 0;
    uint64_t batch_signals = 0;

    if (libos_blk_open(&d, "data") != PX_BLK_OK) {
        printf("not ok 1 open the disk\n1..1\n");
        return 1;
    }
    for (unsigned n = 0; n < WRITES; n += BATCH) {
        if ((n / BATCH) % 2) {
            uint64_t s = d.signals;
            acked += write_batch(&d, n);
            batch_signals += d.signals - s;
            batches++;
            continue;
        }
        for (unsigned k = n; k < n + BATCH; k++) {
            fill(buf, k);
            acked += libos_blk_io(&d, PX_BLK_OP_WRITE, (uint64_t)k * 8, 8, buf) == PX_BLK_OK;
        }
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
    /* One signal per batch at most, and one more per restart (the resubmission always signals). */
    printf("%s 4 %u batches of %u writes took %llu signals to the server\n",
           batch_signals <= batches + d.restarts ? "ok" : "not ok", batches, BATCH,
           (unsigned long long)batch_signals);
    printf("1..4\n");
    return !(acked == WRITES && good == acked && d.restarts >= 5 && batch_signals <= batches + d.restarts);
}
