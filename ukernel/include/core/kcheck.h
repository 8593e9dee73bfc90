/* The kernel's self-check on request (kcheck.c, PX_SYS_DEBUG_CHECK). */
#ifndef CORE_KCHECK_H
#define CORE_KCHECK_H

#include <stdint.h>

struct kcheck_result {
    uint64_t violations;      /* invariants found broken (each printed on the console) */
    uint64_t free_pages;      /* in the physical page allocator */
    uint64_t objects;         /* kernel objects, mapping records and address spaces in memory */
    uint64_t tracked_pages;   /* held by slabs, cap tables, page tables and frames */
    uint64_t untracked_pages; /* the rest: the kernel's boot-time pages; constant while the system runs */
};

void kcheck_run(struct kcheck_result *r);
/* The pages a task's cap table and page tables hold (0 once destroyed), and its quota use. */
struct task;
void kcheck_task_use(const struct task *t, uint64_t *pages, uint64_t *bytes);

#endif
