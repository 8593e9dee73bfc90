/*
 * /proc, enough for ps, top, free and uptime and for programs that find themselves: /proc/self (a
 * symlink to the caller's pid), for each process /proc/<pid>/{stat,status,cmdline,comm,maps}, the symlink
 * exe and the directory fd (a link per open descriptor, as Linux's), and the system's meminfo, stat,
 * uptime and version (and lx's own aspace_switches, the kernel's count of address-space switches, for
 * benchmarks). /dev/fd (a link to /proc/self/fd) and /dev/stdin, /dev/stdout, /dev/stderr (links to
 * its 0, 1 and 2) are served here too, as udev makes them on Linux. A descriptor's link is Linux's
 * "magic" one: following it (open, stat) reaches the open file itself, even one with no name (a pipe,
 * a removed file), and opening it makes a new description of that file (lx_procfs_fd, lx_fd_reopen).
 * Each lookup makes a node with the file's text as it is now (a snapshot, as a read of a small /proc file gives on Linux); the node belongs to whoever
 * asked and is freed with lx_procfs_free. What lx cannot know it does not make up: there is no page
 * cache or swap (their lines read 0), and idle time is the time lx's processes have not used.
 */
#include "lx.h"
#include "mm/regions.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { P_ROOT = 1, P_PID, P_FILE, P_LINK, P_FD };
static const char *const files[] = {"cmdline", "comm", "exe", "fd", "maps", "stat", "status"};
static const struct { const char *name, *target; } dev_links[] = {
    {"dev/fd", "/proc/self/fd"}, {"dev/stdin", "/proc/self/fd/0"}, {"dev/stdout", "/proc/self/fd/1"},
    {"dev/stderr", "/proc/self/fd/2"},
};
static const char *const system_files[] = {"aspace_switches", "meminfo", "mounts", "stat", "uptime", "version"};

static struct lx_node *node(int kind, uint32_t mode, uint32_t ino, const char *text, size_t len)
{
    struct lx_node *n = calloc(1, sizeof(*n) + len + 1);

    if (!n)
        return NULL;
    n->path = (char *)"proc";
    n->mode = mode;
    n->ino = ino;
    n->proc = (uint8_t)kind;
    n->data = (uint8_t *)(n + 1);
    memcpy(n->data, text, len);
    n->size = len;
    n->mtime_ns = libos_wallclock_ns();
    return n;
}

static const char *comm_of(const struct lx_proc *p)
{
    const char *slash = strrchr(p->leader->exe, '/');
    return p->leader->comm[0] ? p->leader->comm : slash ? slash + 1 : p->leader->exe;
}

static struct lx_node *file(struct lx_proc *t, const char *name)
{
    static char text[1024];
    int n = 0;
    char state = t->state == LX_ZOMBIE ? 'Z' : t->leader->stopped ? 'T' : t->state == LX_BLOCKED ? 'S' : 'R';
    uint64_t pages = lx_proc_pages(t);
    unsigned threads = 0;

    for (unsigned i = 0; i < lx_proc_slots(); i++)
        threads += lx_proc_at(i)->leader == t && (lx_proc_at(i)->state == LX_RUNNING || lx_proc_at(i)->state == LX_BLOCKED);

    if (strcmp(name, "stat") == 0)
        n = snprintf(text, sizeof(text),
                     "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %llu %llu %llu %llu 20 0 %u 0 %llu %llu %llu "
                     "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
                     t->pid, comm_of(t), state, t->leader->ppid, t->leader->pgid, t->leader->sid,
                     (unsigned long long)(lx_proc_utime(t) / 10000000), (unsigned long long)(t->stime / 10000000),
                     (unsigned long long)(t->cutime / 10000000), (unsigned long long)(t->cstime / 10000000), threads,
                     (unsigned long long)(t->leader->start_ns / 10000000), (unsigned long long)(pages * PX_PAGE_SIZE),
                     (unsigned long long)pages);
    else if (strcmp(name, "status") == 0)
        n = snprintf(text, sizeof(text), "Name:\t%s\nState:\t%c\nPid:\t%d\nPPid:\t%d\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
                     "VmRSS:\t%llu kB\nThreads:\t%u\n", comm_of(t), state, t->pid, t->leader->ppid,
                     (unsigned long long)(pages * PX_PAGE_SIZE / 1024), threads);
    else if (strcmp(name, "comm") == 0)
        n = snprintf(text, sizeof(text), "%s\n", comm_of(t));
    else if (strcmp(name, "cmdline") == 0) { /* the arguments as they are in its memory now, as Linux's */
        struct lx_proc *l = t->leader;
        uint64_t len = t->state == LX_ZOMBIE || l->arg_end < l->arg_start ? 0 : l->arg_end - l->arg_start;
        char *args = malloc(len + 1);
        if (!args || (len && lx_copy_in(l, args, l->arg_start, len) < 0))
            len = 0; /* (its stack unmapped: nothing to show) */
        struct lx_node *c = args ? node(P_FILE, S_IFREG | 0444, (uint32_t)(0x70000000 + t->pid * 8 + 1), args, len) : NULL;
        free(args);
        return c;
    }
    else if (strcmp(name, "exe") == 0)
        return node(P_LINK, S_IFLNK | 0777, (uint32_t)(0x70000000 + t->pid * 8 + 2), t->leader->exe, strlen(t->leader->exe));
    else
        return NULL;
    return node(P_FILE, S_IFREG | 0444, (uint32_t)(0x70000000 + t->pid * 8 + 3), text, (size_t)n);
}

/* The CPU time (ns) every process has used, those that have ended included: user, then system. */
static void cpu_totals(uint64_t *user, uint64_t *sys)
{
    lx_proc_ended_times(user, sys);
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->state != LX_FREE && t->state != LX_ZOMBIE && t->leader == t)
            *user += lx_proc_utime(t), *sys += t->stime;
    }
}

static struct lx_node *system_file(const char *name)
{
    static char text[1024];
    uint64_t now = libos_monotonic_ns(), user, sys, total = libos_bootinfo->memory_pages * 4,
             free_kib = total - lx_pages_in_use() * 4;
    int n = 0;

    cpu_totals(&user, &sys);
    uint64_t idle = now > user + sys ? now - user - sys : 0;
    if (strcmp(name, "meminfo") == 0)
        n = snprintf(text, sizeof(text),
                     "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
                     "Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 kB\n"
                     "SwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 kB\n",
                     (unsigned long long)total, (unsigned long long)free_kib, (unsigned long long)free_kib);
    else if (strcmp(name, "stat") == 0) {
        unsigned running = 0;
        unsigned long long u = user / 10000000, s = sys / 10000000, i = idle / 10000000;
        for (unsigned k = 0; k < lx_proc_slots(); k++)
            running += lx_proc_at(k)->state == LX_RUNNING;
        /* the total, then cpu0 (the same: one CPU); waiting in a blocked call is sleeping, not I/O wait */
        n = snprintf(text, sizeof(text),
                     "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\ncpu0 %llu 0 %llu %llu 0 0 0 0 0 0\n"
                     "btime %llu\nprocs_running %u\nprocs_blocked 0\n",
                     u, s, i, u, s, i, (unsigned long long)((libos_wallclock_ns() - (int64_t)now) / 1000000000), running);
    } else if (strcmp(name, "uptime") == 0)
        n = snprintf(text, sizeof(text), "%llu.%02llu %llu.%02llu\n", (unsigned long long)(now / 1000000000),
                     (unsigned long long)(now / 10000000 % 100), (unsigned long long)(idle / 1000000000),
                     (unsigned long long)(idle / 10000000 % 100));
    else if (strcmp(name, "mounts") == 0) { /* the VFS's mounts, and /proc (which lx serves beside them) */
        struct lx_mount *m;
        for (unsigned i = 0; (m = lx_vfs_mount_at(i)) && n < (int)sizeof(text); i++)
            n += snprintf(text + n, sizeof(text) - (size_t)n, "%s /%s %s %s 0 0\n", m->source, m->path, m->ops->type,
                          m->rdonly ? "ro" : "rw");
        if (n < (int)sizeof(text))
            n += snprintf(text + n, sizeof(text) - (size_t)n, "proc /proc proc rw 0 0\n");
        if (n > (int)sizeof(text) - 1)
            n = (int)sizeof(text) - 1;
    } else if (strcmp(name, "aspace_switches") == 0) /* lx's own: the kernel's CR3 loads, for benchmarks */
        n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)px_aspace_switches());
    else if (strcmp(name, "version") == 0)
        n = snprintf(text, sizeof(text), "Linux version %s (lx, a Proteus personality) %s\n", LX_UNAME_RELEASE,
                     LX_UNAME_VERSION);
    else
        return NULL;
    return node(P_FILE, S_IFREG | 0444, (uint32_t)(0x6ff00000 + (unsigned char)name[0]), text, (size_t)n);
}

/* What a descriptor's link says (readlink of /proc/<pid>/fd/N), in Linux's words. */
static void describe(struct lx_fd *f, char *buf, size_t len)
{
    switch (f->kind) {
    case FD_FILE: case FD_DIR:
        if (lx_node_path(f->node, buf, len) < 0)
            snprintf(buf, len, "/");
        if (f->node->gone && strlen(buf) + 11 < len)
            strcat(buf, " (deleted)");
        return;
    case FD_CONSOLE: snprintf(buf, len, "/dev/console"); return;
    case FD_NULL: snprintf(buf, len, "/dev/null"); return;
    case FD_ZERO: snprintf(buf, len, "/dev/zero"); return;
    case FD_RANDOM: snprintf(buf, len, "/dev/urandom"); return;
    case FD_PIPE_READ: case FD_PIPE_WRITE: snprintf(buf, len, "pipe:[%u]", (unsigned)f->pipe->ino); return;
    default:
        if (f->ops->link)
            f->ops->link(f, buf, len);
        else
            snprintf(buf, len, "anon_inode:[unknown]");
    }
}

/* The link /proc/<pid>/fd/<fd> names f by: its mode says how f is open (lr-x, l-wx, lrwx), as Linux's. */
static struct lx_node *fd_link(const struct lx_proc *t, struct lx_fd *f, unsigned fd)
{
    static const uint32_t perms[4] = {0500, 0300, 0700, 0700};
    char text[320];

    describe(f, text, sizeof(text));
    return node(P_LINK, S_IFLNK | perms[f->flags & LX_O_ACCMODE], 0x80000000u + ((uint32_t)t->pid << 16) + fd, text,
                strlen(text));
}

/*
 * /dev/fd and /dev/stdin, /dev/stdout, /dev/stderr: a path through one of them becomes the /proc/self/fd
 * path it leads to (in buf); the link itself (*link) when the path names it and is not followed.
 */
static const char *dev_alias(const char *path, bool follow, char *buf, size_t len, struct lx_node **link)
{
    const char *s = path;

    while (*s == '/')
        s++;
    for (unsigned i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
        size_t k = strlen(dev_links[i].name);
        if (strncmp(s, dev_links[i].name, k) != 0 || (s[k] != 0 && s[k] != '/'))
            continue;
        const char *rest = s + k, *target = dev_links[i].target;
        while (*rest == '/')
            rest++;
        if (!follow && s[k] == 0) {
            *link = node(P_LINK, S_IFLNK | 0777, 0x6ff10000u + i, target, strlen(target));
            return NULL;
        }
        snprintf(buf, len, "%s%s%s", target, *rest ? "/" : "", rest);
        return buf;
    }
    return path;
}

/* A path's components (no "." among them): how many, 0 if it is not under /proc, -1 if too deep for /proc. */
static int split(const char *path, char parts[4][32])
{
    int n = 0;

    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        if (!len)
            break;
        if (!(len == 1 && s[0] == '.')) {
            if (n == 1 && strcmp(parts[0], "proc") != 0)
                return 0; /* not ours */
            if (n == 4 || len >= sizeof(parts[0]))
                return n ? -1 : 0;
            memcpy(parts[n], s, len);
            parts[n++][len] = 0;
        }
        s += len;
    }
    return n && strcmp(parts[0], "proc") == 0 ? n : 0;
}

/* The process /proc/<name> is ("self" the caller's), or NULL. */
static struct lx_proc *proc_named(struct lx_proc *self, const char *name)
{
    char *end;
    long pid = strcmp(name, "self") == 0 ? self->leader->pid : strtol(name, &end, 10);
    struct lx_proc *t = strcmp(name, "self") != 0 && (*end || pid <= 0) ? NULL : lx_proc_find((int)pid);

    return t ? t->leader : NULL; /* a thread's id shows its process, as /proc/<tid> does */
}

/* The open description that descriptor `name` (decimal) of t is, or NULL. */
static struct lx_fd *fd_named(struct lx_proc *t, const char *name, unsigned *fd)
{
    char *end;
    unsigned long n = strtoul(name, &end, 10);

    if (!name[0] || *end || (name[0] == '0' && name[1]) || n >= t->nfds)
        return NULL;
    *fd = (unsigned)n;
    return t->fds[n];
}

struct lx_fd *lx_procfs_fd(struct lx_proc *self, const char *path, int *err)
{
    char parts[4][32], alias[64];
    struct lx_node *link = NULL;
    struct lx_proc *t;
    struct lx_fd *f = NULL;
    unsigned fd;

    *err = 0;
    path = dev_alias(path, true, alias, sizeof(alias), &link);
    if (split(path, parts) != 4 || strcmp(parts[2], "fd") != 0)
        return NULL;
    if (!(t = proc_named(self, parts[1])) || !(f = fd_named(t, parts[3], &fd)))
        *err = LX_ENOENT;
    return f;
}

struct lx_fd *lx_fd_reopen(struct lx_fd *f, int flags, int *err)
{
    int acc = flags & LX_O_ACCMODE;
    struct lx_fd *n = NULL;

    *err = 0;
    switch (f->kind) {
    case FD_FILE: case FD_DIR:
        if (f->kind == FD_DIR && (acc || (flags & LX_O_CREAT)))
            return *err = LX_EISDIR, NULL;
        if (f->kind == FD_FILE && (flags & LX_O_DIRECTORY))
            return *err = LX_ENOTDIR, NULL;
        if (f->node->proc) { /* a /proc snapshot belongs to its description: the new one gets a copy */
            if (acc)
                return *err = LX_EACCES, NULL;
            struct lx_node *c = node(f->node->proc, f->node->mode, f->node->ino, (const char *)f->node->data,
                                     f->node->size);
            if (c)
                c->size = f->node->size;
            if (!c || !(n = lx_file_new(f->kind, c, flags)))
                lx_procfs_free(c);
            break;
        }
        if (acc && (flags & LX_O_TRUNC) && (*err = -lx_fs_truncate(f->node, 0)) != 0)
            return NULL;
        n = lx_file_new(f->kind, f->node, flags);
        break;
    case FD_PIPE_READ: case FD_PIPE_WRITE: /* the same pipe, at the end the open asks for */
        if (acc == LX_O_RDWR)
            return *err = LX_EINVAL, NULL;
        if ((n = lx_file_new(acc ? FD_PIPE_WRITE : FD_PIPE_READ, NULL, flags & (LX_O_ACCMODE | LX_O_NONBLOCK)))) {
            n->pipe = f->pipe;
            acc ? f->pipe->writers++ : f->pipe->readers++;
        }
        break;
    case FD_CONSOLE: case FD_NULL: case FD_ZERO: case FD_RANDOM:
        n = lx_file_new(f->kind, NULL, flags);
        break;
    default:
        if (!f->ops->reopen)
            return *err = LX_ENXIO, NULL;
        return f->ops->reopen(f, flags, err);
    }
    if (!n && !*err)
        *err = LX_ENOMEM;
    return n;
}

static const char *region_name(const struct lx_proc *t, const struct lx_region *r)
{
    return r->program ? t->exe : r->noreserve ? "[stack]" : r->shared ? "/dev/zero (deleted)"
           : r->start >= t->brk_start && r->start < t->brk ? "[heap]" : "";
}

/* /proc/<pid>/maps: a line per run of regions alike, in Linux's layout (man 5 proc). */
static struct lx_node *maps(struct lx_proc *t)
{
    size_t cap = 4096, len = 0;
    char *text = malloc(cap), exe_dev[8] = "00:00";
    int e;
    struct lx_node *exe = lx_fs_lookup(t->exe, true, &e);
    struct lx_region *r = lx_regions_from(t->regions, 0);

    if (exe && exe->mnt)
        snprintf(exe_dev, sizeof(exe_dev), "%02x:%02x", (unsigned)(exe->mnt->dev >> 8) & 0xff,
                 (unsigned)exe->mnt->dev & 0xff);
    while (r && text) {
        struct lx_region *last = r, *next;
        const char *name = region_name(t, r);
        /* Linux keeps adjacent mappings alike as one: so does the listing (a program's segments apart) */
        while (!r->program && (next = lx_regions_from(t->regions, last->end)) && next->start == last->end &&
               next->prot == r->prot && next->shared == r->shared && !next->program &&
               strcmp(region_name(t, next), name) == 0)
            last = next;
        if (cap - len < 512) {
            char *more = realloc(text, cap *= 2);
            if (!more)
                break;
            text = more;
        }
        int k = snprintf(text + len, cap - len, "%08llx-%08llx %c%c%c%c %08llx %s %lu ", (unsigned long long)r->start,
                         (unsigned long long)last->end, r->prot & PX_PROT_READ ? 'r' : '-',
                         r->prot & PX_PROT_WRITE ? 'w' : '-', r->prot & PX_PROT_EXEC ? 'x' : '-', r->shared ? 's' : 'p',
                         (unsigned long long)(r->program ? r->pgoff : 0), r->program ? exe_dev : "00:00",
                         r->program && exe ? (unsigned long)exe->ino : 0ul);
        if (name[0])
            k += snprintf(text + len + k, cap - len - k, "%*s%s", k < 73 ? 73 - k : 1, "", name);
        text[len + k] = '\n';
        len += k + 1;
        r = lx_regions_from(t->regions, last->end);
    }
    struct lx_node *n = text ? node(P_FILE, S_IFREG | 0444, (uint32_t)(0x70000000 + t->pid * 8 + 4), text, len) : NULL;
    free(text);
    return n;
}

struct lx_node *lx_procfs_lookup(struct lx_proc *self, const char *path, bool follow, int *err)
{
    char parts[4][32], alias[64];
    struct lx_node *link = NULL;
    int n;

    *err = 0;
    if (!(path = dev_alias(path, follow, alias, sizeof(alias), &link)))
        return link ? link : (*err = LX_ENOMEM, NULL);
    if ((n = split(path, parts)) == 0)
        return NULL; /* not ours */
    *err = LX_ENOENT;
    if (n < 0)
        return NULL;
    if (n == 1)
        return node(P_ROOT, S_IFDIR | 0555, 0x70000000, "", 0);
    if (strcmp(parts[1], "self") == 0 && n == 2 && !follow) {
        char pid[16];
        return node(P_LINK, S_IFLNK | 0777, 0x70000001, pid, (size_t)snprintf(pid, sizeof(pid), "%d", self->leader->pid));
    }
    if (n == 2)
        for (unsigned i = 0; i < sizeof(system_files) / sizeof(system_files[0]); i++)
            if (strcmp(parts[1], system_files[i]) == 0)
                return system_file(parts[1]);
    struct lx_proc *t = proc_named(self, parts[1]);
    if (!t)
        return NULL;
    if (n == 2) {
        struct lx_node *d = node(P_PID, S_IFDIR | 0555, (uint32_t)(0x70000000 + t->pid * 8), "", 0);
        if (d)
            d->size = (uint64_t)t->pid; /* which process, for its listing */
        return d;
    }
    if (n == 3 && strcmp(parts[2], "exe") == 0 && follow) {
        struct lx_node *target = lx_fs_lookup(t->leader->exe, true, err);
        return target ? node(P_FILE, target->mode, target->ino, (const char *)target->data, target->size) : NULL;
    }
    if (n == 3 && strcmp(parts[2], "fd") == 0) {
        struct lx_node *d = node(P_FD, S_IFDIR | 0500, (uint32_t)(0x70000000 + t->pid * 8 + 5), "", 0);
        if (d)
            d->size = (uint64_t)t->pid;
        return d;
    }
    if (n == 3 && strcmp(parts[2], "maps") == 0)
        return t->state == LX_ZOMBIE ? node(P_FILE, S_IFREG | 0444, (uint32_t)(0x70000000 + t->pid * 8 + 4), "", 0)
                                     : maps(t);
    if (n == 3)
        return file(t, parts[2]);
    unsigned fd;
    struct lx_fd *f = strcmp(parts[2], "fd") == 0 ? fd_named(t, parts[3], &fd) : NULL;
    if (!f)
        return NULL;
    if (follow && f->node && !f->node->proc)
        return f->node; /* the file itself (a tree node: lx_procfs_free leaves it) */
    return fd_link(t, f, fd);
}

bool lx_procfs_child(const struct lx_node *dir, unsigned idx, char *name, size_t len, uint8_t *type)
{
    if (dir->proc == P_PID) {
        if (idx >= sizeof(files) / sizeof(files[0]))
            return false;
        snprintf(name, len, "%s", files[idx]);
        *type = strcmp(files[idx], "exe") == 0 ? 10 : strcmp(files[idx], "fd") == 0 ? 4 : 8;
        return true;
    }
    if (dir->proc == P_FD) { /* the idx-th open descriptor of the process, as it is now */
        struct lx_proc *t = lx_proc_find((int)dir->size);
        if (!t || t->leader != t)
            return false;
        for (unsigned fd = 0; fd < t->nfds; fd++)
            if (t->fds[fd] && idx-- == 0) {
                snprintf(name, len, "%u", fd);
                *type = 10;
                return true;
            }
        return false;
    }
    if (idx == 0) {
        snprintf(name, len, "self");
        *type = 10;
        return true;
    }
    if (idx - 1 < sizeof(system_files) / sizeof(system_files[0])) {
        snprintf(name, len, "%s", system_files[idx - 1]);
        *type = 8;
        return true;
    }
    for (unsigned i = 0, seen = 1 + sizeof(system_files) / sizeof(system_files[0]); i < lx_proc_slots(); i++) {
        struct lx_proc *t = lx_proc_at(i);
        if (t->state != LX_FREE && t->leader == t && seen++ == idx) {
            snprintf(name, len, "%d", t->pid);
            *type = 4;
            return true;
        }
    }
    return false;
}

void lx_procfs_free(struct lx_node *n)
{
    if (n && n->proc)
        free(n);
}
