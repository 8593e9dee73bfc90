/*
 * The ChaCha20 block function (RFC 8439, 2.3): portable, so the host tests check it against the RFC.
 */
#ifndef LX_CHACHA20_H
#define LX_CHACHA20_H

#include <stdint.h>

/* out = the block for key and words 12..15 of the state (the block counter, then the nonce). */
void chacha20_block(const uint32_t key[8], const uint32_t counter_nonce[4], uint32_t out[16]);

#endif
