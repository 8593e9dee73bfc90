/*
 * Programs in the system image are LZ4 frames (with the content size and a content checksum) of static
 * ELF executables. module_unpack checks and decompresses one into memory the caller provides.
 */
#ifndef ROOT_MODULE_H
#define ROOT_MODULE_H

#include <stddef.h>
#include <stdint.h>

#define MODULE_MAX_SIZE (64u << 20)

/*
 * Decompress `size` bytes at `src`. alloc(n) returns n writable bytes or NULL. On success returns 0 with
 * *out and *out_size set; on failure returns -1 with the reason in err (NUL-terminated).
 */
int module_unpack(const void *src, size_t size, void *(*alloc)(size_t), void **out, size_t *out_size,
                  char *err, size_t errlen);

#endif
