/*
 * The `syscall` entry from user mode, and the first entry into user mode.
 *
 * syscall leaves the user RIP in rcx and RFLAGS in r11, masks IF (SFMASK) and does not switch stacks,
 * so the entry moves to the kernel stack itself and builds the same struct trap_frame as an interrupt
 * (vector VEC_SYSCALL), so that a syscall and a fault hand the same register state to the kernel. It
 * returns with iretq, which restores any register state the kernel left in the frame. One CPU, and the
 * kernel never sleeps inside a call, so a single scratch slot for the user RSP is enough.
 */
#include <arch/gdt.h>
#include <arch/trap.h>

    .text
    .globl syscall_entry
syscall_entry:
    mov %rsp, syscall_user_rsp(%rip)
    mov cpu_tss + 4(%rip), %rsp   /* TSS.rsp0: this CPU's kernel stack */
    pushq $(GDT_USER_DS | 3)
    pushq syscall_user_rsp(%rip)
    pushq %r11                    /* user RFLAGS */
    pushq $(GDT_USER_CS | 3)
    pushq %rcx                    /* user RIP */
    pushq $0
    pushq $VEC_SYSCALL
    jmp trap_common

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
