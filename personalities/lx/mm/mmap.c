/*
 * The calls that change a process's address space: mmap (anonymous, private file copies, shared
 * anonymous), mprotect, munmap, brk, mremap and madvise; mm/mem.c holds the regions and pages.
 */
#include "kernel/syscall.h"
#include <string.h>

#define MAP_SHARED_ 0x01
#define MAP_PRIVATE_ 0x02
#define MAP_FIXED_ 0x10
#define MAP_ANONYMOUS_ 0x20

static unsigned prot_of(uint64_t linux_prot)
{
    return (linux_prot & 1 ? PX_PROT_READ : 0) | (linux_prot & 2 ? PX_PROT_WRITE | PX_PROT_READ : 0) |
           (linux_prot & 4 ? PX_PROT_EXEC | PX_PROT_READ : 0);
}


int64_t sys_mmap(struct lx_proc *p, struct px_regs *r)
{
    uint64_t len = (A1 + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1), addr = A0;
    int64_t e;

    bool shared = (r->r10 & 3) == MAP_SHARED_;
    if (!len || (r->r10 & 3) == 0 || (r->r10 & 3) == 3)
        return -LX_EINVAL; /* exactly one of MAP_SHARED and MAP_PRIVATE */
    if (shared && !(r->r10 & MAP_ANONYMOUS_))
        return -LX_ENODEV; /* a shared file mapping: the tmpfs keeps files in lx's heap, not in frames */
    if (!(r->r10 & MAP_FIXED_) || addr % PX_PAGE_SIZE) {
        p->leader->mmap_next -= len;
        addr = p->leader->mmap_next;
    } else {
        lx_unmap(p, addr, len);
    }
    if ((e = shared ? lx_map_shared(p, addr, len, prot_of(A2) | PX_PROT_READ)
                    : lx_map_anon(p, addr, len, prot_of(A2) | PX_PROT_READ)) < 0)
        return e;
    if (!(r->r10 & MAP_ANONYMOUS_)) { /* a private file mapping: a copy of the file's bytes */
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
    if (A0 % PX_PAGE_SIZE || !page_len(A1) || A0 > LX_TASK_SIZE || page_len(A1) > LX_TASK_SIZE - A0)
        return -LX_EINVAL;
    return lx_unmap(p, A0, page_len(A1));
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
