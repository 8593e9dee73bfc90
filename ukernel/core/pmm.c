/*
 * Physical page-frame allocator (see <core/pmm.h>).
 *
 * State lives entirely in struct pmm and its two bitmaps. A page is free when
 * its usable bit is set and its used bit is clear; the searches work on that
 * derived "free" word, computed a word (64 pages) at a time, so large
 * allocated or reserved areas are skipped quickly. The counters are kept
 * equal to the bitmap contents: add_free and reserve may hit pages in any
 * state, so they count the affected bits before changing them instead of
 * assuming; alloc and free only ever flip pages whose state they checked.
 */
#include <core/bitmap.h>
#include <core/compiler.h>
#include <core/pmm.h>
#include <core/string.h>

#define NOT_FOUND ((size_t)-1)

const char *pmm_status_name(enum pmm_status st)
{
    switch (st) {
    case PMM_OK:
        return "PMM_OK";
    case PMM_NOMEM:
        return "PMM_NOMEM";
    case PMM_INVALID:
        return "PMM_INVALID";
    case PMM_NOT_USABLE:
        return "PMM_NOT_USABLE";
    case PMM_DOUBLE_FREE:
        return "PMM_DOUBLE_FREE";
    }
    return "PMM_UNKNOWN";
}

/* Page frame numbers rounded down / up, computed without ALIGN_UP so an address near 2^64 cannot wrap. */
static uint64_t pfn_down(paddr_t a) { return a >> PAGE_SHIFT; }

static uint64_t pfn_up(paddr_t a) { return (a >> PAGE_SHIFT) + ((a & (PAGE_SIZE - 1)) != 0); }

static size_t span_pages(paddr_t lo, paddr_t hi)
{
    uint64_t first = pfn_down(lo), last = pfn_up(hi);

    return last > first ? (size_t)(last - first) : 0;
}

size_t pmm_metadata_bytes(paddr_t lo, paddr_t hi)
{
    return 2 * BITMAP_WORDS(span_pages(lo, hi)) * sizeof(uint64_t);
}

void pmm_init(struct pmm *p, paddr_t lo, paddr_t hi, void *storage)
{
    size_t words;

    p->base = pfn_down(lo) << PAGE_SHIFT;
    p->npages = span_pages(lo, hi);
    words = BITMAP_WORDS(p->npages);
    p->usable = storage;
    p->used = p->usable + words;
    p->free_pages = 0;
    p->usable_pages = 0;
    p->hint = 0;
    memset(storage, 0, pmm_metadata_bytes(lo, hi));
}

/* Set bits in [start, start + n), scanning only the words the range touches. */
static size_t count_range(const uint64_t *map, size_t start, size_t n)
{
    const uint64_t *w = map + start / BITMAP_WORD_BITS;
    size_t off = start % BITMAP_WORD_BITS;

    return bitmap_count_set(w, off + n) - bitmap_count_set(w, off);
}

/*
 * Converts a pfn range to page indices clipped to the managed range; false if
 * nothing is left.
 */
static bool clip(const struct pmm *p, uint64_t first, uint64_t end, size_t *idx, size_t *n)
{
    uint64_t lo = pfn_down(p->base), hi = lo + p->npages;

    first = MAX(first, lo);
    end = MIN(end, hi);
    if (end <= first)
        return false;
    *idx = (size_t)(first - lo);
    *n = (size_t)(end - first);
    return true;
}

void pmm_add_free(struct pmm *p, paddr_t start, paddr_t end)
{
    size_t idx, n;

    if (end <= start || !clip(p, pfn_up(start), pfn_down(end), &idx, &n))
        return;

    size_t usable = count_range(p->usable, idx, n);
    size_t used = count_range(p->used, idx, n);

    /* Afterwards all n pages are usable and free; before, usable - used of them were free. */
    p->usable_pages += n - usable;
    p->free_pages += n - (usable - used);
    bitmap_set_range(p->usable, idx, n);
    bitmap_clear_range(p->used, idx, n);
}

void pmm_reserve(struct pmm *p, paddr_t start, paddr_t end)
{
    size_t idx, n;

    if (end <= start || !clip(p, pfn_down(start), pfn_up(end), &idx, &n))
        return;

    size_t usable = count_range(p->usable, idx, n);
    size_t used = count_range(p->used, idx, n);

    p->usable_pages -= usable;
    p->free_pages -= usable - used;
    bitmap_clear_range(p->usable, idx, n);
    bitmap_clear_range(p->used, idx, n);
}

/* Word w of the derived map of free pages, inverted when looking for pages that are not free. */
static uint64_t state_word(const struct pmm *p, size_t w, bool want_free)
{
    uint64_t free = p->usable[w] & ~p->used[w];

    return want_free ? free : ~free;
}

/* First page in [from, limit) that is free (want_free) or not free; limit if none. */
static size_t find_state(const struct pmm *p, size_t from, size_t limit, bool want_free)
{
    if (from >= limit)
        return limit;

    size_t w = from / BITMAP_WORD_BITS;
    size_t last = (limit - 1) / BITMAP_WORD_BITS;
    uint64_t bits = state_word(p, w, want_free) & (~UINT64_C(0) << (from % BITMAP_WORD_BITS));

    for (;;) {
        if (bits) {
            size_t i = w * BITMAP_WORD_BITS + (size_t)__builtin_ctzll(bits);
            return MIN(i, limit);
        }
        if (++w > last)
            return limit;
        bits = state_word(p, w, want_free);
    }
}

/*
 * Smallest index >= i whose physical address is aligned; phase is the base
 * pfn modulo align, since base itself need not be aligned. False on overflow.
 */
static bool align_index(size_t i, size_t phase, size_t align, size_t *out)
{
    size_t rem = (i + phase) & (align - 1);
    size_t add = rem ? align - rem : 0;

    if (add > NOT_FOUND - i)
        return false;
    *out = i + add;
    return true;
}

/* First aligned run of n free pages lying within [from, limit); NOT_FOUND if none. */
static size_t find_run(const struct pmm *p, size_t from, size_t limit, size_t n, size_t align)
{
    size_t phase = (size_t)pfn_down(p->base) & (align - 1);
    size_t idx = from;

    if (n > limit)
        return NOT_FOUND;
    for (;;) {
        size_t f = find_state(p, idx, limit, true);

        if (f >= limit || !align_index(f, phase, align, &idx) || idx > limit - n)
            return NOT_FOUND;

        size_t busy = find_state(p, idx, idx + n, false);
        if (busy == idx + n)
            return idx;
        idx = busy + 1;
    }
}

enum pmm_status pmm_alloc(struct pmm *p, size_t npages, size_t align_pages, paddr_t *out)
{
    size_t align = align_pages ? align_pages : 1;
    size_t idx;

    if (npages == 0 || !IS_POW2(align))
        return PMM_INVALID;
    if (npages > p->free_pages)
        return PMM_NOMEM;

    /* Runs starting at or after the hint first, then those starting before it. */
    idx = find_run(p, p->hint, p->npages, npages, align);
    if (idx == NOT_FOUND)
        idx = find_run(p, 0, MIN(p->npages, p->hint + npages - 1), npages, align);
    if (idx == NOT_FOUND)
        return PMM_NOMEM;

    bitmap_set_range(p->used, idx, npages);
    p->free_pages -= npages;
    p->hint = idx + npages < p->npages ? idx + npages : 0;
    *out = p->base + ((paddr_t)idx << PAGE_SHIFT);
    return PMM_OK;
}

/* Page index of addr if the n pages starting there are page-aligned and managed. */
static bool range_index(const struct pmm *p, paddr_t addr, size_t n, size_t *idx)
{
    if (n == 0 || (addr & (PAGE_SIZE - 1)) || addr < p->base)
        return false;

    uint64_t i = (addr - p->base) >> PAGE_SHIFT;

    if (i >= p->npages || n > p->npages - i)
        return false;
    *idx = (size_t)i;
    return true;
}

enum pmm_status pmm_free(struct pmm *p, paddr_t addr, size_t npages)
{
    size_t idx;

    if (!range_index(p, addr, npages, &idx))
        return PMM_INVALID;
    if (bitmap_find_first_zero(p->usable, idx + npages, idx) != idx + npages)
        return PMM_NOT_USABLE;
    if (bitmap_find_first_zero(p->used, idx + npages, idx) != idx + npages)
        return PMM_DOUBLE_FREE;

    bitmap_clear_range(p->used, idx, npages);
    p->free_pages += npages;
    return PMM_OK;
}

size_t pmm_free_pages(const struct pmm *p) { return p->free_pages; }

size_t pmm_usable_pages(const struct pmm *p) { return p->usable_pages; }

bool pmm_is_allocated(const struct pmm *p, paddr_t addr)
{
    size_t idx;

    return range_index(p, addr & ~(paddr_t)(PAGE_SIZE - 1), 1, &idx) && bitmap_test(p->used, idx);
}
