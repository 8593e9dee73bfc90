/*
 * The VFS: one tree of mounted file systems. It resolves absolute paths component by component (".",
 * "..", symlinks at most 8 deep, mount points) into a canonical path, finds the mount that path is in
 * (the longest mount path that is a prefix of it), and asks that file system for the node, so a symlink
 * on one file system may lead into another. The calls that change the tree (create, remove, rename,
 * link) go to the file system of the path they name; two paths on different mounts are EXDEV, as in
 * Linux. Mount points themselves cannot be removed or renamed (EBUSY).
 */
#include "lx.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SYMLINKS 8

static struct lx_mount mounts[LX_MAX_MOUNTS]; /* a free slot's ops is NULL; nodes point at their mount */
static unsigned nmounts; /* slots used so far (some may have been unmounted since) */

struct lx_mount *lx_vfs_mount_at(unsigned i)
{
    for (unsigned k = 0; k < nmounts; k++)
        if (mounts[k].ops && i-- == 0)
            return &mounts[k];
    return NULL;
}

/* The mount a canonical path (no leading '/') is in. */
static struct lx_mount *mount_of(const char *canon, const char **rel)
{
    struct lx_mount *best = NULL;
    size_t best_len = 0;

    for (unsigned i = 0; i < nmounts; i++) {
        if (!mounts[i].ops)
            continue;
        size_t len = strlen(mounts[i].path);
        bool inside = len == 0 || (strncmp(canon, mounts[i].path, len) == 0 && (canon[len] == 0 || canon[len] == '/'));
        if (inside && (!best || len >= best_len))
            best = &mounts[i], best_len = len;
    }
    if (best && rel)
        *rel = canon + best_len + (best_len && canon[best_len] == '/');
    return best;
}

static bool is_mount_point(const char *canon)
{
    for (unsigned i = 0; i < nmounts; i++)
        if (mounts[i].ops && strcmp(mounts[i].path, canon) == 0)
            return true;
    return false;
}

/* The entry (its own name) at a canonical path; NULL with *err. */
static struct lx_node *node_at(const char *canon, int *err)
{
    const char *rel;
    struct lx_mount *m = mount_of(canon, &rel);

    if (!m) {
        *err = LX_ENOENT;
        return NULL;
    }
    return m->ops->lookup(m, rel, err);
}

/* Walk `path` (absolute, may contain ".", ".." and symlinks) into out (canonical, without the leading '/'). */
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
        int e = 0;
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
        struct lx_node *n = node_at(out, &e);
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
            return n ? -LX_ENOTDIR : e == LX_EIO ? -LX_EIO : -LX_ENOENT;
        p = rest;
    }
    return 0;
}

/* The entry a path names: a hard link's own name, not the file it links; its canonical path in canon. */
static struct lx_node *lookup_name(const char *path, bool follow, int *errno_out, char *canon, size_t len)
{
    int e;

    if (path[0] != '/') {
        *errno_out = LX_EINVAL;
        return NULL;
    }
    if ((e = walk(path, follow, 0, canon, len)) < 0) {
        *errno_out = -e;
        return NULL;
    }
    return node_at(canon, errno_out);
}

struct lx_node *lx_fs_lookup(const char *path, bool follow, int *errno_out)
{
    char canon[512];
    struct lx_node *n = lookup_name(path, follow, errno_out, canon, sizeof(canon));

    return n && n->link ? n->link : n;
}

int lx_node_path(const struct lx_node *n, char *out, size_t len)
{
    const char *mp = n->mnt ? n->mnt->path : "";
    int k = snprintf(out, len, "/%s%s%s", mp, mp[0] && n->path[0] ? "/" : "", n->path);

    return k < (int)len ? k : -LX_ENAMETOOLONG;
}

uint32_t lx_fs_nlink(const struct lx_node *n) { return 1 + n->links; }

const char *lx_basename(struct lx_node *n)
{
    const char *s = strrchr(n->path, '/');
    return s ? s + 1 : n->path;
}

struct lx_node *lx_fs_child(struct lx_node *dir, unsigned idx)
{
    return dir->mnt && dir->mnt->ops->child ? dir->mnt->ops->child(dir, idx) : NULL;
}

/*
 * Split an absolute path into its directory (resolved, a directory) and its last component: the
 * canonical path of the entry it would name goes into canon. 0 or -LX_E*.
 */
static int parent_of(const char *path, char *canon, size_t canon_len, struct lx_mount **m, const char **rel)
{
    char whole[512], d[512];
    size_t len = strlen(path);
    struct lx_node *dir;
    int e;

    if (len >= sizeof(whole))
        return -LX_ENAMETOOLONG;
    while (len > 1 && path[len - 1] == '/') /* "a/b/" names b */
        len--;
    memcpy(whole, path, len);
    whole[len] = 0;
    const char *slash = strrchr(whole, '/');
    if (!slash)
        return -LX_ENOENT;
    const char *base = slash + 1;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return -LX_EEXIST; /* "/", "x/." and "x/..": the directory itself, which exists */
    snprintf(d, sizeof(d), "%.*s", (int)(slash - whole), whole);
    if (!(dir = lookup_name(d[0] ? d : "/", true, &e, canon, canon_len)))
        return -e;
    if (dir->link)
        dir = dir->link;
    if (!S_ISDIR(dir->mode))
        return -LX_ENOTDIR;
    size_t clen = strlen(canon);
    if (clen + strlen(base) + 2 > canon_len)
        return -LX_ENAMETOOLONG;
    snprintf(canon + clen, canon_len - clen, "%s%s", clen ? "/" : "", base);
    *m = mount_of(canon, rel);
    return 0;
}

int lx_fs_create(const char *path, uint32_t mode, const void *data, uint64_t size, struct lx_node **out)
{
    char canon[512];
    struct lx_mount *m;
    const char *rel;
    int e;

    if ((e = parent_of(path, canon, sizeof(canon), &m, &rel)) < 0)
        return e;
    if (node_at(canon, &e))
        return -LX_EEXIST;
    if (m->rdonly)
        return -LX_EROFS;
    return m->ops->create(m, rel, mode, data, size, out);
}

int lx_fs_remove(const char *path, bool dir)
{
    char canon[512];
    int e;
    struct lx_node *n = lookup_name(path, false, &e, canon, sizeof(canon));

    if (!n)
        return -e;
    if (is_mount_point(canon))
        return -LX_EBUSY; /* the root, or another mount's */
    if (n->mnt->rdonly)
        return -LX_EROFS;
    return n->mnt->ops->remove(n->mnt, n, dir);
}

int lx_fs_rename(const char *from, const char *to)
{
    char canon[512], tocanon[512];
    struct lx_mount *m;
    const char *rel;
    struct lx_node *n;
    int e;

    if (!(n = lookup_name(from, false, &e, canon, sizeof(canon))))
        return -e;
    if ((e = parent_of(to, tocanon, sizeof(tocanon), &m, &rel)) < 0)
        return e;
    if (is_mount_point(canon) || is_mount_point(tocanon))
        return -LX_EBUSY;
    if (m != n->mnt)
        return -LX_EXDEV;
    if (m->rdonly)
        return -LX_EROFS;
    return m->ops->rename(m, n, rel);
}

int lx_fs_link(const char *from, const char *to, bool follow)
{
    char canon[512];
    struct lx_mount *m;
    const char *rel;
    int e;
    struct lx_node *file = lx_fs_lookup(from, follow, &e);

    if (!file)
        return -e;
    if (S_ISDIR(file->mode))
        return -LX_EPERM;
    if ((e = parent_of(to, canon, sizeof(canon), &m, &rel)) < 0)
        return e;
    if (node_at(canon, &e))
        return -LX_EEXIST;
    if (m != file->mnt)
        return -LX_EXDEV;
    if (m->rdonly)
        return -LX_EROFS;
    return m->ops->link(m, file, rel);
}

int lx_fs_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len)
{
    if (!n->mnt)
        return -LX_EACCES; /* a /proc snapshot */
    if (n->mnt->rdonly)
        return -LX_EROFS;
    int e = n->mnt->ops->write(n, off, buf, len);
    if (e == 0)
        lx_filemap_wrote(n, off, buf, len); /* its shared mappings see it (mm/filemap.c) */
    return e;
}

int lx_fs_truncate(struct lx_node *n, uint64_t size)
{
    if (!n->mnt)
        return -LX_EACCES;
    if (n->mnt->rdonly)
        return -LX_EROFS;
    uint64_t old = n->size;
    int e = n->mnt->ops->truncate(n, size);
    if (e == 0)
        lx_filemap_truncated(n, old, size);
    return e;
}

int lx_fs_setattr(struct lx_node *n, const struct lx_attr *a)
{
    if (n->mnt && n->mnt->rdonly)
        return -LX_EROFS;
    if (n->mnt && n->mnt->ops->setattr)
        return n->mnt->ops->setattr(n, a);
    if ((a->valid & (LX_ATTR_UID | LX_ATTR_GID)) && (a->uid != n->uid || a->gid != n->gid))
        return -LX_EPERM; /* the tmpfs's files stay root's */
    if (a->valid & LX_ATTR_MODE)
        n->mode = (n->mode & ~07777u) | (a->mode & 07777);
    if (a->valid & LX_ATTR_MTIME)
        n->mtime_ns = a->mtime_ns;
    return 0;
}

int lx_node_bytes(struct lx_node *n)
{
    int e;

    if (n->fmap && (e = lx_filemap_writeback(n->fmap, 0, ~0ull)) < 0) /* what its mappings stored */
        return e;
    return n->mnt && n->mnt->ops->bytes ? n->mnt->ops->bytes(n) : 0;
}

int lx_vfs_mount(const char *path, const struct lx_fs_ops *ops, void *sb, const char *source, bool rdonly,
                 struct lx_mount **out)
{
    char canon[512];
    struct lx_node *at;
    int e;

    unsigned slot = 0;

    while (slot < nmounts && mounts[slot].ops)
        slot++;
    if (slot == LX_MAX_MOUNTS)
        return -LX_ENOMEM;
    if (nmounts == 0) { /* the root */
        canon[0] = 0;
    } else {
        if (!(at = lookup_name(path, true, &e, canon, sizeof(canon))))
            return -e;
        if (!S_ISDIR((at->link ? at->link : at)->mode))
            return -LX_ENOTDIR;
        if (is_mount_point(canon))
            return -LX_EBUSY;
        if (strlen(canon) >= sizeof(mounts[0].path))
            return -LX_ENAMETOOLONG;
    }
    struct lx_mount *m = &mounts[slot];
    *m = (struct lx_mount){.ops = ops, .sb = sb, .rdonly = rdonly, .dev = 0x800 + slot};
    snprintf(m->path, sizeof(m->path), "%s", canon);
    snprintf(m->source, sizeof(m->source), "%s", source);
    if (slot == nmounts)
        nmounts++;
    if (out)
        *out = m;
    return 0;
}

static bool stopping; /* lx's shutdown: every file system goes, whatever is still open */

/* Whether anything still uses m: an open file of it, or a process's working directory in it. */
bool lx_vfs_busy(const struct lx_mount *m)
{
    size_t len = strlen(m->path);

    if (stopping)
        return false;
    if (lx_filemap_busy(m)) /* a file of it is mapped */
        return true;
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *p = lx_proc_at(i);
        if (p->state == LX_FREE || p->leader != p)
            continue;
        for (unsigned fd = 0; fd < p->nfds; fd++)
            if (p->fds[fd] && p->fds[fd]->node && p->fds[fd]->node->mnt == m)
                return true;
        if (strncmp(p->cwd + 1, m->path, len) == 0 && (p->cwd[1 + len] == 0 || p->cwd[1 + len] == '/'))
            return true;
    }
    return false;
}

int lx_vfs_umount(const char *path)
{
    char canon[512];
    int e;

    if (!lookup_name(path, true, &e, canon, sizeof(canon)))
        return -e;
    for (unsigned i = 1; i < nmounts; i++) {
        struct lx_mount *m = &mounts[i];
        if (!m->ops || strcmp(m->path, canon) != 0)
            continue;
        for (unsigned k = 0; k < nmounts; k++) /* a mount inside this one */
            if (k != i && mounts[k].ops && strncmp(mounts[k].path, canon, strlen(canon)) == 0 && mounts[k].path[strlen(canon)] == '/')
                return -LX_EBUSY;
        lx_filemap_reap(); /* files unmapped but not yet written back */
        if (lx_vfs_busy(m))
            return -LX_EBUSY;
        if (m->ops->umount ? (e = m->ops->umount(m)) < 0 : m->ops->sync && (e = m->ops->sync(m)) < 0)
            return e;
        m->ops = NULL; /* the slot is free; nodes of it are gone with its file system */
        return 0;
    }
    return canon[0] ? -LX_EINVAL : -LX_EBUSY; /* not a mount point; the root */
}

void lx_vfs_shutdown(void)
{
    lx_filemap_sync(NULL); /* what shared mappings hold goes to the files first */
    stopping = true;
    for (unsigned i = nmounts; i-- > 0;) /* the innermost first, the root last */
        if (mounts[i].ops && mounts[i].ops->umount) {
            if (mounts[i].ops->umount(&mounts[i]) < 0)
                printf("lx: %s on /%s: could not write everything back\n", mounts[i].source, mounts[i].path);
            mounts[i].ops = NULL;
        }
}

int lx_vfs_sync(void)
{
    int ret = lx_filemap_sync(NULL), e;

    for (unsigned i = 0; i < nmounts; i++)
        if (mounts[i].ops && mounts[i].ops->sync && (e = mounts[i].ops->sync(&mounts[i])) < 0)
            ret = e;
    return ret;
}
