/* Checking client requests (request.h). Every sum is checked before it is formed, so nothing wraps. */
#include "request.h"

int blk_request_check(const struct blk_config_disk *disk, const struct px_blk_request *r)
{
    if (r->op == PX_BLK_OP_FLUSH)
        return PX_BLK_OK;
    if (r->op != PX_BLK_OP_READ && r->op != PX_BLK_OP_WRITE && r->op != PX_BLK_OP_DISCARD)
        return PX_BLK_ERR_UNSUPPORTED;
    if (r->count == 0 || r->count > PX_BLK_MAX_SECTORS)
        return PX_BLK_ERR_INVAL;
    if (r->op != PX_BLK_OP_DISCARD &&
        (r->offset % PX_BLK_SECTOR_SIZE || r->offset > PX_BLK_DATA_SIZE ||
         (uint64_t)r->count * PX_BLK_SECTOR_SIZE > PX_BLK_DATA_SIZE - r->offset))
        return PX_BLK_ERR_INVAL;
    if (r->sector >= disk->sectors || r->count > disk->sectors - r->sector)
        return PX_BLK_ERR_RANGE;
    if (disk->read_only && r->op != PX_BLK_OP_READ)
        return PX_BLK_ERR_READ_ONLY;
    return PX_BLK_OK;
}

int blk_ring_pending(uint32_t prod, uint32_t cons)
{
    uint32_t n = prod - cons; /* free-running: correct across the 2^32 wrap */

    return n > PX_BLK_RING ? -1 : (int)n;
}
