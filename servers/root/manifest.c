/*
 * The manifest validator: walks the FDT blob with libfdt and fills struct manifest (manifest.h).
 *
 * Portable C11: it builds natively for the host unit tests and the manifest-check command, and for the
 * root server against Newlib, so it uses nothing but libfdt, the string functions and (v)snprintf, and
 * never allocates. The blob is checked whole by fdt_check_full() first; after that every property value
 * is read byte by byte (big-endian, no alignment assumed) with its length checked before use.
 *
 * Each node's properties are checked against a table of rules (name, type, range, field), in the order
 * they appear in the blob; then its missing required properties in table order, then its subnodes. The
 * root node comes first, then every task, then every channel, then the checks that involve several tasks
 * (resources granted twice, consoles, console server) and finally the memory budgets. The first error
 * stops everything, so the message is deterministic.
 */
#include "manifest.h"

#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BAD_NAME "bad name (1..15 characters of a-z, 0-9 and '-', starting with a letter)"
#define MMIO_PAGE_MASK 0xfffull
#define NIRQ_LINES 24
#define NPORTS 0x10000ull
#define PATH_MAX_LEN 96 /* paths in messages: long or odd node names are cut, never overflow */

enum prop_type {
    P_IGNORE,     /* phandle, linux,phandle: added by dtc for labelled nodes */
    P_COMPATIBLE, /* exactly "proteus,system" */
    P_MODEL,      /* a string of at most 63 characters */
    P_PROGRAM,    /* non-empty bytes */
    P_IMAGE,      /* non-empty bytes: a task's data image */
    P_U32,        /* one cell in min..max */
    P_BOOL,       /* empty */
    P_IOPORTS,    /* (first, count) pairs */
    P_IRQS,       /* (line, flags) pairs */
    P_MMIO,       /* (address, size) pairs of 2-cell values */
    P_RESTART,    /* "never" or "on-failure" */
    P_CONSOLE,    /* a console name */
    P_TASKREF,    /* the name of a task already parsed: stored as its index */
};

struct prop_rule {
    const char *name;
    enum prop_type type;
    bool required;
    uint32_t min, max;
    size_t offset; /* of the field it fills, in the node's output structure */
};

#define IGNORED                                                                                              \
    {"phandle", P_IGNORE, false, 0, 0, 0}, { "linux,phandle", P_IGNORE, false, 0, 0, 0 }

static const struct prop_rule root_rules[] = {
    {"compatible", P_COMPATIBLE, true, 0, 0, 0},
    {"model", P_MODEL, false, 0, 0, offsetof(struct manifest, model)},
    {"chaos-kills", P_U32, false, 1, 1000000, offsetof(struct manifest, chaos_kills)},
    {"chaos-interval-ms", P_U32, false, 1, 3600000, offsetof(struct manifest, chaos_interval_ms)},
    {"chaos-seed", P_U32, false, 0, UINT32_MAX, offsetof(struct manifest, chaos_seed)},
    IGNORED,
};

static const struct prop_rule container_rules[] = {IGNORED};

#define TASK_FIELD(f) offsetof(struct manifest_task, f)
static const struct prop_rule task_rules[] = {
    {"program", P_PROGRAM, true, 0, 0, 0},
    {"image", P_IMAGE, false, 0, 0, 0},
    {"memory-kib", P_U32, true, 1, UINT32_MAX, TASK_FIELD(memory_kib)},
    {"kernel-memory-kib", P_U32, true, 64, UINT32_MAX, TASK_FIELD(kernel_memory_kib)},
    {"priority", P_U32, false, 1, 30, TASK_FIELD(priority)},
    {"ioports", P_IOPORTS, false, 0, 0, 0},
    {"irqs", P_IRQS, false, 0, 0, 0},
    {"mmio", P_MMIO, false, 0, 0, 0},
    {"restart", P_RESTART, false, 0, 0, TASK_FIELD(restart)},
    {"restart-limit", P_U32, false, 1, 100, TASK_FIELD(restart_limit)},
    {"restart-backoff-ms", P_U32, false, 1, 60000, TASK_FIELD(restart_backoff_ms)},
    {"restart-reset-ms", P_U32, false, 1, 3600000, TASK_FIELD(restart_reset_ms)},
    {"chaos-victim", P_BOOL, false, 0, 0, TASK_FIELD(chaos_victim)},
    {"console", P_CONSOLE, false, 0, 0, TASK_FIELD(console)},
    {"console-server", P_BOOL, false, 0, 0, TASK_FIELD(console_server)},
    {"system-exit", P_BOOL, false, 0, 0, TASK_FIELD(system_exit)},
    IGNORED,
};

#define CHANNEL_FIELD(f) offsetof(struct manifest_channel, f)
static const struct prop_rule channel_rules[] = {
    {"from", P_TASKREF, true, 0, 0, CHANNEL_FIELD(from)},
    {"to", P_TASKREF, true, 0, 0, CHANNEL_FIELD(to)},
    {"endpoint", P_BOOL, false, 0, 0, CHANNEL_FIELD(endpoint)},
    {"notification", P_BOOL, false, 0, 0, CHANNEL_FIELD(notification)},
    {"shared-memory-kib", P_U32, false, 1, 65536, CHANNEL_FIELD(shared_memory_kib)},
    IGNORED,
};

#define DISK_FIELD(f) offsetof(struct manifest_disk, f)
static const struct prop_rule disk_rules[] = {
    {"server", P_TASKREF, true, 0, 0, DISK_FIELD(server)},
    {"client", P_TASKREF, true, 0, 0, DISK_FIELD(client)},
    {"size-kib", P_U32, true, 4, UINT32_MAX, DISK_FIELD(size_kib)},
    {"offset-kib", P_U32, true, 0, UINT32_MAX, DISK_FIELD(offset_kib)},
    {"backing-kib", P_U32, false, 256, UINT32_MAX, DISK_FIELD(backing_kib)},
    {"thin", P_BOOL, false, 0, 0, DISK_FIELD(thin)},
    {"read-only", P_BOOL, false, 0, 0, DISK_FIELD(read_only)},
    {"device", P_U32, false, 0, 3, DISK_FIELD(device)},
    IGNORED,
};

#define NRULES(t) (sizeof(t) / sizeof((t)[0]))

struct parser {
    const void *fdt;
    struct manifest *m;
    char *err;
    size_t errlen;
};

struct prop {
    const char *name;
    const uint8_t *val;
    int len;
};

/* Records "<path>: <reason>" as the error; returns -1 so callers can write `return fail(...)`. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, const char *path, const char *fmt,
                                                      ...)
{
    va_list ap;
    int n;

    if (p->errlen == 0)
        return -1;
    n = snprintf(p->err, p->errlen, "%s: ", path);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* libfdt 1.6.1 checks the blob's 8-byte alignment but fdt_strerror() has no name for that error. */
static int bad_tree(struct parser *p, int fdt_err)
{
    const char *why = fdt_err == -FDT_ERR_ALIGNMENT ? "FDT_ERR_ALIGNMENT" : fdt_strerror(fdt_err);

    return fail(p, "/", "not a valid device tree (%s)", why);
}

/* Copies at most len bytes of src (up to its NUL) into dst, printable ASCII only: messages stay one line. */
static void copy_clean(char *dst, size_t dstlen, const char *src, size_t len)
{
    size_t i;

    for (i = 0; i < len && i + 1 < dstlen && src[i]; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    dst[i] = '\0';
}

/* The path of child `name` (len bytes) of the node at `parent`. */
static void child_path(char *dst, size_t dstlen, const char *parent, const char *name, int len)
{
    size_t n = strlen(parent);

    if (n + 1 >= dstlen)
        n = dstlen - 2;
    memcpy(dst, parent, n);
    if (n == 0 || dst[n - 1] != '/')
        dst[n++] = '/';
    copy_clean(dst + n, dstlen - n, name, len < 0 ? 0 : (size_t)len);
}

static bool valid_name(const char *s, size_t len)
{
    if (len < 1 || len > MANIFEST_NAME_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static uint64_t be64(const uint8_t *b) { return (uint64_t)be32(b) << 32 | be32(b + 4); }

/* The value as a C string, or NULL (and an error) if it is not exactly one NUL-terminated string. */
static const char *get_string(struct parser *p, const char *path, const struct prop *pr)
{
    if (pr->len < 1 || pr->val[pr->len - 1] != '\0' ||
        memchr(pr->val, '\0', (size_t)pr->len) != pr->val + pr->len - 1) {
        fail(p, path, "'%s' must be a string", pr->name);
        return NULL;
    }
    return (const char *)pr->val;
}

static int parse_u32(struct parser *p, const char *path, const struct prop_rule *r, const struct prop *pr,
                     uint32_t *out)
{
    uint32_t v;

    if (pr->len != 4)
        return fail(p, path, "'%s' must be one 32-bit cell", pr->name);
    v = be32(pr->val);
    if (v < r->min && r->max == UINT32_MAX)
        return fail(p, path, "'%s' %lu must be at least %lu", pr->name, (unsigned long)v,
                    (unsigned long)r->min);
    if (v < r->min || v > r->max)
        return fail(p, path, "'%s' %lu is out of range %lu..%lu", pr->name, (unsigned long)v,
                    (unsigned long)r->min, (unsigned long)r->max);
    *out = v;
    return 0;
}

static int parse_ioports(struct parser *p, const char *path, const struct prop *pr, struct manifest_task *t)
{
    if (pr->len == 0 || pr->len % 8 != 0)
        return fail(p, path, "'ioports' must be (first, count) pairs");
    if (pr->len / 8 > MANIFEST_MAX_IOPORTS)
        return fail(p, path, "more than %d I/O port ranges", MANIFEST_MAX_IOPORTS);
    for (int i = 0; i < pr->len / 8; i++) {
        uint64_t first = be32(pr->val + 8 * i), count = be32(pr->val + 8 * i + 4);
        if (count == 0)
            return fail(p, path, "I/O ports 0x%llx+0 is an empty range", (unsigned long long)first);
        if (first + count > NPORTS)
            return fail(p, path, "I/O ports 0x%llx+%llu run past 0xffff", (unsigned long long)first,
                        (unsigned long long)count);
        t->ioports[t->nioports++] = (struct manifest_range){first, count};
    }
    return 0;
}

static int parse_irqs(struct parser *p, const char *path, const struct prop *pr, struct manifest_task *t)
{
    if (pr->len == 0 || pr->len % 8 != 0)
        return fail(p, path, "'irqs' must be (line, flags) pairs");
    if (pr->len / 8 > MANIFEST_MAX_IRQS)
        return fail(p, path, "more than %d irqs", MANIFEST_MAX_IRQS);
    for (int i = 0; i < pr->len / 8; i++) {
        uint32_t line = be32(pr->val + 8 * i), flags = be32(pr->val + 8 * i + 4);
        if (line >= NIRQ_LINES)
            return fail(p, path, "irq %lu does not exist (lines 0..%d)", (unsigned long)line, NIRQ_LINES - 1);
        if (flags > (MANIFEST_IRQ_LEVEL | MANIFEST_IRQ_ACTIVE_LOW))
            return fail(p, path, "irq %lu has bad flags %lu", (unsigned long)line, (unsigned long)flags);
        t->irqs[t->nirqs++] = (struct manifest_irq){line, flags};
    }
    return 0;
}

static int parse_mmio(struct parser *p, const char *path, const struct prop *pr, struct manifest_task *t)
{
    if (pr->len == 0 || pr->len % 16 != 0)
        return fail(p, path, "'mmio' must be (address, size) pairs of 2-cell values");
    if (pr->len / 16 > MANIFEST_MAX_MMIO)
        return fail(p, path, "more than %d mmio ranges", MANIFEST_MAX_MMIO);
    for (int i = 0; i < pr->len / 16; i++) {
        uint64_t base = be64(pr->val + 16 * i), size = be64(pr->val + 16 * i + 8);
        unsigned long long b = base, s = size;
        if (size == 0)
            return fail(p, path, "mmio 0x%llx+0x0 is an empty range", b);
        if ((base | size) & MMIO_PAGE_MASK)
            return fail(p, path, "mmio 0x%llx+0x%llx is not page aligned", b, s);
        if (base + (size - 1) < base)
            return fail(p, path, "mmio 0x%llx+0x%llx wraps around the address space", b, s);
        t->mmio[t->nmmio++] = (struct manifest_range){base, size};
    }
    return 0;
}

/* Stores in *index the task called name (the value of property prop), or fails. */
static int find_task(struct parser *p, const char *path, const char *prop, const char *name, unsigned *index)
{
    char clean[32];

    for (unsigned i = 0; i < p->m->ntasks; i++) {
        if (strcmp(p->m->tasks[i].name, name) == 0) {
            *index = i;
            return 0;
        }
    }
    copy_clean(clean, sizeof(clean), name, sizeof(clean));
    return fail(p, path, "'%s' names no task '%s'", prop, clean);
}

/* Checks the string properties: compatible, model, restart, console, from and to. */
static int parse_string(struct parser *p, const char *path, const struct prop_rule *r, const struct prop *pr,
                        char *field)
{
    const char *s = get_string(p, path, pr);
    size_t len;

    if (!s)
        return -1;
    len = strlen(s);
    switch (r->type) {
    case P_MODEL:
        if (len >= sizeof(((struct manifest *)0)->model))
            return fail(p, path, "'model' is longer than 63 characters");
        memcpy(field, s, len + 1);
        return 0;
    case P_RESTART:
        if (strcmp(s, "never") != 0 && strcmp(s, "on-failure") != 0)
            return fail(p, path, "'restart' must be \"never\" or \"on-failure\"");
        *(enum manifest_restart *)field = s[0] == 'n' ? MANIFEST_RESTART_NEVER : MANIFEST_RESTART_ON_FAILURE;
        return 0;
    case P_CONSOLE:
        if (!valid_name(s, len))
            return fail(p, path, "'console' is a " BAD_NAME);
        memcpy(field, s, len + 1);
        return 0;
    default: /* P_TASKREF */
        return find_task(p, path, r->name, s, (unsigned *)field);
    }
}

/* Checks one property against its rule and stores it in obj, the node's output structure. */
static int apply_rule(struct parser *p, const char *path, const struct prop_rule *r, const struct prop *pr,
                      void *obj)
{
    char *field = (char *)obj + r->offset;

    switch (r->type) {
    case P_IGNORE:
        return 0;
    case P_COMPATIBLE:
        if (pr->len != sizeof("proteus,system") || memcmp(pr->val, "proteus,system", (size_t)pr->len) != 0)
            return fail(p, path, "compatible must be \"proteus,system\"");
        return 0;
    case P_PROGRAM:
        if (pr->len == 0)
            return fail(p, path, "'program' is empty");
        ((struct manifest_task *)obj)->program = pr->val;
        ((struct manifest_task *)obj)->program_size = (size_t)pr->len;
        return 0;
    case P_IMAGE:
        if (pr->len == 0)
            return fail(p, path, "'image' is empty");
        ((struct manifest_task *)obj)->image = pr->val;
        ((struct manifest_task *)obj)->image_size = (size_t)pr->len;
        return 0;
    case P_U32:
        return parse_u32(p, path, r, pr, (uint32_t *)field);
    case P_BOOL:
        if (pr->len != 0)
            return fail(p, path, "'%s' must be empty (a boolean)", pr->name);
        *(bool *)field = true;
        return 0;
    case P_IOPORTS:
        return parse_ioports(p, path, pr, obj);
    case P_IRQS:
        return parse_irqs(p, path, pr, obj);
    case P_MMIO:
        return parse_mmio(p, path, pr, obj);
    default:
        return parse_string(p, path, r, pr, field);
    }
}

/* Checks every property of node against rules (unknown, duplicate, bad value), then the missing ones. */
static int check_props(struct parser *p, int node, const char *path, const struct prop_rule *rules,
                       size_t nrules, void *obj)
{
    uint32_t seen = 0;
    int off;

    fdt_for_each_property_offset(off, p->fdt, node)
    {
        struct prop pr;
        size_t i;
        char clean[48];

        pr.val = fdt_getprop_by_offset(p->fdt, off, &pr.name, &pr.len);
        if (!pr.val || pr.len < 0)
            return bad_tree(p, pr.len < 0 ? pr.len : -FDT_ERR_BADSTRUCTURE);
        for (i = 0; i < nrules && strcmp(rules[i].name, pr.name) != 0; i++)
            ;
        copy_clean(clean, sizeof(clean), pr.name, sizeof(clean));
        if (i == nrules)
            return fail(p, path, "unknown property '%s'", clean);
        if (seen & (1u << i))
            return fail(p, path, "duplicate property '%s'", clean);
        seen |= 1u << i;
        if (apply_rule(p, path, &rules[i], &pr, obj) != 0)
            return -1;
    }
    if (off != -FDT_ERR_NOTFOUND)
        return bad_tree(p, off);
    for (size_t i = 0; i < nrules; i++) {
        if (rules[i].required && !(seen & (1u << i)))
            return fail(p, path, "missing property '%s'", rules[i].name);
    }
    return 0;
}

/* The number of subnodes of node, or a negative libfdt error. */
static int count_subnodes(const void *fdt, int node)
{
    int sub, n = 0;

    fdt_for_each_subnode(sub, fdt, node) n++;
    return sub == -FDT_ERR_NOTFOUND ? n : sub;
}

/* Fails with "<child>: unknown node" if node has any subnode. */
static int no_subnodes(struct parser *p, int node, const char *path)
{
    int sub = fdt_first_subnode(p->fdt, node), len;
    char cpath[PATH_MAX_LEN];
    const char *name;

    if (sub == -FDT_ERR_NOTFOUND)
        return 0;
    if (sub < 0 || !(name = fdt_get_name(p->fdt, sub, &len)))
        return bad_tree(p, sub < 0 ? sub : len);
    child_path(cpath, sizeof(cpath), path, name, len);
    return fail(p, cpath, "unknown node");
}

/* Checks the name of a task or channel node under parent: writes its path to path, then copies it to name. */
static int check_node_name(struct parser *p, int node, const char *parent, char *path, size_t pathlen,
                           char *name)
{
    int len;
    const char *s = fdt_get_name(p->fdt, node, &len);

    if (!s)
        return bad_tree(p, len);
    child_path(path, pathlen, parent, s, len);
    if (!valid_name(s, (size_t)len))
        return fail(p, path, BAD_NAME);
    memcpy(name, s, (size_t)len + 1);
    return 0;
}

static int parse_task(struct parser *p, int node, struct manifest_task *t)
{
    char path[PATH_MAX_LEN];

    if (check_node_name(p, node, "/tasks", path, sizeof(path), t->name) != 0)
        return -1;
    memcpy(t->path, path, strlen(path) + 1); /* fits: the name has at most 15 characters */
    for (unsigned i = 0; i < p->m->ntasks; i++) {
        if (strcmp(p->m->tasks[i].name, t->name) == 0)
            return fail(p, t->path, "duplicate node");
    }
    t->priority = 16;
    t->restart = MANIFEST_RESTART_NEVER;
    t->restart_limit = 3;
    t->restart_backoff_ms = 100;
    if (check_props(p, node, t->path, task_rules, NRULES(task_rules), t) != 0)
        return -1;
    return no_subnodes(p, node, t->path);
}

static int parse_channel(struct parser *p, int node, struct manifest_channel *c)
{
    char path[PATH_MAX_LEN];

    if (check_node_name(p, node, "/channels", path, sizeof(path), c->name) != 0)
        return -1;
    memcpy(c->path, path, strlen(path) + 1);
    for (unsigned i = 0; i < p->m->nchannels; i++) {
        if (strcmp(p->m->channels[i].name, c->name) == 0)
            return fail(p, c->path, "duplicate node");
    }
    if (check_props(p, node, c->path, channel_rules, NRULES(channel_rules), c) != 0 ||
        no_subnodes(p, node, c->path) != 0)
        return -1;
    if (c->from == c->to)
        return fail(p, c->path, "'from' and 'to' are the same task");
    if (!c->endpoint && !c->notification && c->shared_memory_kib == 0)
        return fail(p, c->path, "no endpoint, notification or shared memory");
    return 0;
}

static int parse_disk(struct parser *p, int node, struct manifest_disk *d)
{
    char path[PATH_MAX_LEN];

    if (check_node_name(p, node, "/disks", path, sizeof(path), d->name) != 0)
        return -1;
    memcpy(d->path, path, strlen(path) + 1);
    for (unsigned i = 0; i < p->m->ndisks; i++)
        if (strcmp(p->m->disks[i].name, d->name) == 0)
            return fail(p, d->path, "duplicate node");
    if (check_props(p, node, d->path, disk_rules, NRULES(disk_rules), d) != 0 ||
        no_subnodes(p, node, d->path) != 0)
        return -1;
    if (d->server == d->client)
        return fail(p, d->path, "'server' and 'client' are the same task");
    if (d->size_kib % 4 || d->offset_kib % 4 || d->backing_kib % 4)
        return fail(p, d->path, "sizes and offsets must be multiples of 4 KiB");
    if (d->thin && !d->backing_kib)
        return fail(p, d->path, "a thin disk needs 'backing-kib'");
    if (!d->thin && d->backing_kib)
        return fail(p, d->path, "'backing-kib' is for thin disks");
    if (!d->thin)
        d->backing_kib = d->size_kib;
    if ((uint64_t)d->offset_kib + d->backing_kib > UINT32_MAX)
        return fail(p, d->path, "the disk's region ends past 4 TiB");
    for (unsigned i = 0; i < p->m->ndisks; i++) {
        const struct manifest_disk *o = &p->m->disks[i];
        if (o->server == d->server && o->device == d->device && d->offset_kib < o->offset_kib + o->backing_kib &&
            o->offset_kib < d->offset_kib + d->backing_kib)
            return fail(p, d->path, "its region overlaps the region of %s", o->path);
    }
    return 0;
}

static int parse_disks(struct parser *p, int list)
{
    int node, n = count_subnodes(p->fdt, list);

    if (check_props(p, list, "/disks", container_rules, NRULES(container_rules), NULL) != 0)
        return -1;
    if (n < 0)
        return bad_tree(p, n);
    if (n > MANIFEST_MAX_DISKS)
        return fail(p, "/disks", "more than %d disks", MANIFEST_MAX_DISKS);
    fdt_for_each_subnode(node, p->fdt, list)
    {
        if (parse_disk(p, node, &p->m->disks[p->m->ndisks]) != 0)
            return -1;
        p->m->ndisks++;
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : bad_tree(p, node);
}

/* Parses /tasks (is_tasks) or /channels: their own properties, how many children, then each child. */
static int parse_list(struct parser *p, int list, bool is_tasks)
{
    const char *path = is_tasks ? "/tasks" : "/channels";
    int node, n = count_subnodes(p->fdt, list), max = is_tasks ? MANIFEST_MAX_TASKS : MANIFEST_MAX_CHANNELS;
    struct manifest *m = p->m;

    if (check_props(p, list, path, container_rules, NRULES(container_rules), NULL) != 0)
        return -1;
    if (n < 0)
        return bad_tree(p, n);
    if (n == 0 && is_tasks)
        return fail(p, path, "no tasks");
    if (n > max)
        return fail(p, path, "more than %d %s", max, path + 1);
    fdt_for_each_subnode(node, p->fdt, list)
    {
        int rc = is_tasks ? parse_task(p, node, &m->tasks[m->ntasks])
                          : parse_channel(p, node, &m->channels[m->nchannels]);
        if (rc != 0)
            return -1;
        if (is_tasks)
            m->ntasks++;
        else
            m->nchannels++;
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : bad_tree(p, node);
}

/* The root node: its properties and its children, 'tasks' (required), 'channels' and 'disks'. */
static int parse_root(struct parser *p, int *tasks, int *channels, int *disks)
{
    int node, len;

    if (check_props(p, 0, "/", root_rules, NRULES(root_rules), p->m) != 0)
        return -1;
    fdt_for_each_subnode(node, p->fdt, 0)
    {
        const char *name = fdt_get_name(p->fdt, node, &len);
        char path[PATH_MAX_LEN];
        int *slot = NULL;

        if (!name)
            return bad_tree(p, len);
        child_path(path, sizeof(path), "/", name, len);
        if (strcmp(name, "tasks") == 0)
            slot = tasks;
        else if (strcmp(name, "channels") == 0)
            slot = channels;
        else if (strcmp(name, "disks") == 0)
            slot = disks;
        if (!slot)
            return fail(p, path, "unknown node");
        if (*slot >= 0)
            return fail(p, path, "duplicate node");
        *slot = node;
    }
    if (node != -FDT_ERR_NOTFOUND)
        return bad_tree(p, node);
    if (*tasks < 0)
        return fail(p, "/", "missing node 'tasks'");
    return 0;
}

/* The index of the task that was granted irq j of task i before it (an earlier task, or i itself), or -1. */
static int irq_owner(const struct manifest *m, unsigned i, unsigned j)
{
    for (unsigned k = 0; k <= i; k++) {
        unsigned n = k == i ? j : m->tasks[k].nirqs;
        for (unsigned l = 0; l < n; l++) {
            if (m->tasks[k].irqs[l].line == m->tasks[i].irqs[j].line)
                return (int)k;
        }
    }
    return -1;
}

/* Likewise for range j of task i: ioports, or mmio when mmio is true. Ranges are non-empty, no wrap. */
static int range_owner(const struct manifest *m, unsigned i, unsigned j, bool mmio)
{
    const struct manifest_range *r = mmio ? &m->tasks[i].mmio[j] : &m->tasks[i].ioports[j];

    for (unsigned k = 0; k <= i; k++) {
        const struct manifest_task *t = &m->tasks[k];
        const struct manifest_range *rs = mmio ? t->mmio : t->ioports;
        unsigned n = k == i ? j : (mmio ? t->nmmio : t->nioports);
        for (unsigned l = 0; l < n; l++) {
            if (rs[l].base <= r->base + (r->size - 1) && r->base <= rs[l].base + (rs[l].size - 1))
                return (int)k;
        }
    }
    return -1;
}

/* Interrupt lines, I/O ports and device memory may each be granted once. */
static int check_grants(struct parser *p, unsigned i)
{
    const struct manifest *m = p->m;
    const struct manifest_task *t = &m->tasks[i];
    int k;

    for (unsigned j = 0; j < t->nirqs; j++) {
        if ((k = irq_owner(m, i, j)) >= 0)
            return fail(p, t->path, "irq %lu already granted to %s", (unsigned long)t->irqs[j].line,
                        m->tasks[k].path);
    }
    for (unsigned j = 0; j < t->nioports; j++) {
        unsigned long long first = t->ioports[j].base, last = first + t->ioports[j].size - 1;
        if ((k = range_owner(m, i, j, false)) >= 0)
            return fail(p, t->path, "I/O ports 0x%llx-0x%llx overlap ports granted to %s", first, last,
                        m->tasks[k].path);
    }
    for (unsigned j = 0; j < t->nmmio; j++) {
        unsigned long long first = t->mmio[j].base, last = first + (t->mmio[j].size - 1);
        if ((k = range_owner(m, i, j, true)) >= 0)
            return fail(p, t->path, "mmio 0x%llx-0x%llx overlaps mmio granted to %s", first, last,
                        m->tasks[k].path);
    }
    return 0;
}

/* The checks across tasks, in task order: grants, then consoles; then the console server must exist. */
/* Fault injection needs a victim, and a victim needs the fault injection. */
static int check_chaos(struct parser *p)
{
    const struct manifest *m = p->m;
    bool victims = false;

    for (unsigned i = 0; i < m->ntasks; i++) {
        if (m->tasks[i].chaos_victim && !m->chaos_kills)
            return fail(p, m->tasks[i].path, "'chaos-victim' but the root node has no 'chaos-kills'");
        victims |= m->tasks[i].chaos_victim;
    }
    if (m->chaos_kills && !victims)
        return fail(p, "/", "'chaos-kills' but no task is a 'chaos-victim'");
    if ((m->chaos_interval_ms || m->chaos_seed) && !m->chaos_kills)
        return fail(p, "/", "'chaos-interval-ms' and 'chaos-seed' need 'chaos-kills'");
    return 0;
}

static int check_tasks(struct parser *p)
{
    struct manifest *m = p->m;

    for (unsigned i = 0; i < m->ntasks; i++) {
        const struct manifest_task *t = &m->tasks[i];
        if (check_grants(p, i) != 0)
            return -1;
        for (unsigned k = 0; t->console[0] && k < i; k++) {
            if (strcmp(m->tasks[k].console, t->console) == 0)
                return fail(p, t->path, "console '%s' is also the console of %s", t->console,
                            m->tasks[k].path);
        }
        if (t->console_server && m->console_server >= 0)
            return fail(p, t->path, "a second console server (the first is %s)",
                        m->tasks[m->console_server].path);
        if (t->console_server)
            m->console_server = (int)i;
    }
    for (unsigned i = 0; i < m->ntasks && m->console_server < 0; i++) {
        if (m->tasks[i].console[0])
            return fail(p, m->tasks[i].path, "has a console but no task is the console server");
    }
    return check_chaos(p);
}

static int check_budgets(struct parser *p, const struct manifest_limits *lim)
{
    const struct manifest *m = p->m;
    unsigned long long mem = 0, kmem = 0;

    for (unsigned i = 0; i < m->ntasks; i++) {
        mem += m->tasks[i].memory_kib;
        kmem += m->tasks[i].kernel_memory_kib;
    }
    for (unsigned i = 0; i < m->nchannels; i++)
        mem += m->channels[i].shared_memory_kib;
    mem += (unsigned long long)m->ndisks * MANIFEST_DISK_SHARED_KIB;
    if (mem > lim->memory_kib)
        return fail(p, "/tasks", "memory budgets total %llu KiB but only %llu KiB are available", mem,
                    (unsigned long long)lim->memory_kib);
    if (kmem > lim->kernel_memory_kib)
        return fail(p, "/tasks", "kernel memory budgets total %llu KiB but only %llu KiB are available", kmem,
                    (unsigned long long)lim->kernel_memory_kib);
    return 0;
}

int manifest_parse(const void *fdt, size_t size, const struct manifest_limits *lim, struct manifest *out,
                   char *err, size_t errlen)
{
    struct parser p = {fdt, out, err, err ? errlen : 0};
    int rc, tasks = -1, channels = -1, disks = -1;

    if (p.errlen > 0)
        err[0] = '\0';
    memset(out, 0, sizeof(*out));
    out->console_server = -1;
    /* fdt_check_full: the header (magic, version, offsets, fdt_totalsize <= size), then the whole structure.
     */
    rc = fdt ? fdt_check_full(fdt, size) : -FDT_ERR_TRUNCATED;
    if (rc != 0)
        return bad_tree(&p, rc);
    if (parse_root(&p, &tasks, &channels, &disks) != 0 || parse_list(&p, tasks, true) != 0)
        return -1;
    if (channels >= 0 && parse_list(&p, channels, false) != 0)
        return -1;
    if (disks >= 0 && parse_disks(&p, disks) != 0)
        return -1;
    if (check_tasks(&p) != 0 || (lim && check_budgets(&p, lim) != 0))
        return -1;
    return 0;
}
