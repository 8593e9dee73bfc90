/*
 * Memory pools, frames and mappings (vm.h). A pool is a budget of pages; frames take their pages from
 * the kernel's page allocator within that budget and give them back when they go. Every mapping is a
 * record in its task's and its frame's lists; unmapping part of a record splits it.
 */
#include <core/kernel.h>
#include <core/mm.h>
#include <core/string.h>
#include <core/vm.h>
#include <proteus/caps.h>
#include <proteus/status.h>

static struct kmem_cache mapping_cache;

struct memory *memory_create(struct memory *parent, uint64_t pages, struct task *payer)
{
    struct memory *m;

    if (parent && pages > parent->pages - parent->used)
        return NULL;
    m = kobj_alloc(PX_OBJ_MEMORY, payer ? &payer->quota : NULL, payer ? &payer->obj : NULL);
    if (!m)
        return NULL;
    m->pages = pages;
    if (parent) {
        parent->used += pages;
        kobj_get(&parent->obj);
        m->parent = parent;
    }
    return m;
}

void memory_free(struct memory *m)
{
    if (m->parent) {
        m->parent->used -= m->pages;
        kobj_put(&m->parent->obj);
    }
}

static struct frame *frame_alloc(struct task *payer)
{
    struct frame *f = kobj_alloc(PX_OBJ_FRAME, payer ? &payer->quota : NULL, payer ? &payer->obj : NULL);

    if (f)
        list_init(&f->mappings);
    return f;
}

struct frame *frame_create(struct memory *pool, uint64_t pages, struct task *payer)
{
    struct frame *f;
    paddr_t pa;

    if (pages == 0 || pages > pool->pages - pool->used)
        return NULL;
    if (!(f = frame_alloc(payer)))
        return NULL;
    if (pmm_alloc(&phys_mem, pages, 1, &pa) != PMM_OK) {
        f->obj.dead = true;
        kobj_put(&f->obj);
        return NULL;
    }
    memset(phys_to_virt(pa), 0, pages * PAGE_SIZE);
    f->pa = pa;
    f->pages = pages;
    f->pool = pool;
    pool->used += pages;
    kobj_get(&pool->obj);
    return f;
}

struct frame *frame_wrap(paddr_t pa, uint64_t pages, struct task *payer)
{
    struct frame *f = frame_alloc(payer);

    if (f) {
        f->pa = pa;
        f->pages = pages;
        f->kernel_owned = true;
    }
    return f;
}

static void unmap_record(struct mapping *m)
{
    for (uint64_t i = 0; i < m->pages; i++)
        arch_aspace_unmap(m->task->as, m->vaddr + i * PAGE_SIZE);
    list_remove(&m->task_link);
    list_remove(&m->frame_link);
    kobj_put(&m->frame->obj);
    quota_refund(&m->task->quota, mapping_cache.objsize);
    kmem_free(&mapping_cache, m);
}

void frame_destroy(struct frame *f)
{
    struct list_node *pos, *tmp;

    list_for_each_safe(pos, tmp, &f->mappings)
    {
        struct mapping *m = list_entry(pos, struct mapping, frame_link);
        kobj_get(&f->obj); /* unmap_record drops the record's reference; keep ours */
        unmap_record(m);
        f->obj.refs--;
    }
}

void frame_free(struct frame *f)
{
    if (f->kernel_owned || !f->pool)
        return;
    pmm_free(&phys_mem, f->pa, f->pages);
    f->pool->used -= f->pages;
    kobj_put(&f->pool->obj);
}

void vm_task_unmap_all(struct task *t)
{
    while (!list_empty(&t->mappings))
        unmap_record(list_entry(list_first(&t->mappings), struct mapping, task_link));
}

static struct mapping *new_record(struct task *t, struct frame *f, uint64_t vaddr, uint64_t pages,
                                  uint64_t frame_page, unsigned max_prot)
{
    struct mapping *m;

    if (!mapping_cache.objsize)
        kmem_cache_init(&mapping_cache, "mapping", sizeof(struct mapping), &kernel_pages);
    if (!quota_charge(&t->quota, mapping_cache.objsize))
        return NULL;
    if (!(m = kmem_alloc(&mapping_cache))) {
        quota_refund(&t->quota, mapping_cache.objsize);
        return NULL;
    }
    *m = (struct mapping){.task = t,
                          .frame = f,
                          .vaddr = vaddr,
                          .pages = pages,
                          .frame_page = frame_page,
                          .max_prot = max_prot};
    kobj_get(&f->obj);
    list_push_back(&t->mappings, &m->task_link);
    list_push_back(&f->mappings, &m->frame_link);
    return m;
}

/* Remove [va, va + pages) from t: whole records go, records that straddle the range are trimmed or split. */
static int unmap_range(struct task *t, uint64_t va, uint64_t pages)
{
    uint64_t end = va + pages * PAGE_SIZE;
    struct list_node *pos, *tmp;

    list_for_each_safe(pos, tmp, &t->mappings)
    {
        struct mapping *m = list_entry(pos, struct mapping, task_link);
        uint64_t mend = m->vaddr + m->pages * PAGE_SIZE;
        if (mend <= va || m->vaddr >= end)
            continue;
        if (m->vaddr < va && mend > end) { /* split: keep [m->vaddr, va) and [end, mend) */
            struct mapping *tail = new_record(t, m->frame, end, (mend - end) / PAGE_SIZE,
                                              m->frame_page + (end - m->vaddr) / PAGE_SIZE, m->max_prot);
            if (!tail)
                return PX_ERR_NOMEM;
            m->pages = (va - m->vaddr) / PAGE_SIZE;
        } else if (m->vaddr < va) {
            m->pages = (va - m->vaddr) / PAGE_SIZE;
        } else if (mend > end) {
            m->frame_page += (end - m->vaddr) / PAGE_SIZE;
            m->pages = (mend - end) / PAGE_SIZE;
            m->vaddr = end;
        } else {
            unmap_record(m);
            continue;
        }
    }
    for (uint64_t p = 0; p < pages; p++)
        arch_aspace_unmap(t->as, va + p * PAGE_SIZE);
    return PX_OK;
}

/* Is any page of the range mapped? Every recorded page has a present entry and no other page has. */
static bool range_mapped(struct task *t, uint64_t va, uint64_t pages)
{
    return arch_aspace_any_mapped(t->as, va, pages);
}

/*
 * The last record t made, if the new mapping continues it (the next pages of the same frame at the next
 * addresses, with the same rights): a pager that maps page by page as a program touches them then
 * grows one record instead of making one a page.
 */
static struct mapping *continued(struct task *t, struct frame *f, uint64_t vaddr, uint64_t frame_page,
                                 unsigned max_prot)
{
    struct mapping *m;

    if (list_empty(&t->mappings))
        return NULL;
    m = list_entry(t->mappings.prev, struct mapping, task_link);
    return m->frame == f && m->max_prot == max_prot && m->vaddr + m->pages * PAGE_SIZE == vaddr &&
                   m->frame_page + m->pages == frame_page
               ? m
               : NULL;
}

int vm_map(struct task *t, struct frame *f, uint64_t frame_page, uint64_t vaddr, uint64_t pages,
           unsigned prot, unsigned max_prot)
{
    struct mapping *m;
    int st;

    /* Mapping over a mapping replaces it; the page-table check spares the record scan when it cannot. */
    if (range_mapped(t, vaddr, pages) && (st = unmap_range(t, vaddr, pages)) != PX_OK)
        return st;
    if ((m = continued(t, f, vaddr, frame_page, max_prot)))
        m->pages += pages;
    else if (!new_record(t, f, vaddr, pages, frame_page, max_prot))
        return PX_ERR_NOMEM;
    st = arch_aspace_map_range(t->as, vaddr, f->pa + frame_page * PAGE_SIZE, pages,
                               prot | (f->device ? VM_PROT_UNCACHED : 0), &t->quota);
    if (st != PX_OK)
        unmap_range(t, vaddr, pages);
    return st;
}

static int check_range(uint64_t vaddr, uint64_t pages)
{
    if (vaddr % PAGE_SIZE || vaddr < PX_USER_BASE || vaddr >= PX_USER_TOP || pages == 0 ||
        pages > (PX_USER_TOP - vaddr) / PAGE_SIZE)
        return PX_ERR_INVAL;
    return PX_OK;
}

/* Change the protection of the mapped pages of a range; unmapped pages in it are left alone. */
static int protect_range(struct task *t, uint64_t va, uint64_t pages, unsigned prot)
{
    uint64_t end = va + pages * PAGE_SIZE;
    struct list_node *pos;

    list_for_each(pos, &t->mappings)
    {
        struct mapping *m = list_entry(pos, struct mapping, task_link);
        if (m->vaddr < end && va < m->vaddr + m->pages * PAGE_SIZE && (prot & ~m->max_prot))
            return PX_ERR_RIGHTS;
    }
    for (uint64_t p = 0; p < pages; p++)
        arch_aspace_protect(t->as, va + p * PAGE_SIZE, prot);
    return PX_OK;
}

static unsigned rights_prot(uint32_t rights)
{
    return (rights & PX_R_READ ? PX_PROT_READ : 0) | (rights & PX_R_WRITE ? PX_PROT_WRITE : 0) |
           (rights & PX_R_EXEC ? PX_PROT_EXEC : 0);
}

static uint32_t prot_rights(unsigned prot)
{
    return (prot & PX_PROT_READ ? PX_R_READ : 0) | (prot & PX_PROT_WRITE ? PX_R_WRITE : 0) |
           (prot & PX_PROT_EXEC ? PX_R_EXEC : 0);
}

int vm_map_op(struct task *t, struct cap_table *caps, const struct px_map_op *op)
{
    int st = check_range(op->vaddr, op->pages);
    struct cap *c;

    if (st != PX_OK || op->reserved)
        return PX_ERR_INVAL;
    switch (op->op) {
    case PX_MAP_OP_MAP:
        if (op->prot & ~(PX_PROT_READ | PX_PROT_WRITE | PX_PROT_EXEC) || !op->prot ||
            ((op->prot & PX_PROT_WRITE) && (op->prot & PX_PROT_EXEC)))
            return PX_ERR_INVAL;
        if ((st = cap_lookup(caps, op->frame, PX_OBJ_FRAME, prot_rights(op->prot), &c)) != PX_OK)
            return st;
        struct frame *f = container_of(c->obj, struct frame, obj);
        if (op->frame_page >= f->pages || op->pages > f->pages - op->frame_page)
            return PX_ERR_INVAL;
        return vm_map(t, f, op->frame_page, op->vaddr, op->pages, op->prot, rights_prot(c->rights));
    case PX_MAP_OP_UNMAP:
        return unmap_range(t, op->vaddr, op->pages);
    case PX_MAP_OP_PROTECT:
        if (((op->prot & PX_PROT_WRITE) && (op->prot & PX_PROT_EXEC)) || !op->prot)
            return PX_ERR_INVAL;
        return protect_range(t, op->vaddr, op->pages, op->prot);
    default:
        return PX_ERR_INVAL;
    }
}

uint64_t vm_mapping_charge(void) { return mapping_cache.objsize; }

size_t vm_mapping_walk(size_t *objects, size_t *pages)
{
    if (!mapping_cache.objsize)
        return 0;
    kmem_cache_shrink(&mapping_cache);
    *objects += mapping_cache.objs_in_use;
    *pages += mapping_cache.slabs;
    return kmem_cache_for_each(&mapping_cache, NULL, NULL);
}

/*
 * A map batch folds runs of one-page MAP operations that continue one another (the next page of the same
 * frame cap at the next address with the same protection: a pager's, a fork's and the benchmark's
 * pattern) into one operation of many pages, applied when the run ends: its checks, its cap lookup and
 * its page-table check are made once instead of once a page. Folding must not change what the batch
 * does, so a run whose range already holds mappings (an operation there would replace them page by
 * page) or whose folded operation fails (a check, or memory: vm_map then leaves its range empty, which
 * held nothing before) is applied again a page at a time, which puts the operations before the failing
 * one in place and fails on that one, as without folding.
 */
static bool continues(const struct px_map_op *run, const struct px_map_op *op)
{
    return op->op == PX_MAP_OP_MAP && op->pages == 1 && op->reserved == 0 && op->frame == run->frame &&
           op->prot == run->prot && op->vaddr == run->vaddr + run->pages * PAGE_SIZE &&
           op->frame_page == run->frame_page + run->pages;
}

static int apply_run(struct vm_batch *b)
{
    struct px_map_op run, one;
    int st;

    if (b->run.pages <= 1) { /* nothing folded */
        st = b->run.pages ? vm_map_op(b->task, b->caps, &b->run) : PX_OK;
        b->done += b->run.pages && st == PX_OK;
        b->run.pages = 0;
        return st;
    }
    run = b->run;
    b->run.pages = 0;
    if (check_range(run.vaddr, run.pages) == PX_OK && !range_mapped(b->task, run.vaddr, run.pages) &&
        vm_map_op(b->task, b->caps, &run) == PX_OK) {
        b->done += run.pages;
        return PX_OK;
    }
    one = run;
    one.pages = 1;
    for (uint64_t i = 0; i < run.pages; i++, one.vaddr += PAGE_SIZE, one.frame_page++) {
        if ((st = vm_map_op(b->task, b->caps, &one)) != PX_OK)
            return st;
        b->done++;
    }
    return PX_OK;
}

int vm_batch_add(struct vm_batch *b, const struct px_map_op *op)
{
    int st;

    if (b->run.pages && continues(&b->run, op)) {
        b->run.pages++;
        return PX_OK;
    }
    if ((st = apply_run(b)) != PX_OK)
        return st;
    if (op->op == PX_MAP_OP_MAP && op->pages == 1) {
        b->run = *op; /* the start of a run, applied when it ends */
        return PX_OK;
    }
    if ((st = vm_map_op(b->task, b->caps, op)) == PX_OK)
        b->done++;
    return st;
}

int vm_batch_finish(struct vm_batch *b) { return apply_run(b); }
