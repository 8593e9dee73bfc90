/*
 * In-kernel boot tests (suite "boot"): the memory map the kernel built is sane, the allocators work on
 * real memory, and the timer ticks. Run by tests/meson.build through tools/runner.py.
 */
#include <arch/memlayout.h>
#include <core/bitmap.h>
#include <core/bootinfo.h>
#include <core/ktest.h>
#include <core/mm.h>
#include <core/string.h>

extern char __kernel_start[], __kernel_end[];

static const struct boot_info *boot(void) { return ktest_boot_info(); }

static bool page_usable(paddr_t pa)
{
    return pa >= phys_mem.base && pa < phys_mem.base + phys_mem.npages * PAGE_SIZE &&
           bitmap_test(phys_mem.usable, (pa - phys_mem.base) / PAGE_SIZE);
}

KTEST(boot, free_memory_present)
{
    KT_EXPECT(pmm_free_pages(&phys_mem) > 0);
    KT_EXPECT(pmm_usable_pages(&phys_mem) >= pmm_free_pages(&phys_mem));
    /* The test machine has 256 MiB: at least half of it must be free after boot. */
    KT_EXPECT(pmm_free_pages(&phys_mem) * PAGE_SIZE >= 128ull << 20);
}

KTEST(boot, kernel_image_not_free)
{
    paddr_t start = (paddr_t)(__kernel_start - (char *)KERNEL_VIRT_BASE);
    paddr_t end = (paddr_t)(__kernel_end - (char *)KERNEL_VIRT_BASE);

    for (paddr_t pa = start; pa < end; pa += PAGE_SIZE)
        if (page_usable(pa)) {
            ktest_fail("kernel page %#lx is usable memory", (unsigned long)pa);
            return;
        }
    KT_EXPECT(!page_usable(0)); /* page 0 stays out of the allocator */
    KT_EXPECT(pmm_free(&phys_mem, start, 1) == PMM_NOT_USABLE);
}

KTEST(boot, boot_module_not_free)
{
    const struct boot_info *bi = boot();

    if (bi->nmodules == 0) {
        ktest_fail("the test boots with a module (-initrd) but the kernel saw none");
        return;
    }
    for (size_t m = 0; m < bi->nmodules; m++)
        for (paddr_t pa = ALIGN_DOWN(bi->modules[m].start, PAGE_SIZE);
             pa < bi->modules[m].start + bi->modules[m].size; pa += PAGE_SIZE)
            if (page_usable(pa)) {
                ktest_fail("module %zu page %#lx is usable memory", m, (unsigned long)pa);
                return;
            }
}

KTEST(boot, module_contents_intact)
{
    const struct boot_info *bi = boot();
    static const char magic[] = "PROTEUS-TEST-MODULE";

    KT_EXPECT(bi->nmodules >= 1);
    if (bi->nmodules >= 1)
        KT_EXPECT(memcmp(phys_to_virt(bi->modules[0].start), magic, sizeof(magic) - 1) == 0);
}

KTEST(boot, usable_pages_are_ram)
{
    const struct boot_info *bi = boot();

    for (paddr_t pa = phys_mem.base; pa < phys_mem.base + phys_mem.npages * PAGE_SIZE; pa += PAGE_SIZE) {
        bool in_ram = false;
        if (!page_usable(pa))
            continue;
        for (size_t i = 0; i < bi->nram; i++)
            in_ram |= pa >= bi->ram[i].start && pa + PAGE_SIZE <= bi->ram[i].end;
        if (!in_ram) {
            ktest_fail("page %#lx is usable but not RAM", (unsigned long)pa);
            return;
        }
    }
}

KTEST(boot, page_alloc_roundtrip)
{
    size_t before = pmm_free_pages(&phys_mem);
    uint64_t *pages[64];

    for (int i = 0; i < 64; i++) {
        pages[i] = page_alloc();
        KT_EXPECT(pages[i] != NULL);
        if (!pages[i])
            return;
        for (int j = 0; j < 512; j++)
            KT_EXPECT(pages[i][j] == 0);
        pages[i][0] = (uint64_t)i;
    }
    for (int i = 0; i < 64; i++)
        KT_EXPECT(pages[i][0] == (uint64_t)i);
    for (int i = 0; i < 64; i++)
        page_free(pages[i]);
    KT_EXPECT(pmm_free_pages(&phys_mem) == before);
}

KTEST(boot, kmem_objects)
{
    struct kmem_cache cache;
    void *objs[300];

    KT_EXPECT(kmem_cache_init(&cache, "ktest", 96, &kernel_pages));
    for (int i = 0; i < 300; i++) {
        objs[i] = kmem_alloc(&cache);
        KT_EXPECT(objs[i] != NULL);
        if (!objs[i])
            return;
        memset(objs[i], i, 96);
    }
    for (int i = 0; i < 300; i++)
        KT_EXPECT(((unsigned char *)objs[i])[95] == (unsigned char)i);
    KT_EXPECT(kmem_free(&cache, objs[7]) == KMEM_OK);
    KT_EXPECT(kmem_free(&cache, objs[7]) == KMEM_DOUBLE_FREE);
    for (int i = 0; i < 300; i++)
        if (i != 7)
            KT_EXPECT(kmem_free(&cache, objs[i]) == KMEM_OK);
    kmem_cache_destroy(&cache);
}

KTEST(boot, timer_ticks_advance)
{
    uint64_t t0 = arch_timer_ticks(), c0 = arch_read_cycles(), hz = arch_tsc_hz();
    uint64_t limit = c0 + 20 * hz; /* 20 s of TSC: far beyond 5 ticks of 10 ms */

    KT_EXPECT(hz >= 100000000ull && hz <= 10000000000ull);
    while (arch_timer_ticks() < t0 + 5 && arch_read_cycles() < limit)
        arch_idle();
    KT_EXPECT(arch_timer_ticks() >= t0 + 5);
    KT_EXPECT(arch_read_cycles() > c0);
}
