/*
 * An intrusive AVL tree of disjoint address ranges [start, end), ordered by address: a task's mapping
 * records (vm.c). The caller embeds a struct range_node in its record and keeps the ranges disjoint and
 * non-empty; since they are disjoint, their starts and their ends are in the same order, so one tree
 * answers both "which range holds this address" and "the first range that ends after it" in O(log n).
 * The tree never allocates: a record costs what its own allocation costs, charged where it is made.
 *
 * A range's start or end may be changed in place as long as it stays disjoint from its neighbours (trim
 * or grow into a gap): the order, hence the tree, is unchanged.
 */
#ifndef CORE_RANGETREE_H
#define CORE_RANGETREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct range_node {
    struct range_node *left, *right, *parent;
    int32_t height; /* of the subtree: 1 for a leaf */
    uint64_t start, end;
};

struct range_tree {
    struct range_node *root;
    uint64_t count;
};

static inline void range_tree_init(struct range_tree *t)
{
    t->root = NULL;
    t->count = 0;
}

/* Insert n (its start and end set; disjoint from every range in t). */
void range_tree_insert(struct range_tree *t, struct range_node *n);
void range_tree_remove(struct range_tree *t, struct range_node *n);
/* The first range with end > addr (it holds addr if its start <= addr), or NULL. */
struct range_node *range_tree_first_after(const struct range_tree *t, uint64_t addr);
/* The range that holds addr, or NULL. */
struct range_node *range_tree_find(const struct range_tree *t, uint64_t addr);
struct range_node *range_tree_first(const struct range_tree *t);
struct range_node *range_tree_next(const struct range_node *n);
struct range_node *range_tree_prev(const struct range_node *n);
/* Check every invariant (order, disjointness, parent links, heights, balance, count): for tests and the
 * kernel's self-check. */
bool range_tree_check(const struct range_tree *t);

#endif
