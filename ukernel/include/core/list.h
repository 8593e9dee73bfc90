/*
 * Intrusive circular doubly linked list.
 *
 * A list is represented by a head node that is not part of any element; an
 * empty list is a head that points to itself. Elements embed a struct
 * list_node and are recovered with list_entry(). Invariants:
 *  - every node reachable from a head has valid prev/next pointers forming a
 *    ring through the head;
 *  - a node that is not on any list is self-linked (prev == next == itself),
 *    which is what list_init() produces and what list_remove() leaves behind.
 * Keeping unlinked nodes self-linked makes a second list_remove() harmless and
 * lets list_node_linked() answer "is this node on some list?" without any
 * extra state. The list never allocates and never owns its elements.
 */
#ifndef CORE_LIST_H
#define CORE_LIST_H

#include <core/compiler.h>
#include <stdbool.h>
#include <stddef.h>

struct list_node {
    struct list_node *prev, *next;
};

/* Makes a head empty or a node unlinked; both states are the same shape. */
static inline void list_init(struct list_node *node)
{
    node->prev = node;
    node->next = node;
}

static inline bool list_empty(const struct list_node *head) { return head->next == head; }

/* True if the node is on some list (or is a non-empty head). */
static inline bool list_node_linked(const struct list_node *node) { return node->next != node; }

static inline void list_insert_between(struct list_node *node, struct list_node *prev, struct list_node *next)
{
    node->prev = prev;
    node->next = next;
    prev->next = node;
    next->prev = node;
}

static inline void list_push_front(struct list_node *head, struct list_node *node)
{
    list_insert_between(node, head, head->next);
}

static inline void list_push_back(struct list_node *head, struct list_node *node)
{
    list_insert_between(node, head->prev, head);
}

/* Unlinks the node and self-links it, so removing it again is a no-op. */
static inline void list_remove(struct list_node *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    list_init(node);
}

static inline struct list_node *list_first(const struct list_node *head)
{
    return list_empty(head) ? NULL : head->next;
}

static inline struct list_node *list_pop_front(struct list_node *head)
{
    struct list_node *node = list_first(head);

    if (node)
        list_remove(node);
    return node;
}

static inline size_t list_length(const struct list_node *head)
{
    size_t n = 0;

    for (const struct list_node *it = head->next; it != head; it = it->next)
        n++;
    return n;
}

#define list_entry(node, type, member) container_of(node, type, member)

/* The body must not remove pos; use list_for_each_safe for that. */
#define list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* tmp holds the successor, so the body may remove (or even free) pos. */
#define list_for_each_safe(pos, tmp, head)                                                                   \
    for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif /* CORE_LIST_H */
