/*
 * Unit tests for the ELF64 executable checker (<core/elf.h>).
 *
 * The images are built in memory by a small builder (ELF header, program headers, then a payload of
 * pattern bytes), using the host's <elf.h> for the layouts, in heap buffers of exactly the image size so
 * that AddressSanitizer reports any read past the end. The tests check what a valid image is turned
 * into (page-rounded segments, protections, entry) and, one test per rule, the exact message for every
 * rejection, including offsets and sizes chosen to overflow 64-bit arithmetic. A fuzz test then damages
 * the headers of a valid image byte by byte, randomly and by truncation: elf_parse must never read out
 * of bounds, and whatever it accepts must satisfy every promise of elf.h.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/elf.h>
#include <core/pmm.h>
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG ((uint64_t)PAGE_SIZE)
#define LO UINT64_C(0x400000)
#define HI UINT64_C(0x800000000000)
#define PHOFF ((uint64_t)sizeof(Elf64_Ehdr))

/* The reference image: text (R+X), rodata (R) and data (R+W, with bss after its file bytes). */
#define TEXT_OFF 0x1000u
#define TEXT_VA UINT64_C(0x401000)
#define TEXT_SZ 0x800u
#define RO_OFF 0x2000u
#define RO_VA UINT64_C(0x402000)
#define RO_SZ 0x300u
#define DATA_OFF 0x3000u
#define DATA_VA UINT64_C(0x403000)
#define DATA_FSZ 0x100u
#define DATA_MSZ 0x2345u
#define IMG_SIZE ((size_t)DATA_OFF + DATA_FSZ) /* the data segment's file bytes end the file */
#define ENTRY (TEXT_VA + 0x10)

#define MSG_SHORT "file too short for an ELF header"
#define MSG_MAGIC "not an ELF file (bad magic)"
#define MSG_CLASS "not a little-endian ELF64 file"
#define MSG_VERSION "unknown ELF version"
#define MSG_TYPE "not a static executable (ELF type is not ET_EXEC)"
#define MSG_MACHINE "not an x86_64 executable"
#define MSG_PHTAB "bad program header table"
#define MSG_PHEND "program header table extends past the end of the file"
#define MSG_FILESZ "segment's file size exceeds its memory size"
#define MSG_SEGEND "segment extends past the end of the file"
#define MSG_RANGE "segment lies outside the user address range"
#define MSG_WX "segment is both writable and executable"
#define MSG_TOOMANY "too many loadable segments"
#define MSG_SHARE "loadable segments share a page"
#define MSG_NOLOAD "no loadable segments"
#define MSG_ENTRY "entry point is not in an executable segment"

/* A heap buffer of exactly `size` bytes: pattern bytes, then an ELF header for phnum program headers. */
static unsigned char *new_image(size_t size, unsigned phnum, uint64_t entry)
{
    unsigned char *b = malloc(size ? size : 1);
    Elf64_Ehdr h;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t i = 0; i < size; i++)
        b[i] = (unsigned char)(i * 13 + 7);
    memset(&h, 0, sizeof(h));
    memcpy(h.e_ident, ELFMAG, SELFMAG);
    h.e_ident[EI_CLASS] = ELFCLASS64;
    h.e_ident[EI_DATA] = ELFDATA2LSB;
    h.e_ident[EI_VERSION] = EV_CURRENT;
    h.e_ident[EI_OSABI] = ELFOSABI_SYSV;
    h.e_type = ET_EXEC;
    h.e_machine = EM_X86_64;
    h.e_version = EV_CURRENT;
    h.e_entry = entry;
    h.e_phoff = PHOFF;
    h.e_ehsize = sizeof(Elf64_Ehdr);
    h.e_phentsize = sizeof(Elf64_Phdr);
    h.e_phnum = (Elf64_Half)phnum;
    if (size >= sizeof(h))
        memcpy(b, &h, sizeof(h));
    if (size >= PHOFF + phnum * sizeof(Elf64_Phdr))
        memset(b + PHOFF, 0, phnum * sizeof(Elf64_Phdr));
    return b;
}

static Elf64_Ehdr *ehdr(unsigned char *b) { return (Elf64_Ehdr *)(void *)b; }

static Elf64_Phdr *phdr(unsigned char *b, unsigned i)
{
    return (Elf64_Phdr *)(void *)(b + PHOFF + i * sizeof(Elf64_Phdr));
}

static void fill_phdr(Elf64_Phdr *p, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
                      uint64_t filesz, uint64_t memsz)
{
    p->p_type = type;
    p->p_flags = flags;
    p->p_offset = offset;
    p->p_vaddr = vaddr;
    p->p_paddr = vaddr;
    p->p_filesz = filesz;
    p->p_memsz = memsz;
    p->p_align = PG;
}

static void set_seg(unsigned char *b, unsigned i, uint32_t type, uint32_t flags, uint64_t offset,
                    uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    fill_phdr(phdr(b, i), type, flags, offset, vaddr, filesz, memsz);
}

/* The reference image with room for `phnum` >= 3 program headers; the ones after the third are PT_NULL. */
static unsigned char *valid_image_n(unsigned phnum)
{
    unsigned char *b = new_image(IMG_SIZE, phnum, ENTRY);

    set_seg(b, 0, PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VA, TEXT_SZ, TEXT_SZ);
    set_seg(b, 1, PT_LOAD, PF_R, RO_OFF, RO_VA, RO_SZ, RO_SZ);
    set_seg(b, 2, PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VA, DATA_FSZ, DATA_MSZ);
    return b;
}

static unsigned char *valid_image(void) { return valid_image_n(3); }

static const char *parse(const unsigned char *b, size_t size, struct elf_image *img)
{
    return elf_parse(b, size, LO, HI, img);
}

/* Asserts that parsing fails with exactly `want`, reporting the caller's line and what came back. */
static void expect_error_at(const unsigned char *b, size_t size, uint64_t lo, uint64_t hi, const char *want,
                            unsigned line)
{
    struct elf_image img;
    const char *got = elf_parse(b, size, lo, hi, &img);
    char msg[256];

    snprintf(msg, sizeof(msg), "elf_parse: expected \"%s\", got %s%s%s", want, got ? "\"" : "",
             got ? got : "NULL (accepted)", got ? "\"" : "");
    CU_assertImplementation(got && strcmp(got, want) == 0, line, msg, __FILE__, "", CU_FALSE);
}

#define EXPECT_ERROR(b, size, want) expect_error_at((b), (size), LO, HI, (want), __LINE__)
#define EXPECT_ERROR_RANGE(b, size, lo, hi, want) expect_error_at((b), (size), (lo), (hi), (want), __LINE__)

/* Asserts that parsing succeeds, reporting the caller's line and the message if it does not. */
static void expect_ok_at(const unsigned char *b, size_t size, struct elf_image *img, unsigned line)
{
    const char *got = parse(b, size, img);
    char msg[256];

    snprintf(msg, sizeof(msg), "elf_parse: expected success, got \"%s\"", got ? got : "");
    CU_assertImplementation(got == NULL, line, msg, __FILE__, "", CU_FALSE);
}

#define EXPECT_OK(b, size, img) expect_ok_at((b), (size), (img), __LINE__)

/*
 * Every promise elf.h makes about an accepted image; returns how many are broken. Segments are checked as
 * page ranges (lo and hi are page aligned in every test).
 */
static unsigned image_violations(const struct elf_image *img, size_t size, uint64_t lo, uint64_t hi)
{
    unsigned bad = 0;
    bool entry_ok = false;

    if (img->nsegs == 0 || img->nsegs > ELF_MAX_SEGMENTS)
        return 1;
    for (unsigned i = 0; i < img->nsegs; i++) {
        const struct elf_segment *s = &img->segs[i];

        bad += s->vaddr % PG != 0 || s->memsz % PG != 0 || s->memsz == 0;
        bad += s->vaddr < lo || s->vaddr >= hi || s->memsz > hi - s->vaddr;
        bad += s->data >= PG || s->filesz > s->memsz - s->data;
        bad += s->offset > size || s->filesz > size - s->offset;
        bad += (s->prot & ~(SEG_R | SEG_W | SEG_X)) != 0;
        bad += (s->prot & SEG_W) && (s->prot & SEG_X);
        for (unsigned j = 0; j < i; j++) {
            const struct elf_segment *t = &img->segs[j];
            bad += s->vaddr < t->vaddr + t->memsz && t->vaddr < s->vaddr + s->memsz;
        }
        uint64_t bytes = s->vaddr + s->data;
        if ((s->prot & SEG_X) && img->entry >= bytes && img->entry - bytes < s->filesz)
            entry_ok = true;
    }
    return bad + !entry_ok;
}

static void test_valid_image(void)
{
    unsigned char *b = valid_image();
    struct elf_image img;

    memset(&img, 0xa5, sizeof(img));
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL(img.entry, ENTRY);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);

    CU_ASSERT_EQUAL(img.segs[0].vaddr, TEXT_VA);
    CU_ASSERT_EQUAL(img.segs[0].memsz, PG);
    CU_ASSERT_EQUAL(img.segs[0].data, 0);
    CU_ASSERT_EQUAL(img.segs[0].offset, TEXT_OFF);
    CU_ASSERT_EQUAL(img.segs[0].filesz, TEXT_SZ);
    CU_ASSERT_EQUAL(img.segs[0].prot, SEG_R | SEG_X);

    CU_ASSERT_EQUAL(img.segs[1].vaddr, RO_VA);
    CU_ASSERT_EQUAL(img.segs[1].memsz, PG);
    CU_ASSERT_EQUAL(img.segs[1].data, 0);
    CU_ASSERT_EQUAL(img.segs[1].offset, RO_OFF);
    CU_ASSERT_EQUAL(img.segs[1].filesz, RO_SZ);
    CU_ASSERT_EQUAL(img.segs[1].prot, SEG_R);

    /* 0x403000 + 0x2345 rounds up to 0x406000: three pages, only 0x100 bytes of them from the file. */
    CU_ASSERT_EQUAL(img.segs[2].vaddr, DATA_VA);
    CU_ASSERT_EQUAL(img.segs[2].memsz, 3 * PG);
    CU_ASSERT_EQUAL(img.segs[2].data, 0);
    CU_ASSERT_EQUAL(img.segs[2].offset, DATA_OFF);
    CU_ASSERT_EQUAL(img.segs[2].filesz, DATA_FSZ);
    CU_ASSERT_EQUAL(img.segs[2].prot, SEG_R | SEG_W);

    CU_ASSERT_EQUAL(image_violations(&img, IMG_SIZE, LO, HI), 0);
    free(b);
}

static void test_unaligned_vaddr(void)
{
    unsigned char *b = valid_image();
    struct elf_image img;

    /* Text at 0x401234 (file offset 0x1234), data crossing a page boundary from 0x403ff0. */
    set_seg(b, 0, PT_LOAD, PF_R | PF_X, 0x1234, 0x401234, 0x100, 0x100);
    set_seg(b, 2, PT_LOAD, PF_R | PF_W, 0x30f0, 0x403ff0, 0x10, 0x20);
    ehdr(b)->e_entry = 0x401234;
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.entry, 0x401234);
    CU_ASSERT_EQUAL(img.segs[0].vaddr, 0x401000);
    CU_ASSERT_EQUAL(img.segs[0].memsz, PG);
    CU_ASSERT_EQUAL(img.segs[0].data, 0x234);
    CU_ASSERT_EQUAL(img.segs[0].offset, 0x1234);
    CU_ASSERT_EQUAL(img.segs[0].filesz, 0x100);
    CU_ASSERT_EQUAL(img.segs[2].vaddr, 0x403000);
    CU_ASSERT_EQUAL(img.segs[2].memsz, 2 * PG);
    CU_ASSERT_EQUAL(img.segs[2].data, 0xff0);
    CU_ASSERT_EQUAL(img.segs[2].offset, 0x30f0);
    CU_ASSERT_EQUAL(img.segs[2].filesz, 0x10);
    CU_ASSERT_EQUAL(image_violations(&img, IMG_SIZE, LO, HI), 0);

    /* The entry must be in the segment's bytes, not merely in its first page. */
    ehdr(b)->e_entry = 0x401233;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = 0x401000;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    free(b);
}

static void test_non_load_ignored(void)
{
    unsigned char *b = valid_image_n(8);
    struct elf_image img;

    /* Headers that would be rejected as PT_LOAD: past the end of the file, outside the range, W+X. */
    set_seg(b, 3, PT_NOTE, PF_R, IMG_SIZE + 0x1000, 0, 0x100, 0x10);
    set_seg(b, 4, PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0);
    set_seg(b, 5, PT_PHDR, PF_R, PHOFF, TEXT_VA, UINT64_MAX, UINT64_MAX);
    set_seg(b, 6, PT_TLS, PF_R | PF_W | PF_X, UINT64_MAX, UINT64_MAX, UINT64_MAX, 1);
    set_seg(b, 7, PT_NULL, PF_R | PF_X, 0, TEXT_VA, TEXT_SZ, TEXT_SZ); /* would share a page with text */
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.entry, ENTRY);
    CU_ASSERT_EQUAL(image_violations(&img, IMG_SIZE, LO, HI), 0);

    /* Non-LOAD headers before the loadable ones: the segments keep their order, and only those count. */
    memcpy(phdr(b, 7), phdr(b, 0), sizeof(Elf64_Phdr));
    set_seg(b, 0, PT_NOTE, PF_R, 0, 0, 0, 0);
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.segs[0].vaddr, RO_VA);
    CU_ASSERT_EQUAL(img.segs[1].vaddr, DATA_VA);
    CU_ASSERT_EQUAL(img.segs[2].vaddr, TEXT_VA);
    CU_ASSERT_EQUAL(img.entry, ENTRY);
    free(b);
}

static void test_zero_memsz_load_ignored(void)
{
    unsigned char *b = valid_image_n(5);
    struct elf_image img;

    /* Empty LOADs are skipped even where they would break a rule if they had a size. */
    set_seg(b, 3, PT_LOAD, PF_R | PF_W | PF_X, 0, 0, 0, 0);    /* W+X, below lo */
    set_seg(b, 4, PT_LOAD, PF_R, TEXT_OFF, TEXT_VA + 8, 0, 0); /* inside the text page */
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(image_violations(&img, IMG_SIZE, LO, HI), 0);

    /* An empty LOAD first does not shift the real segments. */
    memcpy(phdr(b, 4), phdr(b, 0), sizeof(Elf64_Phdr));
    set_seg(b, 0, PT_LOAD, PF_R, 0, HI, 0, 0);
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.segs[2].vaddr, TEXT_VA);
    free(b);
}

static void test_boundaries_accepted(void)
{
    unsigned char *b = valid_image();
    unsigned char *t;
    struct elf_image img;

    /* Entry at the last file byte of the text segment. */
    ehdr(b)->e_entry = TEXT_VA + TEXT_SZ - 1;
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL(img.entry, TEXT_VA + TEXT_SZ - 1);
    ehdr(b)->e_entry = ENTRY;

    /* A bss-only segment whose (empty) file part starts at the end of the file. */
    set_seg(b, 2, PT_LOAD, PF_R | PF_W, IMG_SIZE, DATA_VA, 0, DATA_MSZ);
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.segs[2].filesz, 0);
    CU_ASSERT_EQUAL(img.segs[2].offset, IMG_SIZE);
    CU_ASSERT_EQUAL(img.segs[2].memsz, 3 * PG);

    /* Segments touching lo and hi exactly. */
    set_seg(b, 1, PT_LOAD, PF_R, RO_OFF, LO, RO_SZ, PG);
    set_seg(b, 2, PT_LOAD, PF_R | PF_W, DATA_OFF, HI - 2 * PG, DATA_FSZ, 2 * PG);
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.segs[1].vaddr, LO);
    CU_ASSERT_EQUAL(img.segs[2].vaddr + img.segs[2].memsz, HI);
    CU_ASSERT_EQUAL(image_violations(&img, IMG_SIZE, LO, HI), 0);
    free(b);

    /* The program header table may be the last thing in the file. */
    t = new_image(0x1800, 1, ENTRY);
    ehdr(t)->e_phoff = 0x1800 - sizeof(Elf64_Phdr);
    fill_phdr((Elf64_Phdr *)(void *)(t + 0x1800 - sizeof(Elf64_Phdr)), PT_LOAD, PF_R | PF_X, TEXT_OFF,
              TEXT_VA, 0x100, 0x100);
    EXPECT_OK(t, 0x1800, &img);
    CU_ASSERT_EQUAL(img.nsegs, 1);
    free(t);
}

static void test_prot_flags(void)
{
    unsigned char *b = valid_image();
    struct elf_image img;

    /* Execute-only text, write-only data, no-access rodata; other flag bits are ignored. */
    phdr(b, 0)->p_flags = PF_X | PF_MASKOS;
    phdr(b, 1)->p_flags = 0;
    phdr(b, 2)->p_flags = PF_W | PF_MASKPROC;
    EXPECT_OK(b, IMG_SIZE, &img);
    CU_ASSERT_EQUAL_FATAL(img.nsegs, 3);
    CU_ASSERT_EQUAL(img.segs[0].prot, SEG_X);
    CU_ASSERT_EQUAL(img.segs[1].prot, 0);
    CU_ASSERT_EQUAL(img.segs[2].prot, SEG_W);
    free(b);
}

static void test_too_short(void)
{
    unsigned char *full = valid_image();

    EXPECT_ERROR(NULL, 0, MSG_SHORT);
    for (size_t size = 1; size < sizeof(Elf64_Ehdr); size++) {
        unsigned char *b = malloc(size);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        memcpy(b, full, size);
        EXPECT_ERROR(b, size, MSG_SHORT);
        free(b);
    }
    free(full);
}

static void test_bad_magic(void)
{
    unsigned char *b = valid_image();

    for (unsigned i = 0; i < SELFMAG; i++) {
        unsigned char saved = b[i];
        b[i] ^= 0x20;
        EXPECT_ERROR(b, IMG_SIZE, MSG_MAGIC);
        b[i] = 0;
        EXPECT_ERROR(b, IMG_SIZE, MSG_MAGIC);
        b[i] = saved;
    }
    free(b);
}

static void test_elf32(void)
{
    unsigned char *b = valid_image();

    b[EI_CLASS] = ELFCLASS32;
    EXPECT_ERROR(b, IMG_SIZE, MSG_CLASS);
    b[EI_CLASS] = ELFCLASSNONE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_CLASS);
    b[EI_CLASS] = 3;
    EXPECT_ERROR(b, IMG_SIZE, MSG_CLASS);
    free(b);
}

static void test_big_endian(void)
{
    unsigned char *b = valid_image();

    b[EI_DATA] = ELFDATA2MSB;
    EXPECT_ERROR(b, IMG_SIZE, MSG_CLASS);
    b[EI_DATA] = ELFDATANONE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_CLASS);
    free(b);
}

static void test_bad_version(void)
{
    unsigned char *b = valid_image();

    b[EI_VERSION] = EV_NONE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_VERSION);
    b[EI_VERSION] = 2;
    EXPECT_ERROR(b, IMG_SIZE, MSG_VERSION);
    b[EI_VERSION] = EV_CURRENT;
    ehdr(b)->e_version = EV_NONE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_VERSION);
    ehdr(b)->e_version = 2;
    EXPECT_ERROR(b, IMG_SIZE, MSG_VERSION);
    free(b);
}

static void test_not_et_exec(void)
{
    unsigned char *b = valid_image();

    ehdr(b)->e_type = ET_DYN;
    EXPECT_ERROR(b, IMG_SIZE, MSG_TYPE);
    ehdr(b)->e_type = ET_REL;
    EXPECT_ERROR(b, IMG_SIZE, MSG_TYPE);
    ehdr(b)->e_type = ET_CORE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_TYPE);
    ehdr(b)->e_type = ET_NONE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_TYPE);
    ehdr(b)->e_type = ET_EXEC | 0x100;
    EXPECT_ERROR(b, IMG_SIZE, MSG_TYPE);
    free(b);
}

static void test_static_pie(void)
{
    unsigned char *b = valid_image();
    struct elf_image img, moved;
    const uint64_t base = 0x10000000;

    CU_ASSERT_PTR_NULL(parse(b, IMG_SIZE, &img));
    ehdr(b)->e_type = ET_DYN;
    CU_ASSERT_STRING_EQUAL(elf_parse(b, IMG_SIZE, LO, HI, &moved), MSG_TYPE);
    CU_ASSERT_PTR_NULL(elf_parse_static_pie(b, IMG_SIZE, base, LO, HI, &moved));
    CU_ASSERT_TRUE(elf_is_dyn(b, IMG_SIZE));
    CU_ASSERT_EQUAL(moved.nsegs, img.nsegs);
    CU_ASSERT_EQUAL(moved.entry, img.entry + base);
    for (unsigned i = 0; i < img.nsegs && i < moved.nsegs; i++) {
        CU_ASSERT_EQUAL(moved.segs[i].vaddr, img.segs[i].vaddr + base);
        CU_ASSERT_EQUAL(moved.segs[i].memsz, img.segs[i].memsz);
        CU_ASSERT_EQUAL(moved.segs[i].offset, img.segs[i].offset);
    }
    CU_ASSERT_STRING_EQUAL(elf_parse_static_pie(b, IMG_SIZE, base + 1, LO, HI, &moved),
                           "load address is not page aligned");
    CU_ASSERT_STRING_EQUAL(elf_parse_static_pie(b, IMG_SIZE, HI, LO, HI, &moved),
                           "segment lies outside the user address range");
    CU_ASSERT_STRING_EQUAL(elf_parse_static_pie(b, IMG_SIZE, 0 - 0x1000ull, LO, HI, &moved),
                           "segment lies outside the user address range"); /* wraps past 2^64 */
    ehdr(b)->e_type = ET_EXEC;
    CU_ASSERT_FALSE(elf_is_dyn(b, IMG_SIZE));
    CU_ASSERT_STRING_EQUAL(elf_parse_static_pie(b, IMG_SIZE, base, LO, HI, &moved),
                           "not a position-independent executable (ELF type is not ET_DYN)");
    free(b);
}

static void test_interpreter_refused(void)
{
    unsigned char *b = valid_image_n(4);
    struct elf_image img;
    const char *want = "a dynamically linked executable (it names an interpreter): only static ones run";

    set_seg(b, 3, 3 /* PT_INTERP */, PF_R, RO_OFF, RO_VA, 16, 16);
    CU_ASSERT_STRING_EQUAL(parse(b, IMG_SIZE, &img), want);
    ehdr(b)->e_type = ET_DYN;
    CU_ASSERT_STRING_EQUAL(elf_parse_static_pie(b, IMG_SIZE, 0x10000000, LO, HI, &img), want);
    free(b);
}

static void test_wrong_machine(void)
{
    unsigned char *b = valid_image();

    ehdr(b)->e_machine = EM_386;
    EXPECT_ERROR(b, IMG_SIZE, MSG_MACHINE);
    ehdr(b)->e_machine = EM_AARCH64;
    EXPECT_ERROR(b, IMG_SIZE, MSG_MACHINE);
    ehdr(b)->e_machine = EM_NONE;
    EXPECT_ERROR(b, IMG_SIZE, MSG_MACHINE);
    ehdr(b)->e_machine = EM_X86_64 | 0x100;
    EXPECT_ERROR(b, IMG_SIZE, MSG_MACHINE);
    free(b);
}

static void test_bad_phentsize(void)
{
    unsigned char *b = valid_image();
    static const uint16_t sizes[] = {
        0,      1, sizeof(Elf32_Phdr), sizeof(Elf64_Phdr) - 1, sizeof(Elf64_Phdr) + 1, 2 * sizeof(Elf64_Phdr),
        0xffff,
    };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        ehdr(b)->e_phentsize = sizes[i];
        EXPECT_ERROR(b, IMG_SIZE, MSG_PHTAB);
    }
    free(b);
}

static void test_phnum_zero(void)
{
    unsigned char *b = valid_image();

    ehdr(b)->e_phnum = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_PHTAB);
    ehdr(b)->e_phoff = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_PHTAB);
    free(b);
}

static void test_phdrs_past_end(void)
{
    unsigned char *b = valid_image();
    static const uint64_t offs[] = {
        IMG_SIZE - 3 * sizeof(Elf64_Phdr) + 1, /* last header one byte short */
        IMG_SIZE - 1,
        IMG_SIZE,
        IMG_SIZE + 1,
        UINT64_C(1) << 32,
        UINT64_MAX - 3 * sizeof(Elf64_Phdr) + 1, /* phoff + table size wraps to 0 */
        UINT64_MAX - sizeof(Elf64_Phdr),
        UINT64_MAX - 1,
        UINT64_MAX,
        (uint64_t)SIZE_MAX,
    };

    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        ehdr(b)->e_phoff = offs[i];
        EXPECT_ERROR(b, IMG_SIZE, MSG_PHEND);
    }
    /* Too many headers for the file, at the usual offset. */
    ehdr(b)->e_phoff = PHOFF;
    ehdr(b)->e_phnum = (Elf64_Half)((IMG_SIZE - PHOFF) / sizeof(Elf64_Phdr) + 1);
    EXPECT_ERROR(b, IMG_SIZE, MSG_PHEND);
    ehdr(b)->e_phnum = 0xffff;
    EXPECT_ERROR(b, IMG_SIZE, MSG_PHEND);
    /* The table fits only if the file is as long as the headers say. */
    ehdr(b)->e_phnum = 3;
    EXPECT_ERROR(b, PHOFF + 3 * sizeof(Elf64_Phdr) - 1, MSG_PHEND);
    free(b);
}

static void test_filesz_gt_memsz(void)
{
    unsigned char *b = valid_image();

    phdr(b, 2)->p_filesz = DATA_FSZ;
    phdr(b, 2)->p_memsz = DATA_FSZ - 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_FILESZ);
    phdr(b, 2)->p_memsz = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_FILESZ);
    phdr(b, 2)->p_filesz = UINT64_MAX;
    phdr(b, 2)->p_memsz = UINT64_MAX - 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_FILESZ);
    free(b);
}

static void test_segment_past_eof(void)
{
    unsigned char *b = valid_image();

    /* The data segment ends the file: one more byte is too many. */
    phdr(b, 2)->p_filesz = DATA_FSZ + 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SEGEND);
    phdr(b, 2)->p_filesz = DATA_FSZ;
    EXPECT_ERROR(b, IMG_SIZE - 1, MSG_SEGEND);

    /* Offset past the end, even with nothing to copy. */
    phdr(b, 2)->p_offset = IMG_SIZE + 1;
    phdr(b, 2)->p_filesz = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SEGEND);

    /* offset + filesz wraps around to a small number. */
    phdr(b, 2)->p_offset = UINT64_MAX - 0xf;
    phdr(b, 2)->p_filesz = 0x20;
    phdr(b, 2)->p_memsz = 0x20;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SEGEND);
    phdr(b, 2)->p_offset = 0x10;
    phdr(b, 2)->p_filesz = UINT64_MAX - 0xf;
    phdr(b, 2)->p_memsz = UINT64_MAX;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SEGEND);
    phdr(b, 2)->p_offset = UINT64_MAX;
    phdr(b, 2)->p_filesz = 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SEGEND);

    /* Also for the first segment, before anything was accepted. */
    free(b);
    b = valid_image();
    phdr(b, 0)->p_offset = IMG_SIZE - TEXT_SZ + 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SEGEND);
    free(b);
}

static void test_segment_below_lo(void)
{
    unsigned char *b = valid_image();

    phdr(b, 1)->p_vaddr = LO - PG;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    phdr(b, 1)->p_vaddr = LO - 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    phdr(b, 1)->p_vaddr = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    free(b);
}

static void test_segment_above_hi(void)
{
    unsigned char *b = valid_image();

    phdr(b, 2)->p_vaddr = HI;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    phdr(b, 2)->p_vaddr = HI + PG;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    phdr(b, 2)->p_vaddr = UINT64_MAX & ~(PG - 1);
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    /* Starts inside, ends one byte past hi. */
    phdr(b, 2)->p_vaddr = HI - DATA_MSZ + 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    phdr(b, 2)->p_vaddr = HI - DATA_MSZ;
    EXPECT_OK(b, IMG_SIZE, &(struct elf_image){0});
    /* hi is exclusive: a one-byte segment fits at hi - 1, not at hi. */
    set_seg(b, 2, PT_LOAD, PF_R | PF_W, DATA_OFF, HI - 1, 1, 1);
    EXPECT_OK(b, IMG_SIZE, &(struct elf_image){0});
    phdr(b, 2)->p_vaddr = HI;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    free(b);
}

static void test_vaddr_memsz_overflow(void)
{
    unsigned char *b = valid_image();

    /* vaddr + memsz wraps to a small address: must not pass as "ends below hi". */
    phdr(b, 2)->p_memsz = UINT64_MAX - DATA_VA + 1 + PG;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    EXPECT_ERROR_RANGE(b, IMG_SIZE, LO, UINT64_MAX & ~(PG - 1), MSG_RANGE);
    phdr(b, 2)->p_memsz = UINT64_MAX;
    EXPECT_ERROR(b, IMG_SIZE, MSG_RANGE);
    EXPECT_ERROR_RANGE(b, IMG_SIZE, LO, UINT64_MAX & ~(PG - 1), MSG_RANGE);
    phdr(b, 2)->p_memsz = UINT64_MAX - DATA_VA + 1; /* ends exactly at 2^64 */
    EXPECT_ERROR_RANGE(b, IMG_SIZE, LO, UINT64_MAX & ~(PG - 1), MSG_RANGE);
    EXPECT_ERROR_RANGE(b, IMG_SIZE, LO, UINT64_MAX, MSG_RANGE);
    free(b);
}

static void test_wx_segment(void)
{
    unsigned char *b = valid_image();

    phdr(b, 0)->p_flags = PF_R | PF_W | PF_X;
    EXPECT_ERROR(b, IMG_SIZE, MSG_WX);
    phdr(b, 0)->p_flags = PF_W | PF_X;
    EXPECT_ERROR(b, IMG_SIZE, MSG_WX);
    phdr(b, 0)->p_flags = PF_R | PF_X;
    phdr(b, 2)->p_flags = PF_R | PF_W | PF_X;
    EXPECT_ERROR(b, IMG_SIZE, MSG_WX);
    free(b);
}

/* An image with n LOAD segments of one page each, on separate pages; the first is the text. */
static unsigned char *many_segments(unsigned n)
{
    size_t size = 0x1000 + n * 0x100;
    unsigned char *b = new_image(size, n, TEXT_VA);

    for (unsigned i = 0; i < n; i++) {
        uint32_t flags = i == 0 ? PF_R | PF_X : PF_R;
        set_seg(b, i, PT_LOAD, flags, 0x1000 + i * 0x100, TEXT_VA + 2 * i * PG, 0x100, PG);
    }
    return b;
}

static void test_too_many_segments(void)
{
    unsigned char *b = many_segments(ELF_MAX_SEGMENTS);
    struct elf_image img;

    EXPECT_OK(b, 0x1000 + ELF_MAX_SEGMENTS * 0x100, &img);
    CU_ASSERT_EQUAL(img.nsegs, ELF_MAX_SEGMENTS);
    CU_ASSERT_EQUAL(image_violations(&img, 0x1000 + ELF_MAX_SEGMENTS * 0x100, LO, HI), 0);
    free(b);

    b = many_segments(ELF_MAX_SEGMENTS + 1);
    EXPECT_ERROR(b, 0x1000 + (ELF_MAX_SEGMENTS + 1) * 0x100, MSG_TOOMANY);
    free(b);
}

static void test_shared_page(void)
{
    unsigned char *b = valid_image();

    /* Rodata starting in the text segment's last page (text ends at 0x401800). */
    phdr(b, 1)->p_vaddr = TEXT_VA + TEXT_SZ;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SHARE);
    /* Rodata ending in the data segment's first page, though its bytes do not overlap. */
    phdr(b, 1)->p_vaddr = DATA_VA - RO_SZ + 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SHARE);
    /* Data below the text: its file bytes fit in page 0x400000, but its bss reaches into the text's page. */
    phdr(b, 1)->p_vaddr = RO_VA;
    phdr(b, 2)->p_vaddr = TEXT_VA - PG;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SHARE);
    /* Same page range as an earlier segment. */
    phdr(b, 2)->p_vaddr = RO_VA + 0x800;
    phdr(b, 2)->p_memsz = 0x10;
    phdr(b, 2)->p_filesz = 0x10;
    EXPECT_ERROR(b, IMG_SIZE, MSG_SHARE);
    free(b);
}

static void test_no_loadable_segments(void)
{
    unsigned char *b = valid_image();

    phdr(b, 0)->p_type = PT_NOTE;
    phdr(b, 1)->p_type = PT_NULL;
    phdr(b, 2)->p_type = PT_GNU_STACK;
    EXPECT_ERROR(b, IMG_SIZE, MSG_NOLOAD);
    /* Only empty LOADs. */
    for (unsigned i = 0; i < 3; i++) {
        phdr(b, i)->p_type = PT_LOAD;
        phdr(b, i)->p_filesz = 0;
        phdr(b, i)->p_memsz = 0;
    }
    EXPECT_ERROR(b, IMG_SIZE, MSG_NOLOAD);
    free(b);
}

static void test_entry_not_executable(void)
{
    unsigned char *b = valid_image();

    ehdr(b)->e_entry = DATA_VA + 0x10; /* data segment */
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = RO_VA; /* rodata segment */
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = TEXT_VA + TEXT_SZ; /* in the text page, beyond its file bytes */
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = TEXT_VA + PG - 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = TEXT_VA - 1;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    ehdr(b)->e_entry = UINT64_MAX;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    /* An executable segment with no file bytes (all bss) cannot hold the entry either. */
    ehdr(b)->e_entry = TEXT_VA;
    phdr(b, 0)->p_filesz = 0;
    EXPECT_ERROR(b, IMG_SIZE, MSG_ENTRY);
    free(b);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

struct fuzz_stats {
    unsigned runs;
    unsigned accepted;
    unsigned bad;       /* accepted images breaking a promise */
    long first_bad_pos; /* for the failure message */
};

static void fuzz_one(const unsigned char *b, size_t size, struct fuzz_stats *st, long pos)
{
    struct elf_image img;

    memset(&img, 0x5a, sizeof(img));
    st->runs++;
    if (parse(b, size, &img) != NULL)
        return;
    st->accepted++;
    if (image_violations(&img, size, LO, HI) != 0) {
        if (st->bad++ == 0)
            st->first_bad_pos = pos;
    }
}

static void report_fuzz(const struct fuzz_stats *st, const char *what, unsigned line)
{
    char msg[200];

    snprintf(msg, sizeof(msg), "%s: %u of %u accepted images break elf.h's promises (first at %ld)", what,
             st->bad, st->accepted, st->first_bad_pos);
    CU_assertImplementation(st->bad == 0, line, msg, __FILE__, "", CU_FALSE);
}

static void test_fuzz_headers(void)
{
    /* Four headers so that a mutated phnum or type has a spare one to pick up. */
    unsigned char *b = valid_image_n(4);
    const size_t hdr_bytes = PHOFF + 4 * sizeof(Elf64_Phdr);
    struct fuzz_stats st = {0, 0, 0, -1};
    uint64_t rng = 0x9e3779b97f4a7c15u;

    set_seg(b, 3, PT_NOTE, PF_R, 0x3000, 0, 0x10, 0x10);
    CU_ASSERT_PTR_NULL(parse(b, IMG_SIZE, &(struct elf_image){0}));

    /* Every header byte, set to a handful of values. */
    for (size_t pos = 0; pos < hdr_bytes; pos++) {
        const unsigned char orig = b[pos];
        const unsigned char vals[] = {0x00,
                                      0xff,
                                      0x7f,
                                      0x80,
                                      0x01,
                                      orig ^ 0x01,
                                      orig ^ 0x10,
                                      orig ^ 0x80,
                                      (unsigned char)(orig + 1),
                                      (unsigned char)(orig - 1)};
        for (size_t v = 0; v < sizeof(vals); v++) {
            b[pos] = vals[v];
            fuzz_one(b, IMG_SIZE, &st, (long)pos);
        }
        b[pos] = orig;
    }
    report_fuzz(&st, "single bytes", __LINE__);
    CU_ASSERT(st.accepted > 0); /* some mutations (e.g. in p_paddr or p_align) are harmless */

    /* Random bursts of up to 8 damaged header bytes. */
    st = (struct fuzz_stats){0, 0, 0, -1};
    for (long round = 0; round < 100000; round++) {
        unsigned char saved[8];
        size_t where[8];
        unsigned n = 1 + (unsigned)(rng_next(&rng) % 8);

        for (unsigned k = 0; k < n; k++) {
            where[k] = (size_t)(rng_next(&rng) % hdr_bytes);
            saved[k] = b[where[k]];
            b[where[k]] = (unsigned char)rng_next(&rng);
        }
        fuzz_one(b, IMG_SIZE, &st, round);
        for (unsigned k = n; k-- > 0;)
            b[where[k]] = saved[k];
    }
    report_fuzz(&st, "random bursts", __LINE__);
    free(b);
}

static void test_fuzz_truncated(void)
{
    unsigned char *full = valid_image();
    struct fuzz_stats st = {0, 0, 0, -1};

    /* Every prefix of the image, each in a buffer of exactly that size. */
    for (size_t size = 0; size <= IMG_SIZE; size++) {
        unsigned char *b = malloc(size ? size : 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        memcpy(b, full, size);
        fuzz_one(b, size, &st, (long)size);
        free(b);
    }
    report_fuzz(&st, "truncated images", __LINE__);
    /* Only the whole image holds the data segment's last byte. */
    CU_ASSERT_EQUAL(st.accepted, 1);
    free(full);
}

static const CU_TestInfo elf_tests[] = {
    {"valid_image", test_valid_image},
    {"unaligned_vaddr", test_unaligned_vaddr},
    {"non_load_ignored", test_non_load_ignored},
    {"zero_memsz_load_ignored", test_zero_memsz_load_ignored},
    {"boundaries_accepted", test_boundaries_accepted},
    {"prot_flags", test_prot_flags},
    {"too_short", test_too_short},
    {"bad_magic", test_bad_magic},
    {"elf32", test_elf32},
    {"big_endian", test_big_endian},
    {"bad_version", test_bad_version},
    {"not_et_exec", test_not_et_exec},
    {"static_pie", test_static_pie},
    {"interpreter_refused", test_interpreter_refused},
    {"wrong_machine", test_wrong_machine},
    {"bad_phentsize", test_bad_phentsize},
    {"phnum_zero", test_phnum_zero},
    {"phdrs_past_end", test_phdrs_past_end},
    {"filesz_gt_memsz", test_filesz_gt_memsz},
    {"segment_past_eof", test_segment_past_eof},
    {"segment_below_lo", test_segment_below_lo},
    {"segment_above_hi", test_segment_above_hi},
    {"vaddr_memsz_overflow", test_vaddr_memsz_overflow},
    {"wx_segment", test_wx_segment},
    {"too_many_segments", test_too_many_segments},
    {"shared_page", test_shared_page},
    {"no_loadable_segments", test_no_loadable_segments},
    {"entry_not_executable", test_entry_not_executable},
    {"fuzz_headers", test_fuzz_headers},
    {"fuzz_truncated", test_fuzz_truncated},
    CU_TEST_INFO_NULL,
};

void register_elf_suite(void) { cunit_tap_add_suite("elf", elf_tests); }
