/*
 * Entry point of a Proteus task. The kernel enters at _start with a 16-byte aligned stack, every
 * register zero except rdi (the start-of-day argument, docs/abi.md). We end the frame-pointer chain and
 * call the C start-up, which never returns.
 */
    .text
    .globl _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call __libos_start
    ud2
