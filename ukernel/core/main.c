/*
 * The generic kernel's start of day. The architecture has already set up the CPU (segments, interrupt
 * table, console) and described the machine in a boot_info; here we print what we found, set up memory,
 * start the timer, and then run what the image holds.
 */
#include <core/device.h>
#include <core/kernel.h>
#include <core/main.h>
#include <core/mm.h>
#include <core/user.h>

static void print_boot_info(const struct boot_info *bi)
{
    uint64_t total = 0;

    kprintf("boot: loader %s, command line \"%s\"\n", bi->loader, bi->cmdline);
    for (size_t i = 0; i < bi->nram; i++) {
        kprintf("mem: RAM      [0x%012lx - 0x%012lx) %6lu KiB\n", (unsigned long)bi->ram[i].start,
                (unsigned long)bi->ram[i].end, (unsigned long)((bi->ram[i].end - bi->ram[i].start) >> 10));
        total += bi->ram[i].end - bi->ram[i].start;
    }
    for (size_t i = 0; i < bi->nreserved; i++)
        kprintf("mem: reserved [0x%012lx - 0x%012lx) %s\n", (unsigned long)bi->reserved[i].start,
                (unsigned long)bi->reserved[i].end, bi->reserved[i].what ? bi->reserved[i].what : "");
    for (size_t i = 0; i < bi->nmodules; i++)
        kprintf("boot: module %zu at %#lx, %lu bytes\n", i, (unsigned long)bi->modules[i].start,
                (unsigned long)bi->modules[i].size);
    kprintf("mem: %lu KiB of RAM in %zu ranges\n", (unsigned long)(total >> 10), bi->nram);
}

void kernel_main(const struct boot_info *bi)
{
    kprintf("\nProteus " PROTEUS_VERSION " - paravirtualization microkernel\n");
    print_boot_info(bi);
    if (!bootmem_init(&phys_mem, bi, arch_boot_map_limit(), arch_boot_phys_to_virt))
        panic("no room for the page allocator's bitmaps in early memory");
    arch_mm_init(bi);
    kprintf("mem: page allocator: %zu pages free of %zu usable (%zu KiB free)\n", pmm_free_pages(&phys_mem),
            pmm_usable_pages(&phys_mem), pmm_free_pages(&phys_mem) * (PAGE_SIZE / 1024));
    arch_timer_init();
    arch_print_info();
#ifdef CONFIG_KTEST
    ktest_main(bi);
#endif
    shared_info_init();
    device_init(bi);
    if (root_task_create(bi))
        arch_start_user(NULL);
    kprintf("boot: complete; no root task, idling\n");
    for (;;)
        arch_idle();
}
