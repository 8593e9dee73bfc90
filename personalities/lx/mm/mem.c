/*
 * Processes' memory. A process's address space is a set of regions (a tree by address, mm/regions.c); a region's pages come from a
 * run of pages lx holds (struct lx_mem: a frame that lx also maps into itself, so that copying to and
 * from a process is a memcpy). fork shares every run copy-on-write: the child maps the parent's pages
 * and both lose write access to them; the first write to a shared page faults, and lx gives the
 * writer a page of its own, copied, in that region's `own` array. A run is counted by the regions that
 * use it (not by page): one whose count is 1 belongs to its region alone and is written in place.
 *
 * Anonymous memory (mmap, brk) is demand-zero: its region has no run (base NULL), and each page comes
 * into being, zeroed, at the process's first touch (a fault) or lx's first write to it; until then it
 * reads as zero. A region made with its bytes (a program's segments, the stack) has a run from the start,
 * and so has MAP_SHARED memory (`shared`), which fork shares writable, with no copy-on-write.
 *
 * Single pages come from a pool of chunks (frames of up to 256 pages that lx keeps while any page of
 * them is in use), so a copy costs a bit in a bitmap rather than a frame object and a cap slot. The pool
 * has as many chunks as lx's memory holds; the first with a free page is found from a hint.
 *
 * Pages are promised, not hoped for: every writable page of every process, and every page lx backs
 * from the start, is charged against lx's memory (as Linux's strict overcommit mode charges private
 * writable mappings), so a fork or an mmap that could not get all its pages fails with ENOMEM at once.
 * Should lx's memory still run out (its pool's chunks are fragmented), the process touching a page it
 * cannot get is killed, as by Linux's OOM killer.
 */
#include "lx.h"
#include "mm/quota.h"
#include "mm/regions.h"
#include <stdlib.h>
#include <string.h>

#define PAGE PX_PAGE_SIZE
#define CHUNK_PAGES 256

struct lx_mem {
    uint32_t frame;  /* cap: the run's own frame, or its chunk's */
    uint64_t first;  /* the run's first page in that frame */
    uint64_t pages;
    uint8_t *alias;  /* the run in lx */
    int refs;        /* regions that use it */
    int chunk;       /* the pool chunk a single page comes from; -1 for a run with its own frame */
};

static struct chunk {
    uint32_t frame;
    uint8_t *alias; /* NULL: a free entry */
    unsigned pages, used;
    uint64_t busy[CHUNK_PAGES / 64];
} *chunks;          /* as many as lx's memory needs: the array doubles */
static int nchunks, room; /* no chunk below `room` has a free page */
static uint64_t pages_held, committed; /* pages lx holds for processes; writable pages it has promised */

uint64_t lx_pages_in_use(void) { return pages_held; }

/* Promise pages more pages (false if lx's free memory, less 1/16 for itself, cannot cover them). */
static bool images_reclaim(void);

static bool commit(uint64_t pages)
{
    uint64_t limit = libos_bootinfo->memory_pages - libos_bootinfo->memory_pages / 16;

    while (committed + pages > limit) /* the program images no process runs go first */
        if (!images_reclaim())
            return false;
    committed += pages;
    return true;
}

/* What a region is charged: all its pages if they are writable or backed from the start. */
static uint64_t writable(const struct lx_region *r)
{
    if (r->noreserve || r->file || (r->image && !(r->prot & PX_PROT_WRITE)))
        return 0; /* an image is charged once, in the cache; a file's pages once, as mm/filemap.c makes them */
    return r->prot & PX_PROT_WRITE || r->base ? (r->end - r->start) / PAGE : 0;
}

/* Walk every region of the process whose memory p uses, in address order. */
#define FOR_EACH_REGION(r, p) \
    for (struct lx_region *r = lx_regions_from((p)->leader->mm->regions, 0); r; \
         r = lx_regions_from((p)->leader->mm->regions, r->end))

uint64_t lx_proc_pages(const struct lx_proc *p)
{
    uint64_t pages = 0;

    FOR_EACH_REGION(r, p)
        pages += (r->end - r->start) / PAGE;
    return pages;
}

/* ---- runs and the pool ---- */

static struct lx_mem *mem_new(uint64_t pages)
{
    struct lx_mem *m = malloc(sizeof(*m));

    if (!m || !(m->alias = libos_map_new(pages, &m->frame))) {
        free(m);
        return NULL;
    }
    m->first = 0, m->pages = pages, m->refs = 1, m->chunk = -1;
    pages_held += pages;
    return m;
}

/* A free entry of the chunk array (grown when there is none), or -1. */
static int chunk_entry(void)
{
    for (int i = 0; i < nchunks; i++)
        if (!chunks[i].alias)
            return i;
    int n = nchunks ? nchunks * 2 : 64;
    struct chunk *grown = realloc(chunks, (size_t)n * sizeof(*chunks));
    if (!grown)
        return -1;
    memset(grown + nchunks, 0, (size_t)(n - nchunks) * sizeof(*chunks));
    chunks = grown;
    int first = nchunks;
    nchunks = n;
    return first;
}

/* One page from the pool (a new chunk when the others are full: smaller ones as memory runs short). */
static struct lx_mem *page_new(void)
{
    struct lx_mem *m = malloc(sizeof(*m));
    int c = -1, empty;

    if (!m)
        return NULL;
    while (room < nchunks && !(chunks[room].alias && chunks[room].used < chunks[room].pages))
        room++;
    if (room < nchunks)
        c = room;
    if (c < 0 && (empty = chunk_entry()) >= 0)
        for (unsigned n = CHUNK_PAGES; n && c < 0; n /= 4)
            if ((chunks[empty].alias = libos_map_new(n, &chunks[empty].frame))) {
                chunks[empty].pages = n, chunks[empty].used = 0;
                memset(chunks[empty].busy, 0, sizeof(chunks[empty].busy));
                c = empty;
                room = room < c ? room : c;
            }
    if (c < 0) {
        free(m);
        return NULL;
    }
    struct chunk *k = &chunks[c];
    unsigned i = 0;
    while (k->busy[i / 64] >> (i % 64) & 1)
        i++;
    k->busy[i / 64] |= 1ull << (i % 64);
    k->used++;
    *m = (struct lx_mem){k->frame, i, 1, k->alias + (uint64_t)i * PAGE, 1, c};
    pages_held++;
    return m;
}

/* A region lets go of a run; the last one frees it. No process may map it any more by then. */
static void mem_put(struct lx_mem *m)
{
    if (--m->refs > 0)
        return;
    pages_held -= m->pages;
    if (m->chunk < 0) {
        libos_unmap_free(m->alias, m->pages, m->frame);
    } else {
        struct chunk *k = &chunks[m->chunk];
        k->busy[m->first / 64] &= ~(1ull << (m->first % 64));
        room = room < m->chunk ? room : m->chunk;
        if (--k->used == 0) {
            libos_unmap_free(k->alias, k->pages, k->frame);
            k->alias = NULL;
        }
    }
    free(m);
}

/* ---- regions ---- */

static uint64_t npages(const struct lx_region *r) { return (r->end - r->start) / PAGE; }

static struct lx_mem *page_mem(const struct lx_region *r, uint64_t i)
{
    return r->own && r->own[i] ? r->own[i] : r->base;
}

/* The page's bytes in lx; NULL for a demand-zero page not yet touched. */
static uint8_t *page_bytes(const struct lx_region *r, uint64_t i)
{
    return r->own && r->own[i] ? r->own[i]->alias : r->base ? r->base->alias + (r->base_page + i) * PAGE : NULL;
}

uint8_t *lx_region_bytes(const struct lx_region *r) { return page_bytes(r, 0); }

/* Does any other region use a page of r? Then writes to r must fault first. */
static bool shared(const struct lx_region *r)
{
    if (r->base && r->base->refs > 1)
        return true;
    for (uint64_t i = 0; r->own && i < npages(r); i++)
        if (r->own[i] && r->own[i]->refs > 1)
            return true;
    return false;
}

/* The protection r's pages get in the process: without write while any is shared copy-on-write. */
static unsigned hw_prot(const struct lx_region *r)
{
    return !r->shared && shared(r) ? r->prot & ~PX_PROT_WRITE : r->prot;
}

/* Operations, sent in batches as they fill. */
struct ops {
    uint32_t task;
    unsigned n;
    int status;
    struct px_map_op op[64];
};

static void flush(struct ops *o)
{
    if (o->n && lx_map_batch(o->task, o->op, o->n) != PX_OK)
        o->status = -LX_ENOMEM;
    o->n = 0;
}

static void emit(struct ops *o, uint32_t op, const struct lx_mem *m, uint64_t frame_page, uint64_t va, uint64_t pages,
                 unsigned prot)
{
    o->op[o->n++] = (struct px_map_op){op, m ? m->frame : 0, va, frame_page, pages, prot, 0};
    if (o->n == sizeof(o->op) / sizeof(o->op[0]))
        flush(o);
}

/* Map all of r into the process with protection prot (not 0). */
static void map_region(struct ops *o, const struct lx_region *r, unsigned prot)
{
    if (r->base)
        emit(o, PX_MAP_OP_MAP, r->base, r->base->first + r->base_page, r->start, npages(r), prot);
    for (uint64_t i = 0; r->own && i < npages(r); i++)
        if (r->own[i])
            emit(o, PX_MAP_OP_MAP, r->own[i], r->own[i]->first, r->start + i * PAGE, 1, prot);
}

static void drop_region(struct lx_region *r)
{
    committed -= writable(r);
    for (uint64_t i = 0; r->own && i < npages(r); i++)
        if (r->own[i])
            mem_put(r->own[i]);
    free(r->own);
    if (r->base)
        mem_put(r->base);
    r->own = NULL;
    if (r->file)
        lx_filemap_release(r->file);
    r->file = NULL;
}

static struct lx_region *region_at(struct lx_proc *p, uint64_t va)
{
    return lx_regions_find(p->leader->mm->regions, va);
}

bool lx_range_free(const struct lx_proc *p, uint64_t start, uint64_t len)
{
    struct lx_region *r = lx_regions_from(p->leader->mm->regions, start);

    return !r || r->start >= start + len;
}

/* A new region (not yet in the tree) of the process whose memory p uses; NULL past LX_MAX_MAP_COUNT. */
static struct lx_region *region_alloc(struct lx_proc *p, const struct lx_region *init)
{
    struct lx_region *r;

    if (p->leader->mm->nregions >= LX_MAX_MAP_COUNT || !(r = malloc(sizeof(*r))))
        return NULL;
    *r = *init;
    return r;
}

/* Link r into its process's tree, or take it out and free it (its pages already let go of). */
static void region_link(struct lx_proc *p, struct lx_region *r)
{
    lx_regions_insert(&p->leader->mm->regions, r);
    p->leader->mm->nregions++;
}

static void region_unlink(struct lx_proc *p, struct lx_region *r)
{
    lx_regions_remove(&p->leader->mm->regions, r);
    p->leader->mm->nregions--;
    free(r);
}

struct lx_region *lx_region_new(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    struct lx_region *r = region_alloc(p, &(struct lx_region){.start = start, .end = start + len, .prot = prot});
    struct lx_mem *m;

    if (!r || !commit(len / PAGE)) { /* backed: charged whatever its prot */
        free(r);
        return NULL;
    }
    if (!(m = mem_new(len / PAGE))) {
        committed -= len / PAGE;
        free(r);
        return NULL;
    }
    r->base = m;
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};
    if (prot) {
        map_region(&o, r, prot);
        flush(&o);
    }
    if (o.status < 0) {
        committed -= len / PAGE;
        mem_put(m);
        free(r);
        return NULL;
    }
    region_link(p, r);
    return r;
}

/*
 * Program images. A program's read-only segments (text, read-only data) are the same bytes in every
 * process that runs it, so they are made once and shared, as a page cache would: a thousand `cat`s of a
 * busybox hold one copy of its 1.9 MiB of text, not a thousand. An image is found by its file and
 * segment, and taken only if its bytes are still the file's (a file rewritten since gets a new image).
 * The cache holds a reference to each image's pages, charged once; images no process uses are let go
 * when memory is short (commit) or when found stale.
 */
struct image {
    const void *file; /* the node it was loaded from: a key only (the bytes are compared) */
    uint64_t vaddr, pages, data, filesz;
    struct lx_mem *m;
    struct image *next;
};
#define IMAGE_BUCKETS 64
static struct image *images[IMAGE_BUCKETS];

static void image_free(struct image **at)
{
    struct image *i = *at;

    *at = i->next;
    committed -= i->pages;
    mem_put(i->m);
    free(i);
}

static bool images_reclaim(void)
{
    bool any = false;

    for (unsigned b = 0; b < IMAGE_BUCKETS; b++)
        for (struct image **at = &images[b]; *at;)
            if ((*at)->m->refs == 1)
                image_free(at), any = true;
            else
                at = &(*at)->next;
    return any;
}

/* The image of a segment: len bytes at start, filesz of them from bytes at offset data, the rest zero. */
static struct image *image_get(const void *file, uint64_t start, uint64_t len, const uint8_t *bytes, uint64_t data,
                               uint64_t filesz)
{
    struct image **head = &images[((uintptr_t)file / 64 ^ start / PAGE) % IMAGE_BUCKETS], **at = head, *i;

    while ((i = *at)) {
        if (i->file == file && i->vaddr == start && i->pages == len / PAGE && i->data == data && i->filesz == filesz) {
            if (memcmp(i->m->alias + data, bytes, filesz) == 0)
                return i;
            if (i->m->refs == 1) { /* the file changed and nobody runs the old bytes */
                image_free(at);
                continue;
            }
        }
        at = &i->next;
    }
    if (!(i = malloc(sizeof(*i))) || !commit(len / PAGE)) {
        free(i);
        return NULL;
    }
    *i = (struct image){file, start, len / PAGE, data, filesz, mem_new(len / PAGE), *head};
    if (!i->m) {
        committed -= len / PAGE;
        free(i);
        return NULL;
    }
    memcpy(i->m->alias + data, bytes, filesz);
    *head = i;
    return i;
}

struct lx_region *lx_region_image(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot, const void *file,
                                  const uint8_t *bytes, uint64_t data, uint64_t filesz)
{
    struct image *i = image_get(file, start, len, bytes, data, filesz);
    struct lx_region *r = i ? region_alloc(p, &(struct lx_region){.start = start, .end = start + len, .prot = prot,
                                                                  .base = i->m, .image = true})
                            : NULL;
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};

    if (!r)
        return NULL;
    i->m->refs++;
    region_link(p, r);
    if (prot) {
        map_region(&o, r, hw_prot(r));
        flush(&o);
    }
    if (o.status < 0) {
        drop_region(r);
        region_unlink(p, r);
        return NULL;
    }
    return r;
}

/* Make va a boundary between regions (cutting the one it falls inside in two). */
static int split(struct lx_proc *p, uint64_t va)
{
    struct lx_region *r = region_at(p, va);

    if (!r || r->start == va)
        return 0;
    uint64_t k = (va - r->start) / PAGE, n = npages(r);
    struct lx_region *t = region_alloc(p, &(struct lx_region){.start = va, .end = r->end, .prot = r->prot, .base = r->base,
                                                              .base_page = r->base_page + k, .shared = r->shared,
                                                              .noreserve = r->noreserve, .image = r->image,
                                                              .program = r->program, .pgoff = r->pgoff + (va - r->start),
                                                              .file = r->file, .file_page = r->file_page + k,
                                                              .file_rdonly = r->file_rdonly});
    if (!t)
        return -LX_ENOMEM;
    if (r->own) {
        if (!(t->own = malloc((n - k) * sizeof(*t->own)))) {
            free(t);
            return -LX_ENOMEM;
        }
        memcpy(t->own, r->own + k, (n - k) * sizeof(*t->own));
        memset(r->own + k, 0, (n - k) * sizeof(*t->own));
    }
    if (r->base)
        r->base->refs++;
    if (r->file)
        lx_filemap_hold(r->file);
    r->end = va;
    region_link(p, t);
    return 0;
}

int lx_map_anon(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    if (prot & PX_PROT_WRITE)
        prot &= ~PX_PROT_EXEC; /* W^X: a writable mapping is never executable here */
    struct lx_region *r = region_alloc(p, &(struct lx_region){.start = start, .end = start + len, .prot = prot});
    if (!r || !commit(prot & PX_PROT_WRITE ? len / PAGE : 0)) {
        free(r);
        return -LX_ENOMEM;
    }
    region_link(p, r);
    return 0; /* demand-zero: nothing is mapped until it is touched */
}

int lx_map_stack(struct lx_proc *p, uint64_t start, uint64_t len)
{
    struct lx_region *r =
        region_alloc(p, &(struct lx_region){.start = start, .end = start + len,
                                                      .prot = PX_PROT_READ | PX_PROT_WRITE, .noreserve = true});

    if (!r)
        return -LX_ENOMEM;
    region_link(p, r);
    return 0;
}

int lx_map_shared(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    struct lx_region *r;

    if (prot & PX_PROT_WRITE)
        prot &= ~PX_PROT_EXEC;
    if (!(r = lx_region_new(p, start, len, prot))) /* backed: every process that shares it sees one page */
        return -LX_ENOMEM;
    r->shared = true;
    return 0;
}

/* ---- the pages of shared file mappings (mm/filemap.c keeps them per file) ---- */

struct lx_mem *lx_page_alloc(void)
{
    struct lx_mem *m;

    if (!commit(1))
        return NULL;
    if (!(m = page_new()))
        committed--;
    return m;
}

void lx_page_free(struct lx_mem *m)
{
    committed--;
    mem_put(m);
}

uint8_t *lx_page_bytes(struct lx_mem *m) { return m->alias; }

int lx_map_file(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot, struct lx_filemap *fm,
                uint64_t first, bool rdonly)
{
    struct lx_region *r;
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};

    if (prot & PX_PROT_WRITE)
        prot &= ~PX_PROT_EXEC;
    r = region_alloc(p, &(struct lx_region){.start = start, .end = start + len, .prot = prot, .shared = true,
                                            .file = fm, .file_page = first, .file_rdonly = rdonly});
    if (!r || !(r->own = calloc(npages(r), sizeof(*r->own)))) {
        free(r);
        lx_filemap_release(fm);
        return -LX_ENOMEM;
    }
    for (uint64_t i = 0; i < npages(r); i++) {
        r->own[i] = lx_filemap_page(fm, first + i);
        r->own[i]->refs++;
    }
    region_link(p, r);
    if (prot) {
        map_region(&o, r, prot);
        flush(&o);
    }
    if (o.status < 0) {
        drop_region(r);
        region_unlink(p, r);
        return o.status;
    }
    return 0;
}

bool lx_page_present(struct lx_proc *p, uint64_t va)
{
    struct lx_region *r = region_at(p, va);

    return r && page_mem(r, (va - r->start) / PAGE);
}

bool lx_region_shared(struct lx_proc *p, uint64_t va)
{
    struct lx_region *r = region_at(p, va);

    return r && r->shared;
}

/* A demand-zero page of r comes into being: zeroed, the process's own, mapped as r allows. */
static int materialize(struct lx_proc *p, struct lx_region *r, uint64_t i)
{
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};
    struct lx_mem *n;

    if (!r->own && !(r->own = calloc(npages(r), sizeof(*r->own))))
        return -LX_ENOMEM;
    if (!(n = page_new()))
        return -LX_ENOMEM;
    memset(n->alias, 0, PAGE);
    if (r->prot) {
        emit(&o, PX_MAP_OP_MAP, n, n->first, r->start + i * PAGE, 1, r->prot);
        flush(&o);
    }
    if (o.status < 0) {
        mem_put(n);
        return o.status;
    }
    r->own[i] = n;
    return 0;
}

/*
 * Unmap from the process what its regions in [start, end) have mapped, one operation for each run of
 * adjacent regions: a region that never had a page (no run, no page of its own) has nothing mapped, and
 * the kernel's unmapping costs a walk of the task's mapping records, so it is asked only where needed.
 */
static void unmap_regions(struct ops *o, struct lx_proc *p, uint64_t start, uint64_t end)
{
    uint64_t from = 0, to = 0;

    for (struct lx_region *r = lx_regions_from(p->leader->mm->regions, start); r && r->start < end;
         r = lx_regions_from(p->leader->mm->regions, r->end)) {
        if (!r->base && !r->own)
            continue;
        uint64_t a = r->start > start ? r->start : start, b = r->end < end ? r->end : end;
        if (to != a && to > from)
            emit(o, PX_MAP_OP_UNMAP, NULL, 0, from, (to - from) / PAGE, 0);
        if (to != a)
            from = a;
        to = b;
    }
    if (to > from)
        emit(o, PX_MAP_OP_UNMAP, NULL, 0, from, (to - from) / PAGE, 0);
}

int lx_unmap(struct lx_proc *p, uint64_t start, uint64_t len)
{
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};

    if (split(p, start) < 0 || split(p, start + len) < 0)
        return -LX_ENOMEM;
    unmap_regions(&o, p, start, start + len);
    flush(&o);
    for (struct lx_region *r = lx_regions_from(p->leader->mm->regions, start), *next; r && r->start < start + len;
         r = next) { /* each lies inside the range, after the splits */
        next = lx_regions_from(p->leader->mm->regions, r->end);
        drop_region(r);
        region_unlink(p, r);
    }
    return 0;
}

int lx_protect(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};

    if ((prot & PX_PROT_WRITE) && (prot & PX_PROT_EXEC))
        return -LX_EACCES;
    for (uint64_t va = start; va < start + len;) { /* every page must be mapped */
        struct lx_region *r = region_at(p, va);
        if (!r)
            return -LX_ENOMEM;
        if (r->file_rdonly && (prot & PX_PROT_WRITE))
            return -LX_EACCES; /* a shared mapping of a file opened without write access */
        va = r->end;
    }
    if (split(p, start) < 0 || split(p, start + len) < 0)
        return -LX_ENOMEM;
    for (struct lx_region *r = lx_regions_from(p->leader->mm->regions, start); r && r->start < start + len;
         r = lx_regions_from(p->leader->mm->regions, r->end)) {
        unsigned was = r->prot;
        uint64_t before = writable(r);
        r->prot = prot;
        if (writable(r) > before && !commit(writable(r) - before)) {
            r->prot = was;
            flush(&o);
            return -LX_ENOMEM;
        }
        committed -= before > writable(r) ? before - writable(r) : 0;
        if (!prot)
            emit(&o, PX_MAP_OP_UNMAP, NULL, 0, r->start, npages(r), 0);
        else if (!was)
            map_region(&o, r, hw_prot(r));
        else
            emit(&o, PX_MAP_OP_PROTECT, NULL, 0, r->start, npages(r), hw_prot(r));
    }
    flush(&o);
    return o.status;
}

/*
 * A write to page i of r, which is writable: if the page is shared, the process gets a copy of its
 * own; if it is not, write access comes back (to all of r when nothing in it is shared any more).
 */
static int unshare(struct lx_proc *p, struct lx_region *r, uint64_t i)
{
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};
    struct lx_mem *m = page_mem(r, i), *n;

    if (m->refs == 1) {
        if (shared(r))
            emit(&o, PX_MAP_OP_PROTECT, NULL, 0, r->start + i * PAGE, 1, r->prot);
        else
            emit(&o, PX_MAP_OP_PROTECT, NULL, 0, r->start, npages(r), r->prot);
        flush(&o);
        return o.status;
    }
    if (!r->own && !(r->own = calloc(npages(r), sizeof(*r->own))))
        return -LX_ENOMEM;
    if (!(n = page_new()))
        return -LX_ENOMEM;
    memcpy(n->alias, page_bytes(r, i), PAGE);
    if (r->prot) /* a PROT_NONE page (madvise's) stays unmapped */
        emit(&o, PX_MAP_OP_MAP, n, n->first, r->start + i * PAGE, 1, r->prot);
    flush(&o);
    if (o.status < 0) {
        mem_put(n);
        return o.status;
    }
    if (r->own[i])
        mem_put(r->own[i]);
    r->own[i] = n;
    return 0;
}

int lx_mem_fault(struct lx_proc *p, uint64_t addr, uint64_t access)
{
    struct lx_region *r = region_at(p, addr);
    uint64_t i = r ? (addr - r->start) / PAGE : 0;

    if (r && !page_mem(r, i)) { /* a demand-zero page's first touch, if the region allows the access */
        bool allowed = r->prot && (!(access & PX_ACCESS_WRITE) || (r->prot & PX_PROT_WRITE)) &&
                       (!(access & PX_ACCESS_EXEC) || (r->prot & PX_PROT_EXEC));
        return !allowed ? 0 : materialize(p, r, i) < 0 ? -LX_ENOMEM : 1;
    }
    /* Otherwise only a write to a present page of a writable private region is copy-on-write: the rest
       are signals. */
    if (!r || r->shared || !(access & PX_ACCESS_WRITE) || !(access & PX_ACCESS_PRESENT) || !(r->prot & PX_PROT_WRITE))
        return 0;
    return unshare(p, r, i) < 0 ? -LX_ENOMEM : 1;
}

int lx_mem_fork(struct lx_proc *parent, struct lx_proc *c)
{
    struct ops child = {c->leader->mm->task, 0, 0, {{0}}}, self = {parent->leader->mm->task, 0, 0, {{0}}};
    uint64_t charge = 0;

    FOR_EACH_REGION(r, parent)
        charge += writable(r);
    if (!commit(charge))
        return -LX_ENOMEM;
    committed -= charge; /* each region is charged as the child gets it */
    FOR_EACH_REGION(r, parent) {
        struct lx_region *n = region_alloc(c, r);
        if (!n)
            return -LX_ENOMEM;
        if (r->own && !(n->own = malloc(npages(r) * sizeof(*n->own)))) {
            free(n);
            return -LX_ENOMEM;
        }
        if (r->own) {
            memcpy(n->own, r->own, npages(r) * sizeof(*n->own));
            for (uint64_t i = 0; i < npages(r); i++)
                if (n->own[i])
                    n->own[i]->refs++;
        }
        if (n->base)
            n->base->refs++;
        if (n->file)
            lx_filemap_hold(n->file);
        committed += writable(n);
        region_link(c, n); /* the child's lx_mem_free lets go of what it holds, however far this got */
        if (!r->prot)
            continue;
        if (r->shared) { /* both keep writing the same pages */
            map_region(&child, n, r->prot);
            continue;
        }
        map_region(&child, n, r->prot & ~PX_PROT_WRITE);
        if (r->prot & PX_PROT_WRITE)
            emit(&self, PX_MAP_OP_PROTECT, NULL, 0, r->start, npages(r), r->prot & ~PX_PROT_WRITE);
    }
    flush(&child);
    flush(&self);
    return child.status < 0 ? child.status : self.status;
}

void lx_mem_free(struct lx_proc *p)
{
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};

    if (p->leader->mm->task)
        unmap_regions(&o, p, 0, ~0ull);
    flush(&o);
    while (p->leader->mm->regions) {
        struct lx_region *r = p->leader->mm->regions;
        drop_region(r);
        region_unlink(p, r);
    }
}

int lx_mem_zero(struct lx_proc *p, uint64_t start, uint64_t len)
{
    for (uint64_t va = start; va < start + len;) { /* every page must be mapped */
        struct lx_region *r = region_at(p, va);
        if (!r)
            return -LX_ENOMEM;
        va = r->end;
    }
    struct ops o = {p->leader->mm->task, 0, 0, {{0}}};
    for (uint64_t va = start; va < start + len; va += PAGE) {
        struct lx_region *r = region_at(p, va);
        uint64_t i = (va - r->start) / PAGE;
        struct lx_mem *m = page_mem(r, i);
        if (!m || r->shared)
            continue; /* never touched: zero already; shared: its pages stay, as shmem's do */
        if (!r->base) { /* demand-zero: the page goes, and comes back zeroed at the next touch */
            emit(&o, PX_MAP_OP_UNMAP, NULL, 0, va, 1, 0);
            flush(&o);
            mem_put(m);
            r->own[i] = NULL;
            continue;
        }
        if (m->refs > 1 && unshare(p, r, i) < 0)
            return -LX_ENOMEM;
        memset(page_bytes(r, i), 0, PAGE);
    }
    return 0;
}

/* ---- copying to and from a process ---- */

static int copy(struct lx_proc *p, uint64_t va, void *buf, uint64_t len, bool out)
{
    uint8_t *b = buf;

    while (len) {
        struct lx_region *r = region_at(p, va);
        if (!r || !r->prot || (out && !(r->prot & PX_PROT_WRITE)))
            return -LX_EFAULT;
        for (; len && va < r->end;) {
            uint64_t i = (va - r->start) / PAGE, off = va % PAGE, n = PAGE - off < len ? PAGE - off : len;
            struct lx_mem *m = page_mem(r, i);
            if (out && (m ? !r->shared && m->refs > 1 && unshare(p, r, i) < 0 : materialize(p, r, i) < 0))
                return -LX_EFAULT;
            if (out)
                memcpy(page_bytes(r, i) + off, b, n);
            else if (m)
                memcpy(b, page_bytes(r, i) + off, n);
            else
                memset(b, 0, n); /* not touched yet: zero */
            va += n, b += n, len -= n;
        }
    }
    return 0;
}

int lx_copy_in(struct lx_proc *p, void *dst, uint64_t src, uint64_t len) { return copy(p, src, dst, len, false); }
int lx_copy_out(struct lx_proc *p, uint64_t dst, const void *src, uint64_t len)
{
    return copy(p, dst, (void *)(uintptr_t)src, len, true);
}

int lx_copy_string(struct lx_proc *p, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (copy(p, src + i, dst + i, 1, false) < 0)
            return -LX_EFAULT;
        if (!dst[i])
            return 0;
    }
    return -LX_ENAMETOOLONG;
}
