/*
 * lx: a Linux-ABI personality. A guest kernel running as an ordinary Proteus task: each Linux process is
 * a Proteus task whose thread is foreign-ABI, so its `syscall`s and faults reach lx as exception
 * messages carrying the registers (abi/proteus/exception.h); lx does the Linux system call and replies
 * with the new registers. lx owns the processes' memory: it creates the frames, maps them into the
 * process and into itself (so it can copy to and from the process), and changes them with batched maps.
 *
 * This version runs one static program from the initramfs (a newc cpio in the task's image): processes,
 * memory, the read-only file tree, the console and time. fork/exec, pipes and signals come next.
 */
#ifndef LX_LX_H
#define LX_LX_H

#include "linux.h"
#include <libos/libos.h>
#include <stdbool.h>
#include <stdint.h>

#define LX_MAX_PROCS 16
#define LX_MAX_REGIONS 128
#define LX_MAX_FDS 64
#define LX_STACK_TOP 0x00007ffe00000000ull
#define LX_STACK_SIZE (8ull << 20)
#define LX_MMAP_TOP 0x00007f0000000000ull

/* ---- the file tree (fs.c) ---- */
struct lx_node {
    const char *path; /* absolute, without the leading '/'; "" is the root */
    uint32_t mode;    /* S_IF* | permissions */
    const uint8_t *data;
    uint64_t size;
    uint32_t ino;
};

int lx_fs_load(const void *cpio, size_t size, char *err, size_t errlen);
/* Resolve an absolute path (following symlinks when follow is set); NULL with *errno_out set if none. */
const struct lx_node *lx_fs_lookup(const char *path, bool follow, int *errno_out);
/* The idx-th entry directly inside dir (for getdents64), or NULL after the last. */
const struct lx_node *lx_fs_child(const struct lx_node *dir, unsigned idx);
const char *lx_basename(const struct lx_node *n);

/* ---- processes (proc.c) ---- */
struct lx_region {
    uint64_t start, end;
    unsigned prot; /* PX_PROT_* */
    uint32_t frame;
    uint8_t *alias; /* the same pages in lx */
};

enum lx_fd_kind { FD_NONE, FD_CONSOLE, FD_FILE, FD_DIR, FD_NULL, FD_ZERO, FD_RANDOM };

struct lx_fd {
    enum lx_fd_kind kind;
    const struct lx_node *node;
    uint64_t offset;
    int flags;
};

struct lx_proc {
    bool used;
    int pid, ppid;
    uint32_t task, thread;
    struct lx_region regions[LX_MAX_REGIONS];
    unsigned nregions;
    uint64_t brk_start, brk, mmap_next;
    struct lx_fd fds[LX_MAX_FDS];
    char exe[128], cwd[128];
    uint64_t tid_address;
};

struct lx_proc *lx_proc_spawn(const char *path, char *const argv[], char *const envp[], int *err);
void lx_proc_destroy(struct lx_proc *p);
struct lx_proc *lx_proc_find(int pid);

/* Memory of a process. */
int lx_map_anon(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot);
int lx_unmap(struct lx_proc *p, uint64_t start, uint64_t len);
int lx_protect(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot);
bool lx_range_free(const struct lx_proc *p, uint64_t start, uint64_t len);
/* 0, or -LX_EFAULT if any byte is not there (or not writable, for copy_out). */
int lx_copy_in(struct lx_proc *p, void *dst, uint64_t src, uint64_t len);
int lx_copy_out(struct lx_proc *p, uint64_t dst, const void *src, uint64_t len);
/* A NUL-terminated string of at most max bytes (including the NUL); -LX_EFAULT or -LX_ENAMETOOLONG. */
int lx_copy_string(struct lx_proc *p, char *dst, uint64_t src, size_t max);

/* ---- system calls (sys.c) ---- */
enum lx_outcome { LX_RESUME, LX_EXIT };
/* Do the system call in r (number in rax); the result goes into r->rax. */
enum lx_outcome lx_syscall(struct lx_proc *p, struct px_regs *r, int *exit_status);
void lx_unimplemented_report(void);

#endif
