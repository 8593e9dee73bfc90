/*
 * Random bytes for getrandom, /dev/urandom and AT_RANDOM: ChaCha20 (RFC 8439) run as a generator, keyed
 * from the CPU's RDSEED or RDRAND where it has them (QEMU's TCG passes the host's randomness through)
 * mixed with the time-stamp counter, and rekeyed from its own output after every request, so that what
 * was handed out cannot be worked back from the state.
 */
#include "chacha20.h"
#include "lx.h"
#include <string.h>

static uint32_t key[8];
static uint64_t counter;
static bool keyed;

static void block(uint32_t out[16])
{
    uint32_t words[4] = {(uint32_t)counter, (uint32_t)(counter >> 32), 0, 0};

    counter++;
    chacha20_block(key, words, out);
}

static bool cpu_has(unsigned leaf, unsigned reg, unsigned bit)
{
    uint32_t r[4];

    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
    return r[reg] >> bit & 1;
}

/* A 64-bit seed word: RDSEED, else RDRAND, each retried as the SDM advises; 0 if neither answers. */
static uint64_t hardware_word(bool rdseed, bool rdrand)
{
    uint64_t v;
    uint8_t ok;

    for (int i = 0; rdseed && i < 32; i++) {
        __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok));
        if (ok)
            return v;
    }
    for (int i = 0; rdrand && i < 10; i++) {
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        if (ok)
            return v;
    }
    return 0;
}

static void seed(void)
{
    uint32_t max, b, c, d;

    __asm__ volatile("cpuid" : "=a"(max), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    bool rdrand = cpu_has(1, 2, 30), rdseed = max >= 7 && cpu_has(7, 1, 18);
    for (int i = 0; i < 8; i += 2) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        uint64_t w = hardware_word(rdseed, rdrand) ^ ((uint64_t)hi << 32 | lo) ^ libos_wallclock_ns();
        key[i] ^= (uint32_t)w, key[i + 1] ^= (uint32_t)(w >> 32);
    }
    keyed = true;
}

void lx_random(void *buf, size_t len)
{
    uint32_t out[16];
    uint8_t *p = buf;

    if (!keyed)
        seed();
    for (; len; ) {
        block(out);
        size_t n = len < sizeof(out) ? len : sizeof(out);
        memcpy(p, out, n);
        p += n, len -= n;
    }
    block(out); /* a new key, which the bytes handed out do not give away */
    memcpy(key, out, sizeof(key));
    memset(out, 0, sizeof(out));
}
