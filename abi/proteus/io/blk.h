/*
 * Proteus device protocol: block devices. The disk server (servers/blk) gives each client its own virtual
 * disk, addressed in 512-byte sectors from 0; every request it answers carries one of the PX_BLK_* status
 * codes below. A client never sees the physical disk: a virtual disk is either a fixed slice of it or a
 * thin-provisioned disk whose backing blocks are allocated on first write.
 *
 * Transport: per client one shared region (struct px_blk_shared at its start, a data area of
 * PX_BLK_DATA_SIZE bytes at PX_BLK_DATA_OFFSET) and two notifications: the client signals the server
 * after it posts requests, the server signals the client after it posts responses. Requests and
 * responses are single-producer single-consumer rings with free-running 32-bit indices; the client never
 * has more than PX_BLK_RING requests without a response. A request names its data by offset and length
 * in the data area; the server moves data between the device and that area directly (DMA).
 *
 * Ordering and durability: requests may complete in any order. A write is acknowledged only after the
 * device has completed it; a completed FLUSH means every write acknowledged before the flush was issued is
 * durable. A client that wants an order waits for one response before it posts the next request.
 *
 * The server may restart (it runs as an ordinary task and is restarted by the root server). A starting
 * server clears `ready`, bumps `generation`, drops every request posted so far (req_cons = req_prod), then
 * sets `ready` to 1. A client that sees a new generation with `ready` set resubmits every request that has
 * no response (libos blk.c does); that is safe because reads and writes of the same data are idempotent,
 * and responses to ids the client no longer waits for are ignored. A client never posts when
 * req_prod - req_cons is PX_BLK_RING.
 *
 * A request that is malformed or outside the disk fails with a status; a client whose ring indices are
 * impossible is disconnected. The other clients are not affected either way.
 *
 * Notification suppression (PX_BLK_FEATURE_EVENT_IDX, as Xen's ring req_event/rsp_event and virtio's
 * EVENT_IDX): each side signals the other only when the other asked for it, that is, went idle. A side
 * that finds its ring empty writes `event = cons + 1` ("signal me when the producer index gets there"),
 * then, after a full memory barrier, looks at the producer index once more before it waits. A producer
 * that moved its index from `old` to `new` signals, after a full memory barrier, only if
 * px_blk_need_signal(new, old, event): so several requests go with one signal, several responses with
 * one wake-up. The server announces the feature in `server_features` before it sets `ready`, the client
 * in `client_features` when it opens the disk; without it on the other side, a producer signals after
 * every batch it posts (the old behaviour). Across a restart both indexes stay valid: the new server
 * sets req_event to req_prod + 1 when it drops the posted requests, it signals the client when it is
 * ready, and a client that resubmits after a new generation always signals.
 */
#ifndef PROTEUS_IO_BLK_H
#define PROTEUS_IO_BLK_H

#include <stdint.h>

#define PX_BLK_SECTOR_SIZE 512

/* Request status codes. */
#define PX_BLK_OK 0
#define PX_BLK_ERR_RANGE 1 /* outside the disk */
#define PX_BLK_ERR_INVAL 2 /* a malformed request */
#define PX_BLK_ERR_IO 3    /* the device reported an error */
#define PX_BLK_ERR_READ_ONLY 4
#define PX_BLK_ERR_NO_SPACE 5 /* a thin disk has no free backing block */
#define PX_BLK_ERR_UNSUPPORTED 6

#define PX_BLK_RING 32
#define PX_BLK_DATA_OFFSET 4096u
#define PX_BLK_DATA_SIZE (2u << 20) /* 32 requests of 64 KiB in flight */
#define PX_BLK_MAX_SECTORS 128      /* per request: 64 KiB */

#define PX_BLK_OP_READ 1
#define PX_BLK_OP_WRITE 2
#define PX_BLK_OP_FLUSH 3
#define PX_BLK_OP_DISCARD 4

#define PX_BLK_FLAG_READ_ONLY 1u

/* server_features and client_features */
#define PX_BLK_FEATURE_EVENT_IDX 1u /* this side keeps its event index and signals only when asked */

struct px_blk_request {
    uint64_t id;     /* the client's; returned in the response */
    uint32_t op;     /* PX_BLK_OP_* */
    uint32_t count;  /* sectors, 1..PX_BLK_MAX_SECTORS (0 for FLUSH) */
    uint64_t sector; /* first sector of the virtual disk */
    uint64_t offset; /* data: byte offset in the data area, sector aligned */
};

struct px_blk_response {
    uint64_t id;
    int32_t status; /* PX_BLK_OK or PX_BLK_ERR_* */
    uint32_t reserved;
};

struct px_blk_shared {
    /* Written by the server when it starts. */
    uint64_t sectors;     /* the disk's size */
    uint32_t sector_size; /* PX_BLK_SECTOR_SIZE */
    uint32_t flags;       /* PX_BLK_FLAG_* */
    uint32_t generation;  /* bumped by every start of the server */
    uint32_t ready;       /* 1 once the server serves this disk; 2 if it cannot (see the console) */
    /* Requests: the client produces, the server consumes. */
    uint32_t req_prod, req_cons;
    struct px_blk_request req[PX_BLK_RING];
    /* Responses: the server produces, the client consumes. */
    uint32_t resp_prod, resp_cons;
    struct px_blk_response resp[PX_BLK_RING];
    /* Notification suppression (PX_BLK_FEATURE_EVENT_IDX). */
    uint32_t server_features; /* written by the server before it sets `ready` */
    uint32_t client_features; /* written by the client when it opens the disk */
    uint32_t req_event;       /* server: signal me when req_prod reaches this */
    uint32_t rsp_event;       /* client: signal me when resp_prod reaches this */
};

/*
 * Whether a producer that moved its index from `old` to `new` must signal a consumer that asked to be
 * signalled when the index reaches `event` (free-running 32-bit indices, correct across the wrap).
 */
static inline int px_blk_need_signal(uint32_t new_idx, uint32_t old_idx, uint32_t event)
{
    return (uint32_t)(new_idx - event) < (uint32_t)(new_idx - old_idx);
}

#endif
