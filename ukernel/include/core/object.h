/*
 * Kernel objects and kernel-memory quotas. Every object a task can reach starts with a struct kobj and is
 * reached through caps (cap.h). An object lives while anything references it (each cap and each kernel
 * pointer holds one reference) but can be destroyed before that: destruction releases what the object
 * manages (a thread stops, an endpoint wakes its waiters, a frame is unmapped everywhere) and marks it
 * dead, so every remaining cap to it fails with PX_ERR_REVOKED. The memory goes with the last reference.
 *
 * Every object is charged to a quota, the kernel memory a task was given by its creator; an object whose
 * quota is exhausted is not created, and nothing else is affected.
 */
#ifndef CORE_OBJECT_H
#define CORE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

struct quota {
    uint64_t limit; /* bytes */
    uint64_t used;
};

static inline bool quota_charge(struct quota *q, uint64_t bytes)
{
    if (bytes > q->limit - q->used)
        return false;
    q->used += bytes;
    return true;
}

static inline void quota_refund(struct quota *q, uint64_t bytes)
{
    q->used -= bytes < q->used ? bytes : q->used;
}

/*
 * Quota transfer between a task (`from`, the creator that pays for it) and a task it created (`to`,
 * whose quota was carved from `from`). Giving charges `from` and raises `to`'s limit; taking lowers
 * `to`'s limit by bytes it does not use and refunds them. Neither can make a quota's use exceed its
 * limit, so no task can spend what another still needs. False (and nothing changes) when `from` cannot
 * give that much, or `to` does not have that much unused.
 */
static inline bool quota_give(struct quota *from, struct quota *to, uint64_t bytes)
{
    if (bytes > ~0ull - to->limit || !quota_charge(from, bytes))
        return false;
    to->limit += bytes;
    return true;
}

static inline bool quota_take(struct quota *from, struct quota *to, uint64_t bytes)
{
    if (bytes > to->limit - to->used || bytes > from->used)
        return false;
    to->limit -= bytes;
    from->used -= bytes;
    return true;
}

struct kobj {
    uint8_t type; /* PX_OBJ_* */
    bool dead;    /* destroyed: caps to it are revoked */
    uint16_t reserved;
    uint32_t refs;
    struct quota *quota; /* pays for this object */
    struct kobj *payer;  /* the task that owns that quota: held, so the quota outlives the object */
    uint64_t charge;     /* bytes charged */
};

/* Called when the last reference goes: destroy if still alive, free, refund. Provided by object.c. */
void kobj_release(struct kobj *o);

static inline void kobj_get(struct kobj *o) { o->refs++; }

static inline void kobj_put(struct kobj *o)
{
    if (--o->refs == 0)
        kobj_release(o);
}

/*
 * Allocate a zeroed object of a type, charged to q, which belongs to the object `payer` (a task; NULL
 * for objects of the kernel itself). NULL if the quota or memory is exhausted. One reference, the caller's.
 */
void *kobj_alloc(unsigned type, struct quota *q, struct kobj *payer);
/* Free the running thread's memory if it was released while it ran (call once the CPU has left it). */
void kobj_reap(void);
extern struct kobj *kobj_zombie; /* what kobj_reap has to free: a hot path checks it inline */

/* Destroy: release what it manages and mark it dead (idempotent). The caller still holds its reference. */
void kobj_destroy(struct kobj *o);

/*
 * Call fn on every kernel object in memory, destroyed ones included, and check the object caches on the
 * way (kmem_cache_for_each), first giving back their cached empty slabs if shrink is set. Adds the objects and the pages the caches hold to *objects and *pages;
 * returns the number of cache invariants found broken. For the kernel's self-check (kcheck.c).
 */
#include <stddef.h>
size_t kobj_walk(void (*fn)(struct kobj *o, void *ctx), void *ctx, size_t *objects, size_t *pages, bool shrink);

#endif
