/* Intrusive doubly linked lists with a sentinel: ready lists (FIFO) and wait and delay lists (sorted). */
#include "rtos.h"

void rtos_list_init(struct rtos_list *l)
{
    l->end.next = l->end.prev = &l->end;
    l->end.list = l;
    l->count = 0;
}

static void insert_before(struct rtos_list *l, struct rtos_node *at, struct rtos_node *n, void *owner)
{
    n->owner = owner;
    n->list = l;
    n->next = at;
    n->prev = at->prev;
    at->prev->next = n;
    at->prev = n;
    l->count++;
}

void rtos_list_append(struct rtos_list *l, struct rtos_node *n, void *owner)
{
    insert_before(l, &l->end, n, owner);
}

/* After every node of the same key: equal keys keep their arrival order. */
void rtos_list_insert_sorted(struct rtos_list *l, struct rtos_node *n, void *owner, uint64_t key)
{
    struct rtos_node *at = l->end.next;

    while (at != &l->end && at->key <= key)
        at = at->next;
    n->key = key;
    insert_before(l, at, n, owner);
}

void rtos_list_remove(struct rtos_node *n)
{
    if (!n->list)
        return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->list->count--;
    n->list = NULL;
    n->next = n->prev = NULL;
}
