/*
 * The kernel's printf engine.
 *
 * fmt_vformat() walks a format string and hands the produced text to an
 * output callback in pieces; fmt_vsnprintf()/fmt_snprintf() are built on it
 * with C99 snprintf semantics (the result is always NUL-terminated when
 * size > 0, the return value is the length the full output would have had,
 * and buf may be NULL when size == 0).
 *
 * Supported: conversions d i u x X o c s p %, flags - 0 + space #, field
 * width and precision (also as '*'; a negative '*' width means the '-' flag,
 * a negative '*' precision means "no precision"), length modifiers
 * hh h l ll z t j. These follow C99 (and glibc where C leaves room), with
 * these kernel conventions:
 *  - %p prints "0x" and exactly 16 lower-case hex digits, e.g. NULL is
 *    0x0000000000000000; only width and '-' apply to it;
 *  - %s of NULL prints "(null)" (truncated by a precision like any string);
 *  - an unknown conversion such as %y (or %n, %f: there is no floating point
 *    and no %n) is copied to the output literally, from the '%' up to and
 *    including the offending character, e.g. "%-5y"; arguments consumed by
 *    a '*' in it stay consumed. A '%' at the very end is printed as is;
 *  - length modifiers are ignored for c, s, p and %.
 * The functions return a negative value only if the output length would not
 * fit in an int.
 */
#ifndef CORE_FORMAT_H
#define CORE_FORMAT_H

#include <core/compiler.h>
#include <stdarg.h>
#include <stddef.h>

/* Receives n characters (not NUL-terminated, may contain NUL from %c). */
typedef void (*fmt_out_fn)(void *ctx, const char *s, size_t n);

/* Formats to the callback; returns the number of characters produced. */
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap) __printf(3, 0);

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __printf(3, 0);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif /* CORE_FORMAT_H */
