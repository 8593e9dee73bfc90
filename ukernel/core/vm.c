/*
 * Memory pools, frames and mappings (vm.h). A pool is a budget of pages; frames take their pages from
 * the kernel's page allocator within that budget and give them back when they go. Every mapping is a
 * record in its task's tree (ordered by address, rangetree.h) and its frame's list; unmapping part of a
 * record trims or splits it, and a mapping that continues a neighbouring record joins it. Invariant:
 * every recorded page has a present page-table entry and no other user page has one, so the tree alone
 * answers whether a range holds anything.
 */
#include <core/kernel.h>
#include <core/mm.h>
#include <core/rangetree.h>
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

static uint64_t rec_pages(const struct mapping *m) { return (m->node.end - m->node.start) / PAGE_SIZE; }

static struct mapping *rec(struct range_node *n) { return n ? container_of(n, struct mapping, node) : NULL; }

static void unmap_pages(struct task *t, uint64_t va, uint64_t end)
{
    for (; va < end; va += PAGE_SIZE)
        arch_aspace_unmap(t->as, va);
}

static void free_record(struct mapping *m)
{
    range_tree_remove(&m->task->maps, &m->node);
    list_remove(&m->frame_link);
    kobj_put(&m->frame->obj);
    quota_refund(&m->task->quota, mapping_cache.objsize);
    kmem_free(&mapping_cache, m);
}

static void unmap_record(struct mapping *m)
{
    unmap_pages(m->task, m->node.start, m->node.end);
    free_record(m);
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
    struct range_node *n;

    while ((n = t->maps.root))
        unmap_record(rec(n));
}

/* A record, charged to t's quota, not yet in any tree or list: NULL when the quota or memory is out. */
static struct mapping *alloc_record(struct task *t)
{
    struct mapping *m;

    if (!mapping_cache.objsize)
        kmem_cache_init(&mapping_cache, "mapping", sizeof(struct mapping), &kernel_pages);
    if (!quota_charge(&t->quota, mapping_cache.objsize))
        return NULL;
    if (!(m = kmem_alloc(&mapping_cache)))
        quota_refund(&t->quota, mapping_cache.objsize);
    return m;
}

/* Give back a record from alloc_record that was not used. */
static void drop_record(struct task *t, struct mapping *m)
{
    kmem_free(&mapping_cache, m);
    quota_refund(&t->quota, mapping_cache.objsize);
}

static void add_record(struct mapping *m, struct task *t, struct frame *f, uint64_t vaddr, uint64_t pages,
                       uint64_t frame_page, unsigned max_prot)
{
    m->task = t;
    m->frame = f;
    m->node.start = vaddr;
    m->node.end = vaddr + pages * PAGE_SIZE;
    m->frame_page = frame_page;
    m->max_prot = max_prot;
    kobj_get(&f->obj);
    range_tree_insert(&t->maps, &m->node);
    list_push_back(&f->mappings, &m->frame_link);
}

/*
 * Remove [va, va + pages) from t: whole records go, records that straddle the range are trimmed or split.
 * Only a split needs memory (a second record), and a record that is split holds the whole range, so no
 * other record overlaps it: the new record is had before anything changes, and PX_ERR_NOMEM means that
 * nothing did. The cost is the tree's descent and the records (and pages) in the range, not the task's
 * number of records.
 */
static int unmap_range(struct task *t, uint64_t va, uint64_t pages)
{
    uint64_t end = va + pages * PAGE_SIZE;
    struct mapping *m = rec(range_tree_first_after(&t->maps, va));

    if (m && m->node.start < va && m->node.end > end) { /* split: keep [start, va) and [end, mend) */
        struct mapping *tail = alloc_record(t);
        uint64_t mend = m->node.end;
        if (!tail)
            return PX_ERR_NOMEM;
        unmap_pages(t, va, end);
        m->node.end = va;
        add_record(tail, t, m->frame, end, (mend - end) / PAGE_SIZE,
                   m->frame_page + (end - m->node.start) / PAGE_SIZE, m->max_prot);
        return PX_OK;
    }
    while (m && m->node.start < end) {
        struct mapping *next = rec(range_tree_next(&m->node));
        if (m->node.start < va) { /* keep its head */
            unmap_pages(t, va, m->node.end);
            m->node.end = va;
        } else if (m->node.end > end) { /* keep its tail */
            unmap_pages(t, m->node.start, end);
            m->frame_page += (end - m->node.start) / PAGE_SIZE;
            m->node.start = end;
        } else {
            unmap_record(m);
        }
        m = next;
    }
    return PX_OK;
}

/* Is any page of the range mapped? Every recorded page has a present entry and no other page has. */
static bool range_mapped(struct task *t, uint64_t va, uint64_t pages)
{
    struct range_node *n = range_tree_first_after(&t->maps, va);

    return n && n->start < va + pages * PAGE_SIZE;
}

/* Does b continue a (the next pages of the same frame at the next addresses, with the same rights)? */
static bool continues_record(const struct mapping *a, const struct mapping *b)
{
    return a->frame == b->frame && a->max_prot == b->max_prot && a->node.end == b->node.start &&
           a->frame_page + rec_pages(a) == b->frame_page;
}

/*
 * Map [vaddr, vaddr + pages) of f. A mapping that continues the record before it grows that record, and
 * one that the record after it continues absorbs that one (once the pages are in), so a pager that maps
 * page by page as a program touches them, in either direction, keeps one record instead of one a page.
 * Mapping over a mapping replaces it. PX_ERR_NOMEM from the records leaves the range as it was (a
 * replacement always asks for a record, even one that turns out to continue its neighbour).
 */
int vm_map(struct task *t, struct frame *f, uint64_t frame_page, uint64_t vaddr, uint64_t pages,
           unsigned prot, unsigned max_prot)
{
    struct mapping want = {.frame = f, .frame_page = frame_page, .max_prot = max_prot,
                           .node = {.start = vaddr, .end = vaddr + pages * PAGE_SIZE}};
    struct mapping *m = NULL, *prev, *next;
    struct range_node *n, *after;
    int st;

    /* n: the first record that ends at vaddr or above; after: the first that ends above vaddr. */
    n = range_tree_first_after(&t->maps, vaddr - 1); /* vaddr >= PX_USER_BASE */
    after = n && n->end == vaddr ? range_tree_next(n) : n;
    if (after && after->start < want.node.end) {
        /* The range holds mappings: they are replaced. The new record is had first, so that a failure
         * (here or in a split) changes nothing; if it turns out not to be needed it goes back. */
        if (!(m = alloc_record(t)))
            return PX_ERR_NOMEM;
        if ((st = unmap_range(t, vaddr, pages)) != PX_OK) {
            drop_record(t, m);
            return st;
        }
        n = range_tree_first_after(&t->maps, vaddr - 1);
    }
    prev = n && n->end == vaddr ? rec(n) : NULL; /* the record just below, if it ends at vaddr */
    if (prev && continues_record(prev, &want)) {
        prev->node.end = want.node.end;
        if (m)
            drop_record(t, m);
        m = prev;
    } else {
        if (!m && !(m = alloc_record(t)))
            return PX_ERR_NOMEM;
        add_record(m, t, f, vaddr, pages, frame_page, max_prot);
    }
    st = arch_aspace_map_range(t->as, vaddr, f->pa + frame_page * PAGE_SIZE, pages,
                               prot | (f->device ? VM_PROT_UNCACHED : 0), &t->quota);
    if (st != PX_OK) {
        unmap_range(t, vaddr, pages); /* the range is a tail or all of m: no split */
        return st;
    }
    next = rec(range_tree_next(&m->node));
    if (next && continues_record(m, next)) {
        m->node.end = next->node.end;
        free_record(next); /* its pages stay mapped: they are m's now */
    }
    return PX_OK;
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
    struct range_node *first = range_tree_first_after(&t->maps, va), *n;

    for (n = first; n && n->start < end; n = range_tree_next(n))
        if (prot & ~rec(n)->max_prot)
            return PX_ERR_RIGHTS;
    for (n = first; n && n->start < end; n = range_tree_next(n))
        for (uint64_t p = n->start > va ? n->start : va; p < n->end && p < end; p += PAGE_SIZE)
            arch_aspace_protect(t->as, p, prot);
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
