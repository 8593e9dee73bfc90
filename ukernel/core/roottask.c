/*
 * The root task: the first user program, an ELF executable handed over as the first boot module. The
 * kernel gives it its start of day (docs/abi.md; abi/proteus/bootinfo.h): its segments mapped as the ELF
 * asks, a stack, the boot information page, an IPC buffer, the shared info page, and caps to itself,
 * all free memory, the debug console and the boot module. From then on it builds the system.
 */
#include <arch/memlayout.h>
#include <core/device.h>
#include <core/elf.h>
#include <core/ipc.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/string.h>
#include <core/syscall.h>
#include <core/user.h>
#include <core/vm.h>
#include <proteus/abi.h>
#include <proteus/bootinfo.h>
#include <proteus/caps.h>
#include <proteus/exception.h>
#include <proteus/status.h>

#define ROOT_STACK_TOP 0x00007ffe00000000ull
#define ROOT_STACK_PAGES 16
#define ROOT_BOOTINFO 0x00007ffe00100000ull
#define ROOT_IPC_BUFFER 0x00007ffe00200000ull
#define ROOT_QUOTA_MAX (512ull << 20) /* and at most an eighth of free memory: room for lx's 1,000 processes */
#define KERNEL_RESERVE_PAGES 256 /* for kernel memory nobody is charged for (caches' partial slabs) */

enum {
    SLOT_TASK = 1,
    SLOT_THREAD,
    SLOT_MEMORY,
    SLOT_DEBUG,
    SLOT_MODULE,
    SLOT_IPC,
    SLOT_IRQ_CONTROL,
    SLOT_IOPORT,
    SLOT_MMIO,
    SLOT_FIRST_FREE = 16
};

static struct frame *shared_frame;

void task_map_shared_info(struct task *t)
{
    if (shared_frame)
        vm_map(t, shared_frame, 0, PX_SHARED_INFO_ADDR, 1, PX_PROT_READ, PX_PROT_READ);
}

/* A frame from the pool, mapped into root at va; returns it (held by the mapping) or NULL. */
static struct frame *map_new(struct task *root, struct memory *pool, uint64_t va, uint64_t pages,
                             unsigned prot)
{
    struct frame *f = frame_create(pool, pages, root);

    if (!f)
        return NULL;
    if (vm_map(root, f, 0, va, pages, prot, PX_PROT_READ | PX_PROT_WRITE | PX_PROT_EXEC) != PX_OK) {
        kobj_put(&f->obj);
        return NULL;
    }
    kobj_put(&f->obj); /* the mapping holds it */
    return f;
}

static bool load_segments(struct task *root, struct memory *pool, const uint8_t *file,
                          const struct elf_image *img)
{
    for (unsigned i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];
        unsigned prot = (s->prot & SEG_R ? PX_PROT_READ : 0) | (s->prot & SEG_W ? PX_PROT_WRITE : 0) |
                        (s->prot & SEG_X ? PX_PROT_EXEC : 0);
        struct frame *f = map_new(root, pool, s->vaddr, s->memsz / PAGE_SIZE, prot ? prot : PX_PROT_READ);
        if (!f)
            return false;
        memcpy((uint8_t *)phys_to_virt(f->pa) + s->data, file + s->offset, s->filesz);
    }
    return true;
}

static bool install(struct task *root, uint32_t slot, struct kobj *o, uint32_t rights)
{
    return cap_install(&root->caps, slot, o, rights, 0) == PX_OK;
}

/* Every interrupt line, every I/O port, all device memory: the root task hands them to drivers. */
static bool give_devices(struct task *root)
{
    struct kobj *irqctl = kobj_alloc(PX_OBJ_IRQ_CONTROL, NULL, NULL),
                *mmio = kobj_alloc(PX_OBJ_MMIO, NULL, NULL);
    struct ioport *ports = kobj_alloc(PX_OBJ_IOPORT, NULL, NULL);
    bool ok;

    if (!irqctl || !mmio || !ports)
        return false;
    ports->base = 0;
    ports->count = 0x10000;
    ok = install(root, SLOT_IRQ_CONTROL, irqctl, PX_R_ALL) &&
         install(root, SLOT_IOPORT, &ports->obj, PX_R_ALL) && install(root, SLOT_MMIO, mmio, PX_R_ALL);
    kobj_put(irqctl), kobj_put(mmio), kobj_put(&ports->obj);
    return ok;
}

static void fill_bootinfo(struct px_bootinfo *b, const struct boot_info *bi, const struct task *root,
                          const struct memory *pool)
{
    *b = (struct px_bootinfo){
        .magic = PX_BOOTINFO_MAGIC,
        .abi_version = PX_ABI_VERSION,
        .shared_info = PX_SHARED_INFO_ADDR,
        .ipc_buffer = ROOT_IPC_BUFFER,
        .cap_task = SLOT_TASK,
        .cap_thread = SLOT_THREAD,
        .cap_memory = SLOT_MEMORY,
        .cap_debug = SLOT_DEBUG,
        .cap_module = SLOT_MODULE,
        .cap_ipc_frame = SLOT_IPC,
        .cap_irq_control = SLOT_IRQ_CONTROL,
        .cap_ioport = SLOT_IOPORT,
        .cap_mmio = SLOT_MMIO,
        .cap_first_free = SLOT_FIRST_FREE,
        .cap_slots = TASK_CAP_SLOTS,
        .memory_pages = pool->pages - pool->used,
        .module_size = bi->nmodules ? bi->modules[0].size : 0,
        .kmem_quota = root->quota.limit,
    };
    memcpy(b->cmdline, bi->cmdline, sizeof(b->cmdline) - 1);
}

static struct thread *build(const struct boot_info *bi, const uint8_t *file, const struct elf_image *img)
{
    uint64_t free = pmm_free_pages(&phys_mem), quota = MIN(ROOT_QUOTA_MAX, free * PAGE_SIZE / 8);
    struct task *root = task_create(NULL, quota, TASK_CAP_SLOTS, "root");
    struct memory *pool = memory_create(NULL, free - quota / PAGE_SIZE - KERNEL_RESERVE_PAGES, NULL);
    struct kobj *debug = kobj_alloc(PX_OBJ_DEBUG, NULL, NULL);
    uint64_t mod_size = bi->nmodules ? bi->modules[0].size : 0,
             mod_pages = ALIGN_UP(mod_size, PAGE_SIZE) / PAGE_SIZE;
    struct frame *module =
        frame_wrap(bi->nmodules ? ALIGN_DOWN(bi->modules[0].start, PAGE_SIZE) : 0, mod_pages, NULL);
    struct frame *info, *ipc;
    struct thread *th;

    if (!root || !pool || !debug || !module || !(th = thread_create(root)))
        return NULL;
    root->is_root = true;
    if (!load_segments(root, pool, file, img) ||
        !map_new(root, pool, ROOT_STACK_TOP - ROOT_STACK_PAGES * PAGE_SIZE, ROOT_STACK_PAGES,
                 PX_PROT_READ | PX_PROT_WRITE) ||
        !(info = map_new(root, pool, ROOT_BOOTINFO, 1, PX_PROT_READ)) ||
        !(ipc = map_new(root, pool, ROOT_IPC_BUFFER, 1, PX_PROT_READ | PX_PROT_WRITE)))
        return NULL;
    task_map_shared_info(root);
    if (!install(root, SLOT_TASK, &root->obj, PX_R_ALL) || !install(root, SLOT_THREAD, &th->obj, PX_R_ALL) ||
        !install(root, SLOT_MEMORY, &pool->obj, PX_R_ALL) || !install(root, SLOT_DEBUG, debug, PX_R_WRITE | PX_R_MANAGE) ||
        !install(root, SLOT_MODULE, &module->obj, PX_R_READ) ||
        !install(root, SLOT_IPC, &ipc->obj, PX_R_READ | PX_R_WRITE))
        return NULL;
    if (!give_devices(root))
        return NULL;
    /* The caps hold them now. */
    kobj_put(&root->obj), kobj_put(&pool->obj), kobj_put(debug), kobj_put(&module->obj);
    fill_bootinfo(phys_to_virt(info->pa), bi, root, pool);
    kobj_get(&ipc->obj);
    th->ipcbuf_frame = ipc;
    th->ipcbuf = phys_to_virt(ipc->pa);
    th->ctx.frame.rip = img->entry;
    th->ctx.frame.rsp = ROOT_STACK_TOP;
    th->ctx.frame.rdi = ROOT_BOOTINFO;
    thread_set_sched(th, PX_PRIO_MAX, PX_TIMESLICE_DEFAULT_US);
    kobj_put(&th->obj);
    sched_make_runnable(th);
    return th;
}

extern const uint8_t root_image_start[], root_image_end[];

/*
 * The root task is the boot module itself when that is an ELF executable (a test or a bare program);
 * otherwise the root server built into the kernel image, which gets the boot module as its system image.
 */
struct thread *root_task_create(const struct boot_info *bi)
{
    static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
    const struct boot_module *m = bi->nmodules ? &bi->modules[0] : NULL;
    const uint8_t *file = root_image_start;
    uint64_t size = (uint64_t)(root_image_end - root_image_start);
    const char *what = "the built-in root server", *err;
    struct elf_image img;
    struct thread *th;

    if (m && m->size >= 4 && memcmp(phys_to_virt(m->start), elf_magic, 4) == 0) {
        file = phys_to_virt(m->start);
        size = m->size;
        what = "boot module 0";
    }
    if ((err = elf_parse(file, size, USER_BASE, ROOT_STACK_TOP - ROOT_STACK_PAGES * PAGE_SIZE, &img))) {
        kprintf("root: %s (%lu bytes) is not a usable root task: %s\n", what, (unsigned long)size, err);
        return NULL;
    }
    if (!(th = build(bi, file, &img))) {
        kprintf("root: not enough memory to build the root task from %s\n", what);
        return NULL;
    }
    kprintf("root: starting %s (%u segments, entry %#lx)\n", what, img.nsegs, (unsigned long)img.entry);
    return th;
}

void task_exit_current(int64_t status)
{
    struct task *t = current->task;

    if (t->is_root) {
        kprintf("root: the root task exited with status %ld\n", (long)status);
        arch_shutdown(status == 0 ? SHUTDOWN_OK : SHUTDOWN_ROOT_FAILED);
    }
    t->status = PX_TASK_EXITED;
    t->status_value = status;
    if (t->fault_ntfn && !t->fault_ntfn->obj.dead)
        ntfn_signal(t->fault_ntfn, t->fault_bits);
    kobj_destroy(&t->obj);
}

void thread_exit_current(void) { kobj_destroy(&current->obj); }

static const char *const exc_names[PX_EXC_KINDS] = PX_EXC_NAMES;

void exception_unhandled(struct thread *t)
{
    arch_dump_user_fault(t);
    kprintf("thread stopped by an unhandled %s (no exception handler)\n",
            exc_names[t->exc_kind < ARRAY_SIZE(exc_names) ? t->exc_kind : 0]);
    if (t->task->is_root) {
        kprintf("root: the root task was stopped by an unhandled %s\n",
                exc_names[t->exc_kind < ARRAY_SIZE(exc_names) ? t->exc_kind : 0]);
        arch_shutdown(SHUTDOWN_ROOT_FAILED);
    }
    thread_stop(t);
    if (t->task->status == PX_TASK_RUNNING) {
        t->task->status = PX_TASK_FAULTED;
        t->task->status_value = (int64_t)t->exc_kind;
        t->task->status_addr = t->exc_addr;
    }
    if (t->task->fault_ntfn && !t->task->fault_ntfn->obj.dead)
        ntfn_signal(t->task->fault_ntfn, t->task->fault_bits);
}

void shared_info_init(void)
{
    struct frame *f;
    paddr_t pa = page_alloc_phys();

    if (!pa || !(f = frame_wrap(pa, 1, NULL)))
        panic("no memory for the shared info page");
    arch_shared_info_fill(phys_to_virt(pa));
    shared_frame = f;
}
