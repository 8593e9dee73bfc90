/*
 * Proteus ABI: exception messages. When a thread takes an exception (or, if it is foreign-ABI, executes
 * `syscall`), the kernel stops it and sends a message to its exception endpoint as if the thread had
 * called it: label PX_LABEL_EXCEPTION + kind, badge of the handler cap, and the words of struct
 * px_exception (MR0..MR3 in registers, the rest in the handler's IPC buffer).
 *
 * The handler answers with REPLY (or REPLY_RECV):
 *   label PX_EXC_REPLY_RESUME, length PX_REGS_WORDS: resume the thread with these registers
 *     (struct px_regs as MR0..MR19; RFLAGS is filtered through PX_RFLAGS_USER);
 *   label PX_EXC_REPLY_STOP (any length): leave it stopped; its task or the handler may resume it later
 *     with THREAD_WRITE_REGS + THREAD_RESUME.
 * A thread without an exception endpoint is stopped, and the fault is reported on the kernel console.
 */
#ifndef PROTEUS_EXCEPTION_H
#define PROTEUS_EXCEPTION_H

#include "regs.h"
#include <stdint.h>

/* Kinds (the low byte of the label). */
#define PX_EXC_PAGE_FAULT 1     /* addr = faulting address, access = PX_ACCESS_* */
#define PX_EXC_GENERAL 2        /* general protection: code = error code */
#define PX_EXC_INVALID_OPCODE 3
#define PX_EXC_DIVIDE 4
#define PX_EXC_DEBUG 5          /* breakpoint (int3) or single step: code = vector */
#define PX_EXC_FOREIGN_SYSCALL 6 /* a foreign-ABI thread's syscall: rip points after the instruction */
#define PX_EXC_OTHER 7          /* any other CPU exception: code = vector */
#define PX_EXC_KINDS 8          /* kinds are below this */

/* The kinds' names, for reports: an initializer for a table indexed by kind (0: "?"). */
#define PX_EXC_NAMES                                                                                   \
    {"?", "page fault", "general protection fault", "invalid opcode", "divide error", "debug trap",      \
     "foreign syscall", "exception"}

#define PX_ACCESS_READ 1u
#define PX_ACCESS_WRITE 2u
#define PX_ACCESS_EXEC 4u
#define PX_ACCESS_PRESENT 8u /* the page was mapped: a protection fault */

struct px_exception {
    struct px_regs regs; /* words 0..19 */
    uint64_t kind;       /* word 20: PX_EXC_* */
    uint64_t code;       /* word 21: error code or vector */
    uint64_t addr;       /* word 22: faulting address (page faults) */
    uint64_t access;     /* word 23: PX_ACCESS_* (page faults) */
};

#define PX_EXCEPTION_WORDS 24

#define PX_EXC_REPLY_RESUME 1
#define PX_EXC_REPLY_STOP 2

#endif
