/*
 * Entry point of one host test executable.
 *
 * Each executable is built with -DREGISTER_SUITE=register_<name>_suite, so
 * the same file drives every suite and each suite runs in its own process
 * (a crash or sanitizer abort in one suite cannot hide the others' results).
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <stdio.h>

#ifndef REGISTER_SUITE
#error "build with -DREGISTER_SUITE=register_<name>_suite"
#endif

int main(void)
{
    int rc;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        printf("TAP version 13\nBail out! cannot initialise the CUnit registry\n");
        return 1;
    }
    REGISTER_SUITE();
    rc = cunit_tap_run();
    CU_cleanup_registry();
    return rc;
}
