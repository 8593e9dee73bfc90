/*
 * Tasks and threads: creation, scheduling parameters, stopping and destruction. A task's quota is carved
 * out of its creator's, can grow and shrink later by transfers with the creator (quota_give/quota_take),
 * and whatever limit it has then is given back when the task goes; the task's own objects (threads, page
 * tables, mapping records, cap table, however big it grew) are charged to it, so a task can exhaust only
 * its own share.
 */
#include <core/ipc.h>
#include <core/kernel.h>
#include <core/mm.h>
#include <core/string.h>
#include <core/timer.h>
#include <core/vm.h>
#include <proteus/caps.h>
#include <proteus/status.h>

/* Pages holding a table of `slots` caps. */
static uint64_t cap_table_pages(uint64_t slots)
{
    return (slots * sizeof(struct cap) + PAGE_SIZE - 1) / PAGE_SIZE;
}
#define TICK_US 1000

struct task *task_create(struct task *parent, uint64_t quota_bytes, uint32_t slots, const char *name)
{
    static struct quota kernel_quota = {.limit = ~0ull};
    struct quota *payer = parent ? &parent->quota : &kernel_quota;
    struct task *t;
    uint64_t pages;
    paddr_t pa;

    if (!quota_charge(payer, quota_bytes))
        return NULL;
    t = kobj_alloc(PX_OBJ_TASK, payer, parent ? &parent->obj : NULL);
    if (!t)
        goto no_task;
    t->quota.limit = quota_bytes;
    t->parent_quota = payer; /* alive as long as t: t holds its parent (kobj payer) */
    list_init(&t->threads);
    range_tree_init(&t->maps);
    for (size_t i = 0; name[i] && i < TASK_NAME_MAX - 1; i++)
        t->name[i] = name[i];
    pages = cap_table_pages(slots);
    if (!quota_charge(&t->quota, pages * PAGE_SIZE))
        goto no_caps;
    if (pmm_alloc(&phys_mem, pages, 1, &pa) != PMM_OK)
        goto no_caps_mem;
    t->caps.slots = phys_to_virt(pa);
    t->caps.size = (uint32_t)(pages * PAGE_SIZE / sizeof(struct cap));
    memset(t->caps.slots, 0, pages * PAGE_SIZE);
    t->as = arch_aspace_create(&t->quota);
    if (!t->as)
        goto no_as;
    return t;

no_as:
    pmm_free(&phys_mem, pa, pages);
no_caps_mem:
    quota_refund(&t->quota, pages * PAGE_SIZE);
no_caps:
    t->caps.slots = NULL;
    t->obj.dead = true; /* nothing to tear down yet */
    kobj_put(&t->obj);
no_task:
    quota_refund(payer, quota_bytes);
    return NULL;
}

void task_destroy(struct task *t)
{
    struct list_node *pos, *tmp;

    if (t->status == PX_TASK_RUNNING)
        t->status = PX_TASK_DESTROYED;
    list_for_each_safe(pos, tmp, &t->threads)
    {
        struct thread *th = list_entry(pos, struct thread, task_link);
        kobj_get(&th->obj);
        kobj_destroy(&th->obj);
        kobj_put(&th->obj);
    }
    vm_task_unmap_all(t);
    if (t->fault_ntfn)
        kobj_put(&t->fault_ntfn->obj), t->fault_ntfn = NULL;
    cap_table_clear(&t->caps);
    arch_aspace_destroy(t->as, &t->quota);
    pmm_free(&phys_mem, virt_to_phys(t->caps.slots), cap_table_pages(t->caps.size));
    quota_refund(&t->quota, cap_table_pages(t->caps.size) * PAGE_SIZE);
    /* Objects the task created and others still hold stay charged to it until they go (they hold it). */
    quota_refund(t->parent_quota, t->quota.limit);
}

/*
 * A bigger table, charged to the task: physically contiguous pages (the table is an array), the caps
 * moved over, the old pages freed and refunded. The size is rounded up to fill the last page.
 */
int task_cap_table_grow(struct task *t, uint64_t slots)
{
    uint64_t old_pages = cap_table_pages(t->caps.size), pages;
    paddr_t pa;

    if (slots > PX_CAP_SLOTS_MAX)
        return PX_ERR_INVAL;
    if (slots <= t->caps.size)
        return PX_OK;
    pages = cap_table_pages(slots);
    if (!quota_charge(&t->quota, pages * PAGE_SIZE))
        return PX_ERR_NOMEM;
    if (pmm_alloc(&phys_mem, pages, 1, &pa) != PMM_OK) {
        quota_refund(&t->quota, pages * PAGE_SIZE);
        return PX_ERR_NOMEM;
    }
    struct cap *old =
        cap_table_move(&t->caps, phys_to_virt(pa), (uint32_t)(pages * PAGE_SIZE / sizeof(struct cap)));
    pmm_free(&phys_mem, virt_to_phys(old), old_pages);
    quota_refund(&t->quota, old_pages * PAGE_SIZE);
    return PX_OK;
}

struct thread *thread_create(struct task *t)
{
    struct thread *th = kobj_alloc(PX_OBJ_THREAD, &t->quota, &t->obj); /* holds its task */

    if (!th)
        return NULL;
    th->task = t;
    list_push_back(&t->threads, &th->task_link);
    list_init(&th->queue_link);
    ctx_init_user(&th->ctx);
    th->state = TS_INACTIVE;
    thread_set_sched(th, PX_PRIO_DEFAULT, PX_TIMESLICE_DEFAULT_US);
    return th;
}

void thread_set_sched(struct thread *th, unsigned prio, uint32_t timeslice_us)
{
    bool queued = th->state == TS_RUNNABLE && th != current;

    if (queued)
        sched_block(th, TS_INACTIVE);
    th->prio = (uint8_t)prio;
    th->timeslice = MAX(timeslice_us, (uint32_t)PX_TIMESLICE_MIN_US) / TICK_US;
    th->budget = MIN(th->budget, th->timeslice);
    if (queued)
        sched_make_runnable(th);
}

void thread_stop(struct thread *t)
{
    if (t->state == TS_RUNNABLE)
        sched_block(t, TS_INACTIVE);
    ipc_cancel(t);
    t->state = TS_INACTIVE;
}

void thread_destroy(struct thread *th)
{
    thread_stop(th);
    if (th->bound)
        th->bound->bound = NULL, th->bound = NULL;
    if (th->exc_ep)
        kobj_put(th->exc_ep), th->exc_ep = NULL;
    if (th->ipcbuf_frame)
        kobj_put(&th->ipcbuf_frame->obj), th->ipcbuf_frame = NULL, th->ipcbuf = NULL;
    list_remove(&th->task_link);
}
