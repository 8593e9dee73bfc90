/* Kernel memory for lx's processes, given as they need it (quota.c). */
#ifndef LX_QUOTA_H
#define LX_QUOTA_H

#include <libos/libos.h>
#include <stdbool.h>
#include <stdint.h>

/* A new process's task in slot `slot`: a one-page cap table and a small quota. */
int64_t lx_task_create(uint32_t slot);
/* After a call on task's behalf returned status: if it ran out of quota, give it more (true: try again). */
bool lx_task_feed(uint32_t task, int64_t status, unsigned *tries);
/* px_map_batch and px_thread_create, feeding the task as they need. */
int64_t lx_map_batch(uint32_t task, const struct px_map_op *ops, uint64_t n);
int64_t lx_thread_create(uint32_t task, uint32_t slot);

#endif
