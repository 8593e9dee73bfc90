/*
 * /dev: the devices lx has, by name. They are not nodes of the tree: a path here opens a description of
 * the device's kind (the console is dev/tty.c's, the disks /dev/vda... the buffer cache's, fs/buffer.c;
 * null, zero and the random devices are here).
 */
#include "dev/blk.h"
#include <string.h>

void lx_devfs_kind(const char *path, enum lx_fd_kind *kind)
{
    static const struct { const char *path; enum lx_fd_kind kind; } devs[] = {
        {"/dev/console", FD_CONSOLE}, {"/dev/tty", FD_CONSOLE}, {"/dev/null", FD_NULL},
        {"/dev/zero", FD_ZERO},       {"/dev/urandom", FD_RANDOM}, {"/dev/random", FD_RANDOM},
    };
    for (unsigned i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
        if (strcmp(path, devs[i].path) == 0) {
            *kind = devs[i].kind;
            return;
        }
    *kind = FD_NONE;
}

/* /dev/null: reads find the end, writes vanish. */
static int64_t null_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off) { return 0; }

static int64_t sink_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    return (int64_t)len;
}

/* /dev/zero: zeros. */
static int64_t zero_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    memset(buf, 0, len);
    return (int64_t)len;
}

/* /dev/random and /dev/urandom: kernel/random.c's bytes (writes are taken and not mixed in). */
static int64_t random_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    lx_random(buf, len);
    return (int64_t)len;
}

const struct lx_file_ops lx_null_ops = {.read = null_read, .write = sink_write, .seekable = true};
const struct lx_file_ops lx_zero_ops = {.read = zero_read, .write = sink_write, .seekable = true};
const struct lx_file_ops lx_random_ops = {.read = random_read, .write = sink_write};

/* /dev/vda, /dev/vdb...: a description of the disk, or NULL (no such disk: *err 0; or -LX_E*). */
struct lx_fd *lx_devfs_open_disk(const char *path, int flags, int *err)
{
    struct lx_disk *d = strncmp(path, "/dev/", 5) == 0 ? lx_disk_find(path + 5) : NULL;
    struct lx_fd *f;

    *err = 0;
    if (!d)
        return NULL;
    if ((flags & LX_O_ACCMODE) && d->read_only) {
        *err = -LX_EROFS;
        return NULL;
    }
    if (!(f = lx_file_new_ops(&lx_disk_file_ops, d, flags)))
        *err = -LX_ENOMEM;
    return f;
}
