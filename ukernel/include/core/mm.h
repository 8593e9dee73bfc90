/*
 * The kernel's physical memory: one page allocator over all RAM, and pages handed out as pointers into
 * the direct map. Page 0 is never usable (the first MiB is reserved at boot), so 0 means "no page".
 */
#ifndef CORE_MM_H
#define CORE_MM_H

#include <arch/memlayout.h> /* phys_to_virt, virt_to_phys */
#include <core/kmem.h>
#include <core/pmm.h>

extern struct pmm phys_mem;
extern const struct kmem_pages kernel_pages; /* kmem page supply backed by phys_mem */

paddr_t page_alloc_phys(void); /* one zeroed page, or 0 */
void *page_alloc(void);        /* the same through the direct map, or NULL */
void page_free(void *page);

#endif
