/*
 * ext2 inodes: reading and writing them in the inode tables, the block map (12 direct pointers, then
 * single, double and triple indirect blocks; a zero pointer is a hole that reads as zeros), file data,
 * truncation, eviction, stat and setattr.
 *
 * Every pointer read from disk is checked before it is followed: a block number outside the file
 * system, or an indirect block that points back at itself or at one of the blocks above it on its
 * path (a loop), is reported as corruption (-LX_EUCLEAN) and never followed. The walk holds at most
 * one indirect block at a time, plus the bitmaps the allocator touches.
 */
#include "ext2_int.h"
#include <string.h>

#define IS_TYPE(mode, t) (((mode) & EXT2_S_IFMT) == (t))

int ext2_check_ino(struct ext2_fs *fs, uint32_t ino)
{
    if (ino == 0 || ino > fs->sb.s_inodes_count) {
        ext2_log(fs, "ext2: inode number %u is out of range (1 to %u)", ino, fs->sb.s_inodes_count);
        return -LX_EUCLEAN;
    }
    return 0;
}

static int inode_block(struct ext2_fs *fs, uint32_t ino, uint64_t *nr, uint32_t *off)
{
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
    uint64_t byte = (uint64_t)((ino - 1) % fs->sb.s_inodes_per_group) * fs->inode_size;
    int err = ext2_check_ino(fs, ino);

    if (err)
        return err;
    *nr = fs->gd[g].bg_inode_table + byte / fs->bsize;
    *off = (uint32_t)(byte % fs->bsize);
    return 0;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    uint64_t nr;
    uint32_t off;
    void *h;
    uint8_t *data;
    int err = inode_block(fs, ino, &nr, &off);

    if (!err)
        err = ext2_bget(fs, nr, 0, &h, &data);
    if (err)
        return err;
    memcpy(in, data + off, sizeof(*in));
    ext2_bput(fs, h);
    if (in->i_flags & (EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL)) {
        ext2_log(fs, "ext2: inode %u uses extents or inline data (flags 0x%x), which ext2 has not", ino,
                 in->i_flags);
        return -LX_EUCLEAN;
    }
    return 0;
}

static int inode_store(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in, int fresh)
{
    uint64_t nr;
    uint32_t off;
    void *h;
    uint8_t *data;
    int err;

    if (fs->rdonly)
        return -LX_EROFS;
    err = inode_block(fs, ino, &nr, &off);
    if (!err)
        err = ext2_bget(fs, nr, 0, &h, &data);
    if (err)
        return err;
    if (fresh)
        memset(data + off, 0, fs->inode_size);
    memcpy(data + off, in, sizeof(*in));
    if (fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE) {
        uint16_t extra;

        if (fresh) {
            extra = fs->inode_size >= EXT2_GOOD_OLD_INODE_SIZE + 32 ? 32 : 0;
            memcpy(data + off + EXT2_I_EXTRA_ISIZE, &extra, 2);
        }
        memcpy(&extra, data + off + EXT2_I_EXTRA_ISIZE, 2);
        /* The engine keeps whole seconds: drop the sub-second parts of ctime, mtime and atime. */
        if (extra >= 16 && EXT2_GOOD_OLD_INODE_SIZE + (uint32_t)extra <= fs->inode_size)
            memset(data + off + EXT2_I_CTIME_EXTRA, 0, 12);
    }
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    return 0;
}

int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in) { return inode_store(fs, ino, in, 0); }
int ext2_iput_new(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in) { return inode_store(fs, ino, in, 1); }

uint64_t ext2_isize(const struct ext2_inode *in)
{
    uint64_t size = in->i_size;

    if (IS_TYPE(in->i_mode, EXT2_S_IFREG))
        size |= (uint64_t)in->i_size_high << 32;
    return size;
}

void ext2_set_isize(struct ext2_inode *in, uint64_t size)
{
    in->i_size = (uint32_t)size;
    if (IS_TYPE(in->i_mode, EXT2_S_IFREG))
        in->i_size_high = (uint32_t)(size >> 32);
}

/* The largest file: what the block map reaches, and what a 32-bit count of 512-byte units holds. */
static uint64_t max_size(struct ext2_fs *fs)
{
    uint64_t p = fs->ptrs, blocks = 12 + p + p * p + p * p * p;
    uint64_t cap = ((1ull << 32) - 1) * 512 / fs->bsize;

    if (blocks > cap - (cap / p) - 3)
        blocks = cap - (cap / p) - 3; /* leave room for the indirect blocks */
    return blocks * fs->bsize;
}

/* Allocate a block near GOAL; zero it on disk when ZERO. Counts it in the inode. */
static int new_block(struct ext2_fs *fs, struct ext2_inode *in, uint32_t goal, int zero, uint32_t *nr)
{
    int err = ext2_block_alloc(fs, goal, nr);

    if (err)
        return err;
    in->i_blocks += fs->bsize / 512;
    if (zero) {
        void *h;
        uint8_t *data;

        err = ext2_bget(fs, *nr, EXT2_GET_NOREAD, &h, &data);
        if (err)
            return err;
        memset(data, 0, fs->bsize);
        ext2_bdirty(fs, h);
        ext2_bput(fs, h);
    }
    return 0;
}

static int bad_pointer(struct ext2_fs *fs, uint32_t ino, uint32_t nr, const uint32_t *path, int depth)
{
    if (!ext2_block_valid(fs, nr)) {
        ext2_log(fs, "ext2: inode %u: block pointer %u is outside the file system", ino, nr);
        return 1;
    }
    for (int i = 0; i < depth; i++) {
        if (path[i] == nr) {
            ext2_log(fs, "ext2: inode %u: indirect block %u points back at itself (a loop)", ino, nr);
            return 1;
        }
    }
    return 0;
}

/*
 * Map file block FBLOCK of inode INO (its copy IN) to *OUT (0: a hole). ALLOC 1 fills a hole with a
 * fresh block (not zeroed: the caller writes it), ALLOC 2 with a zeroed one. Returns 1 when a block
 * was allocated (IN then changed, and the caller writes it back), 0 otherwise, or -errno.
 */
int ext2_map(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t fblock, int alloc, uint32_t *out)
{
    uint64_t p = fs->ptrs, idx[4];
    uint32_t path[4] = {0}, nr;
    int depth, slot, fresh = 0, err;

    if (fblock < EXT2_NDIR_BLOCKS) {
        depth = 0;
        slot = (int)fblock;
    } else if ((fblock -= EXT2_NDIR_BLOCKS) < p) {
        depth = 1;
        slot = EXT2_IND_BLOCK;
        idx[0] = fblock;
    } else if ((fblock -= p) < p * p) {
        depth = 2;
        slot = EXT2_DIND_BLOCK;
        idx[0] = fblock / p;
        idx[1] = fblock % p;
    } else if ((fblock -= p * p) < p * p * p) {
        depth = 3;
        slot = EXT2_TIND_BLOCK;
        idx[0] = fblock / (p * p);
        idx[1] = fblock / p % p;
        idx[2] = fblock % p;
    } else {
        return -LX_EFBIG;
    }
    nr = in->i_block[slot];
    if (nr == 0) {
        if (!alloc) {
            *out = 0;
            return 0;
        }
        err = new_block(fs, in, slot > 0 && in->i_block[slot - 1] ? in->i_block[slot - 1] + 1 : 0,
                        depth > 0 || alloc == 2, &nr);
        if (err)
            return err;
        in->i_block[slot] = nr;
        fresh = 1;
    } else if (bad_pointer(fs, ino, nr, path, 0)) {
        return -LX_EUCLEAN;
    }
    for (int level = 0; level < depth; level++) {
        void *h;
        uint8_t *data;
        uint32_t next;

        path[level] = nr;
        err = ext2_bget(fs, nr, 0, &h, &data);
        if (err)
            return err;
        next = ((uint32_t *)data)[idx[level]];
        ext2_bput(fs, h);
        if (next == 0) {
            if (!alloc) {
                *out = 0;
                return 0;
            }
            err = new_block(fs, in, nr + 1, level + 1 < depth || alloc == 2, &next);
            if (err)
                return err;
            err = ext2_bget(fs, nr, 0, &h, &data);
            if (err)
                return err;
            ((uint32_t *)data)[idx[level]] = next;
            ext2_bdirty(fs, h);
            ext2_bput(fs, h);
            fresh = 1;
        } else if (bad_pointer(fs, ino, next, path, level + 1)) {
            return -LX_EUCLEAN;
        }
        nr = next;
    }
    *out = nr;
    return fresh;
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint64_t fblock, int alloc, uint64_t *dblock)
{
    struct ext2_inode in;
    uint32_t nr;
    int err = ext2_iget(fs, ino, &in);

    if (err)
        return err;
    if (!IS_TYPE(in.i_mode, EXT2_S_IFREG))
        return -LX_EINVAL;
    if (alloc && fs->rdonly)
        return -LX_EROFS;
    err = ext2_map(fs, ino, &in, fblock, alloc ? 2 : 0, &nr);
    if (err < 0)
        return err;
    if (err == 1) {
        err = ext2_iput(fs, ino, &in);
        if (err)
            return err;
    }
    *dblock = nr;
    return 0;
}

int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t len)
{
    struct ext2_inode in;
    uint64_t size;
    size_t done = 0;
    int err = ext2_iget(fs, ino, &in);

    if (err)
        return err;
    if (IS_TYPE(in.i_mode, EXT2_S_IFDIR))
        return -LX_EISDIR;
    if (!IS_TYPE(in.i_mode, EXT2_S_IFREG))
        return -LX_EINVAL;
    size = ext2_isize(&in);
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t in_block = (uint32_t)(pos % fs->bsize), nr;
        size_t n = fs->bsize - in_block;

        if (n > len - done)
            n = len - done;
        err = ext2_map(fs, ino, &in, pos / fs->bsize, 0, &nr);
        if (err < 0)
            return done ? (int64_t)done : err;
        if (nr == 0) {
            memset((uint8_t *)buf + done, 0, n);
        } else {
            void *h;
            uint8_t *data;

            err = ext2_bget(fs, nr, 0, &h, &data);
            if (err)
                return done ? (int64_t)done : err;
            memcpy((uint8_t *)buf + done, data + in_block, n);
            ext2_bput(fs, h);
        }
        done += n;
    }
    return (int64_t)done;
}

/* Setting a size past 2 GiB needs the large_file feature: turn it on as Linux does. */
static void need_large_file(struct ext2_fs *fs, uint64_t size)
{
    if (size > 0x7fffffffu && !(fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE)) {
        fs->sb.s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
        if (fs->sb.s_rev_level == EXT2_GOOD_OLD_REV) {
            /* feature fields exist from the dynamic revision on, which also names the inode layout */
            fs->sb.s_rev_level = 1;
            fs->sb.s_first_ino = EXT2_GOOD_OLD_FIRST_INO;
            fs->sb.s_inode_size = EXT2_GOOD_OLD_INODE_SIZE;
        }
        fs->sb_dirty = 1;
    }
}

/* Write LEN bytes at OFF of inode INO (its copy IN, written back by the caller). */
static int64_t write_data(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t off, const void *buf,
                          size_t len)
{
    size_t done = 0;
    int err = 0;

    while (done < len) {
        uint64_t pos = off + done;
        uint32_t in_block = (uint32_t)(pos % fs->bsize), nr;
        size_t n = fs->bsize - in_block;
        void *h;
        uint8_t *data;
        int fresh;

        if (n > len - done)
            n = len - done;
        fresh = ext2_map(fs, ino, in, pos / fs->bsize, 1, &nr);
        if (fresh < 0) {
            err = fresh;
            break;
        }
        err = ext2_bget(fs, nr, fresh || n == fs->bsize ? EXT2_GET_NOREAD : 0, &h, &data);
        if (err)
            break;
        if (fresh && n != fs->bsize)
            memset(data, 0, fs->bsize);
        memcpy(data + in_block, (const uint8_t *)buf + done, n);
        ext2_bdirty(fs, h);
        ext2_bput(fs, h);
        done += n;
    }
    if (off + done > ext2_isize(in)) {
        need_large_file(fs, off + done);
        ext2_set_isize(in, off + done);
    }
    return done ? (int64_t)done : err;
}

int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len)
{
    struct ext2_inode in, before;
    int64_t n;
    int err;

    if (fs->rdonly)
        return -LX_EROFS;
    err = ext2_iget(fs, ino, &in);
    if (err)
        return err;
    if (IS_TYPE(in.i_mode, EXT2_S_IFDIR))
        return -LX_EISDIR;
    if (!IS_TYPE(in.i_mode, EXT2_S_IFREG))
        return -LX_EINVAL;
    if (len == 0)
        return 0;
    if (off >= max_size(fs))
        return -LX_EFBIG;
    if (len > max_size(fs) - off)
        len = (size_t)(max_size(fs) - off);
    before = in;
    n = write_data(fs, ino, &in, off, buf, len);
    if (n > 0)
        in.i_mtime = in.i_ctime = ext2_now(fs);
    if (memcmp(&before, &in, sizeof(in)) != 0) {
        /* Even a failed write may have allocated an indirect block that the inode now holds. */
        err = ext2_iput(fs, ino, &in);
        if (err)
            return err;
    }
    return n;
}

/* Also used to write a slow symlink's block. */
int64_t ext2_write_raw(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const void *buf, size_t len)
{
    return write_data(fs, ino, in, 0, buf, len);
}

static int release_block(struct ext2_fs *fs, struct ext2_inode *in, uint32_t nr)
{
    int err = ext2_block_free(fs, nr);

    if (!err)
        in->i_blocks = in->i_blocks >= fs->bsize / 512 ? in->i_blocks - fs->bsize / 512 : 0;
    return err;
}

/*
 * Free what indirect block NR (at LEVEL: 1 holds data pointers) maps at and after KEEP, a count of
 * file blocks relative to the start of its range; PATH/DEPTH are the blocks above it (loop check).
 * With KEEP 0 the caller frees NR itself afterwards.
 */
static int free_tree(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t nr, int level, uint64_t keep,
                     uint32_t *path, int depth)
{
    uint32_t *ptrs = fs->scratch[level - 1];
    uint64_t span = 1;
    void *h;
    uint8_t *data;
    int err, changed = 0;

    for (int i = 1; i < level; i++)
        span *= fs->ptrs;
    err = ext2_bget(fs, nr, 0, &h, &data);
    if (err)
        return err;
    memcpy(ptrs, data, fs->bsize);
    ext2_bput(fs, h);
    path[depth] = nr;
    for (uint32_t i = 0; i < fs->ptrs && !err; i++) {
        uint64_t start = i * span;
        uint32_t child = ptrs[i];

        if (start + span <= keep || child == 0)
            continue;
        if (bad_pointer(fs, ino, child, path, depth + 1)) {
            err = -LX_EUCLEAN;
            break;
        }
        if (level > 1)
            err = free_tree(fs, ino, in, child, level - 1, start >= keep ? 0 : keep - start, path, depth + 1);
        if (!err && start >= keep) {
            err = release_block(fs, in, child);
            if (!err) {
                ptrs[i] = 0;
                changed = 1;
            }
        }
    }
    if (changed && (keep > 0 || err)) {
        /* NR stays: write its cleared slots (the deeper walks use other scratch blocks). */
        int werr = ext2_bget(fs, nr, 0, &h, &data);

        if (werr)
            return werr;
        memcpy(data, ptrs, fs->bsize);
        ext2_bdirty(fs, h);
        ext2_bput(fs, h);
    }
    return err;
}

/* Free the blocks of IN from file block FIRST on. */
static int free_from(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first)
{
    uint64_t p = fs->ptrs, base = EXT2_NDIR_BLOCKS, span = p;
    uint32_t path[4] = {0};
    int err = 0;

    for (uint64_t i = first; i < EXT2_NDIR_BLOCKS && !err; i++) {
        if (in->i_block[i] == 0)
            continue;
        if (bad_pointer(fs, ino, in->i_block[i], path, 0))
            return -LX_EUCLEAN;
        err = release_block(fs, in, in->i_block[i]);
        if (!err)
            in->i_block[i] = 0;
    }
    for (int level = 1; level <= 3 && !err; level++, base += span, span *= p) {
        uint32_t nr = in->i_block[EXT2_IND_BLOCK + level - 1];

        if (nr == 0 || first >= base + span)
            continue;
        if (bad_pointer(fs, ino, nr, path, 0))
            return -LX_EUCLEAN;
        err = free_tree(fs, ino, in, nr, level, first > base ? first - base : 0, path, 0);
        if (!err && first <= base) {
            err = release_block(fs, in, nr);
            if (!err)
                in->i_block[EXT2_IND_BLOCK + level - 1] = 0;
        }
    }
    return err;
}

/* Whether IN's i_block holds block pointers (not a fast symlink's text or a device number). */
static int has_blocks(struct ext2_fs *fs, const struct ext2_inode *in)
{
    uint32_t acl_units = in->i_file_acl ? fs->bsize / 512 : 0;

    if (IS_TYPE(in->i_mode, EXT2_S_IFLNK))
        return in->i_blocks > acl_units;
    return IS_TYPE(in->i_mode, EXT2_S_IFREG) || IS_TYPE(in->i_mode, EXT2_S_IFDIR);
}

int ext2_itruncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t size)
{
    uint64_t old = ext2_isize(in);
    int err = 0;

    if (size > max_size(fs))
        return -LX_EFBIG;
    if (size < old && has_blocks(fs, in)) {
        uint32_t tail = (uint32_t)(size % fs->bsize), nr;

        err = free_from(fs, ino, in, (size + fs->bsize - 1) / fs->bsize);
        if (!err && tail) {
            /* Zero the rest of the last block, so that growing the file again shows zeros there. */
            err = ext2_map(fs, ino, in, size / fs->bsize, 0, &nr);
            if (err >= 0 && nr) {
                void *h;
                uint8_t *data;

                err = ext2_bget(fs, nr, 0, &h, &data);
                if (!err) {
                    memset(data + tail, 0, fs->bsize - tail);
                    ext2_bdirty(fs, h);
                    ext2_bput(fs, h);
                }
            }
        }
    }
    if (err < 0)
        return err;
    need_large_file(fs, size);
    ext2_set_isize(in, size);
    return 0;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
    struct ext2_setattr sa = {.valid = EXT2_SET_SIZE, .size = size};

    return ext2_setattr(fs, ino, &sa);
}

/* Drop the inode's reference to its extended-attribute block (shared blocks carry a count). */
static int release_xattr(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    uint32_t nr = in->i_file_acl, *hdr;
    void *h;
    uint8_t *data;
    int err;

    if (nr == 0)
        return 0;
    if (!ext2_block_valid(fs, nr)) {
        ext2_log(fs, "ext2: inode %u: attribute block %u is outside the file system", ino, nr);
        return -LX_EUCLEAN;
    }
    err = ext2_bget(fs, nr, 0, &h, &data);
    if (err)
        return err;
    hdr = (uint32_t *)data;
    if (hdr[0] != EXT2_XATTR_MAGIC) {
        ext2_bput(fs, h);
        ext2_log(fs, "ext2: inode %u: attribute block %u has bad magic 0x%08x", ino, nr, hdr[0]);
        return -LX_EUCLEAN;
    }
    if (hdr[1] > 1) {
        hdr[1]--;
        ext2_bdirty(fs, h);
        ext2_bput(fs, h);
    } else {
        ext2_bput(fs, h);
        err = release_block(fs, in, nr);
        if (err)
            return err;
    }
    in->i_file_acl = 0;
    return 0;
}

int ext2_evict(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_inode in;
    int err = ext2_iget(fs, ino, &in);

    if (err)
        return err;
    if (in.i_links_count > 0 || in.i_mode == 0 || in.i_dtime)
        return 0;
    if (fs->rdonly)
        return -LX_EROFS;
    if (has_blocks(fs, &in))
        err = free_from(fs, ino, &in, 0);
    if (!err)
        err = release_xattr(fs, ino, &in);
    if (err)
        return err;
    ext2_set_isize(&in, 0);
    in.i_dtime = ext2_now(fs);
    if (in.i_dtime == 0)
        in.i_dtime = 1;
    if (!IS_TYPE(in.i_mode, EXT2_S_IFREG) && !IS_TYPE(in.i_mode, EXT2_S_IFDIR))
        memset(in.i_block, 0, sizeof(in.i_block));
    err = ext2_iput(fs, ino, &in);
    if (!err)
        err = ext2_inode_free(fs, ino, IS_TYPE(in.i_mode, EXT2_S_IFDIR));
    return err;
}

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
    struct ext2_inode in;
    int err = ext2_iget(fs, ino, &in);

    if (err)
        return err;
    memset(st, 0, sizeof(*st));
    st->ino = ino;
    st->mode = in.i_mode;
    st->nlink = in.i_links_count;
    st->uid = in.i_uid | (uint32_t)in.i_uid_high << 16;
    st->gid = in.i_gid | (uint32_t)in.i_gid_high << 16;
    st->size = ext2_isize(&in);
    st->blocks = in.i_blocks;
    st->atime = in.i_atime;
    st->mtime = in.i_mtime;
    st->ctime = in.i_ctime;
    st->flags = in.i_flags;
    st->generation = in.i_generation;
    if (IS_TYPE(in.i_mode, EXT2_S_IFCHR) || IS_TYPE(in.i_mode, EXT2_S_IFBLK)) {
        if (in.i_block[0]) { /* the old 8:8 encoding */
            st->rdev_major = (in.i_block[0] >> 8) & 0xff;
            st->rdev_minor = in.i_block[0] & 0xff;
        } else { /* the new one: minor's low byte, 12 bits of major, minor's high bits */
            st->rdev_major = (in.i_block[1] >> 8) & 0xfff;
            st->rdev_minor = (in.i_block[1] & 0xff) | ((in.i_block[1] >> 12) & 0xfff00);
        }
    }
    return 0;
}

int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_setattr *sa)
{
    struct ext2_inode in;
    uint32_t now = ext2_now(fs);
    int err;

    if (fs->rdonly)
        return -LX_EROFS;
    err = ext2_iget(fs, ino, &in);
    if (err)
        return err;
    if (sa->valid & EXT2_SET_SIZE) {
        if (IS_TYPE(in.i_mode, EXT2_S_IFDIR))
            return -LX_EISDIR;
        if (!IS_TYPE(in.i_mode, EXT2_S_IFREG))
            return -LX_EINVAL;
        if (sa->size != ext2_isize(&in)) {
            err = ext2_itruncate(fs, ino, &in, sa->size);
            if (err) {
                ext2_iput(fs, ino, &in); /* keep what was freed in the inode's count */
                return err;
            }
            in.i_mtime = now;
        }
    }
    if (sa->valid & EXT2_SET_MODE)
        in.i_mode = (uint16_t)((in.i_mode & EXT2_S_IFMT) | (sa->mode & 07777));
    if (sa->valid & EXT2_SET_UID) {
        in.i_uid = (uint16_t)sa->uid;
        in.i_uid_high = (uint16_t)(sa->uid >> 16);
    }
    if (sa->valid & EXT2_SET_GID) {
        in.i_gid = (uint16_t)sa->gid;
        in.i_gid_high = (uint16_t)(sa->gid >> 16);
    }
    if (sa->valid & EXT2_SET_ATIME)
        in.i_atime = sa->atime;
    if (sa->valid & EXT2_SET_MTIME)
        in.i_mtime = sa->mtime;
    in.i_ctime = (sa->valid & EXT2_SET_CTIME) ? sa->ctime : now;
    return ext2_iput(fs, ino, &in);
}
