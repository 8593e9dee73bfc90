/*
 * File locks (man 2 flock, man 2 fcntl): flock's whole-file locks, owned by an open file description;
 * fcntl's record locks, owned by a process (POSIX: F_SETLK, F_SETLKW, F_GETLK) or by an open file
 * description (F_OFD_SETLK, F_OFD_SETLKW, F_OFD_GETLK). The two families are apart, as in Linux: a
 * flock lock never conflicts with a record lock. A lock is on an object: a file's node (a hard link's
 * file, so every name of it shares the locks), or a pipe.
 *
 * Locks are kept in a hash table by object, each bucket a list; a lock is a byte range [start, end]
 * (end inclusive, LOCK_EOF for "to the end, however far"). An owner's record locks on an object never
 * overlap: setting a range first cuts the owner's locks there (splitting one that spans it) and merges
 * it with the owner's adjacent locks of the same type, so F_GETLK reports ranges as Linux does.
 *
 * A POSIX lock goes when its process closes any descriptor of the object or ends (lx_locks_close); a
 * flock or OFD lock when the last descriptor of its description closes (lx_locks_file_gone). A lock
 * that must wait (F_SETLKW, flock without LOCK_NB) is LX_WOULD_BLOCK: the call is done again whenever
 * something changes (a lock let go sets lx_wake_pending), and a signal ends it with EINTR (or restarts
 * it under SA_RESTART) as any blocking call. Before a POSIX lock waits, the chain of waits it would
 * join is followed (its holder's blocked F_SETLKW, read back from that process's registers, and that
 * lock's holder...): a chain back to the caller is EDEADLK, as Linux detects it.
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>

#define LOCK_EOF INT64_MAX
#define BUCKETS 1024
#define RDLCK 0
#define WRLCK 1
#define UNLCK 2

enum lock_kind { POSIX, OFD, FLOCK };

struct lock {
    const void *obj;
    enum lock_kind kind;
    int type;                /* RDLCK or WRLCK */
    uint64_t start, end;     /* inclusive */
    int pid;                 /* POSIX: the owner; the others: the process that took it (F_GETLK says -1) */
    const struct lx_fd *ofd; /* OFD and FLOCK: the owner */
    struct lock *next;
};

static struct lock *buckets[BUCKETS];
static unsigned long nlocks;

/* The x86_64 struct flock. */
struct linux_flock {
    int16_t type, whence;
    int32_t pad0;
    int64_t start, len;
    int32_t pid, pad1;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock on x86_64 Linux");

static const void *object_of(const struct lx_fd *f) { return f->node ? (const void *)f->node : f->pipe ? (const void *)f->pipe : (const void *)f; }

static struct lock **bucket_of(const void *obj) { return &buckets[((uintptr_t)obj >> 4) % BUCKETS]; }

static bool same_owner(const struct lock *l, enum lock_kind kind, int pid, const struct lx_fd *ofd)
{
    return l->kind == kind && (kind == POSIX ? l->pid == pid : l->ofd == ofd);
}

/* The first lock of another owner, of the same family, that a lock of type over [start, end] conflicts with. */
static struct lock *conflict(const void *obj, enum lock_kind kind, int type, uint64_t start, uint64_t end, int pid,
                             const struct lx_fd *ofd)
{
    for (struct lock *l = *bucket_of(obj); l; l = l->next)
        if (l->obj == obj && (l->kind == FLOCK) == (kind == FLOCK) && !same_owner(l, kind, pid, ofd) &&
            l->start <= end && start <= l->end && (type == WRLCK || l->type == WRLCK))
            return l;
    return NULL;
}

static void unlink_lock(struct lock **at)
{
    struct lock *l = *at;

    *at = l->next;
    free(l);
    nlocks--;
    lx_wake_pending = true; /* a waiter may go on */
}

/*
 * The owner's locks on obj over [start, end] become type (UNLCK: none): what it held there is cut
 * (a lock that spans the range is split), and the new lock absorbs its neighbours of the same type.
 * 0 or -LX_ENOLCK (nothing changed: the pieces are allocated first).
 */
static int set_range(const void *obj, enum lock_kind kind, int type, uint64_t start, uint64_t end, int pid,
                     const struct lx_fd *ofd)
{
    /* at most three new locks: the pieces of the one that spans the range (the owner's do not overlap),
     * and the new one */
    struct lock *spare[3] = {malloc(sizeof(struct lock)), malloc(sizeof(struct lock)), malloc(sizeof(struct lock))};
    struct lock **b = bucket_of(obj);
    unsigned used = 0;

    if (!spare[0] || !spare[1] || !spare[2]) {
        free(spare[0]), free(spare[1]), free(spare[2]);
        return -LX_ENOLCK;
    }
    for (struct lock **at = b; *at;) {
        struct lock *l = *at;
        bool touches = l->start <= (end == LOCK_EOF ? end : end + 1) && (start ? start - 1 : 0) <= l->end;
        bool overlaps = l->start <= end && start <= l->end;
        if (l->obj != obj || !same_owner(l, kind, pid, ofd) || !touches ||
            (!overlaps && (type == UNLCK || l->type != type))) {
            at = &l->next; /* not the owner's there (or adjacent, of another type): stays */
            continue;
        }
        struct lock old = *l;
        unlink_lock(at); /* (at now holds the next: pieces go at the bucket's head, seen again and kept) */
        if (type != UNLCK && old.type == type) { /* merged into the new lock */
            start = old.start < start ? old.start : start;
            end = old.end > end ? old.end : end;
            continue;
        }
        if (old.start < start) { /* keep what lies outside the new range */
            struct lock *left = spare[used++];
            *left = (struct lock){obj, kind, old.type, old.start, start - 1, old.pid, ofd, *b};
            *b = left, nlocks++;
        }
        if (old.end > end) {
            struct lock *right = spare[used++];
            *right = (struct lock){obj, kind, old.type, end + 1, old.end, old.pid, ofd, *b};
            *b = right, nlocks++;
        }
    }
    if (type != UNLCK) {
        struct lock *l = spare[used++];
        *l = (struct lock){obj, kind, type, start, end, pid, ofd, *b};
        *b = l, nlocks++;
    }
    while (used < 3)
        free(spare[used++]);
    return 0;
}

/* A struct flock's range on f as [start, end]; 0 or -LX_EINVAL / -LX_EOVERFLOW. */
static int range_of(const struct lx_fd *f, const struct linux_flock *fl, uint64_t *start, uint64_t *end)
{
    int64_t base = fl->whence == 0 ? 0 : fl->whence == 1 ? (int64_t)f->offset
                   : fl->whence == 2 ? (int64_t)(f->node ? f->node->size : 0) : -1;
    int64_t s, e;

    if (base < 0)
        return -LX_EINVAL;
    if (__builtin_add_overflow(base, fl->start, &s))
        return -LX_EOVERFLOW;
    if (fl->len > 0) {
        if (__builtin_add_overflow(s, fl->len - 1, &e))
            return -LX_EOVERFLOW;
    } else if (fl->len < 0) { /* the bytes before start */
        e = s - 1;
        if (__builtin_add_overflow(s, fl->len, &s))
            return -LX_EINVAL;
    } else
        e = LOCK_EOF;
    if (s < 0)
        return -LX_EINVAL;
    *start = (uint64_t)s, *end = (uint64_t)e;
    return 0;
}

/* The POSIX lock that process pid's blocked F_SETLKW waits for (read back from its registers), or NULL. */
static struct lock *waits_for(int pid)
{
    struct lx_proc *q = lx_proc_find(pid);
    struct linux_flock fl;
    uint64_t start, end;

    if (!q || q->state != LX_BLOCKED || q->call.rax != 72 /* fcntl */ || q->call.rsi != LX_F_SETLKW)
        return NULL;
    struct lx_fd *f = lx_fd_of(q, q->call.rdi);
    if (!f || lx_copy_in(q, &fl, q->call.rdx, sizeof(fl)) < 0 || fl.type == UNLCK ||
        range_of(f, &fl, &start, &end) < 0)
        return NULL;
    return conflict(object_of(f), POSIX, fl.type, start, end, q->leader->pid, NULL);
}

/* Would process pid waiting for lock l close a cycle of waits (back to pid)? Chains of POSIX owners. */
static bool deadlock(int pid, const struct lock *l)
{
    for (int depth = 0; l && l->kind == POSIX && depth < 64; depth++) {
        if (l->pid == pid)
            return true;
        l = waits_for(l->pid);
    }
    return false;
}

static int64_t getlk(struct lx_proc *p, struct lx_fd *f, uint64_t ufl, enum lock_kind kind)
{
    struct linux_flock fl;
    uint64_t start, end;
    int e;

    if (lx_copy_in(p, &fl, ufl, sizeof(fl)) < 0)
        return -LX_EFAULT;
    if ((fl.type != RDLCK && fl.type != WRLCK) || (kind == OFD && fl.pid != 0))
        return -LX_EINVAL;
    if ((e = range_of(f, &fl, &start, &end)) < 0)
        return e;
    struct lock *l = conflict(object_of(f), kind, fl.type, start, end, p->leader->pid, f);
    if (!l)
        fl.type = UNLCK;
    else {
        fl.type = (int16_t)l->type, fl.whence = 0, fl.start = (int64_t)l->start;
        fl.len = l->end == LOCK_EOF ? 0 : (int64_t)(l->end - l->start + 1);
        fl.pid = l->kind == POSIX ? l->pid : -1;
    }
    return lx_copy_out(p, ufl, &fl, sizeof(fl)) < 0 ? -LX_EFAULT : 0;
}

static int64_t setlk(struct lx_proc *p, struct lx_fd *f, uint64_t ufl, enum lock_kind kind, bool wait)
{
    struct linux_flock fl;
    uint64_t start, end;
    int e, pid = p->leader->pid;

    if (lx_copy_in(p, &fl, ufl, sizeof(fl)) < 0)
        return -LX_EFAULT;
    if ((fl.type != RDLCK && fl.type != WRLCK && fl.type != UNLCK) || (kind == OFD && fl.pid != 0))
        return -LX_EINVAL;
    if ((e = range_of(f, &fl, &start, &end)) < 0)
        return e;
    int acc = f->flags & LX_O_ACCMODE;
    if ((fl.type == RDLCK && acc == LX_O_WRONLY) || (fl.type == WRLCK && acc == 0))
        return -LX_EBADF;
    const void *obj = object_of(f);
    struct lock *l = fl.type == UNLCK ? NULL : conflict(obj, kind, fl.type, start, end, pid, f);
    if (l) {
        if (!wait)
            return -LX_EAGAIN;
        if (kind == POSIX && deadlock(pid, l))
            return -LX_EDEADLK;
        return LX_WOULD_BLOCK;
    }
    return set_range(obj, kind, fl.type, start, end, pid, f);
}

int64_t lx_fcntl_lock(struct lx_proc *p, struct lx_fd *f, uint64_t cmd, uint64_t arg)
{
    switch (cmd) {
    case LX_F_GETLK: return getlk(p, f, arg, POSIX);
    case LX_F_SETLK: return setlk(p, f, arg, POSIX, false);
    case LX_F_SETLKW: return setlk(p, f, arg, POSIX, true);
    case LX_F_OFD_GETLK: return getlk(p, f, arg, OFD);
    case LX_F_OFD_SETLK: return setlk(p, f, arg, OFD, false);
    case LX_F_OFD_SETLKW: return setlk(p, f, arg, OFD, true);
    default: return -LX_EINVAL;
    }
}

/* flock: LOCK_SH 1, LOCK_EX 2, LOCK_NB 4, LOCK_UN 8. Changing a lock's type lets the old one go first. */
int64_t sys_flock(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);
    unsigned op = (unsigned)A1 & ~4u;
    int type = op == 1 ? RDLCK : op == 2 ? WRLCK : op == 8 ? UNLCK : -1;

    if (!f)
        return -LX_EBADF;
    if (type < 0)
        return -LX_EINVAL;
    const void *obj = object_of(f);
    for (struct lock *l = *bucket_of(obj); l; l = l->next)
        if (l->obj == obj && l->kind == FLOCK && l->ofd == f && l->type == type)
            return 0; /* held already */
    set_range(obj, FLOCK, UNLCK, 0, LOCK_EOF, 0, f);
    if (type == UNLCK)
        return 0;
    if (conflict(obj, FLOCK, type, 0, LOCK_EOF, 0, f))
        return (A1 & 4) ? -LX_EAGAIN : LX_WOULD_BLOCK;
    return set_range(obj, FLOCK, type, 0, LOCK_EOF, p->leader->pid, f);
}

void lx_locks_close(struct lx_proc *p, const struct lx_fd *f)
{
    if (!nlocks)
        return;
    const void *obj = object_of(f);
    int pid = p->leader->pid;
    for (struct lock **at = bucket_of(obj); *at;)
        if ((*at)->obj == obj && (*at)->kind == POSIX && (*at)->pid == pid)
            unlink_lock(at);
        else
            at = &(*at)->next;
}

void lx_locks_file_gone(const struct lx_fd *f)
{
    if (!nlocks)
        return;
    for (struct lock **at = bucket_of(object_of(f)); *at;)
        if ((*at)->kind != POSIX && (*at)->ofd == f)
            unlink_lock(at);
        else
            at = &(*at)->next;
}
