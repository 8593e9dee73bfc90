/*
 * /proc, enough for ps, top, free and uptime and for programs that find themselves: /proc/self (a
 * symlink to the caller's pid), for each process /proc/<pid>/{stat,status,cmdline,comm} and the symlink
 * exe, and the system's meminfo, stat, uptime and version (and lx's own aspace_switches, the kernel's count
 * of address-space switches, for benchmarks). Each lookup makes a node with the file's text
 * as it is now (a snapshot, as a read of a small /proc file gives on Linux); the node belongs to whoever
 * asked and is freed with lx_procfs_free. What lx cannot know it does not make up: there is no page
 * cache or swap (their lines read 0), and idle time is the time lx's processes have not used.
 */
#include "lx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { P_ROOT = 1, P_PID, P_FILE, P_LINK };
static const char *const files[] = {"cmdline", "comm", "exe", "stat", "status"};
static const char *const system_files[] = {"aspace_switches", "meminfo", "stat", "uptime", "version"};

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

    for (unsigned i = 0; i < LX_MAX_PROCS; i++)
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
    else if (strcmp(name, "cmdline") == 0)
        return node(P_FILE, S_IFREG | 0444, (uint32_t)(0x70000000 + t->pid * 8 + 1), t->leader->cmdline,
                    t->state == LX_ZOMBIE ? 0 : t->leader->cmdline_len);
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
    for (unsigned i = 0; i < LX_MAX_PROCS; i++) {
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
        for (unsigned k = 0; k < LX_MAX_PROCS; k++)
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
    else if (strcmp(name, "aspace_switches") == 0) /* lx's own: the kernel's CR3 loads, for benchmarks */
        n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)px_aspace_switches());
    else if (strcmp(name, "version") == 0)
        n = snprintf(text, sizeof(text), "Linux version %s (lx, a Proteus personality) %s\n", LX_UNAME_RELEASE,
                     LX_UNAME_VERSION);
    else
        return NULL;
    return node(P_FILE, S_IFREG | 0444, (uint32_t)(0x6ff00000 + (unsigned char)name[0]), text, (size_t)n);
}

struct lx_node *lx_procfs_lookup(struct lx_proc *self, const char *path, bool follow, int *err)
{
    char parts[3][32];
    int n = 0;

    *err = 0;
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        if (!len)
            break;
        if (!(len == 1 && s[0] == '.')) {
            if (n == 1 && strcmp(parts[0], "proc") != 0)
                return NULL; /* not ours */
            if (n == 3 || len >= sizeof(parts[0]))
                return *err = n ? LX_ENOENT : 0, NULL;
            memcpy(parts[n], s, len);
            parts[n++][len] = 0;
        }
        s += len;
    }
    if (n == 0 || strcmp(parts[0], "proc") != 0)
        return NULL; /* not ours */
    *err = LX_ENOENT;
    if (n == 1)
        return node(P_ROOT, S_IFDIR | 0555, 0x70000000, "", 0);
    if (strcmp(parts[1], "self") == 0) {
        char pid[16];
        if (n == 2 && !follow)
            return node(P_LINK, S_IFLNK | 0777, 0x70000001, pid, (size_t)snprintf(pid, sizeof(pid), "%d", self->leader->pid));
        snprintf(parts[1], sizeof(parts[1]), "%d", self->leader->pid);
    }
    if (n == 2)
        for (unsigned i = 0; i < sizeof(system_files) / sizeof(system_files[0]); i++)
            if (strcmp(parts[1], system_files[i]) == 0)
                return system_file(parts[1]);
    char *end;
    long pid = strtol(parts[1], &end, 10);
    struct lx_proc *t = *end || pid <= 0 ? NULL : lx_proc_find((int)pid);
    if (!t)
        return NULL;
    t = t->leader; /* a thread's id shows its process, as /proc/<tid> does */
    if (n == 2) {
        struct lx_node *d = node(P_PID, S_IFDIR | 0555, (uint32_t)(0x70000000 + t->pid * 8), "", 0);
        if (d)
            d->size = (uint64_t)t->pid; /* which process, for its listing */
        return d;
    }
    if (strcmp(parts[2], "exe") == 0 && follow) {
        struct lx_node *target = lx_fs_lookup(t->leader->exe, true, err);
        return target ? node(P_FILE, target->mode, target->ino, (const char *)target->data, target->size) : NULL;
    }
    return file(t, parts[2]);
}

bool lx_procfs_child(const struct lx_node *dir, unsigned idx, char *name, size_t len, uint8_t *type)
{
    if (dir->proc == P_PID) {
        if (idx >= sizeof(files) / sizeof(files[0]))
            return false;
        snprintf(name, len, "%s", files[idx]);
        *type = strcmp(files[idx], "exe") == 0 ? 10 : 8;
        return true;
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
    for (unsigned i = 0, seen = 1 + sizeof(system_files) / sizeof(system_files[0]); i < LX_MAX_PROCS; i++) {
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
