/*
 * Entry point of a Proteus task: rdi = struct px_bootinfo, rsi/rdx = optional entry and argument (see
 * start.c), a 16-byte aligned stack. We end the frame-pointer chain and call the C start-up.
 */
    .text
    .globl _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call __libos_start
    ud2
