/*
 * ext2 mount, unmount and sync: reading and checking the superblock and the group descriptors, the
 * feature gate, writing them back, statfs, and the engine's block and logging helpers.
 *
 * The superblock and the descriptors live in struct ext2_fs as copies. A descriptor is written
 * through to its block whenever it changes (so the cache always holds the truth); the superblock's
 * free counts are written at sync and unmount, and its state ("not clean" while mounted writable,
 * clean after unmount) at mount and unmount, as Linux's ext2 does.
 */
#include "ext2_int.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ext2_log(struct ext2_fs *fs, const char *fmt, ...)
{
    char line[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (fs->dev->log)
        fs->dev->log(fs->dev->ctx, line);
}

int ext2_bget(struct ext2_fs *fs, uint64_t nr, unsigned flags, void **h, uint8_t **data)
{
    int err = fs->dev->get(fs->dev->ctx, nr, flags, h, data);

    if (err < 0)
        ext2_log(fs, "ext2: cannot read block %llu: error %d", (unsigned long long)nr, -err);
    return err;
}

void ext2_bdirty(struct ext2_fs *fs, void *h) { fs->dev->dirty(fs->dev->ctx, h); }
void ext2_bput(struct ext2_fs *fs, void *h) { fs->dev->put(fs->dev->ctx, h); }
uint32_t ext2_now(struct ext2_fs *fs) { return fs->dev->now ? fs->dev->now(fs->dev->ctx) : 0; }
int ext2_is_rdonly(const struct ext2_fs *fs) { return fs->rdonly; }
uint32_t ext2_block_size(const struct ext2_fs *fs) { return fs->bsize; }

static int is_power_of(uint32_t n, uint32_t base)
{
    while (n > 1 && n % base == 0)
        n /= base;
    return n == 1;
}

/* sparse_super keeps superblock and descriptor copies only in groups 0, 1 and powers of 3, 5 and 7. */
int ext2_group_has_super(const struct ext2_fs *fs, uint32_t group)
{
    if (group <= 1 || !(fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER))
        return 1;
    return is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7);
}

static uint32_t gd_blocks(const struct ext2_fs *fs) { return (fs->groups + fs->gd_per_block - 1) / fs->gd_per_block; }

int ext2_gd_write(struct ext2_fs *fs, uint32_t group)
{
    uint64_t nr = fs->sb.s_first_data_block + 1 + group / fs->gd_per_block;
    void *h;
    uint8_t *data;
    int err = ext2_bget(fs, nr, 0, &h, &data);

    if (err < 0)
        return err;
    memcpy(data + (group % fs->gd_per_block) * sizeof(struct ext2_group_desc), &fs->gd[group],
           sizeof(struct ext2_group_desc));
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    return 0;
}

static int super_write(struct ext2_fs *fs)
{
    uint64_t nr = fs->bsize == 1024 ? 1 : 0;
    uint32_t off = fs->bsize == 1024 ? 0 : EXT2_SUPER_OFFSET;
    void *h;
    uint8_t *data;
    int err;

    fs->sb.s_wtime = ext2_now(fs);
    err = ext2_bget(fs, nr, 0, &h, &data);
    if (err < 0)
        return err;
    memcpy(data + off, &fs->sb, sizeof(fs->sb));
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    fs->sb_dirty = 0;
    return 0;
}

struct feature_name {
    uint32_t bit;
    const char *name;
};

static const struct feature_name incompat_names[] = {
    {0x0001, "compression"}, {0x0002, "filetype"}, {0x0004, "needs_recovery"}, {0x0008, "journal_dev"},
    {0x0010, "meta_bg"}, {0x0040, "extent"}, {0x0080, "64bit"}, {0x0100, "mmp"}, {0x0200, "flex_bg"},
    {0x0400, "ea_inode"}, {0x1000, "dirdata"}, {0x2000, "metadata_csum_seed"}, {0x4000, "large_dir"},
    {0x8000, "inline_data"}, {0x10000, "encrypt"}, {0x20000, "casefold"}, {0, NULL},
};

static const struct feature_name ro_compat_names[] = {
    {0x0001, "sparse_super"}, {0x0002, "large_file"}, {0x0004, "btree_dir"}, {0x0008, "huge_file"},
    {0x0010, "uninit_bg"}, {0x0020, "dir_nlink"}, {0x0040, "extra_isize"}, {0x0080, "snapshot"},
    {0x0100, "quota"}, {0x0200, "bigalloc"}, {0x0400, "metadata_csum"}, {0x0800, "replica"},
    {0x1000, "read-only"}, {0x2000, "project"}, {0x4000, "shared_blocks"}, {0x8000, "verity"}, {0, NULL},
};

/* "a b 0x..." for the bits of MASK. */
static void feature_list(char *out, size_t size, uint32_t mask, const struct feature_name *names)
{
    size_t n = 0;

    out[0] = 0;
    for (const struct feature_name *f = names; f->name; f++) {
        if (mask & f->bit) {
            n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? " " : "", f->name);
            mask &= ~f->bit;
        }
    }
    if (mask && n < size)
        snprintf(out + n, size - n, "%s0x%x", n ? " " : "", (unsigned)mask);
}

/* The superblock's own consistency (what the rest of the engine relies on). */
static int super_check(struct ext2_fs *fs)
{
    struct ext2_super *sb = &fs->sb;
    uint64_t bytes;

    if (sb->s_magic != EXT2_SUPER_MAGIC) {
        ext2_log(fs, "ext2: bad superblock magic 0x%04x (want 0xef53)", sb->s_magic);
        return -LX_EINVAL;
    }
    if (sb->s_log_block_size > 6) {
        ext2_log(fs, "ext2: block size 1024<<%u is out of range", (unsigned)sb->s_log_block_size);
        return -LX_EUCLEAN;
    }
    fs->bsize = 1024u << sb->s_log_block_size;
    fs->ptrs = fs->bsize / 4;
    fs->gd_per_block = fs->bsize / sizeof(struct ext2_group_desc);
    if (sb->s_rev_level == EXT2_GOOD_OLD_REV) {
        fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
        fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
    } else {
        fs->inode_size = sb->s_inode_size;
        fs->first_ino = sb->s_first_ino;
    }
    if (fs->inode_size < 128 || fs->inode_size > fs->bsize || (fs->inode_size & (fs->inode_size - 1))) {
        ext2_log(fs, "ext2: inode size %u is invalid", fs->inode_size);
        return -LX_EUCLEAN;
    }
    if (sb->s_first_data_block != (fs->bsize == 1024 ? 1u : 0u)) {
        ext2_log(fs, "ext2: first data block %u does not fit block size %u", sb->s_first_data_block, fs->bsize);
        return -LX_EUCLEAN;
    }
    if (sb->s_blocks_per_group == 0 || sb->s_blocks_per_group > 8 * fs->bsize || sb->s_inodes_per_group == 0 ||
        sb->s_inodes_per_group > 8 * fs->bsize) {
        ext2_log(fs, "ext2: %u blocks or %u inodes per group is out of range", sb->s_blocks_per_group,
                 sb->s_inodes_per_group);
        return -LX_EUCLEAN;
    }
    if (sb->s_blocks_count <= sb->s_first_data_block + 1) {
        ext2_log(fs, "ext2: block count %u is too small", sb->s_blocks_count);
        return -LX_EUCLEAN;
    }
    bytes = (uint64_t)sb->s_blocks_count * fs->bsize;
    if (bytes > fs->dev->bytes) {
        ext2_log(fs, "ext2: file system of %llu bytes is larger than the %llu-byte device",
                 (unsigned long long)bytes, (unsigned long long)fs->dev->bytes);
        return -LX_EUCLEAN;
    }
    fs->groups = (sb->s_blocks_count - sb->s_first_data_block + sb->s_blocks_per_group - 1) / sb->s_blocks_per_group;
    if ((uint64_t)fs->groups * sb->s_inodes_per_group != sb->s_inodes_count) {
        ext2_log(fs, "ext2: inode count %u is not %u groups of %u", sb->s_inodes_count, fs->groups,
                 sb->s_inodes_per_group);
        return -LX_EUCLEAN;
    }
    if (fs->first_ino <= EXT2_ROOT_INO || fs->first_ino >= sb->s_inodes_count) {
        ext2_log(fs, "ext2: first inode %u is out of range", fs->first_ino);
        return -LX_EUCLEAN;
    }
    if (sb->s_free_blocks_count > sb->s_blocks_count || sb->s_free_inodes_count > sb->s_inodes_count) {
        ext2_log(fs, "ext2: free counts %u blocks, %u inodes exceed the totals", sb->s_free_blocks_count,
                 sb->s_free_inodes_count);
        return -LX_EUCLEAN;
    }
    return 0;
}

static int features_check(struct ext2_fs *fs, unsigned flags)
{
    char list[160];
    uint32_t bad;

    if (fs->sb.s_rev_level == EXT2_GOOD_OLD_REV)
        return 0; /* revision 0 has no feature fields */
    bad = fs->sb.s_feature_incompat & ~(uint32_t)EXT2_FEATURE_INCOMPAT_SUPPORTED;
    if (bad) {
        feature_list(list, sizeof(list), bad, incompat_names);
        ext2_log(fs, "ext2: unsupported incompatible features: %s", list);
        return -LX_EINVAL;
    }
    bad = fs->sb.s_feature_ro_compat & ~(uint32_t)EXT2_FEATURE_RO_COMPAT_SUPPORTED;
    if (bad && !(flags & EXT2_MOUNT_RDONLY)) {
        feature_list(list, sizeof(list), bad, ro_compat_names);
        ext2_log(fs, "ext2: unsupported read-only-compatible features: %s; mounting read-only", list);
        fs->rdonly = 1;
    }
    return 0;
}

static int in_fs(const struct ext2_fs *fs, uint64_t first, uint64_t count)
{
    return first > fs->sb.s_first_data_block && first + count <= fs->sb.s_blocks_count && first + count > first;
}

static int gd_load(struct ext2_fs *fs)
{
    uint32_t itb = (uint32_t)(((uint64_t)fs->sb.s_inodes_per_group * fs->inode_size + fs->bsize - 1) / fs->bsize);
    uint64_t free_blocks = 0, free_inodes = 0;

    if (!in_fs(fs, fs->sb.s_first_data_block + 1, gd_blocks(fs))) {
        ext2_log(fs, "ext2: %u group descriptor blocks do not fit the file system", gd_blocks(fs));
        return -LX_EUCLEAN;
    }
    fs->gd = calloc(fs->groups, sizeof(*fs->gd));
    if (!fs->gd)
        return -LX_ENOMEM;
    for (uint32_t b = 0; b < gd_blocks(fs); b++) {
        void *h;
        uint8_t *data;
        uint32_t n = fs->groups - b * fs->gd_per_block;
        int err = ext2_bget(fs, fs->sb.s_first_data_block + 1 + b, 0, &h, &data);

        if (err < 0)
            return err;
        if (n > fs->gd_per_block)
            n = fs->gd_per_block;
        memcpy(&fs->gd[b * fs->gd_per_block], data, n * sizeof(struct ext2_group_desc));
        ext2_bput(fs, h);
    }
    for (uint32_t g = 0; g < fs->groups; g++) {
        const struct ext2_group_desc *d = &fs->gd[g];

        if (!in_fs(fs, d->bg_block_bitmap, 1) || !in_fs(fs, d->bg_inode_bitmap, 1) ||
            !in_fs(fs, d->bg_inode_table, itb)) {
            ext2_log(fs, "ext2: group %u descriptor points outside the file system (bitmaps %u, %u, table %u)", g,
                     d->bg_block_bitmap, d->bg_inode_bitmap, d->bg_inode_table);
            return -LX_EUCLEAN;
        }
        if (d->bg_free_blocks_count > fs->sb.s_blocks_per_group || d->bg_free_inodes_count > fs->sb.s_inodes_per_group) {
            ext2_log(fs, "ext2: group %u free counts (%u blocks, %u inodes) exceed the group", g,
                     d->bg_free_blocks_count, d->bg_free_inodes_count);
            return -LX_EUCLEAN;
        }
        free_blocks += d->bg_free_blocks_count;
        free_inodes += d->bg_free_inodes_count;
    }
    /* The descriptors' counts are the truth; Linux recomputes the superblock's the same way. */
    fs->sb.s_free_blocks_count = (uint32_t)free_blocks;
    fs->sb.s_free_inodes_count = (uint32_t)free_inodes;
    return 0;
}

static void fs_free(struct ext2_fs *fs)
{
    for (int i = 0; i < 3; i++)
        free(fs->scratch[i]);
    free(fs->gd);
    free(fs);
}

static int super_read(struct ext2_fs *fs)
{
    void *h;
    uint8_t *data;
    int err;

    if (fs->dev->bytes < 2048) {
        ext2_log(fs, "ext2: device of %llu bytes is too small", (unsigned long long)fs->dev->bytes);
        return -LX_EINVAL;
    }
    err = fs->dev->set_block_size(fs->dev->ctx, 1024);
    if (err < 0)
        return err;
    err = ext2_bget(fs, 1, 0, &h, &data);
    if (err < 0)
        return err;
    memcpy(&fs->sb, data, sizeof(fs->sb));
    ext2_bput(fs, h);
    return 0;
}

int ext2_mount(const struct ext2_dev *dev, unsigned flags, struct ext2_fs **out)
{
    struct ext2_fs *fs = calloc(1, sizeof(*fs));
    int err;

    if (!fs)
        return -LX_ENOMEM;
    fs->dev = dev;
    fs->rdonly = !!(flags & EXT2_MOUNT_RDONLY);
    err = super_read(fs);
    if (!err)
        err = super_check(fs);
    if (!err)
        err = features_check(fs, flags);
    if (!err)
        err = dev->set_block_size(dev->ctx, fs->bsize);
    if (!err)
        err = gd_load(fs);
    for (int i = 0; !err && i < 3; i++) {
        fs->scratch[i] = malloc(fs->bsize);
        if (!fs->scratch[i])
            err = -LX_ENOMEM;
    }
    if (!err && !(fs->sb.s_state & EXT2_VALID_FS))
        ext2_log(fs, "ext2: mounting a file system that was not cleanly unmounted; run e2fsck");
    else if (!err && (fs->sb.s_state & EXT2_ERROR_FS))
        ext2_log(fs, "ext2: mounting a file system with errors; run e2fsck");
    if (!err && !fs->rdonly) {
        fs->sb.s_state &= (uint16_t)~EXT2_VALID_FS;
        fs->sb.s_mnt_count++;
        fs->sb.s_mtime = ext2_now(fs);
        err = super_write(fs);
        if (!err)
            err = dev->sync(dev->ctx);
    }
    if (err) {
        fs_free(fs);
        return err;
    }
    *out = fs;
    return 0;
}

int ext2_sync(struct ext2_fs *fs)
{
    int err = 0;

    if (!fs->rdonly && fs->sb_dirty)
        err = super_write(fs);
    if (!err)
        err = fs->dev->sync(fs->dev->ctx);
    return err;
}

int ext2_unmount(struct ext2_fs *fs)
{
    int err = 0;

    if (!fs->rdonly) {
        fs->sb.s_state |= EXT2_VALID_FS;
        err = super_write(fs);
    }
    if (!err)
        err = fs->dev->sync(fs->dev->ctx);
    fs_free(fs);
    return err;
}

int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st)
{
    uint64_t overhead = fs->sb.s_first_data_block;
    uint32_t itb = (uint32_t)(((uint64_t)fs->sb.s_inodes_per_group * fs->inode_size + fs->bsize - 1) / fs->bsize);

    for (uint32_t g = 0; g < fs->groups; g++)
        overhead += (ext2_group_has_super(fs, g) ? 1 + gd_blocks(fs) : 0) + 2 + itb;
    memset(st, 0, sizeof(*st));
    st->bsize = fs->bsize;
    st->blocks = fs->sb.s_blocks_count > overhead ? fs->sb.s_blocks_count - overhead : 0;
    st->bfree = fs->sb.s_free_blocks_count;
    st->bavail = st->bfree > fs->sb.s_r_blocks_count ? st->bfree - fs->sb.s_r_blocks_count : 0;
    st->files = fs->sb.s_inodes_count;
    st->ffree = fs->sb.s_free_inodes_count;
    st->namelen = EXT2_NAME_MAX;
    for (int i = 0; i < 8; i++)
        st->fsid = st->fsid << 8 | (uint64_t)(fs->sb.s_uuid[i] ^ fs->sb.s_uuid[i + 8]);
    return 0;
}
