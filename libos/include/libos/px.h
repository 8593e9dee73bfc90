/*
 * Thin C wrappers for the Proteus system calls (abi/proteus/syscall.h, docs/abi.md): one inline function
 * per call. Each returns the call's status (PX_OK or PX_ERR_*) and stores results through pointers.
 */
#ifndef LIBOS_PX_H
#define LIBOS_PX_H

#include <proteus/abi.h>
#include <proteus/caps.h>
#include <proteus/device.h>
#include <proteus/exception.h>
#include <proteus/ipc.h>
#include <proteus/memory.h>
#include <proteus/regs.h>
#include <proteus/status.h>
#include <proteus/syscall.h>
#include <proteus/thread.h>
#include <stdint.h>

/* Everything a call can return: the status, results/MR0..MR3, and for IPC the info word and badge. */
struct px_ret {
    int64_t status;
    uint64_t r[4];
    uint64_t info;
    uint64_t badge;
};

static inline struct px_ret px_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                       uint64_t a4, uint64_t a5)
{
    register uint64_t rax __asm__("rax") = nr;
    register uint64_t rdi __asm__("rdi") = a0;
    register uint64_t rsi __asm__("rsi") = a1;
    register uint64_t rdx __asm__("rdx") = a2;
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;

    __asm__ volatile("syscall"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return (struct px_ret){(int64_t)rax, {rdx, r10, r8, r9}, rsi, rdi};
}

#define PX0(nr) px_syscall(nr, 0, 0, 0, 0, 0, 0).status
#define PX1(nr, a) px_syscall(nr, a, 0, 0, 0, 0, 0).status
#define PX2(nr, a, b) px_syscall(nr, a, b, 0, 0, 0, 0).status
#define PX3(nr, a, b, c) px_syscall(nr, a, b, c, 0, 0, 0).status
#define PX4(nr, a, b, c, d) px_syscall(nr, a, b, c, d, 0, 0).status

/* No arguments and one result: only rax and rdx are named (every other register is preserved, abi.md),
 * so the cheapest call costs no argument set-up and no out-of-line px_syscall. */
static inline int64_t px_abi_version(uint64_t *v)
{
    uint64_t rax = PX_SYS_ABI_VERSION, rdx;

    __asm__ volatile("syscall" : "+a"(rax), "=d"(rdx) : : "rcx", "r11", "memory");
    *v = rdx;
    return (int64_t)rax;
}

static inline __attribute__((noreturn)) void px_task_exit(int64_t status)
{
    px_syscall(PX_SYS_TASK_EXIT, (uint64_t)status, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}

/* Capabilities. */
static inline int64_t px_cap_copy(uint32_t src, uint32_t dst, uint32_t rights)
{
    return PX3(PX_SYS_CAP_COPY, src, dst, rights);
}
static inline int64_t px_cap_mint(uint32_t src, uint32_t dst, uint32_t rights, uint64_t badge)
{
    return PX4(PX_SYS_CAP_MINT, src, dst, rights, badge);
}
static inline int64_t px_cap_delete(uint32_t slot) { return PX1(PX_SYS_CAP_DELETE, slot); }
static inline int64_t px_cap_identify(uint32_t slot, uint64_t *type, uint64_t *rights, uint64_t *badge)
{
    struct px_ret r = px_syscall(PX_SYS_CAP_IDENTIFY, slot, 0, 0, 0, 0, 0);
    *type = r.r[0], *rights = r.r[1], *badge = r.r[2];
    return r.status;
}
static inline int64_t px_obj_destroy(uint32_t slot) { return PX1(PX_SYS_OBJ_DESTROY, slot); }

/* Tasks and threads. */
static inline int64_t px_cap_table_grow(uint32_t task, uint64_t slots, uint64_t *size)
{
    struct px_ret r = px_syscall(PX_SYS_CAP_TABLE_GROW, task, slots, 0, 0, 0, 0);
    if (size)
        *size = r.r[0];
    return r.status;
}
static inline int64_t px_task_quota_give(uint32_t task, uint64_t bytes)
{
    return PX2(PX_SYS_TASK_QUOTA_GIVE, task, bytes);
}
static inline int64_t px_task_quota_take(uint32_t task, uint64_t bytes, uint64_t *taken)
{
    struct px_ret r = px_syscall(PX_SYS_TASK_QUOTA_TAKE, task, bytes, 0, 0, 0, 0);
    if (taken)
        *taken = r.r[0];
    return r.status;
}
static inline int64_t px_task_quota_info(uint32_t task, uint64_t *limit, uint64_t *used)
{
    struct px_ret r = px_syscall(PX_SYS_TASK_QUOTA_INFO, task, 0, 0, 0, 0, 0);
    *limit = r.r[0], *used = r.r[1];
    return r.status;
}
static inline int64_t px_task_create(uint32_t memory, uint32_t dst, uint64_t quota)
{
    return PX3(PX_SYS_TASK_CREATE, memory, dst, quota);
}
/* The same with a cap table of at least `slots` slots at first (a task that needs few saves memory). */
static inline int64_t px_task_create_slots(uint32_t memory, uint32_t dst, uint64_t quota, uint32_t slots)
{
    return PX4(PX_SYS_TASK_CREATE, memory, dst, quota, slots);
}
static inline int64_t px_task_cap_insert(uint32_t task, uint32_t src, uint32_t dst, uint32_t rights)
{
    return PX4(PX_SYS_TASK_CAP_INSERT, task, src, dst, rights);
}
static inline int64_t px_task_set_fault_ntfn(uint32_t task, uint32_t ntfn)
{
    return PX2(PX_SYS_TASK_SET_FAULT_NTFN, task, ntfn);
}
static inline int64_t px_task_status(uint32_t task, uint64_t *state, int64_t *value, uint64_t *addr)
{
    struct px_ret r = px_syscall(PX_SYS_TASK_STATUS, task, 0, 0, 0, 0, 0);
    *state = r.r[0], *value = (int64_t)r.r[1], *addr = r.r[2];
    return r.status;
}
static inline int64_t px_thread_create(uint32_t task, uint32_t dst)
{
    return PX2(PX_SYS_THREAD_CREATE, task, dst);
}
static inline int64_t px_thread_write_regs(uint32_t th, const struct px_regs *r)
{
    return PX2(PX_SYS_THREAD_WRITE_REGS, th, (uint64_t)(uintptr_t)r);
}
static inline int64_t px_thread_read_regs(uint32_t th, struct px_regs *r)
{
    return PX2(PX_SYS_THREAD_READ_REGS, th, (uint64_t)(uintptr_t)r);
}
static inline int64_t px_thread_read_fpu(uint32_t th, struct px_fpu_state *f)
{
    return PX2(PX_SYS_THREAD_READ_FPU, th, (uint64_t)(uintptr_t)f);
}
static inline int64_t px_thread_write_fpu(uint32_t th, const struct px_fpu_state *f)
{
    return PX2(PX_SYS_THREAD_WRITE_FPU, th, (uint64_t)(uintptr_t)f);
}
static inline int64_t px_thread_cpu_time(uint32_t th, uint64_t *ns)
{
    struct px_ret r = px_syscall(PX_SYS_THREAD_CPU_TIME, th, 0, 0, 0, 0, 0);
    *ns = r.r[0];
    return r.status;
}
static inline uint64_t px_aspace_switches(void)
{
    return px_syscall(PX_SYS_ASPACE_SWITCHES, 0, 0, 0, 0, 0, 0).r[0];
}
static inline int64_t px_thread_resume(uint32_t th) { return PX1(PX_SYS_THREAD_RESUME, th); }
static inline int64_t px_thread_suspend(uint32_t th) { return PX1(PX_SYS_THREAD_SUSPEND, th); }
static inline int64_t px_thread_set_sched(uint32_t th, unsigned prio, uint32_t slice_us)
{
    return PX3(PX_SYS_THREAD_SET_SCHED, th, prio, slice_us);
}
static inline int64_t px_thread_set_handler(uint32_t th, uint32_t ep, uint32_t flags)
{
    return PX3(PX_SYS_THREAD_SET_HANDLER, th, ep, flags);
}
static inline int64_t px_thread_set_ipc_buf(uint32_t th, uint32_t frame, uint64_t page)
{
    return PX3(PX_SYS_THREAD_SET_IPC_BUF, th, frame, page);
}
static inline int64_t px_thread_yield(void) { return PX0(PX_SYS_THREAD_YIELD); }
static inline __attribute__((noreturn)) void px_thread_exit(void)
{
    px_syscall(PX_SYS_THREAD_EXIT, 0, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}
static inline int64_t px_thread_bind(uint32_t th, uint32_t ntfn) { return PX2(PX_SYS_THREAD_BIND, th, ntfn); }
static inline int64_t px_thread_set_tls(uint32_t th, uint64_t fs, uint64_t gs)
{
    return PX3(PX_SYS_THREAD_SET_TLS, th, fs, gs);
}

/* IPC: a message is an info word (PX_MSGINFO), MR0..MR3 and, for longer ones, the IPC buffer. */
struct px_msg {
    uint64_t info;
    uint64_t badge; /* out */
    uint64_t mr[4];
};

static inline int64_t px_ipc(uint64_t nr, uint32_t ep, struct px_msg *m)
{
    struct px_ret r = nr == PX_SYS_RECV ? px_syscall(nr, ep, 0, 0, 0, 0, 0)
                                        : px_syscall(nr, ep, m->info, m->mr[0], m->mr[1], m->mr[2], m->mr[3]);
    if (nr != PX_SYS_SEND && nr != PX_SYS_REPLY && r.status == PX_OK) {
        m->info = r.info, m->badge = r.badge;
        for (int i = 0; i < 4; i++)
            m->mr[i] = r.r[i];
    }
    return r.status;
}

static inline int64_t px_endpoint_create(uint32_t dst) { return PX1(PX_SYS_ENDPOINT_CREATE, dst); }
static inline int64_t px_notification_create(uint32_t dst) { return PX1(PX_SYS_NOTIFICATION_CREATE, dst); }
static inline int64_t px_send(uint32_t ep, struct px_msg *m) { return px_ipc(PX_SYS_SEND, ep, m); }
static inline int64_t px_call(uint32_t ep, struct px_msg *m) { return px_ipc(PX_SYS_CALL, ep, m); }
static inline int64_t px_recv(uint32_t ep, struct px_msg *m) { return px_ipc(PX_SYS_RECV, ep, m); }
static inline int64_t px_reply(struct px_msg *m) { return px_ipc(PX_SYS_REPLY, 0, m); }
static inline int64_t px_reply_recv(uint32_t ep, struct px_msg *m)
{
    return px_ipc(PX_SYS_REPLY_RECV, ep, m);
}
static inline int64_t px_signal(uint32_t n) { return PX1(PX_SYS_SIGNAL, n); }
static inline int64_t px_wait(uint32_t n, uint64_t *bits)
{
    struct px_ret r = px_syscall(PX_SYS_WAIT, n, 0, 0, 0, 0, 0);
    *bits = r.r[0];
    return r.status;
}
static inline int64_t px_poll(uint32_t n, uint64_t *bits)
{
    struct px_ret r = px_syscall(PX_SYS_POLL, n, 0, 0, 0, 0, 0);
    *bits = r.r[0];
    return r.status;
}

/* Memory. */
static inline int64_t px_memory_split(uint32_t mem, uint32_t dst, uint64_t pages)
{
    return PX3(PX_SYS_MEMORY_SPLIT, mem, dst, pages);
}
static inline int64_t px_frame_create(uint32_t mem, uint32_t dst, uint64_t pages)
{
    return PX3(PX_SYS_FRAME_CREATE, mem, dst, pages);
}
static inline int64_t px_frame_info(uint32_t frame, uint64_t *pa, uint64_t *pages)
{
    struct px_ret r = px_syscall(PX_SYS_FRAME_INFO, frame, 0, 0, 0, 0, 0);
    *pa = r.r[0], *pages = r.r[1];
    return r.status;
}
static inline int64_t px_map_batch(uint32_t task, const struct px_map_op *ops, uint64_t n, uint64_t *done)
{
    struct px_ret r = px_syscall(PX_SYS_MAP_BATCH, task, (uint64_t)(uintptr_t)ops, n, 0, 0, 0);
    if (done)
        *done = r.r[0];
    return r.status;
}

static inline int64_t px_frame_create_device(uint32_t mmio, uint32_t dst, uint64_t pa, uint64_t pages)
{
    return PX4(PX_SYS_FRAME_CREATE_DEVICE, mmio, dst, pa, pages);
}

/* Devices. */
static inline int64_t px_irq_create(uint32_t ctl, uint32_t dst, unsigned line, unsigned flags)
{
    return PX4(PX_SYS_IRQ_CREATE, ctl, dst, line, flags);
}
static inline int64_t px_irq_bind(uint32_t irq, uint32_t ntfn, uint64_t bits)
{
    return PX3(PX_SYS_IRQ_BIND, irq, ntfn, bits);
}
static inline int64_t px_irq_ack(uint32_t irq) { return PX1(PX_SYS_IRQ_ACK, irq); }
static inline int64_t px_ioport_split(uint32_t io, uint32_t dst, uint32_t base, uint32_t count)
{
    return PX4(PX_SYS_IOPORT_SPLIT, io, dst, base, count);
}
static inline int64_t px_ioport_in(uint32_t io, uint16_t port, unsigned width, uint32_t *value)
{
    struct px_ret r = px_syscall(PX_SYS_IOPORT_IN, io, port, width, 0, 0, 0);
    *value = (uint32_t)r.r[0];
    return r.status;
}
static inline int64_t px_ioport_out(uint32_t io, uint16_t port, unsigned width, uint32_t value)
{
    return PX4(PX_SYS_IOPORT_OUT, io, port, width, value);
}

/* Time. */
static inline int64_t px_timer_create(uint32_t dst, uint32_t ntfn, uint64_t bits)
{
    return PX3(PX_SYS_TIMER_CREATE, dst, ntfn, bits);
}
static inline int64_t px_timer_set(uint32_t t, uint64_t deadline_ns, uint64_t period_ns)
{
    return PX3(PX_SYS_TIMER_SET, t, deadline_ns, period_ns);
}

/* Debugging. */
/* The kernel's IPC fast path: mode 0 keeps it, 1 turns it on, 2 off; *hits = calls it has taken. */
static inline int64_t px_debug_fastpath(uint32_t debug, uint64_t mode, uint64_t *hits, uint64_t *on)
{
    struct px_ret r = px_syscall(PX_SYS_DEBUG_FASTPATH, debug, mode, 0, 0, 0, 0);
    if (hits)
        *hits = r.r[0];
    if (on)
        *on = r.r[1];
    return r.status;
}
static inline int64_t px_debug_write(uint32_t cap, const void *buf, uint64_t len, uint64_t *written)
{
    struct px_ret r = px_syscall(PX_SYS_DEBUG_WRITE, cap, (uint64_t)(uintptr_t)buf, len, 0, 0, 0);
    if (written)
        *written = r.r[0];
    return r.status;
}

static inline int64_t px_klog_attach(uint32_t debug, uint32_t frame, uint32_t ntfn)
{
    return PX3(PX_SYS_KLOG_ATTACH, debug, frame, ntfn);
}

#endif
