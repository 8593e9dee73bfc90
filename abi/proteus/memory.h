/*
 * Proteus ABI: memory. Physical memory reaches a task as MEMORY caps (pools of pages) from which it makes
 * FRAME objects; frames are mapped into a task's address space in batches. One PX_SYS_MAP_BATCH call
 * applies up to PX_MAP_BATCH_MAX operations in order and stops at the first that fails, returning how
 * many it applied (rdx) and that one's status (rax): a fork copies a whole address space in few calls.
 */
#ifndef PROTEUS_MEMORY_H
#define PROTEUS_MEMORY_H

#include <stdint.h>

#define PX_PAGE_SIZE 4096u
#define PX_MAP_BATCH_MAX 1024u
#define PX_USER_BASE 0x1000ull          /* lowest mappable address */
#define PX_USER_TOP 0x00007fff00000000ull /* first address above the mappable range */

#define PX_MAP_OP_MAP 1     /* map frame pages [frame_page, frame_page + pages) at vaddr, with prot */
#define PX_MAP_OP_UNMAP 2   /* unmap [vaddr, vaddr + pages * PX_PAGE_SIZE); frame is ignored */
#define PX_MAP_OP_PROTECT 3 /* change the protection of mapped pages in the range; frame is ignored */

#define PX_PROT_READ 1u
#define PX_PROT_WRITE 2u
#define PX_PROT_EXEC 4u /* never together with PX_PROT_WRITE: W^X */

struct px_map_op {
    uint32_t op;         /* PX_MAP_OP_* */
    uint32_t frame;      /* frame cap slot (MAP) */
    uint64_t vaddr;      /* page aligned, in [PX_USER_BASE, PX_USER_TOP) */
    uint64_t frame_page; /* first page of the frame to map (MAP) */
    uint64_t pages;
    uint32_t prot;       /* PX_PROT_* (MAP, PROTECT); the frame cap must have the matching rights */
    uint32_t reserved;   /* must be zero */
};

#endif
