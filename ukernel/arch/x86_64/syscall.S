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
 *
 * Leaf calls (syscall_leaf_table, trap.c: calls that only read a value, and neither block, switch,
 * print nor free) take a shorter way: no frame at all. The entry moves to the kernel stack, keeps rdx
 * (the one register the result takes that the general path may still need), and calls syscall_leaf,
 * whose arguments are the user's own rdi, rsi and rdx where the C calling convention wants them, and
 * which saves whatever else it uses (no_caller_saved_registers). It
 * returns the status in rax and the result in rdx, and sysretq goes back with every other register
 * as it came: rcx and r11 still hold the return address and RFLAGS that syscall put there. If
 * syscall_leaf declines (the fast paths are off, a foreign-ABI thread),
 * the registers are put back and the call takes the general way below; so does a return address with
 * bit 47 set (a syscall in the last bytes of the lower half: rcx is RIP + 2, and RIP was canonical in
 * the lower half, so no other bit of 47..63 can be set), which sysretq must never be given.
 */
#include <arch/gdt.h>
#include <arch/trap.h>
#include <proteus/syscall.h>

    .text
    .globl syscall_entry
syscall_entry:
    cmp $PX_SYS_RANGE_END, %rax
    jae syscall_general
    cmpb $0, syscall_leaf_table(%rax)
    jne syscall_leaf_entry
syscall_general:
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

syscall_leaf_entry:
    bt $47, %rcx                  /* a return address past the lower half (see user_return): iretq's */
    jc syscall_general
    mov %rsp, syscall_user_rsp(%rip)
    movabs $boot_stack_top, %rsp
    mov %rax, syscall_leaf_nr(%rip)
    push %rdx
    call syscall_leaf
    cmp $SYSCALL_LEAF_DECLINED, %rax
    je 1f
    mov syscall_user_rsp(%rip), %rsp
    sysretq
1:  pop %rdx
    mov syscall_leaf_nr(%rip), %rax
    mov syscall_user_rsp(%rip), %rsp
    jmp syscall_general

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
    .globl syscall_leaf_nr
syscall_leaf_nr:
    .quad 0
