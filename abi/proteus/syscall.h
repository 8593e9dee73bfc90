/*
 * Proteus ABI: system call numbers and the register convention.
 *
 * A call is the `syscall` instruction with the number in rax and arguments in rdi, rsi, rdx, r10, r8, r9
 * (the x86_64 System V order, with r10 for rcx, which the instruction overwrites). It returns a status
 * (status.h) in rax and a result in rdx where the call has one. rcx and r11 are clobbered; every other
 * register is preserved.
 *
 * Numbers are never reused: a retired call leaves a hole and a comment. Ranges:
 *   0x000 - 0x0ff  core calls (capabilities, IPC, memory, threads)
 *   0x100 - 0x1ff  paravirtual calls for guest kernels
 *   0x200 - 0x2ff  architecture-specific calls
 *   0x300 - 0x3ff  debugging, for bring-up
 * Anything else, and 0, fails with PX_ERR_NOSYS.
 */
#ifndef PROTEUS_SYSCALL_H
#define PROTEUS_SYSCALL_H

/* 0 is reserved: a zeroed register never makes a call. */
#define PX_SYS_ABI_VERSION 0x001 /* () -> rdx = PX_ABI_VERSION */
#define PX_SYS_TASK_EXIT 0x002   /* (int64 status) -> does not return */
#define PX_SYS_DEBUG_WRITE 0x300 /* (const char *buf, uint64 len) -> rdx = bytes written */

#define PX_SYS_RANGE_END 0x400

#endif
