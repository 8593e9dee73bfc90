/*
 * The root task: the first user program, an ELF executable handed over as the first boot module. The
 * kernel loads its segments (copied into fresh pages, W^X as the ELF asks), gives it a stack and enters
 * it. In this version it is the only task, so it is the system: when it exits or dies, the machine shuts
 * down with a status that says how it ended (docs/abi.md, start of day).
 */
#include <arch/memlayout.h>
#include <core/elf.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/string.h>
#include <core/user.h>

#define ROOT_STACK_PAGES 16

static bool load_segment(struct aspace *as, const uint8_t *file, const struct elf_segment *s)
{
    for (uint64_t off = 0; off < s->memsz; off += PAGE_SIZE) {
        paddr_t pa = page_alloc_phys();
        /* The part of the file image that falls in this page: [lo, hi) relative to the segment start. */
        uint64_t lo = MAX(off, s->data), hi = MIN(off + PAGE_SIZE, s->data + s->filesz);

        if (!pa)
            return false;
        if (lo < hi)
            memcpy((uint8_t *)phys_to_virt(pa) + (lo - off), file + s->offset + (lo - s->data), hi - lo);
        if (!arch_aspace_map(as, s->vaddr + off, pa, s->prot))
            return false;
    }
    return true;
}

static bool map_stack(struct aspace *as)
{
    for (unsigned i = 1; i <= ROOT_STACK_PAGES; i++) {
        paddr_t pa = page_alloc_phys();
        if (!pa || !arch_aspace_map(as, arch_user_stack_top() - i * PAGE_SIZE, pa, SEG_R | SEG_W))
            return false;
    }
    return true;
}

void root_task_start(const struct boot_info *bi)
{
    const struct boot_module *m = &bi->modules[0];
    const uint8_t *file;
    struct elf_image img;
    struct aspace *as;
    const char *err;

    if (bi->nmodules == 0)
        return;
    file = phys_to_virt(m->start);
    if ((err = elf_parse(file, m->size, USER_BASE, USER_TOP, &img))) {
        kprintf("root: boot module 0 (%lu bytes) is not a usable root task: %s\n", (unsigned long)m->size,
                err);
        return;
    }
    if (!(as = arch_aspace_create()))
        panic("root: no memory for an address space");
    for (unsigned i = 0; i < img.nsegs; i++)
        if (!load_segment(as, file, &img.segs[i]))
            panic("root: no memory to load the root task");
    if (!map_stack(as))
        panic("root: no memory for the root task's stack");
    kprintf("root: starting the root task (%u segments, entry %#lx)\n", img.nsegs, (unsigned long)img.entry);
    arch_aspace_activate(as);
    arch_enter_user(img.entry, arch_user_stack_top(), 0);
}

void task_exit(int64_t status)
{
    kprintf("root: the root task exited with status %ld\n", (long)status);
    arch_shutdown(status == 0 ? SHUTDOWN_OK : SHUTDOWN_ROOT_FAILED);
}

void task_fault_unhandled(const char *what)
{
    kprintf("root: the root task was stopped by an unhandled %s\n", what);
    arch_shutdown(SHUTDOWN_ROOT_FAILED);
}
