/*
 * The kernel's own symbol table, so that fault reports and backtraces name functions. tools/gensyms.py
 * builds it from the first link of the kernel (nm) and the second link places it in the .ksyms section,
 * after everything else, so the addresses it records do not move.
 */
#ifndef CORE_KSYMS_H
#define CORE_KSYMS_H

#include <stdint.h>

#define KSYMS_MAGIC 0x534d59534b525450ull /* "PTRKSYMS" little-endian */

struct ksym {
    uint64_t addr;
    uint32_t name; /* offset into the string table */
    uint32_t size; /* 0 if unknown: then the symbol extends to the next one */
};

struct ksym_table {
    uint64_t magic;
    uint64_t count;      /* entries, sorted by addr */
    uint64_t strtab_off; /* from the start of this table */
    uint64_t strtab_size;
    struct ksym entries[];
};

/* Name of the symbol containing addr and addr's offset in it; NULL if none or if the table is invalid. */
const char *ksym_lookup(const struct ksym_table *t, uint64_t addr, uint64_t *offset);

/* The running kernel's table (NULL when the image has none, e.g. the first link). */
const struct ksym_table *kernel_ksyms(void);

#endif
