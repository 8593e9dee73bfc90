/*
 * Interrupt and exception entry stubs. Each stub makes the frame uniform (a zero error code where the CPU
 * pushes none, then the vector) and jumps to trap_common, which saves the general registers in the order
 * of struct trap_frame and calls trap_dispatch(frame).
 */
#include <arch/trap.h>

/* The general registers of a struct trap_frame, popped in the reverse of the order they were pushed. */
.macro POP_GPRS
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
.endm

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
    jmp user_return
1:  call trap_dispatch
trap_restore:
    POP_GPRS
    add $16, %rsp                 /* vector and error code */
    iretq

/*
 * Back to user mode with the frame at rsp: sysretq when it restores exactly what iretq would, else iretq.
 * sysretq takes RIP from rcx and RFLAGS from r11 and CS/SS from STAR (setup.c; GDT_USER_DS then
 * GDT_USER_CS, which gdt.h keeps in that order), and leaves RSP alone. So it is used only when
 *   - the frame's rcx equals its rip and its r11 its rflags: true of every frame syscall_entry built and
 *     nobody changed since (a call's results go to rax, rdi, rsi, rdx, r10, r8, r9); false, in general,
 *     after an interrupt, an exception, THREAD_WRITE_REGS, an exception's RESUME reply, or a syscall
 *     taken again (rip - 2), which all go by iretq and get their rcx and r11 back;
 *   - and rip is canonical and in the lower half (bits 47..63 clear). On Intel CPUs sysretq to a
 *     non-canonical rcx raises #GP in ring 0 after the user's RSP is already loaded (CVE-2012-0217): the
 *     fault would run on a user-chosen stack. iretq instead faults in user mode, where it belongs.
 * The other SYSRET pitfalls, and why they do not apply here: RFLAGS comes from r11 unchecked, but the
 * frame's rflags are either what the CPU saved from user mode or masked by ctx_set_regs (IF set, IOPL 0);
 * between loading the user RSP and sysretq the CPU is in ring 0 on a user stack, so IF stays clear (the
 * kernel runs with interrupts masked) and NMI and #DF have IST stacks of their own (trap.c), and the
 * kernel sets no hardware breakpoints that could raise #DB there; an entry from user mode by interrupt
 * leaves SS null (64-bit mode loads a null SS on a privilege change) and AMD's sysretq keeps that null
 * SS's hidden attributes, which only breaks 32-bit code that uses SS afterwards: Proteus runs none.
 */
    .globl user_return
user_return:
    mov TRAP_FRAME_RIP(%rsp), %rcx
    cmp %rcx, TRAP_FRAME_RCX(%rsp)
    jne trap_restore
    mov TRAP_FRAME_RFLAGS(%rsp), %r11
    cmp %r11, TRAP_FRAME_R11(%rsp)
    jne trap_restore
    shr $47, %rcx
    jnz trap_restore
    POP_GPRS
    mov 40(%rsp), %rsp            /* the frame's rsp: after vector, error, rip, cs, rflags */
    sysretq

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
