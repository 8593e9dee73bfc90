/*
 * Shared glue for the host unit tests: TAP output for CUnit and the
 * registration functions of the suites.
 *
 * Every suite is built into its own executable (see meson.build and main.c)
 * so Meson runs and reports each one as a separate TAP test.
 */
#ifndef TESTS_HOST_CUNIT_TAP_H
#define TESTS_HOST_CUNIT_TAP_H

#include <CUnit/CUnit.h>

/*
 * Runs every registered suite, printing TAP version 13 on stdout. Returns 0
 * only if at least one test ran, none failed and CUnit reported no error.
 */
int cunit_tap_run(void);

/* Adds a suite with the tests of a CU_TEST_INFO_NULL-terminated table. */
void cunit_tap_add_suite(const char *name, const CU_TestInfo *tests);

void register_bitmap_suite(void);
void register_list_suite(void);
void register_format_suite(void);
void register_pmm_suite(void);
void register_kmem_suite(void);
void register_elf_suite(void);
void register_bootmem_suite(void);
void register_ksyms_suite(void);
void register_cap_suite(void);
void register_vm_suite(void);
void register_rtos_suite(void);
void register_sched_ipc_suite(void);
void register_manifest_suite(void);
void register_module_suite(void);
void register_vdisk_suite(void);
void register_blk_request_suite(void);
void register_chacha20_suite(void);
void register_lx_regions_suite(void);
void register_ext2_suite(void);

#endif /* TESTS_HOST_CUNIT_TAP_H */
