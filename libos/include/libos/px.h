/*
 * Thin C wrappers for the Proteus system calls (abi/proteus/syscall.h): one inline function per call,
 * returning the status and storing the result where a call has one.
 */
#ifndef LIBOS_PX_H
#define LIBOS_PX_H

#include <proteus/abi.h>
#include <proteus/status.h>
#include <proteus/syscall.h>
#include <stdint.h>

struct px_ret {
    int64_t status;
    uint64_t value;
};

static inline struct px_ret px_syscall2(uint64_t nr, uint64_t a0, uint64_t a1)
{
    struct px_ret r;
    register uint64_t rdx __asm__("rdx") = 0;

    __asm__ volatile("syscall"
                     : "=a"(r.status), "+r"(rdx)
                     : "a"(nr), "D"(a0), "S"(a1)
                     : "rcx", "r11", "memory");
    r.value = rdx;
    return r;
}

static inline int64_t px_abi_version(uint64_t *version)
{
    struct px_ret r = px_syscall2(PX_SYS_ABI_VERSION, 0, 0);

    *version = r.value;
    return r.status;
}

static inline int64_t px_debug_write(const void *buf, uint64_t len, uint64_t *written)
{
    struct px_ret r = px_syscall2(PX_SYS_DEBUG_WRITE, (uint64_t)(uintptr_t)buf, len);

    *written = r.value;
    return r.status;
}

static inline __attribute__((noreturn)) void px_task_exit(int64_t status)
{
    px_syscall2(PX_SYS_TASK_EXIT, (uint64_t)status, 0);
    __builtin_unreachable();
}

#endif
