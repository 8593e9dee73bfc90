/*
 * Slab allocator for fixed-size kernel objects.
 *
 * A struct kmem_cache hands out objects of one size carved from PAGE_SIZE
 * pages. Pages come from, and go back to, the callbacks in struct kmem_pages
 * (the kernel allocates frames from the pmm and returns their direct-map
 * address; host tests use aligned_alloc). Every page must be PAGE_SIZE-aligned:
 * the slab header sits at the start of the page, so an object's slab is found
 * by rounding its address down.
 *
 * Each slab is on exactly one of the cache's lists: partial (some objects
 * free), full (none free) or empty (all free). Objects are 16-byte aligned,
 * their size rounded up to 16, returned zeroed, and filled with 0x6b
 * (KMEM_POISON) when freed so that use after free shows up.
 *
 * Empty-slab policy: kmem_free() keeps at most one empty slab cached, so a
 * cache that oscillates around a slab boundary does not hit the page
 * allocator every time; any further slab that becomes empty is given back at
 * once. kmem_cache_shrink() gives back the cached one too.
 *
 * Not thread-safe: the caller provides locking.
 */
#ifndef CORE_KMEM_H
#define CORE_KMEM_H

#include <core/list.h>
#include <core/pmm.h>
#include <stdbool.h>
#include <stddef.h>

#define KMEM_ALIGN 16u
#define KMEM_POISON 0x6b

struct kmem_pages {
    /* Returns a PAGE_SIZE-aligned, PAGE_SIZE-byte page, or NULL when out of memory. */
    void *(*alloc_page)(void *ctx);
    void (*free_page)(void *ctx, void *page);
    void *ctx;
};

struct kmem_cache {
    const char *name;
    size_t objsize;      /* rounded up to KMEM_ALIGN */
    size_t first_offset; /* offset of object 0 in a slab page, after the header */
    unsigned objs_per_slab;
    struct list_node partial, full, empty;
    size_t slabs; /* pages currently held */
    size_t objs_in_use;
    const struct kmem_pages *pages;
};

enum kmem_status {
    KMEM_OK = 0,
    KMEM_NOMEM,
    KMEM_BAD_POINTER, /* not an object of this cache: wrong page magic, wrong cache, misaligned in the slab */
    KMEM_DOUBLE_FREE,
};

const char *kmem_status_name(enum kmem_status st);

/*
 * Sets up an empty cache (no pages are taken yet). name and pages must stay
 * valid for the cache's lifetime. False if objsize is 0, too big for one
 * object per page, or pages is NULL.
 */
bool kmem_cache_init(struct kmem_cache *c, const char *name, size_t objsize, const struct kmem_pages *pages);

/* Returns a zeroed object, or NULL when a new page was needed and none could be had. */
void *kmem_alloc(struct kmem_cache *c);

/*
 * Returns obj to the cache. KMEM_BAD_POINTER for NULL or a pointer that is not
 * the start of an object of this cache, KMEM_DOUBLE_FREE for an object that is
 * already free; nothing changes on error. The check reads the header of the
 * page obj points into, so obj must at least point into readable memory.
 */
enum kmem_status kmem_free(struct kmem_cache *c, void *obj);

/* Gives every empty slab page back; returns how many pages were released. */
size_t kmem_cache_shrink(struct kmem_cache *c);

/*
 * Gives back every page of the cache. Objects still in use are dropped
 * without notice: their memory is returned with the pages, so any remaining
 * pointer to them dangles. The cache is left empty and can be used again.
 */
/*
 * Call fn on every object in use (fn may be NULL) and check the cache's invariants on the way: every slab
 * carries the magic and this cache, sits on the list its count says, and the counts add up. Returns the
 * number of invariants found broken (0 when all hold). fn must not allocate from or free into c.
 */
size_t kmem_cache_for_each(struct kmem_cache *c, void (*fn)(void *obj, void *ctx), void *ctx);
void kmem_cache_destroy(struct kmem_cache *c);

#endif /* CORE_KMEM_H */
