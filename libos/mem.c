/*
 * Cap slots, address space and memory for this task. Slots come from a stack of freed slots, else a bump
 * pointer over the table; when the table is used up it is doubled (PX_SYS_CAP_TABLE_GROW, charged to our
 * quota) and the stack with it, so the stack always has room for every slot and freeing cannot fail.
 * Addresses come from a bump pointer in a region the link script leaves alone (above 16 TiB
 * and below the root task's start-of-day mappings).
 */
#include <libos/libos.h>
#include <stdlib.h>
#include <string.h>

#define VA_BASE 0x0000100000000000ull
#define VA_END 0x00007ff000000000ull

static uint32_t next_slot, usable_slots, *free_slots, nfree;
static uint64_t next_va = VA_BASE;

/* Room for `want` slots in the stack and the table; false (nothing lost) if either cannot grow. */
static bool slots_grow(uint64_t want)
{
    uint32_t *stack = realloc(free_slots, want * sizeof(*stack));
    uint64_t size = 0;

    if (!stack)
        return false;
    free_slots = stack;
    if (want > libos_bootinfo->cap_slots && px_cap_table_grow(PX_CAP_NULL, want, &size) != PX_OK)
        return false;
    usable_slots = (uint32_t)want;
    return true;
}

uint32_t libos_slot_alloc(void)
{
    if (nfree)
        return free_slots[--nfree];
    if (!next_slot) {
        if (!slots_grow(libos_bootinfo->cap_slots))
            return 0;
        next_slot = libos_bootinfo->cap_first_free;
    }
    if (next_slot >= usable_slots &&
        (usable_slots >= PX_CAP_SLOTS_MAX ||
         !slots_grow(2ull * usable_slots < PX_CAP_SLOTS_MAX ? 2ull * usable_slots : PX_CAP_SLOTS_MAX)))
        return 0;
    return next_slot++;
}

void libos_slot_free(uint32_t slot)
{
    if (slot && slot < next_slot && nfree < usable_slots) /* a slot freed twice must not overrun */
        free_slots[nfree++] = slot;
}

uint32_t libos_slots_in_use(void)
{
    return next_slot ? next_slot - libos_bootinfo->cap_first_free - nfree : 0;
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
