/*
 * Processes and threads: a process is a Proteus task, each of its threads a foreign-ABI thread whose
 * exception endpoint is lx's, badged with the thread's slot and id (the first thread's is the process's pid).
 * fork gives the child the parent's memory copy-on-write (mm/mem.c); execve keeps the task, pid and
 * descriptors, ends the other threads and replaces the memory.
 */
#include "lx.h"
#include "kernel/syscall.h"
#include "mm/quota.h"
#include <core/elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

extern uint32_t lx_endpoint;
static struct lx_proc procs[LX_MAX_PROCS];
static int next_pid = 1;
/* Slots at and above this one have never been used: walks over every process stop here, so they cost
 * what the most threads and processes ever alive at once were, not LX_MAX_PROCS. */
static unsigned used_slots;

struct lx_proc *lx_proc_at(unsigned i) { return &procs[i]; }
unsigned lx_proc_slots(void) { return used_slots; }

unsigned lx_proc_count(void)
{
    unsigned n = 0;

    for (unsigned i = 0; i < used_slots; i++)
        n += procs[i].state != LX_FREE;
    return n;
}

/*
 * Pids to slots: a hash table of (pid, slot) entries, one made when a slot takes a pid (a new process or
 * thread, or a thread taking its leader's pid at execve). An entry whose slot no longer holds that pid
 * (freed, or taken since by another) is stale: lookups skip and drop it, and a new entry drops the stale
 * ones of its bucket, so a bucket holds about the live pids that hash there.
 */
#define PID_BUCKETS 4096
struct pid_entry {
    int pid;
    struct lx_proc *p;
    struct pid_entry *next;
};
static struct pid_entry *pid_hash[PID_BUCKETS];

static bool pid_entry_live(const struct pid_entry *e) { return e->p->state != LX_FREE && e->p->pid == e->pid; }

static void pid_hash_drop_stale(struct pid_entry **at)
{
    while (*at)
        if (!pid_entry_live(*at)) {
            struct pid_entry *dead = *at;
            *at = dead->next;
            free(dead);
        } else
            at = &(*at)->next;
}

/* Slot p holds pid p->pid now (false: no memory for the entry; lx_proc_find would miss it). */
static bool pid_hash_add(struct lx_proc *p)
{
    struct pid_entry **b = &pid_hash[(unsigned)p->pid % PID_BUCKETS], *e = malloc(sizeof(*e));

    pid_hash_drop_stale(b);
    if (!e)
        return false;
    *e = (struct pid_entry){p->pid, p, *b};
    *b = e;
    return true;
}

/*
 * A thread's badge on its exception messages: its slot (found in O(1)) and its id (so that a message
 * from a thread whose slot has been taken since is not taken for the new holder's).
 */
#define BADGE_SLOT_BITS 16
_Static_assert(LX_MAX_PROCS <= 1u << BADGE_SLOT_BITS, "a slot must fit in its badge's field");
static uint64_t badge_of(const struct lx_proc *p) { return (uint64_t)p->pid << BADGE_SLOT_BITS | (uint64_t)(p - procs); }

struct lx_proc *lx_proc_by_badge(uint64_t badge)
{
    uint64_t slot = badge & ((1u << BADGE_SLOT_BITS) - 1);
    struct lx_proc *p = slot < LX_MAX_PROCS ? &procs[slot] : NULL;

    return p && p->state != LX_FREE && (uint64_t)p->pid == badge >> BADGE_SLOT_BITS ? p : NULL;
}

struct lx_proc *lx_proc_find(int pid)
{
    struct pid_entry **b = &pid_hash[(unsigned)pid % PID_BUCKETS];

    pid_hash_drop_stale(b);
    for (struct pid_entry *e = *b; e; e = e->next)
        if (e->pid == pid)
            return e->p;
    return NULL;
}

static int load_elf(struct lx_proc *p, struct lx_node *file, uint64_t *entry, uint64_t *phdr, unsigned *phnum)
{
    struct elf_image img;
    const char *why = elf_is_dyn(file->data, file->size)
                          ? elf_parse_static_pie(file->data, file->size, LX_PIE_BASE, PX_PAGE_SIZE, LX_MMAP_TOP, &img)
                          : elf_parse(file->data, file->size, PX_PAGE_SIZE, LX_MMAP_TOP, &img);
    uint64_t phoff, top = 0;

    if (why) {
        printf("lx: %s: %s\n", file->path, why);
        return -LX_ENOEXEC;
    }
    for (unsigned i = 0; i < img.nsegs; i++) {
        const struct elf_segment *s = &img.segs[i];
        unsigned prot = (s->prot & SEG_R ? PX_PROT_READ : 0) | (s->prot & SEG_W ? PX_PROT_WRITE : 0) |
                        (s->prot & SEG_X ? PX_PROT_EXEC : 0);
        struct lx_region *r = prot & PX_PROT_WRITE ? lx_region_new(p, s->vaddr, s->memsz, prot)
                                                   : lx_region_image(p, s->vaddr, s->memsz, prot, file,
                                                                     file->data + s->offset, s->data, s->filesz);
        if (!r)
            return -LX_ENOMEM;
        r->program = true, r->pgoff = s->offset - s->data;
        if (prot & PX_PROT_WRITE) /* (an image has its bytes already) */
            memcpy(lx_region_bytes(r) + s->data, file->data + s->offset, s->filesz);
        if (s->vaddr + s->memsz > top)
            top = s->vaddr + s->memsz;
    }
    memcpy(&phoff, file->data + 32, 8);
    uint16_t n;
    memcpy(&n, file->data + 56, 2);
    *phnum = n;
    *phdr = img.segs[0].vaddr + img.segs[0].data + phoff - img.segs[0].offset; /* the headers in segment 0 */
    *entry = img.entry;
    p->brk_start = p->brk = (top + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);
    return 0;
}

/*
 * argc, argv, envp, auxv and the strings, at the top of the stack (demand-zero: only the pages they fill
 * are made); returns the initial rsp, or -LX_E2BIG when they would take more than a quarter of the
 * stack (Linux's limit), -LX_ENOMEM or -LX_EFAULT.
 */
static int64_t build_stack(struct lx_proc *p, char *const argv[], char *const envp[], uint64_t entry, uint64_t phdr,
                           unsigned phnum)
{
    uint64_t sp = LX_STACK_TOP, random, execfn, *w;
    unsigned argc = 0, envc = 0, n = 0;
    size_t size = strlen(p->exe) + 1;
    uint8_t rnd[16];
    int e = 0;

    for (; argv[argc]; argc++)
        size += strlen(argv[argc]) + 1 + 8;
    for (; envp[envc]; envc++)
        size += strlen(envp[envc]) + 1 + 8;
    if (size > LX_STACK_SIZE / 4)
        return -LX_E2BIG;
    uint64_t auxv[] = {AT_PHDR, phdr, AT_PHENT, 56, AT_PHNUM, phnum, AT_PAGESZ, PX_PAGE_SIZE, AT_ENTRY, entry,
                       AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_CLKTCK, 100, AT_SECURE, 0,
                       AT_RANDOM, 0, AT_EXECFN, 0, AT_NULL, 0};
    unsigned words = 1 + argc + 1 + envc + 1 + sizeof(auxv) / 8;
    if (!(w = malloc(words * 8)))
        return -LX_ENOMEM;
    sp -= 16;
    random = sp;
    lx_random(rnd, 16);
    e |= lx_copy_out(p, random, rnd, 16);
#define PUSH_STR(s) (sp -= strlen(s) + 1, e |= lx_copy_out(p, sp, (s), strlen(s) + 1), sp)
    execfn = PUSH_STR(p->exe);
#undef PUSH_STR
    /* the environment's strings, and below them the arguments', each in order, as Linux lays them out:
     * /proc/<pid>/cmdline reads the arguments' block from the process's memory */
    size_t arg_bytes = 0, env_bytes = 0;
    for (unsigned i = 0; i < argc; i++)
        arg_bytes += strlen(argv[i]) + 1;
    for (unsigned i = 0; i < envc; i++)
        env_bytes += strlen(envp[i]) + 1;
    uint64_t at = sp -= env_bytes;
    for (unsigned i = 0; i < envc; i++) {
        size_t k = strlen(envp[i]) + 1;
        w[1 + argc + 1 + i] = at;
        e |= lx_copy_out(p, at, envp[i], k);
        at += k;
    }
    at = sp -= arg_bytes;
    p->arg_start = at;
    for (unsigned i = 0; i < argc; i++) {
        size_t k = strlen(argv[i]) + 1;
        w[1 + i] = at;
        e |= lx_copy_out(p, at, argv[i], k);
        at += k;
    }
    p->arg_end = at;
    w[0] = argc, w[1 + argc] = 0, w[1 + argc + 1 + envc] = 0;
    n = 1 + argc + 1 + envc + 1;
    auxv[23] = random, auxv[25] = execfn;
    memcpy(w + n, auxv, sizeof(auxv));
    sp = (sp - words * 8) & ~15ull;
    e |= lx_copy_out(p, sp, w, words * 8);
    free(w);
    return e < 0 ? -LX_EFAULT : (int64_t)sp;
}

static void release(struct lx_proc *p);

static struct lx_proc *new_proc(void)
{
    for (unsigned i = 0; i < LX_MAX_PROCS; i++)
        if (procs[i].state == LX_FREE) {
            memset(&procs[i], 0, sizeof(procs[i]));
            procs[i].state = LX_RUNNING;
            procs[i].pid = next_pid++;
            procs[i].leader = procs[i].mm = &procs[i];
            procs[i].start_ns = libos_monotonic_ns();
            if (!pid_hash_add(&procs[i])) {
                procs[i].state = LX_FREE;
                return NULL;
            }
            if (i >= used_slots)
                used_slots = i + 1;
            return &procs[i];
        }
    return NULL;
}

/* A new process slot with its task and (stopped) thread; NULL if there is no room. */
static struct lx_proc *new_task(void)
{
    struct lx_proc *p = new_proc();

    if (!p)
        return NULL;
    if (!(p->task = libos_slot_alloc()) || !(p->thread = libos_slot_alloc()) ||
        lx_task_create(p->task) != PX_OK || lx_thread_create(p->task, p->thread) != PX_OK) {
        release(p);
        p->state = LX_FREE;
        return NULL;
    }
    return p;
}

/* Start p's thread at regs, its exceptions going to lx with its badge. */
static int start(struct lx_proc *p, const struct px_regs *regs)
{
    uint32_t badged = libos_slot_alloc();
    bool ok = badged && px_cap_mint(lx_endpoint, badged, PX_R_WRITE, badge_of(p)) == PX_OK &&
              px_thread_write_regs(p->thread, regs) == PX_OK &&
              px_thread_set_handler(p->thread, badged, PX_THREAD_FOREIGN_ABI) == PX_OK &&
              px_thread_set_sched(p->thread, 10, PX_TIMESLICE_DEFAULT_US) == PX_OK && px_thread_resume(p->thread) == PX_OK;

    if (badged) {
        px_cap_delete(badged);
        libos_slot_free(badged);
    }
    return ok ? 0 : -LX_EAGAIN;
}

/* Everything p holds but its slot: memory, descriptors, task and thread. */
/* What thread t has run goes into its process's account, before the thread goes. */
static void charge(struct lx_proc *t)
{
    uint64_t ns;

    if (t->thread && px_thread_cpu_time(t->thread, &ns) == PX_OK)
        t->leader->utime_ended += ns;
}

uint64_t lx_proc_utime(const struct lx_proc *p)
{
    uint64_t total = p->leader->utime_ended, ns;

    for (unsigned i = 0; i < used_slots; i++)
        if (procs[i].leader == p->leader && procs[i].state != LX_FREE && procs[i].thread &&
            px_thread_cpu_time(procs[i].thread, &ns) == PX_OK)
            total += ns;
    return total;
}

static void release(struct lx_proc *p)
{
    charge(p);
    if (p->mm != p) { /* a vfork child: its thread runs in its parent's task, in its parent's memory */
        if (p->thread)
            px_obj_destroy(p->thread);
        p->mm = p;
    }
    if (p->task)
        px_obj_destroy(p->task);
    p->task = p->task ? (px_cap_delete(p->task), libos_slot_free(p->task), 0) : 0;
    lx_mem_free(p);
    lx_fd_table_free(p);
    if (p->thread) {
        px_cap_delete(p->thread);
        libos_slot_free(p->thread);
        p->thread = 0;
    }
}

/* Load the ELF file into p's (empty) memory with a fresh stack; the first registers go in regs. */
static int load(struct lx_proc *p, const char *path, struct lx_node *file, char *const argv[], char *const envp[],
                struct px_regs *regs)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    uint64_t entry, phdr;
    unsigned phnum;
    int e;

    lx_node_path(file, p->exe, sizeof(p->exe));
    snprintf(p->comm, sizeof(p->comm), "%s", base); /* the name it was run by, as Linux's comm */
    p->mmap_next = LX_MMAP_TOP;
    if ((e = lx_map_stack(p, LX_STACK_TOP - LX_STACK_SIZE, LX_STACK_SIZE)) < 0 ||
        (e = load_elf(p, file, &entry, &phdr, &phnum)) < 0)
        return e;
    int64_t sp = build_stack(p, argv, envp, entry, phdr, phnum);
    if (sp < 0)
        return (int)sp;
    memset(regs, 0, sizeof(*regs));
    regs->rip = entry;
    regs->rsp = (uint64_t)sp;
    return 0;
}

struct lx_proc *lx_proc_spawn(const char *path, char *const argv[], char *const envp[], int *err)
{
    struct lx_node *file = lx_fs_lookup(path, true, err);
    int loaded = file ? lx_node_bytes(file) : 0; /* a disk file's bytes, read in */
    if (loaded < 0)
        return *err = -loaded, NULL;
    struct lx_fd *console = file ? lx_file_new(FD_CONSOLE, NULL, LX_O_RDWR) : NULL;
    struct lx_proc *p = console ? new_task() : NULL;
    struct px_regs r;

    if (!file)
        return NULL;
    if (!p) {
        if (console)
            lx_file_put(console);
        *err = LX_EAGAIN;
        return NULL;
    }
    strcpy(p->cwd, "/");
    p->umask = 022;
    lx_rlimits_init(p->rlim);
    p->pgid = p->sid = p->pid;
    if (!lx_fd_reserve(p, 3)) {
        lx_file_put(console);
        release(p);
        p->state = LX_FREE;
        *err = LX_ENOMEM;
        return NULL;
    }
    lx_fd_install(p, 0, console, false), lx_fd_install(p, 1, lx_file_get(console), false);
    lx_fd_install(p, 2, lx_file_get(console), false);
    if ((*err = -load(p, path, file, argv, envp, &r)) != 0 || (*err = -start(p, &r)) != 0) {
        release(p);
        p->state = LX_FREE;
        return NULL;
    }
    return p;
}

struct lx_proc *lx_proc_fork(struct lx_proc *parent, const struct px_regs *regs, bool share_memory, int *err)
{
    struct lx_proc *c = share_memory ? new_proc() : new_task();

    *err = LX_EAGAIN;
    if (!c)
        return NULL;
    c->ppid = parent->leader->pid;
    if (share_memory) { /* vfork: a thread in the parent's task until it execs or ends */
        c->mm = parent->leader->mm;
        if (!(c->thread = libos_slot_alloc()) || lx_thread_create(c->mm->task, c->thread) != PX_OK) {
            release(c);
            c->state = LX_FREE;
            return NULL;
        }
    } else if (lx_mem_fork(parent, c) < 0) {
        release(c);
        c->state = LX_FREE;
        *err = LX_ENOMEM;
        return NULL;
    }
    c->brk_start = parent->leader->brk_start, c->brk = parent->leader->brk, c->mmap_next = parent->leader->mmap_next;
    if (!lx_fd_table_copy(c, parent->leader)) {
        release(c);
        c->state = LX_FREE;
        *err = LX_ENOMEM;
        return NULL;
    }
    memcpy(c->act, parent->leader->act, sizeof(c->act));
    c->ss_sp = parent->ss_sp, c->ss_size = parent->ss_size, c->ss_autodisarm = parent->ss_autodisarm;
    c->blocked = parent->blocked;
    c->umask = parent->leader->umask;
    c->nice = parent->leader->nice;
    memcpy(c->rlim, parent->leader->rlim, sizeof(c->rlim));
    c->pgid = parent->leader->pgid, c->sid = parent->leader->sid;
    memcpy(c->exe, parent->leader->exe, sizeof(c->exe));
    memcpy(c->cwd, parent->leader->cwd, sizeof(c->cwd));
    c->arg_start = parent->leader->arg_start, c->arg_end = parent->leader->arg_end;
    if ((*err = -start(c, regs)) != 0) {
        release(c);
        c->state = LX_FREE;
        return NULL;
    }
    return c;
}

/* ---- threads ---- */

/* A thread's Proteus thread and slot go (the process's memory and descriptors stay). */
static void drop_thread(struct lx_proc *t)
{
    charge(t);
    if (t->thread) {
        px_obj_destroy(t->thread);
        px_cap_delete(t->thread);
        libos_slot_free(t->thread);
        t->thread = 0;
    }
    if (t != t->leader)
        t->state = LX_FREE;
}

/* The thread's end as its tid address sees it: zeroed, and one waiter woken (pthread_join's). */
static void clear_tid(struct lx_proc *t)
{
    uint32_t zero = 0;

    if (t->tid_address && lx_copy_out(t, t->tid_address, &zero, 4) == 0)
        lx_futex_wake(t, t->tid_address, 1, ~0u);
    t->tid_address = 0;
}

static bool others_live(const struct lx_proc *t)
{
    for (unsigned i = 0; i < used_slots; i++)
        if (&procs[i] != t && procs[i].leader == t->leader && (procs[i].state == LX_RUNNING || procs[i].state == LX_BLOCKED))
            return true;
    return false;
}

bool lx_thread_exit(struct lx_proc *t, int code)
{
    struct lx_proc *leader = t->leader;

    clear_tid(t);
    if (!others_live(t)) {
        lx_proc_exit(leader, (code & 0xff) << 8);
        return true;
    }
    drop_thread(t);
    if (t == leader)
        t->state = LX_ENDED;
    return false;
}

struct lx_proc *lx_thread_new(struct lx_proc *p, const struct px_regs *regs, int *err)
{
    struct lx_proc *t = new_proc();

    *err = LX_EAGAIN;
    if (!t)
        return NULL;
    t->leader = p->leader;
    t->blocked = p->blocked;
    if (!(t->thread = libos_slot_alloc()) || lx_thread_create(p->leader->mm->task, t->thread) != PX_OK ||
        (*err = -start(t, regs)) != 0) {
        if (t->thread)
            libos_slot_free(t->thread), t->thread = 0;
        t->state = LX_FREE;
        *err = *err ? *err : LX_EAGAIN;
        return NULL;
    }
    return t;
}

/* exec and exit_group: every thread of p's process but p ends at once. */
static void only_thread(struct lx_proc *p)
{
    for (unsigned i = 0; i < used_slots; i++)
        if (&procs[i] != p && procs[i].leader == p->leader && procs[i].state != LX_FREE && &procs[i] != p->leader)
            drop_thread(&procs[i]);
    if (p != p->leader)
        drop_thread(p->leader);
}

/*
 * execve from a thread that is not the leader: it takes the leader's place (and pid), as in Linux. The
 * leader's slot, with everything the process holds, becomes the caller's; the caller's own fields go
 * with it. Returns the slot the caller now is.
 */
static struct lx_proc *take_leader(struct lx_proc *t)
{
    struct lx_proc *l = t->leader, mine = *t;

    if (l == t)
        return t;
    *t = *l;
    t->leader = t;
    for (unsigned i = 0; i < used_slots; i++) /* itself, and vfork children running in its memory */
        if (procs[i].mm == l)
            procs[i].mm = t;
    t->state = LX_RUNNING;
    t->thread = mine.thread;
    t->blocked = mine.blocked, t->pending = mine.pending, t->thread_stime = mine.thread_stime;
    t->tid_address = 0, t->deadline = 0, t->futex = 0, t->sigsuspended = false;
    t->ss_sp = t->ss_size = 0;
    memset(l, 0, sizeof(*l)); /* its memory, descriptors and caps now t's */
    l->state = LX_FREE;
    pid_hash_add(t); /* (the process's pid, at t's slot now; without memory for it, lx_proc_find misses t) */
    uint32_t badged = libos_slot_alloc(); /* exceptions now carry the process's pid */
    if (badged && px_cap_mint(lx_endpoint, badged, PX_R_WRITE, badge_of(t)) == PX_OK)
        px_thread_set_handler(t->thread, badged, PX_THREAD_FOREIGN_ABI);
    if (badged)
        px_cap_delete(badged), libos_slot_free(badged);
    return t;
}

/*
 * A vfork child's execve: a task and thread of its own, the thread it ran in (in its parent's task)
 * ended; the parent, waiting in clone, goes on. The caller starts the new thread (lx_proc_exec says so).
 */
static int own_task(struct lx_proc *p)
{
    uint32_t task = libos_slot_alloc(), thread = libos_slot_alloc();

    if (!task || !thread || lx_task_create(task) != PX_OK) {
        libos_slot_free(task), libos_slot_free(thread);
        return -LX_ENOMEM;
    }
    if (lx_thread_create(task, thread) != PX_OK) {
        px_obj_destroy(task), px_cap_delete(task), libos_slot_free(task), libos_slot_free(thread);
        return -LX_ENOMEM;
    }
    charge(p);
    px_obj_destroy(p->thread), px_cap_delete(p->thread), libos_slot_free(p->thread);
    p->task = task, p->thread = thread, p->mm = p;
    p->new_thread = true;
    lx_wake_pending = true; /* its parent's clone can return */
    return 0;
}

/* "#!interpreter [one argument]" at the start of a script: the argv that runs it, in args (strings in buf). */
static struct lx_node *script(struct lx_node *file, const char *path, char *const argv[], char **args,
                                    char *buf, size_t buflen, int *err)
{
    size_t n = 0, len = file->size < buflen - 1 ? file->size : buflen - 1;
    unsigned a = 0;

    memcpy(buf, file->data, len);
    buf[len] = 0;
    char *line = buf + 2, *end = strchr(line, '\n');
    if (!end) {
        *err = LX_ENOEXEC;
        return NULL;
    }
    *end = 0;
    while (*line == ' ' || *line == '\t')
        line++;
    char *interp = line, *arg = interp + strcspn(interp, " \t");
    if (*arg) {
        *arg++ = 0;
        arg += strspn(arg, " \t");
        arg[strcspn(arg, "\r")] = 0;
        for (size_t k = strlen(arg); k && (arg[k - 1] == ' ' || arg[k - 1] == '\t');)
            arg[--k] = 0;
    }
    args[a++] = interp;
    if (*arg)
        args[a++] = arg;
    args[a++] = (char *)path;
    for (n = 1; argv[0] && argv[n] && a < 255; n++)
        args[a++] = argv[n];
    args[a] = NULL;
    return lx_fs_lookup(interp, true, err);
}

int lx_proc_exec(struct lx_proc *p, const char *path, char *const argv[], char *const envp[], struct px_regs *regs)
{
    static char *args[256];
    static char line[512];
    struct elf_image img;
    int e;
    struct lx_node *file = lx_fs_lookup(path, true, &e);

    if (!file)
        return -e;
    if (!S_ISREG(file->mode))
        return -LX_EACCES;
    if ((e = lx_node_bytes(file)) < 0) /* a disk file's bytes, read in */
        return e;
    if (file->size > 2 && file->data[0] == '#' && file->data[1] == '!') {
        if (!(file = script(file, path, argv, args, line, sizeof(line), &e)))
            return -e;
        argv = args;
        if (!S_ISREG(file->mode))
            return -LX_EACCES;
        if ((e = lx_node_bytes(file)) < 0)
            return e;
    }
    if (elf_is_dyn(file->data, file->size)
            ? elf_parse_static_pie(file->data, file->size, LX_PIE_BASE, PX_PAGE_SIZE, LX_MMAP_TOP, &img)
            : elf_parse(file->data, file->size, PX_PAGE_SIZE, LX_MMAP_TOP, &img))
        return -LX_ENOEXEC;
    /* The point of no return: the other threads and the old program's memory go. */
    only_thread(p);
    p = take_leader(p);
    if (p->mm != p && (e = own_task(p)) < 0)
        return 1; /* a vfork child that cannot have a task of its own: it ends (SIGSEGV, as below) */
    lx_mem_free(p);
    lx_fd_close_on_exec(p);
    p->tid_address = 0;
    lx_signal_exec(p);
    if (load(p, path, file, argv, envp, regs) < 0)
        return 1;
    return p->new_thread && start(p, regs) < 0 ? 1 : 0;
}

static uint64_t ended_user, ended_system;

void lx_proc_ended_times(uint64_t *user, uint64_t *sys) { *user = ended_user, *sys = ended_system; }

void lx_proc_exit(struct lx_proc *p, int wait_status)
{
    p = p->leader;
    only_thread(p);
    release(p);
    ended_user += p->utime_ended, ended_system += p->stime;
    p->state = LX_ZOMBIE;
    lx_wake_pending = true;
    struct lx_proc *parent = lx_proc_find(p->ppid);
    if (parent)
        lx_signal_send(parent, LX_SIGCHLD);
    p->wait_status = wait_status;
    for (unsigned i = 0; i < used_slots; i++)
        if (procs[i].state != LX_FREE && procs[i].leader == &procs[i] && procs[i].ppid == p->pid)
            procs[i].ppid = 1; /* orphans go to the first process, as to init */
}

struct lx_proc *lx_current;

#define SA_NOCLDSTOP 1

static void tell_parent(struct lx_proc *l)
{
    struct lx_proc *parent = lx_proc_find(l->ppid);

    if (parent && !(parent->leader->act[LX_SIGCHLD].flags & SA_NOCLDSTOP))
        lx_signal_send(parent, LX_SIGCHLD);
    lx_wake_pending = true;
}

void lx_proc_stop(struct lx_proc *p, int sig)
{
    struct lx_proc *l = p->leader;

    if (l->stopped || l->state == LX_ZOMBIE)
        return;
    l->stopped = true, l->stop_sig = sig, l->stop_report = true, l->cont_report = false;
    for (unsigned i = 0; i < used_slots; i++) {
        struct lx_proc *t = &procs[i];
        /* A thread in user space (or with a call not yet received: the kernel puts it back onto the
           syscall instruction) is suspended where it is; lx_current is parked as it is answered. */
        if (t->leader == l && t->state == LX_RUNNING && t != lx_current && px_thread_suspend(t->thread) == PX_OK &&
            px_thread_read_regs(t->thread, &t->call) == PX_OK)
            t->state = LX_STOPPED;
    }
    tell_parent(l);
}

bool lx_proc_continue(struct lx_proc *p)
{
    struct lx_proc *l = p->leader;
    int d;

    if (!l->stopped)
        return false;
    l->stopped = false, l->stop_report = false, l->cont_report = true;
    tell_parent(l);
    for (unsigned i = 0; i < used_slots; i++) {
        struct lx_proc *t = &procs[i];
        if (t->leader != l || t->state != LX_STOPPED)
            continue;
        t->state = LX_RUNNING;
        if ((d = lx_signal_deliver(t, &t->call, 0, 0)) < 0) { /* a pending signal (SIGCONT's handler) */
            lx_proc_exit(t, -d);
            return true;
        }
        px_thread_write_regs(t->thread, &t->call);
        px_thread_resume(t->thread);
    }
    return false;
}

void lx_proc_reap(struct lx_proc *p)
{
    struct lx_proc *parent = lx_proc_find(p->ppid);

    if (parent) { /* its times, and its children's, become its parent's children's times */
        parent->leader->cutime += p->utime_ended + p->cutime;
        parent->leader->cstime += p->stime + p->cstime;
    }
    p->state = LX_FREE;
}
