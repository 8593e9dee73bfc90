/*
 * A virtual disk from the disk server (abi/proteus/io/blk.h): open it by the name the manifest gives it,
 * then either submit requests (data in the shared area, up to PX_BLK_RING at once) and collect their
 * completions, or do one synchronous request with libos_blk_io, which copies through the area. Restarts
 * of the server are handled here: requests without an answer are posted again.
 */
#ifndef LIBOS_BLK_H
#define LIBOS_BLK_H

#include <libos/libos.h>
#include <proteus/io/blk.h>

struct libos_blk {
    struct px_blk_shared *sh;
    uint8_t *data; /* the data area: PX_BLK_DATA_SIZE bytes */
    uint32_t signal, wait;
    uint32_t generation;
    uint64_t sectors;
    uint64_t next_id;
    unsigned restarts;       /* server restarts seen */
    uint32_t req_notified;   /* req_prod when the server was last told (or chose not to be) */
    uint64_t signals, waits; /* signals sent to the server, waits for it: what batching saves */
    struct {
        bool busy;
        struct px_blk_request req;
    } slots[PX_BLK_RING];
};

int libos_blk_open(struct libos_blk *b, const char *name);
/* Post a request and tell the server (if it is idle). Data at `offset` in the data area. */
int libos_blk_submit(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, uint64_t offset,
                     uint64_t *id);
/*
 * Batches: libos_blk_post queues a request without telling the server; libos_blk_push tells it about
 * everything posted since, with one signal and only if it is idle. libos_blk_complete and libos_blk_poll
 * push first, so a posted request is never forgotten.
 */
int libos_blk_post(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, uint64_t offset,
                   uint64_t *id);
void libos_blk_push(struct libos_blk *b);
/* Wait for any submitted request to finish: its id and status. */
int libos_blk_complete(struct libos_blk *b, uint64_t *id, int *status);
/*
 * A finished request's id and status if there is one (true), without waiting. False means none yet, and
 * that the server will signal the disk's notification at the next one: a client with an event loop of
 * its own calls this until it returns false before it waits on that notification (the disk's `wait`
 * cap). A client that reads the response ring itself must keep rsp_event as io/blk.h says.
 */
bool libos_blk_poll(struct libos_blk *b, uint64_t *id, int *status);
int libos_blk_io(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, void *buf);

#endif
