/*
 * Processes and threads come and go: fork, vfork, clone and clone3 (kernel/proc.c makes the copy or the
 * thread), execve and execveat (the new program's arguments are copied out of the old one first), and
 * wait4 and waitid (a zombie child is reported and reaped, or the caller blocks until one is).
 */
#include "kernel/syscall.h"
#include <string.h>

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
/* Linux's limits: a quarter of the 8 MiB stack in all, 32 pages a string (MAX_ARG_STRLEN). */
#define MAX_EXEC_BYTES (2u << 20)
#define MAX_EXEC_ARGS (MAX_EXEC_BYTES / 8)
#define MAX_ARG_STRLEN (32u * 4096)

#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_SYSVSEM 0x40000
#define CLONE_DETACHED 0x400000
/* What a new thread shares with its process here: all of these, as pthread_create asks. */
#define CLONE_AS_THREAD (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

/*
 * fork, vfork (a fork here: the parent need not wait), clone for a new process (without CLONE_VM) and
 * for a new thread (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, as pthread_create
 * makes them). Other sharing, such as CLONE_VM without CLONE_THREAD, is not in this version.
 */
static int64_t do_clone(struct lx_proc *p, struct px_regs *r, uint64_t flags, uint64_t newsp, uint64_t ptid,
                         uint64_t ctid, uint64_t tls)
{
    uint64_t known = CLONE_AS_THREAD | CLONE_SYSVSEM | CLONE_DETACHED | CLONE_SETTLS | CLONE_PARENT_SETTID |
                     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_VFORK | 0xff;
    bool thread = (flags & CLONE_AS_THREAD) == CLONE_AS_THREAD;
    bool vfork = (flags & (CLONE_AS_THREAD | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK); /* posix_spawn's */
    struct px_regs child = *r;
    struct lx_proc *c;
    int e;

    if (p->state == LX_BLOCKED && p->vfork_child) { /* the parent of a vfork child waits for its execve or end */
        c = lx_proc_find(p->vfork_child);
        if (c && c->state != LX_ZOMBIE && c->mm != c)
            return LX_WOULD_BLOCK;
        e = p->vfork_child;
        p->vfork_child = 0;
        return e;
    }
    if ((flags & ~known) || (!thread && !vfork && (flags & CLONE_AS_THREAD)))
        return LX_NOSYS; /* namespaces, CLONE_VM alone, ...: not in this version (counted as unimplemented) */
    if (!thread && (flags & 0xff) != LX_SIGCHLD && (flags & 0xff) != 0)
        return -LX_EINVAL; /* another exit signal than SIGCHLD: not in this version */
    child.rax = 0;
    if (newsp)
        child.rsp = newsp;
    if (flags & CLONE_SETTLS)
        child.fs_base = tls;
    if (!(c = thread ? lx_thread_new(p, &child, &e) : lx_proc_fork(p, &child, vfork, &e)))
        return -e;
    if (flags & CLONE_CHILD_SETTID)
        lx_copy_out(c, ctid, &c->pid, 4);
    if (flags & CLONE_CHILD_CLEARTID)
        c->tid_address = ctid;
    if (flags & CLONE_PARENT_SETTID)
        lx_copy_out(p, ptid, &c->pid, 4);
    if (vfork) { /* the parent waits until the child has called execve or ended, as Linux's vfork */
        p->vfork_child = c->pid;
        return LX_WOULD_BLOCK;
    }
    return c->pid;
}

/* clone3: the same, from a struct clone_args. */
static int64_t do_clone3(struct lx_proc *p, struct px_regs *r, uint64_t uargs, uint64_t size)
{
    uint64_t a[11] = {0}; /* flags pidfd child_tid parent_tid exit_signal stack stack_size tls set_tid
                             set_tid_size cgroup */

    if (size < 64 || size > sizeof(a))
        return size < 64 ? -LX_EINVAL : -LX_E2BIG;
    if (lx_copy_in(p, a, uargs, size) < 0)
        return -LX_EFAULT;
    if ((size > 64 && (a[8] || a[9])) || (size > 80 && a[10]) || a[4] > LX_NSIG || (a[0] & 0xff))
        return LX_NOSYS; /* set_tid, cgroups: not in this version (CLONE_PIDFD is refused by do_clone) */
    if (!a[5] != !a[6])
        return -LX_EINVAL;
    return do_clone(p, r, a[0] | a[4], a[5] ? a[5] + a[6] : 0, a[3], a[2], a[7]);
}

/* A NULL-terminated array of strings from the process, packed into buf; -LX_EFAULT or -LX_E2BIG. */
static int copy_strings(struct lx_proc *p, uint64_t uarr, char **out, char *buf, size_t *used)
{
    unsigned n = 0;

    for (; uarr; n++) {
        uint64_t ptr;
        if (n == MAX_EXEC_ARGS - 1)
            return -LX_E2BIG;
        if (lx_copy_in(p, &ptr, uarr + n * 8, 8) < 0)
            return -LX_EFAULT;
        if (!ptr)
            break;
        size_t room = MAX_EXEC_BYTES - *used < MAX_ARG_STRLEN ? MAX_EXEC_BYTES - *used : MAX_ARG_STRLEN;
        int e = lx_copy_string(p, buf + *used, ptr, room);
        if (e < 0)
            return e == -LX_ENAMETOOLONG ? -LX_E2BIG : e;
        out[n] = buf + *used;
        *used += strlen(out[n]) + 1;
    }
    out[n] = NULL;
    return 0;
}

static int64_t do_execve(struct lx_proc *p, struct px_regs *r, int64_t dirfd, uint64_t upath, uint64_t uargv,
                          uint64_t uenvp, enum lx_outcome *outcome)
{
    static char strings[MAX_EXEC_BYTES];
    static char *argv[MAX_EXEC_ARGS], *envp[MAX_EXEC_ARGS];
    char path[300];
    size_t used = 0;
    int e;

    if ((e = lx_path_at(p, dirfd, upath, path, sizeof(path))) < 0 || (e = copy_strings(p, uargv, argv, strings, &used)) < 0 ||
        (e = copy_strings(p, uenvp, envp, strings, &used)) < 0)
        return e;
    e = lx_proc_exec(p, path, argv, envp, r);
    if (e > 0) { /* the old program is gone and the new one could not be set up: Linux sends SIGSEGV */
        *outcome = LX_EXIT;
        return 11;
    }
    if (e == 0 && p->new_thread) { /* a vfork child: its program runs in a thread of its own already */
        p->new_thread = false;
        *outcome = LX_DETACHED;
        return 0;
    }
    return e < 0 ? e : (int64_t)r->rax;
}

/* wait4: a zombie child is reaped; a running one is waited for (LX_WOULD_BLOCK) unless WNOHANG. */
static int64_t do_wait4(struct lx_proc *p, int64_t pid, uint64_t ustatus, uint64_t options, uint64_t rusage)
{
    bool any = false;

    pid = (int32_t)pid;
    if (options & ~(uint64_t)(LX_WNOHANG | 2 | 8 | 0x40000000)) /* WUNTRACED, WCONTINUED, __WALL */
        return -LX_EINVAL;
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *c = lx_proc_at(i);
        if (c->state == LX_FREE || c->leader != c || c->ppid != p->leader->pid || (pid > 0 && c->pid != pid))
            continue; /* pid 0 and < -1 name process groups: each process is its own group, so any child */
        any = true;
        int32_t told = (options & 2) && c->stop_report ? c->stop_sig << 8 | 0x7f /* WUNTRACED: stopped */
                       : (options & 8) && c->cont_report ? 0xffff                 /* WCONTINUED */
                                                         : -1;
        if (told >= 0 && c->state != LX_ZOMBIE) {
            if (ustatus && lx_copy_out(p, ustatus, &told, 4) < 0)
                return -LX_EFAULT;
            c->stop_report = c->cont_report = false;
            return c->pid;
        }
        if (c->state != LX_ZOMBIE)
            continue;
        if ((ustatus && lx_copy_out(p, ustatus, &c->wait_status, 4) < 0) ||
            (rusage && lx_put_rusage(p, rusage, c->utime_ended, c->stime, 0) < 0))
            return -LX_EFAULT;
        int reaped = c->pid;
        lx_proc_reap(c);
        return reaped;
    }
    if (!any)
        return -LX_ECHILD;
    return options & LX_WNOHANG ? 0 : LX_WOULD_BLOCK;
}

/* waitid: the same as wait4, told through a siginfo; WNOWAIT leaves the zombie. */
static int64_t do_waitid(struct lx_proc *p, uint64_t idtype, uint64_t id, uint64_t uinfo, uint64_t options)
{
    bool any = false;

    if (idtype > 2 || !(options & (4 | 2 | 8)) /* WEXITED, WSTOPPED, WCONTINUED: one at least */ ||
        (options & ~(uint64_t)(LX_WNOHANG | 4 | 2 | 8 | 0x1000000 | 0x40000000)))
        return -LX_EINVAL;
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *c = lx_proc_at(i);
        if (c->state == LX_FREE || c->leader != c || c->ppid != p->leader->pid || (idtype == 1 && c->pid != (int)(int32_t)id) ||
            (idtype == 2 && c->leader->pgid != (int)(int32_t)id))
            continue;
        any = true;
        bool stop = (options & 2) && c->stop_report, cont = (options & 8) && c->cont_report;
        if (c->state != LX_ZOMBIE && (stop || cont)) { /* WSTOPPED, WCONTINUED */
            int32_t info[32] = {LX_SIGCHLD, 0, stop ? 5 : 6, 0, c->pid, 0, stop ? c->stop_sig : LX_SIGCONT};
            if (uinfo && lx_copy_out(p, uinfo, info, sizeof(info)) < 0)
                return -LX_EFAULT;
            if (!(options & 0x1000000))
                c->stop_report = c->cont_report = false;
            return 0;
        }
        if (c->state != LX_ZOMBIE || !(options & 4))
            continue;
        int32_t info[32] = {0};
        bool killed = (c->leader->wait_status & 0x7f) != 0;
        info[0] = LX_SIGCHLD;
        info[2] = killed ? 2 : 1; /* CLD_KILLED, CLD_EXITED */
        info[4] = c->pid;
        info[5] = 0; /* uid */
        info[6] = killed ? (c->leader->wait_status & 0x7f) : (c->leader->wait_status >> 8) & 0xff;
        if (uinfo && lx_copy_out(p, uinfo, info, sizeof(info)) < 0)
            return -LX_EFAULT;
        if (!(options & 0x1000000))
            lx_proc_reap(c);
        return 0;
    }
    if (!any)
        return -LX_ECHILD;
    return options & LX_WNOHANG ? 0 : LX_WOULD_BLOCK; /* with WNOHANG, Linux leaves the siginfo alone */
}

int64_t sys_clone(struct lx_proc *p, struct px_regs *r) { return do_clone(p, r, A0, A1, A2, A3, A4); }
int64_t sys_clone3(struct lx_proc *p, struct px_regs *r) { return do_clone3(p, r, A0, A1); }
int64_t sys_fork(struct lx_proc *p, struct px_regs *r) { return do_clone(p, r, LX_SIGCHLD, 0, 0, 0, 0); }
int64_t sys_vfork(struct lx_proc *p, struct px_regs *r) { return do_clone(p, r, LX_SIGCHLD, 0, 0, 0, 0); } /* a fork here */
int64_t sys_execve(struct lx_proc *p, struct px_regs *r) { return do_execve(p, r, AT_FDCWD_, A0, A1, A2, &lx_call_outcome); }
/* execveat, without flags */
int64_t sys_execveat(struct lx_proc *p, struct px_regs *r) { return do_execve(p, r, (int64_t)A0, A1, A2, A3, &lx_call_outcome); }
int64_t sys_wait4(struct lx_proc *p, struct px_regs *r) { return do_wait4(p, (int64_t)A0, A1, A2, A3); }
int64_t sys_waitid(struct lx_proc *p, struct px_regs *r) { return do_waitid(p, A0, A1, A2, A3); }
