/*
 * TAP (version 13) reporter for CUnit.
 *
 * CUnit calls the test-complete handler once per test, with the failure
 * records produced by that test (linked through pNext). The handler numbers
 * the tests as they finish, and the plan line goes at the end, which TAP
 * allows, because the count is only known once the run is over.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdio.h>

static unsigned tap_count;
static unsigned tap_failed;
/* CUnit resets its error code on every successful call, so registration failures are remembered here. */
static CU_ErrorCode tap_registry_error = CUE_SUCCESS;

static void tap_test_complete(const CU_pTest test, const CU_pSuite suite, const CU_pFailureRecord failure)
{
    tap_count++;
    if (failure)
        tap_failed++;
    printf("%s %u - %s: %s\n", failure ? "not ok" : "ok", tap_count, suite->pName, test->pName);
    for (CU_pFailureRecord f = failure; f; f = f->pNext) {
        printf("# %s:%u: %s\n", f->strFileName ? f->strFileName : "?", f->uiLineNumber,
               f->strCondition ? f->strCondition : "?");
    }
    fflush(stdout);
}

void cunit_tap_add_suite(const char *name, const CU_TestInfo *tests)
{
    CU_pSuite suite = CU_add_suite(name, NULL, NULL);

    if (!suite) {
        tap_registry_error = CU_get_error();
        return;
    }
    for (const CU_TestInfo *t = tests; t->pName; t++) {
        if (!CU_add_test(suite, t->pName, t->pTestFunc))
            tap_registry_error = CU_get_error();
    }
}

int cunit_tap_run(void)
{
    CU_ErrorCode reg_err = tap_registry_error != CUE_SUCCESS ? tap_registry_error : CU_get_error();
    CU_ErrorCode run_err;

    printf("TAP version 13\n");
    if (reg_err != CUE_SUCCESS) {
        printf("Bail out! CUnit registry error %d\n", (int)reg_err);
        return 1;
    }
    CU_set_error_action(CUEA_IGNORE);
    CU_set_test_complete_handler(tap_test_complete);
    run_err = CU_run_all_tests();

    printf("1..%u\n", tap_count);
    if (run_err != CUE_SUCCESS)
        printf("# CUnit error %d: %s\n", (int)run_err, CU_get_error_msg());
    if (CU_get_number_of_suites_failed() > 0)
        printf("# %u suite(s) failed to initialise or clean up\n", CU_get_number_of_suites_failed());
    if (tap_count == 0)
        printf("# no tests ran\n");
    return tap_failed > 0 || tap_count == 0 || run_err != CUE_SUCCESS || CU_get_number_of_suites_failed() > 0;
}
