/*
 * epoll (man 7 epoll, man 2 epoll_ctl, epoll_wait): an interest list of (descriptor, file) entries and a
 * ready list, as Linux keeps them. An entry goes on the ready list when it is added or changed while its
 * file is ready, and when its file says its readiness may have risen (lx_poll_notify, with the events
 * that may now hold); epoll_wait asks poll only of the entries on the ready list, so a wait costs what
 * is ready, not what is watched. A level-triggered entry found ready stays on the list (it is looked at
 * again at the next wait, and leaves when it is no longer ready); an edge-triggered one leaves it when
 * reported and comes back only at the next notification; a one-shot one is disabled until EPOLL_CTL_MOD.
 * Files that cannot tell (the console, the host's streams: ops->notifies false) are on a second list
 * looked at every wait. Each file keeps the entries that watch it (lx_fd.watchers), so epoll_ctl finds
 * an entry there and closing a file's last descriptor takes it off every interest list.
 *
 * A blocked epoll_wait is done again whenever something changes, as every blocking call in lx is; an
 * epoll descriptor is itself pollable (readable while an entry is ready) and may be watched by another
 * epoll, up to Linux's nesting depth, never in a loop (ELOOP).
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>

#define EPOLLIN 0x001u
#define EPOLLOUT 0x004u
#define EPOLLERR 0x008u
#define EPOLLHUP 0x010u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define FLAGS (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLL_CLOEXEC LX_O_CLOEXEC
#define MAX_NESTS 4 /* Linux's EP_MAX_NESTS */
#define MAX_EVENTS (0x7fffffff / 12)

struct lx_proc *lx_poller;

/* struct epoll_event: packed on x86_64 (12 bytes). */
struct epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

struct epoll;
struct lx_epitem {
    struct epoll *ep;
    struct lx_fd *file;
    int fd;
    uint32_t events;            /* what was asked (EPOLLERR and EPOLLHUP always), with the flags */
    uint64_t data;
    bool listed;                /* on ep's ready list, or on its polled list (polled set) */
    bool polled;                /* its file cannot tell of changes: looked at every wait */
    struct lx_epitem *fnext, *fprev; /* the file's watchers */
    struct lx_epitem *enext, *eprev; /* all of ep's entries */
    struct lx_epitem *rnext, *rprev; /* ep's ready (or polled) list */
};

struct list {
    struct lx_epitem *head, *tail;
};

struct epoll {
    struct lx_fd *file;
    struct lx_epitem *items;
    struct list ready, polled;
};

static const struct lx_file_ops epoll_ops;

static void list_add(struct list *l, struct lx_epitem *it)
{
    it->rnext = NULL, it->rprev = l->tail;
    if (l->tail)
        l->tail->rnext = it;
    else
        l->head = it;
    l->tail = it;
}

static void list_del(struct list *l, struct lx_epitem *it)
{
    if (it->rprev)
        it->rprev->rnext = it->rnext;
    else
        l->head = it->rnext;
    if (it->rnext)
        it->rnext->rprev = it->rprev;
    else
        l->tail = it->rprev;
    it->rnext = it->rprev = NULL;
}

/* The events of it's file that hold now and that it asked for. */
static uint32_t item_poll(struct lx_epitem *it)
{
    const struct lx_file_ops *ops = it->file->ops;
    uint32_t re = ops->poll ? (uint16_t)ops->poll(it->file) : EPOLLIN | EPOLLOUT;

    return re & it->events & ~FLAGS;
}

static void queue(struct lx_epitem *it)
{
    if (!it->listed && !it->polled) {
        list_add(&it->ep->ready, it);
        it->listed = true;
    }
}

static void notify(struct lx_fd *f, uint32_t events, int depth)
{
    lx_wake_pending = true;
    if (!f || depth > MAX_NESTS)
        return;
    for (struct lx_epitem *it = f->watchers; it; it = it->fnext)
        if (!it->listed && !it->polled && (!events || (it->events & events & ~FLAGS))) {
            queue(it);
            notify(it->ep->file, EPOLLIN, depth + 1); /* an epoll watching this epoll */
        }
}

void lx_poll_notify(struct lx_fd *f, uint32_t events) { notify(f, events, 0); }

static void item_free(struct lx_epitem *it)
{
    struct epoll *ep = it->ep;

    if (it->listed)
        list_del(it->polled ? &ep->polled : &ep->ready, it);
    if (it->fprev)
        it->fprev->fnext = it->fnext;
    else
        it->file->watchers = it->fnext;
    if (it->fnext)
        it->fnext->fprev = it->fprev;
    if (it->eprev)
        it->eprev->enext = it->enext;
    else
        ep->items = it->enext;
    if (it->enext)
        it->enext->eprev = it->eprev;
    free(it);
}

void lx_epoll_forget(struct lx_fd *f)
{
    while (f->watchers)
        item_free(f->watchers);
}

/*
 * Up to max ready events into out (NULL: only say whether there is one, changing nothing). Each entry
 * on the ready list is asked once; those of the polled list that are ready join it first.
 */
static int collect(struct epoll *ep, struct epoll_event *out, int max)
{
    struct list keep = {NULL, NULL};
    int n = 0;

    for (struct lx_epitem *it = ep->polled.head; it; it = it->rnext)
        if (item_poll(it)) {
            if (!out)
                return 1;
            if (n < max) {
                out[n++] = (struct epoll_event){item_poll(it), it->data};
                if (it->events & EPOLLONESHOT)
                    it->events &= FLAGS; /* disabled until EPOLL_CTL_MOD */
            }
        }
    if (!out) {
        for (struct lx_epitem *it = ep->ready.head; it; it = it->rnext)
            if (item_poll(it))
                return 1;
        return 0;
    }
    for (struct lx_epitem *it; n < max && (it = ep->ready.head);) {
        uint32_t ev = item_poll(it); /* (while it is listed: a poll that notifies, a timerfd's, adds others only) */
        list_del(&ep->ready, it);
        it->listed = false;
        if (!ev)
            continue; /* not ready (any more): it comes back when its file says so */
        out[n++] = (struct epoll_event){ev, it->data};
        if (it->events & EPOLLONESHOT)
            it->events &= FLAGS;
        else if (!(it->events & EPOLLET)) { /* level-triggered: looked at again next time */
            list_add(&keep, it);
            it->listed = true;
        }
    }
    for (struct lx_epitem *it; (it = keep.head);) { /* behind the others, so that every entry gets its turn */
        list_del(&keep, it);
        list_add(&ep->ready, it);
    }
    return n;
}

static int16_t epoll_poll(struct lx_fd *f) { return collect(f->priv, NULL, 0) ? LX_POLLIN : 0; }

static void epoll_release(struct lx_fd *f)
{
    struct epoll *ep = f->priv;

    while (ep->items)
        item_free(ep->items);
    free(ep);
}

static const struct lx_file_ops epoll_ops = {.poll = epoll_poll, .release = epoll_release, .notifies = true};

static int64_t do_epoll_create(struct lx_proc *p, uint64_t flags)
{
    struct epoll *ep;
    struct lx_fd *f;
    int fd;

    if (flags & ~(uint64_t)EPOLL_CLOEXEC)
        return -LX_EINVAL;
    if ((fd = lx_fd_alloc(p, 0)) < 0)
        return -LX_EMFILE;
    if (!(ep = calloc(1, sizeof(*ep))))
        return -LX_ENOMEM;
    if (!(f = lx_file_new_ops(&epoll_ops, ep, LX_O_RDWR))) {
        free(ep);
        return -LX_ENOMEM;
    }
    ep->file = f;
    lx_fd_install(p, fd, f, flags & EPOLL_CLOEXEC);
    return fd;
}

static struct epoll *epoll_of(struct lx_fd *f) { return f && f->ops == &epoll_ops ? f->priv : NULL; }

/* How deep the epolls under f go (0: f is no epoll), or -1 if target is among them (a loop). */
static int depth_below(struct lx_fd *f, const struct epoll *target, int depth)
{
    struct epoll *ep = epoll_of(f);
    int most = 0;

    if (!ep)
        return 0;
    if (ep == target || depth > MAX_NESTS)
        return -1;
    for (struct lx_epitem *it = ep->items; it; it = it->enext) {
        int d = depth_below(it->file, target, depth + 1);
        if (d < 0)
            return -1;
        most = d > most ? d : most;
    }
    return most + 1;
}

/* How deep ep is under epolls that watch it. */
static int depth_above(struct epoll *ep, int depth)
{
    int most = 0;

    if (depth > MAX_NESTS)
        return depth;
    for (struct lx_epitem *it = ep->file->watchers; it; it = it->fnext) {
        int d = depth_above(it->ep, depth + 1) + 1;
        most = d > most ? d : most;
    }
    return most;
}

static struct lx_epitem *find(struct epoll *ep, struct lx_fd *f, int fd)
{
    for (struct lx_epitem *it = f->watchers; it; it = it->fnext)
        if (it->ep == ep && it->fd == fd)
            return it;
    return NULL;
}

static int add(struct epoll *ep, struct lx_fd *f, int fd, const struct epoll_event *ev)
{
    struct lx_epitem *it;

    if (epoll_of(f)) { /* an epoll in an epoll: no loop, and no deeper than Linux allows */
        int below = depth_below(f, ep, 0);
        if (below < 0 || below + depth_above(ep, 0) > MAX_NESTS)
            return -LX_ELOOP;
        if (ev->events & EPOLLEXCLUSIVE)
            return -LX_EINVAL;
    }
    if (!(it = calloc(1, sizeof(*it))))
        return -LX_ENOMEM;
    *it = (struct lx_epitem){.ep = ep, .file = f, .fd = fd, .events = ev->events | EPOLLERR | EPOLLHUP,
                             .data = ev->data, .polled = !f->ops->notifies && f->ops->poll};
    it->fnext = f->watchers;
    if (f->watchers)
        f->watchers->fprev = it;
    f->watchers = it;
    it->enext = ep->items;
    if (ep->items)
        ep->items->eprev = it;
    ep->items = it;
    if (it->polled) {
        list_add(&ep->polled, it);
        it->listed = true;
    } else if (item_poll(it)) {
        queue(it);
        lx_poll_notify(ep->file, EPOLLIN);
    }
    return 0;
}

static int64_t do_epoll_ctl(struct lx_proc *p, uint64_t epfd, uint64_t op, uint64_t fdnum, uint64_t uev)
{
    struct lx_fd *ef = lx_fd_of(p, epfd), *f = lx_fd_of(p, fdnum);
    struct epoll *ep = epoll_of(ef);
    struct epoll_event ev = {0, 0};
    int fd = (int)(uint32_t)fdnum;

    if (op != EPOLL_CTL_DEL && lx_copy_in(p, &ev, uev, sizeof(ev)) < 0)
        return -LX_EFAULT;
    if (!ef || !f)
        return -LX_EBADF;
    if (!f->ops->poll)
        return -LX_EPERM; /* a regular file or a directory: not pollable (as Linux) */
    if (!ep || f == ef)
        return -LX_EINVAL;
    if ((ev.events & EPOLLEXCLUSIVE) && (op == EPOLL_CTL_MOD ||
                                         (ev.events & ~(EPOLLEXCLUSIVE | EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
                                                        EPOLLWAKEUP | EPOLLET))))
        return -LX_EINVAL;
    struct lx_epitem *it = find(ep, f, fd);
    switch (op) {
    case EPOLL_CTL_ADD:
        return it ? -LX_EEXIST : add(ep, f, fd, &ev);
    case EPOLL_CTL_DEL:
        if (!it)
            return -LX_ENOENT;
        item_free(it);
        return 0;
    case EPOLL_CTL_MOD:
        if (!it)
            return -LX_ENOENT;
        if (it->events & EPOLLEXCLUSIVE)
            return -LX_EINVAL;
        it->events = ev.events | EPOLLERR | EPOLLHUP;
        it->data = ev.data;
        if (!it->polled && item_poll(it)) { /* re-armed and ready: reported at the next wait */
            queue(it);
            lx_poll_notify(ep->file, EPOLLIN);
        }
        return 0;
    default:
        return -LX_EINVAL;
    }
}

/* epoll_wait: ready events now, or block until there are some or the timeout (ns; -1 none) passes. */
static int64_t do_epoll_wait(struct lx_proc *p, uint64_t epfd, uint64_t uevents, uint64_t max, int64_t timeout_ns)
{
    static struct epoll_event out[4096]; /* (lx serves one call at a time) */
    struct lx_fd *ef = lx_fd_of(p, epfd);
    struct epoll *ep = epoll_of(ef);
    int n;

    if ((int32_t)max <= 0 || (int32_t)max > MAX_EVENTS)
        return -LX_EINVAL;
    if (!ef)
        return -LX_EBADF;
    if (!ep)
        return -LX_EINVAL;
    max = (uint32_t)max < 4096 ? (uint32_t)max : 4096;
    lx_poller = p;
    n = collect(ep, out, (int)max);
    lx_poller = NULL;
    if (n || timeout_ns == 0 || (p->state == LX_BLOCKED && p->deadline && libos_monotonic_ns() >= p->deadline))
        return lx_copy_out(p, uevents, out, (uint64_t)n * sizeof(out[0])) < 0 ? -LX_EFAULT : n;
    if (p->state != LX_BLOCKED)
        p->deadline = timeout_ns > 0 ? libos_monotonic_ns() + (uint64_t)timeout_ns : 0;
    return LX_WOULD_BLOCK;
}

int64_t sys_epoll_create(struct lx_proc *p, struct px_regs *r)
{
    return (int32_t)A0 <= 0 ? -LX_EINVAL : do_epoll_create(p, 0);
}

int64_t sys_epoll_create1(struct lx_proc *p, struct px_regs *r) { return do_epoll_create(p, A0); }
int64_t sys_epoll_ctl(struct lx_proc *p, struct px_regs *r) { return do_epoll_ctl(p, A0, A1, A2, A3); }

int64_t sys_epoll_wait(struct lx_proc *p, struct px_regs *r)
{
    return do_epoll_wait(p, A0, A1, A2, (int32_t)A3 < 0 ? -1 : (int64_t)(int32_t)A3 * 1000000);
}

/* epoll_pwait: with the signal mask it runs with (A4, of size A5), as ppoll. */
int64_t sys_epoll_pwait(struct lx_proc *p, struct px_regs *r)
{
    int64_t e = lx_sigmask_swap(p, A4, A5);

    if (e)
        return e;
    return do_epoll_wait(p, A0, A1, A2, (int32_t)A3 < 0 ? -1 : (int64_t)(int32_t)A3 * 1000000);
}

/* epoll_pwait2: the timeout a struct timespec (NULL: none). */
int64_t sys_epoll_pwait2(struct lx_proc *p, struct px_regs *r)
{
    int64_t ts[2], e;

    if (A3) {
        if (lx_copy_in(p, ts, A3, sizeof(ts)) < 0)
            return -LX_EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -LX_EINVAL;
    }
    if ((e = lx_sigmask_swap(p, A4, A5)) != 0)
        return e;
    return do_epoll_wait(p, A0, A1, A2, A3 ? ts[0] * 1000000000 + ts[1] : -1);
}
