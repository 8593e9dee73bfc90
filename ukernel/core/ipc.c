/*
 * Endpoints and notifications (ipc.h).
 *
 * A message goes from a sender's registers (and IPC buffer) to a receiver's in one copy, when both are
 * there: whichever arrives second does the transfer. A queued sender's message stays in its saved
 * registers until then. After a call, the caller waits in TS_BLOCKED_REPLY with `replier` set, and the
 * receiver holds it in `reply_to` until it replies. An exception is a call whose message the kernel
 * makes from the faulting thread's state; the reply rewrites those registers or leaves the thread stopped.
 *
 * A call that finds a receiver waiting, and a reply-and-receive that finds no sender queued, switch
 * directly to the partner (sched_switch_to) with no run-queue work at all, unless a thread of higher
 * priority than the partner is waiting to run. The fast path at the end of this file takes the commonest
 * of those cases whole, from the system call's entry to the switch.
 */
#include <core/ipc.h>
#include <core/kernel.h>
#include <core/string.h>
#include <core/syscall.h>
#include <proteus/caps.h>
#include <proteus/exception.h>
#include <proteus/status.h>
#include <proteus/syscall.h>

static unsigned msg_len(const struct thread *from, const struct thread *to, unsigned len)
{
    if (len > PX_MSG_WORDS)
        len = PX_MSG_WORDS;
    if (len > PX_MSG_REG_WORDS && (!from->ipcbuf || !to->ipcbuf))
        len = PX_MSG_REG_WORDS; /* no buffer to carry the rest: the receiver sees the shorter length */
    return len;
}

static void exception_words(const struct thread *t, struct px_exception *e)
{
    ctx_get_regs(&t->ctx, &e->regs);
    e->kind = t->exc_kind;
    e->code = t->exc_code;
    e->addr = t->exc_addr;
    e->access = t->exc_access;
}

/* Copy the message `from` is sending into `to`'s registers and buffer, with its badge. */
static void transfer_tail(struct arch_context *dst, uint64_t label, unsigned len, uint64_t badge)
{
    *ctx_info(dst) = PX_MSGINFO(label, len);
    *ctx_badge(dst) = badge;
    ctx_set_status(dst, PX_OK);
}

/* transfer's exception case: the message is made from the sender's registers. */
static __attribute__((noinline)) void transfer_exception(struct thread *from, struct thread *to, uint64_t badge)
{
    struct arch_context *dst = &to->ctx;
    union {
        struct px_exception e;
        uint64_t w[PX_EXCEPTION_WORDS];
    } x;
    _Static_assert(sizeof(x.e) == sizeof(x.w), "an exception message is PX_EXCEPTION_WORDS words");
    exception_words(from, &x.e);
    unsigned len = to->ipcbuf ? PX_EXCEPTION_WORDS : PX_MSG_REG_WORDS; /* the kernel is the sender's buffer */
    for (unsigned i = 0; i < PX_MSG_REG_WORDS; i++)
        *ctx_mr(dst, i) = x.w[i];
    if (len > PX_MSG_REG_WORDS)
        memcpy(&to->ipcbuf->mr[PX_MSG_REG_WORDS], &x.w[PX_MSG_REG_WORDS],
               (len - PX_MSG_REG_WORDS) * sizeof(uint64_t));
    transfer_tail(dst, PX_LABEL_EXCEPTION + from->exc_kind, len, badge);
}

/* Inline: a message in registers (the fast path's) is a few moves. */
static inline void transfer(struct thread *from, struct thread *to, uint64_t badge)
{
    struct arch_context *dst = &to->ctx;

    if (from->exc_pending) {
        transfer_exception(from, to, badge);
        return;
    }
    uint64_t info = *ctx_info(&from->ctx);
    unsigned len = msg_len(from, to, PX_MSGINFO_LENGTH(info));
    ctx_copy_mrs(dst, &from->ctx);
    if (len > PX_MSG_REG_WORDS)
        memcpy(&to->ipcbuf->mr[PX_MSG_REG_WORDS], &from->ipcbuf->mr[PX_MSG_REG_WORDS],
               (len - PX_MSG_REG_WORDS) * sizeof(uint64_t));
    transfer_tail(dst, PX_MSGINFO_LABEL(info), len, badge);
}

static struct thread *pop(struct list_node *q)
{
    struct list_node *n = list_pop_front(q);

    return n ? list_entry(n, struct thread, queue_link) : NULL;
}

/* `receiver` took `sender`'s message: the sender now waits for the reply, or goes on. */
static void sender_done(struct thread *sender, struct thread *receiver)
{
    sender->ep = NULL;
    if (sender->is_call || sender->exc_pending) {
        sender->state = TS_BLOCKED_REPLY;
        sender->replier = receiver;
        receiver->reply_to = sender;
    } else {
        ctx_set_status(&sender->ctx, PX_OK);
        sched_make_runnable(sender);
    }
}

/* Wake a thread out of an IPC wait with a status and nothing else. */
static void wake_with(struct thread *t, int status)
{
    t->ep = NULL;
    t->ntfn = NULL;
    ctx_set_status(&t->ctx, status);
    sched_make_runnable(t);
}

/* The thread holding an unanswered call lets it go: the caller's call fails. */
static void drop_reply(struct thread *t)
{
    struct thread *caller = t->reply_to;

    if (!caller)
        return;
    t->reply_to = NULL;
    caller->replier = NULL;
    if (caller->exc_pending) {
        caller->exc_pending = false;
        caller->state = TS_INACTIVE; /* its handler never answered: it stays stopped */
        return;
    }
    wake_with(caller, PX_ERR_REVOKED);
}

void ipc_send(struct endpoint *ep, uint64_t badge, bool call)
{
    struct thread *self = current, *r = pop(&ep->receivers);

    if (r) {
        r->ep = NULL;
        transfer(self, r, badge);
        self->is_call = call;
        sender_done(self, r);
        if (call)
            sched_switch_to(r); /* the fast path: the caller blocks, the receiver runs now */
        else
            sched_make_runnable(r);
        return;
    }
    self->is_call = call;
    self->send_badge = badge;
    self->ep = ep;
    sched_block(self, TS_BLOCKED_SEND);
    list_push_back(&ep->senders, &self->queue_link);
}

static bool take_notification(struct thread *self)
{
    struct notification *n = self->bound;

    if (!n || !n->bits)
        return false;
    *ctx_info(&self->ctx) = PX_MSGINFO(PX_LABEL_NOTIFY, 0);
    *ctx_mr(&self->ctx, 0) = n->bits;
    *ctx_badge(&self->ctx) = 0;
    ctx_set_status(&self->ctx, PX_OK);
    n->bits = 0;
    return true;
}

void ipc_recv(struct endpoint *ep)
{
    struct thread *self = current, *s = pop(&ep->senders);

    drop_reply(self);
    if (s) {
        transfer(s, self, s->send_badge);
        sender_done(s, self);
        return;
    }
    if (take_notification(self))
        return;
    self->ep = ep;
    sched_block(self, TS_BLOCKED_RECV);
    list_push_back(&ep->receivers, &self->queue_link);
}

/* Deliver self's reply to its caller; returns the caller if it can run now (the caller of this decides
 * how: the run queue, or the fast path). */
/* do_reply's exception case: a RESUME reply rewrites the caller's registers, anything else stops it. */
static __attribute__((noinline)) struct thread *reply_exception(struct thread *self, struct thread *caller)
{
    uint64_t info = *ctx_info(&self->ctx);

    caller->exc_pending = false;
    if (PX_MSGINFO_LABEL(info) != PX_EXC_REPLY_RESUME || PX_MSGINFO_LENGTH(info) < PX_REGS_WORDS ||
        !self->ipcbuf) {
        caller->state = TS_INACTIVE;
        return NULL;
    }
    union {
        struct px_regs r;
        uint64_t w[PX_REGS_WORDS];
    } x;
    for (unsigned i = 0; i < PX_MSG_REG_WORDS; i++)
        x.w[i] = *ctx_mr(&self->ctx, i);
    memcpy(&x.w[PX_MSG_REG_WORDS], &self->ipcbuf->mr[PX_MSG_REG_WORDS],
           (PX_REGS_WORDS - PX_MSG_REG_WORDS) * sizeof(uint64_t));
    ctx_set_regs(&caller->ctx, &x.r);
    return caller;
}

static inline struct thread *do_reply(struct thread *self)
{
    struct thread *caller = self->reply_to;

    if (!caller)
        return NULL;
    self->reply_to = NULL;
    caller->replier = NULL;
    if (caller->exc_pending)
        return reply_exception(self, caller);
    transfer(self, caller, 0);
    return caller;
}

void ipc_reply(void)
{
    struct thread *caller;

    if (!current->reply_to) {
        ctx_set_status(&current->ctx, PX_ERR_STATE);
        return;
    }
    caller = do_reply(current);
    if (caller)
        sched_make_runnable(caller);
    ctx_set_status(&current->ctx, PX_OK);
}

void ipc_reply_recv(struct endpoint *ep)
{
    struct thread *self = current, *caller = do_reply(self);

    ipc_recv(ep);
    if (!caller)
        return;
    if (self->state == TS_BLOCKED_RECV)
        sched_switch_to(caller); /* the fast path back to the client */
    else
        sched_make_runnable(caller);
}

void ntfn_signal(struct notification *n, uint64_t bits)
{
    struct thread *w;

    if (!bits)
        return; /* nothing to report: wake nobody */
    w = pop(&n->waiters);
    n->bits |= bits;
    if (w) {
        *ctx_mr(&w->ctx, 0) = n->bits;
        n->bits = 0;
        wake_with(w, PX_OK);
    } else if (n->bound && n->bound->state == TS_BLOCKED_RECV) {
        struct thread *t = n->bound;
        list_remove(&t->queue_link);
        t->ep = NULL;
        take_notification(t);
        sched_make_runnable(t);
    }
}

void ntfn_wait(struct notification *n, bool block)
{
    struct thread *self = current;

    if (n->bits) {
        *ctx_mr(&self->ctx, 0) = n->bits;
        n->bits = 0;
        ctx_set_status(&self->ctx, PX_OK);
        return;
    }
    if (!block) {
        ctx_set_status(&self->ctx, PX_ERR_AGAIN);
        return;
    }
    self->ntfn = n;
    sched_block(self, TS_BLOCKED_NTFN);
    list_push_back(&n->waiters, &self->queue_link);
}

void ipc_exception(uint64_t kind, uint64_t code, uint64_t addr, uint64_t access)
{
    struct thread *self = current;
    struct kobj *h = self->exc_ep;

    self->exc_kind = kind;
    self->exc_code = code;
    self->exc_addr = addr;
    self->exc_access = access;
    if (!h || h->dead) {
        exception_unhandled(self);
        return;
    }
    self->exc_pending = true;
    ipc_send(container_of(h, struct endpoint, obj), self->exc_badge, true);
}

void ipc_cancel(struct thread *t)
{
    /* A foreign system call whose message nobody has received yet is taken again when t resumes. */
    if (t->state == TS_BLOCKED_SEND && t->exc_pending && t->exc_kind == PX_EXC_FOREIGN_SYSCALL)
        ctx_retake_syscall(&t->ctx);
    /* So is a native call that has had no effect yet (a send nobody took, a receive, a wait); a call
       whose message was taken fails, as its reply can no longer come. Either way its rax is a status,
       not the call's number. */
    if (!t->exc_pending && (t->state == TS_BLOCKED_SEND || t->state == TS_BLOCKED_RECV || t->state == TS_BLOCKED_NTFN))
        ctx_retake_syscall(&t->ctx);
    else if (!t->exc_pending && t->state == TS_BLOCKED_REPLY)
        ctx_set_status(&t->ctx, PX_ERR_REVOKED);
    switch (t->state) {
    case TS_BLOCKED_SEND:
    case TS_BLOCKED_RECV:
    case TS_BLOCKED_NTFN:
        list_remove(&t->queue_link);
        t->ep = NULL;
        t->ntfn = NULL;
        break;
    case TS_BLOCKED_REPLY:
        if (t->replier)
            t->replier->reply_to = NULL, t->replier = NULL;
        break;
    default:
        break;
    }
    t->exc_pending = false;
    drop_reply(t);
}

void endpoint_destroy(struct endpoint *ep)
{
    struct thread *t;

    while ((t = pop(&ep->senders)) || (t = pop(&ep->receivers))) {
        if (t->exc_pending) {
            t->exc_pending = false;
            t->ep = NULL;
            t->state = TS_INACTIVE;
        } else {
            wake_with(t, PX_ERR_REVOKED);
        }
    }
}

void ntfn_destroy(struct notification *n)
{
    struct thread *t;

    while ((t = pop(&n->waiters)))
        wake_with(t, PX_ERR_REVOKED);
    if (n->bound)
        n->bound->bound = NULL, n->bound = NULL;
}

/*
 * The fast path. syscall_trap (arch) offers every system call here first; three cases are taken whole,
 * from the entry to the switch: a call whose message fits the registers and finds a receiver waiting; a
 * reply-and-receive whose reply fits the registers (or is an exception's RESUME reply) and whose
 * receive will block (no sender queued, no notification bits pending); and a foreign system call whose
 * handler waits in receive. In each the partner must be allowed to run at once (sched_can_hand_to).
 * Anything else returns NULL before changing any state, and the general path (syscall_dispatch) does
 * the call: a bad cap, a wrong type or a missing right (which it answers with the documented status), a
 * longer message, no partner waiting, a partner that must queue behind a more urgent thread. The fast
 * path uses the general path's own helpers (transfer, sender_done, do_reply, sched_block), so it can only
 * differ in what it skips: the dispatch and the run queue. ipc_fastpath_enabled off (the debug call
 * PX_SYS_DEBUG_FASTPATH) sends everything the general way, so that a test can run the same scenarios
 * both ways and compare.
 */
bool ipc_fastpath_enabled = true;
uint64_t ipc_fastpath_hits;

static struct thread *first_receiver(struct endpoint *ep)
{
    struct list_node *n = list_first(&ep->receivers);

    return n ? list_entry(n, struct thread, queue_link) : NULL;
}

static bool can_take(const struct thread *t) { return t && !t->obj.dead && sched_can_hand_to(t); }

static inline __attribute__((always_inline)) struct endpoint *fast_endpoint(struct thread *self, uint32_t right,
                                                                         struct cap **c)
{
    if (!(*c = cap_find(&self->task->caps, ctx_arg(&self->ctx, 0), PX_OBJ_ENDPOINT, right)))
        return NULL;
    return container_of((*c)->obj, struct endpoint, obj);
}

/* The general way out's chores (trap.c) in its order, around the hand-over to t. */
static void fast_switch(struct thread *t)
{
    ipc_fastpath_hits++;
    t->state = TS_RUNNABLE; /* as sched_switch_to: a signal from klog_flush must not take t again */
    if (klog_pending)
        klog_flush();
    sched_hand_to(t);
    if (kobj_zombie)
        kobj_reap();
}

/* self (current) sends its message or exception to r, waiting in receive, and waits for the reply. */
static struct thread *fast_deliver(struct thread *self, struct thread *r, uint64_t badge)
{
    list_remove(&r->queue_link);
    r->ep = NULL;
    transfer(self, r, badge);
    self->is_call = true;
    sender_done(self, r);
    fast_switch(r);
    return r;
}

static struct thread *fast_call(struct thread *self)
{
    struct cap *c;
    struct endpoint *ep;
    struct thread *r;

    if (PX_MSGINFO_LENGTH(*ctx_info(&self->ctx)) > PX_MSG_REG_WORDS ||
        !(ep = fast_endpoint(self, PX_R_WRITE, &c)))
        return NULL;
    if (!can_take(r = first_receiver(ep)))
        return NULL;
    return fast_deliver(self, r, c->badge);
}

static bool fast_reply_fits(struct thread *self, const struct thread *caller)
{
    uint64_t info = *ctx_info(&self->ctx);

    if (!caller->exc_pending)
        return PX_MSGINFO_LENGTH(info) <= PX_MSG_REG_WORDS;
    /* A RESUME reply; anything else leaves the caller stopped: the general path's business. */
    return PX_MSGINFO_LABEL(info) == PX_EXC_REPLY_RESUME && PX_MSGINFO_LENGTH(info) >= PX_REGS_WORDS &&
           self->ipcbuf;
}

static struct thread *fast_reply_recv(struct thread *self)
{
    struct thread *caller = self->reply_to;
    struct endpoint *ep;
    struct cap *c;

    if (!can_take(caller) || !fast_reply_fits(self, caller) || !(ep = fast_endpoint(self, PX_R_READ, &c)))
        return NULL;
    if (!list_empty(&ep->senders) || (self->bound && self->bound->bits))
        return NULL; /* the receive would not block */
    do_reply(self);
    self->ep = ep;
    self->state = TS_BLOCKED_RECV; /* sched_block's whole effect here: self is current, nothing is direct */
    list_push_back(&ep->receivers, &self->queue_link);
    fast_switch(caller);
    return caller;
}

static struct thread *fast_foreign(struct thread *self)
{
    struct kobj *h = self->exc_ep;
    struct thread *r;

    if (!h || h->dead || !can_take(r = first_receiver(container_of(h, struct endpoint, obj))))
        return NULL;
    self->exc_kind = PX_EXC_FOREIGN_SYSCALL; /* what ipc_exception records */
    self->exc_code = ctx_syscall_nr(&self->ctx);
    self->exc_addr = 0;
    self->exc_access = 0;
    self->exc_pending = true;
    return fast_deliver(self, r, self->exc_badge);
}

struct thread *ipc_fastpath(void)
{
    struct thread *self = current, *next;

    if (!ipc_fastpath_enabled)
        return NULL;
    if (self->flags & PX_THREAD_FOREIGN_ABI)
        next = fast_foreign(self);
    else if (ctx_syscall_nr(&self->ctx) == PX_SYS_CALL)
        next = fast_call(self);
    else /* PX_SYS_REPLY_RECV, or not ours: it checks */
        next = ctx_syscall_nr(&self->ctx) == PX_SYS_REPLY_RECV ? fast_reply_recv(self) : NULL;
    return next;
}
