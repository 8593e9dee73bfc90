/*
 * lx: a Linux-ABI personality. A guest kernel running as an ordinary Proteus task: each Linux process is
 * a Proteus task whose threads are foreign-ABI, so their `syscall`s and faults reach lx as exception
 * messages carrying the registers (abi/proteus/exception.h); lx does the Linux system call and replies
 * with the new registers. lx owns the processes' memory: it creates the frames, maps them into the
 * process and into itself (so it can copy to and from the process), and changes them with batched maps.
 *
 * It runs static programs from the initramfs (a newc cpio in the task's image) with processes (fork,
 * execve, wait4), threads and futexes, signals, pipes, a tmpfs and the console as a terminal. A system
 * call that has to wait (a read of an empty pipe, a wait4 for a running child, a sleep, a futex) leaves
 * the calling thread stopped and is done again when something changes. docs/lx.md says what is not
 * there yet.
 */
#ifndef LX_LX_H
#define LX_LX_H

#include "linux.h"
#include <libos/libos.h>
#include <stdbool.h>
#include <stdint.h>

#define LX_MAX_PROCS 1100 /* threads and processes together: at least 1,000 alive at once */
/* A process's mappings at most (Linux's vm.max_map_count is 65,530 by default): ENOMEM past it. */
#define LX_MAX_MAP_COUNT 262144
/* RLIMIT_NOFILE: 1,024 at first, as Linux's; a process may raise it (its table grows) up to 65,536. */
#define LX_NOFILE_DEFAULT 1024
#define LX_NOFILE_MAX 65536
#define LX_STACK_TOP 0x00007ffe00000000ull
#define LX_STACK_SIZE (8ull << 20) /* demand-zero, as Linux's default RLIMIT_STACK; a quarter for arguments */
#define LX_PIPE_SIZE 65536
/* A system call's result meaning "not yet": lx stops the thread and does the call again later. */
#define LX_WOULD_BLOCK (-100000)
#define LX_MMAP_TOP 0x00007f0000000000ull
#define LX_TASK_SIZE 0x00007ffffffff000ull /* Linux's end of user space: a range past it is EINVAL to munmap */
#define LX_PIE_BASE 0x0000555555554000ull /* where a static-PIE program goes, as on Linux */
#define LX_RLIMITS 16 /* RLIMIT_CPU .. RLIMIT_RTTIME */
#define LX_RLIMIT_NOFILE 7
/* A process's first resource limits, as lx can honour them. */
void lx_rlimits_init(uint64_t rlim[LX_RLIMITS][2]);

/* ---- the file tree: the VFS (fs/vfs.c) and the file systems mounted in it ---- */
struct lx_mount;

/*
 * A node (Linux's inode and its name together, for the file systems lx has): a file, directory,
 * symlink or device entry of a mounted file system. `path` is its name within that file system
 * ("" its root); lx_node_path gives the absolute one.
 */
struct lx_node {
    char *path;       /* within its file system, without the leading '/'; "" is its root */
    uint32_t mode;    /* S_IF* | permissions */
    uint8_t *data;    /* tmpfs: the archive's bytes until the first write (cap 0), then lx's own */
    uint64_t size, cap;
    uint32_t ino;
    bool gone;        /* unlinked or replaced: open descriptors keep it, lookups no longer find it */
    uint8_t proc;     /* a /proc node (fs/procfs.c), freed with lx_procfs_free; 0 for the tree's own */
    int64_t mtime_ns;
    struct lx_node *link; /* a hard link: a name of that file (which holds the bytes), not a file */
    uint32_t links;       /* a file's hard links: its names less one */
    struct lx_mount *mnt; /* the file system it is in (NULL for /proc snapshots) */
    uint32_t uid, gid;    /* its owner (a disk file system's; the tmpfs's are root's) */
    /* A disk file system's own figures: its access and change times and the 512-byte blocks it holds
     * (full_stat set); the tmpfs reports mtime for all three times and blocks from the size. */
    bool full_stat;
    int64_t atime_ns, ctime_ns;
    uint64_t blocks;
    struct lx_filemap *fmap; /* its pages that MAP_SHARED mappings share (mm/filemap.c); NULL if none */
};

/* What statfs reports of a mounted file system (struct statfs's figures). */
struct lx_statfs {
    uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen;
};

/* What setattr changes: the fields named in valid. */
#define LX_ATTR_MODE 1u /* permission bits (07777) */
#define LX_ATTR_UID 2u
#define LX_ATTR_GID 4u
#define LX_ATTR_MTIME 8u
#define LX_ATTR_ATIME 16u
struct lx_attr {
    unsigned valid;
    uint32_t mode, uid, gid;
    int64_t mtime_ns, atime_ns;
};

struct lx_file_ops;

/*
 * A file system type's operations (Linux's super, inode and directory operations together). Paths
 * are within the file system ("" its root), already resolved by the VFS: no ".", "..", or symlink in
 * them but perhaps the last component's. Results: 0 or -LX_E*.
 */
struct lx_fs_ops {
    const char *type; /* as /proc/mounts names it */
    /* The entry at path (its own name: neither a last symlink nor a hard link followed); NULL, *err. */
    struct lx_node *(*lookup)(struct lx_mount *m, const char *path, int *err);
    /* A new entry at path (its directory exists; it does not): a file, directory, symlink (data). */
    int (*create)(struct lx_mount *m, const char *path, uint32_t mode, const void *data, uint64_t size,
                  struct lx_node **out);
    int (*remove)(struct lx_mount *m, struct lx_node *name, bool dir); /* unlink (dir false) or rmdir */
    int (*rename)(struct lx_mount *m, struct lx_node *name, const char *to);
    int (*link)(struct lx_mount *m, struct lx_node *file, const char *to); /* a new name of file */
    struct lx_node *(*child)(struct lx_node *dir, unsigned idx); /* the idx-th entry of dir, or NULL */
    int (*write)(struct lx_node *n, uint64_t off, const void *buf, uint64_t len);
    int (*truncate)(struct lx_node *n, uint64_t size);
    void (*statfs)(struct lx_mount *m, struct lx_statfs *st);
    int (*sync)(struct lx_mount *m); /* everything written so far on its disk (0 for memory) */
    /* The rest may be NULL (as for the tmpfs). Change n's attributes (LX_ATTR_* in a->valid). */
    int (*setattr)(struct lx_node *n, const struct lx_attr *a);
    int (*bytes)(struct lx_node *n);  /* n->data to hold all of a file's bytes (exec, private mappings) */
    int (*umount)(struct lx_mount *m); /* write back, mark clean and let go of the file system */
    const struct lx_file_ops *file_ops, *dir_ops; /* its open files' and directories' (NULL: lx's own) */
};

/* A mounted file system: where it is, what it is. The root's path is "". */
struct lx_mount {
    char path[128];  /* absolute, without the leading '/' */
    char source[64]; /* what /proc/mounts names as the device ("none" for memory) */
    const struct lx_fs_ops *ops;
    void *sb;        /* the file system's own state */
    bool rdonly;
    uint32_t dev;    /* st_dev of its nodes */
};

#define LX_MAX_MOUNTS 8
/* Mount a file system at path (a directory; "/" first, for the root); 0 or -LX_E*. */
int lx_vfs_mount(const char *path, const struct lx_fs_ops *ops, void *sb, const char *source, bool rdonly,
                 struct lx_mount **out);
int lx_vfs_umount(const char *path); /* EBUSY while a file of it is open or a process is in it */
bool lx_vfs_busy(const struct lx_mount *m); /* a file of it is open, or a process's directory is in it */
struct lx_mount *lx_vfs_mount_at(unsigned i); /* the i-th mount, NULL after the last (for /proc/mounts) */
int lx_vfs_sync(void); /* every mount's sync */
void lx_vfs_shutdown(void); /* unmount every disk file system (written back, marked clean) at lx's end */
/* The absolute path of node n into out; the length, or -LX_ENAMETOOLONG. */
int lx_node_path(const struct lx_node *n, char *out, size_t len);

/* The initramfs as a tmpfs mounted at path (fs/tmpfs.c): "/", the root, or /initramfs of a disk root. */
int lx_fs_load(const void *cpio, size_t size, const char *path, char *err, size_t errlen);
extern const struct lx_fs_ops lx_tmpfs_ops;
/* A tmpfs file's write and truncate (its bytes in lx's memory, at most 256 MiB): memfds use them too. */
int lx_tmpfs_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len);
int lx_tmpfs_truncate(struct lx_node *n, uint64_t size);
/* Mount the ext2 file system on the disk source ("/dev/vdb") at path (fs/ext2/vfs.c); 0 or -LX_E*. */
int lx_ext2_mount(const char *source, const char *path, bool rdonly);
/* The VFS's calls on absolute paths, whichever file system they lead into (fs/vfs.c). */
/* A new node at path (its directory must exist); 0 or -LX_E*. */
int lx_fs_create(const char *path, uint32_t mode, const void *data, uint64_t size, struct lx_node **out);
int lx_fs_remove(const char *path, bool dir); /* unlink (dir false) or rmdir (dir true) */
int lx_fs_rename(const char *from, const char *to);
/* A new name for a file (not a directory); follow: from a symlink, its target's (AT_SYMLINK_FOLLOW). */
int lx_fs_link(const char *from, const char *to, bool follow);
uint32_t lx_fs_nlink(const struct lx_node *n);
int lx_fs_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len);
int lx_fs_truncate(struct lx_node *n, uint64_t size);
int lx_fs_setattr(struct lx_node *n, const struct lx_attr *a); /* chmod, chown, utimensat */
int lx_node_bytes(struct lx_node *n); /* n->data holds the file's bytes (a disk file's read in): 0 or -LX_E* */
/* Resolve an absolute path (following symlinks when follow is set); NULL with *errno_out set if none. */
struct lx_node *lx_fs_lookup(const char *path, bool follow, int *errno_out);
/* The idx-th entry directly inside dir (for getdents64), or NULL after the last. */
struct lx_node *lx_fs_child(struct lx_node *dir, unsigned idx);
const char *lx_basename(struct lx_node *n);

struct lx_proc;

/* /proc (fs/procfs.c): a snapshot node for a path under /proc, or NULL with *err 0 when path is not there. */
struct lx_node *lx_procfs_lookup(struct lx_proc *self, const char *path, bool follow, int *err);
bool lx_procfs_child(const struct lx_node *dir, unsigned idx, char *name, size_t len, uint8_t *type);
void lx_procfs_free(struct lx_node *n);
/* The open description a followed /proc/<pid>/fd/N, /dev/fd/N or /dev/stdin... names; NULL with *err 0
 * when path is no such link, or LX_ENOENT when its descriptor is not open. */
struct lx_fd *lx_procfs_fd(struct lx_proc *self, const char *path, int *err);
/* Open f's file anew (opening a /proc/<pid>/fd/N link): a new description; NULL with *err (LX_E*). */
struct lx_fd *lx_fd_reopen(struct lx_fd *f, int flags, int *err);

/* ---- processes (kernel/proc.c) and their memory (mm/mem.c) ---- */
struct lx_mem; /* a run of pages lx holds, shared copy-on-write by the regions of forked processes */
struct lx_region {
    uint64_t start, end;
    unsigned prot;         /* PX_PROT_*; 0 for PROT_NONE (then nothing is mapped) */
    struct lx_mem *base;   /* the region's pages are base's from base_page on... */
    uint64_t base_page;
    struct lx_mem **own;   /* ...but for those a write found shared: a page of its own (NULL: none yet) */
    bool shared;           /* MAP_SHARED: fork shares it writable, no copy-on-write (always has a base) */
    bool noreserve;        /* the main stack: not charged up front (Linux does not reserve it either) */
    bool image;            /* base is a program image (mm/mem.c), shared by every process running it */
    bool program;          /* a segment of the process's program file: /proc/<pid>/maps names it (exe)... */
    uint64_t pgoff;        /* ...with this offset in the file of the region's first byte */
    struct lx_filemap *file; /* MAP_SHARED of a file: own[] are that file's pages (mm/filemap.c)... */
    uint64_t file_page;      /* ...from this page of the file on */
    bool file_rdonly;        /* the file was opened without write access: PROT_WRITE is EACCES */
    struct lx_region *left, *right; /* the process's regions by address (mm/regions.c) */
    uint32_t priority;
};

/*
 * The kind of an open file description. The kind says what the description is (fstat, the calls that
 * want a directory or a regular file); its operations (ops) do the I/O. A new kind of file (a socket,
 * an eventfd) is FD_OTHER with operations of its own.
 */
enum lx_fd_kind { FD_NONE, FD_CONSOLE, FD_FILE, FD_DIR, FD_NULL, FD_ZERO, FD_RANDOM, FD_PIPE_READ, FD_PIPE_WRITE,
                  FD_OTHER };

struct lx_fd;

/*
 * What a kind of open file does (Linux's struct file_operations). read and write move bytes between
 * buf (lx's) and the file at *off (seekable files; they advance it), and return the count, 0 at the end
 * (read), a negative errno, or LX_WOULD_BLOCK (the caller waits; the call is done again when something
 * changes). p is the calling thread. Any may be NULL: read and write are then EINVAL, poll says always
 * ready, ioctl is ENOTTY, release does nothing, fsync asks the file's file system to sync.
 */
struct lx_file_ops {
    int64_t (*read)(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off);
    int64_t (*write)(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off);
    int16_t (*poll)(struct lx_fd *f); /* LX_POLL* that hold now */
    int64_t (*ioctl)(struct lx_fd *f, struct lx_proc *p, uint64_t cmd, uint64_t arg);
    void (*open)(struct lx_fd *f);    /* a new description of a file (lx_file_new) */
    void (*release)(struct lx_fd *f); /* the last descriptor is gone */
    int (*fsync)(struct lx_fd *f);    /* its data on its disk: 0, -LX_E*, or LX_WOULD_BLOCK (started) */
    bool seekable;                    /* has a position: lseek, pread and pwrite apply */
    /* What /proc/<pid>/fd/N of an FD_OTHER description says (readlink: "anon_inode:[eventfd]",
     * "socket:[N]"...; NULL: "anon_inode:[unknown]"), and opening that path: a new description of the
     * same object, or NULL with *err (reopen NULL: ENXIO, as Linux answers for a socket). fs/procfs.c. */
    void (*link)(struct lx_fd *f, char *buf, size_t len);
    struct lx_fd *(*reopen)(struct lx_fd *f, int flags, int *err);
    /* Calls lx_poll_notify whenever its readiness may have risen, so epoll waits for that rather than
     * asking poll at every wait (fs/eventpoll.c); false: epoll asks poll each time. */
    bool notifies;
    uint32_t stat_mode; /* what fstat says of a description without a node (a socket's S_IFSOCK); 0: a device */
};
#define LX_POLLIN 0x1
#define LX_POLLOUT 0x4
#define LX_POLLERR 0x8
#define LX_POLLHUP 0x10
#define LX_POLLNVAL 0x20
#define LX_POLLRDHUP 0x2000

/*
 * epoll (fs/eventpoll.c). A file whose readiness may have risen (data came, room was made, an end
 * closed) calls lx_poll_notify with the events that may now hold (0: any): the epoll entries watching
 * it go on their ready lists, and blocked calls are done again. lx_poller is the thread whose poll,
 * select or epoll_wait is asking a file's readiness (a signalfd's depends on who asks), NULL otherwise.
 */
struct lx_epitem;
void lx_poll_notify(struct lx_fd *f, uint32_t events);
void lx_epoll_forget(struct lx_fd *f); /* f's last descriptor is gone: it leaves every interest list */
extern struct lx_proc *lx_poller;

/* The operations of each kind: fs/tmpfs.c (files and directories), fs/devfs.c, dev/tty.c, fs/pipe.c. */
extern const struct lx_file_ops lx_node_file_ops, lx_dir_file_ops, lx_null_ops, lx_zero_ops, lx_random_ops,
    lx_console_ops, lx_pipe_read_ops, lx_pipe_write_ops;

/* /dev (fs/devfs.c): the kind of device path names, FD_NONE if none. */
void lx_devfs_kind(const char *path, enum lx_fd_kind *kind);

struct lx_pipe {
    uint8_t buf[LX_PIPE_SIZE];
    uint32_t head, count;
    int readers, writers; /* open file descriptions of each end */
    uint32_t ino;         /* its number in /proc/<pid>/fd's "pipe:[N]" and fstat's st_ino */
    struct lx_fd *end[2]; /* the read and write ends' descriptions (NULL once gone), told of changes */
};

/* An open file description: shared by the descriptors that dup and fork make, as in Linux. */
struct lx_fd {
    enum lx_fd_kind kind;
    const struct lx_file_ops *ops;
    struct lx_node *node; /* a file's or directory's node (NULL for devices and pipes) */
    uint64_t offset;
    int flags;
    int refs;
    struct lx_pipe *pipe;
    void *priv;           /* what the operations of an FD_OTHER description keep */
    struct lx_epitem *watchers; /* the epoll entries watching it (fs/eventpoll.c) */
};

/* LX_DETACHED: the calling thread is gone (a vfork child's execve started the program in a new one). */
enum lx_outcome { LX_RESUME, LX_EXIT, LX_BLOCK, LX_THREAD_EXIT, LX_DETACHED };

/* Set when something a blocked process may wait for changed (pipe data or ends, a process's end). */
extern bool lx_wake_pending;

/*
 * Kernel stacks (kernel/kstack.c). When lx has a disk (lx_kstacks_start), every system
 * call runs on a stack of its own, so that a call which must wait for the disk (a block not in the
 * cache) or for a sleeping lock sleeps there, its process blocked, while lx's loop serves the others;
 * it goes on where it stopped when lx_kstacks_run resumes it. Everything still runs on lx's one
 * thread: a call is never preempted, it only gives way where it sleeps.
 */
typedef enum lx_outcome lx_call_fn(struct lx_proc *p, struct px_regs *r, int *exit_status);
void lx_kstacks_start(void);
/* Run fn (the call in r) for p on a kernel stack, or collect the result of p's call that slept. */
enum lx_outcome lx_kstack_call(struct lx_proc *p, struct px_regs *r, int *exit_status, lx_call_fn *fn);
bool lx_kstack_busy(const struct lx_proc *p); /* p's call sleeps: it is not to be interrupted */
void lx_kstacks_run(void);  /* resume every sleeping call once (something changed: a disk answered) */
bool lx_in_kstack(void);    /* the code running is a call on a kernel stack (it may sleep) */
void lx_sleep(void);        /* sleep until the next lx_kstacks_run (on lx's own stack: wait for the disk) */
/* A call's own buffer of LX_CALL_BUFFER bytes, kept across its sleeps (read and write move data in it). */
#define LX_CALL_BUFFER 65536
uint8_t *lx_call_buffer(void);
/* The call's process ended while it slept: abandon the call (at a point where it holds nothing). */
void lx_kstack_check_orphan(void);
/* A sleeping lock (recursive for the call that holds it). */
struct lx_mutex {
    const void *owner;
    unsigned depth;
    bool waiters;
};
void lx_mutex_lock(struct lx_mutex *m);
void lx_mutex_unlock(struct lx_mutex *m);

/* fs/file.c: open file descriptions (the kind's operations), and fs/pipe.c: pipes. */
struct lx_fd *lx_file_new(enum lx_fd_kind kind, struct lx_node *node, int flags);
/* An FD_OTHER description with its own operations and data. */
struct lx_fd *lx_file_new_ops(const struct lx_file_ops *ops, void *priv, int flags);
struct lx_fd *lx_file_get(struct lx_fd *f);
void lx_file_put(struct lx_fd *f);
int lx_pipe_new(struct lx_fd **read_end, struct lx_fd **write_end, int flags);

/* The kernel's struct sigaction on x86_64 (rt_sigaction). */
struct lx_sigaction {
    uint64_t handler, flags, restorer, mask;
};

/*
 * A leader whose thread ended while other threads of its process run on (LX_ENDED): it stays, as the
 * holder of what they share, until the last ends. A thread of a stopped process (SIGSTOP, Ctrl-Z) is
 * LX_STOPPED, its registers in `call`, unless it was blocked in a call (it stays LX_BLOCKED, not retried).
 */
enum lx_state { LX_FREE, LX_RUNNING, LX_BLOCKED, LX_ZOMBIE, LX_ENDED, LX_STOPPED };

/*
 * A thread (a task, in Linux's words): a Proteus thread whose exceptions reach lx badged with its slot and id.
 * The threads of one process share its leader's memory, descriptors, directory, signal actions and
 * identity: those fields are used in the leader only and read through `leader` (the leader's is
 * itself). A process with one thread is its own leader.
 */
struct lx_proc {
    /* ---- each thread's own ---- */
    enum lx_state state;
    int pid;              /* the thread's id; the leader's is the process's */
    struct lx_proc *leader;
    uint32_t thread;
    struct px_regs call;  /* a blocked thread's registers at its system call */
    uint64_t tid_address; /* set_tid_address, CLONE_CHILD_CLEARTID: zeroed and woken at the thread's end */
    uint64_t robust_list; /* set_robust_list: the head glibc registers (kept and told back, not walked) */
    uint64_t deadline;    /* a blocked sleep's, poll's or futex wait's end (monotonic ns); 0 none */
    uint64_t futex;       /* the address a FUTEX_WAIT waits on (0: none) */
    uint32_t futex_bits;  /* its bitset */
    bool futex_woken;
    uint64_t blocked, pending; /* bit sig - 1 for each signal */
    uint64_t saved_blocked;    /* the mask rt_sigsuspend replaced */
    bool sigsuspended;
    int32_t sig_pid[LX_NSIG], sig_code[LX_NSIG]; /* a pending signal's sender and si_code (signalfd says them) */
    uint64_t ss_sp, ss_size;   /* the alternate signal stack (sigaltstack); size 0: none */
    bool ss_autodisarm;
    uint64_t thread_stime;     /* lx's time on this thread's system calls (ns) */
    int vfork_child;           /* the vfork child this thread waits for in clone (0: none) */
    bool new_thread;           /* execve gave it a thread of its own (it was a vfork child's) */
    /* ---- the process's: in the leader ---- */
    struct lx_proc *mm;   /* whose memory and task it runs in: itself, or (vfork) its parent's until execve */
    int ppid, pgid, sid;
    int wait_status;      /* a zombie's, as wait4 reports it */
    uint32_t task;
    struct lx_region *regions; /* a tree by address (mm/regions.c) */
    unsigned nregions;
    uint64_t brk_start, brk, mmap_next;
    struct lx_fd **fds;   /* the descriptor table: nfds entries, grown as needed (fs/fdtable.c) */
    uint64_t *cloexec;    /* a bit per descriptor */
    unsigned nfds, next_fd; /* next_fd: no descriptor below it is free */
    char exe[128], cwd[128];
    char comm[16];        /* prctl(PR_SET_NAME) */
    uint32_t umask;
    int nice;             /* setpriority: -20..19 (lx's one thread serves every process alike: kept, reported) */
    uint64_t start_ns;
    uint64_t arg_start, arg_end; /* its arguments' strings in its memory (/proc/<pid>/cmdline reads them) */
    struct lx_sigaction act[LX_NSIG + 1];
    uint64_t rlim[LX_RLIMITS][2]; /* getrlimit/setrlimit: soft and hard (RLIMIT_NOFILE is enforced) */
    bool stopped;          /* job control: stopped by stop_sig until a SIGCONT */
    int stop_sig;
    bool stop_report, cont_report; /* a stop or a continue its parent's wait has not been told of */
    uint64_t utime_ended;  /* CPU time (ns) of its threads that have ended */
    uint64_t stime;        /* lx's time on its system calls and faults (ns): its "system" time */
    uint64_t cutime, cstime; /* the same, of its reaped children (and theirs) */
    /* setitimer: when each of ITIMER_REAL, _VIRTUAL and _PROF fires (REAL: monotonic ns; the others: the
     * process's user, and user and system, CPU ns), 0 when off; and its period (0: once) */
    uint64_t itimer_at[3], itimer_interval[3];
};

struct lx_proc *lx_proc_spawn(const char *path, char *const argv[], char *const envp[], int *err);
/* A copy of p (memory, descriptors, directory) whose thread starts from regs; NULL with *err set. */
/* share_memory (vfork): the child runs in p's memory and task until it execs or ends. */
struct lx_proc *lx_proc_fork(struct lx_proc *p, const struct px_regs *regs, bool share_memory, int *err);
/* Replace p's program with the file at path; on success *regs is the new program's first state. */
int lx_proc_exec(struct lx_proc *p, const char *path, char *const argv[], char *const envp[], struct px_regs *regs);
/* End p's process with a wait status: its threads, task, memory and descriptors go; its leader stays a
 * zombie for its parent. */
void lx_proc_exit(struct lx_proc *p, int wait_status);
/* A new thread of p's process (clone with CLONE_THREAD) starting from regs; NULL with *err set. */
struct lx_proc *lx_thread_new(struct lx_proc *p, const struct px_regs *regs, int *err);
/* Thread t ends (exit): true if it was the last, and so its process ended with code. */
bool lx_thread_exit(struct lx_proc *t, int code);
/* Wake up to n threads of p's process waiting on the futex at uaddr (with a bit of bits); how many. */
int lx_futex_wake(struct lx_proc *p, uint64_t uaddr, int n, uint32_t bits);
void lx_proc_reap(struct lx_proc *p);
/* Job control: p's process stops (every thread: the one lx is serving, lx_current, as it is answered)
 * or continues; its parent gets SIGCHLD (unless SA_NOCLDSTOP) and its wait can tell. */
void lx_proc_stop(struct lx_proc *p, int sig);
bool lx_proc_continue(struct lx_proc *p); /* true if a signal pending for it ended it instead */
extern struct lx_proc *lx_current; /* the thread whose message lx is serving, if any */
struct lx_proc *lx_proc_find(int pid);
struct lx_proc *lx_proc_by_badge(uint64_t badge); /* the thread an exception message came from, or NULL */
struct lx_proc *lx_proc_at(unsigned i); /* the i-th slot, for walks over every process... */
unsigned lx_proc_slots(void);           /* ...below this: the slots ever used (free ones among them) */
unsigned lx_proc_count(void);
uint64_t lx_pages_in_use(void); /* pages of memory the processes hold (a shared page once) */
/* CPU time (ns) p's process has run in user space: its threads', as the kernel counts them. */
uint64_t lx_proc_utime(const struct lx_proc *p);
/* Fire the interval timers that are due (their signals sent); the next monotonic time lx must look again
 * (an ITIMER_REAL's, or soon while a CPU-time timer is armed), 0 if none. */
uint64_t lx_itimers_run(void);
/* fs/timerfd.c: count the timerfds' expirations; the next monotonic time one expires, 0 if none. */
uint64_t lx_timerfds_run(void);
/* fs/signalfd.c: a signal became pending: signalfds may be readable. */
void lx_signalfd_notify(void);
void lx_proc_ended_times(uint64_t *user, uint64_t *sys); /* of every process that has ended (ns) */
#define LX_UNAME_RELEASE "6.1.0-proteus-lx"
#define LX_UNAME_VERSION "#1 Proteus lx"
uint64_t lx_proc_pages(const struct lx_proc *p); /* pages p's regions span */

/* Memory of a process (mm/mem.c). */
struct lx_region *lx_region_new(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot); /* fresh zero pages */
uint8_t *lx_region_bytes(const struct lx_region *r); /* a fresh region's pages, in lx */
/* A read-only segment of a program file (filesz bytes at offset data, the rest zero): the pages every
 * process running that file shares (mm/mem.c's program images). */
struct lx_region *lx_region_image(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot, const void *file,
                                  const uint8_t *bytes, uint64_t data, uint64_t filesz);
int lx_map_anon(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot);
/* The main stack: demand-zero like lx_map_anon, but not charged; a page that finds no memory is a fault. */
int lx_map_stack(struct lx_proc *p, uint64_t start, uint64_t len);
int lx_map_shared(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot); /* MAP_SHARED|MAP_ANONYMOUS */
/* MAP_SHARED of a file: a region whose pages are fm's from file page `first` on (fm held once for it). */
int lx_map_file(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot, struct lx_filemap *fm,
                uint64_t first, bool rdonly);
/* Single pages of lx's pool (mm/mem.c), charged as a process's writable page is: the file pages. */
struct lx_mem *lx_page_alloc(void);
void lx_page_free(struct lx_mem *m);
uint8_t *lx_page_bytes(struct lx_mem *m);
bool lx_page_present(struct lx_proc *p, uint64_t va); /* mincore: va's page is in memory */

/*
 * The pages of files mapped MAP_SHARED (mm/filemap.c): one object per file, whose pages every shared
 * mapping of the file maps; kept coherent with read and write, written back by msync, fsync, sync and
 * after the last mapping goes.
 */
struct lx_filemap;
/* The file's object with pages [first, first + n) read in (may sleep), held once; NULL with *err. */
struct lx_filemap *lx_filemap_get(struct lx_fd *f, uint64_t first, uint64_t n, int *err);
struct lx_mem *lx_filemap_page(const struct lx_filemap *fm, uint64_t i);
struct lx_mount *lx_filemap_mount(const struct lx_filemap *fm);
void lx_filemap_hold(struct lx_filemap *fm);
void lx_filemap_release(struct lx_filemap *fm); /* the last release queues it to be written back and freed */
/* Pages [first, first + n) written back to the file where they differ from it (may sleep): 0 or -LX_E*. */
int lx_filemap_writeback(struct lx_filemap *fm, uint64_t first, uint64_t n);
int lx_filemap_reap(void);                       /* write back and free the queued objects */
int lx_filemap_sync(const struct lx_mount *m);   /* write back every object of m (NULL: all) */
bool lx_filemap_busy(const struct lx_mount *m);  /* a file of m is mapped, or not yet written back */
/* The VFS's hooks: read(2) sees the pages; write(2) and truncate change them too. */
void lx_filemap_overlay(struct lx_node *n, uint64_t off, uint8_t *buf, uint64_t len);
void lx_filemap_wrote(struct lx_node *n, uint64_t off, const uint8_t *buf, uint64_t len);
void lx_filemap_truncated(struct lx_node *n, uint64_t old, uint64_t size);
bool lx_region_shared(struct lx_proc *p, uint64_t va);
int lx_unmap(struct lx_proc *p, uint64_t start, uint64_t len);
int lx_protect(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot);
bool lx_range_free(const struct lx_proc *p, uint64_t start, uint64_t len);
/* The child (with no memory yet) shares all of the parent's, copy-on-write. */
int lx_mem_fork(struct lx_proc *parent, struct lx_proc *child);
/* A page fault at addr: 1 if it was a write to a copy-on-write page (now the process's own), 0 if the
 * process is to get a signal, -LX_ENOMEM if there was no page to copy into. */
int lx_mem_fault(struct lx_proc *p, uint64_t addr, uint64_t access);
void lx_mem_free(struct lx_proc *p); /* unmap and let go of all of p's memory */
int lx_mem_zero(struct lx_proc *p, uint64_t start, uint64_t len); /* MADV_DONTNEED: 0 or -LX_ENOMEM */
/* 0, or -LX_EFAULT if any byte is not there (or not writable, for copy_out). */
int lx_copy_in(struct lx_proc *p, void *dst, uint64_t src, uint64_t len);
int lx_copy_out(struct lx_proc *p, uint64_t dst, const void *src, uint64_t len);
/* A NUL-terminated string of at most max bytes (including the NUL); -LX_EFAULT or -LX_ENAMETOOLONG. */
int lx_copy_string(struct lx_proc *p, char *dst, uint64_t src, size_t max);

/* ---- signals (kernel/signal.c) ---- */
/*
 * Send sig to p's process (to one of its threads that does not block it): true if that ended the
 * process (a default action), false if it is pending or was discarded. _thread: to thread t itself.
 */
bool lx_signal_send(struct lx_proc *p, int sig);
bool lx_signal_send_thread(struct lx_proc *t, int sig);
/* The thread of p's process a process-directed sig goes to (p itself if it takes it); NULL if none. */
struct lx_proc *lx_signal_target(struct lx_proc *p, int sig);
bool lx_signal_kills(const struct lx_proc *t, int sig); /* sending sig to thread t now would end its process */
/* A background reader of the terminal: true if SIGTTIN would stop it (not ignored, blocked or orphaned). */
bool lx_signal_stops_reader(struct lx_proc *p);
bool lx_signal_deliverable(const struct lx_proc *p);
bool lx_signal_restarts(const struct lx_proc *p); /* the next signal's handler has SA_RESTART */
/*
 * Deliver the next unblocked pending signal (or fault_sig, from a fault at fault_addr) as p comes back
 * from lx with registers r: the signal number when a handler now runs (r changed), 0 when nothing is
 * to be done, or -sig when the process is to end with sig.
 */
int lx_signal_deliver(struct lx_proc *p, struct px_regs *r, int fault_sig, uint64_t fault_addr);
/* rt_sigreturn: r (and the FPU state, mask, alternate stack) as the frame saved them; -1 for a bad frame. */
int lx_sigreturn(struct lx_proc *p, struct px_regs *r);
int64_t lx_sigaction(struct lx_proc *p, uint64_t sig, uint64_t uact, uint64_t uold, uint64_t size);
int64_t lx_sigprocmask(struct lx_proc *p, uint64_t how, uint64_t uset, uint64_t uold, uint64_t size);
int64_t lx_sigsuspend(struct lx_proc *p, uint64_t uset, uint64_t size);
/* ppoll and pselect6: the signal mask the call runs with (as rt_sigsuspend swaps it); 0 or -LX_E*. */
int64_t lx_sigmask_swap(struct lx_proc *p, uint64_t uset, uint64_t size);
int64_t lx_sigaltstack(struct lx_proc *p, uint64_t uss, uint64_t uold, uint64_t rsp);
void lx_signal_exec(struct lx_proc *p); /* handlers go back to SIG_DFL (SIG_IGN stays) */

/* ---- the console as a terminal (dev/tty.c) ---- */
void lx_tty_input(void); /* take the console's input: edit lines, echo, send SIGINT and SIGQUIT */
bool lx_tty_readable(void);
bool lx_tty_foreground(const struct lx_proc *p); /* p's process group is the terminal's foreground */
/* Bytes read (0 at end of file), or LX_WOULD_BLOCK (-LX_EAGAIN if nonblock) when there is nothing. */
int64_t lx_tty_read(uint8_t *buf, size_t len, bool nonblock);
int64_t lx_tty_ioctl(struct lx_proc *p, uint64_t cmd, uint64_t arg);

/* ---- system calls (kernel/syscall.c; the handlers are declared in kernel/syscall.h) ---- */
/* Do the system call in r (number in rax); the result goes into r->rax. */
enum lx_outcome lx_syscall(struct lx_proc *p, struct px_regs *r, int *exit_status);
void lx_unimplemented_report(void);
/* kernel/random.c: bytes from a ChaCha20 generator keyed from the CPU's RDSEED/RDRAND and its clock. */
void lx_random(void *buf, size_t len);
const char *lx_syscall_name(uint64_t nr); /* kernel/names.c: "?" for a number Linux has not given */

#endif
