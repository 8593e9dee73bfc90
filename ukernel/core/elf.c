/*
 * ELF64 executable checking (see elf.h). The field layouts are those of the System V ABI's ELF
 * specification; fields are read with memcpy because a boot module need not be aligned.
 */
#include <core/compiler.h>
#include <core/elf.h>
#include <core/pmm.h>
#include <core/string.h>

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define ET_EXEC 2
#define ET_DYN 3
#define PT_INTERP 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct ehdr) == EHDR_SIZE, "ELF64 header layout");
_Static_assert(sizeof(struct phdr) == PHDR_SIZE, "ELF64 program header layout");

static const char *check_header(const struct ehdr *h, size_t size, bool pie)
{
    static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};

    if (memcmp(h->ident, magic, 4) != 0)
        return "not an ELF file (bad magic)";
    if (h->ident[4] != 2 || h->ident[5] != 1)
        return "not a little-endian ELF64 file";
    if (h->ident[6] != 1 || h->version != 1)
        return "unknown ELF version";
    if (pie && h->type != ET_DYN)
        return "not a position-independent executable (ELF type is not ET_DYN)";
    if (!pie && h->type != ET_EXEC)
        return "not a static executable (ELF type is not ET_EXEC)";
    if (h->machine != EM_X86_64)
        return "not an x86_64 executable";
    if (h->phentsize != PHDR_SIZE || h->phnum == 0)
        return "bad program header table";
    if (h->phoff > size || (size - h->phoff) / PHDR_SIZE < h->phnum)
        return "program header table extends past the end of the file";
    return NULL;
}

static const char *add_segment(const struct phdr *p, size_t size, uint64_t lo, uint64_t hi, uint64_t base,
                               struct elf_image *img)
{
    struct elf_segment *s;
    uint64_t start, end, vaddr = p->vaddr + base;

    if (p->filesz > p->memsz)
        return "segment's file size exceeds its memory size";
    if (p->offset > size || size - p->offset < p->filesz)
        return "segment extends past the end of the file";
    if (p->memsz == 0)
        return NULL;
    if (vaddr < p->vaddr || vaddr < lo || vaddr > hi || hi - vaddr < p->memsz)
        return "segment lies outside the user address range";
    if ((p->flags & PF_W) && (p->flags & PF_X))
        return "segment is both writable and executable";
    if (img->nsegs == ELF_MAX_SEGMENTS)
        return "too many loadable segments";
    start = ALIGN_DOWN(vaddr, PAGE_SIZE);
    end = ALIGN_UP(vaddr + p->memsz, PAGE_SIZE);
    for (unsigned i = 0; i < img->nsegs; i++)
        if (start < img->segs[i].vaddr + img->segs[i].memsz && img->segs[i].vaddr < end)
            return "loadable segments share a page";
    s = &img->segs[img->nsegs++];
    s->vaddr = start;
    s->memsz = end - start;
    s->data = vaddr - start;
    s->offset = p->offset;
    s->filesz = p->filesz;
    s->prot = (p->flags & PF_R ? SEG_R : 0) | (p->flags & PF_W ? SEG_W : 0) | (p->flags & PF_X ? SEG_X : 0);
    return NULL;
}

static const char *parse(const void *data, size_t size, uint64_t lo, uint64_t hi, bool pie, uint64_t base,
                         struct elf_image *out)
{
    struct ehdr h;
    const char *err;

    if (size < EHDR_SIZE)
        return "file too short for an ELF header";
    memcpy(&h, data, sizeof(h));
    if ((err = check_header(&h, size, pie)))
        return err;
    out->nsegs = 0;
    for (unsigned i = 0; i < h.phnum; i++) {
        struct phdr p;
        memcpy(&p, (const char *)data + h.phoff + (uint64_t)i * PHDR_SIZE, sizeof(p));
        if (p.type == PT_INTERP)
            return "a dynamically linked executable (it names an interpreter): only static ones run";
        if (p.type == PT_LOAD && (err = add_segment(&p, size, lo, hi, base, out)))
            return err;
    }
    h.entry += base;
    if (out->nsegs == 0)
        return "no loadable segments";
    for (unsigned i = 0; i < out->nsegs; i++) {
        const struct elf_segment *s = &out->segs[i];
        if ((s->prot & SEG_X) && h.entry >= s->vaddr + s->data && h.entry < s->vaddr + s->data + s->filesz) {
            out->entry = h.entry;
            return NULL;
        }
    }
    return "entry point is not in an executable segment";
}

const char *elf_parse(const void *data, size_t size, uint64_t lo, uint64_t hi, struct elf_image *out)
{
    return parse(data, size, lo, hi, false, 0, out);
}

const char *elf_parse_static_pie(const void *data, size_t size, uint64_t base, uint64_t lo, uint64_t hi,
                                 struct elf_image *out)
{
    if (base % PAGE_SIZE)
        return "load address is not page aligned";
    return parse(data, size, lo, hi, true, base, out);
}

bool elf_is_dyn(const void *data, size_t size)
{
    uint16_t type;

    if (size < EHDR_SIZE)
        return false;
    memcpy(&type, (const char *)data + 16, 2);
    return type == ET_DYN;
}
