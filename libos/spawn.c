/*
 * Starting a new task from an ELF image, the way the kernel starts the root task: the image is checked
 * with the kernel's own ELF checker (ukernel/core/elf.c), its memory budget is split from ours first and
 * every page it gets comes from that budget: each segment is copied into fresh frames that are then
 * mapped into the child with the segment's permissions, and the child gets a stack, an IPC buffer, a
 * start-of-day page and the caps it describes (itself, its thread, its memory, our debug cap, the
 * grants). Addresses as for the root task (docs/abi.md).
 */
#include <core/elf.h>
#include <libos/libos.h>
#include <string.h>

#define STACK_TOP 0x00007ffe00000000ull
#define STACK_PAGES 16
#define BOOTINFO_VA 0x00007ffe00100000ull
#define IPC_VA 0x00007ffe00200000ull
#define GRANT_VA 0x0000500000000000ull /* where granted shared memory and device frames are mapped */
enum { C_TASK = 1, C_THREAD, C_MEMORY, C_DEBUG, C_MODULE, C_IPC, C_FIRST_FREE = 16 };

struct spawn_state {
    uint32_t task;
    uint32_t pool; /* the child's memory, split from ours: its pages come from here */
    uint64_t used; /* pages of the pool its image, stack and start-of-day pages took */
    const char *err;
    bool give_debug;
};

static int64_t fail(struct spawn_state *s, const char *what, int64_t st)
{
    s->err = what;
    return st;
}

/* A new frame of `pages`, filled by copying [src, src+len) at offset `at`, mapped into the child. */
static int64_t give_pages(struct spawn_state *s, uint64_t va, uint64_t pages, unsigned prot, const void *src,
                          size_t at, size_t len, uint32_t *frame_out)
{
    uint32_t frame;
    uint8_t *mem = libos_map_new_from(s->pool, pages, &frame);
    struct px_map_op child = {PX_MAP_OP_MAP, frame, va, 0, pages, prot, 0};
    struct px_map_op self = {PX_MAP_OP_UNMAP, 0, (uint64_t)(uintptr_t)mem, 0, pages, 0, 0};
    int64_t st;

    if (!mem)
        return fail(s, "no memory for the child's pages", PX_ERR_NOMEM);
    s->used += pages;
    if (len)
        memcpy(mem + at, src, len);
    if ((st = px_map_batch(s->task, &child, 1, NULL)) != PX_OK)
        return fail(s, "mapping into the child", st);
    px_map_batch(libos_bootinfo->cap_task, &self, 1, NULL);
    if (frame_out)
        *frame_out = frame;
    else
        px_cap_delete(frame), libos_slot_free(frame);
    return PX_OK;
}

static int64_t load_image(struct spawn_state *s, const struct libos_spawn *sp, uint64_t *entry)
{
    struct elf_image img;
    const char *why =
        elf_parse(sp->image, sp->size, PX_USER_BASE, STACK_TOP - STACK_PAGES * PX_PAGE_SIZE, &img);
    int64_t st;

    if (why)
        return fail(s, why, PX_ERR_INVAL);
    for (unsigned i = 0; i < img.nsegs; i++) {
        const struct elf_segment *g = &img.segs[i];
        unsigned prot = (g->prot & SEG_R ? PX_PROT_READ : 0) | (g->prot & SEG_W ? PX_PROT_WRITE : 0) |
                        (g->prot & SEG_X ? PX_PROT_EXEC : 0);
        if ((st = give_pages(s, g->vaddr, g->memsz / PX_PAGE_SIZE, prot ? prot : PX_PROT_READ,
                             (const uint8_t *)sp->image + g->offset, g->data, g->filesz, NULL)) != PX_OK)
            return st;
    }
    *entry = img.entry;
    return PX_OK;
}

static int64_t give_caps(struct spawn_state *s, uint32_t thread, uint32_t ipc)
{
    const struct px_bootinfo *bi = libos_bootinfo;
    int64_t st;

    if ((st = px_task_cap_insert(s->task, s->task, C_TASK, PX_R_ALL)) != PX_OK ||
        (st = px_task_cap_insert(s->task, thread, C_THREAD, PX_R_ALL)) != PX_OK ||
        (st = px_task_cap_insert(s->task, s->pool, C_MEMORY, PX_R_ALL)) != PX_OK ||
        (st = px_task_cap_insert(s->task, ipc, C_IPC, PX_R_READ | PX_R_WRITE)) != PX_OK ||
        (s->give_debug && bi->cap_debug &&
         (st = px_task_cap_insert(s->task, bi->cap_debug, C_DEBUG, PX_R_WRITE)) != PX_OK))
        return fail(s, "giving the child its caps", st);
    return PX_OK;
}

/* Give the child its named caps and mappings, and describe them in its resource table. */
static int64_t give_grants(struct spawn_state *s, const struct libos_spawn *sp, struct libos_resources *table)
{
    uint64_t va = GRANT_VA;
    uint32_t slot = C_FIRST_FREE;
    int64_t st;

    if (sp->ngrants + 1 > LIBOS_RESOURCES_MAX)
        return fail(s, "too many grants", PX_ERR_INVAL);
    if (sp->name) {
        struct libos_resource *self = &table->r[table->count++];
        strncpy(self->name, sp->name, sizeof(self->name) - 1);
        self->kind = LIBOS_RES_SELF;
    }
    for (unsigned i = 0; i < sp->ngrants; i++) {
        const struct libos_grant *g = &sp->grants[i];
        struct libos_resource *r = &table->r[table->count++];
        strncpy(r->name, g->name, sizeof(r->name) - 1);
        r->kind = g->kind;
        r->va = g->value;
        r->size = g->size;
        if (g->cap) {
            if ((st = px_task_cap_insert(s->task, g->cap, slot, g->rights)) != PX_OK)
                return fail(s, "giving the child a granted cap", st);
            r->cap = slot++;
        }
        if (g->pages) {
            unsigned prot = PX_PROT_READ | (g->rights & PX_R_WRITE ? PX_PROT_WRITE : 0);
            struct px_map_op op = {PX_MAP_OP_MAP, g->cap, va, 0, g->pages, prot, 0};
            if ((st = px_map_batch(s->task, &op, 1, NULL)) != PX_OK)
                return fail(s, "mapping granted memory into the child", st);
            r->va = va;
            r->size = g->size ? g->size : g->pages * PX_PAGE_SIZE;
            va += (g->pages + 1) * PX_PAGE_SIZE;
        }
    }
    return PX_OK;
}

static int64_t start_thread(struct spawn_state *s, const struct libos_spawn *sp, uint32_t thread,
                            uint32_t ipc, uint64_t entry)
{
    struct px_regs r = {0};
    int64_t st;

    r.rip = entry;
    r.rsp = STACK_TOP;
    r.rdi = BOOTINFO_VA;
    r.rsi = (uint64_t)(uintptr_t)sp->entry;
    r.rdx = sp->arg;
    if ((st = px_thread_write_regs(thread, &r)) != PX_OK ||
        (st = px_thread_set_ipc_buf(thread, ipc, 0)) != PX_OK ||
        (st = px_thread_set_sched(thread, sp->prio, PX_TIMESLICE_DEFAULT_US)) != PX_OK ||
        (st = px_thread_set_handler(thread, sp->handler, sp->thread_flags)) != PX_OK)
        return fail(s, "setting up the child's thread", st);
    if (!sp->start_stopped && (st = px_thread_resume(thread)) != PX_OK)
        return fail(s, "starting the child", st);
    return PX_OK;
}

int64_t libos_spawn(const struct libos_spawn *sp, struct libos_child *out, const char **err)
{
    struct spawn_state s = {libos_slot_alloc(), libos_slot_alloc(), 0, NULL, sp->give_debug};
    uint32_t thread = libos_slot_alloc(), ipc;
    static uint8_t page[PX_PAGE_SIZE];
    struct px_bootinfo info = {0};
    uint64_t entry;
    int64_t st;

    *err = NULL;
    if (!s.task || !thread || !s.pool)
        return *err = "no free cap slots", PX_ERR_NOMEM;
    if ((st = px_memory_split(libos_bootinfo->cap_memory, s.pool, sp->memory_pages)) != PX_OK)
        return *err = "splitting our memory for the child", st;
    if ((st = px_task_create(libos_bootinfo->cap_memory, s.task, sp->quota)) != PX_OK) {
        px_cap_delete(s.pool), libos_slot_free(s.pool);
        return *err = "creating the task", st;
    }
    if ((st = load_image(&s, sp, &entry)) != PX_OK ||
        (st = give_pages(&s, STACK_TOP - STACK_PAGES * PX_PAGE_SIZE, STACK_PAGES,
                         PX_PROT_READ | PX_PROT_WRITE, NULL, 0, 0, NULL)) != PX_OK ||
        (st = give_pages(&s, IPC_VA, 1, PX_PROT_READ | PX_PROT_WRITE, NULL, 0, 0, &ipc)) != PX_OK)
        goto out;
    if ((st = px_thread_create(s.task, thread)) != PX_OK) {
        fail(&s, "creating the child's thread", st);
        goto out;
    }
    if ((st = give_caps(&s, thread, ipc)) != PX_OK)
        goto out;
    info = (struct px_bootinfo){
        .magic = PX_BOOTINFO_MAGIC,
        .abi_version = PX_ABI_VERSION,
        .shared_info = PX_SHARED_INFO_ADDR,
        .ipc_buffer = IPC_VA,
        .cap_task = C_TASK,
        .cap_thread = C_THREAD,
        .cap_memory = C_MEMORY,
        .cap_debug = sp->give_debug && libos_bootinfo->cap_debug ? C_DEBUG : 0,
        .cap_ipc_frame = C_IPC,
        .cap_first_free = C_FIRST_FREE + sp->ngrants,
        .cap_slots = PX_CAP_SLOTS_INITIAL, /* a new task's table; it grows it itself */
        .memory_pages = sp->memory_pages - s.used - 1, /* what is left in its pool (less this page) */
        .kmem_quota = sp->quota,
    };
    memset(page, 0, sizeof(page));
    if ((st = give_grants(&s, sp, (struct libos_resources *)(page + LIBOS_RESOURCES_OFFSET))) != PX_OK)
        goto out;
    memcpy(info.cmdline, libos_bootinfo->cmdline, sizeof(info.cmdline)); /* the system's options */
    memcpy(page, &info, sizeof(info));
    if ((st = give_pages(&s, BOOTINFO_VA, 1, PX_PROT_READ, page, 0, sizeof(page), NULL)) != PX_OK ||
        (st = start_thread(&s, sp, thread, ipc, entry)) != PX_OK)
        goto out;
    px_cap_delete(ipc), libos_slot_free(ipc);
    px_cap_delete(s.pool), libos_slot_free(s.pool); /* the child's cap and its frames keep the pool */
    out->task = s.task;
    out->thread = thread;
    return PX_OK;
out:
    *err = s.err;
    px_obj_destroy(s.task);
    px_cap_delete(s.task), px_cap_delete(thread), px_cap_delete(s.pool);
    return st;
}
