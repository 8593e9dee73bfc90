/*
 * A user thread's saved state on x86_64 and the accessors generic code uses on it: system call
 * arguments and results, message registers (ABI: rsi = info, rdx r10 r8 r9 = MR0..MR3, rdi = badge,
 * rax = status) and the ABI's struct px_regs. The trap frame is the first member of the thread so
 * that the CPU pushes it straight into the thread (TSS.rsp0 = end of the frame).
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <arch/gdt.h>
#include <arch/trap.h>
#include <proteus/regs.h>
#include <stdbool.h>
#include <stdint.h>

struct arch_context {
    struct trap_frame frame; /* must stay first: see thread.h */
    uint64_t fs_base, gs_base;
    uint8_t fpu[512] __attribute__((aligned(16))); /* fxsave image: saved at every switch away */
};

static inline uint64_t ctx_arg(const struct arch_context *c, unsigned i)
{
    const uint64_t a[6] = {c->frame.rdi, c->frame.rsi, c->frame.rdx, c->frame.r10, c->frame.r8, c->frame.r9};
    return a[i];
}

static inline void ctx_set_status(struct arch_context *c, int64_t status) { c->frame.rax = (uint64_t)status; }

/* Results 0..3 of a call: rdx, r10, r8, r9 (the same registers as MR0..MR3). */
static inline uint64_t *ctx_mr(struct arch_context *c, unsigned i)
{
    uint64_t *r[4] = {&c->frame.rdx, &c->frame.r10, &c->frame.r8, &c->frame.r9};
    return r[i];
}

static inline uint64_t *ctx_info(struct arch_context *c) { return &c->frame.rsi; }
static inline uint64_t *ctx_badge(struct arch_context *c) { return &c->frame.rdi; }
static inline uint64_t ctx_pc(const struct arch_context *c) { return c->frame.rip; }
/* Back onto the system call instruction just taken (syscall: 2 bytes), to take it again. */
static inline void ctx_retake_syscall(struct arch_context *c) { c->frame.rip -= 2; }
static inline uint64_t ctx_syscall_nr(const struct arch_context *c) { return c->frame.rax; }

void ctx_init_user(struct arch_context *c);
void ctx_get_regs(const struct arch_context *c, struct px_regs *r);
void ctx_set_regs(struct arch_context *c, const struct px_regs *r);
/* The FXSAVE image (struct px_fpu_state); a set fails (false) if MXCSR has bits the CPU reserves. */
void ctx_get_fpu(const struct arch_context *c, struct px_fpu_state *f);
bool ctx_set_fpu(struct arch_context *c, const struct px_fpu_state *f);
extern uint32_t arch_mxcsr_mask; /* MXCSR bits the CPU accepts (fpu_init) */

#endif
