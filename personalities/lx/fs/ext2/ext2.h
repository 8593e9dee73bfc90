/*
 * ext2: a read-write engine for the second extended file system, as Linux's ext2 driver and Debian's
 * e2fsprogs read and write it (the on-disk format of the kernel's ext4 "Data Structures and Algorithms"
 * documentation, restricted to what ext2 uses). Portable C: it runs in lx and in the host tests.
 *
 * The engine is synchronous code over a small buffer-cache interface (struct ext2_dev below) that the
 * caller provides: in lx a cache miss suspends the calling process until the disk answers, on the host
 * the tests serve blocks from an image file. Its rules, which the engine keeps:
 *   1. A block's bytes are valid from get() until put(); the engine never touches them after put().
 *   2. The engine holds at most EXT2_MAX_HELD blocks at once (get() without put()).
 *   3. All state lives in the per-mount struct ext2_fs: no globals. Calls on one mount must not
 *      overlap (the caller serializes them, e.g. with a sleeping lock per mount, because get() may
 *      suspend the caller in the middle of an update); different mounts are independent.
 *
 * Every function returns 0 (or a count) on success and a negative Linux errno (LX_E* from linux.h) on
 * failure. A corrupt structure found on disk gives -LX_EUCLEAN (or -LX_EIO where the device failed)
 * and a message through dev->log naming what was found; a read-only mount gives -LX_EROFS for writes.
 *
 * Inodes are named by number. The engine never frees an inode when its last link goes (unlink, rmdir,
 * rename over it): the caller calls ext2_evict() when it drops its last reference to an inode (an open
 * file that was unlinked keeps its blocks until then), and ext2_evict() frees it if no link is left.
 */
#ifndef LX_FS_EXT2_H
#define LX_FS_EXT2_H

#include "linux.h"
#include <stddef.h>
#include <stdint.h>

#ifndef LX_EUCLEAN
#define LX_EUCLEAN 117 /* "structure needs cleaning": what Linux's file systems return for corruption */
#endif

#ifndef LX_EMLINK
#define LX_EMLINK 31 /* too many links */
#endif

#define EXT2_ROOT_INO 2
#define EXT2_LINK_MAX 32000 /* the most links an inode may have (Linux's EXT2_LINK_MAX) */
#define EXT2_NAME_MAX 255
#define EXT2_MAX_HELD 3 /* rule 2: the most blocks the engine holds at once */

/* Flags of ext2_dev.get(). */
#define EXT2_GET_NOREAD 1u /* the engine overwrites the whole block: the cache need not read it */

/*
 * The buffer cache the engine runs over (given at mount, kept by pointer: it must outlive the mount).
 * Block numbers are in units of the size set by set_block_size(), which starts at 1024 and is called
 * once at mount with the file system's block size (1024 to 65536) before any block of that size is
 * asked for. A handle identifies one held block.
 */
struct ext2_dev {
    void *ctx;        /* passed back to every callback */
    uint64_t bytes;   /* the device's size in bytes: a file system larger than this is refused */
    /* Use blocks of SIZE bytes from now on (0 or -errno). */
    int (*set_block_size)(void *ctx, uint32_t size);
    /* Hold block NR: *data points to its bytes until put(). 0 or -errno (-LX_EIO for a device error). */
    int (*get)(void *ctx, uint64_t nr, unsigned flags, void **handle, uint8_t **data);
    /* The held block was changed: write it back some time (before sync() returns at the latest). */
    void (*dirty)(void *ctx, void *handle);
    /* Let go of a held block. */
    void (*put)(void *ctx, void *handle);
    /* Write every dirty block to the device and flush the device's cache (0 or -errno). */
    int (*sync)(void *ctx);
    /* Seconds since the epoch, for timestamps. */
    uint32_t (*now)(void *ctx);
    /* One line, without a newline, saying what the engine found (corruption, refused features). */
    void (*log)(void *ctx, const char *msg);
};

struct ext2_fs; /* one mount; made by ext2_mount, freed by ext2_unmount */

/* Flags of ext2_mount(). */
#define EXT2_MOUNT_RDONLY 1u

/*
 * Read and check the superblock and the group descriptors. An unsupported incompatible feature
 * refuses the mount (-LX_EINVAL, with a message naming the features); an unsupported
 * read-only-compatible one mounts read-only (with a message). A writable mount marks the file system
 * "not clean" on disk until ext2_unmount().
 */
int ext2_mount(const struct ext2_dev *dev, unsigned flags, struct ext2_fs **out);
/* Write back everything, mark the file system clean (writable mounts), sync, and free FS. */
int ext2_unmount(struct ext2_fs *fs);
/* Write back the superblock and descriptors and everything dirty, then flush (sync, syncfs, fsync). */
int ext2_sync(struct ext2_fs *fs);
int ext2_is_rdonly(const struct ext2_fs *fs);
uint32_t ext2_block_size(const struct ext2_fs *fs);

struct ext2_statfs {
    uint32_t bsize;   /* block size */
    uint64_t blocks;  /* data blocks: the total less the metadata overhead (as Linux's default bsddf) */
    uint64_t bfree;   /* free blocks */
    uint64_t bavail;  /* free blocks less the ones reserved for root */
    uint64_t files;   /* inodes */
    uint64_t ffree;   /* free inodes */
    uint32_t namelen; /* EXT2_NAME_MAX */
    uint64_t fsid;    /* from the UUID */
};
int ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st);

/* Linux's mode bits (the on-disk i_mode uses the same values). */
#define EXT2_S_IFMT 0170000
#define EXT2_S_IFSOCK 0140000
#define EXT2_S_IFLNK 0120000
#define EXT2_S_IFREG 0100000
#define EXT2_S_IFBLK 0060000
#define EXT2_S_IFDIR 0040000
#define EXT2_S_IFCHR 0020000
#define EXT2_S_IFIFO 0010000

/* d_type values of readdir (Linux's DT_*). */
#define EXT2_DT_UNKNOWN 0
#define EXT2_DT_FIFO 1
#define EXT2_DT_CHR 2
#define EXT2_DT_DIR 4
#define EXT2_DT_BLK 6
#define EXT2_DT_REG 8
#define EXT2_DT_LNK 10
#define EXT2_DT_SOCK 12

/* An inode's attributes, decoded. */
struct ext2_stat {
    uint32_t ino;
    uint16_t mode;      /* type and permission bits */
    uint16_t nlink;
    uint32_t uid, gid;  /* 32-bit (low and high halves joined) */
    uint64_t size;
    uint64_t blocks;    /* 512-byte units allocated, indirect blocks included (st_blocks) */
    uint32_t atime, mtime, ctime;
    uint32_t rdev_major, rdev_minor; /* device nodes */
    uint32_t flags;     /* i_flags */
    uint32_t generation;
};
int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);

/* setattr: the fields named in VALID change (ctime is set to now unless EXT2_SET_CTIME gives it). */
#define EXT2_SET_MODE 0x01u  /* permission bits only (07777); the type never changes */
#define EXT2_SET_UID 0x02u
#define EXT2_SET_GID 0x04u
#define EXT2_SET_SIZE 0x08u  /* truncate or extend (a hole) */
#define EXT2_SET_ATIME 0x10u
#define EXT2_SET_MTIME 0x20u
#define EXT2_SET_CTIME 0x40u
struct ext2_setattr {
    unsigned valid;
    uint16_t mode;
    uint32_t uid, gid;
    uint64_t size;
    uint32_t atime, mtime, ctime;
};
int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_setattr *sa);

/* Drop the caller's last reference to INO: if no link is left, free its blocks and the inode. */
int ext2_evict(struct ext2_fs *fs, uint32_t ino);

/* File data. read returns the bytes read (0 at or past the end; holes read as zeros); write returns the
 * bytes written, growing the file, and sets mtime and ctime. */
int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t len);
int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len);
/* Set the size (freeing blocks past it, or leaving a hole) and mtime/ctime. */
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);
/* Map file block FBLOCK (in file-system blocks) to a device block (*dblock = 0 for a hole); with
 * ALLOC, fill a hole with a zeroed block first (for MAP_SHARED write-back). Regular files only. */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint64_t fblock, int alloc, uint64_t *dblock);

/* Directories. Names are (pointer, length), not NUL-terminated. */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
/*
 * Call EMIT for each entry at or after byte offset *POS ("." and ".." included), with the offset of
 * the entry after it. A nonzero return from EMIT stops the walk without consuming that entry; *POS is
 * left at the first entry not consumed (the directory's size at the end). Returns 0 or -errno.
 */
typedef int (*ext2_filldir_t)(void *arg, const char *name, size_t len, uint32_t ino, unsigned d_type,
                              uint64_t next_pos);
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, ext2_filldir_t emit, void *arg);

/* Make a new inode of MODE's type (regular, directory, character or block device, FIFO or socket) and
 * its entry NAME in DIR; RDEV_* for device nodes. -LX_EEXIST if the name is taken. *INO: the inode. */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint16_t mode,
                uint32_t uid, uint32_t gid, uint32_t rdev_major, uint32_t rdev_minor, uint32_t *ino);
/* A symbolic link to TARGET (fast, in the inode, under 60 bytes; else one block). */
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, const char *target,
                 size_t tlen, uint32_t uid, uint32_t gid, uint32_t *ino);
/* Copy a symlink's target into BUF (not NUL-terminated); returns its length (cut to SIZE). */
int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t size);
/* A new name for INO (not a directory) in DIR. */
int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino);
/* Remove NAME (not a directory) from DIR; *INO (may be NULL) gets the inode it named. */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
/* Remove the empty directory NAME from DIR (-LX_ENOTEMPTY otherwise); *INO as for unlink. */
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
/*
 * rename(2): move ODIR/ONAME to NDIR/NNAME, replacing what is there (a file by a file, an empty
 * directory by a directory). FLAGS: 0 or EXT2_RENAME_NOREPLACE. *REPLACED (may be NULL) gets the
 * inode that lost its name (0 if none), which the caller evicts when it drops it.
 */
#define EXT2_RENAME_NOREPLACE 1u
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
                const char *nname, size_t nlen, unsigned flags, uint32_t *replaced);

#endif
