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
#include <core/user.h>

#define LARGE_PAGE 0x200000ull

extern char __text_start[], __rodata_start[], __data_start[], __ksyms_start[], __kernel_end[];

static uint64_t *kernel_pml4;
static uint64_t mmio_next = MMIO_BASE;
static uint64_t table_limit = BOOT_MAP_SIZE; /* page tables must be reachable through the current map */

static unsigned idx(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }

/*
 * The table that entry `e` of `table` points to, allocated if absent (NULL if no memory). Intermediate
 * entries allow everything the leaf may ask for (write, user); the leaf entries decide.
 */
static uint64_t *next_table(uint64_t *table, unsigned e, uint64_t user)
{
    if (!(table[e] & PTE_P)) {
        paddr_t pa = page_alloc_phys();
        if (!pa || pa >= table_limit)
            return NULL;
        table[e] = pa | PTE_P | PTE_W | user;
    }
    return phys_to_virt(table[e] & PTE_ADDR);
}

static bool map_in(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags, bool large)
{
    uint64_t *t = pml4;
    int leaf = large ? 1 : 0;

    for (int level = 3; level > leaf && t; level--)
        t = next_table(t, idx(va, level), flags & PTE_U);
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
    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(virt_to_phys(kernel_pml4));
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
 * the copy stays in step with everything mapped below them later.
 */
struct aspace {
    uint64_t *pml4;
};

static struct aspace aspaces[1]; /* the root task's; a kernel-object cache replaces this with tasks */

struct aspace *arch_aspace_create(void)
{
    struct aspace *as = &aspaces[0];

    if (as->pml4)
        return NULL;
    as->pml4 = page_alloc();
    if (!as->pml4)
        return NULL;
    for (unsigned i = 256; i < 512; i++)
        as->pml4[i] = kernel_pml4[i];
    return as;
}

bool arch_aspace_map(struct aspace *as, uint64_t va, paddr_t pa, unsigned prot)
{
    uint64_t flags = PTE_U | (prot & SEG_W ? PTE_W : 0) | (prot & SEG_X ? 0 : PTE_NX);

    return va >= USER_BASE && va < USER_TOP && map_in(as->pml4, va, pa, flags, false);
}

void arch_aspace_activate(struct aspace *as) { write_cr3(virt_to_phys(as->pml4)); }

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
