/*
 * Capability table operations (cap.h). Slots are checked before anything changes, so a failing call
 * leaves both tables as they were.
 */
#include <core/cap.h>
#include <proteus/caps.h>
#include <proteus/status.h>
#include <stddef.h>

static struct cap *slot_of(struct cap_table *t, uint64_t slot)
{
    return slot == PX_CAP_NULL || slot >= t->size ? NULL : &t->slots[slot];
}

int cap_lookup(struct cap_table *t, uint64_t slot, unsigned type, uint32_t rights, struct cap **out)
{
    struct cap *c = slot_of(t, slot);

    if (!c || !c->obj)
        return PX_ERR_CAP;
    if (c->obj->dead)
        return PX_ERR_REVOKED;
    if (type != PX_OBJ_NONE && c->obj->type != type)
        return PX_ERR_TYPE;
    if ((c->rights & rights) != rights)
        return PX_ERR_RIGHTS;
    *out = c;
    return PX_OK;
}

int cap_install(struct cap_table *t, uint64_t slot, struct kobj *o, uint32_t rights, uint64_t badge)
{
    struct cap *c = slot_of(t, slot);

    if (!c)
        return PX_ERR_CAP;
    if (c->obj)
        return PX_ERR_SLOT_FULL;
    kobj_get(o);
    *c = (struct cap){.obj = o, .rights = rights & PX_R_ALL, .badge = badge};
    return PX_OK;
}

int cap_copy(struct cap_table *src, uint64_t s, struct cap_table *dst, uint64_t d, uint32_t mask)
{
    struct cap *from = slot_of(src, s), *to = slot_of(dst, d);

    if (!from || !from->obj || !to)
        return PX_ERR_CAP;
    if (from->obj->dead)
        return PX_ERR_REVOKED;
    if (to->obj)
        return PX_ERR_SLOT_FULL;
    return cap_install(dst, d, from->obj, from->rights & mask, from->badge);
}

int cap_mint(struct cap_table *t, uint64_t s, uint64_t d, uint32_t mask, uint64_t badge)
{
    struct cap *from = slot_of(t, s), *to = slot_of(t, d);

    if (!from || !from->obj || !to)
        return PX_ERR_CAP;
    if (from->obj->dead)
        return PX_ERR_REVOKED;
    if (from->obj->type != PX_OBJ_ENDPOINT && from->obj->type != PX_OBJ_NOTIFICATION)
        return PX_ERR_TYPE;
    if (badge == 0 || from->badge != 0)
        return PX_ERR_INVAL;
    if (to->obj)
        return PX_ERR_SLOT_FULL;
    return cap_install(t, d, from->obj, from->rights & mask, badge);
}

int cap_delete(struct cap_table *t, uint64_t slot)
{
    struct cap *c = slot_of(t, slot);
    struct kobj *o;

    if (!c || !c->obj)
        return PX_ERR_CAP;
    o = c->obj;
    *c = (struct cap){0};
    kobj_put(o);
    return PX_OK;
}

struct cap *cap_table_move(struct cap_table *t, struct cap *slots, uint32_t size)
{
    struct cap *old = t->slots;

    for (uint32_t i = 0; i < size; i++)
        slots[i] = i < t->size ? old[i] : (struct cap){0};
    t->slots = slots;
    t->size = size;
    return old;
}

void cap_table_clear(struct cap_table *t)
{
    for (uint32_t i = 1; i < t->size; i++)
        if (t->slots[i].obj)
            cap_delete(t, i);
}
