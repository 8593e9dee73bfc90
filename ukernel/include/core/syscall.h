/* The system call layer and what it needs from the rest of the kernel and from the architecture. */
#ifndef CORE_SYSCALL_H
#define CORE_SYSCALL_H

#include <core/task.h>

/* Handle current's system call (number and arguments in its saved registers). */
void syscall_dispatch(void);

/* The calling task ends (the root task's end ends the system); the calling thread ends. */
void task_exit_current(int64_t status);
void thread_exit_current(void);
/* t took an exception nobody handles: report it and stop t (the root task's failure ends the system). */
void exception_unhandled(struct thread *t);
/* Map the shared info page (PX_SHARED_INFO_ADDR) read-only into t. */
void task_map_shared_info(struct task *t);

/* Architecture. */
extern uint64_t syscall_leaf_hits; /* leaf calls answered by the entry's short way (PX_SYS_DEBUG_FASTPATH) */
bool arch_user_access_ok(uint64_t va, uint64_t len, bool write); /* in the current address space */
/* The only ways the kernel reads or writes user memory (SMAP forbids anything else): false, copying
 * nothing, unless every byte is mapped for user access (and writable, to write). */
bool arch_copy_from_user(void *dst, uint64_t src, size_t len);
bool arch_copy_to_user(uint64_t dst, const void *src, size_t len);
/* The same read for a range that arch_user_access_ok has accepted, with nothing unmapped since. */
void arch_copy_from_user_checked(void *dst, uint64_t src, size_t len);
bool arch_user_address_ok(uint64_t va);                          /* canonical, user half */
void arch_thread_set_tls(struct thread *t, uint64_t fs_base, uint64_t gs_base);
void arch_dump_user_fault(const struct thread *t);

#endif
