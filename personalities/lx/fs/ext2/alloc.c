/*
 * ext2 block and inode allocation over the per-group bitmaps. Bit I of group G's block bitmap is block
 * s_first_data_block + G * s_blocks_per_group + I; bit I of its inode bitmap is inode
 * G * s_inodes_per_group + I + 1. Every change updates the bitmap, the group's descriptor (written
 * through) and the superblock's count (written at sync), so e2fsck finds them agreeing.
 *
 * A bitmap that contradicts the rest (a "free" block that is the group's own metadata, freeing a
 * block or inode that is already free) is reported as corruption instead of being believed.
 */
#include "ext2_int.h"
#include <string.h>

int ext2_block_valid(struct ext2_fs *fs, uint32_t nr)
{
    return nr > fs->sb.s_first_data_block && nr < fs->sb.s_blocks_count;
}

static uint32_t group_blocks(struct ext2_fs *fs, uint32_t g)
{
    uint32_t first = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
    uint32_t left = fs->sb.s_blocks_count - first;

    return left < fs->sb.s_blocks_per_group ? left : fs->sb.s_blocks_per_group;
}

/* The first clear bit in [from, n) of BITS, or n. */
static uint32_t find_clear(const uint8_t *bits, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < n; i++) {
        if (bits[i / 8] == 0xff && (i & 7) == 0) {
            i += 7;
            continue;
        }
        if (!(bits[i / 8] & (1u << (i & 7))))
            return i;
    }
    return n;
}

static int is_group_metadata(struct ext2_fs *fs, uint32_t g, uint32_t nr)
{
    const struct ext2_group_desc *d = &fs->gd[g];
    uint32_t itb = (uint32_t)(((uint64_t)fs->sb.s_inodes_per_group * fs->inode_size + fs->bsize - 1) / fs->bsize);

    return nr == d->bg_block_bitmap || nr == d->bg_inode_bitmap ||
           (nr >= d->bg_inode_table && nr < d->bg_inode_table + itb) || nr <= fs->sb.s_first_data_block;
}

/* Take a clear bit at or after FROM (wrapping) in group G's block bitmap; *nr the block. */
static int block_take(struct ext2_fs *fs, uint32_t g, uint32_t from, uint32_t *nr)
{
    uint32_t n = group_blocks(fs, g), bit;
    void *h;
    uint8_t *bits;
    int err = ext2_bget(fs, fs->gd[g].bg_block_bitmap, 0, &h, &bits);

    if (err < 0)
        return err;
    bit = find_clear(bits, from < n ? from : 0, n);
    if (bit == n)
        bit = find_clear(bits, 0, n);
    if (bit == n) {
        ext2_bput(fs, h);
        ext2_log(fs, "ext2: group %u says %u blocks are free but its bitmap is full", g,
                 fs->gd[g].bg_free_blocks_count);
        return -LX_EUCLEAN;
    }
    *nr = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group + bit;
    if (is_group_metadata(fs, g, *nr)) {
        ext2_bput(fs, h);
        ext2_log(fs, "ext2: group %u's bitmap marks its metadata block %u free", g, *nr);
        return -LX_EUCLEAN;
    }
    bits[bit / 8] |= (uint8_t)(1u << (bit & 7));
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    return 0;
}

int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    uint32_t g0 = 0, from = 0;
    int err;

    if (fs->sb.s_free_blocks_count == 0)
        return -LX_ENOSPC;
    if (ext2_block_valid(fs, goal)) {
        g0 = (goal - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
        from = (goal - fs->sb.s_first_data_block) % fs->sb.s_blocks_per_group;
    }
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint32_t g = (g0 + i) % fs->groups;

        if (fs->gd[g].bg_free_blocks_count == 0)
            continue;
        err = block_take(fs, g, i == 0 ? from : 0, out);
        if (err < 0)
            return err;
        fs->gd[g].bg_free_blocks_count--;
        fs->sb.s_free_blocks_count--;
        fs->sb_dirty = 1;
        return ext2_gd_write(fs, g);
    }
    return -LX_ENOSPC;
}

int ext2_block_free(struct ext2_fs *fs, uint32_t nr)
{
    uint32_t g, bit;
    void *h;
    uint8_t *bits;
    int err;

    if (!ext2_block_valid(fs, nr)) {
        ext2_log(fs, "ext2: freeing block %u outside the file system", nr);
        return -LX_EUCLEAN;
    }
    g = (nr - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
    bit = (nr - fs->sb.s_first_data_block) % fs->sb.s_blocks_per_group;
    if (is_group_metadata(fs, g, nr)) {
        ext2_log(fs, "ext2: freeing block %u, metadata of group %u", nr, g);
        return -LX_EUCLEAN;
    }
    err = ext2_bget(fs, fs->gd[g].bg_block_bitmap, 0, &h, &bits);
    if (err < 0)
        return err;
    if (!(bits[bit / 8] & (1u << (bit & 7)))) {
        ext2_bput(fs, h);
        ext2_log(fs, "ext2: freeing block %u, which is already free", nr);
        return -LX_EUCLEAN;
    }
    bits[bit / 8] &= (uint8_t)~(1u << (bit & 7));
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    fs->gd[g].bg_free_blocks_count++;
    fs->sb.s_free_blocks_count++;
    fs->sb_dirty = 1;
    return ext2_gd_write(fs, g);
}

/* A directory goes to the group with the most free inodes (spreading the tree); anything else near
 * its parent. */
static uint32_t inode_group(struct ext2_fs *fs, uint32_t parent, int is_dir)
{
    uint32_t best = fs->groups;

    if (is_dir) {
        for (uint32_t g = 0; g < fs->groups; g++)
            if (fs->gd[g].bg_free_inodes_count &&
                (best == fs->groups || fs->gd[g].bg_free_inodes_count > fs->gd[best].bg_free_inodes_count))
                best = g;
        return best;
    }
    uint32_t g0 = (parent - 1) / fs->sb.s_inodes_per_group;
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint32_t g = (g0 + i) % fs->groups;

        if (fs->gd[g].bg_free_inodes_count)
            return g;
    }
    return best;
}

int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, int is_dir, uint32_t *out)
{
    uint32_t g, bit, from, ipg = fs->sb.s_inodes_per_group;
    void *h;
    uint8_t *bits;
    int err;

    if (fs->sb.s_free_inodes_count == 0)
        return -LX_ENOSPC;
    g = inode_group(fs, parent, is_dir);
    if (g == fs->groups)
        return -LX_ENOSPC;
    err = ext2_bget(fs, fs->gd[g].bg_inode_bitmap, 0, &h, &bits);
    if (err < 0)
        return err;
    from = g == 0 ? fs->first_ino - 1 : 0;
    bit = find_clear(bits, from, ipg);
    if (bit == ipg) {
        ext2_bput(fs, h);
        ext2_log(fs, "ext2: group %u says %u inodes are free but its bitmap is full", g,
                 fs->gd[g].bg_free_inodes_count);
        return -LX_EUCLEAN;
    }
    bits[bit / 8] |= (uint8_t)(1u << (bit & 7));
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    fs->gd[g].bg_free_inodes_count--;
    if (is_dir)
        fs->gd[g].bg_used_dirs_count++;
    fs->sb.s_free_inodes_count--;
    fs->sb_dirty = 1;
    *out = g * ipg + bit + 1;
    return ext2_gd_write(fs, g);
}

int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, int is_dir)
{
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group, bit = (ino - 1) % fs->sb.s_inodes_per_group;
    void *h;
    uint8_t *bits;
    int err = ext2_bget(fs, fs->gd[g].bg_inode_bitmap, 0, &h, &bits);

    if (err < 0)
        return err;
    if (!(bits[bit / 8] & (1u << (bit & 7)))) {
        ext2_bput(fs, h);
        ext2_log(fs, "ext2: freeing inode %u, which is already free", ino);
        return -LX_EUCLEAN;
    }
    bits[bit / 8] &= (uint8_t)~(1u << (bit & 7));
    ext2_bdirty(fs, h);
    ext2_bput(fs, h);
    fs->gd[g].bg_free_inodes_count++;
    if (is_dir && fs->gd[g].bg_used_dirs_count)
        fs->gd[g].bg_used_dirs_count--;
    fs->sb.s_free_inodes_count++;
    fs->sb_dirty = 1;
    return ext2_gd_write(fs, g);
}
