/*
 * tmpfs, lx's root file system when no disk is: it starts as the initramfs, a newc cpio archive
 * ("070701" headers, 4-byte alignment), read into a table of nodes that point into the archive; a
 * file's bytes are copied out of the archive at its first write. Files, directories and symlinks can be
 * made, written, truncated, renamed and removed; everything lives in lx's memory and goes when lx does.
 * The VFS (fs/vfs.c) resolves paths; a node here is found by its path within the tree. Everything
 * taken from the archive is bounds-checked: a damaged archive is refused with a message, never read
 * past its end.
 */
#include "lx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NODES 8192

static struct lx_node nodes[MAX_NODES];
static unsigned nnodes;
static struct lx_mount *self; /* where the VFS has it: the root */

static bool hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < 8; i++) {
        int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

/* "./a/b", "/a/b", "a/b" -> "a/b"; "." -> "". */
static const char *strip(const char *name)
{
    while (name[0] == '.' && (name[1] == '/' || name[1] == 0))
        name += name[1] ? 2 : 1;
    while (name[0] == '/')
        name++;
    return name;
}

/*
 * Read the archive: with names NULL, check it and count the bytes its names need (*used); otherwise
 * also make a node of each entry, its path copied into names. 0, or -1 with the reason in err.
 */
static int read_archive(const uint8_t *a, size_t size, char *names, size_t *used, char *err, size_t errlen)
{
    size_t off = 0;

    *used = 0;
    while (off + 110 <= size) {
        uint32_t f[13];
        if (memcmp(a + off, "070701", 6) != 0)
            return snprintf(err, errlen, "initramfs: no newc header at offset %zu", off), -1;
        for (int i = 0; i < 13; i++)
            if (!hex8(a + off + 6 + i * 8, &f[i]))
                return snprintf(err, errlen, "initramfs: bad header at offset %zu", off), -1;
        uint32_t mode = f[1], filesize = f[6], namesize = f[11];
        size_t name_off = off + 110, data_off = (name_off + namesize + 3) & ~(size_t)3;
        if (namesize == 0 || name_off + namesize > size || data_off > size || filesize > size - data_off)
            return snprintf(err, errlen, "initramfs: entry at offset %zu runs past the end", off), -1;
        const char *name = (const char *)a + name_off;
        if (name[namesize - 1] != 0)
            return snprintf(err, errlen, "initramfs: unterminated name at offset %zu", off), -1;
        if (strcmp(name, "TRAILER!!!") == 0)
            return 0;
        const char *path = strip(name);
        if (path[0] && names && nnodes < MAX_NODES) {
            char *copy = strcpy(names + *used, path);
            nodes[nnodes++] = (struct lx_node){.path = copy, .mode = mode, .data = (uint8_t *)a + data_off,
                                               .size = filesize, .ino = f[0] + 2,
                                               .mtime_ns = (int64_t)f[5] * 1000000000};
        }
        *used += strlen(path) + 1;
        off = (data_off + filesize + 3) & ~(size_t)3;
    }
    return snprintf(err, errlen, "initramfs: no TRAILER!!! entry"), -1;
}

int lx_fs_load(const void *cpio, size_t size, const char *path, char *err, size_t errlen)
{
    size_t used;
    char *names;

    if (read_archive(cpio, size, NULL, &used, err, errlen) < 0)
        return -1;
    if (!(names = malloc(used + 1)))
        return snprintf(err, errlen, "no memory for the file tree"), -1;
    nodes[nnodes++] = (struct lx_node){.path = "", .mode = S_IFDIR | 0755, .ino = 1};
    if (read_archive(cpio, size, names, &used, err, errlen) < 0)
        return -1;
    if (lx_vfs_mount(path, &lx_tmpfs_ops, NULL, "tmpfs", false, &self) < 0)
        return snprintf(err, errlen, "cannot mount the initramfs at %s", path), -1;
    for (unsigned i = 0; i < nnodes; i++)
        nodes[i].mnt = self;
    return 0;
}

static struct lx_node *find(const char *path, size_t len)
{
    for (unsigned i = nnodes; i-- > 0;) /* later entries win, as when the kernel unpacks */
        if (!nodes[i].gone && strlen(nodes[i].path) == len && strncmp(nodes[i].path, path, len) == 0)
            return &nodes[i];
    return NULL;
}

static struct lx_node *tmpfs_lookup(struct lx_mount *m, const char *path, int *err)
{
    struct lx_node *n = path[0] ? find(path, strlen(path)) : &nodes[0];

    if (!n)
        *err = LX_ENOENT;
    return n;
}

static struct lx_node *tmpfs_child(struct lx_node *dir, unsigned idx)
{
    size_t dlen = strlen(dir->path);

    for (unsigned i = 1; i < nnodes; i++) {
        const char *p = nodes[i].path;
        bool inside = dlen ? strncmp(p, dir->path, dlen) == 0 && p[dlen] == '/' && !strchr(p + dlen + 1, '/')
                           : !strchr(p, '/');
        if (inside && !nodes[i].gone && find(p, strlen(p)) == &nodes[i] && idx-- == 0)
            return &nodes[i];
    }
    return NULL;
}

static bool has_children(struct lx_node *dir) { return tmpfs_child(dir, 0) != NULL; }

static int tmpfs_create(struct lx_mount *m, const char *path, uint32_t mode, const void *data, uint64_t size,
                        struct lx_node **out)
{
    char *name = strdup(path);
    int e;

    if (!name)
        return -LX_ENOMEM;
    if (nnodes == MAX_NODES) {
        free(name);
        return -LX_ENOSPC;
    }
    struct lx_node *n = &nodes[nnodes];
    *n = (struct lx_node){.path = name, .mode = mode, .ino = nnodes + 100000,
                          .mtime_ns = (int64_t)libos_wallclock_ns(), .mnt = m};
    if (size && (e = lx_tmpfs_write(n, 0, data, size)) < 0) {
        free(name);
        return e;
    }
    nnodes++;
    if (out)
        *out = n;
    return 0;
}

/* A name goes: a file with other names (hard links) lives on under them. */
static void unname(struct lx_node *n)
{
    struct lx_node *file = n->link ? n->link : n;

    if (n->link || file->links == 0) {
        if (n->link)
            file->links--;
        n->gone = true;
        return;
    }
    /* The file's first name goes while links remain: one of them takes the file over. */
    for (unsigned i = 0; i < nnodes; i++)
        if (nodes[i].link == file && !nodes[i].gone) {
            nodes[i].gone = true;
            file->path = nodes[i].path;
            file->links--;
            return;
        }
}

static int tmpfs_link(struct lx_mount *m, struct lx_node *file, const char *to)
{
    struct lx_node *name;
    int e;

    if ((e = tmpfs_create(m, to, file->mode, NULL, 0, &name)) < 0)
        return e;
    name->link = file;
    name->ino = file->ino;
    file->links++;
    return 0;
}

static int tmpfs_remove(struct lx_mount *m, struct lx_node *n, bool dir)
{
    if (!n->path[0])
        return -LX_EBUSY; /* the root */
    if (dir && !S_ISDIR(n->mode))
        return -LX_ENOTDIR;
    if (!dir && S_ISDIR(n->mode))
        return -LX_EISDIR;
    if (dir && has_children(n))
        return -LX_ENOTEMPTY;
    unname(n);
    return 0;
}

static int tmpfs_rename(struct lx_mount *m, struct lx_node *n, const char *to)
{
    struct lx_node *old;
    int e;
    char *name = strdup(to);
    size_t from_len = strlen(n->path);
    if (!name)
        return -LX_ENOMEM;
    if (strncmp(name, n->path, from_len) == 0 && name[from_len] == '/') {
        free(name);
        return -LX_EINVAL; /* into itself */
    }
    if ((old = find(name, strlen(name))) && (old->link ? old->link : old) == (n->link ? n->link : n)) {
        free(name);
        return 0; /* two names of one file: nothing happens, as Linux */
    }
    if (old && old != n) {
        e = S_ISDIR(old->mode) && !S_ISDIR(n->mode) ? -LX_EISDIR
            : !S_ISDIR(old->mode) && S_ISDIR(n->mode) ? -LX_ENOTDIR
            : S_ISDIR(old->mode) && has_children(old) ? -LX_ENOTEMPTY : 0;
        if (e) {
            free(name);
            return e;
        }
        unname(old);
    }
    if (old == n) {
        free(name);
        return 0;
    }
    if (S_ISDIR(n->mode)) /* everything below moves with it */
        for (unsigned i = 0; i < nnodes; i++) {
            struct lx_node *c = &nodes[i];
            if (c->gone || strncmp(c->path, n->path, from_len) != 0 || c->path[from_len] != '/')
                continue;
            size_t len = strlen(name) + strlen(c->path + from_len) + 1;
            char *moved = malloc(len);
            if (!moved)
                return -LX_ENOMEM;
            snprintf(moved, len, "%s%s", name, c->path + from_len);
            c->path = moved; /* the old string may be the archive's names: not freed */
        }
    n->path = name;
    return 0;
}

/* Make n's bytes lx's own with room for at least want bytes. */
static int reserve(struct lx_node *n, uint64_t want)
{
    if (want <= n->cap)
        return 0;
    if (want > (256ull << 20))
        return -LX_EFBIG;
    uint64_t cap = n->cap ? n->cap : 4096;
    while (cap < want)
        cap *= 2;
    uint8_t *d = n->cap ? realloc(n->data, cap) : malloc(cap);
    if (!d)
        return -LX_ENOSPC;
    if (!n->cap && n->size)
        memcpy(d, n->data, n->size); /* out of the archive */
    n->data = d, n->cap = cap;
    return 0;
}

int lx_tmpfs_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len)
{
    int e = reserve(n, off + len);

    if (e < 0)
        return e;
    if (off > n->size)
        memset(n->data + n->size, 0, off - n->size);
    memcpy(n->data + off, buf, len);
    if (off + len > n->size)
        n->size = off + len;
    n->mtime_ns = libos_wallclock_ns();
    return 0;
}

int lx_tmpfs_truncate(struct lx_node *n, uint64_t size)
{
    int e = reserve(n, size);

    if (e < 0)
        return e;
    if (size > n->size)
        memset(n->data + n->size, 0, size - n->size);
    n->size = size;
    n->mtime_ns = libos_wallclock_ns();
    return 0;
}

/* A tree file (or /proc snapshot) as an open file: its bytes at *off. */
static int64_t node_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct lx_node *n = f->node;
    uint64_t k = *off >= n->size ? 0 : (n->size - *off < len ? n->size - *off : len);

    memcpy(buf, n->data + *off, k);
    *off += k;
    return (int64_t)k;
}

static int64_t node_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    int e = lx_fs_write(f->node, *off, buf, len);

    if (e < 0)
        return e;
    *off += len;
    return (int64_t)len;
}

static int64_t dir_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    return -LX_EISDIR;
}

/* statfs: memory is the store; its figures are lx's pool and what the processes hold of it. */
static void tmpfs_statfs(struct lx_mount *m, struct lx_statfs *st)
{
    uint64_t total = libos_bootinfo->memory_pages, used = lx_pages_in_use();

    *st = (struct lx_statfs){.type = 0x01021994 /* TMPFS_MAGIC */, .bsize = PX_PAGE_SIZE, .blocks = total,
                             .bfree = used < total ? total - used : 0, .files = MAX_NODES,
                             .ffree = MAX_NODES - nnodes, .namelen = 255};
    st->bavail = st->bfree;
}

const struct lx_fs_ops lx_tmpfs_ops = {
    .type = "tmpfs", .lookup = tmpfs_lookup, .create = tmpfs_create, .remove = tmpfs_remove,
    .rename = tmpfs_rename, .link = tmpfs_link, .child = tmpfs_child, .write = lx_tmpfs_write,
    .truncate = lx_tmpfs_truncate, .statfs = tmpfs_statfs,
};

const struct lx_file_ops lx_node_file_ops = {.read = node_read, .write = node_write, .seekable = true};
const struct lx_file_ops lx_dir_file_ops = {.read = dir_read, .seekable = true};
