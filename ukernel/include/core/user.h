/*
 * What the generic kernel needs from the architecture to run user code: address spaces, a check that a
 * user buffer is really there before the kernel touches it, and the first entry into user mode.
 */
#ifndef CORE_USER_H
#define CORE_USER_H

#include <core/bootinfo.h>
#include <core/compiler.h>
#include <core/pmm.h>
#include <stdbool.h>
#include <stdint.h>

struct aspace;

struct aspace *arch_aspace_create(void);
/* Map one page; prot is SEG_R/SEG_W/SEG_X from core/elf.h. False if va is not user or memory ran out. */
bool arch_aspace_map(struct aspace *as, uint64_t va, paddr_t pa, unsigned prot);
void arch_aspace_activate(struct aspace *as);
/* Is [va, va+len) user memory mapped in the current address space (writable, if asked)? */
bool arch_user_access_ok(uint64_t va, uint64_t len, bool write);
__noreturn void arch_enter_user(uint64_t entry, uint64_t stack, uint64_t arg);
uint64_t arch_user_stack_top(void);

/* Generic side. */
int64_t syscall_handle(uint64_t nr, const uint64_t args[6], uint64_t *result);
void root_task_start(const struct boot_info *bi);
/* The running task took an exception nobody handles: it is stopped (and, being root, ends the system). */
__noreturn void task_fault_unhandled(const char *what);
__noreturn void task_exit(int64_t status);

#endif
