/*
 * The AVL tree of disjoint ranges (rangetree.h). Every node keeps its subtree's height; after an insert
 * or a removal the heights are refreshed from the changed node up to the root, rotating wherever the
 * two subtrees differ by two: the tree's height stays below 1.45 log2(n + 2), so 65,536 ranges are at
 * most 23 levels deep. Nodes are linked to their parent, so the in-order walk needs no stack.
 */
#include <core/rangetree.h>

static int32_t height(const struct range_node *n) { return n ? n->height : 0; }

static void update(struct range_node *n)
{
    int32_t l = height(n->left), r = height(n->right);

    n->height = 1 + (l > r ? l : r);
}

/* Put `to` where `from` hangs under `parent` (the root when parent is NULL). */
static void replace_child(struct range_tree *t, struct range_node *parent, struct range_node *from,
                          struct range_node *to)
{
    if (!parent)
        t->root = to;
    else if (parent->left == from)
        parent->left = to;
    else
        parent->right = to;
    if (to)
        to->parent = parent;
}

static struct range_node *rotate_left(struct range_tree *t, struct range_node *x)
{
    struct range_node *y = x->right;

    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    replace_child(t, x->parent, x, y);
    y->left = x;
    x->parent = y;
    update(x);
    update(y);
    return y;
}

static struct range_node *rotate_right(struct range_tree *t, struct range_node *x)
{
    struct range_node *y = x->left;

    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    replace_child(t, x->parent, x, y);
    y->right = x;
    x->parent = y;
    update(x);
    update(y);
    return y;
}

/*
 * Refresh heights from n up to the root, rotating where a node leans by two. Above a node whose height
 * did not change (and that needed no rotation) nothing changes: the walk stops there.
 */
static void rebalance(struct range_tree *t, struct range_node *n)
{
    while (n) {
        struct range_node *parent = n->parent;
        int32_t lean = height(n->left) - height(n->right), was = n->height;

        if (lean > 1) {
            if (height(n->left->left) < height(n->left->right))
                rotate_left(t, n->left);
            rotate_right(t, n);
        } else if (lean < -1) {
            if (height(n->right->right) < height(n->right->left))
                rotate_right(t, n->right);
            rotate_left(t, n);
        } else {
            update(n);
            if (n->height == was)
                return;
        }
        n = parent;
    }
}

void range_tree_insert(struct range_tree *t, struct range_node *n)
{
    struct range_node **link = &t->root, *parent = NULL;

    while (*link) {
        parent = *link;
        link = n->start < parent->start ? &parent->left : &parent->right;
    }
    n->left = n->right = NULL;
    n->parent = parent;
    n->height = 1;
    *link = n;
    t->count++;
    rebalance(t, parent);
}

void range_tree_remove(struct range_tree *t, struct range_node *n)
{
    struct range_node *from; /* the lowest node whose subtree changed */

    if (n->left && n->right) {
        /* n's successor s (leftmost of its right subtree, no left child) takes n's place. */
        struct range_node *s = n->right;
        while (s->left)
            s = s->left;
        if (s->parent != n) {
            from = s->parent;
            from->left = s->right;
            if (s->right)
                s->right->parent = from;
            s->right = n->right;
            n->right->parent = s;
        } else {
            from = s;
        }
        s->left = n->left;
        n->left->parent = s;
        replace_child(t, n->parent, n, s);
        s->height = n->height;
    } else {
        from = n->parent;
        replace_child(t, n->parent, n, n->left ? n->left : n->right);
    }
    n->left = n->right = n->parent = NULL;
    t->count--;
    rebalance(t, from);
}

struct range_node *range_tree_first_after(const struct range_tree *t, uint64_t addr)
{
    struct range_node *n = t->root, *best = NULL;

    while (n) {
        if (n->end > addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

struct range_node *range_tree_find(const struct range_tree *t, uint64_t addr)
{
    struct range_node *n = range_tree_first_after(t, addr);

    return n && n->start <= addr ? n : NULL;
}

struct range_node *range_tree_first(const struct range_tree *t)
{
    struct range_node *n = t->root;

    while (n && n->left)
        n = n->left;
    return n;
}

struct range_node *range_tree_next(const struct range_node *n)
{
    if (n->right) {
        n = n->right;
        while (n->left)
            n = n->left;
        return (struct range_node *)n;
    }
    while (n->parent && n->parent->right == n)
        n = n->parent;
    return n->parent;
}

struct range_node *range_tree_prev(const struct range_node *n)
{
    if (n->left) {
        n = n->left;
        while (n->right)
            n = n->right;
        return (struct range_node *)n;
    }
    while (n->parent && n->parent->left == n)
        n = n->parent;
    return n->parent;
}

/* The subtree's height if it is a valid AVL subtree within (lo, hi) of addresses, or -1. */
static int32_t check_subtree(const struct range_node *n, const struct range_node *parent, uint64_t lo,
                             uint64_t hi, uint64_t *count)
{
    int32_t l, r;

    if (!n)
        return 0;
    if (n->parent != parent || n->start >= n->end || n->start < lo || n->end > hi)
        return -1;
    (*count)++;
    if ((l = check_subtree(n->left, n, lo, n->start, count)) < 0 ||
        (r = check_subtree(n->right, n, n->end, hi, count)) < 0)
        return -1;
    if (l - r > 1 || r - l > 1 || n->height != 1 + (l > r ? l : r))
        return -1;
    return n->height;
}

bool range_tree_check(const struct range_tree *t)
{
    uint64_t count = 0;

    return check_subtree(t->root, NULL, 0, UINT64_MAX, &count) >= 0 && count == t->count;
}
