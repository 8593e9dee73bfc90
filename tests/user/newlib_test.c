/*
 * A root task linked with Newlib through libos: checks that the C library works on the Proteus ABI
 * (stdio through the debug console, malloc through sbrk, SSE floating point, constructors) and that the
 * kernel validates system call arguments. Prints KTAP; exits with the number of failures.
 */
#include <errno.h>
#include <libos/libos.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int failures, number;
static int constructed;

__attribute__((constructor)) static void ctor(void) { constructed = 42; }

static void check(int ok, const char *name)
{
    printf("%s %d %s\n", ok ? "ok" : "not ok", ++number, name);
    failures += !ok;
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void check_libc(void)
{
    char buf[64];
    int v[] = {5, 3, 9, 1, 7};
    char *p = malloc(100000);

    check(constructed == 42, "constructors ran");
    check(p != NULL, "malloc of 100000 bytes");
    if (p) {
        memset(p, 0xab, 100000);
        check((unsigned char)p[99999] == 0xab, "heap memory is writable");
        free(p);
    }
    snprintf(buf, sizeof(buf), "%d %s %5.2f %llx", -17, "px", 3.14159, 0x123456789abcull);
    check(strcmp(buf, "-17 px  3.14 123456789abc") == 0, "snprintf with integers, strings and doubles");
    check(fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-12 && fabs(strtod("2.5e3", NULL) - 2500.0) < 1e-9,
          "SSE floating point: sqrt and strtod");
    qsort(v, 5, sizeof(int), cmp_int);
    check(v[0] == 1 && v[4] == 9, "qsort");
    check(malloc(64u << 20) == NULL && errno == ENOMEM, "a heap request beyond the heap fails with ENOMEM");
    check(read(0, buf, 1) == -1 && errno == ENOSYS, "read from the console is not there yet: ENOSYS");
}

static void check_abi(void)
{
    uint32_t dbg = libos_bootinfo->cap_debug;
    uint64_t v = 0, n = 7;
    struct timeval tv;

    check(px_abi_version(&v) == PX_OK && v == PX_ABI_VERSION, "ABI version call returns PX_ABI_VERSION");
    check(px_debug_write(dbg, "", 0, &n) == PX_OK && n == 0, "debug_write of nothing");
    check(px_debug_write(dbg, (void *)0xffffffff80100000ull, 8, &n) == PX_ERR_FAULT,
          "debug_write of kernel memory: FAULT");
    check(px_debug_write(dbg, (void *)0x10, 8, &n) == PX_ERR_FAULT, "debug_write of page 0: FAULT");
    check(px_debug_write(dbg, (void *)0x0000800000000000ull, 8, &n) == PX_ERR_FAULT,
          "debug_write non-canonical: FAULT");
    check(px_debug_write(dbg, (void *)0x7fffffffe800ull, 0x1000, &n) == PX_ERR_FAULT,
          "debug_write past user space: FAULT");
    check(px_debug_write(dbg, "x", 1u << 20, &n) == PX_ERR_INVAL, "debug_write too long: INVAL");
    check(px_debug_write(libos_bootinfo->cap_memory, "x", 1, &n) == PX_ERR_TYPE,
          "debug_write needs the debug cap");
    check(px_syscall(0, 0, 0, 0, 0, 0, 0).status == PX_ERR_NOSYS, "call 0 is reserved: NOSYS");
    check(px_syscall(0x300, 0, 0, 0, 0, 0, 0).status == PX_ERR_NOSYS, "retired call 0x300: NOSYS");
    check(px_syscall(0x0ff, 0, 0, 0, 0, 0, 0).status == PX_ERR_NOSYS, "unknown call: NOSYS");
    check(px_syscall(~0ull, 0, 0, 0, 0, 0, 0).status == PX_ERR_NOSYS, "out-of-range call: NOSYS");
    uint64_t t0 = libos_monotonic_ns();
    for (volatile int i = 0; i < 100000; i++)
        ;
    check(libos_monotonic_ns() > t0, "monotonic time advances (shared info page)");
    check(gettimeofday(&tv, NULL) == 0 && tv.tv_usec < 1000000, "gettimeofday works");
}

int main(void)
{
    printf("KTAP version 1\n1..22\n");
    check_libc();
    check_abi();
    printf("# newlib task: %d failures\n", failures);
    return failures;
}
