/*
 * The ChaCha20 block function, as RFC 8439 (2.1-2.3) gives it: 20 rounds of quarter-rounds over the
 * constants, the key, and the counter and nonce, added back to the input state.
 */
#include "chacha20.h"
#include <string.h>

#define ROTL(x, n) ((x) << (n) | (x) >> (32 - (n)))
#define QR(a, b, c, d) \
    (a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), a += b, d ^= a, d = ROTL(d, 8), c += d, \
     b ^= c, b = ROTL(b, 7))

void chacha20_block(const uint32_t key[8], const uint32_t counter_nonce[4], uint32_t out[16])
{
    uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}, x[16];

    memcpy(s + 4, key, 8 * sizeof(uint32_t));
    memcpy(s + 12, counter_nonce, 4 * sizeof(uint32_t));
    memcpy(x, s, sizeof(x));
    for (int i = 0; i < 10; i++) { /* a column round and a diagonal round */
        QR(x[0], x[4], x[8], x[12]), QR(x[1], x[5], x[9], x[13]), QR(x[2], x[6], x[10], x[14]), QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]), QR(x[1], x[6], x[11], x[12]), QR(x[2], x[7], x[8], x[13]), QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + s[i];
}
