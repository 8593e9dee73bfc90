/*
 * lx's file tree, with tmpfs semantics: it starts as the initramfs, a newc cpio archive ("070701"
 * headers, 4-byte alignment), read into a table of nodes that point into the archive; a file's bytes
 * are copied out of the archive at its first write. Files, directories and symlinks can be made,
 * written, truncated, renamed and removed; everything lives in lx's memory and goes when lx does. Paths are resolved here, following symlinks (at most 8
 * deep) and "." and "..". Everything taken from the archive is bounds-checked: a damaged archive is
 * refused with a message, never read past its end.
 */
#include "lx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NODES 8192
#define MAX_SYMLINKS 8

static struct lx_node nodes[MAX_NODES];
static unsigned nnodes;

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

int lx_fs_load(const void *cpio, size_t size, char *err, size_t errlen)
{
    size_t used;
    char *names;

    if (read_archive(cpio, size, NULL, &used, err, errlen) < 0)
        return -1;
    if (!(names = malloc(used + 1)))
        return snprintf(err, errlen, "no memory for the file tree"), -1;
    nodes[nnodes++] = (struct lx_node){.path = "", .mode = S_IFDIR | 0755, .ino = 1};
    return read_archive(cpio, size, names, &used, err, errlen);
}

static struct lx_node *find(const char *path, size_t len)
{
    for (unsigned i = nnodes; i-- > 0;) /* later entries win, as when the kernel unpacks */
        if (!nodes[i].gone && strlen(nodes[i].path) == len && strncmp(nodes[i].path, path, len) == 0)
            return &nodes[i];
    return NULL;
}

/* Walk `path` (absolute, may contain ".", ".." and symlinks) into out (without the leading '/'). */
static int walk(const char *path, bool follow, int depth, char *out, size_t outlen)
{
    const char *p = path;
    size_t olen = 0;

    out[0] = 0;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t clen = strcspn(p, "/"), dirlen = olen;
        const char *rest = p + clen;
        bool last = rest[strspn(rest, "/")] == 0;
        if (clen == 1 && p[0] == '.') {
            p = rest;
            continue;
        }
        if (clen == 2 && p[0] == '.' && p[1] == '.') {
            char *slash = strrchr(out, '/');
            olen = slash ? (size_t)(slash - out) : 0;
            out[olen] = 0;
            p = rest;
            continue;
        }
        if (olen + clen + 2 > outlen)
            return -LX_ENAMETOOLONG;
        if (olen)
            out[olen++] = '/';
        memcpy(out + olen, p, clen);
        olen += clen;
        out[olen] = 0;
        struct lx_node *n = find(out, olen);
        if (n && n->link)
            n = n->link;
        if (n && S_ISLNK(n->mode) && (follow || !last)) {
            char target[1024];
            if (depth >= MAX_SYMLINKS)
                return -LX_ELOOP;
            out[dirlen] = 0;
            if (n->size && n->data[0] == '/')
                snprintf(target, sizeof(target), "%.*s%s", (int)n->size, (const char *)n->data, rest);
            else
                snprintf(target, sizeof(target), "/%s/%.*s%s", out, (int)n->size, (const char *)n->data, rest);
            return walk(target, follow, depth + 1, out, outlen);
        }
        if (!last && (!n || !S_ISDIR(n->mode)))
            return n ? -LX_ENOTDIR : -LX_ENOENT;
        p = rest;
    }
    return 0;
}

/* The entry a path names: a hard link's own name, not the file it links. */
static struct lx_node *lookup_name(const char *path, bool follow, int *errno_out)
{
    char resolved[512];
    int e;

    if (path[0] != '/') {
        *errno_out = LX_EINVAL;
        return NULL;
    }
    if ((e = walk(path, follow, 0, resolved, sizeof(resolved))) < 0) {
        *errno_out = -e;
        return NULL;
    }
    struct lx_node *n = resolved[0] ? find(resolved, strlen(resolved)) : &nodes[0];
    if (!n)
        *errno_out = LX_ENOENT;
    return n;
}

struct lx_node *lx_fs_lookup(const char *path, bool follow, int *errno_out)
{
    struct lx_node *n = lookup_name(path, follow, errno_out);

    return n && n->link ? n->link : n;
}

uint32_t lx_fs_nlink(const struct lx_node *n) { return 1 + n->links; }

const char *lx_basename(struct lx_node *n)
{
    const char *s = strrchr(n->path, '/');
    return s ? s + 1 : n->path;
}

struct lx_node *lx_fs_child(struct lx_node *dir, unsigned idx)
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

/* Split an absolute path into its directory's node and its last component; 0 or -LX_E*. */
static int parent_of(const char *path, struct lx_node **dir, const char **base)
{
    static char whole[512];
    char d[512];
    size_t len = strlen(path);
    int e;

    if (len >= sizeof(d))
        return -LX_ENAMETOOLONG;
    while (len > 1 && path[len - 1] == '/') /* "a/b/" names b */
        len--;
    memcpy(whole, path, len);
    whole[len] = 0;
    path = whole;
    const char *slash = strrchr(path, '/');
    if (!slash)
        return -LX_ENOENT;
    *base = slash + 1;
    if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
        return -LX_EEXIST; /* "/", "x/." and "x/..": the directory itself, which exists */
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = 0;
    if (!(*dir = lx_fs_lookup(d[0] ? d : "/", true, &e)))
        return -e;
    return S_ISDIR((*dir)->mode) ? 0 : -LX_ENOTDIR;
}

static char *joined(const struct lx_node *dir, const char *base)
{
    size_t n = strlen(dir->path) + strlen(base) + 2;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s%s%s", dir->path, dir->path[0] ? "/" : "", base);
    return s;
}

static bool has_children(struct lx_node *dir) { return lx_fs_child(dir, 0) != NULL; }

int lx_fs_create(const char *path, uint32_t mode, const void *data, uint64_t size, struct lx_node **out)
{
    struct lx_node *dir;
    const char *base;
    int e;

    if ((e = parent_of(path, &dir, &base)) < 0)
        return e;
    char *name = joined(dir, base);
    if (!name)
        return -LX_ENOMEM;
    if (find(name, strlen(name))) {
        free(name);
        return -LX_EEXIST;
    }
    if (nnodes == MAX_NODES) {
        free(name);
        return -LX_ENOSPC;
    }
    struct lx_node *n = &nodes[nnodes];
    *n = (struct lx_node){.path = name, .mode = mode, .ino = nnodes + 100000,
                          .mtime_ns = (int64_t)libos_wallclock_ns()};
    if (size && (e = lx_fs_write(n, 0, data, size)) < 0) {
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

int lx_fs_link(const char *from, const char *to, bool follow)
{
    int e;
    struct lx_node *file = lx_fs_lookup(from, follow, &e), *name;

    if (!file)
        return -e;
    if (S_ISDIR(file->mode))
        return -LX_EPERM;
    if ((e = lx_fs_create(to, file->mode, NULL, 0, &name)) < 0)
        return e;
    name->link = file;
    name->ino = file->ino;
    file->links++;
    return 0;
}

int lx_fs_remove(const char *path, bool dir)
{
    int e;
    struct lx_node *n = lookup_name(path, false, &e);

    if (!n)
        return -e;
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

int lx_fs_rename(const char *from, const char *to)
{
    struct lx_node *dir, *n, *old;
    const char *base;
    int e;

    if (!(n = lookup_name(from, false, &e)))
        return -e;
    if ((e = parent_of(to, &dir, &base)) < 0)
        return e;
    char *name = joined(dir, base);
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

int lx_fs_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len)
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

int lx_fs_truncate(struct lx_node *n, uint64_t size)
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
