/*
 * Interrupt and exception entry stubs. Each stub makes the frame uniform (a zero error code where the CPU
 * pushes none, then the vector) and jumps to trap_common, which saves the general registers in the order
 * of struct trap_frame and calls trap_dispatch(frame).
 */
#include <arch/trap.h>

    .macro stub vec
    .balign 16
isr_\vec:
    /* The CPU pushes an error code for #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC and #SX. */
    .if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) \
        || (\vec == 29) || (\vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
    .endm

    .text
    .altmacro
    .set i, 0
    .rept NR_STUB_VECTORS
    stub %i
    .set i, i + 1
    .endr
    stub 255

/*
 * From user mode the CPU (or syscall_entry) put the frame at the end of the current thread's context
 * (TSS.rsp0), so the registers land there too; we then move to the kernel stack, and trap_dispatch
 * returns the frame of the thread to run next. From kernel mode (the idle loop) the frame is on the
 * kernel stack and we return to it.
 */
trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi
    testb $3, TRAP_FRAME_CS(%rsp)
    jz 1f
    movabs $boot_stack_top, %rsp
    call trap_dispatch
    mov %rax, %rsp
    jmp trap_restore
1:  call trap_dispatch
trap_restore:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                 /* vector and error code */
    iretq

    .globl trap_return_to
trap_return_to:
    mov %rdi, %rsp
    jmp trap_restore

    .globl trap_common
    /* isr_stub_table[v]: entry of vector v for v < NR_STUB_VECTORS; the spurious vector is separate. */
    .section .rodata
    .balign 8
    .globl isr_stub_table, isr_spurious
    .macro stubaddr vec
    .quad isr_\vec
    .endm
isr_stub_table:
    .set i, 0
    .rept NR_STUB_VECTORS
    stubaddr %i
    .set i, i + 1
    .endr
isr_spurious:
    .quad isr_255
