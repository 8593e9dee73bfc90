/*
 * Unit tests for the intrusive list (<core/list.h>): ordering of the push
 * and pop operations, removal anywhere in the list, the self-linked state
 * of removed nodes, and both iteration macros.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/list.h>
#include <stddef.h>

struct item {
    int value;
    struct list_node link;
};

static void init_items(struct item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        items[i].value = (int)i;
        list_init(&items[i].link);
    }
}

/* Checks that the list holds exactly the given values, walking both directions. */
static void expect_values(struct list_node *head, const int *values, size_t n)
{
    struct list_node *pos;
    size_t i = 0;

    CU_ASSERT_EQUAL(list_length(head), n);
    list_for_each(pos, head)
    {
        CU_ASSERT_FATAL(i < n);
        CU_ASSERT_EQUAL(list_entry(pos, struct item, link)->value, values[i]);
        i++;
    }
    CU_ASSERT_EQUAL(i, n);
    for (pos = head->prev; pos != head; pos = pos->prev) {
        CU_ASSERT_FATAL(i > 0);
        i--;
        CU_ASSERT_EQUAL(list_entry(pos, struct item, link)->value, values[i]);
    }
    CU_ASSERT_EQUAL(i, 0);
}

static void test_init_empty(void)
{
    struct list_node head;

    list_init(&head);
    CU_ASSERT_TRUE(list_empty(&head));
    CU_ASSERT_FALSE(list_node_linked(&head));
    CU_ASSERT_PTR_NULL(list_first(&head));
    CU_ASSERT_PTR_NULL(list_pop_front(&head));
    CU_ASSERT_EQUAL(list_length(&head), 0);
    CU_ASSERT_PTR_EQUAL(head.next, &head);
    CU_ASSERT_PTR_EQUAL(head.prev, &head);
}

static void test_push_back_order(void)
{
    struct list_node head;
    struct item it[4];
    static const int want[] = {0, 1, 2, 3};

    list_init(&head);
    init_items(it, 4);
    for (int i = 0; i < 4; i++)
        list_push_back(&head, &it[i].link);
    CU_ASSERT_FALSE(list_empty(&head));
    expect_values(&head, want, 4);
    CU_ASSERT_PTR_EQUAL(list_first(&head), &it[0].link);
}

static void test_push_front_order(void)
{
    struct list_node head;
    struct item it[4];
    static const int want[] = {3, 2, 1, 0};

    list_init(&head);
    init_items(it, 4);
    for (int i = 0; i < 4; i++)
        list_push_front(&head, &it[i].link);
    expect_values(&head, want, 4);
}

static void test_pop_front(void)
{
    struct list_node head;
    struct item it[3];
    struct list_node *n;

    list_init(&head);
    init_items(it, 3);
    list_push_back(&head, &it[0].link);
    list_push_back(&head, &it[1].link);
    list_push_front(&head, &it[2].link);

    n = list_pop_front(&head);
    CU_ASSERT_PTR_EQUAL(n, &it[2].link);
    CU_ASSERT_FALSE(list_node_linked(n));
    CU_ASSERT_PTR_EQUAL(list_pop_front(&head), &it[0].link);
    CU_ASSERT_PTR_EQUAL(list_pop_front(&head), &it[1].link);
    CU_ASSERT_PTR_NULL(list_pop_front(&head));
    CU_ASSERT_TRUE(list_empty(&head));
}

static void test_remove_middle(void)
{
    struct list_node head;
    struct item it[5];
    static const int want[] = {0, 1, 3, 4};
    static const int want2[] = {1, 3};

    list_init(&head);
    init_items(it, 5);
    for (int i = 0; i < 5; i++)
        list_push_back(&head, &it[i].link);
    list_remove(&it[2].link);
    expect_values(&head, want, 4);
    /* Removing the ends updates the head's links. */
    list_remove(&it[0].link);
    list_remove(&it[4].link);
    expect_values(&head, want2, 2);
    CU_ASSERT_PTR_EQUAL(list_first(&head), &it[1].link);
}

static void test_double_remove_harmless(void)
{
    struct list_node head;
    struct item it[3];
    static const int want[] = {0, 2};

    list_init(&head);
    init_items(it, 3);
    for (int i = 0; i < 3; i++)
        list_push_back(&head, &it[i].link);
    CU_ASSERT_TRUE(list_node_linked(&it[1].link));
    list_remove(&it[1].link);
    CU_ASSERT_FALSE(list_node_linked(&it[1].link));
    CU_ASSERT_PTR_EQUAL(it[1].link.next, &it[1].link);
    CU_ASSERT_PTR_EQUAL(it[1].link.prev, &it[1].link);
    list_remove(&it[1].link);
    expect_values(&head, want, 2);
    /* A node can be reinserted after removal. */
    list_push_back(&head, &it[1].link);
    CU_ASSERT_TRUE(list_node_linked(&it[1].link));
    CU_ASSERT_EQUAL(list_length(&head), 3);
}

static void test_iteration(void)
{
    struct list_node head;
    struct item it[10];
    struct list_node *pos;
    int sum = 0, visits = 0;

    list_init(&head);
    init_items(it, 10);
    list_for_each(pos, &head) visits++;
    CU_ASSERT_EQUAL(visits, 0);
    for (int i = 0; i < 10; i++)
        list_push_back(&head, &it[i].link);
    list_for_each(pos, &head)
    {
        sum += list_entry(pos, struct item, link)->value;
        visits++;
    }
    CU_ASSERT_EQUAL(visits, 10);
    CU_ASSERT_EQUAL(sum, 45);
}

static void test_safe_iteration_remove(void)
{
    struct list_node head;
    struct item it[10];
    struct list_node *pos, *tmp;
    static const int want[] = {1, 3, 5, 7, 9};
    int visits = 0;

    list_init(&head);
    init_items(it, 10);
    for (int i = 0; i < 10; i++)
        list_push_back(&head, &it[i].link);
    list_for_each_safe(pos, tmp, &head)
    {
        visits++;
        if (list_entry(pos, struct item, link)->value % 2 == 0)
            list_remove(pos);
    }
    CU_ASSERT_EQUAL(visits, 10);
    expect_values(&head, want, 5);

    list_for_each_safe(pos, tmp, &head) list_remove(pos);
    CU_ASSERT_TRUE(list_empty(&head));
    for (int i = 0; i < 10; i++)
        CU_ASSERT_FALSE(list_node_linked(&it[i].link));
}

static void test_length(void)
{
    struct list_node head;
    struct item it[100];

    list_init(&head);
    init_items(it, 100);
    for (size_t i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL(list_length(&head), i);
        list_push_back(&head, &it[i].link);
    }
    CU_ASSERT_EQUAL(list_length(&head), 100);
    for (size_t i = 100; i > 0; i--) {
        CU_ASSERT_PTR_NOT_NULL(list_pop_front(&head));
        CU_ASSERT_EQUAL(list_length(&head), i - 1);
    }
}

static void test_entry(void)
{
    struct item x = {.value = 42};

    list_init(&x.link);
    CU_ASSERT_PTR_EQUAL(list_entry(&x.link, struct item, link), &x);
    CU_ASSERT_EQUAL(list_entry(&x.link, struct item, link)->value, 42);
}

static const CU_TestInfo list_tests[] = {
    {"init_empty", test_init_empty},
    {"push_back_order", test_push_back_order},
    {"push_front_order", test_push_front_order},
    {"pop_front", test_pop_front},
    {"remove_middle", test_remove_middle},
    {"double_remove_harmless", test_double_remove_harmless},
    {"iteration", test_iteration},
    {"safe_iteration_remove", test_safe_iteration_remove},
    {"length", test_length},
    {"entry", test_entry},
    CU_TEST_INFO_NULL,
};

void register_list_suite(void) { cunit_tap_add_suite("list", list_tests); }
