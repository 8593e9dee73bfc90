/*
 * Cap slots, address space and memory for this task. Slots come from a bump pointer over the table with
 * a small free list; addresses from a bump pointer in a region the link script leaves alone (above 16 TiB
 * and below the root task's start-of-day mappings).
 */
#include <libos/libos.h>
#include <string.h>

#define VA_BASE 0x0000100000000000ull
#define VA_END 0x00007ff000000000ull
#define FREE_SLOTS 64

static uint32_t next_slot, free_slots[FREE_SLOTS], nfree;
static uint64_t next_va = VA_BASE;

uint32_t libos_slot_alloc(void)
{
    if (nfree)
        return free_slots[--nfree];
    if (!next_slot)
        next_slot = libos_bootinfo->cap_first_free;
    return next_slot < libos_bootinfo->cap_slots ? next_slot++ : 0;
}

void libos_slot_free(uint32_t slot)
{
    if (slot && nfree < FREE_SLOTS)
        free_slots[nfree++] = slot;
}

uint64_t libos_va_alloc(uint64_t pages)
{
    uint64_t va = next_va;

    if (pages > (VA_END - next_va) / PX_PAGE_SIZE)
        return 0;
    next_va += (pages + 1) * PX_PAGE_SIZE; /* a guard page between ranges */
    return va;
}

void *libos_map_new(uint64_t pages, uint32_t *frame_out)
{
    return libos_map_new_from(libos_bootinfo->cap_memory, pages, frame_out);
}

void *libos_map_new_from(uint32_t memory, uint64_t pages, uint32_t *frame_out)
{
    uint32_t frame = libos_slot_alloc();
    uint64_t va = libos_va_alloc(pages);
    struct px_map_op op = {PX_MAP_OP_MAP, frame, va, 0, pages, PX_PROT_READ | PX_PROT_WRITE, 0};

    if (!frame || !va || px_frame_create(memory, frame, pages) != PX_OK)
        goto fail;
    if (px_map_batch(libos_bootinfo->cap_task, &op, 1, NULL) != PX_OK) {
        px_cap_delete(frame);
        goto fail;
    }
    if (frame_out)
        *frame_out = frame;
    else
        px_cap_delete(frame); /* the mapping keeps the frame */
    return (void *)(uintptr_t)va;
fail:
    libos_slot_free(frame);
    return NULL;
}

void libos_unmap_free(void *va, uint64_t pages, uint32_t frame)
{
    struct px_map_op op = {PX_MAP_OP_UNMAP, 0, (uint64_t)(uintptr_t)va, 0, pages, 0, 0};

    px_map_batch(libos_bootinfo->cap_task, &op, 1, NULL);
    if (frame) {
        px_cap_delete(frame);
        libos_slot_free(frame);
    }
}
