/*
 * virtio-blk over virtio-mmio (virtio.h), following the OASIS virtio 1.x specification: the mmio register
 * layout (section 4.2.2), the initialisation sequence (3.1.1), split virtqueues (2.6) and the block
 * device's request format (5.2.6). Everything here is the device's format: little-endian, fixed layout.
 */
#include "virtio.h"
#include <stdio.h>
#include <string.h>

enum {
    R_MAGIC = 0x000,
    R_VERSION = 0x004,
    R_DEVICE_ID = 0x008,
    R_DEV_FEATURES = 0x010,
    R_DEV_FEATURES_SEL = 0x014,
    R_DRV_FEATURES = 0x020,
    R_DRV_FEATURES_SEL = 0x024,
    R_QUEUE_SEL = 0x030,
    R_QUEUE_NUM_MAX = 0x034,
    R_QUEUE_NUM = 0x038,
    R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050,
    R_INT_STATUS = 0x060,
    R_INT_ACK = 0x064,
    R_STATUS = 0x070,
    R_DESC_LO = 0x080,
    R_DESC_HI = 0x084,
    R_AVAIL_LO = 0x090,
    R_AVAIL_HI = 0x094,
    R_USED_LO = 0x0a0,
    R_USED_HI = 0x0a4,
    R_CONFIG = 0x100,
};
#define MAGIC 0x74726976 /* "virt" */
#define DEVICE_BLOCK 2
#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_FAILED 128
#define F_BLK_RO (1u << 5)
#define F_BLK_FLUSH (1u << 9)
#define F_RING_EVENT_IDX (1u << 29)
#define F_VERSION_1 (1u << 0) /* bit 32: in the second features word */
#define D_NEXT 1
#define D_WRITE 2

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct vq_avail {
    uint16_t flags, idx, ring[VQ_SIZE], used_event;
};
struct vq_used_elem {
    uint32_t id, len;
};
struct vq_used {
    uint16_t flags, idx;
    struct vq_used_elem ring[VQ_SIZE];
    uint16_t avail_event;
};
struct vblk_slot {
    uint32_t type, reserved;
    uint64_t sector;
    uint8_t status;
    uint8_t pad[15];
};

_Static_assert(sizeof(struct vq_desc) == 16, "virtq_desc layout");
_Static_assert(sizeof(struct vblk_slot) == 32, "slot layout");

static uint32_t rd(volatile uint32_t *r, unsigned off) { return r[off / 4]; }
static void wr(volatile uint32_t *r, unsigned off, uint32_t v) { r[off / 4] = v; }

int vblk_probe(volatile void *regs, unsigned count, unsigned *index)
{
    for (unsigned i = 0; i < count; i++) {
        volatile uint32_t *r = (volatile uint32_t *)((volatile uint8_t *)regs + i * 0x200);
        if (rd(r, R_MAGIC) == MAGIC && rd(r, R_VERSION) == 2 && rd(r, R_DEVICE_ID) == DEVICE_BLOCK) {
            *index = i;
            return 0;
        }
    }
    return -1;
}

static int negotiate(struct vblk *b, char *err, unsigned errlen)
{
    uint32_t lo, hi;

    wr(b->regs, R_DEV_FEATURES_SEL, 0);
    lo = rd(b->regs, R_DEV_FEATURES);
    wr(b->regs, R_DEV_FEATURES_SEL, 1);
    hi = rd(b->regs, R_DEV_FEATURES);
    if (!(hi & F_VERSION_1)) {
        snprintf(err, errlen, "the device does not offer VIRTIO_F_VERSION_1");
        return -1;
    }
    b->read_only = lo & F_BLK_RO;
    b->can_flush = lo & F_BLK_FLUSH;
    b->event_idx = lo & F_RING_EVENT_IDX;
    wr(b->regs, R_DRV_FEATURES_SEL, 0);
    wr(b->regs, R_DRV_FEATURES, lo & (F_BLK_RO | F_BLK_FLUSH | F_RING_EVENT_IDX));
    wr(b->regs, R_DRV_FEATURES_SEL, 1);
    wr(b->regs, R_DRV_FEATURES, F_VERSION_1);
    wr(b->regs, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    if (!(rd(b->regs, R_STATUS) & S_FEATURES_OK)) {
        snprintf(err, errlen, "the device refused our features");
        return -1;
    }
    return 0;
}

int vblk_init(struct vblk *b, volatile void *transport, void *dma, uint64_t dma_pa, char *err,
              unsigned errlen)
{
    uint8_t *base = dma;

    memset(dma, 0, 3 * 4096);
    b->regs = transport;
    b->desc = (struct vq_desc *)base;             /* 2 KiB */
    b->avail = (struct vq_avail *)(base + 2048);  /* 262 bytes */
    b->used = (struct vq_used *)(base + 4096);    /* 1030 bytes, page aligned */
    b->slots = (struct vblk_slot *)(base + 8192); /* 42 x 32 bytes */
    b->slots_pa = dma_pa + 8192;
    wr(b->regs, R_STATUS, 0); /* reset */
    wr(b->regs, R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
    if (negotiate(b, err, errlen) < 0)
        goto failed;
    wr(b->regs, R_QUEUE_SEL, 0);
    if (rd(b->regs, R_QUEUE_NUM_MAX) < VQ_SIZE) {
        snprintf(err, errlen, "the device's queue holds fewer than %u descriptors", VQ_SIZE);
        goto failed;
    }
    wr(b->regs, R_QUEUE_NUM, VQ_SIZE);
    wr(b->regs, R_DESC_LO, (uint32_t)dma_pa), wr(b->regs, R_DESC_HI, (uint32_t)(dma_pa >> 32));
    wr(b->regs, R_AVAIL_LO, (uint32_t)(dma_pa + 2048)),
        wr(b->regs, R_AVAIL_HI, (uint32_t)((dma_pa + 2048) >> 32));
    wr(b->regs, R_USED_LO, (uint32_t)(dma_pa + 4096)),
        wr(b->regs, R_USED_HI, (uint32_t)((dma_pa + 4096) >> 32));
    wr(b->regs, R_QUEUE_READY, 1);
    for (unsigned i = 0; i < VQ_SIZE; i++)
        b->desc[i].next = (uint16_t)(i + 1);
    b->free_head = 0;
    b->nfree = VQ_SIZE;
    b->last_used = 0;
    b->kicked = 0;
    b->kicks = b->interrupts = 0;
    memset(b->done, 0, sizeof(b->done));
    memset(b->busy, 0, sizeof(b->busy));
    b->capacity = (uint64_t)rd(b->regs, R_CONFIG) | (uint64_t)rd(b->regs, R_CONFIG + 4) << 32;
    wr(b->regs, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return 0;
failed:
    wr(b->regs, R_STATUS, S_FAILED);
    return -1;
}

static uint16_t take_desc(struct vblk *b)
{
    uint16_t d = b->free_head;

    b->free_head = b->desc[d].next;
    b->nfree--;
    return d;
}

/*
 * A request is a chain: the header (the device reads it), the data segments, the status byte (the device
 * writes it). The tag is the slot: chain heads are tracked through the slot that owns them.
 */
int vblk_submit(struct vblk *b, enum vblk_op op, uint64_t sector, const struct vblk_segment *segs,
                unsigned nsegs)
{
    int tag = -1;
    uint16_t head, d;

    for (int i = 0; i < VBLK_MAX_INFLIGHT && tag < 0; i++)
        if (!b->busy[i])
            tag = i;
    if (tag < 0 || b->nfree < nsegs + 2)
        return -1;
    struct vblk_slot *s = &b->slots[tag];
    b->busy[tag] = true;
    s->type = op;
    s->reserved = 0;
    s->sector = sector;
    s->status = 0xff;
    uint64_t spa = b->slots_pa + (uint64_t)tag * sizeof(*s);
    head = d = take_desc(b);
    b->desc[d] = (struct vq_desc){spa, 16, D_NEXT, b->desc[d].next};
    for (unsigned i = 0; i < nsegs; i++) {
        uint16_t n = take_desc(b);
        b->desc[d].next = n;
        b->desc[n] = (struct vq_desc){segs[i].pa, segs[i].len,
                                      (uint16_t)(D_NEXT | (op == VBLK_READ ? D_WRITE : 0)), b->desc[n].next};
        d = n;
    }
    uint16_t st = take_desc(b);
    b->desc[d].next = st;
    b->desc[st] = (struct vq_desc){spa + 16, 1, D_WRITE, b->desc[st].next};
    b->done[tag] = false;
    b->avail->ring[b->avail->idx % VQ_SIZE] = head;
    __atomic_store_n(&b->avail->idx, (uint16_t)(b->avail->idx + 1), __ATOMIC_RELEASE);
    return tag;
}

/* vring_need_event of the specification (2.7.10): has the index moved past `event` since `old`? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

void vblk_kick(struct vblk *b)
{
    uint16_t idx = b->avail->idx;

    if (idx == b->kicked)
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* avail->idx is visible before we read avail_event */
    if (!b->event_idx ||
        need_event(__atomic_load_n(&b->used->avail_event, __ATOMIC_ACQUIRE), idx, b->kicked)) {
        wr(b->regs, R_QUEUE_NOTIFY, 0);
        b->kicks++;
    }
    b->kicked = idx;
}

bool vblk_arm(struct vblk *b)
{
    if (b->event_idx) {
        __atomic_store_n(&b->avail->used_event, b->last_used, __ATOMIC_RELEASE);
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the device sees used_event before we look again */
    }
    return __atomic_load_n(&b->used->idx, __ATOMIC_ACQUIRE) != b->last_used;
}

/* Give a finished chain's descriptors back; returns the slot it belongs to. */
static int release_chain(struct vblk *b, uint16_t head)
{
    uint64_t spa = b->desc[head].addr;
    uint16_t d = head, n = 1;

    while (b->desc[d].flags & D_NEXT) {
        d = b->desc[d].next;
        n++;
    }
    b->desc[d].next = b->free_head;
    b->free_head = head;
    b->nfree = (uint16_t)(b->nfree + n);
    return (int)((spa - b->slots_pa) / sizeof(struct vblk_slot));
}

unsigned vblk_reap(struct vblk *b)
{
    unsigned n = 0;
    uint16_t idx = __atomic_load_n(&b->used->idx, __ATOMIC_ACQUIRE);

    while (b->last_used != idx) {
        struct vq_used_elem e = b->used->ring[b->last_used % VQ_SIZE];
        b->last_used++;
        if (e.id >= VQ_SIZE)
            continue;
        int tag = release_chain(b, (uint16_t)e.id);
        if (tag >= 0 && tag < VBLK_MAX_INFLIGHT) {
            b->done[tag] = true;
            b->status[tag] = b->slots[tag].status;
            n++;
        }
    }
    return n;
}

int vblk_finish(struct vblk *b, int tag)
{
    int st = b->status[tag];

    b->done[tag] = false;
    b->busy[tag] = false;
    return st;
}

void vblk_ack_interrupt(struct vblk *b)
{
    uint32_t s = rd(b->regs, R_INT_STATUS);

    if (s)
        wr(b->regs, R_INT_ACK, s);
}
