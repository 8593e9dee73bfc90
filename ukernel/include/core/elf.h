/*
 * Checking and describing a static ELF64 executable before it is loaded into a task. The parser trusts
 * nothing in the file: every offset, size and address is checked against the image and the user range,
 * and the first problem is returned as a message naming it.
 */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

#define SEG_R 1u
#define SEG_W 2u
#define SEG_X 4u

struct elf_segment {
    uint64_t vaddr;  /* page aligned down, like memsz */
    uint64_t memsz;  /* bytes from vaddr, page aligned up */
    uint64_t data;   /* first byte to copy, from vaddr: the segment's offset in its first page */
    uint64_t offset; /* file offset of the bytes to copy */
    uint64_t filesz; /* bytes to copy; the rest of memsz is zero */
    unsigned prot;   /* SEG_R | SEG_W | SEG_X */
};

struct elf_image {
    uint64_t entry;
    unsigned nsegs;
    struct elf_segment segs[ELF_MAX_SEGMENTS];
};

/*
 * Check `size` bytes at `data` as an x86_64 ET_EXEC whose loadable segments lie in [lo, hi) (both page
 * aligned, hi at most 2^64 - PAGE_SIZE, so that the page-rounded segments stay inside), do not share
 * pages, are not both writable and executable, and whose entry point is in an executable segment.
 * Returns NULL and fills *out, or returns what is wrong.
 */
const char *elf_parse(const void *data, size_t size, uint64_t lo, uint64_t hi, struct elf_image *out);

/*
 * The same for a static position-independent executable (ET_DYN, no PT_INTERP) loaded at `base` (page
 * aligned): segments and entry point come back moved by base, and must then lie in [lo, hi). The
 * program relocates itself. A PT_INTERP (a dynamically linked program) is refused, here and above.
 */
const char *elf_parse_static_pie(const void *data, size_t size, uint64_t base, uint64_t lo, uint64_t hi,
                                 struct elf_image *out);
/* Whether the file's header says ET_DYN (to choose between the two). */
bool elf_is_dyn(const void *data, size_t size);

#endif
