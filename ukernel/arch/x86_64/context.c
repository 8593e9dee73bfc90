/*
 * Thread state on x86_64: initial user registers, conversion to and from the ABI's struct px_regs, and
 * the switch between threads (address space, FPU/SSE state, TLS bases, the kernel entry stack).
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/memlayout.h>
#include <arch/mmu.h>
#include <core/kernel.h>
#include <core/string.h>
#include <core/syscall.h>
#include <core/task.h>
#include <core/vm.h>
#include <stddef.h>

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define RFLAGS_FIXED 0x202 /* IF, and the reserved bit 1 */

_Static_assert(offsetof(struct thread, ctx) == 0, "the trap frame must start the thread: TSS.rsp0");
_Static_assert(offsetof(struct arch_context, frame) == 0, "see above");
_Static_assert(sizeof(struct px_regs) == PX_REGS_WORDS * 8, "struct px_regs has no padding");

void ctx_init_user(struct arch_context *c)
{
    c->frame.cs = GDT_USER_CS | 3;
    c->frame.ss = GDT_USER_DS | 3;
    c->frame.rflags = RFLAGS_FIXED;
    /* FPU reset state: FCW 0x37f, MXCSR 0x1f80 (fxsave layout: FCW at 0, MXCSR at 24). */
    c->fpu[0] = 0x7f, c->fpu[1] = 0x03;
    c->fpu[24] = 0x80, c->fpu[25] = 0x1f;
}

uint32_t arch_mxcsr_mask = 0xffbf;

void ctx_get_fpu(const struct arch_context *c, struct px_fpu_state *f)
{
    memcpy(f->fxsave, c->fpu, sizeof(f->fxsave));
    memcpy(f->fxsave + 28, &arch_mxcsr_mask, 4);
}

bool ctx_set_fpu(struct arch_context *c, const struct px_fpu_state *f)
{
    uint32_t mxcsr;

    memcpy(&mxcsr, f->fxsave + 24, 4);
    if (mxcsr & ~arch_mxcsr_mask)
        return false; /* FXRSTOR would fault (#GP) on it at the thread's next switch in */
    memcpy(c->fpu, f->fxsave, sizeof(c->fpu));
    return true;
}

void ctx_get_regs(const struct arch_context *c, struct px_regs *r)
{
    const struct trap_frame *f = &c->frame;

    *r = (struct px_regs){f->rip, f->rsp, f->rflags, f->rax, f->rbx,     f->rcx,    f->rdx,
                          f->rsi, f->rdi, f->rbp,    f->r8,  f->r9,      f->r10,    f->r11,
                          f->r12, f->r13, f->r14,    f->r15, c->fs_base, c->gs_base};
}

static uint64_t canonical_user(uint64_t va) { return va < USER_TOP ? va : 0; }

/* Anything a thread may hold: segments stay user, IF stays set, IOPL stays 0, addresses stay user. */
void ctx_set_regs(struct arch_context *c, const struct px_regs *r)
{
    struct trap_frame *f = &c->frame;

    f->rip = canonical_user(r->rip);
    f->rsp = canonical_user(r->rsp);
    f->rflags = (r->rflags & PX_RFLAGS_USER) | RFLAGS_FIXED;
    f->rax = r->rax, f->rbx = r->rbx, f->rcx = r->rcx, f->rdx = r->rdx;
    f->rsi = r->rsi, f->rdi = r->rdi, f->rbp = r->rbp;
    f->r8 = r->r8, f->r9 = r->r9, f->r10 = r->r10, f->r11 = r->r11;
    f->r12 = r->r12, f->r13 = r->r13, f->r14 = r->r14, f->r15 = r->r15;
    f->cs = GDT_USER_CS | 3;
    f->ss = GDT_USER_DS | 3;
    c->fs_base = canonical_user(r->fs_base);
    c->gs_base = canonical_user(r->gs_base);
}

void arch_thread_set_tls(struct thread *t, uint64_t fs_base, uint64_t gs_base)
{
    t->ctx.fs_base = fs_base;
    t->ctx.gs_base = gs_base;
    if (t == current) {
        wrmsr(MSR_FS_BASE, fs_base);
        wrmsr(MSR_GS_BASE, gs_base);
    }
}

void arch_thread_switch(struct thread *prev, struct thread *next)
{
    if (prev && !prev->obj.dead)
        __asm__ volatile("fxsave64 %0" : "=m"(prev->ctx.fpu));
    __asm__ volatile("fxrstor64 %0" ::"m"(next->ctx.fpu));
    arch_activate(next->task->as);
    if (!prev || prev->ctx.fs_base != next->ctx.fs_base)
        wrmsr(MSR_FS_BASE, next->ctx.fs_base);
    if (!prev || prev->ctx.gs_base != next->ctx.gs_base)
        wrmsr(MSR_GS_BASE, next->ctx.gs_base);
    cpu_tss.rsp[0] = (uint64_t)(&next->ctx.frame + 1);
}

