/*
 * Slab caches (see <core/kmem.h> for the interface and the empty-slab policy).
 *
 * Layout of a slab page: struct slab at offset 0, then objs_per_slab objects
 * of objsize bytes starting at first_offset. free_map has a set bit for every
 * free object. Invariants, per slab: in_use == objs_per_slab - popcount(free_map);
 * the slab is on c->full iff in_use == objs_per_slab, on c->empty iff in_use == 0,
 * on c->partial otherwise. Per cache: slabs is the number of pages held and
 * objs_in_use the sum of in_use. The magic number and the cache pointer let
 * kmem_free() reject pointers that do not belong to the cache; the magic is
 * wiped before a page is given back so stale pointers into it are rejected
 * too (as long as the page has not been reused).
 */
#include <core/bitmap.h>
#include <core/compiler.h>
#include <core/kmem.h>
#include <core/string.h>
#include <stdint.h>

#define SLAB_MAGIC UINT64_C(0x6b6d656d736c6162) /* "kmemslab" */
#define MAX_OBJS (PAGE_SIZE / KMEM_ALIGN)

struct slab {
    uint64_t magic;
    struct kmem_cache *cache;
    struct list_node link;
    unsigned in_use;
    uint64_t free_map[BITMAP_WORDS(MAX_OBJS)];
};

#define FIRST_OFFSET ALIGN_UP(sizeof(struct slab), (size_t)KMEM_ALIGN)

const char *kmem_status_name(enum kmem_status st)
{
    switch (st) {
    case KMEM_OK:
        return "KMEM_OK";
    case KMEM_NOMEM:
        return "KMEM_NOMEM";
    case KMEM_BAD_POINTER:
        return "KMEM_BAD_POINTER";
    case KMEM_DOUBLE_FREE:
        return "KMEM_DOUBLE_FREE";
    }
    return "KMEM_UNKNOWN";
}

bool kmem_cache_init(struct kmem_cache *c, const char *name, size_t objsize, const struct kmem_pages *pages)
{
    /* Checked before rounding so a huge objsize cannot wrap around to a small one. */
    if (objsize == 0 || objsize > PAGE_SIZE - FIRST_OFFSET || !pages)
        return false;

    c->name = name;
    c->objsize = ALIGN_UP(objsize, (size_t)KMEM_ALIGN);
    c->first_offset = FIRST_OFFSET;
    c->objs_per_slab = (unsigned)((PAGE_SIZE - FIRST_OFFSET) / c->objsize);
    list_init(&c->partial);
    list_init(&c->full);
    list_init(&c->empty);
    c->slabs = 0;
    c->objs_in_use = 0;
    c->pages = pages;
    return true;
}

static void *slab_obj(const struct kmem_cache *c, struct slab *s, size_t i)
{
    return (char *)s + c->first_offset + i * c->objsize;
}

/* Moves the slab to the list matching its in_use count. */
static void slab_refile(struct kmem_cache *c, struct slab *s)
{
    struct list_node *target = &c->partial;

    if (s->in_use == 0)
        target = &c->empty;
    else if (s->in_use == c->objs_per_slab)
        target = &c->full;
    list_remove(&s->link);
    list_push_front(target, &s->link);
}

static void slab_release(struct kmem_cache *c, struct slab *s)
{
    list_remove(&s->link);
    s->magic = 0;
    s->cache = NULL;
    c->slabs--;
    c->pages->free_page(c->pages->ctx, s);
}

static struct slab *slab_create(struct kmem_cache *c)
{
    struct slab *s = c->pages->alloc_page(c->pages->ctx);

    if (!s)
        return NULL;
    if (!IS_ALIGNED((uintptr_t)s, PAGE_SIZE)) {
        /* The header lookup in kmem_free() would not find it; refuse the page. */
        c->pages->free_page(c->pages->ctx, s);
        return NULL;
    }
    memset(s, 0, c->first_offset);
    s->magic = SLAB_MAGIC;
    s->cache = c;
    list_init(&s->link);
    s->in_use = 0;
    bitmap_set_range(s->free_map, 0, c->objs_per_slab);
    list_push_front(&c->empty, &s->link);
    c->slabs++;
    return s;
}

/* Partial slabs first so pages fill up and empty ones can be given back. */
static struct slab *slab_for_alloc(struct kmem_cache *c)
{
    struct list_node *n = list_first(&c->partial);

    if (!n)
        n = list_first(&c->empty);
    if (n)
        return list_entry(n, struct slab, link);
    return slab_create(c);
}

void *kmem_alloc(struct kmem_cache *c)
{
    struct slab *s = slab_for_alloc(c);

    if (!s)
        return NULL;

    size_t i = bitmap_find_first_set(s->free_map, c->objs_per_slab, 0);
    void *obj = slab_obj(c, s, i);

    bitmap_clear(s->free_map, i);
    s->in_use++;
    c->objs_in_use++;
    slab_refile(c, s);
    memset(obj, 0, c->objsize);
    return obj;
}

/* Finds obj's slab and index; KMEM_OK only if obj is the start of an object of c. */
static enum kmem_status locate(struct kmem_cache *c, void *obj, struct slab **sp, size_t *ip)
{
    uintptr_t addr = (uintptr_t)obj;
    struct slab *s = (struct slab *)ALIGN_DOWN(addr, (uintptr_t)PAGE_SIZE);
    size_t off = (size_t)(addr - (uintptr_t)s);

    if (!obj || s->magic != SLAB_MAGIC || s->cache != c || off < c->first_offset)
        return KMEM_BAD_POINTER;
    off -= c->first_offset;
    if (off % c->objsize != 0 || off / c->objsize >= c->objs_per_slab)
        return KMEM_BAD_POINTER;
    *sp = s;
    *ip = off / c->objsize;
    return KMEM_OK;
}

enum kmem_status kmem_free(struct kmem_cache *c, void *obj)
{
    struct slab *s;
    size_t i;
    enum kmem_status st = locate(c, obj, &s, &i);

    if (st != KMEM_OK)
        return st;
    if (bitmap_test(s->free_map, i))
        return KMEM_DOUBLE_FREE;

    memset(obj, KMEM_POISON, c->objsize);
    bitmap_set(s->free_map, i);
    s->in_use--;
    c->objs_in_use--;
    if (s->in_use == 0 && !list_empty(&c->empty))
        slab_release(c, s); /* one empty slab is already cached */
    else
        slab_refile(c, s);
    return KMEM_OK;
}

static size_t release_all(struct kmem_cache *c, struct list_node *head)
{
    struct list_node *n;
    size_t count = 0;

    while ((n = list_first(head)) != NULL) {
        slab_release(c, list_entry(n, struct slab, link));
        count++;
    }
    return count;
}

size_t kmem_cache_shrink(struct kmem_cache *c) { return release_all(c, &c->empty); }

void kmem_cache_destroy(struct kmem_cache *c)
{
    release_all(c, &c->empty);
    release_all(c, &c->partial);
    release_all(c, &c->full);
    c->objs_in_use = 0;
}

static size_t walk_list(struct kmem_cache *c, struct list_node *head, void (*fn)(void *obj, void *ctx),
                        void *ctx, size_t *bad, size_t *slabs)
{
    struct list_node *n;
    size_t in_use = 0;

    list_for_each(n, head)
    {
        struct slab *s = list_entry(n, struct slab, link);
        size_t used = 0;
        (*slabs)++;
        if (s->magic != SLAB_MAGIC || s->cache != c) {
            (*bad)++;
            break; /* the list itself cannot be trusted past a bad slab */
        }
        for (size_t i = 0; i < c->objs_per_slab; i++) {
            if (bitmap_test(s->free_map, i))
                continue;
            used++;
            if (fn)
                fn(slab_obj(c, s, i), ctx);
        }
        bool right_list = head == &c->full    ? used == c->objs_per_slab
                          : head == &c->empty ? used == 0
                                              : used > 0 && used < c->objs_per_slab;
        if (used != s->in_use || !right_list)
            (*bad)++;
        in_use += used;
    }
    return in_use;
}

size_t kmem_cache_for_each(struct kmem_cache *c, void (*fn)(void *obj, void *ctx), void *ctx)
{
    size_t bad = 0, slabs = 0, in_use = walk_list(c, &c->partial, fn, ctx, &bad, &slabs);

    in_use += walk_list(c, &c->full, fn, ctx, &bad, &slabs) + walk_list(c, &c->empty, NULL, NULL, &bad, &slabs);
    return bad + (in_use != c->objs_in_use) + (slabs != c->slabs);
}
