/*
 * In-kernel tests, built only into the test image (CONFIG_KTEST). A test is a function registered with
 * KTEST(suite, name); the command line's ktest=SUITE selects a suite, whose results are printed in KTAP
 * (docs/testing.md) and turned into the shutdown status. KT_EXPECT records a failure and carries on.
 */
#ifndef CORE_KTEST_H
#define CORE_KTEST_H

#include <core/kernel.h>

struct ktest {
    const char *suite;
    const char *name;
    void (*fn)(void);
    const char *file; /* tests run in source order: (file, line) */
    int line;
};

#define KTEST(suite, name)                                                                                   \
    static void ktest_##suite##_##name(void);                                                                \
    static const struct ktest ktest_desc_##suite##_##name                                                    \
        __attribute__((used, section(".ktests"), aligned(8))) = {#suite, #name, ktest_##suite##_##name,      \
                                                                 __FILE__, __LINE__};                        \
    static void ktest_##suite##_##name(void)

struct boot_info;
const struct boot_info *ktest_boot_info(void);
void ktest_check(bool ok, const char *expr, const char *file, int line);
__printf(1, 2) void ktest_fail(const char *fmt, ...);

#define KT_EXPECT(cond) ktest_check(!!(cond), #cond, __FILE__, __LINE__)

#endif
