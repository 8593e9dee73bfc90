/*
 * The register frame every interrupt and exception entry builds on the kernel stack (isr.S), and the
 * vector numbers the kernel uses. The layout is shared with assembly: see the static asserts in trap.c.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_NM 7
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14
#define VEC_TIMER 32    /* LAPIC timer */
#define VEC_IRQ_BASE 48 /* device interrupts, for later */
#define VEC_SPURIOUS 255
/* syscall_leaf's status when it leaves a call to the general path (no PX status is this). */
#define SYSCALL_LEAF_DECLINED -1000
#define VEC_SYSCALL 256    /* not a hardware vector: marks frames built by syscall_entry */
#define NR_STUB_VECTORS 80 /* exceptions, the timer and 24 device lines from VEC_IRQ_BASE */
#define TRAP_FRAME_CS 144  /* offsetof(struct trap_frame, cs), for isr.S */
#define TRAP_FRAME_R11 32  /* ... r11, rcx, rip and rflags: the sysret check in isr.S */
#define TRAP_FRAME_RCX 96
#define TRAP_FRAME_RIP 136
#define TRAP_FRAME_RFLAGS 152

#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_FETCH (1u << 4)

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void idt_init(void);
struct trap_frame *trap_dispatch(struct trap_frame *f);
struct trap_frame *syscall_trap(struct trap_frame *f); /* syscall_entry's: no vector to decode */
__attribute__((noreturn)) void trap_return_to(struct trap_frame *f); /* isr.S: restore f and iretq */

/*
 * A kernel test can announce that the next exception of a vector is expected: the handler records it,
 * advances RIP by `skip` bytes and returns instead of panicking. Used to test the trap path itself.
 */
struct trap_expect {
    int vector;     /* -1: nothing expected */
    unsigned skip;  /* instruction length to step over */
    int hits;       /* how many times it was taken */
    uint64_t error; /* error code of the last hit */
};
extern struct trap_expect trap_expect;
#endif

#endif
