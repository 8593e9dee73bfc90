/*
 * The calls that change a process's address space: mmap (anonymous, private file copies, shared
 * anonymous, shared file mappings), mprotect, munmap, brk, mremap, madvise, msync and mincore; mm/mem.c
 * holds the regions and pages, mm/filemap.c the pages of files mapped shared.
 */
#include "kernel/syscall.h"
#include "mm/regions.h"
#include <string.h>
#include <sys/stat.h>

#define MAP_SHARED_ 0x01
#define MAP_PRIVATE_ 0x02
#define MAP_FIXED_ 0x10
#define MAP_ANONYMOUS_ 0x20

static unsigned prot_of(uint64_t linux_prot)
{
    return (linux_prot & 1 ? PX_PROT_READ : 0) | (linux_prot & 2 ? PX_PROT_WRITE | PX_PROT_READ : 0) |
           (linux_prot & 4 ? PX_PROT_EXEC | PX_PROT_READ : 0);
}


/*
 * A shared mapping of the file behind descriptor fd: its pages, read in (this may sleep, so it is done
 * before the address space is touched). NULL with *err; *anon set instead for /dev/zero, whose shared
 * mapping is shared anonymous memory, as on Linux.
 */
static struct lx_filemap *shared_file(struct lx_proc *p, uint64_t fd, uint64_t off, uint64_t len, uint64_t prot,
                                      bool *anon, bool *rdonly, int *err)
{
    struct lx_fd *f = lx_fd_of(p, fd);

    *err = 0;
    if (!f)
        return *err = -LX_EBADF, NULL;
    if (f->kind == FD_ZERO)
        return *anon = true, NULL;
    if (f->kind != FD_FILE || !f->node || !f->node->mnt || !S_ISREG(f->node->mode))
        return *err = -LX_ENODEV, NULL; /* pipes, devices, directories, /proc: no shared mapping */
    int mode = f->flags & LX_O_ACCMODE;
    if (mode == LX_O_WRONLY || ((prot & 2) && mode != LX_O_RDWR))
        return *err = -LX_EACCES, NULL;
    if (off % PX_PAGE_SIZE || off / PX_PAGE_SIZE + len / PX_PAGE_SIZE > (1ull << 40))
        return *err = -LX_EINVAL, NULL;
    *rdonly = mode != LX_O_RDWR || f->node->mnt->rdonly;
    return lx_filemap_get(f, off / PX_PAGE_SIZE, len / PX_PAGE_SIZE, err);
}

int64_t sys_mmap(struct lx_proc *p, struct px_regs *r)
{
    uint64_t len = (A1 + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1), addr = A0;
    struct lx_filemap *fm = NULL;
    bool anon = r->r10 & MAP_ANONYMOUS_, rdonly = false;
    int err;
    int64_t e;

    bool shared = (r->r10 & 3) == MAP_SHARED_;
    if (!len || (r->r10 & 3) == 0 || (r->r10 & 3) == 3)
        return -LX_EINVAL; /* exactly one of MAP_SHARED and MAP_PRIVATE */
    if (len < A1)
        return -LX_ENOMEM;
    if (shared && !anon && !(fm = shared_file(p, r->r8, r->r9, len, A2, &anon, &rdonly, &err)) && err)
        return err;
    if (!(r->r10 & MAP_FIXED_) || addr % PX_PAGE_SIZE) {
        p->leader->mmap_next -= len;
        addr = p->leader->mmap_next;
    } else {
        lx_unmap(p, addr, len);
    }
    if (fm) { /* the file's pages, shared with every other mapping of it */
        if ((e = lx_map_file(p, addr, len, prot_of(A2) | PX_PROT_READ, fm, r->r9 / PX_PAGE_SIZE, rdonly)) < 0)
            return e;
        if (!(A2 & 2) || (A2 & 4))
            lx_protect(p, addr, len, prot_of(A2));
        return (int64_t)addr;
    }
    /* (a private file mapping is writable while lx copies the file in; its protection is set after) */
    unsigned first_prot = prot_of(A2) | PX_PROT_READ | (anon ? 0 : PX_PROT_WRITE);
    if ((e = shared ? lx_map_shared(p, addr, len, first_prot) : lx_map_anon(p, addr, len, first_prot)) < 0)
        return e;
    if (!anon) { /* a private file mapping: a copy of the file's bytes */
        struct lx_fd *f = lx_fd_of(p, r->r8);
        if (!f || f->kind != FD_FILE)
            return lx_unmap(p, addr, len), -LX_EBADF;
        if ((e = lx_node_bytes(f->node)) < 0) /* a disk file's bytes, read in */
            return lx_unmap(p, addr, len), e;
        uint64_t off = r->r9, n = off < f->node->size ? f->node->size - off : 0;
        lx_copy_out(p, addr, f->node->data + off, n < A1 ? n : A1);
        lx_protect(p, addr, len, prot_of(A2));
    } else if (!(A2 & 2) || (A2 & 4)) {
        lx_protect(p, addr, len, prot_of(A2));
    }
    return (int64_t)addr;
}

static int64_t do_brk(struct lx_proc *p, uint64_t want)
{
    uint64_t top = (want + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);
    uint64_t cur = (p->leader->brk + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);

    if (want < p->leader->brk_start || want > p->leader->brk_start + (256ull << 20))
        return (int64_t)p->leader->brk; /* Linux: an impossible request leaves the break where it is */
    if (top > cur && (!lx_range_free(p, cur, top - cur) || lx_map_anon(p, cur, top - cur, PX_PROT_READ | PX_PROT_WRITE) < 0))
        return (int64_t)p->leader->brk;
    p->leader->brk = want;
    return (int64_t)want;
}

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/*
 * mremap: shrink in place, grow in place when the pages after are free, or move (MREMAP_MAYMOVE): to
 * where lx chooses, or to `to` (MREMAP_FIXED, replacing what was there).
 */
static int64_t do_mremap(struct lx_proc *p, uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t to)
{
    uint64_t page = PX_PAGE_SIZE, o = (old_len + page - 1) & ~(page - 1), n = (new_len + page - 1) & ~(page - 1);
    static uint8_t chunk[65536];
    bool fixed = flags & MREMAP_FIXED;
    int e = 0;

    if (old % page || !n || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)) || (fixed && !(flags & MREMAP_MAYMOVE)))
        return -LX_EINVAL; /* MREMAP_DONTUNMAP: not in this version */
    if (fixed && (to % page || (to < old + o && old < to + n) || to < PX_USER_BASE || to >= LX_MMAP_TOP ||
                  n > LX_MMAP_TOP - to))
        return -LX_EINVAL;
    if (n < o && (old > LX_TASK_SIZE || o > LX_TASK_SIZE - old))
        return -LX_EINVAL; /* shrinking unmaps the rest: as munmap, not past user space */
    if (!o || lx_range_free(p, old, o))
        return -LX_EFAULT;
    if ((n > o || fixed) && lx_region_shared(p, old))
        return -LX_EINVAL; /* growing or moving a shared mapping: not in this version */
    if (fixed)
        lx_unmap(p, to, n);
    if (n <= o && !fixed) {
        if (n < o)
            lx_unmap(p, old + n, o - n);
        return (int64_t)old;
    }
    if (!fixed && lx_range_free(p, old + o, n - o)) {
        if ((e = lx_map_anon(p, old + o, n - o, PX_PROT_READ | PX_PROT_WRITE)) < 0)
            return e;
        return (int64_t)old;
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -LX_ENOMEM;
    if (!fixed && (n > p->leader->mmap_next || p->leader->mmap_next - n < p->leader->brk))
        return -LX_ENOMEM;
    uint64_t at = fixed ? to : p->leader->mmap_next - n;
    if (!lx_range_free(p, at, n) || (e = lx_map_anon(p, at, n, PX_PROT_READ | PX_PROT_WRITE)) < 0)
        return e ? e : -LX_ENOMEM;
    if (!fixed)
        p->leader->mmap_next = at;
    uint64_t keep = o < n ? o : n; /* moving and shrinking: what fits moves, the rest goes */
    for (uint64_t done = 0; done < keep; done += sizeof(chunk)) { /* what the old pages hold moves */
        uint64_t k = keep - done < sizeof(chunk) ? keep - done : sizeof(chunk);
        if (lx_copy_in(p, chunk, old + done, k) < 0)
            memset(chunk, 0, k); /* a page the process could not read: it reads as zero there too */
        bool zero = true;
        for (uint64_t i = 0; i < k && zero; i += 8)
            zero = *(uint64_t *)(chunk + i) == 0;
        if (!zero) /* the new pages are demand-zero: zeros need no copy (nor memory) */
            lx_copy_out(p, at + done, chunk, k);
    }
    lx_unmap(p, old, o);
    return (int64_t)at;
}

int64_t sys_brk(struct lx_proc *p, struct px_regs *r) { return do_brk(p, A0); }
int64_t sys_mremap(struct lx_proc *p, struct px_regs *r) { return do_mremap(p, A0, A1, A2, A3, A4); }

static uint64_t page_len(uint64_t len) { return (len + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1); }

int64_t sys_mprotect(struct lx_proc *p, struct px_regs *r)
{
    if (A0 % PX_PAGE_SIZE)
        return -LX_EINVAL;
    return lx_protect(p, A0, page_len(A1), prot_of(A2) | (A2 ? PX_PROT_READ : 0));
}

int64_t sys_munmap(struct lx_proc *p, struct px_regs *r)
{
    int64_t e;

    if (A0 % PX_PAGE_SIZE || !page_len(A1) || A0 > LX_TASK_SIZE || page_len(A1) > LX_TASK_SIZE - A0)
        return -LX_EINVAL;
    if ((e = lx_unmap(p, A0, page_len(A1))) < 0)
        return e;
    lx_filemap_reap(); /* a file whose last mapping this was is written back now (the regions are gone) */
    return 0;
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/*
 * msync: the shared file mappings in [addr, addr + len) written back to their files (those pages that
 * differ from the file); MS_SYNC also waits until the file system has them on its disk (a sync of it),
 * MS_ASYNC leaves that to the file system's write-back, MS_INVALIDATE has nothing to do (the mappings
 * are the file's pages). The ranges are collected first, each object held, and written with no region
 * held: writing may sleep for the disk, and another thread may change the mappings meanwhile.
 */
int64_t sys_msync(struct lx_proc *p, struct px_regs *r)
{
    uint64_t start = A0, len = page_len(A1), flags = A2, va;
    struct { struct lx_filemap *fm; uint64_t first, n; } todo[32];
    int ret = 0, e;

    if (start % PX_PAGE_SIZE || (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)) || start > LX_TASK_SIZE || len > LX_TASK_SIZE - start)
        return -LX_EINVAL;
    for (va = start; va < start + len;) { /* ENOMEM if any of it is not mapped, as on Linux */
        struct lx_region *g = lx_regions_find(p->leader->mm->regions, va);
        if (!g)
            return -LX_ENOMEM;
        va = g->end;
    }
    for (va = start; va < start + len;) {
        unsigned n = 0;
        while (va < start + len && n < 32) {
            struct lx_region *g = lx_regions_find(p->leader->mm->regions, va);
            if (!g)
                break; /* unmapped meanwhile by another thread: what is left is gone */
            uint64_t to = g->end < start + len ? g->end : start + len;
            if (g->file) {
                lx_filemap_hold(g->file);
                todo[n++] = (typeof(todo[0])){g->file, g->file_page + (va - g->start) / PX_PAGE_SIZE,
                                              (to - va) / PX_PAGE_SIZE};
            }
            va = to;
        }
        for (unsigned i = 0; i < n; i++) {
            if ((e = lx_filemap_writeback(todo[i].fm, todo[i].first, todo[i].n)) < 0)
                ret = e;
            if (ret == 0 && (flags & MS_SYNC)) {
                struct lx_mount *m = lx_filemap_mount(todo[i].fm);
                if (m && m->ops->sync && (e = m->ops->sync(m)) < 0)
                    ret = e;
            }
            lx_filemap_release(todo[i].fm);
        }
        if (!n && va < start + len && !lx_regions_find(p->leader->mm->regions, va))
            break;
    }
    return ret;
}

/* mincore: a byte per page of [addr, addr + len), 1 if it is in memory (touched, or a file's page). */
int64_t sys_mincore(struct lx_proc *p, struct px_regs *r)
{
    uint64_t start = A0, len = page_len(A1);
    uint8_t vec[256];

    if (start % PX_PAGE_SIZE || start > LX_TASK_SIZE || len > LX_TASK_SIZE - start)
        return -LX_EINVAL;
    for (uint64_t va = start; va < start + len;) {
        struct lx_region *g = lx_regions_find(p->leader->mm->regions, va);
        if (!g)
            return -LX_ENOMEM;
        va = g->end;
    }
    for (uint64_t done = 0; done < len / PX_PAGE_SIZE;) {
        unsigned n = 0;
        for (; n < sizeof(vec) && done + n < len / PX_PAGE_SIZE; n++)
            vec[n] = lx_page_present(p, start + (done + n) * PX_PAGE_SIZE);
        if (lx_copy_out(p, A2 + done, vec, n) < 0)
            return -LX_EFAULT;
        done += n;
    }
    return 0;
}

int64_t sys_madvise(struct lx_proc *p, struct px_regs *r)
{
    uint64_t len = page_len(A1);

    if (A0 % PX_PAGE_SIZE)
        return -LX_EINVAL;
    if (A2 == 4) /* MADV_DONTNEED: the pages read as zero from now on */
        return lx_mem_zero(p, A0, len);
    if (A2 > 21 || (A2 >= 9 && A2 <= 11) || A2 == 18 || A2 == 19) /* DONTFORK, WIPEONFORK, ...: no */
        return -LX_EINVAL;
    return lx_range_free(p, A0, len) && len ? -LX_ENOMEM : 0; /* the rest are hints (MADV_FREE too) */
}
