/*
 * A virtio-blk device on the virtio-mmio transport (virtio 1.x, the "modern" register layout), driven from
 * user space: registers through a device frame, completions through an interrupt line delivered as a
 * notification, DMA to physical addresses the driver knows (frames it holds, FRAME_INFO).
 *
 * microvm has no IOMMU: the device can read and write any physical memory the driver names in a
 * descriptor, so the driver is trusted with all of memory. It only ever names its own DMA frames and the
 * shared data areas of its clients, after checking every offset and length a client gives it.
 */
#ifndef BLK_VIRTIO_H
#define BLK_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VQ_SIZE 128 /* descriptors; up to VQ_SIZE / 3 requests in flight */
#define VBLK_MAX_INFLIGHT (VQ_SIZE / 3)

struct vblk_segment {
    uint64_t pa;  /* physical address of the data */
    uint32_t len; /* bytes: a multiple of 512 */
};

struct vblk {
    volatile uint32_t *regs;
    uint64_t capacity; /* sectors of 512 bytes */
    bool read_only, can_flush;
    /* the virtqueue, in one DMA area */
    struct vq_desc *desc;
    struct vq_avail *avail;
    struct vq_used *used;
    uint16_t free_head, nfree, last_used;
    bool event_idx;  /* VIRTIO_RING_F_EVENT_IDX negotiated: kicks and interrupts only when asked for */
    uint16_t kicked; /* avail->idx at the last kick (or the last one the device said it did not need) */
    uint64_t kicks, interrupts; /* for the benchmark's report */
    /* per request: the header the device reads and the status byte it writes */
    struct vblk_slot *slots;
    uint64_t slots_pa;
    bool busy[VBLK_MAX_INFLIGHT];
    bool done[VBLK_MAX_INFLIGHT];
    uint8_t status[VBLK_MAX_INFLIGHT];
    uint32_t irq_cap;
};

/* Find and reset a virtio-blk device among `count` transports of 0x200 bytes at `regs`; 0 on success. */
int vblk_probe(volatile void *regs, unsigned count, unsigned *index);
/* Bring it up with its queue in `dma` (3 pages at physical `dma_pa`). Returns 0 or -1 with err. */
int vblk_init(struct vblk *b, volatile void *transport, void *dma, uint64_t dma_pa, char *err,
              unsigned errlen);

enum vblk_op { VBLK_READ = 0, VBLK_WRITE = 1, VBLK_FLUSH = 4 };
/* Queue a request; returns its tag (>= 0), or -1 if the queue is full. segs may be empty for a flush. */
int vblk_submit(struct vblk *b, enum vblk_op op, uint64_t sector, const struct vblk_segment *segs,
                unsigned nsegs);
/* Tell the device about what was queued since the last kick, unless it said it does not need telling. */
void vblk_kick(struct vblk *b);
/*
 * Before waiting for the interrupt: ask for one at the next completion (with EVENT_IDX; always on
 * without). Returns true if completions arrived meanwhile: reap them instead of waiting.
 */
bool vblk_arm(struct vblk *b);
/* Collect finished requests (call after the interrupt); returns how many finished. */
unsigned vblk_reap(struct vblk *b);
/* The status of a finished request (0 = OK) and release its tag. */
int vblk_finish(struct vblk *b, int tag);
/* Acknowledge the device's interrupt status (then ACK the line). */
void vblk_ack_interrupt(struct vblk *b);

#endif
