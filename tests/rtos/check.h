/*
 * For the in-guest RTOS suites: CHECK prints "ok N - what" or "not ok N - what (file:line)", and
 * check_done ends the run with the number of failures as its status (0: all passed).
 */
#ifndef TESTS_RTOS_CHECK_H
#define TESTS_RTOS_CHECK_H

#include "FreeRTOS.h"
#include "proteus_rtos.h"
#include "task.h"
#include <stdio.h>

static int check_count, check_failed;

#define CHECK(cond, ...)                                                                                      \
    do {                                                                                                      \
        check_count++;                                                                                        \
        if (cond) {                                                                                           \
            printf("ok %d - ", check_count);                                                                  \
        } else {                                                                                              \
            check_failed++;                                                                                   \
            printf("not ok %d - (%s:%d) ", check_count, __FILE__, __LINE__);                                  \
        }                                                                                                     \
        printf(__VA_ARGS__);                                                                                  \
        printf("\n");                                                                                         \
    } while (0)

static inline void check_done(void)
{
    printf("%d checks, %d failed\n", check_count, check_failed);
    vProteusExit(check_failed ? 1 : 0);
}

#endif
