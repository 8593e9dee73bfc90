/*
 * System call dispatch (abi/proteus/syscall.h, docs/abi.md). Every call names its objects by cap slot;
 * cap_lookup checks slot, liveness, type and rights before anything else happens, so a failing call has
 * no effect. Results go into the caller's saved registers; calls that block leave them to whoever wakes
 * the caller.
 */
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <core/device.h>
#include <core/ipc.h>
#include <core/kcheck.h>
#include <core/kernel.h>
#include <core/string.h>
#include <core/syscall.h>
#include <core/timer.h>
#include <core/user.h>
#include <core/vm.h>
#include <proteus/abi.h>
#include <proteus/caps.h>
#include <proteus/exception.h>
#include <proteus/status.h>
#include <proteus/syscall.h>
#include <proteus/thread.h>

#define DEBUG_WRITE_MAX 4096

#define ARG(i) ctx_arg(&current->ctx, i)
#define RESULT(i) (*ctx_mr(&current->ctx, i))
#define CAPS (&current->task->caps)
#define LOOKUP(slot, type, rights, c)                                                                        \
    do {                                                                                                     \
        int st_ = cap_lookup(CAPS, slot, type, rights, &c);                                                  \
        if (st_ != PX_OK)                                                                                    \
            return st_;                                                                                      \
    } while (0)
#define OBJ(c, type) container_of((c)->obj, struct type, obj)

/* Put a new object in the caller's slot `dst` (checked first), dropping our reference. */
static int install_new(uint64_t dst, struct kobj *o)
{
    int st = cap_install(CAPS, dst, o, PX_R_ALL, 0);

    kobj_put(o);
    return st;
}

static int check_empty_slot(uint64_t dst)
{
    if (dst == PX_CAP_NULL || dst >= CAPS->size)
        return PX_ERR_CAP;
    return CAPS->slots[dst].obj ? PX_ERR_SLOT_FULL : PX_OK;
}

static int sys_cap_identify(void)
{
    struct cap *c;

    LOOKUP(ARG(0), PX_OBJ_NONE, 0, c);
    RESULT(0) = c->obj->type;
    RESULT(1) = c->rights;
    RESULT(2) = c->badge;
    return PX_OK;
}

static int sys_obj_destroy(void)
{
    struct cap *c;
    struct kobj *o;

    LOOKUP(ARG(0), PX_OBJ_NONE, PX_R_MANAGE, c);
    o = c->obj;
    kobj_get(o);
    kobj_destroy(o);
    if (o->type == PX_OBJ_TASK && container_of(o, struct task, obj) == current->task)
        task_exit_current(0);
    kobj_put(o);
    return PX_OK;
}

static int sys_task_create(void)
{
    struct cap *mem;
    struct task *t;
    int st;

    LOOKUP(ARG(0), PX_OBJ_MEMORY, PX_R_MANAGE, mem);
    if ((st = check_empty_slot(ARG(1))) != PX_OK)
        return st;
    if (ARG(3) > PX_CAP_SLOTS_MAX)
        return PX_ERR_INVAL;
    if (!(t = task_create(current->task, ARG(2), ARG(3) ? (uint32_t)ARG(3) : TASK_CAP_SLOTS, "task")))
        return PX_ERR_NOMEM;
    task_map_shared_info(t);
    return install_new(ARG(1), &t->obj);
}

/* The task a cap names (MANAGE), or the caller's own for PX_CAP_NULL. */
static int task_or_self(uint64_t slot, struct task **out)
{
    struct cap *c;

    *out = current->task;
    if (slot != PX_CAP_NULL) {
        LOOKUP(slot, PX_OBJ_TASK, PX_R_MANAGE, c);
        *out = OBJ(c, task);
    }
    return PX_OK;
}

static int sys_cap_table_grow(void)
{
    struct task *t;
    int st = task_or_self(ARG(0), &t);

    if (st == PX_OK)
        st = task_cap_table_grow(t, ARG(1));
    RESULT(0) = t->caps.size;
    return st;
}

/* Quota moves only between a task and its creator, whose quota the task's limit was carved from. */
static int sys_task_quota(uint64_t nr)
{
    struct cap *c;
    struct task *t;
    uint64_t bytes = ARG(1);

    if (nr == PX_SYS_TASK_QUOTA_INFO) {
        int st = task_or_self(ARG(0), &t);
        if (st != PX_OK)
            return st;
        RESULT(0) = t->quota.limit;
        RESULT(1) = t->quota.used;
        return PX_OK;
    }
    LOOKUP(ARG(0), PX_OBJ_TASK, PX_R_MANAGE, c);
    t = OBJ(c, task);
    if (t->parent_quota != &current->task->quota)
        return PX_ERR_RIGHTS;
    if (nr == PX_SYS_TASK_QUOTA_GIVE)
        return quota_give(&current->task->quota, &t->quota, bytes) ? PX_OK : PX_ERR_NOMEM;
    if (bytes == PX_QUOTA_UNUSED)
        bytes = t->quota.limit - t->quota.used;
    if (!quota_take(&current->task->quota, &t->quota, bytes))
        return PX_ERR_AGAIN;
    RESULT(0) = bytes;
    return PX_OK;
}

static int sys_task_cap_insert(void)
{
    struct cap *tc;

    LOOKUP(ARG(0), PX_OBJ_TASK, PX_R_GRANT, tc);
    return cap_copy(CAPS, ARG(1), &OBJ(tc, task)->caps, ARG(2), (uint32_t)ARG(3));
}

static int sys_thread_create(void)
{
    struct cap *tc;
    struct thread *th;
    int st;

    LOOKUP(ARG(0), PX_OBJ_TASK, PX_R_MANAGE, tc);
    if ((st = check_empty_slot(ARG(1))) != PX_OK)
        return st;
    if (!(th = thread_create(OBJ(tc, task))))
        return PX_ERR_NOMEM;
    thread_set_sched(th, MIN(current->prio, PX_PRIO_DEFAULT), PX_TIMESLICE_DEFAULT_US);
    return install_new(ARG(1), &th->obj);
}

static int sys_thread_regs(bool write)
{
    struct cap *c;
    struct thread *th;
    struct px_regs r;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    th = OBJ(c, thread);
    if (th->state != TS_INACTIVE || th == current)
        return PX_ERR_STATE;
    if (write) {
        if (!arch_copy_from_user(&r, ARG(1), sizeof(r)))
            return PX_ERR_FAULT;
        ctx_set_regs(&th->ctx, &r);
        return PX_OK;
    }
    ctx_get_regs(&th->ctx, &r);
    return arch_copy_to_user(ARG(1), &r, sizeof(r)) ? PX_OK : PX_ERR_FAULT;
}

/* A thread's FPU state: it must be stopped or waiting for a reply (its handler's case), so saved. */
static int sys_thread_fpu(bool write)
{
    struct cap *c;
    struct thread *th;
    struct px_fpu_state f;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    th = OBJ(c, thread);
    if ((th->state != TS_INACTIVE && th->state != TS_BLOCKED_REPLY) || th == current)
        return PX_ERR_STATE;
    if (!write) {
        ctx_get_fpu(&th->ctx, &f);
        return arch_copy_to_user(ARG(1), &f, sizeof(f)) ? PX_OK : PX_ERR_FAULT;
    }
    if (!arch_copy_from_user(&f, ARG(1), sizeof(f)))
        return PX_ERR_FAULT;
    return ctx_set_fpu(&th->ctx, &f) ? PX_OK : PX_ERR_INVAL;
}

static int sys_thread_resume(bool resume)
{
    struct cap *c;
    struct thread *th;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    th = OBJ(c, thread);
    if (!resume) {
        if (th == current)
            ctx_set_status(&th->ctx, PX_OK);
        thread_stop(th);
        return PX_OK;
    }
    if (th->state != TS_INACTIVE)
        return PX_ERR_STATE;
    sched_make_runnable(th);
    return PX_OK;
}

static int sys_thread_set_sched(void)
{
    struct cap *c;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    if (ARG(1) > current->prio || ARG(2) > 10000000)
        return PX_ERR_INVAL;
    thread_set_sched(OBJ(c, thread), (unsigned)ARG(1), (uint32_t)ARG(2));
    return PX_OK;
}

static int sys_thread_set_handler(void)
{
    struct cap *c, *ep = NULL;
    struct thread *th;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    if (ARG(1) != PX_CAP_NULL)
        LOOKUP(ARG(1), PX_OBJ_ENDPOINT, PX_R_WRITE, ep);
    if (ARG(2) & ~(uint64_t)PX_THREAD_FOREIGN_ABI)
        return PX_ERR_INVAL;
    th = OBJ(c, thread);
    if (th->exc_ep)
        kobj_put(th->exc_ep);
    th->exc_ep = ep ? ep->obj : NULL;
    th->exc_badge = ep ? ep->badge : 0;
    if (ep)
        kobj_get(ep->obj);
    th->flags = (uint32_t)ARG(2);
    return PX_OK;
}

static int sys_thread_set_ipc_buf(void)
{
    struct cap *c, *fc;
    struct thread *th;
    struct frame *f;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    LOOKUP(ARG(1), PX_OBJ_FRAME, PX_R_READ | PX_R_WRITE, fc);
    th = OBJ(c, thread);
    f = OBJ(fc, frame);
    if (ARG(2) >= f->pages || f->device) /* the kernel reaches the buffer through the direct map of RAM */
        return PX_ERR_INVAL;
    if (th->ipcbuf_frame)
        kobj_put(&th->ipcbuf_frame->obj);
    kobj_get(&f->obj);
    th->ipcbuf_frame = f;
    th->ipcbuf = phys_to_virt(f->pa + ARG(2) * PAGE_SIZE);
    return PX_OK;
}

static int sys_thread_bind(void)
{
    struct cap *c, *nc = NULL;
    struct thread *th;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    if (ARG(1) != PX_CAP_NULL)
        LOOKUP(ARG(1), PX_OBJ_NOTIFICATION, PX_R_READ, nc);
    th = OBJ(c, thread);
    if (nc && OBJ(nc, notification)->bound && OBJ(nc, notification)->bound != th)
        return PX_ERR_STATE;
    if (th->bound)
        th->bound->bound = NULL;
    th->bound = nc ? OBJ(nc, notification) : NULL;
    if (th->bound)
        th->bound->bound = th;
    return PX_OK;
}

static int sys_thread_set_tls(void)
{
    struct cap *c;

    LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
    if (!arch_user_address_ok(ARG(1)) || !arch_user_address_ok(ARG(2)))
        return PX_ERR_INVAL;
    arch_thread_set_tls(OBJ(c, thread), ARG(1), ARG(2));
    return PX_OK;
}

static int sys_create_simple(unsigned type)
{
    struct kobj *o;
    int st;

    if ((st = check_empty_slot(ARG(0))) != PX_OK)
        return st;
    if (!(o = kobj_alloc(type, &current->task->quota, &current->task->obj)))
        return PX_ERR_NOMEM;
    if (type == PX_OBJ_ENDPOINT) {
        list_init(&container_of(o, struct endpoint, obj)->senders);
        list_init(&container_of(o, struct endpoint, obj)->receivers);
    } else {
        list_init(&container_of(o, struct notification, obj)->waiters);
    }
    return install_new(ARG(0), o);
}

/* IPC calls return their own status: they may block, and whoever wakes the thread sets it. */
static bool sys_ipc(uint64_t nr)
{
    struct cap *c;
    int st = PX_OK;

    switch (nr) {
    case PX_SYS_SEND:
    case PX_SYS_CALL:
        if ((st = cap_lookup(CAPS, ARG(0), PX_OBJ_ENDPOINT, PX_R_WRITE, &c)) == PX_OK)
            ipc_send(OBJ(c, endpoint), c->badge, nr == PX_SYS_CALL);
        break;
    case PX_SYS_RECV:
    case PX_SYS_REPLY_RECV:
        if ((st = cap_lookup(CAPS, ARG(0), PX_OBJ_ENDPOINT, PX_R_READ, &c)) == PX_OK) {
            if (nr == PX_SYS_RECV)
                ipc_recv(OBJ(c, endpoint));
            else
                ipc_reply_recv(OBJ(c, endpoint));
        }
        break;
    case PX_SYS_REPLY:
        ipc_reply();
        break;
    case PX_SYS_SIGNAL:
        if ((st = cap_lookup(CAPS, ARG(0), PX_OBJ_NOTIFICATION, PX_R_WRITE, &c)) == PX_OK) {
            ntfn_signal(OBJ(c, notification), c->badge ? c->badge : 1);
            ctx_set_status(&current->ctx, PX_OK);
        }
        break;
    case PX_SYS_WAIT:
    case PX_SYS_POLL:
        if ((st = cap_lookup(CAPS, ARG(0), PX_OBJ_NOTIFICATION, PX_R_READ, &c)) == PX_OK)
            ntfn_wait(OBJ(c, notification), nr == PX_SYS_WAIT);
        break;
    default:
        return false;
    }
    if (st != PX_OK)
        ctx_set_status(&current->ctx, st);
    return true;
}

static int sys_memory(uint64_t nr)
{
    struct cap *c;
    struct kobj *o;
    int st;

    LOOKUP(ARG(0), PX_OBJ_MEMORY, PX_R_MANAGE, c);
    if ((st = check_empty_slot(ARG(1))) != PX_OK)
        return st;
    if (ARG(2) == 0 || ARG(2) > OBJ(c, memory)->pages - OBJ(c, memory)->used)
        return PX_ERR_NOMEM;
    if (nr == PX_SYS_MEMORY_SPLIT) {
        struct memory *m = memory_create(OBJ(c, memory), ARG(2), current->task);
        o = m ? &m->obj : NULL;
    } else {
        struct frame *f = frame_create(OBJ(c, memory), ARG(2), current->task);
        o = f ? &f->obj : NULL;
    }
    return o ? install_new(ARG(1), o) : PX_ERR_NOMEM;
}

static int sys_frame_info(void)
{
    struct cap *c;

    LOOKUP(ARG(0), PX_OBJ_FRAME, 0, c);
    RESULT(0) = OBJ(c, frame)->pa;
    RESULT(1) = OBJ(c, frame)->pages;
    return PX_OK;
}

static int sys_map_batch(void)
{
    struct cap *tc;
    uint64_t ops = ARG(1), count = ARG(2);
    struct task *t;

    LOOKUP(ARG(0), PX_OBJ_TASK, PX_R_MANAGE, tc);
    t = OBJ(tc, task);
    RESULT(0) = 0;
    if (count > PX_MAP_BATCH_MAX)
        return PX_ERR_INVAL;
    if (!arch_user_access_ok(ops, count * sizeof(struct px_map_op), false))
        return PX_ERR_FAULT;
    /*
     * Each operation is read after those before it took effect: one may unmap the rest of the batch,
     * when the batch maps into the caller's own task. Into another task, nothing it does can change the
     * caller's mappings, and the check above holds for the whole batch. Into its own, a check (a page
     * walk) covers the batch up to the end of the operation's page and holds until the batch applies
     * something (b.done moves): a run of folded one-page maps, which applies nothing until it ends, is
     * checked a page of operations at a time.
     */
    struct vm_batch b = {.task = t, .caps = CAPS};
    uint64_t end = ops + count * sizeof(struct px_map_op), ok_from = ops, ok_to = end, ok_done = 0;
    bool self = t == current->task;
    int st = PX_OK;
    for (uint64_t i = 0; i < count && st == PX_OK; i++) {
        struct px_map_op op;
        uint64_t at = ops + i * sizeof(op);
        if ((self && b.done != ok_done) || at < ok_from || at + sizeof(op) > ok_to) {
            uint64_t to = ALIGN_UP(at + sizeof(op), PAGE_SIZE);
            to = to < end ? to : end;
            if (!arch_user_access_ok(at, to - at, false)) {
                /* an earlier operation unmapped the rest of the batch: what came before it stays done */
                st = vm_batch_finish(&b);
                RESULT(0) = b.done;
                return st == PX_OK ? PX_ERR_FAULT : st;
            }
            ok_from = at, ok_to = to, ok_done = b.done;
        }
        arch_copy_from_user_checked(&op, at, sizeof(op));
        st = vm_batch_add(&b, &op);
    }
    if (st == PX_OK)
        st = vm_batch_finish(&b);
    RESULT(0) = b.done;
    return st;
}

static int sys_timer(uint64_t nr)
{
    struct cap *c;
    struct timer *t;
    int st;

    if (nr == PX_SYS_TIMER_SET) {
        LOOKUP(ARG(0), PX_OBJ_TIMER, PX_R_MANAGE, c);
        timer_set(OBJ(c, timer), ARG(1), ARG(2));
        return PX_OK;
    }
    if ((st = check_empty_slot(ARG(0))) != PX_OK)
        return st;
    LOOKUP(ARG(1), PX_OBJ_NOTIFICATION, PX_R_WRITE, c);
    if (!(t = timer_create(OBJ(c, notification), ARG(2), current->task)))
        return PX_ERR_NOMEM;
    return install_new(ARG(0), &t->obj);
}

static int sys_task_set_fault_ntfn(void)
{
    struct cap *tc, *nc = NULL;
    struct task *t;

    LOOKUP(ARG(0), PX_OBJ_TASK, PX_R_MANAGE, tc);
    if (ARG(1) != PX_CAP_NULL)
        LOOKUP(ARG(1), PX_OBJ_NOTIFICATION, PX_R_WRITE, nc);
    t = OBJ(tc, task);
    if (t->fault_ntfn)
        kobj_put(&t->fault_ntfn->obj);
    t->fault_ntfn = nc ? OBJ(nc, notification) : NULL;
    t->fault_bits = nc && nc->badge ? nc->badge : 1;
    if (nc)
        kobj_get(nc->obj);
    return PX_OK;
}

/* Works on a destroyed task too: the supervisor asks after the fact. */
static int sys_task_status(void)
{
    struct cap *c;
    int st = cap_lookup(CAPS, ARG(0), PX_OBJ_TASK, PX_R_MANAGE, &c);
    struct task *t;

    if (st == PX_ERR_REVOKED && CAPS->slots[ARG(0)].obj->type == PX_OBJ_TASK &&
        (CAPS->slots[ARG(0)].rights & PX_R_MANAGE))
        c = &CAPS->slots[ARG(0)];
    else if (st != PX_OK)
        return st;
    t = OBJ(c, task);
    RESULT(0) = t->status;
    RESULT(1) = (uint64_t)t->status_value;
    RESULT(2) = t->status_addr;
    return PX_OK;
}

static int sys_irq(uint64_t nr)
{
    struct cap *c, *nc;
    struct irq *irq;
    int st;

    if (nr == PX_SYS_IRQ_CREATE) {
        LOOKUP(ARG(0), PX_OBJ_IRQ_CONTROL, PX_R_MANAGE, c);
        if ((st = check_empty_slot(ARG(1))) != PX_OK)
            return st;
        if (!(irq = irq_create((unsigned)MIN(ARG(2), 1000u), (unsigned)ARG(3), current->task, &st)))
            return st;
        return install_new(ARG(1), &irq->obj);
    }
    LOOKUP(ARG(0), PX_OBJ_IRQ, PX_R_MANAGE, c);
    if (nr == PX_SYS_IRQ_ACK) {
        irq_ack(OBJ(c, irq));
        return PX_OK;
    }
    LOOKUP(ARG(1), PX_OBJ_NOTIFICATION, PX_R_WRITE, nc);
    irq_bind(OBJ(c, irq), OBJ(nc, notification), ARG(2));
    return PX_OK;
}

static int sys_ioport(uint64_t nr)
{
    uint32_t right = nr == PX_SYS_IOPORT_IN ? PX_R_READ : nr == PX_SYS_IOPORT_OUT ? PX_R_WRITE : PX_R_MANAGE;
    uint64_t port = ARG(1 + (nr == PX_SYS_IOPORT_SPLIT)), width = ARG(2 + (nr == PX_SYS_IOPORT_SPLIT));
    struct ioport *io, *sub;
    struct cap *c;
    int st;

    LOOKUP(ARG(0), PX_OBJ_IOPORT, right, c);
    io = OBJ(c, ioport);
    if (nr == PX_SYS_IOPORT_SPLIT) { /* (ioport, dst, base, count) */
        if ((st = check_empty_slot(ARG(1))) != PX_OK)
            return st;
        if (width == 0 || port < io->base || port >= io->base + io->count ||
            width > io->base + io->count - port)
            return PX_ERR_INVAL;
        if (!(sub = kobj_alloc(PX_OBJ_IOPORT, &current->task->quota, &current->task->obj)))
            return PX_ERR_NOMEM;
        sub->base = (uint32_t)port;
        sub->count = (uint32_t)width;
        return install_new(ARG(1), &sub->obj);
    }
    if (width != 1 && width != 2 && width != 4)
        return PX_ERR_INVAL;
    if (port < io->base || port + width > io->base + io->count)
        return PX_ERR_RIGHTS; /* the cap does not cover these ports */
    if (nr == PX_SYS_IOPORT_IN)
        RESULT(0) = arch_port_in((uint16_t)port, (unsigned)width);
    else
        arch_port_out((uint16_t)port, (unsigned)width, (uint32_t)ARG(3));
    return PX_OK;
}

static int sys_frame_create_device(void)
{
    struct cap *c;
    struct frame *f;
    int st;

    LOOKUP(ARG(0), PX_OBJ_MMIO, PX_R_MANAGE, c);
    if ((st = check_empty_slot(ARG(1))) != PX_OK)
        return st;
    if (!device_range_ok(ARG(2), ARG(3)))
        return PX_ERR_INVAL;
    if (!(f = frame_wrap(ARG(2), ARG(3), current->task)))
        return PX_ERR_NOMEM;
    f->device = true;
    return install_new(ARG(1), &f->obj);
}

static int sys_klog_attach(void)
{
    struct cap *c, *fc, *nc;

    LOOKUP(ARG(0), PX_OBJ_DEBUG, PX_R_WRITE, c);
    LOOKUP(ARG(1), PX_OBJ_FRAME, PX_R_READ | PX_R_WRITE, fc);
    LOOKUP(ARG(2), PX_OBJ_NOTIFICATION, PX_R_WRITE, nc);
    if (OBJ(fc, frame)->device)
        return PX_ERR_INVAL;
    klog_attach(OBJ(fc, frame), OBJ(nc, notification), nc->badge);
    return PX_OK;
}

/* The fast paths' switch and counters (ipc.c, and the leaf calls' entry), for the tests that run
 * scenarios both ways. */
static int sys_debug_fastpath(void)
{
    struct cap *c;

    LOOKUP(ARG(0), PX_OBJ_DEBUG, PX_R_WRITE, c);
    if (ARG(1) > 2)
        return PX_ERR_INVAL;
    if (ARG(1))
        ipc_fastpath_enabled = ARG(1) == 1;
    RESULT(0) = ipc_fastpath_hits;
    RESULT(1) = ipc_fastpath_enabled;
    RESULT(2) = syscall_leaf_hits;
    return PX_OK;
}

static int sys_debug_write(void)
{
    struct cap *c;
    uint64_t buf = ARG(1), len = ARG(2);

    LOOKUP(ARG(0), PX_OBJ_DEBUG, PX_R_WRITE, c);
    if (len > DEBUG_WRITE_MAX)
        return PX_ERR_INVAL;
    if (!arch_user_access_ok(buf, len, false))
        return PX_ERR_FAULT;
    for (uint64_t done = 0; done < len;) {
        char chunk[256];
        uint64_t n = MIN(len - done, sizeof(chunk));
        kassert(arch_copy_from_user(chunk, buf + done, n)); /* checked whole above */
        arch_console_write(chunk, n);
        done += n;
    }
    RESULT(0) = len;
    return PX_OK;
}

/* Only a debug cap with MANAGE (the root task's; libos_spawn passes WRITE only) may run the self-check. */
static int sys_debug_check(void)
{
    struct cap *c;
    struct kcheck_result r;

    LOOKUP(ARG(0), PX_OBJ_DEBUG, PX_R_MANAGE, c);
    kcheck_run(&r);
    RESULT(0) = r.violations;
    RESULT(1) = r.free_pages;
    RESULT(2) = r.objects;
    RESULT(3) = r.untracked_pages;
    return PX_OK;
}

static int sys_debug_task_use(void)
{
    struct cap *c, *tc;

    LOOKUP(ARG(0), PX_OBJ_DEBUG, PX_R_MANAGE, c);
    LOOKUP(ARG(1), PX_OBJ_TASK, 0, tc);
    kcheck_task_use(OBJ(tc, task), &RESULT(0), &RESULT(1));
    return PX_OK;
}

static int dispatch(uint64_t nr)
{
    switch (nr) {
    case PX_SYS_ABI_VERSION:
        RESULT(0) = PX_ABI_VERSION;
        return PX_OK;
    case PX_SYS_ASPACE_SWITCHES:
        RESULT(0) = mmu_cr3_loads();
        return PX_OK;
    case PX_SYS_TASK_EXIT:
        task_exit_current((int64_t)ARG(0));
        return PX_OK;
    case PX_SYS_CAP_COPY:
        return cap_copy(CAPS, ARG(0), CAPS, ARG(1), (uint32_t)ARG(2));
    case PX_SYS_CAP_MINT:
        return cap_mint(CAPS, ARG(0), ARG(1), (uint32_t)ARG(2), ARG(3));
    case PX_SYS_CAP_DELETE:
        return cap_delete(CAPS, ARG(0));
    case PX_SYS_CAP_IDENTIFY:
        return sys_cap_identify();
    case PX_SYS_OBJ_DESTROY:
        return sys_obj_destroy();
    case PX_SYS_CAP_TABLE_GROW:
        return sys_cap_table_grow();
    case PX_SYS_TASK_CREATE:
        return sys_task_create();
    case PX_SYS_TASK_QUOTA_GIVE:
    case PX_SYS_TASK_QUOTA_TAKE:
    case PX_SYS_TASK_QUOTA_INFO:
        return sys_task_quota(nr);
    case PX_SYS_TASK_CAP_INSERT:
        return sys_task_cap_insert();
    case PX_SYS_THREAD_CREATE:
        return sys_thread_create();
    case PX_SYS_THREAD_WRITE_REGS:
        return sys_thread_regs(true);
    case PX_SYS_THREAD_READ_REGS:
        return sys_thread_regs(false);
    case PX_SYS_THREAD_READ_FPU:
        return sys_thread_fpu(false);
    case PX_SYS_THREAD_WRITE_FPU:
        return sys_thread_fpu(true);
    case PX_SYS_THREAD_CPU_TIME: {
        struct cap *c;
        LOOKUP(ARG(0), PX_OBJ_THREAD, PX_R_MANAGE, c);
        RESULT(0) = thread_cpu_ns(OBJ(c, thread));
        return PX_OK;
    }
    case PX_SYS_THREAD_RESUME:
        return sys_thread_resume(true);
    case PX_SYS_THREAD_SUSPEND:
        return sys_thread_resume(false);
    case PX_SYS_THREAD_SET_SCHED:
        return sys_thread_set_sched();
    case PX_SYS_THREAD_SET_HANDLER:
        return sys_thread_set_handler();
    case PX_SYS_THREAD_SET_IPC_BUF:
        return sys_thread_set_ipc_buf();
    case PX_SYS_THREAD_YIELD:
        sched_yield();
        return PX_OK;
    case PX_SYS_THREAD_EXIT:
        thread_exit_current();
        return PX_OK;
    case PX_SYS_THREAD_BIND:
        return sys_thread_bind();
    case PX_SYS_THREAD_SET_TLS:
        return sys_thread_set_tls();
    case PX_SYS_ENDPOINT_CREATE:
        return sys_create_simple(PX_OBJ_ENDPOINT);
    case PX_SYS_NOTIFICATION_CREATE:
        return sys_create_simple(PX_OBJ_NOTIFICATION);
    case PX_SYS_MEMORY_SPLIT:
    case PX_SYS_FRAME_CREATE:
        return sys_memory(nr);
    case PX_SYS_FRAME_INFO:
        return sys_frame_info();
    case PX_SYS_MAP_BATCH:
        return sys_map_batch();
    case PX_SYS_TIMER_CREATE:
    case PX_SYS_TIMER_SET:
        return sys_timer(nr);
    case PX_SYS_TASK_SET_FAULT_NTFN:
        return sys_task_set_fault_ntfn();
    case PX_SYS_TASK_STATUS:
        return sys_task_status();
    case PX_SYS_FRAME_CREATE_DEVICE:
        return sys_frame_create_device();
    case PX_SYS_IRQ_CREATE:
    case PX_SYS_IRQ_BIND:
    case PX_SYS_IRQ_ACK:
        return sys_irq(nr);
    case PX_SYS_IOPORT_SPLIT:
    case PX_SYS_IOPORT_IN:
    case PX_SYS_IOPORT_OUT:
        return sys_ioport(nr);
    case PX_SYS_DEBUG_WRITE:
        return sys_debug_write();
    case PX_SYS_DEBUG_FASTPATH:
        return sys_debug_fastpath();
    case PX_SYS_KLOG_ATTACH:
        return sys_klog_attach();
    case PX_SYS_DEBUG_CHECK:
        return sys_debug_check();
    case PX_SYS_DEBUG_TASK_USE:
        return sys_debug_task_use();
    default:
        return PX_ERR_NOSYS;
    }
}

void syscall_dispatch(void)
{
    uint64_t nr = ctx_syscall_nr(&current->ctx);

    if (current->flags & PX_THREAD_FOREIGN_ABI) {
        ipc_exception(PX_EXC_FOREIGN_SYSCALL, nr, 0, 0);
        return;
    }
    if (sys_ipc(nr))
        return;
    ctx_set_status(&current->ctx, dispatch(nr));
}
