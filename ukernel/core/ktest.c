/*
 * The in-kernel test runner: walks the .ktests section for the selected suite and prints KTAP:
 *
 *   KTAP version 1
 *   1..N
 *   # diagnostics of a failing check
 *   not ok 1 name
 *   ok 2 name
 *
 * then shuts the machine down with SHUTDOWN_OK or SHUTDOWN_TEST_FAILED. Suites that are meant to crash
 * (the fault report tests) print their plan and never finish: the runner judges those from outside.
 */
#include <core/bootinfo.h>
#include <core/ktest.h>
#include <core/main.h>
#include <core/string.h>

extern const struct ktest __ktests_start[], __ktests_end[];

_Static_assert(sizeof(struct ktest) == 40, "kernel.ld.S checks the .ktests section in units of 40 bytes");

static unsigned current_failures;
static const struct boot_info *boot_info;

const struct boot_info *ktest_boot_info(void) { return boot_info; }

void ktest_check(bool ok, const char *expr, const char *file, int line)
{
    if (ok)
        return;
    current_failures++;
    kprintf("# %s:%d: expected %s\n", file, line, expr);
}

void ktest_fail(const char *fmt, ...)
{
    va_list ap;

    current_failures++;
    kprintf("# ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
}

static unsigned count_suite(const char *suite)
{
    unsigned n = 0;

    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
        n += strcmp(t->suite, suite) == 0;
    return n;
}

static int source_order(const struct ktest *a, const struct ktest *b)
{
    int c = strcmp(a->file, b->file);

    return c ? c : a->line - b->line;
}

/*
 * The suite's test that comes after `prev` in source order (the first if prev is NULL). The compiler
 * may lay the section out in any order, and the suites are small, so a linear scan does.
 */
static const struct ktest *next_test(const char *suite, const struct ktest *prev)
{
    const struct ktest *best = NULL;

    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        if (strcmp(t->suite, suite) != 0 || (prev && source_order(t, prev) <= 0))
            continue;
        if (!best || source_order(t, best) < 0)
            best = t;
    }
    return best;
}

void ktest_main(const struct boot_info *bi)
{
    char suite[32];
    unsigned n, i = 0, failed = 0;

    if (!cmdline_get(bi->cmdline, "ktest", suite, sizeof(suite)))
        return;
    boot_info = bi;
    n = count_suite(suite);
    kprintf("KTAP version 1\n# suite: %s\n1..%u\n", suite, n);
    if (n == 0) {
        kprintf("# no tests in suite '%s'\n", suite);
        arch_shutdown(SHUTDOWN_TEST_FAILED);
    }
    for (const struct ktest *t = next_test(suite, NULL); t; t = next_test(suite, t)) {
        current_failures = 0;
        t->fn();
        kprintf("%s %u %s\n", current_failures ? "not ok" : "ok", ++i, t->name);
        failed += current_failures != 0;
    }
    kprintf("# %u passed, %u failed\n", n - failed, failed);
    arch_shutdown(failed ? SHUTDOWN_TEST_FAILED : SHUTDOWN_OK);
}
