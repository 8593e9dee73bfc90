/*
 * A process's regions, by address: a treap (a binary search tree on `start` that is also a heap on a
 * random priority), so that finding the region holding an address, adding one and removing one take
 * O(log n) expected time however many there are (glibc's malloc and sqlite make thousands; a process may
 * have LX_MAX_MAP_COUNT). Regions never overlap, so the region after r is the first that starts at or
 * after r->end, and a walk in address order is a chain of such look-ups.
 *
 * Invariants: every node's left subtree holds smaller starts and its right subtree larger ones, and no
 * child has a higher priority than its parent. The tree owns no memory: mm/mem.c allocates and frees the
 * regions it links in and out.
 */
#include "lx.h"
#include "mm/regions.h"

static uint32_t next_priority(void)
{
    static uint32_t x = 0x9e3779b9u; /* xorshift32: the shape needs only to be unpredictable by address */

    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    return x;
}

/* Split t into the regions starting before key (*l) and at or after it (*r). */
static void split(struct lx_region *t, uint64_t key, struct lx_region **l, struct lx_region **r)
{
    if (!t) {
        *l = *r = NULL;
    } else if (t->start < key) {
        split(t->right, key, &t->right, r);
        *l = t;
    } else {
        split(t->left, key, l, &t->left);
        *r = t;
    }
}

/* Join l and r, every start in l below every start in r. */
static struct lx_region *merge(struct lx_region *l, struct lx_region *r)
{
    if (!l || !r)
        return l ? l : r;
    if (l->priority > r->priority) {
        l->right = merge(l->right, r);
        return l;
    }
    r->left = merge(l, r->left);
    return r;
}

void lx_regions_insert(struct lx_region **root, struct lx_region *n)
{
    struct lx_region **at = root;

    n->left = n->right = NULL;
    n->priority = next_priority();
    while (*at && (*at)->priority >= n->priority) /* down to where n's priority belongs */
        at = n->start < (*at)->start ? &(*at)->left : &(*at)->right;
    split(*at, n->start, &n->left, &n->right);
    *at = n;
}

void lx_regions_remove(struct lx_region **root, struct lx_region *n)
{
    struct lx_region **at = root;

    while (*at && *at != n)
        at = n->start < (*at)->start ? &(*at)->left : &(*at)->right;
    if (*at)
        *at = merge(n->left, n->right);
    n->left = n->right = NULL;
}

struct lx_region *lx_regions_find(struct lx_region *t, uint64_t va)
{
    while (t) {
        if (va < t->start)
            t = t->left;
        else if (va >= t->end)
            t = t->right;
        else
            return t;
    }
    return NULL;
}

struct lx_region *lx_regions_from(struct lx_region *t, uint64_t va)
{
    struct lx_region *best = NULL;

    while (t) {
        if (va < t->end) { /* t holds va or lies after it: a candidate; an earlier one may be on the left */
            best = t;
            if (va >= t->start)
                return t;
            t = t->left;
        } else {
            t = t->right;
        }
    }
    return best;
}
