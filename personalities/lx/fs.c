/*
 * lx's file tree: the initramfs, a newc cpio archive ("070701" headers, 4-byte alignment), read into a
 * table of nodes that point into the archive. Paths are resolved here, following symlinks (at most 8
 * deep) and "." and "..". Everything taken from the archive is bounds-checked: a damaged archive is
 * refused with a message, never read past its end.
 */
#include "lx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NODES 4096
#define MAX_SYMLINKS 8

static struct lx_node nodes[MAX_NODES];
static unsigned nnodes;
static char *names;

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

int lx_fs_load(const void *cpio, size_t size, char *err, size_t errlen)
{
    const uint8_t *a = cpio;
    size_t off = 0, namespace_used = 0;

    names = malloc(size); /* names are shorter than the archive */
    if (!names)
        return snprintf(err, errlen, "no memory for the file tree"), -1;
    nodes[nnodes++] = (struct lx_node){"", S_IFDIR | 0755, NULL, 0, 1};
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
        if (path[0] && nnodes < MAX_NODES) {
            char *copy = names + namespace_used;
            strcpy(copy, path);
            namespace_used += strlen(path) + 1;
            nodes[nnodes++] = (struct lx_node){copy, mode, a + data_off, filesize, f[0] + 2};
        }
        off = (data_off + filesize + 3) & ~(size_t)3;
    }
    return snprintf(err, errlen, "initramfs: no TRAILER!!! entry"), -1;
}

static const struct lx_node *find(const char *path, size_t len)
{
    for (unsigned i = nnodes; i-- > 0;) /* later entries win, as when the kernel unpacks */
        if (strlen(nodes[i].path) == len && strncmp(nodes[i].path, path, len) == 0)
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
        const struct lx_node *n = find(out, olen);
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

const struct lx_node *lx_fs_lookup(const char *path, bool follow, int *errno_out)
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
    const struct lx_node *n = resolved[0] ? find(resolved, strlen(resolved)) : &nodes[0];
    if (!n)
        *errno_out = LX_ENOENT;
    return n;
}

const char *lx_basename(const struct lx_node *n)
{
    const char *s = strrchr(n->path, '/');
    return s ? s + 1 : n->path;
}

const struct lx_node *lx_fs_child(const struct lx_node *dir, unsigned idx)
{
    size_t dlen = strlen(dir->path);

    for (unsigned i = 1; i < nnodes; i++) {
        const char *p = nodes[i].path;
        bool inside = dlen ? strncmp(p, dir->path, dlen) == 0 && p[dlen] == '/' && !strchr(p + dlen + 1, '/')
                           : !strchr(p, '/');
        if (inside && find(p, strlen(p)) == &nodes[i] && idx-- == 0)
            return &nodes[i];
    }
    return NULL;
}
