/*
 * Proteus ABI: a user thread's register state, as PX_SYS_THREAD_READ_REGS / WRITE_REGS and exception
 * messages carry it. Fixed layout, 8-byte fields, no padding.
 */
#ifndef PROTEUS_REGS_H
#define PROTEUS_REGS_H

#include <stdint.h>

struct px_regs {
    uint64_t rip, rsp, rflags;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t fs_base, gs_base;
};

#define PX_REGS_WORDS 20 /* sizeof(struct px_regs) / 8 */

/*
 * RFLAGS bits a thread may set; the kernel keeps IF set and IOPL 0 whatever is written. CF PF AF ZF SF
 * TF DF OF AC ID.
 */
#define PX_RFLAGS_USER 0x254dd5ull

/*
 * A thread's x87, MMX and SSE state, as PX_SYS_THREAD_READ_FPU / WRITE_FPU carry it: the 512-byte
 * FXSAVE image (Intel SDM vol. 1, 10.5.1): FCW at byte 0, MXCSR at 24, MXCSR_MASK at 28, ST0-7 from 32,
 * XMM0-15 from 160. A written MXCSR must have no bit outside MXCSR_MASK (as READ_FPU reports it).
 */
struct px_fpu_state {
    uint8_t fxsave[512];
};

#endif
