/*
 * printf-style formatting for the kernel (see <core/format.h> for the
 * supported subset and the kernel conventions that differ from C99).
 *
 * The engine never buffers a whole conversion: numbers are converted into a
 * small stack buffer and everything else (padding, precision zeros) is
 * streamed to the callback, so arbitrarily large widths or precisions cost no
 * memory. The running count is a size_t and is only narrowed to int at the
 * end. Strings with a precision are never read past the precision, so they
 * need not be NUL-terminated.
 */
#include <core/format.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * <limits.h> is avoided on purpose: with -nostdinc, a gcc built against a
 * system limits.h tries to #include_next it and fails. The predefined macro
 * carries the same value.
 */
#define FMT_INT_MAX __INT_MAX__

_Static_assert(sizeof(size_t) == sizeof(ptrdiff_t), "%zd and %tu rely on size_t and ptrdiff_t matching");

enum {
    FL_LEFT = 1u << 0,
    FL_ZERO = 1u << 1,
    FL_PLUS = 1u << 2,
    FL_SPACE = 1u << 3,
    FL_ALT = 1u << 4,
};

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct spec {
    unsigned flags;
    size_t width;
    size_t prec;
    bool has_prec;
    enum fmt_length len;
    char conv;
};

struct sink {
    fmt_out_fn out;
    void *ctx;
    size_t count;
};

/* Longest digit string: 64 bits in octal is 22 digits. */
#define DIGITS_MAX 24

static void emit(struct sink *s, const char *str, size_t n)
{
    if (n == 0)
        return;
    s->out(s->ctx, str, n);
    s->count += n;
}

/* Emits n copies of c in chunks, so huge widths need no buffer of their size. */
static void emit_fill(struct sink *s, char c, size_t n)
{
    char chunk[32];
    size_t fill = MIN(n, sizeof(chunk));

    for (size_t i = 0; i < fill; i++)
        chunk[i] = c;
    while (n > 0) {
        size_t k = MIN(n, sizeof(chunk));

        emit(s, chunk, k);
        n -= k;
    }
}

/* Emits str padded with spaces to the field width (used by c, s and p). */
static void emit_field(struct sink *s, const struct spec *sp, const char *str, size_t n)
{
    size_t pad = sp->width > n ? sp->width - n : 0;

    if (!(sp->flags & FL_LEFT))
        emit_fill(s, ' ', pad);
    emit(s, str, n);
    if (sp->flags & FL_LEFT)
        emit_fill(s, ' ', pad);
}

/* Parses decimal digits, saturating at FMT_INT_MAX so absurd widths cannot wrap. */
static const char *parse_decimal(const char *p, size_t *out)
{
    size_t v = 0;

    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (size_t)(*p - '0');
        if (v > FMT_INT_MAX)
            v = FMT_INT_MAX;
        p++;
    }
    *out = v;
    return p;
}

static const char *parse_flags(const char *p, struct spec *sp)
{
    for (;; p++) {
        switch (*p) {
        case '-':
            sp->flags |= FL_LEFT;
            break;
        case '0':
            sp->flags |= FL_ZERO;
            break;
        case '+':
            sp->flags |= FL_PLUS;
            break;
        case ' ':
            sp->flags |= FL_SPACE;
            break;
        case '#':
            sp->flags |= FL_ALT;
            break;
        default:
            return p;
        }
    }
}

static const char *parse_width(const char *p, struct spec *sp, va_list *ap)
{
    if (*p != '*')
        return parse_decimal(p, &sp->width);

    int w = va_arg(*ap, int);
    if (w < 0) {
        sp->flags |= FL_LEFT;
        /* Negate in unsigned arithmetic: -INT_MIN does not fit in an int. */
        sp->width = 0u - (unsigned)w;
    } else {
        sp->width = (size_t)w;
    }
    return p + 1;
}

static const char *parse_precision(const char *p, struct spec *sp, va_list *ap)
{
    if (*p != '.')
        return p;
    p++;
    if (*p != '*') {
        sp->has_prec = true;
        return parse_decimal(p, &sp->prec);
    }

    int pr = va_arg(*ap, int);
    sp->has_prec = pr >= 0;
    sp->prec = pr >= 0 ? (size_t)pr : 0;
    return p + 1;
}

static const char *parse_length(const char *p, struct spec *sp)
{
    switch (*p) {
    case 'h':
        if (p[1] == 'h') {
            sp->len = LEN_HH;
            return p + 2;
        }
        sp->len = LEN_H;
        return p + 1;
    case 'l':
        if (p[1] == 'l') {
            sp->len = LEN_LL;
            return p + 2;
        }
        sp->len = LEN_L;
        return p + 1;
    case 'z':
        sp->len = LEN_Z;
        return p + 1;
    case 't':
        sp->len = LEN_T;
        return p + 1;
    case 'j':
        sp->len = LEN_J;
        return p + 1;
    default:
        return p;
    }
}

/* Default argument promotions turn char and short into int, hence the narrowing casts. */
static intmax_t fetch_signed(enum fmt_length len, va_list *ap)
{
    switch (len) {
    case LEN_HH:
        return (signed char)va_arg(*ap, int);
    case LEN_H:
        return (short)va_arg(*ap, int);
    case LEN_L:
        return va_arg(*ap, long);
    case LEN_LL:
        return va_arg(*ap, long long);
    case LEN_Z:
        return va_arg(*ap, ptrdiff_t);
    case LEN_T:
        return va_arg(*ap, ptrdiff_t);
    case LEN_J:
        return va_arg(*ap, intmax_t);
    default:
        return va_arg(*ap, int);
    }
}

static uintmax_t fetch_unsigned(enum fmt_length len, va_list *ap)
{
    switch (len) {
    case LEN_HH:
        return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_H:
        return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_L:
        return va_arg(*ap, unsigned long);
    case LEN_LL:
        return va_arg(*ap, unsigned long long);
    case LEN_Z:
        return va_arg(*ap, size_t);
    case LEN_T:
        return va_arg(*ap, size_t);
    case LEN_J:
        return va_arg(*ap, uintmax_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

/* Writes the digits of v right-aligned at the end of buf; returns how many. */
static size_t to_digits(char buf[DIGITS_MAX], uintmax_t v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;

    do {
        buf[DIGITS_MAX - 1 - n++] = set[v % base];
        v /= base;
    } while (v);
    return n;
}

static unsigned conv_base(char conv)
{
    if (conv == 'o')
        return 8;
    if (conv == 'x' || conv == 'X')
        return 16;
    return 10;
}

/*
 * Lays out one integer as [spaces][sign or 0x][zeros][digits][spaces]. The
 * zeros come from the precision, from '#' on octal (which needs a leading 0)
 * and from the '0' flag, which C ignores when a precision is given.
 */
static void emit_integer(struct sink *s, const struct spec *sp, uintmax_t mag, char sign)
{
    char buf[DIGITS_MAX];
    char prefix[2];
    size_t plen = 0;
    bool no_digits = mag == 0 && sp->has_prec && sp->prec == 0;
    size_t nd = no_digits ? 0 : to_digits(buf, mag, conv_base(sp->conv), sp->conv == 'X');
    const char *digits = buf + DIGITS_MAX - nd;
    size_t zeros = sp->has_prec && sp->prec > nd ? sp->prec - nd : 0;

    if (sign)
        prefix[plen++] = sign;
    if ((sp->flags & FL_ALT) && mag != 0 && (sp->conv == 'x' || sp->conv == 'X')) {
        prefix[plen++] = '0';
        prefix[plen++] = sp->conv;
    }
    if ((sp->flags & FL_ALT) && sp->conv == 'o' && zeros == 0 && (nd == 0 || digits[0] != '0'))
        zeros = 1;

    size_t body = plen + zeros + nd;
    size_t pad = sp->width > body ? sp->width - body : 0;

    if ((sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT) && !sp->has_prec) {
        zeros += pad;
        pad = 0;
    }
    if (!(sp->flags & FL_LEFT))
        emit_fill(s, ' ', pad);
    emit(s, prefix, plen);
    emit_fill(s, '0', zeros);
    emit(s, digits, nd);
    if (sp->flags & FL_LEFT)
        emit_fill(s, ' ', pad);
}

static void conv_signed(struct sink *s, const struct spec *sp, va_list *ap)
{
    intmax_t v = fetch_signed(sp->len, ap);
    /* Unsigned negation gives the magnitude even for INTMAX_MIN. */
    uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
    char sign = 0;

    if (v < 0)
        sign = '-';
    else if (sp->flags & FL_PLUS)
        sign = '+';
    else if (sp->flags & FL_SPACE)
        sign = ' ';
    emit_integer(s, sp, mag, sign);
}

static void conv_string(struct sink *s, const struct spec *sp, va_list *ap)
{
    const char *str = va_arg(*ap, const char *);
    size_t n = 0;

    if (!str)
        str = "(null)";
    /* Bounded scan: with a precision the array need not be NUL-terminated. */
    while ((!sp->has_prec || n < sp->prec) && str[n] != '\0')
        n++;
    emit_field(s, sp, str, n);
}

static void conv_pointer(struct sink *s, const struct spec *sp, va_list *ap)
{
    uintptr_t v = (uintptr_t)va_arg(*ap, void *);
    char buf[2 + 16];

    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    emit_field(s, sp, buf, sizeof(buf));
}

/* Performs one conversion; returns false if the conversion character is unknown. */
static bool convert(struct sink *s, const struct spec *sp, va_list *ap)
{
    switch (sp->conv) {
    case 'd':
    case 'i':
        conv_signed(s, sp, ap);
        return true;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        emit_integer(s, sp, fetch_unsigned(sp->len, ap), 0);
        return true;
    case 'c': {
        char c = (char)(unsigned char)va_arg(*ap, int);
        emit_field(s, sp, &c, 1);
        return true;
    }
    case 's':
        conv_string(s, sp, ap);
        return true;
    case 'p':
        conv_pointer(s, sp, ap);
        return true;
    case '%':
        emit(s, "%", 1);
        return true;
    default:
        return false;
    }
}

/*
 * Handles the directive starting at pct (which points at '%'); returns where
 * the literal text continues.
 */
static const char *directive(struct sink *s, const char *pct, va_list *ap)
{
    struct spec sp = {.len = LEN_NONE};
    const char *p = pct + 1;

    p = parse_flags(p, &sp);
    p = parse_width(p, &sp, ap);
    p = parse_precision(p, &sp, ap);
    p = parse_length(p, &sp);
    sp.conv = *p;
    if (sp.conv == '\0') {
        emit(s, pct, (size_t)(p - pct));
        return p;
    }
    if (!convert(s, &sp, ap))
        emit(s, pct, (size_t)(p + 1 - pct));
    return p + 1;
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
    struct sink s = {.out = out, .ctx = ctx, .count = 0};
    va_list args;

    /* A va_list parameter may be an array type; copy it to get an addressable va_list. */
    va_copy(args, ap);
    while (*fmt) {
        const char *lit = fmt;

        while (*fmt && *fmt != '%')
            fmt++;
        emit(&s, lit, (size_t)(fmt - lit));
        if (*fmt == '%')
            fmt = directive(&s, fmt, &args);
    }
    va_end(args);
    return s.count > FMT_INT_MAX ? -1 : (int)s.count;
}

struct buf_ctx {
    char *buf;
    size_t size;
    size_t pos;
};

/* Keeps the last byte of the buffer for the terminating NUL. */
static void buf_out(void *ctx, const char *str, size_t n)
{
    struct buf_ctx *b = ctx;

    for (size_t i = 0; i < n && b->pos + 1 < b->size; i++)
        b->buf[b->pos++] = str[i];
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_ctx b = {.buf = buf, .size = size, .pos = 0};
    int ret = fmt_vformat(buf_out, &b, fmt, ap);

    if (size > 0)
        buf[b.pos] = '\0';
    return ret;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return ret;
}
