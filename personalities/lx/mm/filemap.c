/*
 * Shared file mappings (mmap MAP_SHARED of a file): lx's page cache for mapped files. A file that some
 * process maps shared gets one `struct lx_filemap`, hung on its node: an array of pages, one per page
 * of the file that has been mapped, which every MAP_SHARED region of that file maps (the region's own[]
 * entries are these pages), so two processes mapping one file see each other's stores at once, as on
 * Linux, and fork shares them writable. A page is filled from the file when it is first mapped.
 *
 * Coherence. While a file has its pages here, they are what it holds where they cover it: read(2)
 * copies them over what the file system returned (lx_filemap_overlay, from fs/read_write.c), and a
 * write(2) or truncate through the VFS copies the new bytes into them too (lx_filemap_wrote,
 * lx_filemap_truncated, from fs/vfs.c). Writing back (lx_filemap_writeback) copies the pages that differ
 * from the file, up to its size, into the file system (for ext2: its buffer cache, written to the disk
 * at the next sync); msync does it for a range (MS_SYNC then syncs the file system), fsync, syncfs and
 * sync for every mapped file they cover, lx_node_bytes (exec, private mappings) before it reads a file.
 *
 * Lifetime. The object counts the regions that map it (`maps`) and holds an open description of the
 * file (so an unlinked file stays until it is written back, and its file system cannot be unmounted).
 * When the last region goes (munmap, exit, exec, a process killed) the object is queued; the queue is
 * emptied (written back, then freed if nobody mapped the file again meanwhile) by the next system call
 * lx runs on a kernel stack (lx_filemap_reap, from the dispatch), by munmap itself, by sync, umount and
 * shutdown. Writing back may sleep for the disk, so it is never done while a region tree is half
 * changed: callers collect what to write first, holding a map count, and write with nothing held.
 *
 * Not tracked: which pages a process stored to (lx sees no dirty bits), hence the comparison with the
 * file before each write; a page wholly past the end of the file reads as zeros rather than SIGBUS.
 */
#include "kernel/syscall.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PAGE PX_PAGE_SIZE

struct lx_filemap {
    struct lx_node *node;
    struct lx_fd *file;     /* a description of the file, held while the object lives */
    struct lx_mem **page;   /* [npages]: the file's page i, or NULL when not mapped yet */
    uint64_t npages;
    unsigned maps;          /* regions that map it, and callers holding it for a while */
    uint64_t changes;       /* bumped by every write and truncate: a page being read in is read again */
    bool queued;            /* unmapped: to be written back and freed */
    struct lx_filemap *next; /* every object */
};

static struct lx_filemap *all;
static unsigned nqueued;

void lx_filemap_hold(struct lx_filemap *fm) { fm->maps++; }

void lx_filemap_release(struct lx_filemap *fm)
{
    if (--fm->maps == 0 && !fm->queued)
        fm->queued = true, nqueued++;
}

/* The file's bytes at off into buf (len at most a page), as the file system holds them: how many. */
static int64_t read_raw(struct lx_filemap *fm, uint64_t off, uint8_t *buf, uint64_t len)
{
    struct lx_fd *f = fm->file;
    uint64_t got = 0;

    while (got < len) {
        uint64_t at = off + got;
        int64_t k = f->ops->read(f, lx_current, buf + got, len - got, &at);
        if (k <= 0) {
            if (k < 0 && k != LX_WOULD_BLOCK)
                return k;
            break;
        }
        got += (uint64_t)k;
    }
    return (int64_t)got;
}

/* Page i of the object, read from the file (zeros past its end) if it is not there yet; 0 or -LX_E*. */
static int fill(struct lx_filemap *fm, uint64_t i)
{
    struct lx_mem *m;
    uint64_t changes;
    int64_t k;

    if (fm->page[i])
        return 0;
    if (!(m = lx_page_alloc()))
        return -LX_ENOMEM;
    do { /* a write meanwhile (the read may sleep) could have been missed: read again */
        changes = fm->changes;
        memset(lx_page_bytes(m), 0, PAGE);
        if ((k = read_raw(fm, i * PAGE, lx_page_bytes(m), PAGE)) < 0) {
            lx_page_free(m);
            return (int)k;
        }
    } while (changes != fm->changes && !fm->page[i]);
    if (fm->page[i]) /* another call filled it while this one slept */
        lx_page_free(m);
    else
        fm->page[i] = m;
    return 0;
}

struct lx_filemap *lx_filemap_get(struct lx_fd *f, uint64_t first, uint64_t n, int *err)
{
    struct lx_node *node = f->node;
    struct lx_filemap *fm = node->fmap;

    if (!fm) {
        if (!(fm = calloc(1, sizeof(*fm)))) {
            *err = -LX_ENOMEM;
            return NULL;
        }
        fm->node = node, fm->file = lx_file_get(f), fm->next = all;
        all = fm;
        node->fmap = fm;
    }
    lx_filemap_hold(fm);
    if (first + n > fm->npages) {
        struct lx_mem **grown = realloc(fm->page, (first + n) * sizeof(*grown));
        if (!grown) {
            lx_filemap_release(fm);
            *err = -LX_ENOMEM;
            return NULL;
        }
        memset(grown + fm->npages, 0, (first + n - fm->npages) * sizeof(*grown));
        fm->page = grown, fm->npages = first + n;
    }
    for (uint64_t i = first; i < first + n; i++)
        if ((*err = fill(fm, i)) < 0) {
            lx_filemap_release(fm);
            return NULL;
        }
    return fm; /* held once: the caller's region takes it over */
}

struct lx_mount *lx_filemap_mount(const struct lx_filemap *fm) { return fm->node->mnt; }

struct lx_mem *lx_filemap_page(const struct lx_filemap *fm, uint64_t i) { return i < fm->npages ? fm->page[i] : NULL; }

void lx_filemap_overlay(struct lx_node *n, uint64_t off, uint8_t *buf, uint64_t len)
{
    struct lx_filemap *fm = n->fmap;

    for (uint64_t done = 0; fm && done < len;) {
        uint64_t at = off + done, i = at / PAGE, in = at % PAGE, k = PAGE - in < len - done ? PAGE - in : len - done;
        if (i < fm->npages && fm->page[i])
            memcpy(buf + done, lx_page_bytes(fm->page[i]) + in, k);
        done += k;
    }
}

void lx_filemap_wrote(struct lx_node *n, uint64_t off, const uint8_t *buf, uint64_t len)
{
    struct lx_filemap *fm = n->fmap;

    if (!fm)
        return;
    fm->changes++;
    for (uint64_t done = 0; done < len;) {
        uint64_t at = off + done, i = at / PAGE, in = at % PAGE, k = PAGE - in < len - done ? PAGE - in : len - done;
        if (i < fm->npages && fm->page[i] && lx_page_bytes(fm->page[i]) + in != buf + done)
            memcpy(lx_page_bytes(fm->page[i]) + in, buf + done, k);
        done += k;
    }
}

void lx_filemap_truncated(struct lx_node *n, uint64_t old, uint64_t size)
{
    struct lx_filemap *fm = n->fmap;
    uint64_t from = old < size ? old : size, to = old < size ? size : old;

    if (!fm)
        return;
    fm->changes++;
    /* What lies between the two ends reads as zeros from the file now (cut off, or added as a hole). */
    for (uint64_t at = from; at < to && at / PAGE < fm->npages;) {
        uint64_t i = at / PAGE, in = at % PAGE, k = PAGE - in < to - at ? PAGE - in : to - at;
        if (fm->page[i])
            memset(lx_page_bytes(fm->page[i]) + in, 0, k);
        at += k;
    }
}

/* Write pages [first, first + n) back where they differ from the file (up to its size); 0 or -LX_E*. */
static int writeback(struct lx_filemap *fm, uint64_t first, uint64_t n)
{
    struct lx_node *node = fm->node;
    uint8_t *cmp = lx_call_buffer();
    int ret = 0;

    if (!node->mnt || node->mnt->rdonly || !S_ISREG(node->mode))
        return 0; /* nothing can have changed it: a read-only file's mappings are read-only */
    for (uint64_t i = first; i < first + n && i < fm->npages; i++) {
        uint64_t off = i * PAGE, len;
        if (!fm->page[i] || off >= node->size)
            continue;
        len = node->size - off < PAGE ? node->size - off : PAGE;
        int64_t k = read_raw(fm, off, cmp, len);
        if (k < 0) {
            ret = (int)k;
            continue;
        }
        /* (the page's bytes are read after the comparison's sleep: what the page holds now is written) */
        if ((uint64_t)k == len && memcmp(cmp, lx_page_bytes(fm->page[i]), len) == 0)
            continue;
        if (off >= node->size) /* truncated meanwhile */
            continue;
        len = node->size - off < PAGE ? node->size - off : PAGE;
        int e = node->mnt->ops->write(node, off, lx_page_bytes(fm->page[i]), len);
        if (e < 0)
            ret = e;
    }
    return ret;
}

int lx_filemap_writeback(struct lx_filemap *fm, uint64_t first, uint64_t n)
{
    int e;

    lx_filemap_hold(fm); /* (a sleep must not see it freed) */
    e = writeback(fm, first, n);
    lx_filemap_release(fm);
    return e;
}

/* Let go of an object nobody maps any more: its pages, its description, its place on the node. */
static void destroy(struct lx_filemap *fm)
{
    struct lx_filemap **at = &all;

    while (*at != fm)
        at = &(*at)->next;
    *at = fm->next;
    fm->node->fmap = NULL;
    for (uint64_t i = 0; i < fm->npages; i++)
        if (fm->page[i])
            lx_page_free(fm->page[i]);
    free(fm->page);
    lx_file_put(fm->file);
    free(fm);
}

int lx_filemap_reap(void)
{
    int ret = 0;

    while (nqueued) {
        struct lx_filemap *fm = all;
        while (fm && !fm->queued)
            fm = fm->next;
        if (!fm) {
            nqueued = 0;
            break;
        }
        fm->queued = false, nqueued--; /* taken: no other call writes it back meanwhile */
        fm->maps++;
        int e = writeback(fm, 0, fm->npages);
        if (e < 0)
            ret = e;
        if (--fm->maps == 0)
            destroy(fm); /* (mapped again meanwhile: it stays, and is queued when that mapping goes) */
    }
    return ret;
}

int lx_filemap_sync(const struct lx_mount *m)
{
    int ret = lx_filemap_reap(), e;

    for (struct lx_filemap *fm = all, *next; fm; fm = next) {
        if (m && fm->node->mnt != m) {
            next = fm->next;
            continue;
        }
        fm->maps++;
        if ((e = writeback(fm, 0, fm->npages)) < 0)
            ret = e;
        next = fm->next; /* (read after the sleeps: fm is held, so still in the list) */
        if (--fm->maps == 0 && !fm->queued)
            fm->queued = true, nqueued++;
    }
    return ret;
}

bool lx_filemap_busy(const struct lx_mount *m)
{
    for (struct lx_filemap *fm = all; fm; fm = fm->next)
        if (fm->node->mnt == m)
            return true;
    return false;
}
