/* Page allocation for the kernel on top of the physical page allocator. */
#include <arch/memlayout.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/string.h>

struct pmm phys_mem;

paddr_t page_alloc_phys(void)
{
    paddr_t pa;

    if (pmm_alloc(&phys_mem, 1, 1, &pa) != PMM_OK)
        return 0;
    memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

void *page_alloc(void)
{
    paddr_t pa = page_alloc_phys();

    return pa ? phys_to_virt(pa) : NULL;
}

void page_free(void *page)
{
    enum pmm_status s = pmm_free(&phys_mem, virt_to_phys(page), 1);

    if (s != PMM_OK)
        panic("page_free(%p): %s", page, pmm_status_name(s));
}

static void *kmem_page_alloc(void *ctx)
{
    (void)ctx;
    return page_alloc();
}

static void kmem_page_free(void *ctx, void *page)
{
    (void)ctx;
    page_free(page);
}

const struct kmem_pages kernel_pages = {kmem_page_alloc, kmem_page_free, NULL};
