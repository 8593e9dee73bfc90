/*
 * Bitmaps stored as arrays of uint64_t words.
 *
 * Bit i lives in word i / 64 at position i % 64 (bit 0 is the least
 * significant bit of word 0). The caller owns the storage and its size: use
 * BITMAP_WORDS(nbits) words. Single-bit and range operations do not check
 * bounds; the search and count functions take nbits and never look at bits
 * at or beyond it, so stray bits in the tail of the last word are harmless.
 */
#ifndef CORE_BITMAP_H
#define CORE_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BITMAP_WORD_BITS 64u
#define BITMAP_WORDS(nbits) (((nbits) + BITMAP_WORD_BITS - 1) / BITMAP_WORD_BITS)

static inline void bitmap_set(uint64_t *map, size_t bit)
{
    map[bit / BITMAP_WORD_BITS] |= UINT64_C(1) << (bit % BITMAP_WORD_BITS);
}

static inline void bitmap_clear(uint64_t *map, size_t bit)
{
    map[bit / BITMAP_WORD_BITS] &= ~(UINT64_C(1) << (bit % BITMAP_WORD_BITS));
}

static inline bool bitmap_test(const uint64_t *map, size_t bit)
{
    return (map[bit / BITMAP_WORD_BITS] >> (bit % BITMAP_WORD_BITS)) & 1;
}

/* Set / clear bits [start, start + n). */
void bitmap_set_range(uint64_t *map, size_t start, size_t n);
void bitmap_clear_range(uint64_t *map, size_t start, size_t n);

/* Index of the first zero (set) bit in [from, nbits), or nbits if there is none. */
size_t bitmap_find_first_zero(const uint64_t *map, size_t nbits, size_t from);
size_t bitmap_find_first_set(const uint64_t *map, size_t nbits, size_t from);

/*
 * Lowest idx >= from with idx % align == 0 such that bits [idx, idx + n) are
 * all zero and idx + n <= nbits. align must be a power of two (0 and 1 both
 * mean "any index"). Returns nbits when no such run exists, and also when
 * n == 0: an empty run is never a useful answer to an allocator, so it is
 * reported as "not found" rather than as a trivially satisfied request.
 */
size_t bitmap_find_zero_run(const uint64_t *map, size_t nbits, size_t from, size_t n, size_t align);

/* Number of set bits in [0, nbits). */
size_t bitmap_count_set(const uint64_t *map, size_t nbits);

#endif /* CORE_BITMAP_H */
