/*
 * Unit tests for the kernel symbol lookup (<core/ksyms.h>).
 *
 * Tables are built in heap buffers of exactly the table's size (header, sorted entries, string table),
 * laid out as tools/gensyms.py writes them, so AddressSanitizer catches any read past the end. The tests
 * cover hits and offsets, sized and unsized symbols, addresses between and around symbols, the checks on
 * a damaged table, and a 1000-symbol table against a linear reference search.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/ksyms.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sym_spec {
    uint64_t addr;
    uint32_t size;
    const char *name;
};

/* A table for n symbols (sorted by the caller), with the string table right after the entries. */
static struct ksym_table *build_table(const struct sym_spec *syms, size_t n)
{
    size_t strtab = 0, hdr = offsetof(struct ksym_table, entries) + n * sizeof(struct ksym), pos = 0;
    struct ksym_table *t;
    char *names;

    for (size_t i = 0; i < n; i++)
        strtab += strlen(syms[i].name) + 1;
    t = malloc(hdr + strtab);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    t->magic = KSYMS_MAGIC;
    t->count = n;
    t->strtab_off = hdr;
    t->strtab_size = strtab;
    names = (char *)t + hdr;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(syms[i].name) + 1;
        t->entries[i].addr = syms[i].addr;
        t->entries[i].size = syms[i].size;
        t->entries[i].name = (uint32_t)pos;
        memcpy(names + pos, syms[i].name, len);
        pos += len;
    }
    return t;
}

/* Asserts that addr resolves to `want` at offset `want_off` (want NULL: no symbol). */
static void expect_at(const struct ksym_table *t, uint64_t addr, const char *want, uint64_t want_off,
                      unsigned line)
{
    uint64_t off = UINT64_C(0xdeadbeef);
    const char *got = ksym_lookup(t, addr, &off);
    bool ok = want ? got && strcmp(got, want) == 0 && off == want_off : got == NULL && off == 0xdeadbeef;
    char msg[256];

    snprintf(msg, sizeof(msg), "ksym_lookup(%#llx): expected %s+%#llx, got %s+%#llx",
             (unsigned long long)addr, want ? want : "NULL", (unsigned long long)want_off, got ? got : "NULL",
             (unsigned long long)off);
    CU_assertImplementation(ok, line, msg, __FILE__, "", CU_FALSE);
}

#define EXPECT_SYM(t, addr, name, off) expect_at((t), (addr), (name), (off), __LINE__)
#define EXPECT_NONE(t, addr) expect_at((t), (addr), NULL, 0, __LINE__)

/* A gap after "sized_a", "unsized_b" running up to "sized_c", and an unsized last symbol. */
static const struct sym_spec basic[] = {
    {0xffffffff80100000, 0x40, "sized_a"},
    {0xffffffff80100100, 0, "unsized_b"},
    {0xffffffff80100180, 0x20, "sized_c"},
    {0xffffffff80100200, 0, "last_unsized"},
};

static void test_exact_hit(void)
{
    struct ksym_table *t = build_table(basic, 4);

    EXPECT_SYM(t, 0xffffffff80100000, "sized_a", 0);
    EXPECT_SYM(t, 0xffffffff80100100, "unsized_b", 0);
    EXPECT_SYM(t, 0xffffffff80100180, "sized_c", 0);
    free(t);
}

static void test_offset_in_sized(void)
{
    struct ksym_table *t = build_table(basic, 4);

    EXPECT_SYM(t, 0xffffffff80100001, "sized_a", 1);
    EXPECT_SYM(t, 0xffffffff80100025, "sized_a", 0x25);
    EXPECT_SYM(t, 0xffffffff8010003f, "sized_a", 0x3f); /* last byte */
    EXPECT_SYM(t, 0xffffffff8010019f, "sized_c", 0x1f);
    free(t);
}

static void test_past_sized_end(void)
{
    struct ksym_table *t = build_table(basic, 4);

    EXPECT_NONE(t, 0xffffffff80100040); /* one past sized_a, in the gap before unsized_b */
    EXPECT_NONE(t, 0xffffffff801000ff);
    EXPECT_NONE(t, 0xffffffff801001a0); /* one past sized_c, before last_unsized */
    EXPECT_NONE(t, 0xffffffff801001ff);
    free(t);
}

static void test_unsized_extends_to_next(void)
{
    struct ksym_table *t = build_table(basic, 4);

    EXPECT_SYM(t, 0xffffffff80100101, "unsized_b", 1);
    EXPECT_SYM(t, 0xffffffff8010017f, "unsized_b", 0x7f);
    EXPECT_SYM(t, 0xffffffff80100180, "sized_c", 0); /* the next one starts */
    free(t);
}

static void test_last_unsized(void)
{
    struct ksym_table *t = build_table(basic, 4);
    static const struct sym_spec sized_last[] = {
        {0x1000, 0x10, "first"},
        {0x2000, 0x10, "last"},
    };

    /* Nothing bounds an unsized last symbol, so no address is attributed to it, not even its own. */
    EXPECT_NONE(t, 0xffffffff80100201);
    EXPECT_NONE(t, 0xffffffff80100200);
    EXPECT_NONE(t, UINT64_MAX);
    free(t);

    /* A sized last symbol does cover its bytes. */
    t = build_table(sized_last, 2);
    EXPECT_SYM(t, 0x2000, "last", 0);
    EXPECT_SYM(t, 0x200f, "last", 0xf);
    EXPECT_NONE(t, 0x2010);
    EXPECT_NONE(t, UINT64_MAX);
    free(t);
}

static void test_below_first(void)
{
    struct ksym_table *t = build_table(basic, 4);

    EXPECT_NONE(t, 0xffffffff800fffff);
    EXPECT_NONE(t, 0);
    EXPECT_NONE(t, 0x80100000);
    free(t);

    /* Below an unsized first symbol: must not be taken as inside it at a wrapped-around offset. */
    static const struct sym_spec unsized_first[] = {
        {0x1000, 0, "a"},
        {0x2000, 0x10, "b"},
    };
    t = build_table(unsized_first, 2);
    EXPECT_NONE(t, 0xfff);
    EXPECT_NONE(t, 0);
    EXPECT_SYM(t, 0x1000, "a", 0);
    EXPECT_SYM(t, 0x1fff, "a", 0xfff);
    free(t);
}

static void test_single_entry(void)
{
    static const struct sym_spec one[] = {{0x5000, 0x100, "only"}};
    struct ksym_table *t = build_table(one, 1);

    EXPECT_NONE(t, 0x4fff);
    EXPECT_SYM(t, 0x5000, "only", 0);
    EXPECT_SYM(t, 0x50ff, "only", 0xff);
    EXPECT_NONE(t, 0x5100);
    free(t);
}

static void test_null_table(void)
{
    uint64_t off = 7;

    CU_ASSERT_PTR_NULL(ksym_lookup(NULL, 0xffffffff80100000, &off));
    CU_ASSERT_PTR_NULL(ksym_lookup(NULL, 0, NULL));
    CU_ASSERT_EQUAL(off, 7);
}

static void test_bad_magic(void)
{
    struct ksym_table *t = build_table(basic, 4);

    t->magic = KSYMS_MAGIC ^ 1;
    EXPECT_NONE(t, 0xffffffff80100000);
    t->magic = 0;
    EXPECT_NONE(t, 0xffffffff80100010);
    t->magic = __builtin_bswap64(KSYMS_MAGIC); /* written with the wrong byte order */
    EXPECT_NONE(t, 0xffffffff80100010);
    t->magic = KSYMS_MAGIC;
    EXPECT_SYM(t, 0xffffffff80100010, "sized_a", 0x10);
    free(t);
}

static void test_count_zero(void)
{
    struct ksym_table *t = build_table(basic, 4);

    t->count = 0;
    EXPECT_NONE(t, 0xffffffff80100000);
    EXPECT_NONE(t, 0xffffffff80100010);
    free(t);

    t = build_table(NULL, 0);
    EXPECT_NONE(t, 0);
    EXPECT_NONE(t, UINT64_MAX);
    free(t);
}

static void test_name_outside_strtab(void)
{
    struct ksym_table *t = build_table(basic, 4);

    /* strtab: "sized_a\0unsized_b\0sized_c\0last_unsized\0", 39 bytes. */
    CU_ASSERT_EQUAL_FATAL(t->strtab_size, 39);
    t->entries[0].name = (uint32_t)t->strtab_size;
    EXPECT_NONE(t, 0xffffffff80100000);
    t->entries[0].name = UINT32_MAX;
    EXPECT_NONE(t, 0xffffffff80100010);
    /* The other entries still resolve. */
    EXPECT_SYM(t, 0xffffffff80100110, "unsized_b", 0x10);
    /* The last byte of the string table is a valid (empty) name. */
    t->entries[0].name = (uint32_t)t->strtab_size - 1;
    EXPECT_SYM(t, 0xffffffff80100010, "", 0x10);
    /* A name inside the table, but in the middle of another name, is taken as is. */
    t->entries[0].name = 2;
    EXPECT_SYM(t, 0xffffffff80100010, "zed_a", 0x10);
    /* A shrunken string table invalidates the names that no longer fit. */
    t->entries[0].name = 0;
    t->strtab_size = 8; /* holds "sized_a\0" only */
    EXPECT_SYM(t, 0xffffffff80100000, "sized_a", 0);
    EXPECT_NONE(t, 0xffffffff80100100);
    free(t);
}

static void test_offset_pointer_null(void)
{
    struct ksym_table *t = build_table(basic, 4);
    const char *name = ksym_lookup(t, 0xffffffff80100123, NULL);

    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    CU_ASSERT_STRING_EQUAL(name, "unsized_b");
    CU_ASSERT_PTR_NULL(ksym_lookup(t, 0xffffffff80100050, NULL));
    free(t);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* The rule of ksyms.h, by linear search: the last entry starting at or below addr, within its size. */
static const struct ksym *reference_lookup(const struct ksym_table *t, uint64_t addr)
{
    size_t found = SIZE_MAX;

    for (size_t i = 0; i < t->count; i++)
        if (t->entries[i].addr <= addr)
            found = i;
    if (found == SIZE_MAX)
        return NULL;

    const struct ksym *s = &t->entries[found];
    uint64_t next = found + 1 < t->count ? t->entries[found + 1].addr : s->addr;
    uint64_t end = s->size ? s->addr + s->size : next;

    return addr < end ? s : NULL;
}

static void test_random_against_reference(void)
{
    enum { NSYMS = 1000, NPROBES = 20000 };
    static struct sym_spec syms[NSYMS];
    static char names[NSYMS][16];
    struct ksym_table *t;
    uint64_t rng = 12345, addr = 0xffffffff80000000;
    unsigned mismatches = 0, hits = 0, misses = 0;
    char msg[200] = "";

    for (size_t i = 0; i < NSYMS; i++) {
        uint64_t r = rng_next(&rng);
        /* Mostly increasing addresses, sometimes a duplicate (an alias); sized, unsized or oversized. */
        addr += r % 10 == 0 ? 0 : 1 + rng_next(&rng) % 0x400;
        snprintf(names[i], sizeof(names[i]), "fn_%zu", i);
        syms[i].addr = addr;
        syms[i].size = r % 3 == 0 ? 0 : (uint32_t)(1 + rng_next(&rng) % 0x300);
        syms[i].name = names[i];
    }
    t = build_table(syms, NSYMS);

    for (unsigned k = 0; k < NPROBES; k++) {
        const struct sym_spec *s = &syms[rng_next(&rng) % NSYMS];
        uint64_t probe;

        switch (k % 6) {
        case 0:
            probe = s->addr;
            break;
        case 1:
            probe = s->addr - 1;
            break;
        case 2:
            probe = s->addr + s->size;
            break;
        case 3:
            probe = s->addr + s->size - 1;
            break;
        case 4:
            probe = syms[0].addr - 0x100 + rng_next(&rng) % (addr - syms[0].addr + 0x1000);
            break;
        default:
            probe = rng_next(&rng);
            break;
        }

        const struct ksym *want = reference_lookup(t, probe);
        uint64_t off = 0;
        const char *got = ksym_lookup(t, probe, &off);
        const char *want_name = want ? (const char *)t + t->strtab_off + want->name : NULL;
        bool ok = want ? got && strcmp(got, want_name) == 0 && off == probe - want->addr : got == NULL;

        if (!ok && mismatches++ == 0)
            snprintf(msg, sizeof(msg), "first mismatch at %#llx: expected %s, got %s",
                     (unsigned long long)probe, want_name ? want_name : "NULL", got ? got : "NULL");
        hits += want != NULL;
        misses += want == NULL;
    }
    CU_assertImplementation(mismatches == 0, __LINE__, mismatches ? msg : "no mismatch", __FILE__, "",
                            CU_FALSE);
    /* The probes exercise both outcomes. */
    CU_ASSERT(hits > NPROBES / 4);
    CU_ASSERT(misses > NPROBES / 10);
    free(t);
}

static const CU_TestInfo ksyms_tests[] = {
    {"exact_hit", test_exact_hit},
    {"offset_in_sized", test_offset_in_sized},
    {"past_sized_end", test_past_sized_end},
    {"unsized_extends_to_next", test_unsized_extends_to_next},
    {"last_unsized", test_last_unsized},
    {"below_first", test_below_first},
    {"single_entry", test_single_entry},
    {"null_table", test_null_table},
    {"bad_magic", test_bad_magic},
    {"count_zero", test_count_zero},
    {"name_outside_strtab", test_name_outside_strtab},
    {"offset_pointer_null", test_offset_pointer_null},
    {"random_against_reference", test_random_against_reference},
    CU_TEST_INFO_NULL,
};

void register_ksyms_suite(void) { cunit_tap_add_suite("ksyms", ksyms_tests); }
