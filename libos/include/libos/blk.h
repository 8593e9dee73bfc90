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
    unsigned restarts; /* server restarts seen */
    struct {
        bool busy;
        struct px_blk_request req;
    } slots[PX_BLK_RING];
};

int libos_blk_open(struct libos_blk *b, const char *name);
int libos_blk_submit(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, uint64_t offset,
                     uint64_t *id);
/* Wait for any submitted request to finish: its id and status. */
int libos_blk_complete(struct libos_blk *b, uint64_t *id, int *status);
/* A finished request's id and status without waiting (true), or false if none has finished; a client
 * that waits for the server's signal itself (its `wait` notification) and then polls uses this. */
bool libos_blk_poll(struct libos_blk *b, uint64_t *id, int *status);
int libos_blk_io(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, void *buf);

#endif
