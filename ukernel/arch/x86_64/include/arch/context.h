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

/* A switch, not a table: with i known where it is inlined (nearly everywhere) it is one load. */
static inline uint64_t ctx_arg(const struct arch_context *c, unsigned i)
{
    switch (i) {
    case 0: return c->frame.rdi;
    case 1: return c->frame.rsi;
    case 2: return c->frame.rdx;
    case 3: return c->frame.r10;
    case 4: return c->frame.r8;
    default: return c->frame.r9;
    }
}

static inline void ctx_set_status(struct arch_context *c, int64_t status) { c->frame.rax = (uint64_t)status; }

/* Results 0..3 of a call: rdx, r10, r8, r9 (the same registers as MR0..MR3). */
static inline uint64_t *ctx_mr(struct arch_context *c, unsigned i)
{
    switch (i) {
    case 0: return &c->frame.rdx;
    case 1: return &c->frame.r10;
    case 2: return &c->frame.r8;
    default: return &c->frame.r9;
    }
}

/* MR0..MR3 of src into dst's. */
static inline void ctx_copy_mrs(struct arch_context *dst, const struct arch_context *src)
{
    dst->frame.rdx = src->frame.rdx;
    dst->frame.r10 = src->frame.r10;
    dst->frame.r8 = src->frame.r8;
    dst->frame.r9 = src->frame.r9;
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
