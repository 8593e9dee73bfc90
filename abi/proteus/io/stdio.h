/*
 * Proteus device protocol: standard streams passed through to the host (the machine QEMU runs on), so a
 * program's stdin, stdout and stderr can be the caller's files and pipes rather than the console.
 *
 * Between a client (lx) and the stdio server: one shared region (struct px_stdio_page) and a notification
 * each way. It holds three single-producer single-consumer byte rings with free-running 32-bit indices,
 * as in console.h: `in` (server to client: the host's stdin) and `out`, `err` (client to server: the
 * host's stdout and stderr). A producer signals after producing, a consumer after consuming (so a
 * producer waiting for room wakes). Nothing is dropped: a full ring makes its producer wait. The server
 * sets in.closed once the host's stdin has ended and every byte of it is in the ring, so the client sees
 * end of file when in.closed is set and the ring is empty.
 *
 * Between the stdio server and the host: a second UART (COM2) carrying frames. Host to guest: READY is
 * awaited first (the server sends it once it takes input), then DATA frames of stdin and one EOF. Guest
 * to host: READY, then OUT and ERR frames. Every frame is a type byte, and for DATA/OUT/ERR a 16-bit
 * little-endian length (1 to 65535) and that many bytes. A byte written to out is on the host's side of
 * the UART once out.cons has passed it.
 */
#ifndef PROTEUS_IO_STDIO_H
#define PROTEUS_IO_STDIO_H

#include <stdint.h>

#define PX_STDIO_RING_SIZE 16384

struct px_stdio_ring {
    uint32_t prod;
    uint32_t cons;
    uint32_t closed; /* in: the host's stdin ended (set by the server) */
    uint32_t reserved;
    uint8_t data[PX_STDIO_RING_SIZE];
};

struct px_stdio_page {
    struct px_stdio_ring in, out, err;
};

/* Frame types on the UART. */
#define PX_STDIO_READY 0x01 /* guest to host: the server is up; host to guest: not used */
#define PX_STDIO_DATA 0x02  /* host to guest: stdin bytes */
#define PX_STDIO_EOF 0x03   /* host to guest: stdin ended */
#define PX_STDIO_OUT 0x04   /* guest to host: stdout bytes */
#define PX_STDIO_ERR 0x05   /* guest to host: stderr bytes */

#endif
