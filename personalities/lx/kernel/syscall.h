/*
 * lx's system calls: the handler type, the argument registers, the helpers the handlers of several
 * subsystems share, and every handler's prototype, grouped by the file that implements it. The table
 * that maps Linux's x86_64 numbers to these handlers is kernel/syscall.c's; a new call is one line there
 * and a handler in its subsystem's file.
 *
 * A handler gets the calling thread and its registers (the number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, r9) and returns the result: a value, a negative Linux errno, LX_WOULD_BLOCK (the thread waits
 * and the call is done again when something changes), or LX_NOSYS (a variant of the call lx does not do:
 * -ENOSYS, counted for the report at exit). A handler that ends or detaches the thread says so in
 * lx_call_outcome.
 */
#ifndef LX_KERNEL_SYSCALL_H
#define LX_KERNEL_SYSCALL_H

#include "lx.h"

#define A0 r->rdi
#define A1 r->rsi
#define A2 r->rdx
#define A3 r->r10
#define A4 r->r8
#define A5 r->r9

#define AT_FDCWD_ (-100)
#define AT_EMPTY_PATH_ 0x1000
#define AT_SYMLINK_NOFOLLOW_ 0x100
#define AT_REMOVEDIR_ 0x200
#define AT_SYMLINK_FOLLOW_ 0x400

#define LX_NOSYS (-100001)
#define LX_NSYSCALLS 512

typedef int64_t lx_syscall_fn(struct lx_proc *p, struct px_regs *r);
/* The outcome of the call being done: LX_RESUME unless its handler ended or detached the thread. */
extern enum lx_outcome lx_call_outcome;

/* ---- shared by the handlers (fs/fdtable.c) ---- */
/* A file descriptor argument: an int in the Linux ABI, so only the register's low 32 bits count. */
struct lx_fd *lx_fd_of(struct lx_proc *p, uint64_t reg);
int lx_fd_alloc(struct lx_proc *p, uint64_t from); /* the lowest free descriptor at or above from, or -1 */
int lx_fd_alloc_pair(struct lx_proc *p, int fds[2]); /* the two lowest free ones (pipe, socketpair), or -1 */
/* Put f (a reference the caller holds) at descriptor fd, closing what was there. */
void lx_fd_install(struct lx_proc *p, int fd, struct lx_fd *f, bool cloexec);
/* The table holds at least n descriptors (false: no memory, or n past LX_NOFILE_MAX). */
bool lx_fd_reserve(struct lx_proc *p, unsigned n);
bool lx_fd_cloexec(struct lx_proc *p, unsigned fd);
void lx_fd_table_free(struct lx_proc *p);                     /* every descriptor closed, the table gone */
bool lx_fd_table_copy(struct lx_proc *to, struct lx_proc *from); /* fork's: the same descriptions */
void lx_fd_close_on_exec(struct lx_proc *p);
/* An absolute path from a process's (dirfd, path) pair; 0 or -LX_E*. */
int lx_path_at(struct lx_proc *p, int64_t dirfd, uint64_t upath, char *out, size_t outlen);
/* kernel/time.c: a struct rusage with these times (ns) and pages at uru; 0 or -LX_EFAULT. */
int lx_put_rusage(struct lx_proc *p, uint64_t uru, uint64_t user, uint64_t sys, uint64_t pages);
/* fs/read_write.c: write bytes lx holds to f (as much as it takes now); the count or -LX_E*. */
int64_t lx_write_kernel(struct lx_proc *p, struct lx_fd *f, const uint8_t *buf, uint64_t len);
/* fs/read_write.c: ret, unless it is -LX_EPIPE: then SIGPIPE for p (which may end it: lx_call_outcome). */
int64_t lx_broken_pipe(struct lx_proc *p, int64_t ret);

/* fs/locks.c: fcntl's lock commands; a process closing a descriptor of a file lets its record locks on
 * it go; a description's last close lets its flock and OFD locks go. */
int64_t lx_fcntl_lock(struct lx_proc *p, struct lx_fd *f, uint64_t cmd, uint64_t arg);
void lx_locks_close(struct lx_proc *p, const struct lx_fd *f);
void lx_locks_file_gone(const struct lx_fd *f);
/* fs/memfd.c: F_ADD_SEALS and F_GET_SEALS; 0 or the seals, or -LX_E*. */
int64_t lx_memfd_seals(struct lx_fd *f, uint64_t cmd, uint64_t arg);
bool lx_memfd_node(const struct lx_node *n); /* n is a memfd's */

/* ---- the handlers, by file ---- */
/* kernel/syscall.c */
lx_syscall_fn sys_exit, sys_exit_group;
/* kernel/fork.c */
lx_syscall_fn sys_clone, sys_clone3, sys_fork, sys_vfork, sys_execve, sys_execveat, sys_wait4, sys_waitid;
/* kernel/signal.c */
lx_syscall_fn sys_rt_sigaction, sys_rt_sigprocmask, sys_rt_sigsuspend, sys_pause, sys_sigaltstack,
    sys_rt_sigreturn, sys_rt_sigpending, sys_kill, sys_tkill, sys_tgkill;
/* kernel/futex.c */
lx_syscall_fn sys_futex, sys_set_robust_list, sys_get_robust_list, sys_rseq;
/* kernel/time.c */
lx_syscall_fn sys_getitimer, sys_setitimer, sys_alarm;
lx_syscall_fn sys_clock_gettime, sys_gettimeofday, sys_time, sys_times, sys_getrusage, sys_nanosleep,
    sys_clock_nanosleep, sys_sched_yield;
/* kernel/ids.c */
lx_syscall_fn sys_getpid, sys_gettid, sys_getppid, sys_getuid, sys_getpgrp, sys_getpgid, sys_getsid,
    sys_setpgid, sys_setsid, sys_umask, sys_arch_prctl, sys_set_tid_address, sys_prctl, sys_getpriority,
    sys_setpriority;
/* kernel/system.c */
lx_syscall_fn sys_uname, sys_sysinfo, sys_getrlimit, sys_setrlimit, sys_prlimit64, sys_getrandom, sys_getcpu,
    sys_sched_getaffinity, sys_sched_setaffinity;
/* mm/mmap.c */
lx_syscall_fn sys_mmap, sys_mprotect, sys_munmap, sys_brk, sys_mremap, sys_madvise, sys_msync, sys_mincore;
/* fs/locks.c */
lx_syscall_fn sys_flock;
/* fs/memfd.c */
lx_syscall_fn sys_memfd_create;
/* fs/fdtable.c */
lx_syscall_fn sys_close, sys_dup, sys_dup2, sys_dup3, sys_fcntl, sys_ioctl;
/* fs/open.c */
lx_syscall_fn sys_open, sys_openat;
/* fs/read_write.c */
lx_syscall_fn sys_read, sys_write, sys_pread64, sys_pwrite64, sys_readv, sys_writev, sys_lseek, sys_sendfile,
    sys_copy_file_range;
/* fs/stat.c */
lx_syscall_fn sys_stat, sys_fstat, sys_lstat, sys_newfstatat, sys_statx, sys_readlink, sys_readlinkat,
    sys_access, sys_faccessat;
/* fs/readdir.c */
lx_syscall_fn sys_getdents64;
/* fs/pipe.c */
lx_syscall_fn sys_pipe, sys_pipe2;
/* fs/eventfd.c */
lx_syscall_fn sys_eventfd, sys_eventfd2;
/* fs/namei.c */
lx_syscall_fn sys_mkdir, sys_mkdirat, sys_rmdir, sys_unlink, sys_unlinkat, sys_rename, sys_renameat,
    sys_renameat2, sys_symlink, sys_symlinkat, sys_link, sys_linkat, sys_chown, sys_fchown, sys_lchown,
    sys_fchownat, sys_chmod, sys_fchmodat, sys_fchmod, sys_utimensat, sys_truncate, sys_ftruncate,
    sys_fsync, sys_fdatasync, sys_chdir, sys_fchdir, sys_getcwd, sys_fallocate;
/* fs/mount.c */
lx_syscall_fn sys_mount, sys_umount2, sys_statfs, sys_fstatfs, sys_sync, sys_syncfs;
/* fs/select.c */
lx_syscall_fn sys_poll, sys_ppoll, sys_select, sys_pselect6;
/* fs/eventpoll.c */
lx_syscall_fn sys_epoll_create, sys_epoll_create1, sys_epoll_ctl, sys_epoll_wait, sys_epoll_pwait, sys_epoll_pwait2;
/* fs/timerfd.c */
lx_syscall_fn sys_timerfd_create, sys_timerfd_settime, sys_timerfd_gettime;
/* fs/signalfd.c */
lx_syscall_fn sys_signalfd, sys_signalfd4;
/* net/socket.c */
lx_syscall_fn sys_socket, sys_socketpair, sys_bind, sys_listen, sys_connect, sys_accept, sys_accept4,
    sys_shutdown, sys_getsockname, sys_getpeername, sys_setsockopt, sys_getsockopt, sys_sendto, sys_sendmsg,
    sys_recvfrom, sys_recvmsg, sys_sendmmsg, sys_recvmmsg;

#endif
