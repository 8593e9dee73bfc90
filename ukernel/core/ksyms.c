/*
 * Address to symbol lookup: a binary search over the sorted table. The table comes from the image, so it
 * is checked before use; a damaged one makes lookups fail rather than fault inside a fault report.
 */
#include <core/ksyms.h>
#include <stddef.h>

const char *ksym_lookup(const struct ksym_table *t, uint64_t addr, uint64_t *offset)
{
    size_t lo = 0, hi;
    const struct ksym *s;
    const char *name;

    if (!t || t->magic != KSYMS_MAGIC || t->count == 0)
        return NULL;
    hi = t->count;
    /* Find the last entry with entries[i].addr <= addr. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->entries[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    s = &t->entries[lo];
    if (addr < s->addr)
        return NULL;
    if (s->size ? addr - s->addr >= s->size : lo + 1 == t->count)
        return NULL;
    if (s->name >= t->strtab_size)
        return NULL;
    name = (const char *)t + t->strtab_off + s->name;
    for (uint64_t i = s->name; name[i - s->name]; i++) /* the name must end inside the table */
        if (i + 1 >= t->strtab_size)
            return NULL;
    if (offset)
        *offset = addr - s->addr;
    return name;
}
