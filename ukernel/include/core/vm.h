/*
 * User memory: pools of physical pages (MEMORY objects), frames made from them, and the mappings of
 * frames into tasks. Every mapping is recorded both in its task and in its frame, so that destroying
 * either removes exactly the page-table entries that refer to it: a freed page is never still mapped.
 */
#ifndef CORE_VM_H
#define CORE_VM_H

#include <core/pmm.h>
#include <core/task.h>
#include <proteus/memory.h>

struct memory {
    struct kobj obj;
    struct memory *parent; /* held; pages come back to it on destruction */
    uint64_t pages;        /* budget */
    uint64_t used;         /* pages in frames and sub-pools */
};

struct frame {
    struct kobj obj;
    paddr_t pa;
    uint64_t pages;
    struct memory *pool; /* held; NULL for pages the kernel owns (boot module) */
    bool kernel_owned;   /* not to be freed (the boot module, device registers) */
    bool device;         /* device registers: mapped uncached */
    struct list_node mappings;
};

struct mapping {
    struct range_node node; /* in task->maps: [start, end) of user addresses */
    struct list_node frame_link;
    struct task *task;
    struct frame *frame;
    uint64_t frame_page; /* the frame's page mapped at node.start */
    unsigned max_prot; /* what the frame cap allowed when it was mapped: PROTECT cannot exceed it */
};

struct memory *memory_create(struct memory *parent, uint64_t pages, struct task *payer);
struct frame *frame_create(struct memory *pool, uint64_t pages, struct task *payer);
struct frame *frame_wrap(paddr_t pa, uint64_t pages, struct task *payer); /* kernel-owned pages */

#define VM_PROT_UNCACHED 0x100u /* with PX_PROT_*: map a device frame */

/* Apply one map operation to task t on behalf of `caps` (the caller's table). Returns a PX status. */
int vm_map_op(struct task *t, struct cap_table *caps, const struct px_map_op *op);
/*
 * A batch of operations (PX_SYS_MAP_BATCH), in order: vm_batch_add each (it may hold a one-page MAP back,
 * to fold the next ones into it), then vm_batch_finish. The first failure's status comes back from
 * whichever call meets it, with `done` the operations applied before it, exactly as if each had gone
 * through vm_map_op alone.
 */
struct vm_batch {
    struct task *task;
    struct cap_table *caps;
    struct px_map_op run; /* one-page MAPs folded so far (pages 0: none) */
    uint64_t done;
};
int vm_batch_add(struct vm_batch *b, const struct px_map_op *op);
int vm_batch_finish(struct vm_batch *b);
/* Map frame pages into t (also used by the kernel to build the root task). */
int vm_map(struct task *t, struct frame *f, uint64_t frame_page, uint64_t vaddr, uint64_t pages,
           unsigned prot, unsigned max_prot);

/* For the kernel's self-check: what one mapping record costs, and the records' cache (as kobj_walk). */
uint64_t vm_mapping_charge(void);
size_t vm_mapping_walk(size_t *objects, size_t *pages);
void vm_task_unmap_all(struct task *t);
void klog_attach(struct frame *f, struct notification *n, uint64_t bits);
void frame_destroy(struct frame *f);
void frame_free(struct frame *f);
void memory_free(struct memory *m);

/* Architecture: user page tables; page-table pages are charged to q. */
/* For the kernel's self-check: the pages an address space holds (its PML4 and its user page tables),
 * the bytes it charges beyond them, and the address-space records' cache (as kobj_walk). */
uint64_t arch_aspace_pages(const struct aspace *as);
uint64_t arch_aspace_base_charge(void);
size_t arch_aspace_walk(size_t *objects, size_t *pages);
struct aspace *arch_aspace_create(struct quota *q);
void arch_aspace_destroy(struct aspace *as, struct quota *q);
int arch_aspace_map(struct aspace *as, uint64_t va, paddr_t pa, unsigned prot, struct quota *q);
void arch_aspace_unmap(struct aspace *as, uint64_t va);
bool arch_aspace_protect(struct aspace *as, uint64_t va, unsigned prot); /* false if not mapped */
bool arch_aspace_mapped(struct aspace *as, uint64_t va);
/* pages consecutive pages from pa at va; stops at the first failure, the pages before it mapped. */
int arch_aspace_map_range(struct aspace *as, uint64_t va, paddr_t pa, uint64_t pages, unsigned prot,
                          struct quota *q);
bool arch_aspace_any_mapped(struct aspace *as, uint64_t va, uint64_t pages);

#endif
