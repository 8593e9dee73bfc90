/*
 * Unit tests for the kernel printf engine (<core/format.h>).
 *
 * The host's vsnprintf is the reference: every conversion both support is run
 * through both and the outputs and return values must agree byte for byte.
 * A generated matrix covers every flag set, width and precision form (digits
 * and '*', including negative '*' values) and length modifier for the integer
 * conversions; a hand-written table covers the classic corner cases. The
 * kernel-only conventions (%p, %s of NULL, unknown conversions) and the
 * snprintf truncation contract are tested on their own.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/compiler.h>
#include <core/format.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define OUT_MAX 512

/* Reports a failure at the caller's line, with both outputs in the message. */
static void report(const char *file, int line, const char *fmt, const char *want, int wn, const char *got,
                   int gn)
{
    char msg[OUT_MAX * 3];

    snprintf(msg, sizeof(msg), "format \"%s\": want \"%s\" (%d), got \"%s\" (%d)", fmt, want, wn, got, gn);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

/* Runs fmt through vsnprintf and fmt_vsnprintf and compares; returns true when they agree. */
static bool vcompare(const char *file, int line, const char *fmt, va_list ap)
{
    char want[OUT_MAX], got[OUT_MAX];
    va_list ap2;
    int wn, gn;

    va_copy(ap2, ap);
    memset(want, 'W', sizeof(want));
    memset(got, 'G', sizeof(got));
    wn = vsnprintf(want, sizeof(want), fmt, ap);
    gn = fmt_vsnprintf(got, sizeof(got), fmt, ap2);
    va_end(ap2);
    /* Compare the terminator too; %c of 0 puts NULs inside the output, so use memcmp. */
    if (wn >= 0 && wn < OUT_MAX && gn == wn && memcmp(want, got, (size_t)wn + 1) == 0)
        return true;
    report(file, line, fmt, want, wn, got, gn);
    return false;
}

/* Comparison with a runtime format string (used by the generated matrix). */
static bool compare_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    bool ok;

    va_start(ap, fmt);
    ok = vcompare(file, line, fmt, ap);
    va_end(ap);
    return ok;
}

/* Same, but with a literal format that the compiler type-checks against the arguments. */
static __attribute__((format(printf, 3, 4))) void check_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vcompare(file, line, fmt, ap))
        CU_PASS(fmt);
    va_end(ap);
}

#define CHECK(...) check_at(__FILE__, __LINE__, __VA_ARGS__)
/* For well-defined formats that -Wformat still flags (ignored flags, empty format, narrowed arguments). */
#define CHECK_UNCHECKED(...) CU_ASSERT(compare_at(__FILE__, __LINE__, __VA_ARGS__))

/* Calls fmt_vsnprintf with a format the compiler does not check (for deliberately invalid ones). */
static int raw_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void expect_raw(const char *fmt, const char *want)
{
    char got[64];
    int n = raw_format(got, sizeof(got), fmt, 1, 2, 3);

    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(n, (int)strlen(want));
}

static void test_corner_extremes(void)
{
    CHECK("%d", 0);
    CHECK("%d", INT_MIN);
    CHECK("%d", INT_MAX);
    CHECK("%i", -1);
    CHECK("%lld", LLONG_MIN);
    CHECK("%lld", LLONG_MAX);
    CHECK("%llu", ULLONG_MAX);
    CHECK("%llx", ULLONG_MAX);
    CHECK("%llo", ULLONG_MAX);
    CHECK("%#llo", ULLONG_MAX);
    CHECK("%#llX", ULLONG_MAX);
    CHECK("%ld", LONG_MIN);
    CHECK("%lu", ULONG_MAX);
    CHECK("%jd", INTMAX_MIN);
    CHECK("%ju", UINTMAX_MAX);
    CHECK("%u", UINT_MAX);
}

/* Precision 0 with value 0 prints no digits, and '#' interacts with it differently for o and x. */
static void test_corner_zero_and_alt(void)
{
    CHECK("%.0d", 0);
    CHECK("%.0u|%.0x|%.0o|%.0i", 0u, 0u, 0u, 0);
    CHECK("%5.0d|", 0);
    CHECK("%-5.0x|", 0u);
    CHECK("%+.0d", 0);
    CHECK("% .0d", 0);
    CHECK("%#.0o", 0u);
    CHECK("%#.0x", 0u);
    CHECK("%#x", 0u);
    CHECK("%#o", 0u);
    CHECK("%#x", 255u);
    CHECK("%#X", 255u);
    CHECK("%#o", 8u);
    CHECK("%#.5o", 8u);
    CHECK("%#08x", 255u);
    CHECK("%#-8x|", 255u);
}

static void test_corner_flags_width(void)
{
    CHECK("%+d", 5);
    CHECK("%+d", -5);
    CHECK("%+d", 0);
    CHECK("% d", 5);
    CHECK("% d", -5);
    CHECK_UNCHECKED("%+ d", 5);
    CHECK("% 05d", 42);
    CHECK("%05d", -42);
    CHECK_UNCHECKED("%-05d|", -42);
    CHECK_UNCHECKED("%05.3d", 7);
    CHECK("%.10d", -123);
    CHECK("%20.10d|", -123);
    CHECK("%-20.10d|", -123);
    CHECK("%*d", 6, 42);
    CHECK("%*d|", -6, 42);
    CHECK("%-*d|", -6, 42);
    CHECK("%0*d", -6, 42);
    CHECK("%.*d", 4, 42);
    CHECK("%.*d", -4, 42);
    CHECK("%.*d", -1, 0);
    CHECK("%*.*d|", -8, 4, 42);
}

static void test_corner_lengths(void)
{
    /* An int outside the narrow range is valid (the conversion narrows it) but clang's -Wformat objects. */
    CHECK_UNCHECKED("%hhd", 300);
    CHECK_UNCHECKED("%hhd", -129);
    CHECK_UNCHECKED("%hhu", 300);
    CHECK_UNCHECKED("%hhx", -1);
    CHECK_UNCHECKED("%hd", 70000);
    CHECK_UNCHECKED("%hu", 70000);
    CHECK_UNCHECKED("%hd", -32769);
    CHECK("%zu", (size_t)SIZE_MAX);
    CHECK("%zx", (size_t)0xdeadbeef);
    CHECK("%zd", (ptrdiff_t)-5);
    CHECK("%td", (ptrdiff_t)PTRDIFF_MIN);
    CHECK("%tx", (ptrdiff_t)-1);
}

static void test_corner_chars_strings(void)
{
    CHECK("%c", 'x');
    CHECK("%c", 0);
    CHECK("a%cb", 0);
    CHECK("%5c|%-5c|", 'a', 'b');
    CHECK("%c", 0x141);
    CHECK("%s", "hello");
    CHECK("%-8s|", "abc");
    CHECK("%8s|", "abc");
    CHECK("%.3s", "abcdef");
    CHECK("%.0s|", "abcdef");
    CHECK("%.10s", "abc");
    CHECK("%-8.2s|", "abcdef");
    CHECK("%*s|", -7, "ab");
    CHECK("%.*s|", 2, "abcdef");
    CHECK("%.*s|", -2, "abcdef");
    CHECK("%s", "");
    CHECK("%5s|", "");
    CHECK("%%");
    CHECK("100%%");
    CHECK("no conversions at all");
    CHECK_UNCHECKED("");
    CHECK("%s=%d (%#x) %c%%", "count", 17, 17u, '!');
}

/* Values for the generated matrix; each is converted to the type the length modifier asks for. */
static const long long matrix_values[] = {
    0,
    1,
    -1,
    7,
    42,
    -42,
    127,
    128,
    -128,
    255,
    300,
    -300,
    32767,
    -32768,
    65535,
    65536,
    INT_MAX,
    INT_MIN,
    (long long)UINT_MAX,
    LLONG_MAX,
    LLONG_MIN,
    0x123456789abcdefLL,
    -987654321LL,
};

static const char *const matrix_widths[] = {"", "1", "6", "25", "*"};
static const char *const matrix_precs[] = {"", ".", ".0", ".1", ".4", ".30", ".*"};
static const char *const matrix_lengths[] = {"hh", "h", "", "l", "ll", "z", "t", "j"};
static const char matrix_convs[] = "dixXou";

struct matrix_case {
    char fmt[64];
    bool star_w, star_p;
    int w, p;
    const char *length;
    bool is_signed;
    long long v;
};

/* Passes the '*' arguments that the format asks for, then the value. */
#define MATRIX_CALL(mc, value)                                                                               \
    ((mc)->star_w && (mc)->star_p ? compare_at(__FILE__, __LINE__, (mc)->fmt, (mc)->w, (mc)->p, value)       \
     : (mc)->star_w               ? compare_at(__FILE__, __LINE__, (mc)->fmt, (mc)->w, value)                \
     : (mc)->star_p               ? compare_at(__FILE__, __LINE__, (mc)->fmt, (mc)->p, value)                \
                                  : compare_at(__FILE__, __LINE__, (mc)->fmt, value))

/*
 * hh and h take an int argument (default promotions) that the conversion
 * narrows itself, so the full int value is passed to exercise that narrowing.
 */
static bool matrix_run_signed(const struct matrix_case *mc)
{
    const char *l = mc->length;
    long long v = mc->v;

    if (!strcmp(l, "l"))
        return MATRIX_CALL(mc, (long)v);
    if (!strcmp(l, "ll"))
        return MATRIX_CALL(mc, v);
    if (!strcmp(l, "z") || !strcmp(l, "t"))
        return MATRIX_CALL(mc, (ptrdiff_t)v);
    if (!strcmp(l, "j"))
        return MATRIX_CALL(mc, (intmax_t)v);
    return MATRIX_CALL(mc, (int)v);
}

static bool matrix_run_unsigned(const struct matrix_case *mc)
{
    const char *l = mc->length;
    unsigned long long v = (unsigned long long)mc->v;

    if (!strcmp(l, "l"))
        return MATRIX_CALL(mc, (unsigned long)v);
    if (!strcmp(l, "ll"))
        return MATRIX_CALL(mc, v);
    if (!strcmp(l, "z") || !strcmp(l, "t"))
        return MATRIX_CALL(mc, (size_t)v);
    if (!strcmp(l, "j"))
        return MATRIX_CALL(mc, (uintmax_t)v);
    return MATRIX_CALL(mc, (unsigned int)v);
}

/* Builds the flag string for the bit set fl over "-0+ #". */
static void flags_string(unsigned fl, char *out)
{
    static const char all[] = "-0+ #";

    for (unsigned i = 0; i < 5; i++) {
        if (fl & (1u << i))
            *out++ = all[i];
    }
    *out = '\0';
}

/* Runs one generated format against every matrix value; returns the number of mismatches. */
static unsigned matrix_run_format(struct matrix_case *mc)
{
    unsigned failed = 0;

    for (size_t vi = 0; vi < ARRAY_SIZE(matrix_values); vi++) {
        /* Vary the '*' arguments: positive, negative (= '-' flag / no precision), zero. */
        mc->w = (int[]){9, -9, 0, 3}[vi % 4];
        mc->p = (int[]){3, -1, 0, 12, -7}[vi % 5];
        mc->v = matrix_values[vi];
        failed += !(mc->is_signed ? matrix_run_signed(mc) : matrix_run_unsigned(mc));
    }
    return failed;
}

/* Decodes combination number k into one format of the matrix. */
static void matrix_build_case(struct matrix_case *mc, size_t k)
{
    size_t nconv = sizeof(matrix_convs) - 1;
    char conv = matrix_convs[k % nconv];
    const char *length = matrix_lengths[(k /= nconv) % ARRAY_SIZE(matrix_lengths)];
    const char *prec = matrix_precs[(k /= ARRAY_SIZE(matrix_lengths)) % ARRAY_SIZE(matrix_precs)];
    const char *width = matrix_widths[(k /= ARRAY_SIZE(matrix_precs)) % ARRAY_SIZE(matrix_widths)];
    char flags[8];

    flags_string((unsigned)(k / ARRAY_SIZE(matrix_widths)), flags);
    snprintf(mc->fmt, sizeof(mc->fmt), "<%%%s%s%s%s%c>", flags, width, prec, length, conv);
    mc->star_w = width[0] == '*';
    mc->star_p = prec[0] == '.' && prec[1] == '*';
    mc->length = length;
    mc->is_signed = conv == 'd' || conv == 'i';
}

static void test_integer_matrix(void)
{
    size_t total = 32 * ARRAY_SIZE(matrix_widths) * ARRAY_SIZE(matrix_precs) * ARRAY_SIZE(matrix_lengths) *
                   (sizeof(matrix_convs) - 1);
    unsigned failed = 0;
    size_t k;
    struct matrix_case mc;

    /* Stop early on a systematic bug rather than reporting thousands of mismatches. */
    for (k = 0; k < total && failed <= 20; k++) {
        matrix_build_case(&mc, k);
        failed += matrix_run_format(&mc);
    }
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT_EQUAL(k, total);
}

static void test_string_char_matrix(void)
{
    static const char *const strs[] = {"", "a", "hello", "hello, world!"};
    static const char *const widths[] = {"", "1", "5", "16", "*"};
    static const char *const precs[] = {"", ".", ".0", ".3", ".20", ".*"};
    static const int chars[] = {'a', 'Z', ' ', 0, 255, 0x1ff};
    unsigned failed = 0;
    char fmt[32];

    for (int left = 0; left < 2; left++) {
        for (size_t wi = 0; wi < ARRAY_SIZE(widths); wi++) {
            bool sw = widths[wi][0] == '*';
            for (size_t pi = 0; pi < ARRAY_SIZE(precs); pi++) {
                bool sp = precs[pi][0] == '.' && precs[pi][1] == '*';
                snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", left ? "-" : "", widths[wi], precs[pi]);
                for (size_t si = 0; si < ARRAY_SIZE(strs); si++) {
                    int w = (int)si * 5 - 8, p = (int[]){-1, 2, -5, 4}[si];
                    if (sw && sp)
                        failed += !compare_at(__FILE__, __LINE__, fmt, w, p, strs[si]);
                    else if (sw)
                        failed += !compare_at(__FILE__, __LINE__, fmt, w, strs[si]);
                    else if (sp)
                        failed += !compare_at(__FILE__, __LINE__, fmt, p, strs[si]);
                    else
                        failed += !compare_at(__FILE__, __LINE__, fmt, strs[si]);
                }
            }
            snprintf(fmt, sizeof(fmt), "[%%%s%sc]", left ? "-" : "", widths[wi]);
            for (size_t ci = 0; ci < ARRAY_SIZE(chars); ci++) {
                if (sw)
                    failed += !compare_at(__FILE__, __LINE__, fmt, (int)ci * 3 - 7, chars[ci]);
                else
                    failed += !compare_at(__FILE__, __LINE__, fmt, chars[ci]);
            }
        }
    }
    CU_ASSERT_EQUAL(failed, 0);
}

static void test_pointer(void)
{
    char buf[64];

    CU_ASSERT_EQUAL(fmt_snprintf(buf, sizeof(buf), "%p", (void *)0), 18);
    CU_ASSERT_STRING_EQUAL(buf, "0x0000000000000000");
    fmt_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
    CU_ASSERT_STRING_EQUAL(buf, "0x0000000000001234");
    fmt_snprintf(buf, sizeof(buf), "%p", (void *)(uintptr_t)UINT64_C(0xffff8000deadbeef));
    CU_ASSERT_STRING_EQUAL(buf, "0xffff8000deadbeef");
    fmt_snprintf(buf, sizeof(buf), "%p", (void *)UINTPTR_MAX);
    CU_ASSERT_STRING_EQUAL(buf, "0xffffffffffffffff");
    CU_ASSERT_EQUAL(fmt_snprintf(buf, sizeof(buf), "[%20p]", (void *)0xabc), 22);
    CU_ASSERT_STRING_EQUAL(buf, "[  0x0000000000000abc]");
    fmt_snprintf(buf, sizeof(buf), "[%-20p]", (void *)0xabc);
    CU_ASSERT_STRING_EQUAL(buf, "[0x0000000000000abc  ]");
    fmt_snprintf(buf, sizeof(buf), "[%5p]", (void *)0xabc);
    CU_ASSERT_STRING_EQUAL(buf, "[0x0000000000000abc]");
}

static void test_null_string(void)
{
    char buf[64];
    const char *null = NULL;

    CU_ASSERT_EQUAL(raw_format(buf, sizeof(buf), "%s", null), 6);
    CU_ASSERT_STRING_EQUAL(buf, "(null)");
    raw_format(buf, sizeof(buf), "[%10s]", null);
    CU_ASSERT_STRING_EQUAL(buf, "[    (null)]");
    raw_format(buf, sizeof(buf), "[%-8s]", null);
    CU_ASSERT_STRING_EQUAL(buf, "[(null)  ]");
    /* Kernel convention: NULL is the string "(null)", so a precision truncates it like any string. */
    raw_format(buf, sizeof(buf), "[%.3s]", null);
    CU_ASSERT_STRING_EQUAL(buf, "[(nu]");
}

static void test_unknown_conversion(void)
{
    expect_raw("%y", "%y");
    expect_raw("a%yb", "a%yb");
    expect_raw("%-5y|", "%-5y|");
    expect_raw("%ly", "%ly");
    expect_raw("%lly%d", "%lly1");
    expect_raw("%n%d", "%n1");    /* %n is not supported: printed, nothing written */
    expect_raw("%f", "%f");       /* no floating point */
    expect_raw("50%", "50%");     /* lone '%' at the end */
    expect_raw("x%-08", "x%-08"); /* incomplete directive at the end */
    expect_raw("%-5%|", "%|");    /* flags on %% are ignored */
    expect_raw("%*y%d", "%*y2");  /* the '*' argument stays consumed */
}

static void test_no_string_overread(void)
{
    /* Not NUL-terminated: with a precision only that many bytes may be read (ASan checks this). */
    char raw[3] = {'x', 'y', 'z'};
    char buf[16];

    CU_ASSERT_EQUAL(fmt_snprintf(buf, sizeof(buf), "%.3s|", raw), 4);
    CU_ASSERT_STRING_EQUAL(buf, "xyz|");
    CU_ASSERT_EQUAL(fmt_snprintf(buf, sizeof(buf), "%.2s|", raw), 3);
    CU_ASSERT_STRING_EQUAL(buf, "xy|");
}

static void test_truncation(void)
{
    char buf[32];

    /* size 0: nothing written, buf may be NULL, return value is the full length. */
    CU_ASSERT_EQUAL(fmt_snprintf(NULL, 0, "hello %d", 12345), 11);
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 0, "hello"), 5);
    CU_ASSERT_EQUAL(buf[0], 'Q');

    /* size 1: only the terminator fits. */
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 1, "hello"), 5);
    CU_ASSERT_EQUAL(buf[0], '\0');
    CU_ASSERT_EQUAL(buf[1], 'Q');

    /* Exact fit: length + 1 bytes. */
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 6, "hello"), 5);
    CU_ASSERT_STRING_EQUAL(buf, "hello");
    CU_ASSERT_EQUAL(buf[6], 'Q');

    /* One short: the last character is dropped for the terminator. */
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 5, "hello"), 5);
    CU_ASSERT_STRING_EQUAL(buf, "hell");
    CU_ASSERT_EQUAL(buf[5], 'Q');

    /* Truncation in the middle of padding and of a number. */
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 8, "%20d", -42), 20);
    CU_ASSERT_STRING_EQUAL(buf, "       ");
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 4, "%d", -123456), 7);
    CU_ASSERT_STRING_EQUAL(buf, "-12");
    CU_ASSERT_EQUAL(buf[4], 'Q');
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 3, "%s%s", "ab", "cd"), 4);
    CU_ASSERT_STRING_EQUAL(buf, "ab");

    /* The empty output still terminates. */
    memset(buf, 'Q', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, sizeof(buf), "%s", ""), 0);
    CU_ASSERT_EQUAL(buf[0], '\0');
}

/* The same truncation cases, checked against the host for many sizes. */
static void test_truncation_against_host(void)
{
    static const char fmt[] = "%-6s|%+05d|%#x|%c|%.2s";
    char want[40], got[40];

    for (size_t size = 0; size <= sizeof(want); size++) {
        memset(want, 'Q', sizeof(want));
        memset(got, 'Q', sizeof(got));
        int wn = snprintf(size ? want : NULL, size, fmt, "ab", 42, 0xbeefu, 'z', "xyz");
        int gn = fmt_snprintf(size ? got : NULL, size, fmt, "ab", 42, 0xbeefu, 'z', "xyz");
        CU_ASSERT_EQUAL(gn, wn);
        CU_ASSERT_EQUAL(memcmp(want, got, sizeof(want)), 0);
    }
}

struct collect {
    char buf[8192];
    size_t len;
    unsigned calls;
};

static void collect_out(void *ctx, const char *s, size_t n)
{
    struct collect *c = ctx;

    CU_ASSERT(n > 0);
    if (c->len + n <= sizeof(c->buf)) {
        memcpy(c->buf + c->len, s, n);
    }
    c->len += n;
    c->calls++;
}

static __attribute__((format(printf, 2, 3))) int collect_format(struct collect *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    memset(c, 0, sizeof(*c));
    va_start(ap, fmt);
    n = fmt_vformat(collect_out, c, fmt, ap);
    va_end(ap);
    return n;
}

static void test_vformat_callback(void)
{
    struct collect c;

    CU_ASSERT_EQUAL(collect_format(&c, "abc%d%s", 12, "xyz"), 8);
    CU_ASSERT_EQUAL(c.len, 8);
    CU_ASSERT_EQUAL(memcmp(c.buf, "abc12xyz", 8), 0);

    /* A width far larger than the internal padding chunk is streamed in pieces. */
    CU_ASSERT_EQUAL(collect_format(&c, "%5000d", 7), 5000);
    CU_ASSERT_EQUAL(c.len, 5000);
    CU_ASSERT(c.calls > 2);
    CU_ASSERT_EQUAL(c.buf[0], ' ');
    CU_ASSERT_EQUAL(c.buf[4998], ' ');
    CU_ASSERT_EQUAL(c.buf[4999], '7');

    CU_ASSERT_EQUAL(collect_format(&c, "%.4000d", 7), 4000);
    CU_ASSERT_EQUAL(c.buf[0], '0');
    CU_ASSERT_EQUAL(c.buf[3999], '7');

    CU_ASSERT_EQUAL(collect_format(&c, "%s", ""), 0);
    CU_ASSERT_EQUAL(c.calls, 0);
    CU_ASSERT_EQUAL(collect_format(&c, "%c", 0), 1);
    CU_ASSERT_EQUAL(c.buf[0], '\0');
}

static void test_large_width_vs_host(void)
{
    CHECK("%300d|", -5);
    CHECK("%-300s|", "x");
    CHECK("%.300d", 12);
    CHECK("%#.200x", 0xabcu);
}

static const CU_TestInfo format_tests[] = {
    {"corner_extremes", test_corner_extremes},
    {"corner_zero_and_alt", test_corner_zero_and_alt},
    {"corner_flags_width", test_corner_flags_width},
    {"corner_lengths", test_corner_lengths},
    {"corner_chars_strings", test_corner_chars_strings},
    {"integer_matrix", test_integer_matrix},
    {"string_char_matrix", test_string_char_matrix},
    {"pointer", test_pointer},
    {"null_string", test_null_string},
    {"unknown_conversion", test_unknown_conversion},
    {"no_string_overread", test_no_string_overread},
    {"truncation", test_truncation},
    {"truncation_against_host", test_truncation_against_host},
    {"vformat_callback", test_vformat_callback},
    {"large_width_vs_host", test_large_width_vs_host},
    CU_TEST_INFO_NULL,
};

void register_format_suite(void) { cunit_tap_add_suite("format", format_tests); }
