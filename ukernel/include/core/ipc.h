/*
 * Synchronous IPC through endpoints and asynchronous signals through notifications (ABI: ipc.h). Each
 * call acts on `current`, reads its arguments from current's saved registers and writes its results
 * there or into the partner's; blocking only changes states and queues.
 */
#ifndef CORE_IPC_H
#define CORE_IPC_H

#include <core/task.h>
#include <proteus/syscall.h>
#include <proteus/thread.h>

struct endpoint {
    struct kobj obj;
    struct list_node senders;   /* threads, FIFO */
    struct list_node receivers; /* threads, FIFO */
};

struct notification {
    struct kobj obj;
    uint64_t bits;
    struct list_node waiters;
    struct thread *bound; /* a thread that also takes these signals in RECV */
};

void ipc_send(struct endpoint *ep, uint64_t badge, bool call);
void ipc_recv(struct endpoint *ep);
void ipc_reply(void);
void ipc_reply_recv(struct endpoint *ep);

void ntfn_signal(struct notification *n, uint64_t bits);
void ntfn_wait(struct notification *n, bool block);

/* current took an exception (kind PX_EXC_*): deliver it to its handler, or stop it and say so. */
void ipc_exception(uint64_t kind, uint64_t code, uint64_t addr, uint64_t access);

/*
 * The fast path (end of ipc.c): takes the current thread's system call whole and returns the thread to
 * run next, or returns NULL having changed nothing, and the call goes the general way (syscall_dispatch).
 */
struct thread *ipc_fastpath(void);
/* Whether t's system call is one the fast path may take: checked inline so others pay no call. */
static inline bool ipc_fastpath_wants(const struct thread *t)
{
    uint64_t nr = ctx_syscall_nr(&t->ctx);

    return (t->flags & PX_THREAD_FOREIGN_ABI) || nr == PX_SYS_CALL || nr == PX_SYS_REPLY_RECV;
}
extern bool ipc_fastpath_enabled; /* on by default; PX_SYS_DEBUG_FASTPATH turns it off for tests */
extern uint64_t ipc_fastpath_hits; /* calls it has taken */

/* Leave any queue or IPC relation a thread is in, waking partners with PX_ERR_REVOKED where needed. */
void ipc_cancel(struct thread *t);
void endpoint_destroy(struct endpoint *ep);
void ntfn_destroy(struct notification *n);

#endif
