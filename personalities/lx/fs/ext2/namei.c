/*
 * ext2 names: creating inodes with their first entry (files, directories, device nodes, FIFOs,
 * sockets, symlinks), link, unlink, rmdir and rename.
 *
 * Order of writes, for what a crash can leave (ext2 has no journal): a new inode is written before
 * the entry that names it, and rename adds the new name before it removes the old one. So a crash
 * leaves at worst an inode nobody names or a file with two names and a link count one short, which
 * e2fsck repairs; never an entry naming an unwritten inode.
 */
#include "ext2_int.h"
#include <string.h>

#define IS_TYPE(mode, t) (((mode) & EXT2_S_IFMT) == (t))
#define IS_DIR(mode) IS_TYPE(mode, EXT2_S_IFDIR)


static int name_check(const char *name, size_t len)
{
    if (len == 0)
        return -LX_ENOENT;
    if (len > EXT2_NAME_MAX)
        return -LX_ENAMETOOLONG;
    if (memchr(name, '/', len) || memchr(name, 0, len))
        return -LX_EINVAL;
    return 0;
}

static int is_dots(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* Load directory DIR for a change that adds NAME: writable, a directory, the name free. */
static int prepare_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len)
{
    uint32_t ino;
    int err;

    if (fs->rdonly)
        return -LX_EROFS;
    err = name_check(name, len);
    if (!err)
        err = ext2_iget(fs, dir, din);
    if (err)
        return err;
    if (!IS_DIR(din->i_mode))
        return -LX_ENOTDIR;
    if (din->i_links_count == 0)
        return -LX_ENOENT; /* a removed directory takes no new entries */
    err = ext2_dir_find(fs, dir, din, name, len, &ino, NULL);
    if (err == 0)
        return -LX_EEXIST;
    return err == -LX_ENOENT ? 0 : err;
}

static void set_ids(struct ext2_inode *in, uint32_t uid, uint32_t gid)
{
    in->i_uid = (uint16_t)uid;
    in->i_uid_high = (uint16_t)(uid >> 16);
    in->i_gid = (uint16_t)gid;
    in->i_gid_high = (uint16_t)(gid >> 16);
}

/* Undo a half-made inode: no link, nothing kept. */
static void discard(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    in->i_links_count = 0;
    if (ext2_iput_new(fs, ino, in) == 0)
        ext2_evict(fs, ino);
}

/* Add the entry for the new inode INO/IN (written here) to DIR/DIN (written here too). */
static int commit_new(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                      uint32_t ino, struct ext2_inode *in)
{
    int err = ext2_iput_new(fs, ino, in);

    if (!err)
        err = ext2_dir_add(fs, dir, din, name, len, ino, in->i_mode);
    if (err) {
        discard(fs, ino, in);
        ext2_iput(fs, dir, din); /* the directory may have changed (its index flag) */
        return err;
    }
    if (IS_DIR(in->i_mode))
        din->i_links_count++;
    din->i_mtime = din->i_ctime = ext2_now(fs);
    return ext2_iput(fs, dir, din);
}

static int new_inode(struct ext2_fs *fs, uint32_t dir, uint16_t mode, uint32_t uid, uint32_t gid, uint32_t *ino,
                     struct ext2_inode *in)
{
    int err = ext2_inode_alloc(fs, dir, IS_DIR(mode), ino);

    if (err)
        return err;
    memset(in, 0, sizeof(*in));
    in->i_mode = mode;
    set_ids(in, uid, gid);
    in->i_atime = in->i_ctime = in->i_mtime = ext2_now(fs);
    in->i_links_count = IS_DIR(mode) ? 2 : 1;
    in->i_generation = in->i_ctime * 2654435761u ^ *ino;
    return 0;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode, uint32_t uid,
                uint32_t gid, uint32_t rdev_major, uint32_t rdev_minor, uint32_t *ino)
{
    struct ext2_inode din, in;
    uint16_t type = mode & EXT2_S_IFMT;
    int err;

    if (type != EXT2_S_IFREG && type != EXT2_S_IFDIR && type != EXT2_S_IFCHR && type != EXT2_S_IFBLK &&
        type != EXT2_S_IFIFO && type != EXT2_S_IFSOCK)
        return -LX_EINVAL;
    err = prepare_add(fs, dir, &din, name, len);
    if (err)
        return err;
    if (type == EXT2_S_IFDIR && din.i_links_count >= EXT2_LINK_MAX)
        return -LX_EMLINK;
    err = new_inode(fs, dir, mode, uid, gid, ino, &in);
    if (err)
        return err;
    if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK) {
        if (rdev_major < 256 && rdev_minor < 256)
            in.i_block[0] = rdev_major << 8 | rdev_minor;
        else
            in.i_block[1] = (rdev_minor & 0xff) | (rdev_major & 0xfff) << 8 | (rdev_minor & ~0xffu) << 12;
    }
    if (type == EXT2_S_IFDIR) {
        err = ext2_dir_init(fs, *ino, &in, dir);
        if (err) {
            discard(fs, *ino, &in);
            return err;
        }
    }
    return commit_new(fs, dir, &din, name, len, *ino, &in);
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, const char *target, size_t tlen,
                 uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct ext2_inode din, in;
    int err;

    if (tlen == 0)
        return -LX_ENOENT;
    if (tlen >= fs->bsize)
        return -LX_ENAMETOOLONG;
    err = prepare_add(fs, dir, &din, name, len);
    if (!err)
        err = new_inode(fs, dir, EXT2_S_IFLNK | 0777, uid, gid, ino, &in);
    if (err)
        return err;
    if (tlen < sizeof(in.i_block)) {
        memcpy(in.i_block, target, tlen); /* fast: the text in the block pointers */
        in.i_size = (uint32_t)tlen;
    } else {
        int64_t n = ext2_write_raw(fs, *ino, &in, target, tlen);

        if (n != (int64_t)tlen) {
            discard(fs, *ino, &in);
            return n < 0 ? (int)n : -LX_ENOSPC;
        }
    }
    return commit_new(fs, dir, &din, name, len, *ino, &in);
}

int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t size)
{
    struct ext2_inode in;
    uint32_t acl_units, nr;
    void *h;
    uint8_t *data;
    int err = ext2_iget(fs, ino, &in);

    if (err)
        return err;
    if (!IS_TYPE(in.i_mode, EXT2_S_IFLNK))
        return -LX_EINVAL;
    acl_units = in.i_file_acl ? fs->bsize / 512 : 0;
    if (in.i_size >= (in.i_blocks > acl_units ? fs->bsize : sizeof(in.i_block))) {
        ext2_log(fs, "ext2: symlink %u: length %u does not fit its storage", ino, in.i_size);
        return -LX_EUCLEAN;
    }
    if (size > in.i_size)
        size = in.i_size;
    if (in.i_blocks <= acl_units) {
        memcpy(buf, in.i_block, size);
        return (int)size;
    }
    err = ext2_map(fs, ino, &in, 0, 0, &nr);
    if (err < 0)
        return err;
    if (nr == 0) {
        ext2_log(fs, "ext2: symlink %u: its block is missing", ino);
        return -LX_EUCLEAN;
    }
    err = ext2_bget(fs, nr, 0, &h, &data);
    if (err)
        return err;
    memcpy(buf, data, size);
    ext2_bput(fs, h);
    return (int)size;
}

int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino)
{
    struct ext2_inode din, in;
    int err = prepare_add(fs, dir, &din, name, len);

    if (!err)
        err = ext2_iget(fs, ino, &in);
    if (err)
        return err;
    if (IS_DIR(in.i_mode))
        return -LX_EPERM;
    if (in.i_links_count == 0)
        return -LX_ENOENT;
    if (in.i_links_count >= EXT2_LINK_MAX)
        return -LX_EMLINK;
    in.i_links_count++;
    in.i_ctime = ext2_now(fs);
    err = ext2_iput(fs, ino, &in); /* the count first: a crash leaves it one high, never low */
    if (!err)
        err = ext2_dir_add(fs, dir, &din, name, len, ino, in.i_mode);
    if (err) {
        in.i_links_count--;
        ext2_iput(fs, ino, &in);
        ext2_iput(fs, dir, &din);
        return err;
    }
    din.i_mtime = din.i_ctime = in.i_ctime;
    return ext2_iput(fs, dir, &din);
}

/* Find NAME in DIR for removal: the directory, the entry's offset, the inode and its copy. */
static int prepare_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                          uint64_t *off, uint32_t *ino, struct ext2_inode *in)
{
    int err;

    if (fs->rdonly)
        return -LX_EROFS;
    err = name_check(name, len);
    if (!err)
        err = ext2_iget(fs, dir, din);
    if (err)
        return err;
    if (!IS_DIR(din->i_mode))
        return -LX_ENOTDIR;
    err = ext2_dir_find(fs, dir, din, name, len, ino, off);
    if (!err)
        err = ext2_iget(fs, *ino, in);
    return err;
}

static void drop_link(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    if (in->i_links_count == 0)
        ext2_log(fs, "ext2: inode %u has a name but a link count of 0", ino);
    else
        in->i_links_count--;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino_out)
{
    struct ext2_inode din, in;
    uint64_t off;
    uint32_t ino;
    int err = prepare_remove(fs, dir, &din, name, len, &off, &ino, &in);

    if (err)
        return err;
    if (IS_DIR(in.i_mode))
        return -LX_EISDIR;
    err = ext2_dir_remove(fs, dir, &din, off);
    if (err)
        return err;
    din.i_mtime = din.i_ctime = in.i_ctime = ext2_now(fs);
    err = ext2_iput(fs, dir, &din);
    drop_link(fs, ino, &in);
    if (!err)
        err = ext2_iput(fs, ino, &in);
    if (ino_out)
        *ino_out = ino;
    return err;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino_out)
{
    struct ext2_inode din, in;
    uint64_t off;
    uint32_t ino;
    int err;

    if (len == 1 && name[0] == '.')
        return -LX_EINVAL;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return -LX_ENOTEMPTY;
    err = prepare_remove(fs, dir, &din, name, len, &off, &ino, &in);
    if (err)
        return err;
    if (!IS_DIR(in.i_mode))
        return -LX_ENOTDIR;
    if (ino == EXT2_ROOT_INO)
        return -LX_EBUSY;
    err = ext2_dir_empty(fs, ino, &in);
    if (err <= 0)
        return err < 0 ? err : -LX_ENOTEMPTY;
    err = ext2_dir_remove(fs, dir, &din, off);
    if (err)
        return err;
    din.i_mtime = din.i_ctime = in.i_ctime = ext2_now(fs);
    if (din.i_links_count > 2)
        din.i_links_count--; /* the child's ".." is gone */
    err = ext2_iput(fs, dir, &din);
    in.i_links_count = 0;
    if (!err)
        err = ext2_iput(fs, ino, &in);
    if (ino_out)
        *ino_out = ino;
    return err;
}

/* -LX_EINVAL if directory DIR is SRC or lies under it (moving SRC there would cut it off the tree). */
static int check_not_under(struct ext2_fs *fs, uint32_t src, uint32_t dir)
{
    for (uint32_t steps = 0; dir != EXT2_ROOT_INO; steps++) {
        struct ext2_inode in;
        uint32_t up;
        int err;

        if (dir == src)
            return -LX_EINVAL;
        if (steps > fs->sb.s_inodes_count) {
            ext2_log(fs, "ext2: the \"..\" chain from directory %u does not reach the root", dir);
            return -LX_EUCLEAN;
        }
        err = ext2_iget(fs, dir, &in);
        if (!err)
            err = ext2_dir_find(fs, dir, &in, "..", 2, &up, NULL);
        if (err)
            return err == -LX_ENOENT ? -LX_EUCLEAN : err;
        dir = up;
    }
    return 0;
}

struct rename_op {
    uint32_t odir, ndir, src, tgt;
    struct ext2_inode od, nd_own, *nd, sin, tin;
    uint64_t ooff, toff;
};

static int rename_checks(struct ext2_fs *fs, struct rename_op *r, const char *nname, size_t nlen, unsigned flags)
{
    int err;

    if (!IS_DIR(r->nd->i_mode))
        return -LX_ENOTDIR;
    if (r->nd->i_links_count == 0)
        return -LX_ENOENT;
    err = ext2_dir_find(fs, r->ndir, r->nd, nname, nlen, &r->tgt, &r->toff);
    if (err == -LX_ENOENT) {
        r->tgt = 0;
    } else if (err) {
        return err;
    } else {
        if (flags & EXT2_RENAME_NOREPLACE)
            return -LX_EEXIST;
        if (r->tgt == r->src)
            return 0;
        err = ext2_iget(fs, r->tgt, &r->tin);
        if (err)
            return err;
        if (IS_DIR(r->sin.i_mode) && !IS_DIR(r->tin.i_mode))
            return -LX_ENOTDIR;
        if (!IS_DIR(r->sin.i_mode) && IS_DIR(r->tin.i_mode))
            return -LX_EISDIR;
        if (IS_DIR(r->tin.i_mode)) {
            err = ext2_dir_empty(fs, r->tgt, &r->tin);
            if (err <= 0)
                return err < 0 ? err : -LX_ENOTEMPTY;
        }
    }
    if (IS_DIR(r->sin.i_mode) && r->odir != r->ndir) {
        err = check_not_under(fs, r->src, r->ndir);
        if (err)
            return err;
        if (!r->tgt && r->nd->i_links_count >= EXT2_LINK_MAX)
            return -LX_EMLINK;
    }
    return 0;
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir, const char *nname,
                size_t nlen, unsigned flags, uint32_t *replaced)
{
    struct rename_op r = {.odir = odir, .ndir = ndir};
    uint32_t now = ext2_now(fs);
    int err, moved_dir;

    if (replaced)
        *replaced = 0;
    if (flags & ~EXT2_RENAME_NOREPLACE)
        return -LX_EINVAL;
    if (is_dots(oname, olen) || is_dots(nname, nlen))
        return -LX_EBUSY;
    err = name_check(nname, nlen);
    if (!err)
        err = prepare_remove(fs, odir, &r.od, oname, olen, &r.ooff, &r.src, &r.sin);
    if (err)
        return err;
    r.nd = &r.od;
    if (ndir != odir) {
        r.nd = &r.nd_own;
        err = ext2_iget(fs, ndir, r.nd);
        if (err)
            return err;
    }
    err = rename_checks(fs, &r, nname, nlen, flags);
    if (err || r.tgt == r.src)
        return err;
    moved_dir = IS_DIR(r.sin.i_mode) && odir != ndir;
    /* The new name first, then the old one goes (a crash leaves two names, not none). */
    if (r.tgt)
        err = ext2_dir_set(fs, ndir, r.nd, r.toff, r.src, r.sin.i_mode);
    else
        err = ext2_dir_add(fs, ndir, r.nd, nname, nlen, r.src, r.sin.i_mode);
    if (!err)
        err = ext2_dir_remove(fs, odir, &r.od, r.ooff);
    if (!err && moved_dir) {
        uint64_t dotdot;
        uint32_t up;

        err = ext2_dir_find(fs, r.src, &r.sin, "..", 2, &up, &dotdot);
        if (!err)
            err = ext2_dir_set(fs, r.src, &r.sin, dotdot, ndir, EXT2_S_IFDIR);
        if (!err) {
            if (r.od.i_links_count > 2)
                r.od.i_links_count--;
            r.nd->i_links_count++;
        }
    }
    if (err) {
        ext2_iput(fs, odir, &r.od);
        if (r.nd != &r.od)
            ext2_iput(fs, ndir, r.nd);
        return err;
    }
    if (r.tgt) {
        if (IS_DIR(r.tin.i_mode)) {
            r.tin.i_links_count = 0;
            if (r.nd->i_links_count > 2)
                r.nd->i_links_count--; /* its ".." is gone */
        } else {
            drop_link(fs, r.tgt, &r.tin);
        }
        r.tin.i_ctime = now;
        err = ext2_iput(fs, r.tgt, &r.tin);
        if (replaced)
            *replaced = r.tgt;
    }
    r.sin.i_ctime = now;
    r.od.i_mtime = r.od.i_ctime = r.nd->i_mtime = r.nd->i_ctime = now;
    if (!err)
        err = ext2_iput(fs, r.src, &r.sin);
    if (!err)
        err = ext2_iput(fs, odir, &r.od);
    if (!err && r.nd != &r.od)
        err = ext2_iput(fs, ndir, r.nd);
    return err;
}
