/*
 * Kernel memory for lx's processes. A process's task starts with a one-page cap table (a Linux process
 * holds no caps of its own) and LX_QUOTA_START bytes of lx's kernel-memory quota. When a call on its task
 * fails for want of quota (page tables, mapping records, threads), lx gives it more of its own
 * (PX_SYS_TASK_QUOTA_GIVE, geometrically) and makes the call again, so a process costs what it uses and a
 * thousand fit where seven did when each was given 1 MiB up front. A destroyed task's whole quota comes
 * back to lx. When lx's own quota is spent the call fails, and the process gets the ENOMEM or EAGAIN Linux
 * would give; the kernel keeps every other process's quota out of reach.
 */
#include "../lx.h"
#include "quota.h"

#define LX_QUOTA_START (48u << 10)
#define LX_QUOTA_STEP (32u << 10)
#define LX_FEEDS_PER_CALL 12 /* doubling: from 32 KiB to over 64 MiB for one call */

int64_t lx_task_create(uint32_t slot)
{
    return px_task_create_slots(libos_bootinfo->cap_memory, slot, LX_QUOTA_START, 1);
}

bool lx_task_feed(uint32_t task, int64_t status, unsigned *tries)
{
    uint64_t limit, used;

    if (status != PX_ERR_NOMEM || ++*tries > LX_FEEDS_PER_CALL ||
        px_task_quota_info(task, &limit, &used) != PX_OK)
        return false;
    return px_task_quota_give(task, limit / 2 > LX_QUOTA_STEP ? limit / 2 : LX_QUOTA_STEP) == PX_OK;
}

int64_t lx_map_batch(uint32_t task, const struct px_map_op *ops, uint64_t n)
{
    unsigned tries = 0;
    uint64_t done = 0;
    int64_t st;

    while ((st = px_map_batch(task, ops, n, &done)) != PX_OK && done < n && lx_task_feed(task, st, &tries))
        ops += done, n -= done; /* the failed operation is done again whole: mapping is idempotent */
    return st;
}

int64_t lx_thread_create(uint32_t task, uint32_t slot)
{
    unsigned tries = 0;
    int64_t st;

    while ((st = px_thread_create(task, slot)) != PX_OK && lx_task_feed(task, st, &tries))
        ;
    return st;
}
