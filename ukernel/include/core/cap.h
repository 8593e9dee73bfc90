/*
 * Capability tables: the only way a task names kernel objects. A slot holds an object reference, the
 * holder's rights and a badge. Derivation only ever removes rights; a badge is set once (mint) on an
 * unbadged endpoint or notification cap and then travels with every copy.
 */
#ifndef CORE_CAP_H
#define CORE_CAP_H

#include <core/object.h>
#include <proteus/caps.h>
#include <stdint.h>

struct cap {
    struct kobj *obj; /* NULL: empty slot */
    uint32_t rights;  /* PX_R_* */
    uint32_t reserved;
    uint64_t badge;
};

struct cap_table {
    struct cap *slots;
    uint32_t size; /* slot 0 exists but is always empty (PX_CAP_NULL) */
};

/*
 * Find slot's cap if it names a live object of `type` (PX_OBJ_NONE: any type) and has every right in
 * `rights`. Returns PX_OK, PX_ERR_CAP, PX_ERR_REVOKED, PX_ERR_TYPE or PX_ERR_RIGHTS, checked in that order.
 */
int cap_lookup(struct cap_table *t, uint64_t slot, unsigned type, uint32_t rights, struct cap **out);
/* The same check inline, for a hot path that only needs to know whether it passed: the cap or NULL. */
static inline struct cap *cap_find(struct cap_table *t, uint64_t slot, unsigned type, uint32_t rights)
{
    struct cap *c = slot == PX_CAP_NULL || slot >= t->size ? NULL : &t->slots[slot];

    if (!c || !c->obj || c->obj->dead || (type != PX_OBJ_NONE && c->obj->type != type) ||
        (c->rights & rights) != rights)
        return NULL;
    return c;
}

/* Put a new reference to o in an empty slot. PX_ERR_CAP (slot 0 or out of range), PX_ERR_SLOT_FULL. */
int cap_install(struct cap_table *t, uint64_t slot, struct kobj *o, uint32_t rights, uint64_t badge);

/* Copy src's cap into dst's slot with rights & mask (the badge follows). */
int cap_copy(struct cap_table *src, uint64_t s, struct cap_table *dst, uint64_t d, uint32_t mask);

/* As copy within one table, setting a non-zero badge on an unbadged endpoint or notification cap. */
int cap_mint(struct cap_table *t, uint64_t s, uint64_t d, uint32_t mask, uint64_t badge);

/* Empty a slot, dropping its reference. PX_ERR_CAP if the slot is out of range or empty. */
int cap_delete(struct cap_table *t, uint64_t slot);

/*
 * Grow t into `slots`, an array of `size` entries (size > t->size; its contents are overwritten): the
 * caps move with their references, slot numbers stay, the new slots are empty. Returns the old array for
 * the caller to free. A cap pointer taken before the move is stale after it.
 */
struct cap *cap_table_move(struct cap_table *t, struct cap *slots, uint32_t size);

/* Empty every slot (the table's task is going away). */
void cap_table_clear(struct cap_table *t);

#endif
