/*
 * Proteus device protocol: the console. A task's virtual console is one shared page (struct
 * px_console_page) between the task and the console server, plus two notifications: the task signals the
 * server after it writes output, the server signals the task when input arrives. Each direction is a
 * single-producer single-consumer byte ring with free-running 32-bit indices (the count is prod - cons;
 * the byte at index i is data[i % size]). A producer that finds no room may wait for the consumer, or
 * drop bytes and add them to `lost`, which the consumer reports: nothing is dropped silently.
 *
 * The kernel log uses the same output ring (PX_SYS_KLOG_ATTACH).
 */
#ifndef PROTEUS_IO_CONSOLE_H
#define PROTEUS_IO_CONSOLE_H

#include <stdint.h>

#define PX_CONSOLE_OUT_SIZE 2048
#define PX_CONSOLE_IN_SIZE 1024

struct px_console_out {
    uint32_t prod; /* written by the task (or the kernel) */
    uint32_t cons; /* written by the console server */
    uint32_t lost; /* bytes the producer dropped, cumulative */
    uint32_t reserved;
    uint8_t data[PX_CONSOLE_OUT_SIZE];
};

struct px_console_in {
    uint32_t prod; /* written by the console server */
    uint32_t cons; /* written by the task */
    uint32_t lost;
    uint32_t reserved;
    uint8_t data[PX_CONSOLE_IN_SIZE];
};

struct px_console_page {
    struct px_console_out out;
    struct px_console_in in;
};

#endif
