/* The root task: the first user program, built by the kernel from the first boot module. */
#ifndef CORE_USER_H
#define CORE_USER_H

#include <core/bootinfo.h>
#include <core/task.h>

/* Build the root task (if module 0 is a usable ELF executable) and make its thread runnable. */
struct thread *root_task_create(const struct boot_info *bi);
/* Enter user mode in the first thread; never returns. */
__noreturn void arch_start_user(struct thread *t);
void shared_info_init(void);
void arch_shared_info_fill(void *page); /* struct px_shared_info */

#endif
