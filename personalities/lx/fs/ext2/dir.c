/*
 * ext2 directories: linear entries (inode, rec_len, name_len, file_type, name) packed in the
 * directory's blocks, each entry's rec_len reaching to the next and the last to the end of the block.
 *
 * Directories indexed by dir_index (a hash tree, made by mke2fs -d for large directories) are read by
 * a linear scan: the tree's root and interior blocks are built to look like blocks of empty entries
 * ("." and a ".." spanning the block; one unused entry spanning the block). When the engine changes
 * an indexed directory it clears EXT2_INDEX_FL on the inode, which the format allows (the directory is
 * then a valid linear one; e2fsck -D or the next writer may index it again).
 *
 * Every block is checked as a whole before any entry of it is used: an entry shorter than its name,
 * running past its block, misaligned, or naming an inode out of range is corruption (-LX_EUCLEAN).
 */
#include "ext2_int.h"
#include <string.h>

#define IS_TYPE(mode, t) (((mode) & EXT2_S_IFMT) == (t))

static uint32_t rec_len_get(const struct ext2_fs *fs, const struct ext2_dirent *de)
{
    if (fs->bsize == 65536 && (de->rec_len == 65535 || de->rec_len == 0))
        return 65536;
    return de->rec_len;
}

static void rec_len_set(struct ext2_dirent *de, uint32_t len) { de->rec_len = (uint16_t)(len == 65536 ? 65535 : len); }

static int has_filetype(const struct ext2_fs *fs) { return !!(fs->sb.s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE); }

uint8_t ext2_mode_to_ft(uint16_t mode)
{
    switch (mode & EXT2_S_IFMT) {
    case EXT2_S_IFREG: return EXT2_FT_REG_FILE;
    case EXT2_S_IFDIR: return EXT2_FT_DIR;
    case EXT2_S_IFCHR: return EXT2_FT_CHRDEV;
    case EXT2_S_IFBLK: return EXT2_FT_BLKDEV;
    case EXT2_S_IFIFO: return EXT2_FT_FIFO;
    case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
    case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
    default: return EXT2_FT_UNKNOWN;
    }
}

static unsigned ft_to_dtype(uint8_t ft)
{
    static const uint8_t dt[EXT2_FT_MAX] = {EXT2_DT_UNKNOWN, EXT2_DT_REG, EXT2_DT_DIR, EXT2_DT_CHR,
                                            EXT2_DT_BLK,     EXT2_DT_FIFO, EXT2_DT_SOCK, EXT2_DT_LNK};
    return ft < EXT2_FT_MAX ? dt[ft] : EXT2_DT_UNKNOWN;
}

/* Check every entry of directory DIR's block BIDX (its bytes DATA). */
static int block_check(struct ext2_fs *fs, uint32_t dir, uint64_t bidx, const uint8_t *data)
{
    uint32_t off = 0;

    while (off < fs->bsize) {
        const struct ext2_dirent *de = (const void *)(data + off);
        uint32_t rec = fs->bsize - off >= 8 ? rec_len_get(fs, de) : 0;
        const char *what = NULL;

        if (fs->bsize - off < 8)
            what = "is cut by the end of the block";
        else if (rec < 8 || rec % 4)
            what = "has a bad record length";
        else if (rec > fs->bsize - off)
            what = "runs past the end of its block";
        else if (8u + de->name_len > rec)
            what = "has a name longer than its record";
        else if (de->inode && de->name_len == 0)
            what = "has an empty name";
        else if (de->inode > fs->sb.s_inodes_count)
            what = "names an inode out of range";
        if (what) {
            ext2_log(fs, "ext2: directory %u block %llu: entry at offset %u %s (rec_len %u, name_len %u, inode %u)",
                     dir, (unsigned long long)bidx, off, what, rec, fs->bsize - off >= 8 ? de->name_len : 0,
                     fs->bsize - off >= 8 ? de->inode : 0);
            return -LX_EUCLEAN;
        }
        off += rec;
    }
    return 0;
}

/* Hold block BIDX of directory DIR, checked: 1 (and the block in H and DATA), 0 for a hole, or -errno. */
static int dir_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t bidx, void **h, uint8_t **data)
{
    uint32_t nr;
    int err = ext2_map(fs, dir, din, bidx, 0, &nr);

    if (err < 0)
        return err;
    if (nr == 0)
        return 0;
    err = ext2_bget(fs, nr, 0, h, data);
    if (err)
        return err;
    err = block_check(fs, dir, bidx, *data);
    if (err) {
        ext2_bput(fs, *h);
        return err;
    }
    return 1;
}

static uint64_t dir_blocks(struct ext2_fs *fs, const struct ext2_inode *din) { return ext2_isize(din) / fs->bsize; }

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                  uint32_t *ino, uint64_t *off)
{
    for (uint64_t b = 0; b < dir_blocks(fs, din); b++) {
        void *h;
        uint8_t *data;
        int got = dir_block(fs, dir, din, b, &h, &data);

        if (got < 0)
            return got;
        for (uint32_t o = 0; got && o < fs->bsize;) {
            const struct ext2_dirent *de = (const void *)(data + o);

            if (de->inode && de->name_len == len && memcmp(de->name, name, len) == 0) {
                *ino = de->inode;
                if (off)
                    *off = b * fs->bsize + o;
                ext2_bput(fs, h);
                return 0;
            }
            o += rec_len_get(fs, de);
        }
        if (got)
            ext2_bput(fs, h);
    }
    return -LX_ENOENT;
}

static int check_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    int err = ext2_iget(fs, dir, din);

    if (err)
        return err;
    if (!IS_TYPE(din->i_mode, EXT2_S_IFDIR))
        return -LX_ENOTDIR;
    return 0;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
    struct ext2_inode din;
    int err;

    if (len > EXT2_NAME_MAX)
        return -LX_ENAMETOOLONG;
    if (len == 0)
        return -LX_ENOENT;
    err = check_dir(fs, dir, &din);
    if (!err)
        err = ext2_dir_find(fs, dir, &din, name, len, ino, NULL);
    return err;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, ext2_filldir_t emit, void *arg)
{
    struct ext2_inode din;
    int err = check_dir(fs, dir, &din);

    if (err)
        return err;
    while (*pos < dir_blocks(fs, &din) * fs->bsize) {
        uint64_t b = *pos / fs->bsize;
        uint8_t *copy = (uint8_t *)fs->scratch[0], *data;
        void *h;
        int got = dir_block(fs, dir, &din, b, &h, &data);

        if (got < 0)
            return got;
        if (!got) {
            *pos = (b + 1) * fs->bsize;
            continue;
        }
        /* EMIT runs on a copy: no block is held while the caller copies names out. */
        memcpy(copy, data, fs->bsize);
        ext2_bput(fs, h);
        for (uint32_t o = 0; o < fs->bsize;) {
            const struct ext2_dirent *de = (const void *)(copy + o);
            uint32_t rec = rec_len_get(fs, de);
            uint64_t here = b * fs->bsize + o;

            if (here >= *pos && de->inode) {
                unsigned type = has_filetype(fs) ? ft_to_dtype(de->file_type) : EXT2_DT_UNKNOWN;

                if (emit(arg, de->name, de->name_len, de->inode, type, here + rec))
                    return 0;
            }
            if (here + rec > *pos)
                *pos = here + rec;
            o += rec;
        }
        *pos = (b + 1) * fs->bsize;
    }
    return 0;
}

static void entry_fill(struct ext2_fs *fs, struct ext2_dirent *de, const char *name, size_t len, uint32_t ino,
                       uint16_t mode)
{
    de->inode = ino;
    de->name_len = (uint8_t)len;
    de->file_type = has_filetype(fs) ? ext2_mode_to_ft(mode) : 0;
    memcpy(de->name, name, len);
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint16_t mode)
{
    uint32_t need = EXT2_DIRENT_SIZE(len), nr;
    uint64_t nblocks = dir_blocks(fs, din);
    void *h;
    uint8_t *data;
    int err;

    din->i_flags &= ~(uint32_t)EXT2_INDEX_FL;
    for (uint64_t b = 0; b < nblocks; b++) {
        int got = dir_block(fs, dir, din, b, &h, &data);

        if (got < 0)
            return got;
        for (uint32_t o = 0; got && o < fs->bsize;) {
            struct ext2_dirent *de = (void *)(data + o);
            uint32_t rec = rec_len_get(fs, de), used = de->inode ? EXT2_DIRENT_SIZE(de->name_len) : 0;

            if (rec - used >= need) {
                if (used) { /* split: the new entry takes the slack after this one */
                    struct ext2_dirent *nde = (void *)(data + o + used);

                    rec_len_set(nde, rec - used);
                    rec_len_set(de, used);
                    de = nde;
                }
                entry_fill(fs, de, name, len, ino, mode);
                ext2_bdirty(fs, h);
                ext2_bput(fs, h);
                return 0;
            }
            o += rec;
        }
        if (got)
            ext2_bput(fs, h);
    }
    /* No room: a new block at the end, holding only this entry. */
    err = ext2_map(fs, dir, din, nblocks, 1, &nr);
    if (err < 0)
        return err;
    err = ext2_bget(fs, nr, EXT2_GET_NOREAD, &h, &data);
    if (err)
        return err;
    memset(data, 0, fs->bsize);
    rec_len_set((struct ext2_dirent *)data, fs->bsize);
    entry_fill(fs, (struct ext2_dirent *)data, name, len, ino, mode);
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    ext2_set_isize(din, (nblocks + 1) * fs->bsize);
    return 0;
}

/* Hold the block of the entry at byte OFF of DIR; *o its offset in the block, *prev the one before. */
static int entry_at(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t off, void **h, uint8_t **data,
                    uint32_t *o, int64_t *prev)
{
    int got = dir_block(fs, dir, din, off / fs->bsize, h, data);
    uint32_t want = (uint32_t)(off % fs->bsize);

    if (got < 0)
        return got;
    if (!got)
        return -LX_ENOENT;
    *prev = -1;
    for (*o = 0; *o < want;) {
        *prev = *o;
        *o += rec_len_get(fs, (struct ext2_dirent *)(*data + *o));
    }
    if (*o != want) {
        ext2_bput(fs, *h);
        return -LX_ENOENT;
    }
    return 0;
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t off)
{
    void *h;
    uint8_t *data;
    uint32_t o;
    int64_t prev;
    int err = entry_at(fs, dir, din, off, &h, &data, &o, &prev);

    if (err)
        return err;
    din->i_flags &= ~(uint32_t)EXT2_INDEX_FL;
    if (prev >= 0) { /* the previous entry absorbs this one's record */
        struct ext2_dirent *p = (void *)(data + prev);

        rec_len_set(p, rec_len_get(fs, p) + rec_len_get(fs, (struct ext2_dirent *)(data + o)));
    } else {
        ((struct ext2_dirent *)(data + o))->inode = 0;
    }
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    return 0;
}

int ext2_dir_set(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t off, uint32_t ino, uint16_t mode)
{
    void *h;
    uint8_t *data;
    uint32_t o;
    int64_t prev;
    int err = entry_at(fs, dir, din, off, &h, &data, &o, &prev);
    struct ext2_dirent *de;

    if (err)
        return err;
    din->i_flags &= ~(uint32_t)EXT2_INDEX_FL;
    de = (void *)(data + o);
    de->inode = ino;
    de->file_type = has_filetype(fs) ? ext2_mode_to_ft(mode) : 0;
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    return 0;
}

int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    for (uint64_t b = 0; b < dir_blocks(fs, din); b++) {
        void *h;
        uint8_t *data;
        int got = dir_block(fs, dir, din, b, &h, &data);

        if (got < 0)
            return got;
        for (uint32_t o = 0; got && o < fs->bsize;) {
            const struct ext2_dirent *de = (const void *)(data + o);
            int dot = (de->name_len == 1 && de->name[0] == '.') ||
                      (de->name_len == 2 && de->name[0] == '.' && de->name[1] == '.');

            if (de->inode && !dot) {
                ext2_bput(fs, h);
                return 0;
            }
            o += rec_len_get(fs, de);
        }
        if (got)
            ext2_bput(fs, h);
    }
    return 1;
}

int ext2_dir_init(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t parent)
{
    uint32_t nr;
    void *h;
    uint8_t *data;
    struct ext2_dirent *de;
    int err = ext2_map(fs, ino, in, 0, 1, &nr);

    if (err < 0)
        return err;
    err = ext2_bget(fs, nr, EXT2_GET_NOREAD, &h, &data);
    if (err)
        return err;
    memset(data, 0, fs->bsize);
    de = (void *)data;
    rec_len_set(de, 12);
    entry_fill(fs, de, ".", 1, ino, EXT2_S_IFDIR);
    de = (void *)(data + 12);
    rec_len_set(de, fs->bsize - 12);
    entry_fill(fs, de, "..", 2, parent, EXT2_S_IFDIR);
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    ext2_set_isize(in, fs->bsize);
    return 0;
}
