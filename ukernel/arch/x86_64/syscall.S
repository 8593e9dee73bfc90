/*
 * The `syscall` entry from user mode, and the first entry into user mode.
 *
 * syscall leaves the user RIP in rcx and RFLAGS in r11, masks IF, DF, TF and AC (SFMASK) and does not
 * switch stacks, so the entry moves to the kernel stack itself and builds the same struct trap_frame as
 * an interrupt (vector VEC_SYSCALL) in the current thread, so that a syscall and a fault hand the same
 * register state to the kernel, and any thread can be resumed from its frame whichever way it entered.
 * It calls syscall_trap directly (no vector to decode), whose IPC fast path (core/fastpath.c) may hand
 * back another thread's frame, and leaves through user_return (isr.S): sysretq when the frame is one
 * sysretq restores exactly, iretq otherwise. One CPU, and the kernel never sleeps inside a call, so a
 * single scratch slot for the user RSP is enough.
 */
#include <arch/gdt.h>
#include <arch/trap.h>

    .text
    .globl syscall_entry
syscall_entry:
    mov %rsp, syscall_user_rsp(%rip)
    mov cpu_tss + 4(%rip), %rsp   /* TSS.rsp0: the end of the current thread's frame */
    pushq $(GDT_USER_DS | 3)
    pushq syscall_user_rsp(%rip)
    pushq %r11                    /* user RFLAGS */
    pushq $(GDT_USER_CS | 3)
    pushq %rcx                    /* user RIP */
    pushq $0
    pushq $VEC_SYSCALL
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
    mov %rsp, %rdi                /* DF is clear: SFMASK cleared it */
    movabs $boot_stack_top, %rsp
    call syscall_trap
    mov %rax, %rsp
    jmp user_return

    /* arch_enter_user(entry, stack, arg): iretq to user mode with every other register zeroed. */
    .globl arch_enter_user
arch_enter_user:
    pushq $(GDT_USER_DS | 3)
    pushq %rsi
    pushq $0x202                  /* IF set */
    pushq $(GDT_USER_CS | 3)
    pushq %rdi
    mov %rdx, %rdi
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    iretq

    .bss
    .balign 8
syscall_user_rsp:
    .quad 0
