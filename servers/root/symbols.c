/*
 * Naming an address in a task's program for the fault reports: the function symbol of the ELF's symbol
 * table that contains it. Everything read from the image is bounds-checked: a program without symbols,
 * or with a damaged table, just gets no name.
 */
#include "root.h"
#include <stdio.h>
#include <string.h>

/* ELF64 layouts (System V ABI); Newlib has no <elf.h>. */
typedef struct {
    unsigned char e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version;
    uint64_t e_entry, e_phoff, e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
} Elf64_Ehdr;

typedef struct {
    uint32_t sh_name, sh_type;
    uint64_t sh_flags, sh_addr, sh_offset, sh_size;
    uint32_t sh_link, sh_info;
    uint64_t sh_addralign, sh_entsize;
} Elf64_Shdr;

typedef struct {
    uint32_t st_name;
    unsigned char st_info, st_other;
    uint16_t st_shndx;
    uint64_t st_value, st_size;
} Elf64_Sym;

#define SHT_SYMTAB 2
#define STT_FUNC 2
#define ELF64_ST_TYPE(i) ((i)&0xf)

static bool in_image(size_t size, uint64_t off, uint64_t len) { return off <= size && len <= size - off; }

bool elf_symbolize(const void *elf, size_t size, uint64_t addr, char *out, size_t outlen)
{
    const uint8_t *base = elf;
    Elf64_Ehdr eh;
    const Elf64_Sym *best = NULL;
    const char *strtab = NULL;
    uint64_t strsize = 0;

    if (!elf || size < sizeof(eh))
        return false;
    memcpy(&eh, base, sizeof(eh));
    if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !in_image(size, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
        return false;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh, link;
        memcpy(&sh, base + eh.e_shoff + i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh.e_shnum || !in_image(size, sh.sh_offset, sh.sh_size))
            continue;
        memcpy(&link, base + eh.e_shoff + sh.sh_link * sizeof(link), sizeof(link));
        if (!in_image(size, link.sh_offset, link.sh_size))
            continue;
        strtab = (const char *)base + link.sh_offset;
        strsize = link.sh_size;
        for (uint64_t k = 0; k < sh.sh_size / sizeof(Elf64_Sym); k++) {
            const Elf64_Sym *s = (const Elf64_Sym *)(base + sh.sh_offset) + k;
            if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && addr >= s->st_value &&
                addr - s->st_value < s->st_size && s->st_name < strsize)
                best = s;
        }
    }
    if (!best || !memchr(strtab + best->st_name, 0, strsize - best->st_name))
        return false;
    snprintf(out, outlen, "%s+%#llx", strtab + best->st_name, (unsigned long long)(addr - best->st_value));
    return true;
}
