/* getdents64: a directory's entries, from the tree or from /proc, as struct linux_dirent64 records. */
#include "kernel/syscall.h"
#include <string.h>
#include <sys/stat.h>

static int64_t do_getdents64(struct lx_proc *p, struct lx_fd *f, uint64_t buf, uint64_t len)
{
    uint8_t out[4096];
    uint64_t used = 0;

    if (f->kind != FD_DIR)
        return -LX_ENOTDIR;
    for (;;) {
        char pname[32];
        uint8_t ptype = 0;
        struct lx_node *c = f->offset < 2 ? f->node
                            : f->node->proc ? (lx_procfs_child(f->node, (unsigned)f->offset - 2, pname, sizeof(pname), &ptype)
                                                   ? f->node : NULL)
                                            : lx_fs_child(f->node, (unsigned)f->offset - 2);
        if (!c)
            break;
        const char *name = f->offset == 0 ? "." : f->offset == 1 ? ".." : ptype ? pname : lx_basename(c);
        uint16_t reclen = (uint16_t)((19 + strlen(name) + 1 + 7) & ~7u);
        if (used + reclen > len || used + reclen > sizeof(out))
            break;
        uint8_t *d = out + used;
        uint64_t ino = c->ino, off = f->offset + 1;
        memcpy(d, &ino, 8), memcpy(d + 8, &off, 8), memcpy(d + 16, &reclen, 2);
        d[18] = ptype ? ptype : S_ISDIR(c->mode) ? 4 : S_ISLNK(c->mode) ? 10 : 8;
        memset(d + 19, 0, reclen - 19u);
        strcpy((char *)d + 19, name);
        used += reclen;
        f->offset++;
    }
    char spare[32];
    uint8_t t;
    if (!used && (f->offset < 2 || (f->node->proc ? lx_procfs_child(f->node, (unsigned)f->offset - 2, spare, sizeof(spare), &t)
                                                  : lx_fs_child(f->node, (unsigned)f->offset - 2) != NULL)))
        return -LX_EINVAL; /* the buffer cannot hold the next entry */
    return lx_copy_out(p, buf, out, used) < 0 ? -LX_EFAULT : (int64_t)used;
}

int64_t sys_getdents64(struct lx_proc *p, struct px_regs *r)
{
    struct lx_fd *f = lx_fd_of(p, A0);

    return f ? do_getdents64(p, f, A1, A2) : -LX_EBADF;
}
