/*
 * Host tests of lx's ext2 engine (personalities/lx/fs/ext2), against Debian's e2fsprogs as the yardstick:
 *   - trees built here are turned into images by mke2fs -d (1, 2 and 4 KiB blocks, 128- and 256-byte
 *     inodes) and read back through the engine byte for byte: sizes from 0 to past the double-indirect
 *     limit, sparse files, thousands of entries in one (dir_index) directory, a deep tree, both kinds
 *     of symlinks, hard links, FIFOs, and device nodes added with debugfs;
 *   - the engine writes (files, holes, truncation, directories, links, renames, device nodes,
 *     attributes, changes to an indexed directory), the same operations go to a mirror tree on the
 *     host, and after unmount e2fsck -fn must find the image clean and debugfs (rdump, stat) must show
 *     what the mirror holds;
 *   - full disks and full inode tables give ENOSPC (and stay clean), read-only mounts EROFS;
 *   - a corpus of images patched here (bad magic, descriptors outside the disk, a directory entry
 *     running past its block, an inode number out of range, a block pointer outside the file system,
 *     a loop of indirect blocks, unsupported features) is refused with the error and message expected.
 *
 * The engine runs over a buffer cache served from the image file with pread/pwrite. Each get() hands
 * out a fresh heap copy that put() frees (so ASan catches any use of a block after put()), NOREAD
 * blocks start as garbage, and the number of blocks held at once is checked against EXT2_MAX_HELD.
 *
 * e2fsprogs is required: without mke2fs, e2fsck or debugfs the tests fail and say so.
 */
#define _GNU_SOURCE /* SEEK_DATA, SEEK_HOLE */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <ext2.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- the buffer cache over an image file ---- */

struct img {
    int fd;
    uint64_t bytes;
    uint32_t bsize;
    int held, max_held;
    int fail_after; /* when > 0: that many more gets succeed, then every get fails with EIO */
    uint32_t now;
    char log[16384];
    size_t loglen;
    struct ext2_dev dev;
};

struct hbuf {
    uint64_t nr;
    int dirty;
    uint8_t data[];
};

static int img_set_block_size(void *ctx, uint32_t size)
{
    struct img *im = ctx;

    CU_ASSERT_EQUAL(im->held, 0);
    im->bsize = size;
    return 0;
}

static int img_get(void *ctx, uint64_t nr, unsigned flags, void **handle, uint8_t **data)
{
    struct img *im = ctx;
    struct hbuf *b;

    if ((nr + 1) * im->bsize > im->bytes)
        return -LX_EIO;
    if (im->fail_after > 0 && --im->fail_after == 0)
        im->fail_after = -1;
    if (im->fail_after < 0)
        return -LX_EIO;
    b = malloc(sizeof(*b) + im->bsize);
    if (!b)
        return -LX_ENOMEM;
    b->nr = nr;
    b->dirty = 0;
    if (flags & EXT2_GET_NOREAD)
        memset(b->data, 0xa5, im->bsize);
    else if (pread(im->fd, b->data, im->bsize, (off_t)(nr * im->bsize)) != (ssize_t)im->bsize) {
        free(b);
        return -LX_EIO;
    }
    if (++im->held > im->max_held)
        im->max_held = im->held;
    *handle = b;
    *data = b->data;
    return 0;
}

static void img_dirty(void *ctx, void *handle)
{
    (void)ctx;
    ((struct hbuf *)handle)->dirty = 1;
}

static void img_put(void *ctx, void *handle)
{
    struct img *im = ctx;
    struct hbuf *b = handle;

    if (b->dirty)
        CU_ASSERT_EQUAL(pwrite(im->fd, b->data, im->bsize, (off_t)(b->nr * im->bsize)), (ssize_t)im->bsize);
    im->held--;
    free(b);
}

static int img_sync(void *ctx)
{
    struct img *im = ctx;

    CU_ASSERT_EQUAL(im->held, 0);
    return 0;
}

static uint32_t img_now(void *ctx) { return ((struct img *)ctx)->now; }

static void img_log(void *ctx, const char *msg)
{
    struct img *im = ctx;
    int n = snprintf(im->log + im->loglen, sizeof(im->log) - im->loglen, "%s\n", msg);

    if (n > 0 && im->loglen + (size_t)n < sizeof(im->log))
        im->loglen += (size_t)n;
}

static struct img *img_open(const char *path)
{
    struct img *im = calloc(1, sizeof(*im));
    struct stat st;

    im->fd = open(path, O_RDWR);
    CU_ASSERT_FATAL(im->fd >= 0);
    fstat(im->fd, &st);
    im->bytes = (uint64_t)st.st_size;
    im->now = 1700000000;
    im->dev = (struct ext2_dev){.ctx = im, .bytes = im->bytes, .set_block_size = img_set_block_size,
                                .get = img_get, .dirty = img_dirty, .put = img_put, .sync = img_sync,
                                .now = img_now, .log = img_log};
    return im;
}

static void img_close(struct img *im)
{
    CU_ASSERT_EQUAL(im->held, 0);
    CU_ASSERT(im->max_held <= EXT2_MAX_HELD);
    close(im->fd);
    free(im);
}

static struct ext2_fs *mount_img(struct img *im, unsigned flags)
{
    struct ext2_fs *fs = NULL;
    int err = ext2_mount(&im->dev, flags, &fs);

    if (err)
        printf("# mount failed (%d): %s", err, im->log);
    CU_ASSERT_EQUAL_FATAL(err, 0);
    return fs;
}

/* ---- running e2fsprogs ---- */

static char tmpdir[PATH_MAX];

static void pathf(char *out, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, PATH_MAX, fmt, ap);
    va_end(ap);
}


/* With EXT2_TEST_TIMES set, say how long each phase took. */
static void stamp(const char *what)
{
    static struct timespec last;
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (what && getenv("EXT2_TEST_TIMES"))
        printf("# %s: %.2fs\n", what, (double)(now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9);
    last = now;
}

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");

    snprintf(tmpdir, sizeof(tmpdir), "%s/ext2-test-XXXXXX", base && *base ? base : "/tmp");
    CU_ASSERT_FATAL(mkdtemp(tmpdir) != NULL);
}

static const char *tool(const char *name)
{
    static char path[4][64];
    static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    static int slot;
    char *p = path[slot++ % 4];

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(path[0]), "%s/%s", dirs[i], name);
        if (access(p, X_OK) == 0)
            return p;
    }
    printf("# %s is missing: install Debian's e2fsprogs (tools/proteus setup does)\n", name);
    CU_FAIL_FATAL("e2fsprogs missing");
    return NULL;
}

/* Run ARGV (NULL-terminated), its stdout and stderr into OUT; returns the exit status. posix_spawn,
 * not fork: forking a process under ASan copies its huge shadow mappings. */
static int runv(char *out, size_t outsz, const char *const argv[])
{
    posix_spawn_file_actions_t fa;
    int pipefd[2], status;
    size_t n = 0;
    pid_t pid;

    CU_ASSERT_FATAL(pipe(pipefd) == 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    status = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (status != 0) {
        close(pipefd[0]);
        printf("# cannot run %s: %s\n", argv[0], strerror(status));
        return -1;
    }
    for (;;) {
        char sink[4096];
        ssize_t r = n + 1 < outsz ? read(pipefd[0], out + n, outsz - n - 1) : read(pipefd[0], sink, sizeof(sink));

        if (r <= 0)
            break;
        if (n + 1 < outsz)
            n += (size_t)r;
    }
    if (outsz)
        out[n] = 0;
    close(pipefd[0]);
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char output[1 << 16];

/* Run debugfs -R COMMAND (read-only) on IMG; its output in `output`. */
static int debugfs(const char *img, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    const char *argv[] = {tool("debugfs"), "-R", cmd, img, NULL};
    return runv(output, sizeof(output), argv);
}

/* Run debugfs -w with the commands in SCRIPT (one a line). */
static int debugfs_script(const char *img, const char *script)
{
    char file[PATH_MAX];
    FILE *f;

    pathf(file, "%s/debugfs.cmd", tmpdir);
    f = fopen(file, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(script, f);
    fclose(f);
    const char *argv[] = {tool("debugfs"), "-w", "-f", file, img, NULL};
    return runv(output, sizeof(output), argv);
}

/* e2fsck with OPTS (which change the image); its exit status. */
static int fsck_fix(const char *img, const char *opts)
{
    const char *argv[] = {tool("e2fsck"), opts, img, NULL};

    return runv(output, sizeof(output), argv);
}

static void mkfs(const char *img, uint32_t bsize, uint32_t isize, const char *dir, uint64_t kib, uint32_t inodes)
{
    char b[16], i[16], k[32], n[16];
    const char *argv[16];
    int a = 0;

    snprintf(b, sizeof(b), "%u", bsize);
    snprintf(i, sizeof(i), "%u", isize);
    snprintf(k, sizeof(k), "%llu", (unsigned long long)kib);
    snprintf(n, sizeof(n), "%u", inodes);
    argv[a++] = tool("mke2fs");
    argv[a++] = "-q";
    argv[a++] = "-F";
    argv[a++] = "-t";
    argv[a++] = "ext2";
    argv[a++] = "-b";
    argv[a++] = b;
    argv[a++] = "-I";
    argv[a++] = i;
    if (inodes) {
        argv[a++] = "-N";
        argv[a++] = n;
    }
    if (dir) {
        argv[a++] = "-d";
        argv[a++] = dir;
    }
    argv[a++] = img;
    argv[a++] = k;
    argv[a] = NULL;
    if (runv(output, sizeof(output), argv) != 0)
        printf("# mke2fs: %s\n", output);
    CU_ASSERT_FATAL(access(img, R_OK) == 0);
}

/* e2fsck -fn IMG must report a clean file system (exit 0). */
static int fsck_clean(const char *img)
{
    const char *argv[] = {tool("e2fsck"), "-fn", img, NULL};
    int rc = runv(output, sizeof(output), argv);

    if (rc != 0)
        printf("# e2fsck -fn %s exited %d:\n%s", img, rc, output);
    return rc == 0;
}

static void rm_rf(const char *path)
{
    const char *argv[] = {"/bin/rm", "-rf", path, NULL};

    runv(NULL, 0, argv);
}

/* ---- host trees ---- */

/* A pattern that depends on the seed and each 8-byte word's offset (so any misplaced block shows). */
static void fill(uint8_t *buf, size_t len, uint64_t seed, uint64_t off)
{
    for (size_t i = 0; i < len;) {
        uint64_t w = (off + i) / 8, x = (w + 1) * 0x9E3779B97F4A7C15ull ^ seed * 0xBF58476D1CE4E5B9ull;
        size_t k = (off + i) % 8;

        x ^= x >> 31;
        for (; k < 8 && i < len; k++, i++)
            buf[i] = (uint8_t)(x >> (8 * k));
    }
}

/* Write LEN bytes of pattern SEED at OFF of host file PATH (made if missing). */
static void host_write(const char *path, uint64_t off, uint64_t len, uint64_t seed)
{
    static uint8_t buf[1 << 16];
    int fd = open(path, O_WRONLY | O_CREAT, 0644);

    CU_ASSERT_FATAL(fd >= 0);
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done > sizeof(buf) ? sizeof(buf) : (size_t)(len - done);

        fill(buf, n, seed, off + done);
        CU_ASSERT_FATAL(pwrite(fd, buf, n, (off_t)(off + done)) == (ssize_t)n);
        done += n;
    }
    close(fd);
}

/* The source tree for block size BSIZE under DIR. */
static void build_tree(const char *dir, uint32_t bsize, int entries)
{
    uint64_t p = bsize / 4, ind = (12 + p) * bsize, dind = (12 + p + p * p) * (uint64_t)bsize;
    const uint64_t sizes[] = {0, 1, 1023, 1024, 1025, 4096, 12 * (uint64_t)bsize, 12 * (uint64_t)bsize + 1,
                              ind - 1, ind, ind + 3 * bsize + 17};
    char path[PATH_MAX], target[400];
    int fd;

    mkdir(dir, 0755);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        pathf(path, "%s/size%llu", dir, (unsigned long long)sizes[i]);
        close(open(path, O_WRONLY | O_CREAT, 0640));
        host_write(path, 0, sizes[i], i + 1);
    }
    /* Past the double-indirect limit: sparse (a dense one would be 64 MiB to 4 GiB), with data in
     * every range of the map. */
    pathf(path, "%s/sparse", dir);
    host_write(path, 5 * (uint64_t)bsize, 100, 7);          /* direct, after a hole */
    host_write(path, ind - bsize / 2, bsize, 8);             /* across into the double-indirect range */
    host_write(path, dind + 3 * (uint64_t)bsize + 1, 3000, 9); /* triple indirect */
    fd = open(path, O_WRONLY);
    CU_ASSERT(ftruncate(fd, (off_t)(dind + 40 * (uint64_t)bsize)) == 0); /* a hole at the end */
    close(fd);
    /* Thousands of entries in one directory: mke2fs indexes it (dir_index). */
    pathf(path, "%s/many", dir);
    mkdir(path, 0755);
    for (int i = 0; i < entries; i++) {
        pathf(path, "%s/many/entry-%d%.*s", dir, i, i % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        host_write(path, 0, (uint64_t)(i % 7), (uint64_t)i);
    }
    /* A deep tree. */
    pathf(path, "%s/deep", dir);
    mkdir(path, 0700);
    for (int i = 0; i < 40; i++) {
        size_t n = strlen(path);

        snprintf(path + n, sizeof(path) - n, "/level%d", i);
        mkdir(path, 0750);
    }
    strncat(path, "/bottom", sizeof(path) - strlen(path) - 1);
    host_write(path, 0, 333, 3);
    /* Symlinks, fast (in the inode) and slow (a block), hard links, a FIFO, odd modes. */
    pathf(path, "%s/fast-link", dir);
    CU_ASSERT(symlink("size1025", path) == 0);
    memset(target, 'T', sizeof(target) - 1);
    target[sizeof(target) - 1] = 0;
    memcpy(target, "deep/", 5);
    pathf(path, "%s/slow-link", dir);
    CU_ASSERT(symlink(target, path) == 0);
    pathf(path, "%s/link59", dir);
    CU_ASSERT(symlink("01234567890123456789012345678901234567890123456789012345678", path) == 0);
    pathf(path, "%s/link60", dir);
    CU_ASSERT(symlink("012345678901234567890123456789012345678901234567890123456789", path) == 0);
    pathf(path, "%s/size4096", dir);
    pathf(target, "%s/hard1", dir);
    CU_ASSERT(link(path, target) == 0);
    pathf(target, "%s/many/hard2", dir);
    CU_ASSERT(link(path, target) == 0);
    pathf(path, "%s/fifo", dir);
    CU_ASSERT(mkfifo(path, 0620) == 0);
    pathf(path, "%s/size1", dir);
    chmod(path, 04751);
    CU_ASSERT(chown(path, 1234, 5678) == 0);
}

/* ---- walking the engine ---- */

struct entry {
    char name[256];
    uint32_t ino;
    unsigned type;
};

struct listing {
    struct entry *e;
    size_t n, cap;
};

static int collect(void *arg, const char *name, size_t len, uint32_t ino, unsigned type, uint64_t next)
{
    struct listing *l = arg;

    (void)next;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->e = realloc(l->e, l->cap * sizeof(*l->e));
    }
    memcpy(l->e[l->n].name, name, len);
    l->e[l->n].name[len] = 0;
    l->e[l->n].ino = ino;
    l->e[l->n].type = type;
    l->n++;
    return 0;
}

static int list_dir(struct ext2_fs *fs, uint32_t dir, struct listing *l)
{
    uint64_t pos = 0;

    memset(l, 0, sizeof(*l));
    return ext2_readdir(fs, dir, &pos, collect, l);
}

static int resolve(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
    char name[256];

    *ino = EXT2_ROOT_INO;
    while (*path) {
        size_t n = strcspn(path, "/");
        int err;

        if (n == 0) {
            path++;
            continue;
        }
        memcpy(name, path, n);
        err = ext2_lookup(fs, *ino, name, n, ino);
        if (err)
            return err;
        path += n;
    }
    return 0;
}

static unsigned host_dtype(mode_t m)
{
    return S_ISREG(m) ? EXT2_DT_REG : S_ISDIR(m) ? EXT2_DT_DIR : S_ISLNK(m) ? EXT2_DT_LNK
         : S_ISFIFO(m) ? EXT2_DT_FIFO : S_ISCHR(m) ? EXT2_DT_CHR : S_ISBLK(m) ? EXT2_DT_BLK : EXT2_DT_SOCK;
}

static int same_range(struct ext2_fs *fs, uint32_t ino, int fd, uint64_t off, uint64_t len)
{
    static uint8_t a[1 << 16], b[1 << 16];

    for (uint64_t end = off + len; off < end;) {
        size_t n = end - off > sizeof(a) ? sizeof(a) : (size_t)(end - off);

        if (pread(fd, a, n, (off_t)off) != (ssize_t)n || ext2_read(fs, ino, off, b, n) != (int64_t)n ||
            memcmp(a, b, n) != 0)
            return 0;
        off += n;
    }
    return 1;
}

/* Compare a regular file byte for byte. The host's holes (SEEK_HOLE) are compared at their ends and
 * middle when they are large (a 4 GiB hole is four million blocks), where the engine must also
 * report no block (ext2_bmap) and read zeros. */
static int compare_file(struct ext2_fs *fs, uint32_t ino, const char *path, uint64_t size)
{
    const uint64_t chunk = 1 << 16;
    int fd = open(path, O_RDONLY), same = 1;
    uint64_t off = 0;

    CU_ASSERT_FATAL(fd >= 0);
    while (off < size && same) {
        off_t data = lseek(fd, (off_t)off, SEEK_DATA);
        uint64_t hole_end = data < 0 ? size : (uint64_t)data;

        if (hole_end > off) { /* a hole [off, hole_end) */
            uint64_t len = hole_end - off, at[3] = {off, off + len / 2, hole_end - chunk};

            if (len <= 3 * chunk) {
                same = same_range(fs, ino, fd, off, len);
            } else {
                for (int i = 0; i < 3 && same; i++) {
                    uint64_t b0 = (at[i] + ext2_block_size(fs) - 1) / ext2_block_size(fs), blk = 1;

                    same = same_range(fs, ino, fd, at[i], chunk);
                    if (same && ext2_bmap(fs, ino, b0, 0, &blk) == 0)
                        same = blk == 0;
                }
            }
            off = hole_end;
            continue;
        }
        off_t hole = lseek(fd, (off_t)off, SEEK_HOLE);
        uint64_t data_end = hole < 0 || (uint64_t)hole > size ? size : (uint64_t)hole;

        same = same_range(fs, ino, fd, off, data_end - off);
        off = data_end;
    }
    close(fd);
    if (!same)
        printf("# contents differ: %s\n", path);
    return same;
}

/* Compare the engine's directory INO with host directory PATH, recursively; SKIP names one entry the
 * image may hold that the host lacks (with "devs", where debugfs made device nodes). OWNERS: compare
 * uid, gid and mtime too (for trees that mke2fs copied). Returns the number of entries compared. */
static int compare_tree(struct ext2_fs *fs, uint32_t ino, const char *path, const char *skip, int owners)
{
    struct listing l;
    int count = 0, host_n = 0;
    DIR *d;

    CU_ASSERT_EQUAL_FATAL(list_dir(fs, ino, &l), 0);
    for (size_t i = 0; i < l.n; i++) {
        struct entry *e = &l.e[i];
        char hp[PATH_MAX];
        struct stat hs;
        struct ext2_stat es;

        if (!strcmp(e->name, ".") || !strcmp(e->name, "..") || (skip && (!strcmp(e->name, skip) || !strcmp(e->name, "devs"))))
            continue;
        pathf(hp, "%s/%s", path, e->name);
        if (lstat(hp, &hs) != 0) {
            printf("# only in the image: %s\n", hp);
            CU_FAIL("entry only in the image");
            continue;
        }
        count++;
        CU_ASSERT_EQUAL_FATAL(ext2_stat(fs, e->ino, &es), 0);
        CU_ASSERT_EQUAL(e->type, host_dtype(hs.st_mode));
        CU_ASSERT_EQUAL(es.mode, hs.st_mode);
        if (owners) {
            CU_ASSERT_EQUAL(es.uid, hs.st_uid);
            CU_ASSERT_EQUAL(es.gid, hs.st_gid);
        }
        if (!S_ISDIR(hs.st_mode)) {
            CU_ASSERT_EQUAL(es.nlink, hs.st_nlink);
            CU_ASSERT_EQUAL(es.size, (uint64_t)hs.st_size);
            if (owners)
                CU_ASSERT_EQUAL(es.mtime, (uint32_t)hs.st_mtime);
        }
        if (S_ISREG(hs.st_mode)) {
            CU_ASSERT(compare_file(fs, e->ino, hp, (uint64_t)hs.st_size));
        } else if (S_ISLNK(hs.st_mode)) {
            char want[PATH_MAX], got[PATH_MAX];
            ssize_t n = readlink(hp, want, sizeof(want));

            CU_ASSERT_EQUAL(ext2_readlink(fs, e->ino, got, sizeof(got)), n);
            CU_ASSERT(n > 0 && memcmp(want, got, (size_t)n) == 0);
            /* fast symlinks hold no block, slow ones one */
            CU_ASSERT_EQUAL(es.blocks != 0, n >= 60);
        } else if (S_ISDIR(hs.st_mode)) {
            count += compare_tree(fs, e->ino, hp, NULL, owners);
        }
    }
    d = opendir(path);
    for (struct dirent *de; d && (de = readdir(d));)
        host_n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    if (d)
        closedir(d);
    CU_ASSERT_EQUAL(host_n, (int)(l.n - 2 - 2 * (skip != NULL)));
    free(l.e);
    return count;
}

/* ---- reading images made by mke2fs ---- */

static void read_back(uint32_t bsize, uint32_t isize, int entries)
{
    char src[PATH_MAX], img[PATH_MAX], path[PATH_MAX];
    struct img *im;
    struct ext2_fs *fs;
    struct ext2_stat st;
    struct ext2_statfs sf;
    uint32_t a, b, c, ino;
    int n;

    make_tmpdir();
    pathf(src, "%s/src", tmpdir);
    pathf(img, "%s/img", tmpdir);
    stamp(NULL);
    build_tree(src, bsize, entries);
    stamp("tree");
    mkfs(img, bsize, isize, src, 16 * 1024, 0);
    /* device nodes, which need no privilege when debugfs makes them */
    CU_ASSERT_EQUAL(debugfs_script(img, "mkdir devs\ncd devs\nmknod null c 1 3\nmknod sda b 8 0\n"
                                        "mknod big c 200 1000\n"), 0);
    /* e2fsck -D indexes the big directory (mke2fs -d fills directories linearly) */
    CU_ASSERT(fsck_fix(img, "-fyD") <= 1);
    stamp("mkfs");
    CU_ASSERT(fsck_clean(img));
    stamp("fsck");

    im = img_open(img);
    fs = mount_img(im, EXT2_MOUNT_RDONLY);
    CU_ASSERT_EQUAL(ext2_block_size(fs), bsize);
    n = compare_tree(fs, EXT2_ROOT_INO, src, "lost+found", 1);
    stamp("compare");
    CU_ASSERT(n > entries + 40 + 10);
    /* the devices, checked against what debugfs made */
    CU_ASSERT_EQUAL(resolve(fs, "/devs/null", &ino), 0);
    CU_ASSERT_EQUAL(ext2_stat(fs, ino, &st), 0);
    CU_ASSERT_EQUAL(st.mode & EXT2_S_IFMT, EXT2_S_IFCHR);
    CU_ASSERT(st.rdev_major == 1 && st.rdev_minor == 3);
    CU_ASSERT_EQUAL(resolve(fs, "/devs/sda", &ino), 0);
    CU_ASSERT_EQUAL(ext2_stat(fs, ino, &st), 0);
    CU_ASSERT_EQUAL(st.mode & EXT2_S_IFMT, EXT2_S_IFBLK);
    CU_ASSERT(st.rdev_major == 8 && st.rdev_minor == 0);
    CU_ASSERT_EQUAL(resolve(fs, "/devs/big", &ino), 0);
    CU_ASSERT_EQUAL(ext2_stat(fs, ino, &st), 0);
    CU_ASSERT(st.rdev_major == 200 && st.rdev_minor == 1000);
    /* hard links are one inode */
    CU_ASSERT_EQUAL(resolve(fs, "/size4096", &a), 0);
    CU_ASSERT_EQUAL(resolve(fs, "/hard1", &b), 0);
    CU_ASSERT_EQUAL(resolve(fs, "/many/hard2", &c), 0);
    CU_ASSERT(a == b && b == c);
    /* the big directory is indexed */
    CU_ASSERT_EQUAL(resolve(fs, "/many", &ino), 0);
    CU_ASSERT_EQUAL(ext2_stat(fs, ino, &st), 0);
    CU_ASSERT(st.flags & 0x1000);
    pathf(path, "/many/entry-%d%.*s", entries - 1, (entries - 1) % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    CU_ASSERT_EQUAL(resolve(fs, path, &ino), 0);
    strcat(path, "x");
    CU_ASSERT_EQUAL(resolve(fs, path, &ino), -LX_ENOENT);
    /* writes refused */
    CU_ASSERT_EQUAL(ext2_write(fs, a, 0, "x", 1), -LX_EROFS);
    CU_ASSERT_EQUAL(ext2_create(fs, EXT2_ROOT_INO, "new", 3, EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino), -LX_EROFS);
    CU_ASSERT_EQUAL(ext2_unlink(fs, EXT2_ROOT_INO, "hard1", 5, NULL), -LX_EROFS);
    /* statfs agrees with the descriptors' figures dumpe2fs would print: checked loosely here */
    CU_ASSERT_EQUAL(ext2_statfs(fs, &sf), 0);
    CU_ASSERT(sf.bsize == bsize && sf.bfree < sf.blocks && sf.ffree < sf.files && sf.namelen == 255);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    img_close(im);
    rm_rf(tmpdir);
}

/* Thousands of entries in one of the four (with 1 KiB blocks: the deepest index), hundreds (still
 * indexed, over several blocks) in the others, to keep the suite fast. */
static void test_read_1k_128(void) { read_back(1024, 128, 2500); }
static void test_read_2k_256(void) { read_back(2048, 256, 400); }
static void test_read_4k_256(void) { read_back(4096, 256, 600); }
static void test_read_4k_128(void) { read_back(4096, 128, 400); }

/* ---- writing: the engine and a host mirror get the same operations ---- */

struct mirror {
    struct ext2_fs *fs;
    char host[PATH_MAX]; /* the mirror's root */
};

/* Split PATH into its parent directory's inode and its last name. */
static void parent_of(struct mirror *m, const char *path, uint32_t *dir, const char **name)
{
    char parent[PATH_MAX];
    const char *slash = strrchr(path, '/');

    memcpy(parent, path, (size_t)(slash - path));
    parent[slash - path] = 0;
    CU_ASSERT_EQUAL_FATAL(resolve(m->fs, parent, dir), 0);
    *name = slash + 1;
}

static void m_mkdir(struct mirror *m, const char *path, unsigned mode)
{
    char hp[PATH_MAX];
    uint32_t dir, ino;
    const char *name;

    parent_of(m, path, &dir, &name);
    CU_ASSERT_EQUAL(ext2_create(m->fs, dir, name, strlen(name), EXT2_S_IFDIR | mode, 0, 0, 0, 0, &ino), 0);
    pathf(hp, "%s%s", m->host, path);
    CU_ASSERT_EQUAL(mkdir(hp, mode), 0);
}

static void m_write(struct mirror *m, const char *path, uint64_t off, uint64_t len, uint64_t seed)
{
    static uint8_t buf[1 << 16];
    char hp[PATH_MAX];
    uint32_t dir, ino;
    const char *name;

    parent_of(m, path, &dir, &name);
    if (ext2_lookup(m->fs, dir, name, strlen(name), &ino) == -LX_ENOENT)
        CU_ASSERT_EQUAL_FATAL(ext2_create(m->fs, dir, name, strlen(name), EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino), 0);
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done > sizeof(buf) ? sizeof(buf) : (size_t)(len - done);

        fill(buf, n, seed, off + done);
        CU_ASSERT_EQUAL_FATAL(ext2_write(m->fs, ino, off + done, buf, n), (int64_t)n);
        done += n;
    }
    pathf(hp, "%s%s", m->host, path);
    host_write(hp, off, len, seed);
}

static void m_truncate(struct mirror *m, const char *path, uint64_t size)
{
    char hp[PATH_MAX];
    uint32_t ino;

    CU_ASSERT_EQUAL_FATAL(resolve(m->fs, path, &ino), 0);
    CU_ASSERT_EQUAL(ext2_truncate(m->fs, ino, size), 0);
    pathf(hp, "%s%s", m->host, path);
    CU_ASSERT_EQUAL(truncate(hp, (off_t)size), 0);
}

static void m_symlink(struct mirror *m, const char *target, const char *path)
{
    char hp[PATH_MAX];
    uint32_t dir, ino;
    const char *name;

    parent_of(m, path, &dir, &name);
    CU_ASSERT_EQUAL(ext2_symlink(m->fs, dir, name, strlen(name), target, strlen(target), 0, 0, &ino), 0);
    pathf(hp, "%s%s", m->host, path);
    CU_ASSERT_EQUAL(symlink(target, hp), 0);
}

static void m_link(struct mirror *m, const char *old, const char *path)
{
    char ho[PATH_MAX], hp[PATH_MAX];
    uint32_t dir, ino;
    const char *name;

    CU_ASSERT_EQUAL_FATAL(resolve(m->fs, old, &ino), 0);
    parent_of(m, path, &dir, &name);
    CU_ASSERT_EQUAL(ext2_link(m->fs, dir, name, strlen(name), ino), 0);
    pathf(ho, "%s%s", m->host, old);
    pathf(hp, "%s%s", m->host, path);
    CU_ASSERT_EQUAL(link(ho, hp), 0);
}

static void m_unlink(struct mirror *m, const char *path, int is_dir)
{
    char hp[PATH_MAX];
    uint32_t dir, ino = 0;
    const char *name;

    parent_of(m, path, &dir, &name);
    if (is_dir)
        CU_ASSERT_EQUAL(ext2_rmdir(m->fs, dir, name, strlen(name), &ino), 0)
    else
        CU_ASSERT_EQUAL(ext2_unlink(m->fs, dir, name, strlen(name), &ino), 0);
    CU_ASSERT_EQUAL(ext2_evict(m->fs, ino), 0);
    pathf(hp, "%s%s", m->host, path);
    CU_ASSERT_EQUAL(is_dir ? rmdir(hp) : unlink(hp), 0);
}

static void m_rename(struct mirror *m, const char *from, const char *to)
{
    char hf[PATH_MAX], ht[PATH_MAX];
    uint32_t odir, ndir, replaced;
    const char *oname, *nname;

    parent_of(m, from, &odir, &oname);
    parent_of(m, to, &ndir, &nname);
    CU_ASSERT_EQUAL(ext2_rename(m->fs, odir, oname, strlen(oname), ndir, nname, strlen(nname), 0, &replaced), 0);
    if (replaced)
        CU_ASSERT_EQUAL(ext2_evict(m->fs, replaced), 0);
    pathf(hf, "%s%s", m->host, from);
    pathf(ht, "%s%s", m->host, to);
    CU_ASSERT_EQUAL(rename(hf, ht), 0);
}

static void m_chmod(struct mirror *m, const char *path, unsigned mode)
{
    struct ext2_setattr sa = {.valid = EXT2_SET_MODE, .mode = (uint16_t)mode};
    char hp[PATH_MAX];
    uint32_t ino;

    CU_ASSERT_EQUAL_FATAL(resolve(m->fs, path, &ino), 0);
    CU_ASSERT_EQUAL(ext2_setattr(m->fs, ino, &sa), 0);
    pathf(hp, "%s%s", m->host, path);
    CU_ASSERT_EQUAL(chmod(hp, mode), 0);
}

static int same_bytes(const char *a, const char *b)
{
    static uint8_t x[1 << 16], y[1 << 16];
    int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY), same = fa >= 0 && fb >= 0;

    while (same) {
        ssize_t n = read(fa, x, sizeof(x)), m = read(fb, y, sizeof(y));

        same = n == m && n >= 0 && memcmp(x, y, (size_t)(n > 0 ? n : 0)) == 0;
        if (n <= 0)
            break;
    }
    close(fa);
    close(fb);
    return same;
}

/* Compare host trees A (the mirror) and B (debugfs rdump): types, sizes, modes, contents, links. */
static int same_tree(const char *a, const char *b)
{
    DIR *d = opendir(a);
    int n = 0, nb = 0;

    CU_ASSERT_FATAL(d != NULL);
    for (struct dirent *de; (de = readdir(d));) {
        char pa[PATH_MAX], pb[PATH_MAX];
        struct stat sa, sb;

        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        pathf(pa, "%s/%s", a, de->d_name);
        pathf(pb, "%s/%s", b, de->d_name);
        n++;
        if (lstat(pa, &sa) || lstat(pb, &sb)) {
            printf("# rdump lacks %s\n", pb);
            CU_FAIL("missing in rdump");
            continue;
        }
        CU_ASSERT_EQUAL(sa.st_mode, sb.st_mode);
        if (S_ISREG(sa.st_mode)) {
            CU_ASSERT_EQUAL(sa.st_size, sb.st_size);
            if (!same_bytes(pa, pb)) {
                printf("# %s and %s differ\n", pa, pb);
                CU_FAIL("contents differ");
            }
        } else if (S_ISLNK(sa.st_mode)) {
            char ta[PATH_MAX] = {0}, tb[PATH_MAX] = {0};

            CU_ASSERT(readlink(pa, ta, sizeof(ta)) > 0 && readlink(pb, tb, sizeof(tb)) > 0 && !strcmp(ta, tb));
        } else if (S_ISDIR(sa.st_mode)) {
            n += same_tree(pa, pb);
        }
    }
    closedir(d);
    d = opendir(b);
    for (struct dirent *de; d && (de = readdir(d));)
        nb += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

/* "Links: N" and friends from debugfs stat. */
static long stat_field(const char *field)
{
    const char *p = strstr(output, field);

    return p ? strtol(p + strlen(field), NULL, 0) : -1;
}

/* readdir that stops after every third entry (as a full getdents buffer does) and resumes. */
struct stopper {
    int seen, budget;
};

static int stop_often(void *arg, const char *name, size_t len, uint32_t ino, unsigned type, uint64_t next)
{
    struct stopper *st = arg;

    (void)name, (void)len, (void)ino, (void)type, (void)next;
    if (st->budget-- == 0)
        return 1;
    st->seen++;
    return 0;
}

static int count_resumed(struct ext2_fs *fs, uint32_t dir)
{
    struct stopper st = {0, 0};
    uint64_t pos = 0, last = 1;

    while (pos != last) {
        last = pos;
        st.budget = 3;
        CU_ASSERT_EQUAL_FATAL(ext2_readdir(fs, dir, &pos, stop_often, &st), 0);
    }
    return st.seen;
}

static void write_test(uint32_t bsize, uint32_t isize)
{
    char src[PATH_MAX], img[PATH_MAX], out[PATH_MAX], hp[PATH_MAX], name[64];
    uint64_t p = bsize / 4, dind = (12 + p + p * p) * (uint64_t)bsize;
    struct mirror m;
    struct img *im;
    uint32_t ino, many;
    struct ext2_stat st;

    make_tmpdir();
    pathf(src, "%s/src", tmpdir);
    pathf(img, "%s/img", tmpdir);
    mkdir(src, 0755);
    pathf(hp, "%s/many", src);
    mkdir(hp, 0755);
    for (int i = 0; i < 600; i++) {
        pathf(hp, "%s/many/name-%04d-padding-padding", src, i);
        close(open(hp, O_WRONLY | O_CREAT, 0644));
    }
    mkfs(img, bsize, isize, src, 16 * 1024, 0);
    CU_ASSERT(fsck_fix(img, "-fyD") <= 1);
    im = img_open(img);
    m.fs = mount_img(im, 0);
    pathf(m.host, "%s/mirror", tmpdir);
    mkdir(m.host, 0755);
    pathf(hp, "%s/w", m.host);

    /* files of every shape, holes included */
    m_mkdir(&m, "/w", 0755);
    m_write(&m, "/w/empty", 0, 0, 1);
    m_write(&m, "/w/small", 0, 100, 2);
    m_write(&m, "/w/ind", 0, (12 + p) * bsize + 10, 3);
    /* a sparse file past the double-indirect limit (up to 4 GiB: not under /w, which rdump copies) */
    m_mkdir(&m, "/t", 0755);
    m_write(&m, "/t/sparse", 3 * (uint64_t)bsize + 7, 50, 4);
    m_write(&m, "/t/sparse", dind + 5, 5000, 5);             /* triple indirect */
    m_write(&m, "/t/sparse", (12 + p) * (uint64_t)bsize, 10, 6); /* double indirect */
    m_write(&m, "/w/sparse", 3 * (uint64_t)bsize + 7, 50, 4);
    m_write(&m, "/w/sparse", (12 + p) * (uint64_t)bsize, 10, 6);
    m_write(&m, "/w/rewrite", 0, 10 * (uint64_t)bsize, 7);
    m_write(&m, "/w/rewrite", bsize / 2, 3 * (uint64_t)bsize, 8); /* overwrite, unaligned */
    m_write(&m, "/w/shrink", 0, (12 + p + 5) * (uint64_t)bsize, 9);
    m_truncate(&m, "/w/shrink", 12 * (uint64_t)bsize + 333);  /* frees the double-indirect tree, cuts a block */
    m_truncate(&m, "/w/shrink", 20 * (uint64_t)bsize);        /* grows: a hole that must read as zeros */
    m_write(&m, "/w/tind-cut", dind + 1, 100, 10);
    m_truncate(&m, "/w/tind-cut", 5);
    /* directories, deep and wide */
    m_mkdir(&m, "/w/d", 0700);
    m_mkdir(&m, "/w/d/e", 0755);
    m_mkdir(&m, "/w/d/e/f", 0751);
    m_write(&m, "/w/d/e/f/file", 0, 3000, 11);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "/w/wide/entry-with-a-long-name-%d", i);
        if (i == 0)
            m_mkdir(&m, "/w/wide", 0755);
        m_write(&m, name, 0, (uint64_t)(i % 3), (uint64_t)i);
    }
    for (int i = 0; i < 300; i += 3) {
        snprintf(name, sizeof(name), "/w/wide/entry-with-a-long-name-%d", i);
        m_unlink(&m, name, 0);
    }
    m_mkdir(&m, "/w/gone", 0755);
    m_write(&m, "/w/gone/x", 0, 5000, 12);
    m_unlink(&m, "/w/gone/x", 0);
    m_unlink(&m, "/w/gone", 1);
    /* symlinks of both kinds, hard links */
    m_symlink(&m, "small", "/w/fast");
    m_symlink(&m, "d/e/f/file/and/a/path/that/is/certainly/longer/than/sixty/bytes", "/w/slow");
    m_link(&m, "/w/small", "/w/d/small-again");
    m_link(&m, "/w/small", "/w/small-3");
    m_link(&m, "/w/ind", "/w/ind-2");
    m_unlink(&m, "/w/ind", 0); /* a link remains */
    /* renames: within a directory, over a file, a directory across directories, over an empty dir */
    m_rename(&m, "/w/rewrite", "/w/rewritten");
    m_write(&m, "/w/victim", 0, 10, 13);
    m_rename(&m, "/w/rewritten", "/w/victim");
    m_mkdir(&m, "/w/empty-dir", 0755);
    m_rename(&m, "/w/d/e", "/w/moved");
    m_rename(&m, "/w/moved/f", "/w/empty-dir");
    m_chmod(&m, "/w/small", 0600);
    m_chmod(&m, "/w/d", 0711);
    /* the indexed directory changes: names added and removed */
    for (int i = 0; i < 600; i += 7) {
        snprintf(name, sizeof(name), "name-%04d-padding-padding", i);
        CU_ASSERT_EQUAL(resolve(m.fs, "/many", &many), 0);
        CU_ASSERT_EQUAL(ext2_unlink(m.fs, many, name, strlen(name), &ino), 0);
        CU_ASSERT_EQUAL(ext2_evict(m.fs, ino), 0);
        snprintf(name, sizeof(name), "added-%d", i);
        CU_ASSERT_EQUAL(ext2_create(m.fs, many, name, strlen(name), EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino), 0);
    }
    /* device nodes, a FIFO, a socket, owners and times (checked with debugfs stat) */
    CU_ASSERT_EQUAL(ext2_create(m.fs, EXT2_ROOT_INO, "devs", 4, EXT2_S_IFDIR | 0755, 0, 0, 0, 0, &ino), 0);
    CU_ASSERT_EQUAL(ext2_create(m.fs, ino, "null", 4, EXT2_S_IFCHR | 0666, 0, 0, 1, 3, &many), 0);
    CU_ASSERT_EQUAL(ext2_create(m.fs, ino, "big", 3, EXT2_S_IFBLK | 0660, 0, 0, 259, 65536 + 7, &many), 0);
    CU_ASSERT_EQUAL(ext2_create(m.fs, ino, "fifo", 4, EXT2_S_IFIFO | 0644, 0, 0, 0, 0, &many), 0);
    CU_ASSERT_EQUAL(ext2_create(m.fs, ino, "sock", 4, EXT2_S_IFSOCK | 0755, 0, 0, 0, 0, &many), 0);
    CU_ASSERT_EQUAL(ext2_create(m.fs, ino, "fifo", 4, EXT2_S_IFIFO | 0644, 0, 0, 0, 0, &many), -LX_EEXIST);
    {
        struct ext2_setattr sa = {.valid = EXT2_SET_UID | EXT2_SET_GID | EXT2_SET_MTIME | EXT2_SET_ATIME,
                                  .uid = 100000, .gid = 4242, .mtime = 1234567890, .atime = 1111111111};

        CU_ASSERT_EQUAL(ext2_setattr(m.fs, many, &sa), 0);
    }
    /* readdir resumed in small steps sees every entry once */
    {
        struct listing l;

        CU_ASSERT_EQUAL(resolve(m.fs, "/w/wide", &ino), 0);
        CU_ASSERT_EQUAL(list_dir(m.fs, ino, &l), 0);
        CU_ASSERT_EQUAL((size_t)count_resumed(m.fs, ino), l.n);
        CU_ASSERT_EQUAL(l.n, 2 + 200);
        free(l.e);
    }
    /* what the engine reads back before unmount */
    CU_ASSERT_EQUAL(resolve(m.fs, "/devs/big", &ino), 0);
    CU_ASSERT_EQUAL(ext2_stat(m.fs, ino, &st), 0);
    CU_ASSERT(st.rdev_major == 259 && st.rdev_minor == 65536 + 7);
    CU_ASSERT_EQUAL(resolve(m.fs, "/w", &ino), 0);
    CU_ASSERT(compare_tree(m.fs, ino, hp, NULL, 0) > 200);
    pathf(out, "%s/t", m.host);
    CU_ASSERT_EQUAL(resolve(m.fs, "/t", &ino), 0);
    CU_ASSERT_EQUAL(compare_tree(m.fs, ino, out, NULL, 0), 1);
    CU_ASSERT_EQUAL(ext2_unmount(m.fs), 0);
    img_close(im);

    CU_ASSERT(fsck_clean(img));
    /* debugfs agrees */
    pathf(out, "%s/rdump", tmpdir);
    mkdir(out, 0755);
    CU_ASSERT_EQUAL(debugfs(img, "rdump /w %s", out), 0);
    pathf(out, "%s/rdump/w", tmpdir);
    CU_ASSERT(same_tree(hp, out) > 200);
    CU_ASSERT_EQUAL(debugfs(img, "stat /w/small"), 0);
    CU_ASSERT_EQUAL(stat_field("Links: "), 3);
    CU_ASSERT_EQUAL(stat_field("Size: "), 100);
    CU_ASSERT_EQUAL(debugfs(img, "stat /t/sparse"), 0);
    CU_ASSERT_EQUAL(stat_field("Size: "), (long)(dind + 5005));
    CU_ASSERT_EQUAL(debugfs(img, "stat /devs/sock"), 0);
    CU_ASSERT_EQUAL(stat_field("User: "), 100000);
    CU_ASSERT_EQUAL(stat_field("Group: "), 4242);
    CU_ASSERT_EQUAL(stat_field("mtime: "), 1234567890);
    CU_ASSERT(strstr(output, "Type: socket") != NULL);
    CU_ASSERT_EQUAL(debugfs(img, "stat /devs/big"), 0);
    CU_ASSERT(strstr(output, "Device major/minor number: 259:65543") != NULL);
    CU_ASSERT_EQUAL(debugfs(img, "stat /devs/null"), 0);
    CU_ASSERT(strstr(output, "Device major/minor number: 01:03") != NULL);
    CU_ASSERT_EQUAL(debugfs(img, "ls -l /w/moved"), 0);
    CU_ASSERT(strstr(output, "40751") == NULL && strstr(output, "..") != NULL);
    CU_ASSERT_EQUAL(debugfs(img, "ls -l /w/empty-dir"), 0);
    CU_ASSERT(strstr(output, " file") != NULL);
    /* statfs's free figures are the ones e2fsprogs reads from the superblock */
    {
        struct ext2_statfs sf;

        im = img_open(img);
        m.fs = mount_img(im, EXT2_MOUNT_RDONLY);
        CU_ASSERT_EQUAL(ext2_statfs(m.fs, &sf), 0);
        CU_ASSERT_EQUAL(ext2_unmount(m.fs), 0);
        img_close(im);
        CU_ASSERT_EQUAL(debugfs(img, "stats -h"), 0);
        CU_ASSERT_EQUAL(stat_field("Free blocks:"), (long)sf.bfree);
        CU_ASSERT_EQUAL(stat_field("Free inodes:"), (long)sf.ffree);
        CU_ASSERT(sf.blocks > 0 && (long)sf.blocks < stat_field("Block count:")); /* less the overhead */
    }
    rm_rf(tmpdir);
}

static void test_write_1k_128(void) { write_test(1024, 128); }
static void test_write_2k_128(void) { write_test(2048, 128); }
static void test_write_4k_256(void) { write_test(4096, 256); }

/* ---- full disks ---- */

static void test_enospc_blocks(void)
{
    static uint8_t buf[32768];
    char img[PATH_MAX];
    struct img *im;
    struct ext2_fs *fs;
    struct ext2_statfs sf;
    uint32_t ino, ino2;
    uint64_t off = 0;
    int64_t n = 0;

    make_tmpdir();
    pathf(img, "%s/img", tmpdir);
    mkfs(img, 1024, 128, NULL, 2048, 0);
    im = img_open(img);
    fs = mount_img(im, 0);
    fill(buf, sizeof(buf), 1, 0);
    CU_ASSERT_EQUAL(ext2_create(fs, EXT2_ROOT_INO, "fill", 4, EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino), 0);
    while ((n = ext2_write(fs, ino, off, buf, sizeof(buf))) == (int64_t)sizeof(buf))
        off += (uint64_t)n;
    if (n > 0) { /* a short write at the end, then the error */
        off += (uint64_t)n;
        n = ext2_write(fs, ino, off, buf, sizeof(buf));
    }
    CU_ASSERT_EQUAL(n, -LX_ENOSPC);
    CU_ASSERT(off > 1024 * 1024);
    CU_ASSERT_EQUAL(ext2_statfs(fs, &sf), 0);
    CU_ASSERT_EQUAL(sf.bfree, 0);
    /* a new directory needs a block too; a new empty file does not */
    CU_ASSERT_EQUAL(ext2_create(fs, EXT2_ROOT_INO, "dir", 3, EXT2_S_IFDIR | 0755, 0, 0, 0, 0, &ino2), -LX_ENOSPC);
    CU_ASSERT_EQUAL(ext2_create(fs, EXT2_ROOT_INO, "empty", 5, EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino2), 0);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    CU_ASSERT(fsck_clean(img));
    /* freeing makes room again */
    fs = mount_img(im, 0);
    CU_ASSERT_EQUAL(ext2_unlink(fs, EXT2_ROOT_INO, "fill", 4, &ino2), 0);
    CU_ASSERT_EQUAL(ino2, ino);
    CU_ASSERT_EQUAL(ext2_evict(fs, ino), 0);
    CU_ASSERT_EQUAL(ext2_statfs(fs, &sf), 0);
    CU_ASSERT(sf.bfree * 1024 > off);
    CU_ASSERT_EQUAL(ext2_create(fs, EXT2_ROOT_INO, "dir", 3, EXT2_S_IFDIR | 0755, 0, 0, 0, 0, &ino2), 0);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    img_close(im);
    CU_ASSERT(fsck_clean(img));
    rm_rf(tmpdir);
}

static void test_enospc_inodes(void)
{
    char img[PATH_MAX], name[32];
    struct img *im;
    struct ext2_fs *fs;
    struct ext2_statfs sf;
    uint32_t ino;
    int made = 0, err;

    make_tmpdir();
    pathf(img, "%s/img", tmpdir);
    mkfs(img, 1024, 128, NULL, 4096, 32);
    im = img_open(img);
    fs = mount_img(im, 0);
    CU_ASSERT_EQUAL(ext2_statfs(fs, &sf), 0);
    for (;;) {
        snprintf(name, sizeof(name), "f%d", made);
        err = ext2_create(fs, EXT2_ROOT_INO, name, strlen(name), EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino);
        if (err)
            break;
        made++;
    }
    CU_ASSERT_EQUAL(err, -LX_ENOSPC);
    CU_ASSERT_EQUAL((uint64_t)made, sf.ffree);
    CU_ASSERT_EQUAL(ext2_symlink(fs, EXT2_ROOT_INO, "l", 1, "f0", 2, 0, 0, &ino), -LX_ENOSPC);
    CU_ASSERT_EQUAL(ext2_lookup(fs, EXT2_ROOT_INO, "l", 1, &ino), -LX_ENOENT);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    img_close(im);
    CU_ASSERT(fsck_clean(img));
    rm_rf(tmpdir);
}

/* A revision 0 file system (no features at all): names without file types, and a file past 2 GiB
 * that turns on large_file (and with it the dynamic revision). */
static void test_revision_0(void)
{
    char img[PATH_MAX];
    struct img *im;
    struct ext2_fs *fs;
    struct listing l;
    uint32_t ino, dir;
    char buf[8];

    make_tmpdir();
    pathf(img, "%s/img", tmpdir);
    {
        const char *argv[] = {tool("mke2fs"), "-q", "-F", "-r", "0", "-b", "1024", img, "8192", NULL};

        CU_ASSERT_EQUAL_FATAL(runv(output, sizeof(output), argv), 0);
    }
    im = img_open(img);
    fs = mount_img(im, 0);
    CU_ASSERT_EQUAL(ext2_create(fs, EXT2_ROOT_INO, "dir", 3, EXT2_S_IFDIR | 0755, 0, 0, 0, 0, &dir), 0);
    CU_ASSERT_EQUAL(ext2_create(fs, dir, "big", 3, EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino), 0);
    CU_ASSERT_EQUAL(ext2_write(fs, ino, 3ull << 30, "past 2G", 7), 7);
    CU_ASSERT_EQUAL(ext2_read(fs, ino, (3ull << 30) - 1, buf, 8), 8);
    CU_ASSERT(buf[0] == 0 && memcmp(buf + 1, "past 2G", 7) == 0);
    CU_ASSERT_EQUAL(list_dir(fs, dir, &l), 0);
    CU_ASSERT(l.n == 3 && l.e[2].type == EXT2_DT_UNKNOWN); /* no filetype feature: no d_type */
    free(l.e);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    img_close(im);
    CU_ASSERT(fsck_clean(img));
    CU_ASSERT_EQUAL(debugfs(img, "stat /dir/big"), 0);
    CU_ASSERT_EQUAL(stat_field("Size: "), (3l << 30) + 7);
    CU_ASSERT_EQUAL(debugfs(img, "stats -h"), 0);
    CU_ASSERT(strstr(output, "large_file") != NULL);
    rm_rf(tmpdir);
}

/* A device that stops answering at every point of a workload: each call returns 0 or EIO (or ENOENT
 * for a name an earlier failure kept from being made), never crashes, and never leaves a block held. */
static void test_device_errors(void)
{
    static const char data[3000] = "some bytes";
    char img[PATH_MAX], copy[PATH_MAX];
    int eio = 0;

    make_tmpdir();
    pathf(img, "%s/img", tmpdir);
    pathf(copy, "%s/copy", tmpdir);
    mkfs(img, 1024, 128, NULL, 1024, 0);
    for (int n = 1; n <= 100; n++) {
        const char *argv[] = {"/bin/cp", img, copy, NULL};
        struct img *im;
        struct ext2_fs *fs = NULL;
        uint32_t d = 0, f = 0, r = 0;
        int64_t w;
        int err;

        CU_ASSERT_EQUAL_FATAL(runv(output, sizeof(output), argv), 0);
        im = img_open(copy);
        im->fail_after = n;
        err = ext2_mount(&im->dev, 0, &fs);
        CU_ASSERT(err == 0 || err == -LX_EIO);
        if (err == 0) {
            err = ext2_create(fs, EXT2_ROOT_INO, "d", 1, EXT2_S_IFDIR | 0755, 0, 0, 0, 0, &d);
            CU_ASSERT(err == 0 || err == -LX_EIO);
            err = ext2_create(fs, d ? d : EXT2_ROOT_INO, "f", 1, EXT2_S_IFREG | 0644, 0, 0, 0, 0, &f);
            CU_ASSERT(err == 0 || err == -LX_EIO || err == -LX_ENOENT);
            if (f) {
                w = ext2_write(fs, f, 20000, data, sizeof(data));
                CU_ASSERT(w == (int64_t)sizeof(data) || w == -LX_EIO || (w > 0 && w < (int64_t)sizeof(data)));
                err = ext2_truncate(fs, f, 100);
                CU_ASSERT(err == 0 || err == -LX_EIO);
            }
            err = ext2_rename(fs, d ? d : EXT2_ROOT_INO, "f", 1, EXT2_ROOT_INO, "g", 1, 0, NULL);
            CU_ASSERT(err == 0 || err == -LX_EIO || err == -LX_ENOENT);
            err = ext2_unlink(fs, EXT2_ROOT_INO, "g", 1, &r);
            CU_ASSERT(err == 0 || err == -LX_EIO || err == -LX_ENOENT);
            if (r)
                CU_ASSERT(ext2_evict(fs, r) == 0 || im->fail_after < 0);
            err = ext2_unmount(fs);
            CU_ASSERT(err == 0 || err == -LX_EIO);
        }
        eio += im->fail_after < 0;
        img_close(im); /* checks that nothing is held */
    }
    printf("# %d of the runs met a failing device\n", eio);
    CU_ASSERT(eio > 60); /* the failures did happen, at every point of the workload */
    rm_rf(tmpdir);
}

/* ---- features and the corrupt-image corpus ---- */

static void patch(const char *img, uint64_t off, uint64_t value, int size)
{
    int fd = open(img, O_RDWR);

    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(pwrite(fd, &value, (size_t)size, (off_t)off) == size);
    close(fd);
}

static uint32_t peek32(const char *img, uint64_t off)
{
    uint32_t v = 0;
    int fd = open(img, O_RDONLY);

    CU_ASSERT(pread(fd, &v, 4, (off_t)off) == 4);
    close(fd);
    return v;
}

/* Mount IMG (a copy patched by the caller); expect ERR and a log line holding WANT. */
static struct ext2_fs *mount_expect(const char *img, unsigned flags, int err, const char *want, struct img **imp)
{
    struct img *im = img_open(img);
    struct ext2_fs *fs = NULL;
    int got = ext2_mount(&im->dev, flags, &fs);

    CU_ASSERT_EQUAL(got, err);
    if (want && !strstr(im->log, want)) {
        printf("# wanted a message with \"%s\", got: %s\n", want, im->log);
        CU_FAIL("message missing");
    }
    if (got || !imp) {
        if (!got)
            ext2_unmount(fs);
        img_close(im);
        return NULL;
    }
    *imp = im;
    return fs;
}

/* A good 1 KiB-block image with a directory /d holding a file x, a file f and a file big with an
 * indirect block; made fresh by each test into PATH. */
static void good_image(char *img)
{
    char src[PATH_MAX], p[PATH_MAX];

    pathf(src, "%s/src", tmpdir);
    pathf(img, "%s/img", tmpdir);
    if (access(img, F_OK) == 0)
        unlink(img);
    if (access(src, F_OK) != 0) {
        mkdir(src, 0755);
        pathf(p, "%s/d", src);
        mkdir(p, 0755);
        pathf(p, "%s/d/x", src);
        host_write(p, 0, 10, 1);
        pathf(p, "%s/f", src);
        host_write(p, 0, 3000, 2);
        pathf(p, "%s/big", src);
        host_write(p, 0, 20 * 1024, 3);
    }
    mkfs(img, 1024, 128, src, 1024, 0);
}

/* Where debugfs says inode PATH lives (byte offset in the image). */
static uint64_t inode_offset(const char *img, const char *path)
{
    unsigned long block = 0, off = 0;
    const char *p;

    CU_ASSERT_EQUAL(debugfs(img, "imap %s", path), 0);
    p = strstr(output, "located at block ");
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_FATAL(sscanf(p, "located at block %lu, offset %li", &block, (long *)&off) == 2);
    return (uint64_t)block * 1024 + off;
}

static void test_features(void)
{
    char img[PATH_MAX];
    struct img *im;
    struct ext2_fs *fs;
    uint32_t ino;

    make_tmpdir();
    good_image(img);
    patch(img, 1024 + 0x60, peek32(img, 1024 + 0x60) | 0x40, 4); /* extent */
    mount_expect(img, 0, -LX_EINVAL, "unsupported incompatible features: extent", NULL);
    good_image(img);
    patch(img, 1024 + 0x60, peek32(img, 1024 + 0x60) | 0x80000000u, 4); /* unknown */
    mount_expect(img, 0, -LX_EINVAL, "0x80000000", NULL);
    good_image(img);
    patch(img, 1024 + 0x64, peek32(img, 1024 + 0x64) | 0x400, 4); /* metadata_csum: read-only */
    fs = mount_expect(img, 0, 0, "metadata_csum; mounting read-only", &im);
    CU_ASSERT_FATAL(fs != NULL);
    CU_ASSERT(ext2_is_rdonly(fs));
    CU_ASSERT_EQUAL(ext2_lookup(fs, EXT2_ROOT_INO, "f", 1, &ino), 0);
    CU_ASSERT_EQUAL(ext2_write(fs, ino, 0, "x", 1), -LX_EROFS);
    CU_ASSERT_EQUAL(ext2_truncate(fs, ino, 0), -LX_EROFS);
    CU_ASSERT_EQUAL(ext2_rename(fs, EXT2_ROOT_INO, "f", 1, EXT2_ROOT_INO, "g", 1, 0, NULL), -LX_EROFS);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    img_close(im);
    /* ext4 as mke2fs makes it: refused, the features named */
    {
        const char *argv[] = {tool("mke2fs"), "-q", "-F", "-t", "ext4", img, "4096", NULL};

        CU_ASSERT_EQUAL(runv(output, sizeof(output), argv), 0);
        mount_expect(img, 0, -LX_EINVAL, "extent", NULL);
    }
    rm_rf(tmpdir);
}

static void test_corrupt_super(void)
{
    char img[PATH_MAX];
    uint32_t gd = 2 * 1024; /* 1 KiB blocks: the descriptors are block 2 */

    make_tmpdir();
    good_image(img);
    patch(img, 1024 + 56, 0x1234, 2);
    mount_expect(img, 0, -LX_EINVAL, "bad superblock magic", NULL);
    good_image(img);
    patch(img, 1024 + 24, 20, 4);
    mount_expect(img, 0, -LX_EUCLEAN, "block size", NULL);
    good_image(img);
    patch(img, gd + 0, 0x7ffffff0, 4);
    mount_expect(img, 0, -LX_EUCLEAN, "points outside the file system", NULL);
    good_image(img);
    patch(img, gd + 8, peek32(img, 1024 + 4) - 2, 4); /* the inode table runs off the end */
    mount_expect(img, 0, -LX_EUCLEAN, "points outside the file system", NULL);
    good_image(img);
    patch(img, 1024 + 4, 1u << 30, 4); /* more blocks than the device holds */
    mount_expect(img, 0, -LX_EUCLEAN, "larger than", NULL);
    good_image(img);
    CU_ASSERT_EQUAL(truncate(img, 512 * 1024), 0); /* a truncated image */
    mount_expect(img, 0, -LX_EUCLEAN, "larger than", NULL);
    good_image(img);
    patch(img, 1024 + 0, peek32(img, 1024) + 8, 4); /* the inode count disagrees with the groups */
    mount_expect(img, 0, -LX_EUCLEAN, "inode count", NULL);
    good_image(img);
    patch(img, 1024 + 0x58, 100, 2); /* inode size */
    mount_expect(img, 0, -LX_EUCLEAN, "inode size", NULL);
    CU_ASSERT_EQUAL(truncate(img, 1024), 0); /* no superblock at all */
    mount_expect(img, 0, -LX_EINVAL, "too small", NULL);
    rm_rf(tmpdir);
}

static void test_corrupt_tree(void)
{
    char img[PATH_MAX], buf[64];
    struct img *im;
    struct ext2_fs *fs;
    struct ext2_stat st;
    uint32_t ino, d, block;
    uint64_t pos = 0;
    struct listing l = {0};

    make_tmpdir();
    /* a directory entry running past its block */
    good_image(img);
    CU_ASSERT_EQUAL(debugfs(img, "blocks /d"), 0);
    block = 0;
    for (const char *line = output; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, "debugfs ", 8) != 0 && line[0] >= '0' && line[0] <= '9') /* not the banner */
            block = (uint32_t)strtoul(line, NULL, 10);
    CU_ASSERT_FATAL(block > 0);
    patch(img, (uint64_t)block * 1024 + 24 + 4, 1024, 2); /* x's rec_len: 24 + 1024 > 1024 */
    fs = mount_expect(img, 0, 0, NULL, &im);
    CU_ASSERT_FATAL(fs != NULL);
    CU_ASSERT_EQUAL(ext2_lookup(fs, EXT2_ROOT_INO, "d", 1, &d), 0);
    CU_ASSERT_EQUAL(ext2_lookup(fs, d, "x", 1, &ino), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_readdir(fs, d, &pos, collect, &l), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_create(fs, d, "y", 1, EXT2_S_IFREG | 0644, 0, 0, 0, 0, &ino), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_rmdir(fs, EXT2_ROOT_INO, "d", 1, &ino), -LX_EUCLEAN);
    CU_ASSERT(strstr(im->log, "runs past the end of its block") != NULL);
    ext2_unmount(fs);
    img_close(im);
    free(l.e);

    /* an inode number out of range, in an entry and asked for */
    good_image(img);
    patch(img, (uint64_t)block * 1024 + 24, 0x7fffffff, 4);
    fs = mount_expect(img, 0, 0, NULL, &im);
    CU_ASSERT_FATAL(fs != NULL);
    CU_ASSERT_EQUAL(ext2_lookup(fs, d, "x", 1, &ino), -LX_EUCLEAN);
    CU_ASSERT(strstr(im->log, "names an inode out of range") != NULL);
    CU_ASSERT_EQUAL(ext2_stat(fs, 0x7fffffff, &st), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_stat(fs, 0, &st), -LX_EUCLEAN);
    CU_ASSERT(strstr(im->log, "inode number 2147483647 is out of range") != NULL);
    ext2_unmount(fs);
    img_close(im);

    /* a block pointer outside the file system */
    good_image(img);
    patch(img, inode_offset(img, "/f") + 40, 0xffffff00u, 4);
    fs = mount_expect(img, 0, 0, NULL, &im);
    CU_ASSERT_FATAL(fs != NULL);
    CU_ASSERT_EQUAL(ext2_lookup(fs, EXT2_ROOT_INO, "f", 1, &ino), 0);
    CU_ASSERT_EQUAL(ext2_read(fs, ino, 0, buf, sizeof(buf)), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_write(fs, ino, 0, buf, sizeof(buf)), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_unlink(fs, EXT2_ROOT_INO, "f", 1, NULL), 0);
    CU_ASSERT_EQUAL(ext2_evict(fs, ino), -LX_EUCLEAN);
    CU_ASSERT(strstr(im->log, "block pointer 4294967040 is outside the file system") != NULL);
    ext2_unmount(fs);
    img_close(im);

    /* a loop: the indirect block's first pointer is the indirect block itself */
    good_image(img);
    {
        uint64_t at = inode_offset(img, "/big");
        uint32_t ind = peek32(img, at + 40 + 12 * 4);

        CU_ASSERT_FATAL(ind != 0);
        patch(img, (uint64_t)ind * 1024, ind, 4);
    }
    fs = mount_expect(img, 0, 0, NULL, &im);
    CU_ASSERT_FATAL(fs != NULL);
    CU_ASSERT_EQUAL(ext2_lookup(fs, EXT2_ROOT_INO, "big", 3, &ino), 0);
    CU_ASSERT_EQUAL(ext2_read(fs, ino, 0, buf, sizeof(buf)), (int64_t)sizeof(buf)); /* direct blocks are fine */
    CU_ASSERT_EQUAL(ext2_read(fs, ino, 12 * 1024, buf, sizeof(buf)), -LX_EUCLEAN);
    CU_ASSERT_EQUAL(ext2_truncate(fs, ino, 0), -LX_EUCLEAN);
    CU_ASSERT(strstr(im->log, "points back at itself (a loop)") != NULL);
    ext2_unmount(fs);
    img_close(im);

    /* an inode that claims extents on a file system without them */
    good_image(img);
    patch(img, inode_offset(img, "/f") + 32, 0x80000, 4);
    fs = mount_expect(img, 0, 0, NULL, &im);
    CU_ASSERT_FATAL(fs != NULL);
    CU_ASSERT_EQUAL(ext2_lookup(fs, EXT2_ROOT_INO, "f", 1, &ino), 0);
    CU_ASSERT_EQUAL(ext2_read(fs, ino, 0, buf, sizeof(buf)), -LX_EUCLEAN);
    CU_ASSERT(strstr(im->log, "extents") != NULL);
    ext2_unmount(fs);
    img_close(im);
    rm_rf(tmpdir);
}

static const CU_TestInfo ext2_tests[] = {
    {"read mke2fs image, 1 KiB blocks, 128-byte inodes", test_read_1k_128},
    {"read mke2fs image, 2 KiB blocks, 256-byte inodes", test_read_2k_256},
    {"read mke2fs image, 4 KiB blocks, 256-byte inodes", test_read_4k_256},
    {"read mke2fs image, 4 KiB blocks, 128-byte inodes", test_read_4k_128},
    {"write, 1 KiB blocks, 128-byte inodes: e2fsck clean, debugfs agrees", test_write_1k_128},
    {"write, 2 KiB blocks, 128-byte inodes: e2fsck clean, debugfs agrees", test_write_2k_128},
    {"write, 4 KiB blocks, 256-byte inodes: e2fsck clean, debugfs agrees", test_write_4k_256},
    {"revision 0: no file types, large_file turned on", test_revision_0},
    {"a device failing at any point gives EIO and holds nothing", test_device_errors},
    {"a full disk is ENOSPC and stays clean", test_enospc_blocks},
    {"a full inode table is ENOSPC and stays clean", test_enospc_inodes},
    {"unsupported features refuse the mount or make it read-only", test_features},
    {"corrupt superblocks and descriptors are refused", test_corrupt_super},
    {"corrupt directories, inodes and block maps give EUCLEAN", test_corrupt_tree},
    CU_TEST_INFO_NULL,
};

void register_ext2_suite(void) { cunit_tap_add_suite("ext2", ext2_tests); }
