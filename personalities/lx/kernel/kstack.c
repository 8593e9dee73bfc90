/*
 * Kernel stacks: how a system call waits for the disk without making lx wait. ext2 (fs/ext2/) is
 * synchronous code: a lookup or a write asks for block after block and updates several of them in
 * one go, so it cannot simply give up at a block that is not in the cache and be done again later, as
 * a pipe read is. Instead, when lx has a disk, every system call runs on a stack of
 * its own (as each Linux task has its own kernel stack): where it has to wait for the disk, or for the
 * lock another call holds, it sleeps (lx_sleep), switching back to lx's loop, which blocks the calling
 * thread and serves every other process. When something changes (a disk request finished, a lock was
 * let go), lx_kstacks_run switches to each sleeping call in turn; one that can go on runs to its next
 * sleep or its end, and a call that ended hands its result to its thread the next time lx does the
 * thread's call again (lx_kstack_call, from wake_blocked).
 *
 * Invariants. Everything runs on lx's one thread: a call is never preempted, it only gives way where
 * it sleeps, so lx's data need no locks but for what a call keeps across a sleep (the ext2 engine's
 * state: fs/ext2/vfs.c's lock). Only lx's own stack switches to a call's stack, and a call only
 * switches back to lx's. The globals a call sees as "its own" (lx_current, lx_call_outcome) are saved
 * and restored around each switch. A call whose process ended while it slept (killed) runs on to the
 * end of what it was doing on the disk and is then abandoned (lx_kstack_check_orphan), never touching
 * the process again.
 */
#include "kernel/syscall.h"
#include "dev/blk.h"
#include <stdio.h>
#include <stdlib.h>

#define KSTACK_SIZE (256u << 10) /* the deepest call (a path walk through symlinks, exec) uses far less */
#define MAX_KSTACKS 64           /* calls asleep at once; one more waits, blocked, for a stack */

enum ks_state { KS_FREE, KS_RUNNING, KS_SLEEPING, KS_DONE };

struct kstack {
    enum ks_state state;
    uint8_t *mem;
    void *sp;                  /* its stack pointer while it is switched away from */
    struct lx_proc *p;         /* whose call, and that thread's id (a freed slot may be reused) */
    int pid;
    lx_call_fn *fn;
    struct px_regs regs;       /* the call's registers, and its result at the end */
    int status;
    enum lx_outcome outcome;
    uint8_t *buffer;           /* lx_call_buffer's */
    struct lx_proc *current;   /* lx_current and lx_call_outcome while it is switched away from */
    enum lx_outcome call_outcome;
};

static struct kstack stacks[MAX_KSTACKS];
static struct kstack *running; /* the call on its stack now; NULL on lx's own stack */
static void *lx_sp;            /* lx's own stack pointer while a call runs */
static bool enabled, want_stack;
static struct lx_mutex exec_lock; /* execve keeps its arguments in fork.c's static buffers across a sleep */

/* Save the callee-saved registers and the stack pointer in *save, and continue on the stack at to. */
void lx_kstack_switch(void **save, void *to);
__asm__(".text\n"
        ".globl lx_kstack_switch\n"
        ".type lx_kstack_switch, @function\n"
        "lx_kstack_switch:\n"
        "    push %rbp\n    push %rbx\n    push %r12\n    push %r13\n    push %r14\n    push %r15\n"
        "    mov %rsp, (%rdi)\n"
        "    mov %rsi, %rsp\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbx\n    pop %rbp\n"
        "    ret\n"
        ".size lx_kstack_switch, . - lx_kstack_switch\n");

void lx_kstacks_start(void) { enabled = true; }

bool lx_in_kstack(void) { return running != NULL; }

uint8_t *lx_call_buffer(void)
{
    static uint8_t lx_own[LX_CALL_BUFFER]; /* the calls on lx's stack: one at a time, never asleep */

    return running ? running->buffer : lx_own;
}

/* The thread whose call ks runs is still there, waiting for it. */
static bool owner_waits(const struct kstack *ks)
{
    return ks->p->pid == ks->pid && (ks->p->state == LX_BLOCKED || ks->p->state == LX_RUNNING);
}

static void __attribute__((noreturn)) entry(void)
{
    struct kstack *ks = running;
    uint64_t nr = ks->regs.rax;
    bool exec = nr == 59 || nr == 322; /* execve, execveat */

    if (exec)
        lx_mutex_lock(&exec_lock);
    ks->outcome = ks->fn(ks->p, &ks->regs, &ks->status);
    if (exec)
        lx_mutex_unlock(&exec_lock);
    ks->state = KS_DONE;
    lx_kstack_switch(&ks->sp, lx_sp);
    __builtin_unreachable();
}

/* Switch from lx's stack to ks until it sleeps or ends. */
static void enter(struct kstack *ks)
{
    struct lx_proc *current = lx_current;
    enum lx_outcome outcome = lx_call_outcome;

    lx_current = ks->current, lx_call_outcome = ks->call_outcome;
    running = ks;
    ks->state = KS_RUNNING;
    lx_kstack_switch(&lx_sp, ks->sp);
    running = NULL;
    ks->current = lx_current, ks->call_outcome = lx_call_outcome;
    lx_current = current, lx_call_outcome = outcome;
}

static enum lx_outcome collect(struct kstack *ks, struct px_regs *r, int *exit_status)
{
    *r = ks->regs;
    *exit_status = ks->status;
    ks->state = KS_FREE;
    if (want_stack) /* a call waits for a stack */
        want_stack = false, lx_wake_pending = true;
    return ks->outcome;
}

static struct kstack *find(const struct lx_proc *p)
{
    for (unsigned i = 0; i < MAX_KSTACKS; i++)
        if (stacks[i].state != KS_FREE && stacks[i].p == p && stacks[i].pid == p->pid)
            return &stacks[i];
    return NULL;
}

bool lx_kstack_busy(const struct lx_proc *p) { return enabled && find(p) != NULL; }

enum lx_outcome lx_kstack_call(struct lx_proc *p, struct px_regs *r, int *exit_status, lx_call_fn *fn)
{
    struct kstack *ks;

    if (!enabled || running) /* (a call never makes another) */
        return fn(p, r, exit_status);
    if ((ks = find(p)))
        return ks->state == KS_DONE ? collect(ks, r, exit_status) : LX_BLOCK;
    for (unsigned i = 0; i < MAX_KSTACKS && !ks; i++)
        if (stacks[i].state == KS_FREE && (stacks[i].mem || (stacks[i].mem = malloc(KSTACK_SIZE + LX_CALL_BUFFER))))
            ks = &stacks[i];
    if (!ks) { /* every stack holds a sleeping call: this one waits (nothing of it is done yet) */
        want_stack = true;
        return LX_BLOCK;
    }
    /* The first switch "returns" into entry: six registers (zeros) to pop, entry as the return
     * address, and a zero return address above it, aligned as a function's entry wants. */
    uint64_t *top = (uint64_t *)(((uintptr_t)ks->mem + KSTACK_SIZE) & ~(uintptr_t)15);
    ks->buffer = ks->mem + KSTACK_SIZE;
    top[-1] = 0;
    top[-2] = (uint64_t)(uintptr_t)entry;
    for (int i = 3; i <= 8; i++)
        top[-i] = 0;
    ks->sp = top - 8;
    ks->p = p, ks->pid = p->pid, ks->fn = fn, ks->regs = *r, ks->status = 0;
    ks->current = lx_current, ks->call_outcome = LX_RESUME;
    enter(ks);
    return ks->state == KS_DONE ? collect(ks, r, exit_status) : LX_BLOCK;
}

void lx_kstacks_run(void)
{
    for (unsigned i = 0; i < MAX_KSTACKS; i++) {
        struct kstack *ks = &stacks[i];
        if (ks->state == KS_DONE && !owner_waits(ks)) /* its thread ended before it took the result */
            ks->state = KS_FREE;
        if (ks->state != KS_SLEEPING)
            continue;
        enter(ks);
        if (ks->state == KS_DONE) {
            if (owner_waits(ks))
                lx_wake_pending = true; /* its thread's call is done again, and collects this */
            else
                ks->state = KS_FREE;
        }
    }
}

void lx_sleep(void)
{
    struct kstack *ks = running;

    if (!ks) { /* lx's own stack (mounting the root, shutting down): nothing else runs meanwhile */
        lx_disk_wait();
        lx_kstacks_run();
        return;
    }
    ks->state = KS_SLEEPING;
    lx_kstack_switch(&ks->sp, lx_sp);
}

void lx_kstack_check_orphan(void)
{
    struct kstack *ks = running;

    if (!ks || owner_waits(ks))
        return;
    ks->state = KS_FREE; /* its stack is reused from the top; what it held on it is dropped */
    lx_kstack_switch(&ks->sp, lx_sp);
    __builtin_unreachable();
}

void lx_mutex_lock(struct lx_mutex *m)
{
    const void *me = running ? (const void *)running : (const void *)&lx_sp;

    while (m->owner && m->owner != me) {
        m->waiters = true;
        lx_sleep();
        if (m->owner != me)
            lx_kstack_check_orphan();
    }
    m->owner = me;
    m->depth++;
}

void lx_mutex_unlock(struct lx_mutex *m)
{
    if (--m->depth)
        return;
    m->owner = NULL;
    if (m->waiters) {
        m->waiters = false;
        lx_wake_pending = true;
    }
}
