/*
 * The kernel's page tables. mmu_init replaces the boot mapping with the final layout of memlayout.h:
 * the image mapped section by section (text RX, rodata R, data RW; everything but text NX), all RAM in
 * the direct map (RW, NX), device registers in the MMIO window (uncached). The low identity map is
 * dropped, so a NULL or stray low pointer in the kernel faults. Kernel mappings are global: they survive
 * the CR3 switches between tasks.
 */
#include <arch/cpu.h>
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <core/elf.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/string.h>
#include <core/syscall.h>
#include <core/user.h>
#include <core/vm.h>
#include <proteus/status.h>

#define LARGE_PAGE 0x200000ull

extern char __text_start[], __rodata_start[], __data_start[], __ksyms_start[], __kernel_end[];

static uint64_t *kernel_pml4;
static uint64_t mmio_next = MMIO_BASE;
static uint64_t table_limit = BOOT_MAP_SIZE; /* page tables must be reachable through the current map */

uint64_t cr3_loads; /* every CR3 load since boot: PX_SYS_ASPACE_SWITCHES (read by mmu_cr3_loads) */

/* Load CR3, counting it (each load is a TLB flush, and under TCG a soft-TLB flush). */
static void load_cr3(uint64_t pa)
{
    cr3_loads++;
    write_cr3(pa);
}

static unsigned idx(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }

/*
 * The table that entry `e` of `table` points to, allocated if absent (NULL if no memory). Intermediate
 * entries allow writing; the leaf entries decide.
 */
static uint64_t *next_table(uint64_t *table, unsigned e)
{
    if (!(table[e] & PTE_P)) {
        paddr_t pa = page_alloc_phys();
        if (!pa || pa >= table_limit)
            return NULL;
        table[e] = pa | PTE_P | PTE_W;
    }
    return phys_to_virt(table[e] & PTE_ADDR);
}

static bool map_in(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags, bool large)
{
    uint64_t *t = pml4;
    int leaf = large ? 1 : 0;

    for (int level = 3; level > leaf && t; level--)
        t = next_table(t, idx(va, level));
    if (!t)
        return false;
    t[idx(va, leaf)] = pa | flags | PTE_P | (large ? PTE_PS : 0);
    return true;
}

static void map(uint64_t va, uint64_t pa, uint64_t flags, bool large)
{
    if (!map_in(kernel_pml4, va, pa, flags, large))
        panic("mmu: no memory for kernel page tables below %#lx", (unsigned long)table_limit);
}

static void map_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
    for (uint64_t off = 0; off < size;) {
        bool large =
            IS_ALIGNED(va + off, LARGE_PAGE) && IS_ALIGNED(pa + off, LARGE_PAGE) && size - off >= LARGE_PAGE;
        map(va + off, pa + off, flags, large);
        off += large ? LARGE_PAGE : PAGE_SIZE;
    }
}

static void map_image(char *start, char *end, uint64_t flags)
{
    uint64_t va = (uint64_t)start;

    map_range(va, va - KERNEL_VIRT_BASE, ALIGN_UP((uint64_t)end, PAGE_SIZE) - va, flags | PTE_G);
}

/* Leave the page at va (in the kernel image) unmapped, splitting a large page if it is in one. */
static void unmap_guard(uint64_t va)
{
    uint64_t *t = kernel_pml4;

    for (int level = 3; level > 0; level--) {
        uint64_t *e = &t[idx(va, level)];
        kassert(*e & PTE_P);
        if (*e & PTE_PS) { /* a 2 MiB page (level 1): the same mapping in 4 KiB pages */
            uint64_t *pt = page_alloc(), base = *e & PTE_ADDR & ~(LARGE_PAGE - 1), flags = *e & ~PTE_ADDR & ~PTE_PS;
            if (!pt || virt_to_phys(pt) >= table_limit)
                panic("mmu: no memory for a stack guard's page table");
            for (unsigned i = 0; i < 512; i++)
                pt[i] = (base + i * PAGE_SIZE) | flags;
            *e = virt_to_phys(pt) | PTE_P | PTE_W;
        }
        t = phys_to_virt(*e & PTE_ADDR);
    }
    t[idx(va, 0)] = 0;
}

bool arch_in_stack_guard(uint64_t va)
{
    for (unsigned i = 0; arch_stack_guard(i); i++)
        if (va - arch_stack_guard(i) < PAGE_SIZE)
            return true;
    return false;
}

void mmu_init(const struct boot_info *bi)
{
    kernel_pml4 = page_alloc();
    if (!kernel_pml4)
        panic("mmu: no memory for the kernel page tables");
    map_image(__text_start, __rodata_start, 0);
    map_image(__rodata_start, __data_start, PTE_NX);
    map_image(__data_start, __ksyms_start, PTE_W | PTE_NX);
    map_image(__ksyms_start, __kernel_end, PTE_NX);
    for (size_t i = 0; i < bi->nram; i++) {
        uint64_t start = ALIGN_DOWN(bi->ram[i].start, PAGE_SIZE), end = ALIGN_UP(bi->ram[i].end, PAGE_SIZE);
        if (end > PHYS_MAP_SIZE)
            panic("mmu: RAM above %#lx is not supported", (unsigned long)PHYS_MAP_SIZE);
        map_range(PHYS_MAP_BASE + start, start, end - start, PTE_W | PTE_NX | PTE_G);
    }
    for (unsigned i = 0; arch_stack_guard(i); i++)
        unmap_guard(arch_stack_guard(i));
    write_cr4(read_cr4() | CR4_PGE);
    load_cr3(virt_to_phys(kernel_pml4));
    table_limit = PHYS_MAP_SIZE;
}

void *mmu_map_mmio(uint64_t pa, uint64_t size)
{
    uint64_t va = mmio_next, off = pa & (PAGE_SIZE - 1);

    size = ALIGN_UP(size + off, PAGE_SIZE);
    if (size > MMIO_BASE + MMIO_SIZE - mmio_next)
        panic("mmu: MMIO window exhausted mapping %#lx", (unsigned long)pa);
    map_range(va, pa - off, size, PTE_W | PTE_NX | PTE_PCD | PTE_PWT | PTE_G);
    mmio_next += size;
    return (void *)(va + off);
}

static bool lookup_in(const uint64_t *pml4, uint64_t va, uint64_t *pte)
{
    const uint64_t *t = pml4;

    for (int level = 3; level >= 0; level--) {
        uint64_t e = t[idx(va, level)];
        if (!(e & PTE_P))
            return false;
        if (level == 0 || (e & PTE_PS)) {
            *pte = e;
            return true;
        }
        t = phys_to_virt(e & PTE_ADDR);
    }
    return false;
}

bool mmu_lookup(uint64_t va, uint64_t *pte) { return lookup_in(kernel_pml4, va, pte); }

/*
 * User address spaces. Each has its own PML4 whose upper half is a copy of the kernel's: the kernel's
 * PML4 slots (direct map, MMIO and image) all exist once mmu_init has run and are never replaced, so
 * the copy stays in step with everything mapped below them later. The lower half's page tables belong
 * to the address space and are charged, page by page, to the quota of the task that owns it.
 */

static struct kmem_cache aspace_cache;

struct aspace *arch_aspace_create(struct quota *q)
{
    struct aspace *as;

    if (!aspace_cache.objsize)
        kassert(kmem_cache_init(&aspace_cache, "aspace", sizeof(struct aspace), &kernel_pages));
    if (!quota_charge(q, PAGE_SIZE + aspace_cache.objsize))
        return NULL;
    if (!(as = kmem_alloc(&aspace_cache)) || !(as->pml4 = page_alloc())) {
        if (as)
            kmem_free(&aspace_cache, as);
        quota_refund(q, PAGE_SIZE + aspace_cache.objsize);
        return NULL;
    }
    for (unsigned i = 256; i < 512; i++)
        as->pml4[i] = kernel_pml4[i];
    as->leaf = NULL;
    return as;
}

/* Free a table holding entries of `level` (2: PDPT, 1: PD, 0: PT) and the tables below it. */
static void free_tables(uint64_t *t, int level, struct quota *q)
{
    for (unsigned i = 0; i < 512; i++) {
        if (!(t[i] & PTE_P) || level == 0)
            continue;
        free_tables(phys_to_virt(t[i] & PTE_ADDR), level - 1, q);
    }
    page_free(t);
    quota_refund(q, PAGE_SIZE);
}

void arch_aspace_destroy(struct aspace *as, struct quota *q)
{
    if (read_cr3() == virt_to_phys(as->pml4))
        load_cr3(virt_to_phys(kernel_pml4));
    for (unsigned i = 0; i < 256; i++)
        if (as->pml4[i] & PTE_P)
            free_tables(phys_to_virt(as->pml4[i] & PTE_ADDR), 2, q);
    page_free(as->pml4);
    kmem_free(&aspace_cache, as);
    quota_refund(q, PAGE_SIZE + aspace_cache.objsize);
}

static uint64_t count_tables(const uint64_t *t, int level)
{
    uint64_t n = 1;

    for (unsigned i = 0; level > 0 && i < 512; i++)
        if (t[i] & PTE_P)
            n += count_tables(phys_to_virt(t[i] & PTE_ADDR), level - 1);
    return n;
}

uint64_t arch_aspace_pages(const struct aspace *as)
{
    uint64_t n = 1;

    for (unsigned i = 0; i < 256; i++)
        if (as->pml4[i] & PTE_P)
            n += count_tables(phys_to_virt(as->pml4[i] & PTE_ADDR), 2);
    return n;
}

uint64_t arch_aspace_base_charge(void) { return aspace_cache.objsize; }

size_t arch_aspace_walk(size_t *objects, size_t *pages)
{
    if (!aspace_cache.objsize)
        return 0;
    kmem_cache_shrink(&aspace_cache);
    *objects += aspace_cache.objs_in_use;
    *pages += aspace_cache.slabs;
    return kmem_cache_for_each(&aspace_cache, NULL, NULL);
}

/* The leaf entry for va, creating tables (charged to q) if q is given; NULL if absent or out of quota. */
static uint64_t *user_pte(struct aspace *as, uint64_t va, struct quota *q)
{
    uint64_t *t = as->pml4;

    if (as->leaf && as->leaf_region == va >> 21)
        return &as->leaf[idx(va, 0)];
    for (int level = 3; level > 0; level--) {
        uint64_t *e = &t[idx(va, level)];
        if (!(*e & PTE_P)) {
            paddr_t pa;
            if (!q || !quota_charge(q, PAGE_SIZE))
                return NULL;
            if (!(pa = page_alloc_phys())) {
                quota_refund(q, PAGE_SIZE);
                return NULL;
            }
            *e = pa | PTE_P | PTE_W | PTE_U;
        }
        t = phys_to_virt(*e & PTE_ADDR);
    }
    as->leaf = t;
    as->leaf_region = va >> 21;
    return &t[idx(va, 0)];
}

static uint64_t prot_flags(unsigned prot)
{
    return PTE_P | PTE_U | (prot & PX_PROT_WRITE ? PTE_W : 0) | (prot & PX_PROT_EXEC ? 0 : PTE_NX) |
           (prot & VM_PROT_UNCACHED ? PTE_PCD | PTE_PWT : 0);
}

static void flush(struct aspace *as, uint64_t va)
{
    if (read_cr3() == virt_to_phys(as->pml4))
        invlpg(va);
}

int arch_aspace_map(struct aspace *as, uint64_t va, paddr_t pa, unsigned prot, struct quota *q)
{
    uint64_t *pte;

    if (va < USER_BASE || va >= USER_TOP)
        return PX_ERR_INVAL;
    if (!(pte = user_pte(as, va, q)))
        return PX_ERR_NOMEM;
    *pte = pa | prot_flags(prot);
    flush(as, va);
    return PX_OK;
}

/*
 * Consecutive pages, a page table at a time: stops at the first that cannot be mapped (its status), the
 * ones before it mapped. An entry that was not present needs no invlpg: the CPU caches no translation
 * for a not-present entry (Intel SDM vol. 3, 4.10.4.3).
 */
int arch_aspace_map_range(struct aspace *as, uint64_t va, paddr_t pa, uint64_t pages, unsigned prot,
                          struct quota *q)
{
    uint64_t flags = prot_flags(prot);

    if (va < USER_BASE || va >= USER_TOP || pages > (USER_TOP - va) / PAGE_SIZE)
        return PX_ERR_INVAL;
    while (pages) {
        uint64_t *pte = user_pte(as, va, q), n = MIN(pages, 512 - idx(va, 0));
        if (!pte)
            return PX_ERR_NOMEM;
        for (uint64_t j = 0; j < n; j++, va += PAGE_SIZE, pa += PAGE_SIZE) {
            bool was = pte[j] & PTE_P;
            pte[j] = pa | flags;
            if (was)
                flush(as, va);
        }
        pages -= n;
    }
    return PX_OK;
}

bool arch_aspace_any_mapped(struct aspace *as, uint64_t va, uint64_t pages)
{
    while (pages) {
        uint64_t *pte = user_pte(as, va, NULL), n = MIN(pages, 512 - idx(va, 0));
        for (uint64_t j = 0; pte && j < n; j++)
            if (pte[j] & PTE_P)
                return true;
        va += n * PAGE_SIZE;
        pages -= n;
    }
    return false;
}

void arch_aspace_unmap(struct aspace *as, uint64_t va)
{
    uint64_t *pte = user_pte(as, va, NULL);

    if (pte && (*pte & PTE_P)) {
        *pte = 0;
        flush(as, va);
    }
}

bool arch_aspace_mapped(struct aspace *as, uint64_t va)
{
    uint64_t *pte = user_pte(as, va, NULL);

    return pte && (*pte & PTE_P);
}

bool arch_aspace_protect(struct aspace *as, uint64_t va, unsigned prot)
{
    uint64_t *pte = user_pte(as, va, NULL);

    if (!pte || !(*pte & PTE_P))
        return false;
    *pte = (*pte & (PTE_ADDR | PTE_PCD | PTE_PWT)) | prot_flags(prot);
    flush(as, va);
    return true;
}

bool arch_user_address_ok(uint64_t va) { return va < USER_TOP; }

bool arch_user_access_ok(uint64_t va, uint64_t len, bool write)
{
    const uint64_t *pml4 = phys_to_virt(read_cr3() & PTE_ADDR);

    if (va < USER_BASE || va > USER_TOP || USER_TOP - va < len)
        return false;
    for (uint64_t page = ALIGN_DOWN(va, PAGE_SIZE); page < va + len; page += PAGE_SIZE) {
        uint64_t pte;
        if (!lookup_in(pml4, page, &pte) || !(pte & PTE_U) || (write && !(pte & PTE_W)))
            return false;
    }
    return true;
}

/* The range is checked first and system calls run with interrupts off on one CPU, so nothing can unmap
 * it before the copy: the copy itself never faults. */
bool arch_copy_from_user(void *dst, uint64_t src, size_t len)
{
    if (!arch_user_access_ok(src, len, false))
        return false;
    user_access_begin();
    memcpy(dst, (const void *)(uintptr_t)src, len);
    user_access_end();
    return true;
}

void arch_copy_from_user_checked(void *dst, uint64_t src, size_t len)
{
    user_access_begin();
    memcpy(dst, (const void *)(uintptr_t)src, len);
    user_access_end();
}

bool arch_copy_to_user(uint64_t dst, const void *src, size_t len)
{
    if (!arch_user_access_ok(dst, len, true))
        return false;
    user_access_begin();
    memcpy((void *)(uintptr_t)dst, src, len);
    user_access_end();
    return true;
}
