/*
 * Proteus ABI: IPC messages. A message is a label, up to PX_MSG_WORDS 64-bit message registers (MRs) and
 * the badge of the cap it was sent through. MR0..MR3 travel in registers (rdx, r10, r8, r9); MR4 and up
 * in the sender's and receiver's IPC buffers (PX_SYS_THREAD_SET_IPC_BUF), which the kernel copies between.
 *
 * The message info word (rsi) packs the label and the number of MRs:
 *   bits 0..6    length: MRs in the message (0..PX_MSG_WORDS)
 *   bits 7..15   reserved, zero
 *   bits 16..63  label: the sender's choice (the kernel's own labels are below)
 */
#ifndef PROTEUS_IPC_H
#define PROTEUS_IPC_H

#include <stdint.h>

#define PX_MSG_WORDS 64
#define PX_MSG_REG_WORDS 4

#define PX_MSGINFO(label, length) ((((uint64_t)(label)) << 16) | ((uint64_t)(length)&0x7f))
#define PX_MSGINFO_LABEL(info) ((uint64_t)(info) >> 16)
#define PX_MSGINFO_LENGTH(info) ((unsigned)((info)&0x7f))

/* Labels the kernel sends: a notification wake-up and exceptions (exception.h). */
#define PX_LABEL_NOTIFY 0xfffffffff000ull    /* RECV woke on the bound notification: rdx = bits */
#define PX_LABEL_EXCEPTION 0xfffffffff100ull /* + PX_EXC_*: an exception message */

/* A thread's IPC buffer: one page in its task, also reachable by the kernel. */
struct px_ipc_buffer {
    uint64_t mr[PX_MSG_WORDS]; /* mr[0..3] are unused: those travel in registers */
    uint64_t user[448];        /* free for the thread's own use (libos keeps its TLS pointer here) */
};

#endif
