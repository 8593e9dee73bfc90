/*
 * Threads within this task. Each gets one frame: its stack, then a page holding its TLS block, then its
 * IPC buffer. The thread starts in a trampoline that calls fn(arg) and ends the thread when it returns.
 */
#include <libos/libos.h>

#define STACK_PAGES 16

static void __attribute__((noreturn)) trampoline(void (*fn)(void *), void *arg)
{
    fn(arg);
    px_thread_exit();
}

int64_t libos_thread_create(void (*fn)(void *), void *arg, unsigned prio, uint32_t handler, uint32_t flags,
                            struct libos_thread *out)
{
    uint32_t frame, th = libos_slot_alloc();
    uint8_t *mem = libos_map_new(STACK_PAGES + 2, &frame);
    struct libos_tls *tls;
    struct px_regs r = {0};
    int64_t st;

    if (!th || !mem)
        return PX_ERR_NOMEM;
    tls = (struct libos_tls *)(mem + STACK_PAGES * PX_PAGE_SIZE);
    tls->self = tls;
    tls->ipc_buffer = (struct px_ipc_buffer *)(mem + (STACK_PAGES + 1) * PX_PAGE_SIZE);
    tls->stack_guard = 0x9d3b5a7c1e2f4068ull ^ (uint64_t)(uintptr_t)tls;
    if ((st = px_thread_create(libos_bootinfo->cap_task, th)) != PX_OK)
        return st;
    r.rip = (uint64_t)(uintptr_t)trampoline;
    r.rsp = (uint64_t)(uintptr_t)(mem + STACK_PAGES * PX_PAGE_SIZE) - 8; /* as if called: rsp+8 aligned */
    r.rdi = (uint64_t)(uintptr_t)fn;
    r.rsi = (uint64_t)(uintptr_t)arg;
    r.fs_base = (uint64_t)(uintptr_t)tls;
    if ((st = px_thread_write_regs(th, &r)) != PX_OK ||
        (st = px_thread_set_ipc_buf(th, frame, STACK_PAGES + 1)) != PX_OK ||
        (st = px_thread_set_sched(th, prio, PX_TIMESLICE_DEFAULT_US)) != PX_OK ||
        (st = px_thread_set_handler(th, handler, flags)) != PX_OK || (st = px_thread_resume(th)) != PX_OK)
        return st;
    out->thread = th;
    out->frame = frame;
    return PX_OK;
}
