/*
 * The kernel's self-check (PX_SYS_DEBUG_CHECK, for the kernel-ABI fuzzer, docs/reliability.md). It walks
 * every kernel object and checks what the rest of the kernel only assumes:
 *  1. the slab caches are consistent (kmem_cache_for_each);
 *  2. every task's quota use is exactly what its objects cost: its cap table and address space (page
 *     tables included) while it lives, its mapping records, every object charged to it, and the quota
 *     of every live task carved from it;
 *  3. every memory pool's use is exactly the pages of its frames and sub-pools;
 *  4. the physical pages add up (after the slab caches give back their cached empty pages): free pages plus the pages held by slabs, cap tables, page tables and
 *     frames leave a remainder ("untracked": the kernel's own boot-time pages) that must not change
 *     while the system runs; the caller compares it between checks.
 * It runs with interrupts off like every system call, so nothing changes under it. Violations are
 * printed on the console, one line each, and counted.
 */
#include <core/kernel.h>
#include <core/kcheck.h>
#include <core/mm.h>
#include <core/vm.h>
#include <proteus/caps.h>

/* The pages of a task's cap table, which it can grow (task.c). */
static uint64_t cap_table_pages(const struct task *t)
{
    return (t->caps.size * sizeof(struct cap) + PAGE_SIZE - 1) / PAGE_SIZE;
}

struct sum_ctx {
    const void *target; /* the quota or pool being summed */
    uint64_t sum;
};

static void *body(struct kobj *o, size_t offset) { return (char *)o - offset; }
#define AS(o, type) ((struct type *)body(o, offsetof(struct type, obj)))

/* What the objects charged to quota q cost, and the quotas of live tasks carved from it. */
static void sum_quota(struct kobj *o, void *ctx)
{
    struct sum_ctx *s = ctx;

    if (o->quota == s->target)
        s->sum += o->charge;
    if (o->type == PX_OBJ_TASK && !o->dead && AS(o, task)->parent_quota == s->target)
        s->sum += AS(o, task)->quota.limit;
}

/* The pages of the frames and sub-pools taken from pool `target`. */
static void sum_pool(struct kobj *o, void *ctx)
{
    struct sum_ctx *s = ctx;

    if (o->type == PX_OBJ_FRAME && AS(o, frame)->pool == s->target)
        s->sum += AS(o, frame)->pages;
    if (o->type == PX_OBJ_MEMORY && AS(o, memory)->parent == s->target)
        s->sum += AS(o, memory)->pages;
}

static void check_task(struct task *t, struct kcheck_result *r)
{
    struct sum_ctx s = {&t->quota, 0};
    size_t ignore = 0;
    uint64_t records = 0;

    if (!range_tree_check(&t->maps)) {
        r->violations++;
        kprintf("kcheck: task %s: its tree of mapping records is broken\n", t->name);
    }
    records = t->maps.count;
    s.sum = records * vm_mapping_charge();
    if (!t->obj.dead)
        s.sum += cap_table_pages(t) * PAGE_SIZE + arch_aspace_pages(t->as) * PAGE_SIZE + arch_aspace_base_charge();
    kobj_walk(sum_quota, &s, &ignore, &ignore, false);
    if (s.sum != t->quota.used) {
        r->violations++;
        kprintf("kcheck: task %s: quota use %llu bytes, its objects cost %llu\n", t->name,
                (unsigned long long)t->quota.used, (unsigned long long)s.sum);
    }
    if (t->quota.used > t->quota.limit) {
        r->violations++;
        kprintf("kcheck: task %s: quota use %llu over its limit %llu\n", t->name,
                (unsigned long long)t->quota.used, (unsigned long long)t->quota.limit);
    }
}

static void check_pool(struct memory *m, struct kcheck_result *r)
{
    struct sum_ctx s = {m, 0};
    size_t ignore = 0;

    kobj_walk(sum_pool, &s, &ignore, &ignore, false);
    if (s.sum != m->used || m->used > m->pages) {
        r->violations++;
        kprintf("kcheck: memory pool of %llu pages: %llu in use, its frames and pools hold %llu\n",
                (unsigned long long)m->pages, (unsigned long long)m->used, (unsigned long long)s.sum);
    }
}

/* Per object: the owner checks, and the pages it holds. */
static void visit(struct kobj *o, void *ctx)
{
    struct kcheck_result *r = ctx;

    switch (o->type) {
    case PX_OBJ_TASK:
        check_task(AS(o, task), r);
        if (!o->dead)
            r->tracked_pages += cap_table_pages(AS(o, task)) + arch_aspace_pages(AS(o, task)->as);
        break;
    case PX_OBJ_MEMORY:
        check_pool(AS(o, memory), r);
        break;
    case PX_OBJ_FRAME:
        if (AS(o, frame)->pool && !AS(o, frame)->kernel_owned)
            r->tracked_pages += AS(o, frame)->pages;
        break;
    default:
        break;
    }
}

void kcheck_task_use(const struct task *t, uint64_t *pages, uint64_t *bytes)
{
    *pages = t->obj.dead ? 0 : cap_table_pages(t) + arch_aspace_pages(t->as);
    *bytes = t->quota.used;
}

void kcheck_run(struct kcheck_result *r)
{
    size_t objects = 0, pages = 0, broken;

    *r = (struct kcheck_result){0};
    broken = kobj_walk(visit, r, &objects, &pages, true);
    broken += vm_mapping_walk(&objects, &pages) + arch_aspace_walk(&objects, &pages);
    if (broken) {
        r->violations += broken;
        kprintf("kcheck: %llu slab-cache invariants broken\n", (unsigned long long)broken);
    }
    r->objects = objects;
    r->tracked_pages += pages;
    r->free_pages = pmm_free_pages(&phys_mem);
    r->untracked_pages = pmm_usable_pages(&phys_mem) - r->free_pages - r->tracked_pages;
    if (r->free_pages + r->tracked_pages > pmm_usable_pages(&phys_mem)) {
        r->violations++;
        kprintf("kcheck: %llu free and %llu used pages, more than the %llu there are\n",
                (unsigned long long)r->free_pages, (unsigned long long)r->tracked_pages,
                (unsigned long long)pmm_usable_pages(&phys_mem));
    }
}
