/*
 * lx's start and event loop. It unpacks the initramfs from its "image" resource, starts the program the
 * host names over the stdio channel when the command line says lx.hostio (dev/hostio.c: any arguments and
 * environment, and the host's streams as its stdin, stdout and stderr), else the program the kernel
 * command line names (lx.init=PATH and lx.arg=ARG, repeatable; default /bin/sh), with its root on the
 * ext2 disk lx.root= names (lx.root=/dev/vda) or else the initramfs, and then serves
 * exception messages: a foreign system call is done and answered with the new registers; a write to a
 * page shared copy-on-write gets the process its own copy (mm/mem.c); any other fault is the signal Linux
 * would send. Its bound notification says a deadline passed (the timer) or the console has input. When
 * the first process ends, lx reports the system calls it did not implement and ends with that
 * process's status (a shell's convention: 128 + signal).
 */
#include "dev/blk.h"
#include "dev/hostio.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

uint32_t lx_endpoint;
bool lx_wake_pending;
static uint32_t timer; /* signals the notification bound to lx's thread: a blocked process's deadline */
#define TIMER_BIT 1
#define CONSOLE_BIT 2 /* the console has input */
#define DISK_BIT 4    /* a disk finished requests */

/* As p goes back to its program with registers r: a pending signal is delivered. <0: p ends with -that. */
static int finish(struct lx_proc *p, struct px_regs *r)
{
    int d = lx_signal_deliver(p, r, 0, 0);

    if (p->sigsuspended) { /* rt_sigsuspend ended and no handler ran: its mask goes back */
        p->blocked = p->saved_blocked;
        p->sigsuspended = false;
    }
    return d;
}

/* A blocked call a signal interrupts is done again after the handler (SA_RESTART) or fails with EINTR. */
static void interrupt(struct lx_proc *p, struct px_regs *r)
{
    uint64_t nr = p->call.rax;
    /* poll, ppoll, select, pselect6, the sleeps, sigsuspend, futex, pause and the epoll waits fail with
     * EINTR (man 7 signal) */
    bool restartable = nr != 7 && nr != 271 && nr != 23 && nr != 270 && nr != 35 && nr != 230 && nr != 130 &&
                       nr != 202 && nr != 34 && nr != 232 && nr != 281 && nr != 441;

    *r = p->call;
    if (restartable && lx_signal_restarts(p))
        r->rip -= 2; /* back onto the syscall instruction, rax still the number */
    else
        r->rax = (uint64_t)-LX_EINTR;
}

/*
 * Do again the system calls of blocked processes, now that something changed (a pipe was read, written
 * or closed, a process ended); a call that completes resumes its thread. Repeated while calls complete,
 * since one's completion can be what another waits for.
 */
static void wake_blocked(void)
{
    int status, d;
    uint64_t next = 0, timers = lx_itimers_run(); /* their signals interrupt blocked calls below */
    uint64_t timerfds = lx_timerfds_run();         /* (expired ones wake their readers below) */

    if (timerfds && (!timers || timerfds < timers))
        timers = timerfds;

    while (lx_wake_pending) {
        lx_wake_pending = false;
        lx_kstacks_run(); /* calls asleep for the disk or a lock go on if they can */
        for (unsigned i = 0; i < lx_proc_slots(); i++) {
            struct lx_proc *p = lx_proc_at(i);
            if (p->state != LX_BLOCKED || p->leader->stopped)
                continue;
            struct px_regs r = p->call;
            enum lx_outcome o = lx_syscall(p, &r, &status);
            if (o == LX_BLOCK && lx_signal_deliverable(p) && !p->vfork_child && !lx_kstack_busy(p)) {
                /* (not vfork's wait, nor a call asleep for the disk: it runs to its end first) */
                interrupt(p, &r);
                o = LX_RESUME;
            }
            switch (o) {
            case LX_BLOCK: case LX_DETACHED: break; /* (a call done again never execs) */
            case LX_EXIT: lx_proc_exit(p, status); break;
            case LX_THREAD_EXIT: lx_thread_exit(p, status); break;
            case LX_RESUME:
                p->state = LX_RUNNING;
                p->deadline = 0;
                p->futex = 0, p->futex_woken = false;
                if ((d = finish(p, &r)) < 0)
                    lx_proc_exit(p, -d);
                else if (p->leader->stopped) /* stopped meanwhile (its call's signal did it): it waits */
                    p->call = r, p->state = LX_STOPPED;
                else if (px_thread_write_regs(p->thread, &r) != PX_OK || px_thread_resume(p->thread) != PX_OK)
                    lx_proc_exit(p, LX_SIGKILL);
                break;
            }
        }
    }
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *p = lx_proc_at(i);
        if (p->state == LX_BLOCKED && p->deadline && (!next || p->deadline < next))
            next = p->deadline;
    }
    if (timers && (!next || timers < next))
        next = timers;
    uint64_t disks = lx_disk_deadline(); /* a disk that stops answering is given up on (dev/blk.c) */
    if (disks && (!next || disks < next))
        next = disks;
    px_timer_set(timer, next, 0); /* 0 disarms */
}

/* The signal Linux sends for an exception. */
static int signal_of(uint64_t kind)
{
    switch (kind) {
    case PX_EXC_PAGE_FAULT: return 11;     /* SIGSEGV */
    case PX_EXC_GENERAL: return 11;
    case PX_EXC_INVALID_OPCODE: return 4;  /* SIGILL */
    case PX_EXC_DIVIDE: return 8;          /* SIGFPE */
    case PX_EXC_DEBUG: return 5;           /* SIGTRAP */
    default: return 11;
    }
}

/* A copy of the command-line word at w (it ends at a space), with each "\x20" turned back into a space. */
static char *word(const char *w)
{
    size_t n = strcspn(w, " ");
    char *out = malloc(n + 1), *q = out;

    for (size_t i = 0; out && i < n; i++)
        if (strncmp(w + i, "\\x20", 4) == 0 && i + 4 <= n)
            *q++ = ' ', i += 3;
        else
            *q++ = w[i];
    if (out)
        *q = 0;
    return out;
}

/* init: the program's path, a bare name looked for as the shell would. */
static void resolve(char *init, const char *name)
{
    snprintf(init, 128, "%s", name && name[0] ? name : "/bin/sh");
    if (!strchr(init, '/'))
        for (const char *dir = "/bin\0/sbin\0/usr/bin\0/usr/sbin\0"; *dir; dir += strlen(dir) + 1) {
            char path[128];
            int e;
            snprintf(path, sizeof(path), "%s/%s", dir, init);
            if (lx_fs_lookup(path, true, &e)) {
                snprintf(init, 128, "%s", path);
                break;
            }
        }
}

/* The program and its arguments from the command line (lx.init=, lx.arg=); init is resolved later. */
static void command_line(char **argv, char *init)
{
    const char *c = libos_bootinfo->cmdline;
    const char *i = strstr(c, "lx.init=");
    char *name = i ? word(i + 8) : NULL;
    int argc = 1;

    snprintf(init, 128, "%s", name && name[0] ? name : "/bin/sh");
    free(name);
    argv[0] = init;
    for (const char *a = strstr(c, "lx.arg="); a && argc < MAX_ARGS - 1; a = strstr(a + 1, "lx.arg="))
        if ((argv[argc] = word(a + 7)))
            argc++;
    argv[argc] = NULL;
}

/*
 * The root: the disk lx.root= names (an ext2 file system, fs/ext2/vfs.c), else, or if it cannot be
 * mounted (lx says why), the initramfs. 0, or -1 with the reason in err.
 */
static int mount_root(const struct libos_resource *image, char *err, size_t errlen)
{
    const char *r = strstr(libos_bootinfo->cmdline, "lx.root=");
    char *root = r ? word(r + 8) : NULL;

    if (root && root[0]) {
        int e = lx_ext2_mount(root, "/", false);
        if (e == 0) { /* the initramfs's tools stay at hand under /initramfs, if the disk has that directory */
            free(root);
            if (image && lx_fs_lookup("/initramfs", true, &e) &&
                lx_fs_load((const void *)(uintptr_t)image->va, image->size, "/initramfs", err, errlen) < 0)
                printf("lx: %s\n", err);
            return 0;
        }
        printf("lx: cannot mount %s as the root (errno %d): the initramfs is the root\n", root, -e);
    }
    free(root);
    if (!image)
        return snprintf(err, errlen, "no initramfs: give the task an image"), -1;
    return lx_fs_load((const void *)(uintptr_t)image->va, image->size, "/", err, errlen);
}

/*
 * The other disks: each lx.mount=SOURCE:DIR (tools/proteus lx gives lx.mount=/dev/vdb:/mnt/vdb for a
 * second --disk) mounts that disk's ext2 file system at DIR, made first (with its parents) if it is not
 * there. A disk that cannot be mounted is reported and left alone.
 */
static void mount_others(void)
{
    for (const char *m = strstr(libos_bootinfo->cmdline, "lx.mount="); m; m = strstr(m + 1, "lx.mount=")) {
        char *w = word(m + 9), *dir = w ? strchr(w, ':') : NULL;
        int e = -LX_EINVAL;
        if (dir && dir[1] == '/') {
            *dir++ = 0;
            for (char *slash = strchr(dir + 1, '/');; slash = strchr(slash + 1, '/')) { /* mkdir -p */
                if (slash)
                    *slash = 0;
                if (!lx_fs_lookup(dir, true, &e))
                    lx_fs_create(dir, 040755, NULL, 0, NULL);
                if (!slash)
                    break;
                *slash = '/';
            }
            e = lx_ext2_mount(w, dir, false);
        }
        if (e < 0)
            printf("lx: cannot mount %s (lx.mount=SOURCE:DIR) (errno %d)\n", w ? w : "", -e);
        free(w);
    }
}

int main(void)
{
    static char *envp[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "TERM=dumb", NULL};
    const struct libos_resource *image = libos_resource("image", LIBOS_RES_SHARED);
    char err[128], init[128], *argv[MAX_ARGS];
    struct lx_proc *first;
    struct px_msg m;
    int e, d, status = 0;

    char **av = argv, **ev = envp;
    unsigned terminal = 7;
    bool hostio = lx_hostio_active();
    if (hostio) {
        if (!lx_hostio_start(&av, &ev, &terminal, err, sizeof(err))) {
            printf("lx: %s\n", err);
            return 1;
        }
        snprintf(init, sizeof(init), "%s", av[0] ? av[0] : "");
    } else
        command_line(argv, init);
    uint32_t ntfn = libos_slot_alloc(), console = libos_slot_alloc();
    if (!(lx_endpoint = libos_slot_alloc()) || px_endpoint_create(lx_endpoint) != PX_OK || !ntfn || !console ||
        !(timer = libos_slot_alloc()) || px_notification_create(ntfn) != PX_OK ||
        px_timer_create(timer, ntfn, TIMER_BIT) != PX_OK || px_thread_bind(libos_bootinfo->cap_thread, ntfn) != PX_OK ||
        px_cap_mint(ntfn, console, PX_R_WRITE, CONSOLE_BIT) != PX_OK) {
        printf("lx: cannot make its endpoint and timer\n");
        return 1;
    }
    if (libos_console_notify(console, 15) != PX_OK) /* above the processes (10), below lx (20) */
        printf("lx: no console input\n");
    if (hostio) {
        uint32_t hb = libos_slot_alloc();
        if (!hb || px_cap_mint(ntfn, hb, PX_R_WRITE, CONSOLE_BIT) != PX_OK || !lx_hostio_notify(hb, 15)) {
            printf("lx: cannot wait for the host's streams\n");
            return 1;
        }
    }
    uint32_t disk_ntfn = libos_slot_alloc();
    if (!disk_ntfn || px_cap_mint(ntfn, disk_ntfn, PX_R_WRITE, DISK_BIT) != PX_OK)
        printf("lx: no disks (cannot make their notification)\n");
    else
        if (lx_disks_init(disk_ntfn) > 0)
            lx_kstacks_start(); /* a call may wait for a disk now: each runs on a kernel stack */
    if (mount_root(image, err, sizeof(err)) < 0) {
        printf("lx: %s\n", err);
        return 1;
    }
    mount_others();
    char name[128];
    snprintf(name, sizeof(name), "%s", init);
    resolve(init, name);
    if (!hostio)
        argv[0] = init;
    if (!(first = lx_proc_spawn(init, av, ev, &e))) {
        printf("lx: cannot start %s (errno %d)\n", init, e);
        return 1;
    }
    for (int fd = 0; hostio && fd < 3; fd++)
        if (!(terminal & 1u << fd)) {
            struct lx_fd *h = lx_hostio_file(fd);
            if (h)
                lx_file_put(first->fds[fd]), first->fds[fd] = h;
        }
    int first_pid = first->pid;
    px_recv(lx_endpoint, &m);
    for (;;) {
        if (PX_MSGINFO_LABEL(m.info) == PX_LABEL_NOTIFY) { /* a deadline passed, or the console has input */
            lx_disk_poll(); /* finished disk requests: their callers' calls are done again */
            lx_tty_input(); /* which may end processes (Ctrl-C) */
            lx_wake_pending = true;
            goto done;
        }
        struct lx_proc *p = lx_proc_by_badge(m.badge);
        uint64_t kind = PX_MSGINFO_LABEL(m.info) - PX_LABEL_EXCEPTION;
        struct px_exception exc;
        libos_exception_get(&m, &exc);
        struct px_regs r = exc.regs;
        bool replied = false;
        lx_current = p;
        if (p && p->state == LX_RUNNING && p->leader->stopped) { /* its process is stopped: it waits */
            if (kind == PX_EXC_FOREIGN_SYSCALL)
                r.rip -= 2; /* the call is made when it continues */
            p->call = r;
            p->state = LX_STOPPED;
        }
        if (!p || p->state != LX_RUNNING) {
            m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
            px_reply(&m);
            replied = true;
        } else if (kind == PX_EXC_FOREIGN_SYSCALL) {
            struct px_regs at_call = r;
            enum lx_outcome o = lx_syscall(p, &r, &status);
            if (o == LX_BLOCK && lx_signal_deliverable(p) && !p->vfork_child && !lx_kstack_busy(p)) {
                /* a signal is there: no wait (but for a call asleep for the disk) */
                p->call = at_call;
                interrupt(p, &r);
                o = LX_RESUME;
            }
            switch (o) {
            case LX_RESUME:
                if ((d = finish(p, &r)) >= 0) {
                    libos_exception_resume(&m, &r);
                    break;
                }
                m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
                px_reply(&m);
                replied = true;
                lx_proc_exit(p, -d);
                break;
            case LX_BLOCK: /* stopped until wake_blocked finds the call can be done */
                p->call = at_call;
                p->state = LX_BLOCKED;
                m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
                break;
            case LX_DETACHED: /* its thread is gone: nothing to answer */
                replied = true;
                break;
            case LX_EXIT:
            case LX_THREAD_EXIT:
                m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
                px_reply(&m);
                replied = true;
                if (o == LX_EXIT)
                    lx_proc_exit(p, status);
                else
                    lx_thread_exit(p, status);
                break;
            }
        } else {
            int sig = signal_of(kind), cow = 0;
            uint64_t addr = exc.addr, access = exc.access, rip = r.rip;
            if (kind == PX_EXC_PAGE_FAULT && (cow = lx_mem_fault(p, addr, access)) < 0)
                sig = LX_SIGKILL, printf("lx: pid %d is out of memory\n", p->pid);
            if (cow > 0) { /* a write to a page it shared with a fork: its own copy now */
                libos_exception_resume(&m, &r);
            } else if (cow == 0 && lx_signal_deliver(p, &r, sig, addr) > 0) { /* its handler runs */
                libos_exception_resume(&m, &r);
            } else {
                printf("lx: pid %d killed by signal %d (exception %llu at rip %#llx, address %#llx)\n", p->pid, sig,
                       (unsigned long long)kind, (unsigned long long)rip, (unsigned long long)addr);
                m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
                px_reply(&m);
                replied = true;
                lx_proc_exit(p, sig);
            }
        }
        if (!replied && p->state == LX_RUNNING && p->leader->stopped) { /* stopped while served: parked */
            p->call = r;
            p->state = LX_STOPPED;
            m.info = PX_MSGINFO(PX_EXC_REPLY_STOP, 0);
        }
        if (!replied && p->state == LX_RUNNING && !lx_wake_pending) {
            lx_current = NULL;
            px_reply_recv(lx_endpoint, &m); /* the fast path: nothing another process waits for changed */
            continue;
        }
        if (!replied)
            px_reply(&m);
done:
        lx_current = NULL;
        wake_blocked();
        struct lx_proc *f = lx_proc_find(first_pid);
        if (!f || f->state == LX_ZOMBIE) {
            lx_hostio_flush();
            lx_vfs_shutdown(); /* every disk file system written back and marked clean before lx ends */
            lx_buffers_shutdown();
            lx_unimplemented_report();
            int ws = f ? f->leader->wait_status : 0, code = (ws & 0x7f) ? 128 + (ws & 0x7f) : (ws >> 8) & 0xff;
            printf("lx: %s exited with status %d\n", init, code);
            fflush(stdout);
            return code;
        }
        px_recv(lx_endpoint, &m);
    }
}
