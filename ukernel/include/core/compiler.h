/*
 * Compiler helpers shared by the kernel and its host unit tests.
 *
 * These macros are used both in the freestanding kernel and in host programs
 * that also include libc headers, so every one of them is guarded with #ifndef:
 * a host definition (e.g. MIN/MAX from <sys/param.h>) wins and ours is skipped.
 * Host code should include system headers first: some Linux uapi headers use
 * __unused as a field name, which our macro would otherwise rewrite.
 * The alignment macros require the alignment to be a power of two; they are
 * written so that each argument is evaluated a predictable number of times, but
 * arguments with side effects should still be avoided.
 */
#ifndef CORE_COMPILER_H
#define CORE_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* The alignment is converted to the type of x so that masks never truncate a 64-bit value. */
#ifndef ALIGN_UP
#define ALIGN_UP(x, a) (((x) + ((__typeof__(x))(a)-1)) & ~((__typeof__(x))(a)-1))
#endif
#ifndef ALIGN_DOWN
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#endif
#ifndef IS_ALIGNED
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#endif
/* Zero is deliberately not a power of two. */
#ifndef IS_POW2
#define IS_POW2(x) ((x) != 0 && ((x) & ((x)-1)) == 0)
#endif

#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#endif

#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef __unused
#define __unused __attribute__((unused))
#endif
#ifndef __printf
#define __printf(fmt_idx, first_arg) __attribute__((format(printf, fmt_idx, first_arg)))
#endif

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#endif /* CORE_COMPILER_H */
