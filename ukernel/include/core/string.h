/*
 * Declarations of the few C string/memory routines core code may use.
 *
 * In the kernel they are provided by the kernel's own implementation; on the
 * host (unit tests) the same calls resolve to libc, whose prototypes are
 * compatible with these. Core libraries include this header instead of
 * <string.h> because the freestanding kernel build has no libc headers.
 */
#ifndef CORE_STRING_H
#define CORE_STRING_H

#include <stddef.h>

void *memset(void *, int, size_t);
void *memcpy(void *restrict, const void *restrict, size_t);
void *memmove(void *, const void *, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
int strcmp(const char *, const char *);
int strncmp(const char *, const char *, size_t);

#endif /* CORE_STRING_H */
