/*
 * ext2's on-disk structures and the engine's internals, shared by its files (not part of the API).
 * Layouts follow the ext4 documentation's "Data Structures" (superblock, block group descriptor,
 * inode, linear directory entry, hash tree); all fields are little-endian, and so are the machines
 * this runs on (x86_64), which the static assertion below holds to.
 */
#ifndef LX_FS_EXT2_INT_H
#define LX_FS_EXT2_INT_H

#include "ext2.h"
#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ext2 reads its little-endian structures in place: a big-endian host needs byte swaps here"
#endif

#define EXT2_SUPER_MAGIC 0xEF53
#define EXT2_SUPER_OFFSET 1024
#define EXT2_VALID_FS 1
#define EXT2_ERROR_FS 2
#define EXT2_GOOD_OLD_REV 0
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO 11

#define EXT2_FEATURE_COMPAT_DIR_PREALLOC 0x0001
#define EXT2_FEATURE_COMPAT_IMAGIC_INODES 0x0002
#define EXT2_FEATURE_COMPAT_HAS_JOURNAL 0x0004
#define EXT2_FEATURE_COMPAT_EXT_ATTR 0x0008
#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010
#define EXT2_FEATURE_COMPAT_DIR_INDEX 0x0020

#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_FEATURE_RO_COMPAT_SUPPORTED (EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE)

#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002
#define EXT2_FEATURE_INCOMPAT_SUPPORTED EXT2_FEATURE_INCOMPAT_FILETYPE

/* The superblock, at byte 1024 of the device (the fields ext2 uses; the rest is kept as it is). */
struct ext2_super {
    uint32_t s_inodes_count;
    uint32_t s_blocks_count;
    uint32_t s_r_blocks_count;
    uint32_t s_free_blocks_count;
    uint32_t s_free_inodes_count;
    uint32_t s_first_data_block;
    uint32_t s_log_block_size;
    uint32_t s_log_frag_size;
    uint32_t s_blocks_per_group;
    uint32_t s_frags_per_group;
    uint32_t s_inodes_per_group;
    uint32_t s_mtime;
    uint32_t s_wtime;
    uint16_t s_mnt_count;
    int16_t s_max_mnt_count;
    uint16_t s_magic;
    uint16_t s_state;
    uint16_t s_errors;
    uint16_t s_minor_rev_level;
    uint32_t s_lastcheck;
    uint32_t s_checkinterval;
    uint32_t s_creator_os;
    uint32_t s_rev_level;
    uint16_t s_def_resuid;
    uint16_t s_def_resgid;
    /* EXT2_DYNAMIC_REV */
    uint32_t s_first_ino;
    uint16_t s_inode_size;
    uint16_t s_block_group_nr;
    uint32_t s_feature_compat;
    uint32_t s_feature_incompat;
    uint32_t s_feature_ro_compat;
    uint8_t s_uuid[16];
    char s_volume_name[16];
    char s_last_mounted[64];
    uint32_t s_algorithm_usage_bitmap;
    uint8_t s_prealloc_blocks;
    uint8_t s_prealloc_dir_blocks;
    uint16_t s_reserved_gdt_blocks;
    uint8_t s_journal_uuid[16];
    uint32_t s_journal_inum;
    uint32_t s_journal_dev;
    uint32_t s_last_orphan;
    uint32_t s_hash_seed[4];
    uint8_t s_def_hash_version;
    uint8_t s_jnl_backup_type;
    uint16_t s_desc_size;
    uint32_t s_default_mount_opts;
    uint32_t s_first_meta_bg;
    uint32_t s_mkfs_time;
    uint32_t s_jnl_blocks[17];
    uint8_t s_rest[1024 - 0x150];
};
_Static_assert(sizeof(struct ext2_super) == 1024, "the superblock is 1024 bytes");
_Static_assert(__builtin_offsetof(struct ext2_super, s_inode_size) == 0x58, "s_inode_size at 0x58");
_Static_assert(__builtin_offsetof(struct ext2_super, s_feature_ro_compat) == 0x64, "ro_compat at 0x64");
_Static_assert(__builtin_offsetof(struct ext2_super, s_reserved_gdt_blocks) == 0xCE, "gdt reserve at 0xCE");
_Static_assert(__builtin_offsetof(struct ext2_super, s_jnl_blocks) == 0x10C, "jnl_blocks at 0x10C");

/* A block group descriptor (32 bytes in ext2). */
struct ext2_group_desc {
    uint32_t bg_block_bitmap;
    uint32_t bg_inode_bitmap;
    uint32_t bg_inode_table;
    uint16_t bg_free_blocks_count;
    uint16_t bg_free_inodes_count;
    uint16_t bg_used_dirs_count;
    uint16_t bg_flags;
    uint32_t bg_reserved[3];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32, "a group descriptor is 32 bytes");

#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_N_BLOCKS 15

/* The first 128 bytes of an inode (the "good old" inode; larger inodes carry more after it). */
struct ext2_inode {
    uint16_t i_mode;
    uint16_t i_uid;
    uint32_t i_size;
    uint32_t i_atime;
    uint32_t i_ctime;
    uint32_t i_mtime;
    uint32_t i_dtime;
    uint16_t i_gid;
    uint16_t i_links_count;
    uint32_t i_blocks;
    uint32_t i_flags;
    uint32_t i_osd1;
    uint32_t i_block[EXT2_N_BLOCKS];
    uint32_t i_generation;
    uint32_t i_file_acl;
    uint32_t i_size_high; /* i_dir_acl in revision 0 */
    uint32_t i_faddr;
    uint16_t i_blocks_hi;
    uint16_t i_file_acl_high;
    uint16_t i_uid_high;
    uint16_t i_gid_high;
    uint16_t i_checksum_lo;
    uint16_t i_reserved;
};
_Static_assert(sizeof(struct ext2_inode) == 128, "the old inode is 128 bytes");

#define EXT2_INDEX_FL 0x00001000
#define EXT2_EXTENTS_FL 0x00080000
#define EXT2_INLINE_DATA_FL 0x10000000

/* Offsets in the large inode's extra part. */
#define EXT2_I_EXTRA_ISIZE 128
#define EXT2_I_CTIME_EXTRA 132 /* then mtime_extra, atime_extra */

/* A linear directory entry (with the filetype feature: name_len is one byte, then the type). */
struct ext2_dirent {
    uint32_t inode;
    uint16_t rec_len;
    uint8_t name_len;
    uint8_t file_type;
    char name[];
};
#define EXT2_DIRENT_SIZE(n) ((8u + (n) + 3u) & ~3u)

enum { EXT2_FT_UNKNOWN, EXT2_FT_REG_FILE, EXT2_FT_DIR, EXT2_FT_CHRDEV, EXT2_FT_BLKDEV, EXT2_FT_FIFO,
       EXT2_FT_SOCK, EXT2_FT_SYMLINK, EXT2_FT_MAX };

#define EXT2_XATTR_MAGIC 0xEA020000u

/* One mount. */
struct ext2_fs {
    const struct ext2_dev *dev;
    struct ext2_super sb;
    struct ext2_group_desc *gd; /* all descriptors, a copy (written through on change) */
    uint32_t groups;
    uint32_t bsize;             /* block size in bytes */
    uint32_t ptrs;              /* block pointers per block */
    uint32_t inode_size;
    uint32_t first_ino;
    uint32_t gd_per_block;
    int rdonly;
    int sb_dirty;
    uint32_t *scratch[3];       /* one block each, for the truncate walk (one per indirection level) */
};

/* super.c */
void ext2_log(struct ext2_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ext2_bget(struct ext2_fs *fs, uint64_t nr, unsigned flags, void **h, uint8_t **data);
void ext2_bdirty(struct ext2_fs *fs, void *h);
void ext2_bput(struct ext2_fs *fs, void *h);
int ext2_gd_write(struct ext2_fs *fs, uint32_t group);
uint32_t ext2_now(struct ext2_fs *fs);
int ext2_group_has_super(const struct ext2_fs *fs, uint32_t group);

/* alloc.c */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_block_free(struct ext2_fs *fs, uint32_t nr);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, int is_dir, uint32_t *out);
int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, int is_dir);
int ext2_block_valid(struct ext2_fs *fs, uint32_t nr);

/* inode.c */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
int ext2_iput_new(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_inode *in, uint64_t size);
int ext2_map(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t fblock, int alloc,
             uint32_t *out);
int ext2_itruncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t size);
int ext2_check_ino(struct ext2_fs *fs, uint32_t ino);
int64_t ext2_write_raw(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const void *buf, size_t len);

/* dir.c */
int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                  uint32_t *ino, uint64_t *off);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint16_t mode);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t off);
int ext2_dir_set(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t off, uint32_t ino,
                 uint16_t mode);
int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din);
int ext2_dir_init(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t parent);
uint8_t ext2_mode_to_ft(uint16_t mode);

#endif
