/*
 * Bitmap range operations and searches (see <core/bitmap.h>).
 *
 * Everything works a word at a time where it can: the partial words at the
 * ends of a range are handled with masks and the whole words in between with
 * plain stores or compares. Searches mask every word they read so bits at or
 * beyond nbits are never reported, whatever the caller left in them.
 */
#include <core/bitmap.h>

/* Mask with bits [lo, hi) of a word set; 0 <= lo < hi <= 64. */
static uint64_t word_mask(unsigned lo, unsigned hi)
{
    uint64_t upper = hi == BITMAP_WORD_BITS ? ~UINT64_C(0) : (UINT64_C(1) << hi) - 1;

    return upper & ~((UINT64_C(1) << lo) - 1);
}

/*
 * Applies set (or clear) to [start, start + n). Shared by both range functions
 * so the boundary arithmetic exists once.
 */
static void range_apply(uint64_t *map, size_t start, size_t n, bool set)
{
    size_t end = start + n;

    while (start < end) {
        size_t w = start / BITMAP_WORD_BITS;
        unsigned lo = start % BITMAP_WORD_BITS;
        size_t room = BITMAP_WORD_BITS - lo;
        unsigned hi = end - start >= room ? BITMAP_WORD_BITS : lo + (unsigned)(end - start);
        uint64_t mask = word_mask(lo, hi);

        if (set)
            map[w] |= mask;
        else
            map[w] &= ~mask;
        start += hi - lo;
    }
}

void bitmap_set_range(uint64_t *map, size_t start, size_t n) { range_apply(map, start, n, true); }

void bitmap_clear_range(uint64_t *map, size_t start, size_t n) { range_apply(map, start, n, false); }

/*
 * First bit in [from, nbits) equal to want. Inverting the word when looking for
 * zeros lets one loop serve both searches.
 */
static size_t find_first(const uint64_t *map, size_t nbits, size_t from, bool want)
{
    if (from >= nbits)
        return nbits;

    size_t w = from / BITMAP_WORD_BITS;
    uint64_t bits = (want ? map[w] : ~map[w]) & ~((UINT64_C(1) << (from % BITMAP_WORD_BITS)) - 1);
    size_t last = (nbits - 1) / BITMAP_WORD_BITS;

    for (;;) {
        if (bits) {
            size_t idx = w * BITMAP_WORD_BITS + (size_t)__builtin_ctzll(bits);
            return idx < nbits ? idx : nbits;
        }
        if (++w > last)
            return nbits;
        bits = want ? map[w] : ~map[w];
    }
}

size_t bitmap_find_first_zero(const uint64_t *map, size_t nbits, size_t from)
{
    return find_first(map, nbits, from, false);
}

size_t bitmap_find_first_set(const uint64_t *map, size_t nbits, size_t from)
{
    return find_first(map, nbits, from, true);
}

static size_t align_index(size_t idx, size_t align) { return (idx + align - 1) & ~(align - 1); }

/*
 * Candidate search: jump to the next zero, align it, then look for the first
 * set bit inside the window. If there is one, the next candidate cannot start
 * before the bit after it, so each step moves strictly forward and whole runs
 * of set or clear bits are skipped a word at a time.
 */
size_t bitmap_find_zero_run(const uint64_t *map, size_t nbits, size_t from, size_t n, size_t align)
{
    if (n == 0 || n > nbits)
        return nbits;
    if (align == 0)
        align = 1;

    size_t idx = from;

    for (;;) {
        size_t zero = bitmap_find_first_zero(map, nbits, idx);

        if (zero >= nbits)
            return nbits;
        idx = align_index(zero, align);
        if (idx < zero || idx > nbits - n)
            return nbits; /* aligning overflowed, or the run can no longer fit */

        size_t hit = bitmap_find_first_set(map, idx + n, idx);
        if (hit == idx + n)
            return idx;
        idx = hit + 1;
    }
}

size_t bitmap_count_set(const uint64_t *map, size_t nbits)
{
    size_t full = nbits / BITMAP_WORD_BITS;
    size_t count = 0;

    for (size_t w = 0; w < full; w++)
        count += (size_t)__builtin_popcountll(map[w]);
    if (nbits % BITMAP_WORD_BITS)
        count += (size_t)__builtin_popcountll(map[full] & word_mask(0, nbits % BITMAP_WORD_BITS));
    return count;
}
