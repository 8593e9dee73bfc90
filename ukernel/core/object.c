/*
 * Kernel object allocation, destruction and release (object.h). Each type has a kmem cache and the
 * offset of its struct kobj; destruction and freeing dispatch on the type.
 */
#include <core/device.h>
#include <core/ipc.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/timer.h>
#include <core/vm.h>
#include <proteus/caps.h>
#include <stddef.h>

struct debug_obj {
    struct kobj obj;
};

struct objtype {
    const char *name;
    size_t size;
    size_t kobj_offset;
    struct kmem_cache cache;
    bool ready;
};

#define OBJTYPE(type, st) [type] = {#st, sizeof(struct st), offsetof(struct st, obj), {0}, false}

static struct objtype types[] = {
    OBJTYPE(PX_OBJ_TASK, task),
    OBJTYPE(PX_OBJ_THREAD, thread),
    OBJTYPE(PX_OBJ_ENDPOINT, endpoint),
    OBJTYPE(PX_OBJ_NOTIFICATION, notification),
    OBJTYPE(PX_OBJ_FRAME, frame),
    OBJTYPE(PX_OBJ_MEMORY, memory),
    OBJTYPE(PX_OBJ_DEBUG, debug_obj),
    OBJTYPE(PX_OBJ_TIMER, timer),
    OBJTYPE(PX_OBJ_IRQ_CONTROL, irq_control),
    OBJTYPE(PX_OBJ_IRQ, irq),
    OBJTYPE(PX_OBJ_IOPORT, ioport),
    OBJTYPE(PX_OBJ_MMIO, mmio),
};

static void *container(struct kobj *o) { return (char *)o - types[o->type].kobj_offset; }

void *kobj_alloc(unsigned type, struct quota *q, struct kobj *payer)
{
    struct objtype *ot;
    char *mem;
    struct kobj *o;

    kassert(type < ARRAY_SIZE(types) && types[type].size);
    ot = &types[type];
    if (!ot->ready) {
        kassert(kmem_cache_init(&ot->cache, ot->name, ot->size, &kernel_pages));
        ot->ready = true;
    }
    if (q && !quota_charge(q, ot->cache.objsize))
        return NULL;
    mem = kmem_alloc(&ot->cache);
    if (!mem) {
        if (q)
            quota_refund(q, ot->cache.objsize);
        return NULL;
    }
    o = (struct kobj *)(mem + ot->kobj_offset);
    *o = (struct kobj){
        .type = (uint8_t)type, .refs = 1, .quota = q, .payer = payer, .charge = q ? ot->cache.objsize : 0};
    if (payer)
        kobj_get(payer);
    return mem;
}

void kobj_destroy(struct kobj *o)
{
    if (o->dead)
        return;
    o->dead = true;
    switch (o->type) {
    case PX_OBJ_TASK:
        task_destroy(container(o));
        break;
    case PX_OBJ_THREAD:
        thread_destroy(container(o));
        break;
    case PX_OBJ_ENDPOINT:
        endpoint_destroy(container(o));
        break;
    case PX_OBJ_NOTIFICATION:
        ntfn_destroy(container(o));
        break;
    case PX_OBJ_FRAME:
        frame_destroy(container(o));
        break;
    case PX_OBJ_TIMER:
        timer_destroy(container(o));
        break;
    case PX_OBJ_IRQ:
        irq_destroy(container(o));
        break;
    default:
        break;
    }
}

struct kobj *kobj_zombie; /* the current thread, freed once the CPU has left it (object.h) */

void kobj_release(struct kobj *o)
{
    struct objtype *ot = &types[o->type];

    kobj_destroy(o);
    if (o->type == PX_OBJ_THREAD && container(o) == (void *)current) {
        kassert(!kobj_zombie);
        kobj_zombie = o;
        return;
    }
    switch (o->type) {
    case PX_OBJ_FRAME:
        frame_free(container(o));
        break;
    case PX_OBJ_MEMORY:
        memory_free(container(o));
        break;
    default:
        break;
    }
    if (o->quota)
        quota_refund(o->quota, o->charge);
    struct kobj *payer = o->payer;
    kassert(kmem_free(&ot->cache, container(o)) == KMEM_OK);
    if (payer)
        kobj_put(payer);
}

void kobj_reap(void)
{
    struct kobj *o = kobj_zombie;

    if (o && container(o) != (void *)current) {
        kobj_zombie = NULL;
        o->refs = 1;
        kobj_put(o);
    }
}

struct walk_ctx {
    void (*fn)(struct kobj *o, void *ctx);
    void *ctx;
    size_t offset;
};

static void walk_one(void *obj, void *ctx)
{
    struct walk_ctx *w = ctx;

    w->fn((struct kobj *)((char *)obj + w->offset), w->ctx);
}

size_t kobj_walk(void (*fn)(struct kobj *o, void *ctx), void *ctx, size_t *objects, size_t *pages, bool shrink)
{
    size_t bad = 0;

    for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
        struct walk_ctx w = {fn, ctx, types[t].kobj_offset};
        if (!types[t].ready)
            continue;
        if (shrink)
            kmem_cache_shrink(&types[t].cache);
        bad += kmem_cache_for_each(&types[t].cache, fn ? walk_one : NULL, &w);
        *objects += types[t].cache.objs_in_use;
        *pages += types[t].cache.slabs;
    }
    return bad;
}
