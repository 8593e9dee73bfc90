/*
 * Unit tests for a task's mapping records: the range tree (core/rangetree.c) alone, and the real
 * core/vm.c on top of it, driven through vm_map_op as the kernel's map batches drive it.
 *
 * What vm.c takes from elsewhere is small and stubbed here: kernel objects (kobj_alloc / kobj_release,
 * charged to the quota they are given), the cap lookup (three frame caps: slots 1 and 2 with every
 * right, slot 3 read-only), and the architecture's page tables, a flat table of entries over a 1 GiB
 * window of user addresses (an address outside it is a bug in the test and aborts the run). A
 * `fail_after` knob makes the page-table side fail after that many pages, as a quota or memory
 * shortage for page tables would.
 *
 * Every test checks the same three things against a plain model (for each page of the window: mapped
 * or not, which frame page, its protection, what the cap allowed): the fake page tables equal the
 * model, the records cover exactly the mapped pages with the right frame pages, and the tree's own
 * invariants hold (order, parent links, heights, balance, count); and that the records' quota equals
 * their number times one record's charge.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/mm.h>
#include <core/rangetree.h>
#include <core/vm.h>
#include <proteus/caps.h>
#include <proteus/memory.h>
#include <proteus/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIN_BASE 0x10000000ull  /* the fake page table's window of user addresses */
#define WIN_PAGES (1u << 18)    /* 1 GiB */
#define PTE_PRESENT (1ull << 63)

/* ---- What vm.c needs from the rest of the kernel ---- */

struct pmm phys_mem;

enum pmm_status pmm_alloc(struct pmm *p, uint64_t count, uint64_t align, paddr_t *out)
{
    (void)p, (void)count, (void)align, (void)out;
    return PMM_NOMEM; /* frame_create is not used here: frames are frame_wrap'ed */
}

enum pmm_status pmm_free(struct pmm *p, paddr_t base, uint64_t count)
{
    (void)p, (void)base, (void)count;
    return PMM_OK;
}

static void *host_page_alloc(void *ctx)
{
    (void)ctx;
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (p)
        memset(p, 0, PAGE_SIZE);
    return p;
}

static void host_page_free(void *ctx, void *page)
{
    (void)ctx;
    free(page);
}

const struct kmem_pages kernel_pages = {host_page_alloc, host_page_free, NULL};

void *kobj_alloc(unsigned type, struct quota *q, struct kobj *payer)
{
    struct kobj *o;

    CU_ASSERT_EQUAL_FATAL(type, PX_OBJ_FRAME);
    if (q && !quota_charge(q, sizeof(struct frame)))
        return NULL;
    o = calloc(1, sizeof(struct frame));
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    o->type = (uint8_t)type;
    o->refs = 1;
    o->quota = q;
    o->payer = payer;
    o->charge = q ? sizeof(struct frame) : 0;
    return o;
}

void kobj_release(struct kobj *o)
{
    struct frame *f = container_of(o, struct frame, obj);

    CU_ASSERT_TRUE(list_empty(&f->mappings)); /* no record outlives its frame */
    if (o->quota)
        quota_refund(o->quota, o->charge);
    free(o);
}

static struct frame *frames[4];
static struct cap caps[4];

int cap_lookup(struct cap_table *t, uint64_t slot, unsigned type, uint32_t rights, struct cap **out)
{
    (void)t;
    if (slot < 1 || slot > 3 || !caps[slot].obj)
        return PX_ERR_CAP;
    if (caps[slot].obj->type != type)
        return PX_ERR_TYPE;
    if ((caps[slot].rights & rights) != rights)
        return PX_ERR_RIGHTS;
    *out = &caps[slot];
    return PX_OK;
}

struct aspace {
    uint64_t pte[WIN_PAGES]; /* PTE_PRESENT | pa | prot */
};

static struct aspace *fake_as;
static long fail_after = -1; /* pages the page tables map before failing; -1: never */

static uint64_t *pte_of(struct aspace *as, uint64_t va)
{
    if (va < WIN_BASE || va >= WIN_BASE + (uint64_t)WIN_PAGES * PAGE_SIZE || va % PAGE_SIZE) {
        fprintf(stderr, "fake page table: address %#llx outside the window\n", (unsigned long long)va);
        abort();
    }
    return &as->pte[(va - WIN_BASE) / PAGE_SIZE];
}

int arch_aspace_map_range(struct aspace *as, uint64_t va, paddr_t pa, uint64_t pages, unsigned prot,
                          struct quota *q)
{
    (void)q;
    for (uint64_t i = 0; i < pages; i++) {
        if (fail_after == 0)
            return PX_ERR_NOMEM;
        if (fail_after > 0)
            fail_after--;
        *pte_of(as, va + i * PAGE_SIZE) = PTE_PRESENT | (pa + i * PAGE_SIZE) | prot;
    }
    return PX_OK;
}

void arch_aspace_unmap(struct aspace *as, uint64_t va) { *pte_of(as, va) = 0; }

bool arch_aspace_protect(struct aspace *as, uint64_t va, unsigned prot)
{
    uint64_t *pte = pte_of(as, va);

    if (!(*pte & PTE_PRESENT))
        return false;
    *pte = (*pte & ~0xfffull) | prot;
    return true;
}

/* ---- The model and the checks ---- */

struct page_model {
    uint8_t frame; /* 0: not mapped, else the frame cap's slot */
    uint8_t prot, max_prot;
    uint32_t frame_page;
};

static struct page_model *model;
static struct task task;
static struct cap_table no_caps;

/* What one record costs (kmem rounds objects up to KMEM_ALIGN); vm_mapping_charge() says the same once
 * vm.c has made its first record. */
#define CHARGE ((sizeof(struct mapping) + KMEM_ALIGN - 1) / KMEM_ALIGN * KMEM_ALIGN)
#define FRAME_PAGES (1u << 17)
#define FRAME_PA(slot) ((uint64_t)(slot) << 36)

static void setup_world(uint64_t quota_bytes)
{
    memset(&task, 0, sizeof(task));
    task.quota.limit = quota_bytes;
    range_tree_init(&task.maps);
    fake_as = calloc(1, sizeof(*fake_as));
    model = calloc(WIN_PAGES, sizeof(*model));
    CU_ASSERT_PTR_NOT_NULL_FATAL(fake_as);
    CU_ASSERT_PTR_NOT_NULL_FATAL(model);
    task.as = fake_as;
    fail_after = -1;
    for (unsigned s = 1; s <= 3; s++) {
        frames[s] = frame_wrap(FRAME_PA(s), FRAME_PAGES, NULL);
        caps[s] = (struct cap){.obj = &frames[s]->obj, .rights = s == 3 ? PX_R_READ : PX_R_ALL};
    }
}

static void teardown_world(void)
{
    vm_task_unmap_all(&task);
    CU_ASSERT_EQUAL(task.maps.count, 0);
    CU_ASSERT_EQUAL(task.quota.used, 0);
    for (unsigned s = 1; s <= 3; s++) {
        caps[s].obj = NULL;
        kobj_put(&frames[s]->obj);
    }
    for (unsigned i = 0; i < WIN_PAGES; i++)
        if (fake_as->pte[i]) {
            CU_FAIL("a page stays mapped after its task's records are gone");
            break;
        }
    free(fake_as);
    free(model);
}

static unsigned slot_of(const struct frame *f)
{
    for (unsigned s = 1; s <= 3; s++)
        if (frames[s] == f)
            return s;
    return 0;
}

/* Everything agrees: the page tables and the records with the model, the tree with itself. */
static bool consistent(void)
{
    uint64_t covered = 0, last_end = 0;
    bool ok = range_tree_check(&task.maps);

    for (struct range_node *n = range_tree_first(&task.maps); n; n = range_tree_next(n)) {
        struct mapping *m = container_of(n, struct mapping, node);
        if (n->start < last_end || m->task != &task)
            ok = false;
        last_end = n->end;
        for (uint64_t va = n->start; va < n->end; va += PAGE_SIZE) {
            const struct page_model *p = &model[(va - WIN_BASE) / PAGE_SIZE];
            uint64_t fp = m->frame_page + (va - n->start) / PAGE_SIZE;
            if (p->frame != slot_of(m->frame) || p->frame_page != fp || p->max_prot != m->max_prot)
                ok = false;
            covered++;
        }
    }
    for (unsigned i = 0; i < WIN_PAGES; i++) {
        const struct page_model *p = &model[i];
        uint64_t want = p->frame ? PTE_PRESENT | (FRAME_PA(p->frame) + (uint64_t)p->frame_page * PAGE_SIZE) | p->prot
                                 : 0;
        if (fake_as->pte[i] != want)
            ok = false;
        covered -= p->frame != 0;
    }
    if (covered != 0 || task.quota.used != task.maps.count * CHARGE)
        ok = false;
    return ok;
}

static unsigned rights_prot(uint32_t rights)
{
    return (rights & PX_R_READ ? PX_PROT_READ : 0) | (rights & PX_R_WRITE ? PX_PROT_WRITE : 0) |
           (rights & PX_R_EXEC ? PX_PROT_EXEC : 0);
}

/* The operation through vm.c, and (when it succeeds) the same on the model. */
static int op(uint32_t kind, uint32_t slot, uint64_t page, uint64_t frame_page, uint64_t pages, uint32_t prot)
{
    struct px_map_op o = {kind, slot, WIN_BASE + page * PAGE_SIZE, frame_page, pages, prot, 0};
    int st = vm_map_op(&task, &no_caps, &o);

    if (st != PX_OK)
        return st;
    for (uint64_t i = 0; i < pages; i++) {
        struct page_model *p = &model[page + i];
        if (kind == PX_MAP_OP_MAP)
            *p = (struct page_model){(uint8_t)slot, (uint8_t)prot, (uint8_t)rights_prot(caps[slot].rights),
                                     (uint32_t)(frame_page + i)};
        else if (kind == PX_MAP_OP_UNMAP)
            *p = (struct page_model){0};
        else if (p->frame)
            p->prot = (uint8_t)prot;
    }
    return st;
}

/* Would PROTECT be refused by the model (a mapped page whose cap did not allow prot)? */
static bool model_refuses_protect(uint64_t page, uint64_t pages, unsigned prot)
{
    for (uint64_t i = 0; i < pages; i++)
        if (model[page + i].frame && (prot & ~model[page + i].max_prot))
            return true;
    return false;
}

#define R PX_PROT_READ
#define RW (PX_PROT_READ | PX_PROT_WRITE)

/* ---- The tree alone ---- */

struct item {
    struct range_node node;
    unsigned index;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void shuffle(unsigned *a, unsigned n)
{
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = (unsigned)(rnd() % (i + 1)), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* 65,536 ranges inserted and removed in random order: lookups by any address, in-order walks, balance. */
static void test_tree_scale(void)
{
    enum { N = 65536 };
    struct item *items = calloc(N, sizeof(*items));
    unsigned *order = malloc(N * sizeof(*order));
    struct range_tree t;
    unsigned i, k;

    CU_ASSERT_PTR_NOT_NULL_FATAL(items);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    range_tree_init(&t);
    for (i = 0; i < N; i++) { /* range i: [100 i + 10, 100 i + 10 + 1 + i % 50) */
        items[i].index = i;
        items[i].node.start = 100ull * i + 10;
        items[i].node.end = items[i].node.start + 1 + i % 50;
        order[i] = i;
    }
    shuffle(order, N);
    for (i = 0; i < N; i++) {
        range_tree_insert(&t, &items[order[i]].node);
        if (i % 8192 == 0)
            CU_ASSERT_TRUE(range_tree_check(&t));
    }
    CU_ASSERT_TRUE_FATAL(range_tree_check(&t));
    CU_ASSERT_EQUAL(t.count, N);
    CU_ASSERT_TRUE(t.root->height <= 24); /* 1.44 log2(65,538) */
    for (i = 0; i < N; i++) {
        uint64_t s = items[i].node.start, e = items[i].node.end;
        CU_ASSERT_PTR_EQUAL(range_tree_find(&t, s), &items[i].node);
        CU_ASSERT_PTR_EQUAL(range_tree_find(&t, e - 1), &items[i].node);
        CU_ASSERT_PTR_NULL(range_tree_find(&t, e));     /* the gap after it */
        CU_ASSERT_PTR_NULL(range_tree_find(&t, s - 1)); /* and before it */
        CU_ASSERT_PTR_EQUAL(range_tree_first_after(&t, s - 1), &items[i].node);
        CU_ASSERT_PTR_EQUAL(range_tree_first_after(&t, e), i + 1 < N ? &items[i + 1].node : NULL);
    }
    k = 0;
    for (struct range_node *n = range_tree_first(&t); n; n = range_tree_next(n))
        CU_ASSERT_EQUAL(container_of(n, struct item, node)->index, k++);
    CU_ASSERT_EQUAL(k, N);
    for (struct range_node *n = &items[N - 1].node; n; n = range_tree_prev(n))
        CU_ASSERT_EQUAL(container_of(n, struct item, node)->index, --k);
    CU_ASSERT_EQUAL(k, 0);
    shuffle(order, N);
    for (i = 0; i < N; i++) {
        struct item *it = &items[order[i]];
        range_tree_remove(&t, &it->node);
        CU_ASSERT_PTR_NULL(range_tree_find(&t, it->node.start));
        if (i % 8192 == 0)
            CU_ASSERT_TRUE(range_tree_check(&t));
    }
    CU_ASSERT_EQUAL(t.count, 0);
    CU_ASSERT_PTR_NULL(t.root);
    CU_ASSERT_PTR_NULL(range_tree_first(&t));
    CU_ASSERT_PTR_NULL(range_tree_first_after(&t, 0));
    /* Ascending insertion, the worst case of an unbalanced tree, stays balanced. */
    for (i = 0; i < N; i++)
        range_tree_insert(&t, &items[i].node);
    CU_ASSERT_TRUE(range_tree_check(&t));
    CU_ASSERT_TRUE(t.root->height <= 24);
    for (i = 0; i < N; i++)
        range_tree_remove(&t, &items[i].node);
    CU_ASSERT_TRUE(range_tree_check(&t) && t.count == 0);
    free(items);
    free(order);
}

/* A broken tree is seen as broken. */
static void test_tree_check_fails(void)
{
    struct item a = {.node = {.start = 10, .end = 20}}, b = {.node = {.start = 30, .end = 40}};
    struct range_tree t;

    range_tree_init(&t);
    range_tree_insert(&t, &a.node);
    range_tree_insert(&t, &b.node);
    CU_ASSERT_TRUE(range_tree_check(&t));
    b.node.start = 15; /* overlaps a */
    CU_ASSERT_FALSE(range_tree_check(&t));
    b.node.start = 30;
    t.count = 3;
    CU_ASSERT_FALSE(range_tree_check(&t));
    t.count = 2;
    a.node.height = 5;
    CU_ASSERT_FALSE(range_tree_check(&t));
}

/* ---- vm.c on the tree ---- */

/* 65,536 separate mappings; unmap, protect and replace among them; then unmap them in large ranges. */
static void test_vm_many(void)
{
    enum { N = 65536 };

    setup_world((N + 64) * CHARGE);
    /* Every other page, frame page i at page 2i: no mapping continues another. */
    for (unsigned i = 0; i < N; i++)
        CU_ASSERT_EQUAL_FATAL(op(PX_MAP_OP_MAP, 1, 2ull * i, i, 1, R), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, N);
    CU_ASSERT_TRUE(task.maps.root->height <= 24);
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 2ull * 40000, 0, 1, 0), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, N - 1);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_PROTECT, 0, 2ull * 30000 - 1, 0, 3, RW), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_PROTECT, 3, 0, 0, 2 * N, PX_PROT_EXEC | R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 2, 2ull * 50000, 7, 1, R), PX_OK); /* replaces one */
    CU_ASSERT_EQUAL(task.maps.count, N - 1);
    /* The gap at page 2 * 40000 + 1 filled from frame page 40001 joins nothing (40000 is gone). */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 2ull * 40000 + 1, 40001, 1, R), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, N);
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 1000, 0, 60000, 0), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, N - 30000);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 0, 0, 2 * N, 0), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 0);
    CU_ASSERT_TRUE(consistent());
    teardown_world();
}

/* Unmapping inside a record splits it; at its ends it trims it. The pieces keep their frame pages. */
static void test_vm_split(void)
{
    setup_world(1 << 20);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 100, 500, 64, RW), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 1);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 110, 0, 4, 0), PX_OK); /* split */
    CU_ASSERT_EQUAL(task.maps.count, 2);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 90, 0, 12, 0), PX_OK); /* trim the head */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 160, 0, 10, 0), PX_OK); /* trim the tail */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 120, 0, 1, 0), PX_OK);  /* split the second */
    CU_ASSERT_EQUAL(task.maps.count, 3);
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 105, 0, 20, 0), PX_OK); /* across three records and two gaps */
    CU_ASSERT_EQUAL(task.maps.count, 2);
    CU_ASSERT_TRUE(consistent());
    /* A protection a record's cap did not allow is refused, for the whole range, with no change. */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 3, 300, 0, 4, R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_PROTECT, 0, 100, 0, 300, RW), PX_ERR_RIGHTS);
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_PROTECT, 0, 100, 0, 300, R), PX_OK);
    CU_ASSERT_TRUE(consistent());
    teardown_world();
}

/* Mappings that continue a record join it, forwards, backwards and by filling the gap between two. */
static void test_vm_merge(void)
{
    setup_world(1 << 20);
    for (unsigned i = 0; i < 32; i++) /* forwards */
        CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 1000 + i, i, 1, R), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 1);
    for (unsigned i = 32; i-- > 0;) /* backwards */
        CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 2000 + i, 1000 + i, 1, R), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 2);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 1010, 0, 5, 0), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 3);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 1010, 10, 5, RW), PX_OK); /* fills the hole: one record again */
    CU_ASSERT_EQUAL(task.maps.count, 2);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 1032, 32, 968, R), PX_OK); /* bridges the two */
    CU_ASSERT_EQUAL(task.maps.count, 1);
    CU_ASSERT_TRUE(consistent());
    /* Another frame, another frame page or other rights do not join. */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 2, 2032, 1032, 1, R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 2033, 1034, 1, R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 3, 2034, 1035, 1, R), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 4);
    /* Remapping the middle of a record with itself keeps one record. */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 1500, 500, 10, RW), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 4);
    CU_ASSERT_TRUE(consistent());
    teardown_world();
}

/* No memory for a record: the call fails and nothing changes; growing or joining records needs none. */
static void test_vm_nomem(void)
{
    setup_world(3 * CHARGE);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 10, 0, 10, R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 100, 90, 10, R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 2, 200, 0, 1, R), PX_OK);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 300, 0, 1, R), PX_ERR_NOMEM); /* a fourth record */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 12, 0, 2, 0), PX_ERR_NOMEM); /* a split */
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 200, 0, 1, 0), PX_OK);
    /* A replacement inside a record: its own record is had, the split's is not. */
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 2, 103, 0, 2, R), PX_ERR_NOMEM);
    CU_ASSERT_EQUAL(task.quota.used, 2 * CHARGE);
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 20, 10, 80, R), PX_OK); /* joins both: one record */
    CU_ASSERT_EQUAL(task.maps.count, 1);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 2, 107, 0, 3, R), PX_OK); /* trims the tail: no split */
    CU_ASSERT_EQUAL(task.maps.count, 2);
    CU_ASSERT_EQUAL(task.quota.used, 2 * CHARGE);
    CU_ASSERT_TRUE(consistent());
    CU_ASSERT_EQUAL(op(PX_MAP_OP_UNMAP, 0, 0, 0, 1000, 0), PX_OK); /* unmapping needs nothing */
    CU_ASSERT_EQUAL(task.quota.used, 0);
    CU_ASSERT_TRUE(consistent());
    teardown_world();
}

/* The page tables fail half-way: the range is left empty (as documented), the records agree. */
static void test_vm_pagetable_failure(void)
{
    setup_world(1 << 20);
    CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1, 10, 0, 20, R), PX_OK);
    fail_after = 5;
    struct px_map_op o = {PX_MAP_OP_MAP, 2, WIN_BASE + 15 * PAGE_SIZE, 0, 10, R, 0};
    CU_ASSERT_EQUAL(vm_map_op(&task, &no_caps, &o), PX_ERR_NOMEM);
    for (unsigned p = 15; p < 25; p++)
        model[p] = (struct page_model){0};
    CU_ASSERT_TRUE(consistent());
    fail_after = 3; /* continuing the first record, and failing: it is trimmed back */
    o = (struct px_map_op){PX_MAP_OP_MAP, 1, WIN_BASE + 15 * PAGE_SIZE, 5, 8, R, 0};
    CU_ASSERT_EQUAL(vm_map_op(&task, &no_caps, &o), PX_ERR_NOMEM);
    CU_ASSERT_EQUAL(task.maps.count, 2);
    CU_ASSERT_TRUE(consistent());
    fail_after = -1;
    teardown_world();
}

/* Random operations on a small window, each checked against the model. */
static void test_vm_random(void)
{
    enum { SPAN = 256, OPS = 20000 };

    setup_world(1 << 20);
    for (unsigned i = 0; i < OPS; i++) {
        uint64_t page = rnd() % SPAN, pages = 1 + rnd() % (rnd() % 4 == 0 ? 64 : 4);
        unsigned kind = 1 + (unsigned)(rnd() % 3), slot = 1 + (unsigned)(rnd() % 3);
        unsigned prot = rnd() % 2 ? R : RW;
        uint64_t frame_page = rnd() % 2 ? page : rnd() % 1024;
        int want = PX_OK, st;

        if (kind == PX_MAP_OP_MAP && slot == 3)
            prot = R;
        if (kind == PX_MAP_OP_PROTECT && model_refuses_protect(page, pages, prot))
            want = PX_ERR_RIGHTS;
        st = op(kind, slot, page, frame_page, pages, prot);
        CU_ASSERT_EQUAL(st, want);
        if (i % 16 == 0 || st != want) {
            bool ok = consistent();
            CU_ASSERT_TRUE(ok);
            if (!ok || st != want) {
                fprintf(stderr, "random op %u (kind %u slot %u page %llu pages %llu): status %d, want %d\n", i,
                        kind, slot, (unsigned long long)page, (unsigned long long)pages, st, want);
                break;
            }
        }
    }
    CU_ASSERT_TRUE(consistent());
    teardown_world();
}

/* Destroying a frame removes its records (and their pages) from the tree, and no others. */
static void test_vm_frame_destroy(void)
{
    setup_world(1 << 20);
    for (unsigned i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(op(PX_MAP_OP_MAP, 1 + i % 2, 3ull * i, i, 2, R), PX_OK);
    CU_ASSERT_EQUAL(task.maps.count, 100);
    frame_destroy(frames[1]);
    for (unsigned i = 0; i < 100; i += 2)
        model[3 * i] = model[3 * i + 1] = (struct page_model){0};
    CU_ASSERT_EQUAL(task.maps.count, 50);
    CU_ASSERT_TRUE(list_empty(&frames[1]->mappings));
    CU_ASSERT_TRUE(consistent());
    teardown_world();
}

static CU_TestInfo vm_tests[] = {
    {"tree: 65,536 ranges in random and ascending order", test_tree_scale},
    {"tree: the check sees a broken tree", test_tree_check_fails},
    {"vm: 65,536 separate mappings", test_vm_many},
    {"vm: unmap splits and trims records", test_vm_split},
    {"vm: continuing mappings join records", test_vm_merge},
    {"vm: no memory for a record changes nothing", test_vm_nomem},
    {"vm: a page-table failure leaves the range empty", test_vm_pagetable_failure},
    {"vm: random operations against a model", test_vm_random},
    {"vm: destroying a frame removes its records", test_vm_frame_destroy},
    CU_TEST_INFO_NULL,
};

void register_vm_suite(void) { cunit_tap_add_suite("vm", vm_tests); }
