/*
 * Physical page-frame allocator.
 *
 * A struct pmm manages the frames of [base, base + npages * PAGE_SIZE) with
 * two bitmaps of npages bits each, stored in caller-provided memory:
 *  - usable: set for frames that were handed over as free RAM by
 *    pmm_add_free() and not later taken away by pmm_reserve();
 *  - used: set for frames currently allocated.
 * Invariants: used implies usable; free_pages counts frames that are usable
 * and not used; usable_pages counts usable frames. The allocator only touches
 * its bitmaps, never the frames themselves, so it can manage addresses that
 * are not mapped (or, in host tests, not real). It is not thread-safe: the
 * caller provides locking.
 */
#ifndef CORE_PMM_H
#define CORE_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12

enum pmm_status {
    PMM_OK = 0,
    PMM_NOMEM,
    PMM_INVALID,    /* out of range or misaligned */
    PMM_NOT_USABLE, /* never added as free memory (reserved, kernel image...) */
    PMM_DOUBLE_FREE,
};

struct pmm {
    paddr_t base;
    size_t npages;
    uint64_t *usable;
    uint64_t *used;
    size_t free_pages;
    size_t usable_pages;
    size_t hint; /* page index where the next search starts */
};

const char *pmm_status_name(enum pmm_status st);

/* Bytes of storage pmm_init() needs for [lo, hi), a multiple of 8. */
size_t pmm_metadata_bytes(paddr_t lo, paddr_t hi);

/*
 * Manages [lo rounded down, hi rounded up) to pages. storage must hold
 * pmm_metadata_bytes(lo, hi) bytes, 8-byte aligned. No frame is usable yet.
 */
void pmm_init(struct pmm *p, paddr_t lo, paddr_t hi, void *storage);

/*
 * Declares [start, end) free RAM: rounded inward to whole pages and clipped
 * to the managed range. Pages become usable and unallocated, including pages
 * that were allocated before (the caller gives them up).
 */
void pmm_add_free(struct pmm *p, paddr_t start, paddr_t end);

/*
 * Takes [start, end) away, rounded outward to whole pages and clipped: the
 * pages become unusable, whether they were free, allocated or never usable.
 * Reserve the kernel image, boot modules, the bitmap storage and firmware
 * ranges after adding the free RAM that contains them.
 */
void pmm_reserve(struct pmm *p, paddr_t start, paddr_t end);

/*
 * Allocates npages contiguous frames whose start address is a multiple of
 * align_pages * PAGE_SIZE (align_pages a power of two, 0 or 1 = one page).
 * First fit from a rotating hint, wrapping around, so it succeeds whenever
 * some fitting run exists. PMM_INVALID for npages == 0 or a bad alignment,
 * PMM_NOMEM when nothing fits; *out is written only on success.
 */
enum pmm_status pmm_alloc(struct pmm *p, size_t npages, size_t align_pages, paddr_t *out);

/*
 * Frees npages frames starting at addr. The whole range is checked first and
 * nothing changes on error: PMM_INVALID (misaligned, empty or outside the
 * managed range), PMM_NOT_USABLE (some page never was free RAM),
 * PMM_DOUBLE_FREE (some page is not allocated).
 */
enum pmm_status pmm_free(struct pmm *p, paddr_t addr, size_t npages);

size_t pmm_free_pages(const struct pmm *p);
size_t pmm_usable_pages(const struct pmm *p);

/* False for addresses outside the managed range. */
bool pmm_is_allocated(const struct pmm *p, paddr_t addr);

#endif /* CORE_PMM_H */
