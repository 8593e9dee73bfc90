/*
 * The few C library string functions the freestanding kernel needs; gcc may also emit calls to
 * memcpy/memset/memmove/memcmp on its own, so they must exist. Kept simple: the kernel copies little.
 */
#include <core/string.h>
#include <stdbool.h>
#include <stdint.h>

/* 8 bytes a step when the pointers and the length allow: a register copy is one counted instruction per
 * step under QEMU's -icount (and a step in TCG), so a page zeroed by bytes costs 4,096, by words 512. */
static inline bool words(uintptr_t a, uintptr_t b, size_t n) { return ((a | b | n) & 7) == 0; }

void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;

    if (words((uintptr_t)dst, 0, n)) {
        uint64_t v = (uint8_t)c * 0x0101010101010101ull;
        n /= 8;
        __asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
        return ret;
    }
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
    return ret;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    void *ret = dst;

    if (words((uintptr_t)dst, (uintptr_t)src, n)) {
        n /= 8;
        __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
        return ret;
    }
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
    return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}
