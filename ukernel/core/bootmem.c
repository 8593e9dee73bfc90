/*
 * From the boot loader's memory description to a working page allocator. The allocator's bitmaps need
 * memory before there is an allocator, so we carve them out of the first free RAM that the caller can
 * already address, then reserve that storage like any other boot-time range.
 */
#include <core/bootinfo.h>
#include <core/compiler.h>
#include <core/string.h>

static bool add_range(struct mem_range *tab, size_t *n, paddr_t start, paddr_t end, const char *what)
{
    if (start >= end)
        return true;
    if (*n == BOOT_MAX_RANGES)
        return false;
    tab[*n].start = start;
    tab[*n].end = end;
    tab[*n].what = what;
    (*n)++;
    return true;
}

bool bootinfo_add_ram(struct boot_info *bi, paddr_t start, paddr_t end)
{
    return add_range(bi->ram, &bi->nram, start, end, NULL);
}

bool bootinfo_add_reserved(struct boot_info *bi, paddr_t start, paddr_t end, const char *what)
{
    return add_range(bi->reserved, &bi->nreserved, start, end, what);
}

/* First reserved range overlapping [start, end), or NULL. */
static const struct mem_range *overlap(const struct boot_info *bi, paddr_t start, paddr_t end)
{
    for (size_t i = 0; i < bi->nreserved; i++)
        if (bi->reserved[i].start < end && start < bi->reserved[i].end)
            return &bi->reserved[i];
    return NULL;
}

static bool find_storage(const struct boot_info *bi, size_t bytes, paddr_t limit, paddr_t *out)
{
    for (size_t i = 0; i < bi->nram; i++) {
        paddr_t start = bi->ram[i].start;
        paddr_t end = MIN(bi->ram[i].end, limit);

        /* Rounding up within the last page would wrap to 0: such a start leaves no whole page. */
        while (start < end && start <= (paddr_t)-PAGE_SIZE) {
            start = ALIGN_UP(start, PAGE_SIZE);
            if (start >= end || end - start < bytes)
                break;
            const struct mem_range *r = overlap(bi, start, start + bytes);
            if (!r) {
                *out = start;
                return true;
            }
            start = r->end;
        }
    }
    return false;
}

bool bootmem_init(struct pmm *p, const struct boot_info *bi, paddr_t storage_limit, void *(*to_virt)(paddr_t))
{
    paddr_t lo = (paddr_t)-1, hi = 0, storage;
    size_t bytes;

    for (size_t i = 0; i < bi->nram; i++) {
        lo = MIN(lo, bi->ram[i].start);
        hi = MAX(hi, bi->ram[i].end);
    }
    if (lo >= hi)
        return false;
    bytes = ALIGN_UP(pmm_metadata_bytes(lo, hi), PAGE_SIZE);
    if (!find_storage(bi, bytes, storage_limit, &storage))
        return false;

    pmm_init(p, lo, hi, to_virt(storage));
    for (size_t i = 0; i < bi->nram; i++)
        pmm_add_free(p, bi->ram[i].start, bi->ram[i].end);
    for (size_t i = 0; i < bi->nreserved; i++)
        pmm_reserve(p, bi->reserved[i].start, bi->reserved[i].end);
    pmm_reserve(p, storage, storage + bytes);
    return true;
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    const char *p = cmdline;

    while (*p) {
        while (*p == ' ')
            p++;
        const char *tok = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - tok) > klen && strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
            size_t n = (size_t)(p - tok) - klen - 1;
            if (size == 0)
                return true;
            n = MIN(n, size - 1);
            memcpy(buf, tok + klen + 1, n);
            buf[n] = '\0';
            return true;
        }
    }
    return false;
}
