/*
 * The disk server's checks on what a client puts in its rings (abi/proteus/io/blk.h), kept apart from the
 * driver so they can be tested on the host: a request is either refused with a status or safe to turn
 * into device I/O on the client's own disk and data area; ring indices are either plausible or the
 * client is disconnected.
 */
#ifndef BLK_REQUEST_H
#define BLK_REQUEST_H

#include "config.h"
#include <proteus/io/blk.h>
#include <stdbool.h>

/* PX_BLK_OK, or why the request is refused. Never touches memory but the two structures. */
int blk_request_check(const struct blk_config_disk *disk, const struct px_blk_request *r);

/* How many requests wait between cons and prod (free-running indices), or -1 if more than the ring holds. */
int blk_ring_pending(uint32_t prod, uint32_t cons);

#endif
