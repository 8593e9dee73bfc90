/*
 * Linux's x86_64 system calls (numbers, registers and negative-errno results as in the kernel's ABI;
 * semantics from man 2): the one table from number to handler, and the dispatch. Every pointer a
 * handler takes is copied through lx_copy_in/out, which return -LX_EFAULT for anything the process has
 * not mapped. A call lx does not implement returns -LX_ENOSYS and is counted for the report at exit:
 * nothing is faked. The comment on each line names the file that implements the call.
 */
#include "kernel/syscall.h"
#include <stdio.h>

enum lx_outcome lx_call_outcome;
static unsigned unimplemented[LX_NSYSCALLS];

/* exit: the thread's end (its process's, if it is the last); the result is its status. */
int64_t sys_exit(struct lx_proc *p, struct px_regs *r)
{
    lx_call_outcome = LX_THREAD_EXIT;
    return (int64_t)(A0 & 0xff);
}

/* exit_group: the process's end, with a wait status. */
int64_t sys_exit_group(struct lx_proc *p, struct px_regs *r)
{
    lx_call_outcome = LX_EXIT;
    return (int64_t)(A0 & 0xff) << 8;
}

static lx_syscall_fn *const table[LX_NSYSCALLS] = {
    [0] = sys_read,                  /* fs/read_write.c */
    [1] = sys_write,                 /* fs/read_write.c */
    [2] = sys_open,                  /* fs/open.c */
    [3] = sys_close,                 /* fs/fdtable.c */
    [4] = sys_stat,                  /* fs/stat.c */
    [5] = sys_fstat,                 /* fs/stat.c */
    [6] = sys_lstat,                 /* fs/stat.c */
    [7] = sys_poll,                  /* fs/select.c */
    [8] = sys_lseek,                 /* fs/read_write.c */
    [9] = sys_mmap,                  /* mm/mmap.c */
    [10] = sys_mprotect,             /* mm/mmap.c */
    [11] = sys_munmap,               /* mm/mmap.c */
    [12] = sys_brk,                  /* mm/mmap.c */
    [13] = sys_rt_sigaction,         /* kernel/signal.c */
    [14] = sys_rt_sigprocmask,       /* kernel/signal.c */
    [15] = sys_rt_sigreturn,         /* kernel/signal.c */
    [16] = sys_ioctl,                /* fs/fdtable.c */
    [17] = sys_pread64,              /* fs/read_write.c */
    [18] = sys_pwrite64,             /* fs/read_write.c */
    [19] = sys_readv,                /* fs/read_write.c */
    [20] = sys_writev,               /* fs/read_write.c */
    [21] = sys_access,               /* fs/stat.c */
    [22] = sys_pipe,                 /* fs/pipe.c */
    [23] = sys_select,               /* fs/select.c */
    [24] = sys_sched_yield,          /* kernel/time.c */
    [25] = sys_mremap,               /* mm/mmap.c */
    [26] = sys_msync,                /* mm/mmap.c */
    [27] = sys_mincore,              /* mm/mmap.c */
    [28] = sys_madvise,              /* mm/mmap.c */
    [32] = sys_dup,                  /* fs/fdtable.c */
    [33] = sys_dup2,                 /* fs/fdtable.c */
    [34] = sys_pause,                /* kernel/signal.c */
    [35] = sys_nanosleep,            /* kernel/time.c */
    [36] = sys_getitimer,            /* kernel/time.c */
    [37] = sys_alarm,                /* kernel/time.c */
    [38] = sys_setitimer,            /* kernel/time.c */
    [39] = sys_getpid,               /* kernel/ids.c */
    [40] = sys_sendfile,             /* fs/read_write.c */
    [41] = sys_socket,               /* net/socket.c: AF_UNIX only (other families EAFNOSUPPORT) */
    [42] = sys_connect,              /* net/socket.c */
    [43] = sys_accept,               /* net/socket.c */
    [44] = sys_sendto,               /* net/socket.c */
    [45] = sys_recvfrom,             /* net/socket.c */
    [46] = sys_sendmsg,              /* net/socket.c */
    [47] = sys_recvmsg,              /* net/socket.c */
    [48] = sys_shutdown,             /* net/socket.c */
    [49] = sys_bind,                 /* net/socket.c */
    [50] = sys_listen,               /* net/socket.c */
    [51] = sys_getsockname,          /* net/socket.c */
    [52] = sys_getpeername,          /* net/socket.c */
    [53] = sys_socketpair,           /* net/socket.c */
    [54] = sys_setsockopt,           /* net/socket.c: SOL_SOCKET options lx uses or keeps (others ENOPROTOOPT) */
    [55] = sys_getsockopt,           /* net/socket.c: SOL_SOCKET options lx uses or keeps (others ENOPROTOOPT) */
    [56] = sys_clone,                /* kernel/fork.c */
    [57] = sys_fork,                 /* kernel/fork.c */
    [58] = sys_vfork,                /* kernel/fork.c */
    [59] = sys_execve,               /* kernel/fork.c */
    [60] = sys_exit,                 /* kernel/syscall.c */
    [61] = sys_wait4,                /* kernel/fork.c */
    [62] = sys_kill,                 /* kernel/signal.c */
    [63] = sys_uname,                /* kernel/system.c */
    [72] = sys_fcntl,                /* fs/fdtable.c */
    [73] = sys_flock,                /* fs/locks.c */
    [74] = sys_fsync,                /* fs/namei.c */
    [75] = sys_fdatasync,            /* fs/namei.c */
    [76] = sys_truncate,             /* fs/namei.c */
    [77] = sys_ftruncate,            /* fs/namei.c */
    [79] = sys_getcwd,               /* fs/namei.c */
    [80] = sys_chdir,                /* fs/namei.c */
    [81] = sys_fchdir,               /* fs/namei.c */
    [82] = sys_rename,               /* fs/namei.c */
    [83] = sys_mkdir,                /* fs/namei.c */
    [84] = sys_rmdir,                /* fs/namei.c */
    [86] = sys_link,                 /* fs/namei.c */
    [87] = sys_unlink,               /* fs/namei.c */
    [88] = sys_symlink,              /* fs/namei.c */
    [89] = sys_readlink,             /* fs/stat.c */
    [90] = sys_chmod,                /* fs/namei.c */
    [91] = sys_fchmod,               /* fs/namei.c */
    [92] = sys_chown,                /* fs/namei.c */
    [93] = sys_fchown,               /* fs/namei.c */
    [94] = sys_lchown,               /* fs/namei.c */
    [95] = sys_umask,                /* kernel/ids.c */
    [96] = sys_gettimeofday,         /* kernel/time.c */
    [97] = sys_getrlimit,            /* kernel/system.c */
    [98] = sys_getrusage,            /* kernel/time.c */
    [99] = sys_sysinfo,              /* kernel/system.c */
    [100] = sys_times,               /* kernel/time.c */
    [102] = sys_getuid,              /* kernel/ids.c */
    [104] = sys_getuid,              /* getgid: kernel/ids.c */
    [107] = sys_getuid,              /* geteuid: kernel/ids.c */
    [108] = sys_getuid,              /* getegid: kernel/ids.c */
    [109] = sys_setpgid,             /* kernel/ids.c */
    [110] = sys_getppid,             /* kernel/ids.c */
    [111] = sys_getpgrp,             /* kernel/ids.c */
    [112] = sys_setsid,              /* kernel/ids.c */
    [121] = sys_getpgid,             /* kernel/ids.c */
    [124] = sys_getsid,              /* kernel/ids.c */
    [127] = sys_rt_sigpending,       /* kernel/signal.c */
    [130] = sys_rt_sigsuspend,       /* kernel/signal.c */
    [131] = sys_sigaltstack,         /* kernel/signal.c */
    [137] = sys_statfs,              /* fs/mount.c */
    [138] = sys_fstatfs,             /* fs/mount.c */
    [140] = sys_getpriority,         /* kernel/ids.c */
    [141] = sys_setpriority,         /* kernel/ids.c */
    [157] = sys_prctl,               /* kernel/ids.c */
    [158] = sys_arch_prctl,          /* kernel/ids.c */
    [160] = sys_setrlimit,           /* kernel/system.c */
    [162] = sys_sync,                /* fs/mount.c */
    [165] = sys_mount,               /* fs/mount.c */
    [166] = sys_umount2,             /* fs/mount.c */
    [186] = sys_gettid,              /* kernel/ids.c */
    [200] = sys_tkill,               /* kernel/signal.c */
    [201] = sys_time,                /* kernel/time.c */
    [202] = sys_futex,               /* kernel/futex.c */
    [203] = sys_sched_setaffinity,   /* kernel/system.c */
    [204] = sys_sched_getaffinity,   /* kernel/system.c */
    [213] = sys_epoll_create,        /* fs/eventpoll.c */
    [217] = sys_getdents64,          /* fs/readdir.c */
    [218] = sys_set_tid_address,     /* kernel/ids.c */
    [228] = sys_clock_gettime,       /* kernel/time.c */
    [230] = sys_clock_nanosleep,     /* kernel/time.c */
    [231] = sys_exit_group,          /* kernel/syscall.c */
    [232] = sys_epoll_wait,          /* fs/eventpoll.c */
    [233] = sys_epoll_ctl,           /* fs/eventpoll.c */
    [234] = sys_tgkill,              /* kernel/signal.c */
    [247] = sys_waitid,              /* kernel/fork.c */
    [257] = sys_openat,              /* fs/open.c */
    [258] = sys_mkdirat,             /* fs/namei.c */
    [260] = sys_fchownat,            /* fs/namei.c */
    [262] = sys_newfstatat,          /* fs/stat.c */
    [263] = sys_unlinkat,            /* fs/namei.c */
    [264] = sys_renameat,            /* fs/namei.c */
    [265] = sys_linkat,              /* fs/namei.c */
    [266] = sys_symlinkat,           /* fs/namei.c */
    [267] = sys_readlinkat,          /* fs/stat.c */
    [268] = sys_fchmodat,            /* fs/namei.c */
    [269] = sys_faccessat,           /* fs/stat.c */
    [270] = sys_pselect6,            /* fs/select.c */
    [271] = sys_ppoll,               /* fs/select.c */
    [273] = sys_set_robust_list,     /* kernel/futex.c: the list is not walked when a thread dies */
    [274] = sys_get_robust_list,     /* kernel/futex.c */
    [280] = sys_utimensat,           /* fs/namei.c */
    [281] = sys_epoll_pwait,         /* fs/eventpoll.c */
    [282] = sys_signalfd,            /* fs/signalfd.c: a signal lx sends itself (SIGCHLD...) says SI_KERNEL */
    [283] = sys_timerfd_create,      /* fs/timerfd.c */
    [284] = sys_eventfd,             /* fs/eventfd.c */
    [286] = sys_timerfd_settime,     /* fs/timerfd.c: TFD_TIMER_CANCEL_ON_SET never cancels (lx's wall clock is not set) */
    [287] = sys_timerfd_gettime,     /* fs/timerfd.c */
    [288] = sys_accept4,             /* net/socket.c */
    [289] = sys_signalfd4,           /* fs/signalfd.c: a signal lx sends itself (SIGCHLD...) says SI_KERNEL */
    [290] = sys_eventfd2,            /* fs/eventfd.c */
    [285] = sys_fallocate,           /* fs/namei.c: tmpfs and memfds; modes other than KEEP_SIZE, PUNCH_HOLE: EOPNOTSUPP */
    [291] = sys_epoll_create1,       /* fs/eventpoll.c */
    [292] = sys_dup3,                /* fs/fdtable.c */
    [293] = sys_pipe2,               /* fs/pipe.c */
    [299] = sys_recvmmsg,            /* net/socket.c: after the first message, only what is there (as MSG_WAITFORONE) */
    [302] = sys_prlimit64,           /* kernel/system.c */
    [306] = sys_syncfs,              /* fs/mount.c */
    [307] = sys_sendmmsg,            /* net/socket.c: stops at the first message that cannot go at once */
    [309] = sys_getcpu,              /* kernel/system.c */
    [316] = sys_renameat2,           /* fs/namei.c */
    [318] = sys_getrandom,           /* kernel/system.c */
    [319] = sys_memfd_create,        /* fs/memfd.c: no MFD_HUGETLB; MAP_SHARED of it is ENODEV */
    [322] = sys_execveat,            /* kernel/fork.c */
    [326] = sys_copy_file_range,     /* fs/read_write.c */
    [332] = sys_statx,               /* fs/stat.c */
    [334] = sys_rseq,                /* kernel/system.c: ENOSYS, as a kernel without CONFIG_RSEQ */
    [435] = sys_clone3,              /* kernel/fork.c */
    [441] = sys_epoll_pwait2,        /* fs/eventpoll.c */
};

void lx_unimplemented_report(void)
{
    bool any = false;

    for (unsigned i = 0; i < LX_NSYSCALLS; i++)
        if (unimplemented[i]) {
            printf("%s%s(%u) x%u", any ? ", " : "lx: unimplemented system calls: ", lx_syscall_name(i), i, unimplemented[i]);
            any = true;
        }
    printf(any ? "\n" : "lx: every system call the programs made is implemented\n");
}

static enum lx_outcome dispatch(struct lx_proc *p, struct px_regs *r, int *exit_status)
{
    lx_syscall_fn *fn = r->rax < LX_NSYSCALLS ? table[r->rax] : NULL;
    int64_t ret;

    lx_call_outcome = LX_RESUME;
    lx_filemap_reap(); /* files no process maps any more: written back here, where a call may sleep */
    ret = fn ? fn(p, r) : LX_NOSYS;
    if (ret == LX_NOSYS) {
        if (r->rax < LX_NSYSCALLS)
            unimplemented[r->rax]++;
        ret = -LX_ENOSYS;
    }
    switch (lx_call_outcome) {
    case LX_EXIT: case LX_THREAD_EXIT: /* ret is the status (a signal number when a call ended it) */
        *exit_status = (int)ret;
        return lx_call_outcome;
    case LX_DETACHED: return LX_DETACHED;
    default: break;
    }
    if (ret == LX_WOULD_BLOCK)
        return LX_BLOCK; /* r is as it was: the call is done again later */
    r->rax = (uint64_t)ret;
    return LX_RESUME;
}

enum lx_outcome lx_syscall(struct lx_proc *p, struct px_regs *r, int *exit_status)
{
    uint64_t start = libos_monotonic_ns();
    struct lx_proc *leader = p->leader;
    enum lx_outcome o = lx_kstack_call(p, r, exit_status, dispatch); /* (kernel/kstack.c) */

    /* exec from another thread makes p the leader (leader's slot is free then): charge what p is now */
    uint64_t spent = libos_monotonic_ns() - start;
    (leader->state == LX_FREE ? p->leader : leader)->stime += spent;
    p->thread_stime += spent;
    return o;
}
