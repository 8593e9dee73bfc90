/*
 * ext2 as a file system type of lx's VFS: the engine (super.c ... namei.c) over lx's buffer cache
 * (fs/buffer.c), and the lx_fs_ops and file operations that map the VFS's path-based calls onto its
 * inode-based ones.
 *
 * Waiting for the disk. The engine is synchronous: its get() of a block that is not in the cache
 * starts the read and sleeps (lx_sleep, kernel/kstack.c) on the calling system call's kernel stack
 * until a completion wakes it, while lx serves everyone else. Calls into the engine are serialized by
 * one sleeping lock per mount (`em->lock`: the engine keeps each mount's state apart), taken around
 * each engine call or short sequence of them (a path walk, an update), so an update that sleeps
 * half-way is never seen half-done by another call, and a disk that is slow or gone holds up only the
 * calls on its own file system. On lx's own stack (mounting the root at start, unmounting at the end) the same get() waits for
 * the disk instead, since nothing else runs then.
 *
 * Nodes. The VFS names files by path and keeps node pointers in open files; here a node is one inode
 * (found by number in a hash table; it lives as long as the mount), its attributes refreshed from the
 * inode at each lookup and kept in step by every change made through it. Its `path` is the name it was
 * last found by (a file with hard links has one node). An inode whose last name goes while a
 * description of it is open is evicted (its blocks freed) when the last such description closes; that
 * may happen on lx's stack (a process killed), so evictions are queued and done under the lock by the
 * next call into ext2, by sync and at unmount.
 */
#include "fs/ext2/ext2.h"
#include "dev/blk.h"
#include "fs/ext2/ext2_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NHASH 256
#define MAX_EVICT 64
#define DC_HASH 1024    /* the name cache's buckets, per mount */
#define DC_MAX 16384    /* its entries at most: past that it starts again empty */
#define PATH_MAX_ 512

struct enode {
    struct lx_node n;     /* first: the VFS's node is the enode */
    char path[PATH_MAX_]; /* n.path points here, changed in place */
    uint32_t ino, generation; /* an inode number freed and used again is a new file (a new generation) */
    unsigned opens;       /* open descriptions */
    bool unlinked;        /* no name left: evicted when the last description closes */
    bool bytes;           /* n.data holds the file's bytes as they are (e_bytes; a write or truncate clears it) */
    /* readdir's cursor (lx_fs_child asks for entries by number, in order, and may ask for the last one
     * again): the entry it last gave (its number less one: 0 none) and where it starts and ends. Byte
     * positions stay valid when entries are removed (ext2 merges a removed entry into the one before). */
    unsigned dir_idx;
    uint64_t dir_start, dir_next;
    struct enode *next;
};

/*
 * The name cache (Linux's dentry cache, by inode numbers): a directory's inode and a name in it -> the
 * inode the name leads to, or 0 for a name known not to be there (a negative entry). Keyed by the
 * directory's inode, not its path, so moving a directory leaves what is cached below it right; an entry
 * is dropped when its name is created, removed, linked or renamed (whether or not the operation
 * succeeded), and every entry of a directory that is removed (its number may be a new directory's
 * later). Mounts do not touch it: the VFS decides which file system a path is in before asking this one.
 */
struct dentry {
    uint32_t dir, ino;
    uint8_t len;
    struct dentry *next;
    char name[];
};

struct emount {
    struct ext2_fs *fs;
    struct ext2_dev dev;
    struct lx_disk *disk;
    struct lx_mount *mnt;
    uint32_t bsize;
    struct enode *hash[NHASH];
    uint32_t evict[MAX_EVICT];
    unsigned nevict;
    struct lx_mutex lock; /* its engine's: one call in it at a time (each mount has its own) */
    struct dentry *dcache[DC_HASH];
    unsigned ndentries;
};

static const struct lx_fs_ops ext2_ops;

/* ---- the engine's block device: lx's buffer cache ---- */

static int dev_set_block_size(void *ctx, uint32_t size)
{
    struct emount *em = ctx;

    if (size > LX_PAGE)
        return -LX_EINVAL; /* a block is within one page of the cache */
    em->bsize = size;
    return 0;
}

/* Wait for the disk: the call sleeps (or, on lx's stack, lx waits). */
static void wait_disk(void) { lx_sleep(); }

static int dev_get(void *ctx, uint64_t nr, unsigned flags, void **handle, uint8_t **data)
{
    struct emount *em = ctx;
    uint64_t byte = nr * em->bsize, page = byte / LX_PAGE;
    bool whole = (flags & EXT2_GET_NOREAD) && em->bsize == LX_PAGE;
    struct lx_bh *b;
    int err;

    if (byte / em->bsize != nr || byte + em->bsize > em->disk->pages * LX_PAGE)
        return -LX_EIO;
    while (!(b = whole ? lx_bget(em->disk, page, &err) : lx_bread(em->disk, page, &err))) {
        if (err != LX_WOULD_BLOCK)
            return err;
        wait_disk();
    }
    *handle = b;
    *data = b->data + byte % LX_PAGE;
    return 0;
}

static void dev_dirty(void *ctx, void *handle) { lx_bdirty(handle); }
static void dev_put(void *ctx, void *handle) { lx_brelse(handle); }

static int dev_sync(void *ctx)
{
    struct emount *em = ctx;
    int e;

    while ((e = lx_bsync(em->disk)) == LX_WOULD_BLOCK)
        wait_disk();
    return e;
}

static uint32_t dev_now(void *ctx) { return (uint32_t)(libos_wallclock_ns() / 1000000000); }

static void dev_log(void *ctx, const char *msg)
{
    struct emount *em = ctx;

    printf("lx: %s: %s\n", em->disk->name, msg);
}

/* ---- nodes ---- */

static struct emount *em_of(struct lx_mount *m) { return m->sb; }
static struct enode *en_of(struct lx_node *n) { return (struct enode *)n; }

static void take(struct emount *em) { lx_mutex_lock(&em->lock); }

/* Let go of the lock; a call whose process is gone stops here (it holds nothing now). */
static void give(struct emount *em)
{
    lx_mutex_unlock(&em->lock);
    lx_kstack_check_orphan();
}

static void set_attrs(struct enode *en, const struct ext2_stat *st)
{
    en->n.mode = st->mode;
    en->n.size = st->size;
    en->n.links = st->nlink ? st->nlink - 1u : 0;
    en->n.uid = st->uid, en->n.gid = st->gid;
    en->n.mtime_ns = (int64_t)st->mtime * 1000000000;
    en->n.atime_ns = (int64_t)st->atime * 1000000000;
    en->n.ctime_ns = (int64_t)st->ctime * 1000000000;
    en->n.blocks = st->blocks;
    en->n.full_stat = true;
}

/* The node of inode ino (made if new), its attributes read from the inode; NULL with *err. */
static struct enode *node_get(struct emount *em, uint32_t ino, const char *path, int *err)
{
    struct enode **slot = &em->hash[ino % NHASH], *en;
    struct ext2_stat st;
    int e;

    if ((e = ext2_stat(em->fs, ino, &st)) < 0) {
        *err = -e;
        return NULL;
    }
    for (en = *slot; en && en->ino != ino; en = en->next)
        ;
    if (!en) {
        if (!(en = calloc(1, sizeof(*en)))) {
            *err = LX_ENOMEM;
            return NULL;
        }
        en->ino = ino;
        en->n.ino = ino;
        en->n.mnt = em->mnt;
        en->n.path = en->path;
        en->next = *slot;
        *slot = en;
    }
    /* The number was freed and is another file's now: a new generation, or (an inode made again within
     * the same second can get the same generation) a node whose file lost its last name, found again. */
    if ((en->generation != st.generation || en->n.gone) && !en->opens) {
        en->generation = st.generation;
        en->bytes = en->unlinked = en->n.gone = false;
        en->dir_idx = 0;
    }
    if (path)
        snprintf(en->path, sizeof(en->path), "%s", path);
    set_attrs(en, &st);
    if (S_ISLNK(st.mode) && (!en->n.data || en->n.cap < st.size + 1)) { /* the VFS reads targets from data */
        free(en->n.data);
        en->n.cap = 0;
        if (!(en->n.data = malloc(st.size + 1))) {
            *err = LX_ENOMEM;
            return NULL;
        }
        en->n.cap = st.size + 1;
    }
    if (S_ISLNK(st.mode) && (e = ext2_readlink(em->fs, ino, (char *)en->n.data, st.size)) < 0) {
        *err = -e;
        return NULL;
    }
    return en;
}

/* ---- the name cache (under the lock) ---- */

static unsigned dc_hash(uint32_t dir, const char *name, size_t len)
{
    uint32_t h = dir * 2654435761u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h % DC_HASH;
}

static struct dentry **dc_slot(struct emount *em, uint32_t dir, const char *name, size_t len)
{
    struct dentry **at = &em->dcache[dc_hash(dir, name, len)];

    while (*at && !((*at)->dir == dir && (*at)->len == len && memcmp((*at)->name, name, len) == 0))
        at = &(*at)->next;
    return at;
}

static void dc_clear(struct emount *em)
{
    for (unsigned h = 0; h < DC_HASH; h++)
        while (em->dcache[h]) {
            struct dentry *d = em->dcache[h];
            em->dcache[h] = d->next;
            free(d);
        }
    em->ndentries = 0;
}

/* What name in dir leads to (0: known not to be there); false if the cache does not know. */
static bool dc_find(struct emount *em, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
    struct dentry *d = *dc_slot(em, dir, name, len);

    if (d)
        *ino = d->ino;
    return d != NULL;
}

static void dc_add(struct emount *em, uint32_t dir, const char *name, size_t len, uint32_t ino)
{
    struct dentry **at, *d;

    if (len > EXT2_NAME_MAX)
        return;
    if (em->ndentries >= DC_MAX)
        dc_clear(em);
    if (*(at = dc_slot(em, dir, name, len))) {
        (*at)->ino = ino;
        return;
    }
    if (!(d = malloc(sizeof(*d) + len)))
        return; /* (a cache: it may forget) */
    d->dir = dir, d->ino = ino, d->len = (uint8_t)len, d->next = NULL;
    memcpy(d->name, name, len);
    *at = d;
    em->ndentries++;
}

static void dc_drop(struct emount *em, uint32_t dir, const char *name, size_t len)
{
    struct dentry **at = dc_slot(em, dir, name, len), *d = *at;

    if (d) {
        *at = d->next;
        free(d);
        em->ndentries--;
    }
}

/* A directory is gone: every name cached in it goes too. */
static void dc_drop_dir(struct emount *em, uint32_t dir)
{
    for (unsigned h = 0; h < DC_HASH; h++)
        for (struct dentry **at = &em->dcache[h]; *at;)
            if ((*at)->dir == dir) {
                struct dentry *d = *at;
                *at = d->next;
                free(d);
                em->ndentries--;
            } else {
                at = &(*at)->next;
            }
}

/* Walk path (within the file system, canonical) from the root: the inode of its last component, and
 * of its directory (*dir) if wanted. 0 or -LX_E*. Under the lock. Each step asks the name cache first. */
static int walk(struct emount *em, const char *path, uint32_t *ino, uint32_t *dir)
{
    uint32_t cur = EXT2_ROOT_INO, parent = EXT2_ROOT_INO;
    const char *p = path;

    while (*p) {
        size_t len = strcspn(p, "/");
        uint32_t next;
        int e;
        parent = cur;
        if (dc_find(em, cur, p, len, &next)) {
            if (!next)
                return -LX_ENOENT;
            cur = next;
        } else {
            e = ext2_lookup(em->fs, cur, p, len, &next);
            if (e == 0 || e == -LX_ENOENT)
                dc_add(em, cur, p, len, e == 0 ? next : 0);
            if (e < 0)
                return e;
            cur = next;
        }
        p += len;
        p += *p == '/';
    }
    *ino = cur;
    if (dir)
        *dir = parent;
    return 0;
}

/* The directory's inode and the last component of path. */
static int split(struct emount *em, const char *path, uint32_t *dir, const char **name)
{
    const char *slash = strrchr(path, '/');
    char d[PATH_MAX_];

    *name = slash ? slash + 1 : path;
    if (!slash)
        return *dir = EXT2_ROOT_INO, 0;
    if ((size_t)(slash - path) >= sizeof(d))
        return -LX_ENAMETOOLONG;
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = 0;
    return walk(em, d, dir, NULL);
}

/* The queued evictions (under the lock). */
static void evict_queued(struct emount *em)
{
    while (em->nevict) {
        uint32_t ino = em->evict[--em->nevict];
        int e = ext2_evict(em->fs, ino);
        if (e < 0)
            printf("lx: %s: freeing inode %u failed (errno %d)\n", em->disk->name, ino, -e);
    }
}

/* An inode lost a name: if none is left, it goes now (nothing open) or at its last close. Under the lock. */
static void name_gone(struct emount *em, uint32_t ino)
{
    struct enode *en;
    struct ext2_stat st;

    if (ext2_stat(em->fs, ino, &st) < 0 || st.nlink > 0) {
        for (en = em->hash[ino % NHASH]; en && en->ino != ino; en = en->next)
            ;
        if (en && st.nlink)
            set_attrs(en, &st);
        return;
    }
    for (en = em->hash[ino % NHASH]; en && en->ino != ino; en = en->next)
        ;
    if (en) {
        en->unlinked = true, en->n.gone = true, en->n.links = 0, en->bytes = false;
        if (en->opens)
            return;
    }
    if (em->nevict == MAX_EVICT)
        evict_queued(em);
    em->evict[em->nevict++] = ino;
    evict_queued(em);
}

/* ---- the VFS's operations ---- */

static struct lx_node *e_lookup(struct lx_mount *m, const char *path, int *err)
{
    struct emount *em = em_of(m);
    struct enode *en = NULL;
    uint32_t ino;
    int e;

    if (strlen(path) >= PATH_MAX_) {
        *err = LX_ENAMETOOLONG;
        return NULL;
    }
    take(em);
    evict_queued(em);
    if ((e = walk(em, path, &ino, NULL)) < 0)
        *err = e == -LX_ENOTDIR ? LX_ENOENT : -e;
    else
        en = node_get(em, ino, path, err);
    give(em);
    return en ? &en->n : NULL;
}

static int e_create(struct lx_mount *m, const char *path, uint32_t mode, const void *data, uint64_t size,
                    struct lx_node **out)
{
    struct emount *em = em_of(m);
    const char *name;
    uint32_t dir, ino;
    struct enode *en = NULL;
    int e, err = 0;

    if (strlen(path) >= PATH_MAX_)
        return -LX_ENAMETOOLONG;
    take(em);
    evict_queued(em);
    if ((e = split(em, path, &dir, &name)) == 0) {
        if (S_ISLNK(mode))
            e = ext2_symlink(em->fs, dir, name, strlen(name), data, size, 0, 0, &ino);
        else
            e = ext2_create(em->fs, dir, name, strlen(name), (uint16_t)mode, 0, 0, 0, 0, &ino);
        dc_drop(em, dir, name, strlen(name)); /* (its negative entry, if it had one) */
    }
    if (e == 0 && S_ISREG(mode) && size) {
        int64_t k = ext2_write(em->fs, ino, 0, data, size);
        e = k < 0 ? (int)k : (uint64_t)k < size ? -LX_ENOSPC : 0;
    }
    if (e == 0 && !(en = node_get(em, ino, path, &err)))
        e = -err;
    give(em);
    if (e == 0 && out)
        *out = &en->n;
    return e;
}

static int e_remove(struct lx_mount *m, struct lx_node *n, bool dir)
{
    struct emount *em = em_of(m);
    char path[PATH_MAX_];
    const char *name;
    uint32_t parent, ino = 0;
    int e;

    if (!n->path[0])
        return -LX_EBUSY;
    if (dir && !S_ISDIR(n->mode))
        return -LX_ENOTDIR;
    if (!dir && S_ISDIR(n->mode))
        return -LX_EISDIR;
    snprintf(path, sizeof(path), "%s", n->path);
    take(em);
    evict_queued(em);
    if ((e = split(em, path, &parent, &name)) == 0) {
        e = dir ? ext2_rmdir(em->fs, parent, name, strlen(name), &ino)
                : ext2_unlink(em->fs, parent, name, strlen(name), &ino);
        dc_drop(em, parent, name, strlen(name));
    }
    if (e == 0 && dir)
        dc_drop_dir(em, ino);
    if (e == 0)
        name_gone(em, ino);
    give(em);
    return e;
}

/* After a directory moved from `from` to `to`: the names of the nodes below it. */
static void moved(struct emount *em, const char *from, const char *to)
{
    size_t len = strlen(from);

    for (unsigned h = 0; h < NHASH; h++)
        for (struct enode *en = em->hash[h]; en; en = en->next)
            if (strncmp(en->path, from, len) == 0 && en->path[len] == '/') {
                char rest[PATH_MAX_];
                snprintf(rest, sizeof(rest), "%s", en->path + len);
                snprintf(en->path, sizeof(en->path), "%s%s", to, rest);
            }
}

static int e_rename(struct lx_mount *m, struct lx_node *n, const char *to)
{
    struct emount *em = em_of(m);
    char from[PATH_MAX_];
    const char *oname, *nname;
    uint32_t odir, ndir, replaced = 0;
    int e;

    if (strlen(to) >= PATH_MAX_)
        return -LX_ENAMETOOLONG;
    snprintf(from, sizeof(from), "%s", n->path);
    take(em);
    evict_queued(em);
    if ((e = split(em, from, &odir, &oname)) == 0 && (e = split(em, to, &ndir, &nname)) == 0) {
        e = ext2_rename(em->fs, odir, oname, strlen(oname), ndir, nname, strlen(nname), 0, &replaced);
        dc_drop(em, odir, oname, strlen(oname));
        dc_drop(em, ndir, nname, strlen(nname));
    }
    if (e == 0 && replaced && S_ISDIR(n->mode))
        dc_drop_dir(em, replaced); /* an empty directory it replaced */
    if (e == 0) {
        if (replaced && replaced != en_of(n)->ino)
            name_gone(em, replaced);
        if (S_ISDIR(n->mode))
            moved(em, from, to);
        snprintf(en_of(n)->path, PATH_MAX_, "%s", to);
        struct ext2_stat st;
        if (ext2_stat(em->fs, en_of(n)->ino, &st) == 0)
            set_attrs(en_of(n), &st);
    }
    give(em);
    return e;
}

static int e_link(struct lx_mount *m, struct lx_node *file, const char *to)
{
    struct emount *em = em_of(m);
    const char *name;
    uint32_t dir;
    struct ext2_stat st;
    int e;

    take(em);
    evict_queued(em);
    if ((e = split(em, to, &dir, &name)) == 0) {
        e = ext2_link(em->fs, dir, name, strlen(name), en_of(file)->ino);
        dc_drop(em, dir, name, strlen(name));
    }
    if (e == 0 && ext2_stat(em->fs, en_of(file)->ino, &st) == 0)
        set_attrs(en_of(file), &st);
    give(em);
    return e;
}

/* The idx-th entry of dir but "." and "..": readdir from the entry before it (or the start). */
struct child_walk {
    unsigned skip;   /* entries still to pass */
    uint32_t ino;
    char name[EXT2_NAME_MAX + 1];
    uint64_t start, next; /* where the entry found starts (at or before it) and ends */
    bool found;
};

static int child_emit(void *arg, const char *name, size_t len, uint32_t ino, unsigned type, uint64_t next)
{
    struct child_walk *w = arg;

    bool dot = (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');

    if (dot || w->skip) { /* "." and "..": the VFS gives its own */
        if (!dot)
            w->skip--;
        w->start = next;
        return 0;
    }
    memcpy(w->name, name, len);
    w->name[len] = 0;
    w->ino = ino, w->next = next, w->found = true;
    return 1;
}

static struct lx_node *e_child(struct lx_node *dir, unsigned idx)
{
    struct emount *em = em_of(dir->mnt);
    struct enode *d = en_of(dir), *c = NULL;
    struct child_walk w = {0};
    uint64_t pos = 0;
    char path[PATH_MAX_];
    int err;

    if (d->dir_idx && idx + 1 == d->dir_idx) /* the same entry again */
        pos = d->dir_start;
    else if (d->dir_idx && idx >= d->dir_idx)
        pos = d->dir_next, w.skip = idx - d->dir_idx;
    else
        w.skip = idx;
    w.start = pos;
    take(em);
    if (ext2_readdir(em->fs, d->ino, &pos, child_emit, &w) == 0 && w.found) {
        d->dir_idx = idx + 1, d->dir_start = w.start, d->dir_next = w.next;
        if (snprintf(path, sizeof(path), "%s%s%s", d->path, d->path[0] ? "/" : "", w.name) < (int)sizeof(path))
            c = node_get(em, w.ino, path, &err);
    }
    give(em);
    return c ? &c->n : NULL;
}

static int e_write(struct lx_node *n, uint64_t off, const void *buf, uint64_t len)
{
    struct emount *em = em_of(n->mnt);
    struct ext2_stat st;
    int64_t k;

    take(em);
    en_of(n)->bytes = false;
    k = ext2_write(em->fs, en_of(n)->ino, off, buf, len);
    if (ext2_stat(em->fs, en_of(n)->ino, &st) == 0)
        set_attrs(en_of(n), &st);
    give(em);
    return k < 0 ? (int)k : (uint64_t)k < len ? -LX_ENOSPC : 0;
}

static int e_truncate(struct lx_node *n, uint64_t size)
{
    struct emount *em = em_of(n->mnt);
    struct ext2_stat st;
    int e;

    take(em);
    en_of(n)->bytes = false;
    e = ext2_truncate(em->fs, en_of(n)->ino, size);
    if (ext2_stat(em->fs, en_of(n)->ino, &st) == 0)
        set_attrs(en_of(n), &st);
    give(em);
    return e;
}

static int e_setattr(struct lx_node *n, const struct lx_attr *a)
{
    struct emount *em = em_of(n->mnt);
    struct ext2_setattr sa = {0};
    struct ext2_stat st;
    int e;

    if (a->valid & LX_ATTR_MODE)
        sa.valid |= EXT2_SET_MODE, sa.mode = (uint16_t)(a->mode & 07777);
    if (a->valid & LX_ATTR_UID)
        sa.valid |= EXT2_SET_UID, sa.uid = a->uid;
    if (a->valid & LX_ATTR_GID)
        sa.valid |= EXT2_SET_GID, sa.gid = a->gid;
    if (a->valid & LX_ATTR_MTIME)
        sa.valid |= EXT2_SET_MTIME, sa.mtime = (uint32_t)(a->mtime_ns / 1000000000);
    if (a->valid & LX_ATTR_ATIME)
        sa.valid |= EXT2_SET_ATIME, sa.atime = (uint32_t)(a->atime_ns / 1000000000);
    take(em);
    e = ext2_setattr(em->fs, en_of(n)->ino, &sa);
    if (ext2_stat(em->fs, en_of(n)->ino, &st) == 0)
        set_attrs(en_of(n), &st);
    give(em);
    return e;
}

static void e_statfs(struct lx_mount *m, struct lx_statfs *out)
{
    struct emount *em = em_of(m);
    struct ext2_statfs st;

    take(em);
    ext2_statfs(em->fs, &st);
    give(em);
    *out = (struct lx_statfs){.type = EXT2_SUPER_MAGIC, .bsize = st.bsize, .blocks = st.blocks, .bfree = st.bfree,
                              .bavail = st.bavail, .files = st.files, .ffree = st.ffree, .namelen = st.namelen};
}

static int e_sync(struct lx_mount *m)
{
    struct emount *em = em_of(m);
    int e;

    take(em);
    evict_queued(em);
    e = ext2_sync(em->fs);
    give(em);
    return e;
}

/* The whole file in n->data (exec and private mappings read it there), kept until it changes: every
 * change of a file's bytes on this file system goes through lx (e_write, e_truncate). */
static int e_bytes(struct lx_node *n)
{
    struct emount *em = em_of(n->mnt);
    struct ext2_stat st;
    uint8_t *buf = NULL;
    int64_t k = 0;

    if (!S_ISREG(n->mode) || en_of(n)->bytes)
        return 0;
    take(em);
    int e = ext2_stat(em->fs, en_of(n)->ino, &st);
    if (e == 0 && st.size > (512ull << 20))
        e = -LX_EFBIG;
    if (e == 0 && !(buf = malloc(st.size ? st.size : 1)))
        e = -LX_ENOMEM;
    for (uint64_t done = 0; e == 0 && done < st.size; done += (uint64_t)k)
        if ((k = ext2_read(em->fs, en_of(n)->ino, done, buf + done, st.size - done)) <= 0)
            e = k < 0 ? (int)k : -LX_EIO;
    if (e == 0) {
        free(n->data);
        n->data = buf, n->size = st.size, n->cap = st.size;
        en_of(n)->bytes = true;
    } else {
        free(buf);
    }
    give(em);
    return e;
}

/* Unmount: queued evictions, the superblock marked clean, everything written and flushed. */
static int e_umount(struct lx_mount *m)
{
    struct emount *em = em_of(m);
    int e;

    take(em);
    if (lx_vfs_busy(m)) { /* a call that held the lock meanwhile opened a file of it */
        give(em);
        return -LX_EBUSY;
    }
    evict_queued(em);
    e = ext2_unmount(em->fs);
    em->fs = NULL;
    dc_clear(em);
    lx_mutex_unlock(&em->lock); /* (no orphan check: the mount is gone, whatever happens to this call) */
    for (unsigned h = 0; h < NHASH; h++)
        while (em->hash[h]) {
            struct enode *en = em->hash[h];
            em->hash[h] = en->next;
            free(en->n.data);
            free(en);
        }
    free(em);
    return e;
}

/* ---- open files ---- */

static void f_open(struct lx_fd *f) { en_of(f->node)->opens++; }

static void f_release(struct lx_fd *f)
{
    struct enode *en = en_of(f->node);
    struct emount *em = em_of(f->node->mnt);

    if (--en->opens == 0 && en->unlinked && em->nevict < MAX_EVICT) {
        em->evict[em->nevict++] = en->ino; /* done by the next call into ext2 (this may be lx's stack) */
        en->unlinked = false;
    }
}

static int64_t f_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    struct emount *em = em_of(f->node->mnt);
    int64_t k;

    take(em);
    k = ext2_read(em->fs, en_of(f->node)->ino, *off, buf, len);
    give(em);
    if (k > 0)
        *off += (uint64_t)k;
    return k;
}

static int64_t f_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    int e = lx_fs_write(f->node, *off, buf, len);

    if (e < 0)
        return e;
    *off += len;
    return (int64_t)len;
}

static int64_t d_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    return -LX_EISDIR;
}

static int f_fsync(struct lx_fd *f) { return e_sync(f->node->mnt); }

static const struct lx_file_ops file_ops = {.open = f_open, .release = f_release, .read = f_read,
                                            .write = f_write, .fsync = f_fsync, .seekable = true};
static const struct lx_file_ops dir_ops = {.open = f_open, .release = f_release, .read = d_read,
                                           .fsync = f_fsync, .seekable = true};

static const struct lx_fs_ops ext2_ops = {
    .type = "ext2", .lookup = e_lookup, .create = e_create, .remove = e_remove, .rename = e_rename,
    .link = e_link, .child = e_child, .write = e_write, .truncate = e_truncate, .statfs = e_statfs,
    .sync = e_sync, .setattr = e_setattr, .bytes = e_bytes, .umount = e_umount, .file_ops = &file_ops,
    .dir_ops = &dir_ops,
};

int lx_ext2_mount(const char *source, const char *path, bool rdonly)
{
    struct lx_disk *d = strncmp(source, "/dev/", 5) == 0 ? lx_disk_find(source + 5) : NULL;
    struct emount *em;
    int e;

    if (!d)
        return -LX_ENOENT; /* no such disk */
    for (unsigned i = 0; lx_vfs_mount_at(i); i++)
        if (strcmp(lx_vfs_mount_at(i)->source, source) == 0)
            return -LX_EBUSY; /* mounted already */
    if (!(em = calloc(1, sizeof(*em))))
        return -LX_ENOMEM;
    em->disk = d;
    em->bsize = 1024;
    em->dev = (struct ext2_dev){.ctx = em, .bytes = d->pages * LX_PAGE, .set_block_size = dev_set_block_size,
                                .get = dev_get, .dirty = dev_dirty, .put = dev_put, .sync = dev_sync,
                                .now = dev_now, .log = dev_log};
    rdonly = rdonly || d->read_only;
    lx_kstacks_start(); /* from now on a call may sleep for the disk */
    take(em);
    e = ext2_mount(&em->dev, rdonly ? EXT2_MOUNT_RDONLY : 0, &em->fs);
    lx_mutex_unlock(&em->lock);
    if (e < 0) {
        printf("lx: %s: cannot mount it as ext2 (errno %d)\n", source, -e);
        free(em);
        return e == -LX_EUCLEAN || e == -LX_EIO ? e : -LX_EINVAL;
    }
    if ((e = lx_vfs_mount(path, &ext2_ops, em, source, rdonly || ext2_is_rdonly(em->fs), &em->mnt)) < 0) {
        take(em);
        ext2_unmount(em->fs);
        lx_mutex_unlock(&em->lock);
        free(em);
    }
    return e;
}
