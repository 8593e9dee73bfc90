/* A process's regions by address, in O(log n) (regions.c). */
#ifndef LX_REGIONS_H
#define LX_REGIONS_H

#include "lx.h"

void lx_regions_insert(struct lx_region **root, struct lx_region *n); /* n overlaps no region there */
void lx_regions_remove(struct lx_region **root, struct lx_region *n);
struct lx_region *lx_regions_find(struct lx_region *root, uint64_t va); /* the region holding va, or NULL */
/* The region holding va or else the first after it (NULL: none): a walk is r = from(r->end). */
struct lx_region *lx_regions_from(struct lx_region *root, uint64_t va);

#endif
