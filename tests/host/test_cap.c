/*
 * Unit tests for the capability tables (<core/cap.h>, core/cap.c) and the kernel-memory quotas
 * (quota_charge / quota_refund and the transfers quota_give / quota_take in <core/object.h>).
 *
 * The objects are plain struct kobj values with a type and a reference count; this file provides
 * kobj_release(), which the kernel calls when the last reference goes, and records every call so the
 * tests can say exactly when an object is released (it also checks that no slot names the object any
 * more). Each test starts from two empty tables (A and B) and four live objects that hold one reference
 * each (the test's own, as kobj_alloc would give).
 *
 * cap.c promises that a failing call changes nothing: every expected failure goes through
 * CHECK_FAILS(), which snapshots both tables, every reference count and the release log, makes the
 * call, checks the status and then checks that the snapshot still matches.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <core/cap.h>
#include <proteus/caps.h>
#include <proteus/status.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define NSLOTS 8
#define NOBJS 4
#define MAX_RELEASED 16

static struct cap slots_a[NSLOTS], slots_b[NSLOTS];
static struct cap_table ta, tb;

/* The objects: an endpoint, a notification, a frame and a thread. */
static struct kobj objs[NOBJS];
static struct kobj *const ep = &objs[0];
static struct kobj *const ntfn = &objs[1];
static struct kobj *const frame = &objs[2];
static struct kobj *const thread = &objs[3];

static struct kobj *released[MAX_RELEASED];
static unsigned nreleased;

/* By the time an object is released no cap may name it any more: its memory is about to go. */
void kobj_release(struct kobj *o)
{
    CU_ASSERT_EQUAL(o->refs, 0);
    for (unsigned i = 0; i < NSLOTS; i++) {
        CU_ASSERT_PTR_NOT_EQUAL(slots_a[i].obj, o);
        CU_ASSERT_PTR_NOT_EQUAL(slots_b[i].obj, o);
    }
    if (nreleased < MAX_RELEASED)
        released[nreleased] = o;
    nreleased++;
}

static void setup(void)
{
    static const uint8_t types[NOBJS] = {PX_OBJ_ENDPOINT, PX_OBJ_NOTIFICATION, PX_OBJ_FRAME, PX_OBJ_THREAD};

    memset(slots_a, 0, sizeof(slots_a));
    memset(slots_b, 0, sizeof(slots_b));
    ta = (struct cap_table){.slots = slots_a, .size = NSLOTS};
    tb = (struct cap_table){.slots = slots_b, .size = NSLOTS};
    memset(objs, 0, sizeof(objs));
    for (unsigned i = 0; i < NOBJS; i++) {
        objs[i].type = types[i];
        objs[i].refs = 1;
    }
    memset(released, 0, sizeof(released));
    nreleased = 0;
}

struct snapshot {
    struct cap a[NSLOTS], b[NSLOTS];
    struct kobj objs[NOBJS];
    unsigned nreleased;
};

static void snap_take(struct snapshot *s)
{
    memcpy(s->a, slots_a, sizeof(slots_a));
    memcpy(s->b, slots_b, sizeof(slots_b));
    memcpy(s->objs, objs, sizeof(objs));
    s->nreleased = nreleased;
}

static bool snap_same(const struct snapshot *s)
{
    return !memcmp(s->a, slots_a, sizeof(slots_a)) && !memcmp(s->b, slots_b, sizeof(slots_b)) &&
           !memcmp(s->objs, objs, sizeof(objs)) && s->nreleased == nreleased && ta.slots == slots_a &&
           ta.size == NSLOTS && tb.slots == slots_b && tb.size == NSLOTS;
}

/* A call that must fail with `status` and leave both tables, every object and the release log alone. */
#define CHECK_FAILS(call, status)                                                                            \
    do {                                                                                                     \
        struct snapshot snap_;                                                                               \
        snap_take(&snap_);                                                                                   \
        CU_ASSERT_EQUAL((call), (status));                                                                   \
        CU_ASSERT_TRUE(snap_same(&snap_));                                                                   \
    } while (0)

static void check_slot(const struct cap *c, const struct kobj *o, uint32_t rights, uint64_t badge)
{
    CU_ASSERT_PTR_EQUAL(c->obj, o);
    CU_ASSERT_EQUAL(c->rights, rights);
    CU_ASSERT_EQUAL(c->badge, badge);
}

static void test_lookup_bad_slot(void)
{
    static struct cap sentinel;
    struct cap *out = &sentinel;

    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_ALL, 0), PX_OK);
    /* Slot 0 is "no cap" even if something were stored there. */
    slots_a[0] = (struct cap){.obj = frame, .rights = PX_R_ALL};
    CHECK_FAILS(cap_lookup(&ta, PX_CAP_NULL, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    slots_a[0] = (struct cap){0};
    CHECK_FAILS(cap_lookup(&ta, PX_CAP_NULL, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    /* Out of range, including values that would alias a valid slot if truncated to 32 bits. */
    CHECK_FAILS(cap_lookup(&ta, NSLOTS, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    CHECK_FAILS(cap_lookup(&ta, NSLOTS + 1, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    CHECK_FAILS(cap_lookup(&ta, (1ull << 32) + 1, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    CHECK_FAILS(cap_lookup(&ta, UINT64_MAX, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    /* Empty slots, the last one included. */
    CHECK_FAILS(cap_lookup(&ta, 2, PX_OBJ_NONE, 0, &out), PX_ERR_CAP);
    CHECK_FAILS(cap_lookup(&ta, NSLOTS - 1, PX_OBJ_ENDPOINT, PX_R_READ, &out), PX_ERR_CAP);
    /* An empty table. */
    CHECK_FAILS(cap_lookup(&(struct cap_table){.slots = NULL, .size = 0}, 1, PX_OBJ_NONE, 0, &out),
                PX_ERR_CAP);
    CU_ASSERT_PTR_EQUAL(out, &sentinel);
}

static void test_lookup_ok(void)
{
    struct cap *out = NULL;

    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_READ | PX_R_WRITE, 5), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, NSLOTS - 1, frame, PX_R_READ, 0), PX_OK);

    CU_ASSERT_EQUAL(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, PX_R_READ | PX_R_WRITE, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_a[1]);
    out = NULL;
    CU_ASSERT_EQUAL(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, PX_R_WRITE, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_a[1]);
    out = NULL;
    CU_ASSERT_EQUAL(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, 0, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_a[1]);
    /* PX_OBJ_NONE matches any type. */
    out = NULL;
    CU_ASSERT_EQUAL(cap_lookup(&ta, 1, PX_OBJ_NONE, PX_R_READ, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_a[1]);
    out = NULL;
    CU_ASSERT_EQUAL(cap_lookup(&ta, NSLOTS - 1, PX_OBJ_NONE, 0, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_a[NSLOTS - 1]);
    CU_ASSERT_PTR_EQUAL(out->obj, frame);
    /* A lookup takes no reference. */
    CU_ASSERT_EQUAL(ep->refs, 2);
    CU_ASSERT_EQUAL(frame->refs, 2);
}

static void test_lookup_error_order(void)
{
    static struct cap sentinel;
    struct cap *out = &sentinel;

    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_READ, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, 2, frame, PX_R_READ | PX_R_EXEC, 0), PX_OK);

    /* Wrong type wins over missing rights; PX_OBJ_NONE never fails on type. */
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_NOTIFICATION, PX_R_WRITE, &out), PX_ERR_TYPE);
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_FRAME, 0, &out), PX_ERR_TYPE);
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, PX_R_WRITE, &out), PX_ERR_RIGHTS);
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_NONE, PX_R_WRITE, &out), PX_ERR_RIGHTS);
    /* Every right asked for must be there, not just one of them. */
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, PX_R_READ | PX_R_WRITE, &out), PX_ERR_RIGHTS);
    CHECK_FAILS(cap_lookup(&ta, 2, PX_OBJ_FRAME, PX_R_READ | PX_R_WRITE | PX_R_EXEC, &out), PX_ERR_RIGHTS);
    CHECK_FAILS(cap_lookup(&ta, 2, PX_OBJ_FRAME, PX_R_MANAGE, &out), PX_ERR_RIGHTS);

    /* A dead object is revoked, whatever the type and rights asked for. */
    ep->dead = true;
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, PX_R_READ, &out), PX_ERR_REVOKED);
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_NONE, 0, &out), PX_ERR_REVOKED);
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_FRAME, PX_R_ALL, &out), PX_ERR_REVOKED);
    CHECK_FAILS(cap_lookup(&ta, 1, PX_OBJ_ENDPOINT, PX_R_MANAGE, &out), PX_ERR_REVOKED);
    /* ... but an empty or invalid slot is still PX_ERR_CAP. */
    CHECK_FAILS(cap_lookup(&ta, 3, PX_OBJ_ENDPOINT, 0, &out), PX_ERR_CAP);
    CHECK_FAILS(cap_lookup(&ta, 0, PX_OBJ_ENDPOINT, 0, &out), PX_ERR_CAP);
    CU_ASSERT_PTR_EQUAL(out, &sentinel);
    /* The other cap is unaffected. */
    CU_ASSERT_EQUAL(cap_lookup(&ta, 2, PX_OBJ_FRAME, PX_R_EXEC, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_a[2]);
}

static void test_install(void)
{
    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_READ | PX_R_WRITE, 0x1234), PX_OK);
    check_slot(&slots_a[1], ep, PX_R_READ | PX_R_WRITE, 0x1234);
    CU_ASSERT_EQUAL(ep->refs, 2);
    /* Rights outside PX_R_ALL are dropped. */
    CU_ASSERT_EQUAL(cap_install(&ta, 2, frame, 0xffffffffu, 0), PX_OK);
    check_slot(&slots_a[2], frame, PX_R_ALL, 0);
    CU_ASSERT_EQUAL(frame->refs, 2);
    /* The same object twice: one reference per cap. */
    CU_ASSERT_EQUAL(cap_install(&ta, NSLOTS - 1, ep, PX_R_READ, 0), PX_OK);
    CU_ASSERT_EQUAL(ep->refs, 3);

    CHECK_FAILS(cap_install(&ta, PX_CAP_NULL, ntfn, PX_R_ALL, 0), PX_ERR_CAP);
    CHECK_FAILS(cap_install(&ta, NSLOTS, ntfn, PX_R_ALL, 0), PX_ERR_CAP);
    CHECK_FAILS(cap_install(&ta, UINT64_MAX, ntfn, PX_R_ALL, 0), PX_ERR_CAP);
    CHECK_FAILS(cap_install(&ta, (1ull << 32) + 3, ntfn, PX_R_ALL, 0), PX_ERR_CAP);
    /* Occupied, by another object or by the same one. */
    CHECK_FAILS(cap_install(&ta, 1, ntfn, PX_R_ALL, 0), PX_ERR_SLOT_FULL);
    CHECK_FAILS(cap_install(&ta, 1, ep, PX_R_ALL, 7), PX_ERR_SLOT_FULL);
    CU_ASSERT_EQUAL(ep->refs, 3);
    CU_ASSERT_EQUAL(ntfn->refs, 1);
    CU_ASSERT_EQUAL(nreleased, 0);
}

static void test_copy(void)
{
    struct cap *out;

    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_READ | PX_R_WRITE | PX_R_GRANT, 77), PX_OK);

    /* Within a table: rights & mask, same object, same badge, one more reference. */
    CU_ASSERT_EQUAL(cap_copy(&ta, 1, &ta, 2, PX_R_WRITE), PX_OK);
    check_slot(&slots_a[2], ep, PX_R_WRITE, 77);
    check_slot(&slots_a[1], ep, PX_R_READ | PX_R_WRITE | PX_R_GRANT, 77);
    CU_ASSERT_EQUAL(ep->refs, 3);
    /* A mask never adds rights. */
    CU_ASSERT_EQUAL(cap_copy(&ta, 1, &ta, 3, PX_R_ALL), PX_OK);
    check_slot(&slots_a[3], ep, PX_R_READ | PX_R_WRITE | PX_R_GRANT, 77);
    CU_ASSERT_EQUAL(cap_copy(&ta, 1, &ta, 4, 0xffffffffu), PX_OK);
    check_slot(&slots_a[4], ep, PX_R_READ | PX_R_WRITE | PX_R_GRANT, 77);
    CU_ASSERT_EQUAL(cap_copy(&ta, 1, &ta, 5, PX_R_MANAGE | PX_R_EXEC), PX_OK);
    check_slot(&slots_a[5], ep, 0, 77);
    CU_ASSERT_EQUAL(ep->refs, 6);

    /* Into another table, to the same slot number and another one. */
    CU_ASSERT_EQUAL(cap_copy(&ta, 1, &tb, 1, PX_R_READ | PX_R_GRANT), PX_OK);
    check_slot(&slots_b[1], ep, PX_R_READ | PX_R_GRANT, 77);
    CU_ASSERT_EQUAL(cap_copy(&ta, 2, &tb, NSLOTS - 1, PX_R_ALL), PX_OK);
    check_slot(&slots_b[NSLOTS - 1], ep, PX_R_WRITE, 77);
    CU_ASSERT_EQUAL(ep->refs, 8);
    CU_ASSERT_EQUAL(cap_lookup(&tb, 1, PX_OBJ_ENDPOINT, PX_R_READ, &out), PX_OK);
    CU_ASSERT_PTR_EQUAL(out, &slots_b[1]);
    CU_ASSERT_EQUAL(cap_lookup(&tb, NSLOTS - 1, PX_OBJ_ENDPOINT, PX_R_READ, &out), PX_ERR_RIGHTS);
    CU_ASSERT_EQUAL(nreleased, 0);
}

static void test_copy_errors(void)
{
    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_ALL, 3), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, 2, frame, PX_R_READ, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&tb, 2, ntfn, PX_R_ALL, 0), PX_OK);

    /* Bad source slot: null, out of range, empty. */
    CHECK_FAILS(cap_copy(&ta, PX_CAP_NULL, &tb, 1, PX_R_ALL), PX_ERR_CAP);
    CHECK_FAILS(cap_copy(&ta, NSLOTS, &tb, 1, PX_R_ALL), PX_ERR_CAP);
    CHECK_FAILS(cap_copy(&ta, UINT64_MAX, &tb, 1, PX_R_ALL), PX_ERR_CAP);
    CHECK_FAILS(cap_copy(&ta, 3, &tb, 1, PX_R_ALL), PX_ERR_CAP);
    /* Bad destination slot: null, out of range. */
    CHECK_FAILS(cap_copy(&ta, 1, &tb, PX_CAP_NULL, PX_R_ALL), PX_ERR_CAP);
    CHECK_FAILS(cap_copy(&ta, 1, &tb, NSLOTS, PX_R_ALL), PX_ERR_CAP);
    CHECK_FAILS(cap_copy(&ta, 1, &tb, (1ull << 32) + 1, PX_R_ALL), PX_ERR_CAP);
    /* Destination in use, in the other table and in the same one (the source itself included). */
    CHECK_FAILS(cap_copy(&ta, 1, &tb, 2, PX_R_ALL), PX_ERR_SLOT_FULL);
    CHECK_FAILS(cap_copy(&ta, 1, &ta, 2, PX_R_ALL), PX_ERR_SLOT_FULL);
    CHECK_FAILS(cap_copy(&ta, 1, &ta, 1, PX_R_ALL), PX_ERR_SLOT_FULL);
    /* A dead source is revoked; that is checked before the destination is found full. */
    ep->dead = true;
    CHECK_FAILS(cap_copy(&ta, 1, &tb, 1, PX_R_ALL), PX_ERR_REVOKED);
    CHECK_FAILS(cap_copy(&ta, 1, &tb, 2, PX_R_ALL), PX_ERR_REVOKED);
    CHECK_FAILS(cap_copy(&ta, 1, &ta, 3, PX_R_READ), PX_ERR_REVOKED);
    /* ... but a bad destination slot is still PX_ERR_CAP. */
    CHECK_FAILS(cap_copy(&ta, 1, &tb, PX_CAP_NULL, PX_R_ALL), PX_ERR_CAP);
    CU_ASSERT_EQUAL(ep->refs, 2);
    CU_ASSERT_EQUAL(frame->refs, 2);
    CU_ASSERT_EQUAL(ntfn->refs, 2);
}

static void test_rights_chain(void)
{
    struct cap_table *t[5] = {&ta, &tb, &ta, &tb, &ta};
    const uint64_t slot[5] = {1, 1, 2, 2, 3};
    const uint32_t mask[4] = {PX_R_READ | PX_R_WRITE | PX_R_GRANT | PX_R_MANAGE,
                              PX_R_WRITE | PX_R_GRANT | PX_R_EXEC | PX_R_MANAGE, PX_R_ALL,
                              PX_R_GRANT | PX_R_READ};
    uint32_t expect = PX_R_ALL;

    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, frame, PX_R_ALL, 0), PX_OK);
    /* Each copy is made from the previous copy: its rights are the intersection of every mask so far. */
    for (unsigned i = 0; i < 4; i++) {
        expect &= mask[i];
        CU_ASSERT_EQUAL(cap_copy(t[i], slot[i], t[i + 1], slot[i + 1], mask[i]), PX_OK);
        check_slot(&t[i + 1]->slots[slot[i + 1]], frame, expect, 0);
    }
    CU_ASSERT_EQUAL(slots_b[1].rights, PX_R_READ | PX_R_WRITE | PX_R_GRANT | PX_R_MANAGE);
    CU_ASSERT_EQUAL(slots_a[2].rights, PX_R_WRITE | PX_R_GRANT | PX_R_MANAGE);
    CU_ASSERT_EQUAL(slots_b[2].rights, PX_R_WRITE | PX_R_GRANT | PX_R_MANAGE);
    CU_ASSERT_EQUAL(slots_a[3].rights, PX_R_GRANT);
    /* Rights lost on the way never come back, even copying again with everything. */
    CU_ASSERT_EQUAL(cap_copy(&ta, 3, &tb, 3, PX_R_ALL), PX_OK);
    check_slot(&slots_b[3], frame, PX_R_GRANT, 0);
    CU_ASSERT_EQUAL(cap_copy(&tb, 3, &tb, 4, PX_R_READ), PX_OK);
    check_slot(&slots_b[4], frame, 0, 0);
    CU_ASSERT_EQUAL(cap_copy(&tb, 4, &ta, 4, PX_R_ALL), PX_OK);
    check_slot(&slots_a[4], frame, 0, 0);
    /* The ancestors are unchanged. */
    check_slot(&slots_a[1], frame, PX_R_ALL, 0);
    CU_ASSERT_EQUAL(frame->refs, 9);
}

static void test_mint(void)
{
    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_READ | PX_R_WRITE, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, 2, ntfn, PX_R_ALL, 0), PX_OK);

    CU_ASSERT_EQUAL(cap_mint(&ta, 1, 3, PX_R_WRITE | PX_R_GRANT, 42), PX_OK);
    check_slot(&slots_a[3], ep, PX_R_WRITE, 42);
    check_slot(&slots_a[1], ep, PX_R_READ | PX_R_WRITE, 0);
    CU_ASSERT_EQUAL(ep->refs, 3);
    CU_ASSERT_EQUAL(cap_mint(&ta, 1, 4, PX_R_ALL, UINT64_MAX), PX_OK);
    check_slot(&slots_a[4], ep, PX_R_READ | PX_R_WRITE, UINT64_MAX);
    CU_ASSERT_EQUAL(cap_mint(&ta, 2, 5, PX_R_WRITE, 0x8000), PX_OK);
    check_slot(&slots_a[5], ntfn, PX_R_WRITE, 0x8000);
    CU_ASSERT_EQUAL(ntfn->refs, 3);

    /* The badge travels with copies, into another table too. */
    CU_ASSERT_EQUAL(cap_copy(&ta, 3, &tb, 1, PX_R_ALL), PX_OK);
    check_slot(&slots_b[1], ep, PX_R_WRITE, 42);

    /* Badge 0 is no badge; a badged cap cannot be re-badged, nor can its copies. */
    CHECK_FAILS(cap_mint(&ta, 1, 6, PX_R_ALL, 0), PX_ERR_INVAL);
    CHECK_FAILS(cap_mint(&ta, 3, 6, PX_R_ALL, 43), PX_ERR_INVAL);
    CHECK_FAILS(cap_mint(&ta, 3, 6, PX_R_ALL, 42), PX_ERR_INVAL);
    CHECK_FAILS(cap_mint(&tb, 1, 2, PX_R_ALL, 1), PX_ERR_INVAL);
    CHECK_FAILS(cap_mint(&ta, 5, 6, PX_R_ALL, 1), PX_ERR_INVAL);
    /* Only endpoints and notifications take badges; the type is checked before the badge. Table A is full
     * now, so the frame and thread caps are copied into B, whose slot 2 is free. */
    CU_ASSERT_EQUAL(cap_install(&ta, 6, frame, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, 7, thread, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_copy(&ta, 6, &tb, 6, PX_R_ALL), PX_OK);
    CU_ASSERT_EQUAL(cap_copy(&ta, 7, &tb, 7, PX_R_ALL), PX_OK);
    CHECK_FAILS(cap_mint(&tb, 6, 2, PX_R_ALL, 9), PX_ERR_TYPE);
    CHECK_FAILS(cap_mint(&tb, 7, 2, PX_R_ALL, 9), PX_ERR_TYPE);
    CHECK_FAILS(cap_mint(&tb, 6, 2, PX_R_ALL, 0), PX_ERR_TYPE);
    CHECK_FAILS(cap_mint(&ta, 6, 2, PX_R_ALL, 9), PX_ERR_TYPE); /* ... and before the destination */
    CHECK_FAILS(cap_mint(&ta, 6, PX_CAP_NULL, PX_R_ALL, 9), PX_ERR_CAP);
    /* Bad slots. */
    CHECK_FAILS(cap_mint(&tb, PX_CAP_NULL, 2, PX_R_ALL, 9), PX_ERR_CAP);
    CHECK_FAILS(cap_mint(&tb, 2, 3, PX_R_ALL, 9), PX_ERR_CAP);
    CHECK_FAILS(cap_mint(&tb, NSLOTS, 2, PX_R_ALL, 9), PX_ERR_CAP);
    CHECK_FAILS(cap_mint(&ta, 1, PX_CAP_NULL, PX_R_ALL, 9), PX_ERR_CAP);
    CHECK_FAILS(cap_mint(&ta, 1, UINT64_MAX, PX_R_ALL, 9), PX_ERR_CAP);
    /* A full destination, and a dead source (revoked before anything else about it). */
    CHECK_FAILS(cap_mint(&ta, 1, 2, PX_R_ALL, 9), PX_ERR_SLOT_FULL);
    CHECK_FAILS(cap_mint(&ta, 1, 1, PX_R_ALL, 9), PX_ERR_SLOT_FULL);
    ep->dead = true;
    CU_ASSERT_EQUAL(cap_copy(&ta, 2, &tb, 2, PX_R_ALL), PX_OK); /* tb: 1 = badged ep, 2 = ntfn */
    CHECK_FAILS(cap_mint(&ta, 1, 2, PX_R_ALL, 9), PX_ERR_REVOKED);
    CHECK_FAILS(cap_mint(&tb, 1, 3, PX_R_ALL, 9), PX_ERR_REVOKED);
    CHECK_FAILS(cap_mint(&tb, 1, 3, PX_R_ALL, 0), PX_ERR_REVOKED);
    frame->dead = true;
    CHECK_FAILS(cap_mint(&tb, 6, 3, PX_R_ALL, 9), PX_ERR_REVOKED);
    CU_ASSERT_EQUAL(nreleased, 0);
}

static void test_delete_and_release(void)
{
    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_copy(&ta, 1, &tb, 1, PX_R_READ), PX_OK);
    CU_ASSERT_EQUAL(cap_mint(&ta, 1, 2, PX_R_WRITE, 5), PX_OK);
    CU_ASSERT_EQUAL(ep->refs, 4);

    /* Bad slots. */
    CHECK_FAILS(cap_delete(&ta, PX_CAP_NULL), PX_ERR_CAP);
    CHECK_FAILS(cap_delete(&ta, NSLOTS), PX_ERR_CAP);
    CHECK_FAILS(cap_delete(&ta, UINT64_MAX), PX_ERR_CAP);
    CHECK_FAILS(cap_delete(&ta, 3), PX_ERR_CAP);
    CHECK_FAILS(cap_delete(&tb, 2), PX_ERR_CAP);

    /* The creator's own reference goes first: the caps keep the object. */
    kobj_put(ep);
    CU_ASSERT_EQUAL(ep->refs, 3);
    CU_ASSERT_EQUAL(cap_delete(&ta, 1), PX_OK);
    check_slot(&slots_a[1], NULL, 0, 0);
    CU_ASSERT_EQUAL(ep->refs, 2);
    CU_ASSERT_EQUAL(nreleased, 0);
    /* Deleting again: the slot is empty now. */
    CHECK_FAILS(cap_delete(&ta, 1), PX_ERR_CAP);
    CU_ASSERT_EQUAL(cap_delete(&tb, 1), PX_OK);
    CU_ASSERT_EQUAL(ep->refs, 1);
    CU_ASSERT_EQUAL(nreleased, 0);
    /* The last reference: released now, exactly once. */
    CU_ASSERT_EQUAL(cap_delete(&ta, 2), PX_OK);
    CU_ASSERT_EQUAL(ep->refs, 0);
    CU_ASSERT_EQUAL(nreleased, 1);
    CU_ASSERT_PTR_EQUAL(released[0], ep);
    for (unsigned i = 1; i < NSLOTS; i++) {
        CU_ASSERT_PTR_NULL(slots_a[i].obj);
        CU_ASSERT_PTR_NULL(slots_b[i].obj);
    }

    /* A dead object's caps can still be deleted (that is how its holders let it go). */
    CU_ASSERT_EQUAL(cap_install(&tb, 3, frame, PX_R_READ, 0), PX_OK);
    kobj_put(frame);
    frame->dead = true;
    CU_ASSERT_EQUAL(nreleased, 1);
    CU_ASSERT_EQUAL(cap_delete(&tb, 3), PX_OK);
    CU_ASSERT_EQUAL(nreleased, 2);
    CU_ASSERT_PTR_EQUAL(released[1], frame);
    /* The others were never touched. */
    CU_ASSERT_EQUAL(ntfn->refs, 1);
    CU_ASSERT_EQUAL(thread->refs, 1);
}

static void test_table_clear(void)
{
    setup();
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_mint(&ta, 1, 2, PX_R_WRITE, 9), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, 4, ntfn, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, NSLOTS - 1, frame, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_copy(&ta, 4, &tb, 1, PX_R_READ), PX_OK);
    /* The endpoint and frame are held only by table A; the notification also by B; the thread by nobody. */
    kobj_put(ep);
    kobj_put(frame);
    kobj_put(ntfn);
    CU_ASSERT_EQUAL(nreleased, 0);

    cap_table_clear(&ta);
    for (unsigned i = 0; i < NSLOTS; i++)
        check_slot(&slots_a[i], NULL, 0, 0);
    CU_ASSERT_EQUAL(nreleased, 2);
    CU_ASSERT_TRUE((released[0] == ep && released[1] == frame) ||
                   (released[0] == frame && released[1] == ep));
    CU_ASSERT_EQUAL(ep->refs, 0);
    CU_ASSERT_EQUAL(frame->refs, 0);
    CU_ASSERT_EQUAL(ntfn->refs, 1);
    CU_ASSERT_EQUAL(thread->refs, 1);
    check_slot(&slots_b[1], ntfn, PX_R_READ, 0);

    /* Clearing an empty table (again) does nothing. */
    cap_table_clear(&ta);
    CU_ASSERT_EQUAL(nreleased, 2);
    cap_table_clear(&tb);
    CU_ASSERT_EQUAL(nreleased, 3);
    CU_ASSERT_PTR_EQUAL(released[2], ntfn);
    CU_ASSERT_PTR_NULL(slots_b[1].obj);
    cap_table_clear(&(struct cap_table){.slots = NULL, .size = 0});
    cap_table_clear(&(struct cap_table){.slots = slots_b, .size = 1});
    CU_ASSERT_EQUAL(nreleased, 3);
}

static void test_quota(void)
{
    struct quota q = {.limit = 4096, .used = 0};
    struct quota z = {.limit = 0, .used = 0};

    CU_ASSERT_TRUE(quota_charge(&q, 1000));
    CU_ASSERT_EQUAL(q.used, 1000);
    CU_ASSERT_TRUE(quota_charge(&q, 0));
    CU_ASSERT_EQUAL(q.used, 1000);
    /* Up to the limit exactly. */
    CU_ASSERT_TRUE(quota_charge(&q, 3096));
    CU_ASSERT_EQUAL(q.used, 4096);
    CU_ASSERT_EQUAL(q.limit, 4096);
    /* One byte more fails and changes nothing; so does a charge that would wrap around. */
    CU_ASSERT_FALSE(quota_charge(&q, 1));
    CU_ASSERT_FALSE(quota_charge(&q, UINT64_MAX));
    CU_ASSERT_EQUAL(q.used, 4096);
    CU_ASSERT_TRUE(quota_charge(&q, 0));
    CU_ASSERT_EQUAL(q.used, 4096);

    quota_refund(&q, 96);
    CU_ASSERT_EQUAL(q.used, 4000);
    CU_ASSERT_FALSE(quota_charge(&q, 97));
    CU_ASSERT_EQUAL(q.used, 4000);
    CU_ASSERT_TRUE(quota_charge(&q, 96));
    CU_ASSERT_EQUAL(q.used, 4096);
    quota_refund(&q, 4096);
    CU_ASSERT_EQUAL(q.used, 0);
    /* A refund of more than was used stops at 0. */
    CU_ASSERT_TRUE(quota_charge(&q, 10));
    quota_refund(&q, 11);
    CU_ASSERT_EQUAL(q.used, 0);
    quota_refund(&q, UINT64_MAX);
    CU_ASSERT_EQUAL(q.used, 0);
    CU_ASSERT_EQUAL(q.limit, 4096);
    /* With nothing used, the whole limit is there, and nothing above it. */
    CU_ASSERT_FALSE(quota_charge(&q, 4097));
    CU_ASSERT_EQUAL(q.used, 0);
    CU_ASSERT_TRUE(quota_charge(&q, 4096));

    /* A zero limit takes only zero-byte charges. */
    CU_ASSERT_FALSE(quota_charge(&z, 1));
    CU_ASSERT_FALSE(quota_charge(&z, UINT64_MAX));
    CU_ASSERT_TRUE(quota_charge(&z, 0));
    CU_ASSERT_EQUAL(z.used, 0);
    quota_refund(&z, 5);
    CU_ASSERT_EQUAL(z.used, 0);
    CU_ASSERT_EQUAL(z.limit, 0);

    /* The largest possible quota. */
    z.limit = UINT64_MAX;
    CU_ASSERT_TRUE(quota_charge(&z, UINT64_MAX - 1));
    CU_ASSERT_FALSE(quota_charge(&z, 2));
    CU_ASSERT_TRUE(quota_charge(&z, 1));
    CU_ASSERT_EQUAL(z.used, UINT64_MAX);
    CU_ASSERT_FALSE(quota_charge(&z, 1));
}

/* A table grows into a bigger array: caps and references move, new slots are empty and usable. */
static void test_table_move(void)
{
    struct cap big[3 * NSLOTS], *old;

    setup();
    memset(big, 0xa5, sizeof(big)); /* whatever was there must not show through */
    CU_ASSERT_EQUAL(cap_install(&ta, 1, ep, PX_R_ALL, 0), PX_OK);
    CU_ASSERT_EQUAL(cap_mint(&ta, 1, NSLOTS - 1, PX_R_WRITE, 42), PX_OK);
    CU_ASSERT_EQUAL(cap_install(&ta, 3, frame, PX_R_READ, 0), PX_OK);
    old = cap_table_move(&ta, big, 3 * NSLOTS);
    CU_ASSERT_PTR_EQUAL(old, slots_a);
    CU_ASSERT_PTR_EQUAL(ta.slots, big);
    CU_ASSERT_EQUAL(ta.size, 3 * NSLOTS);
    memset(slots_a, 0, sizeof(slots_a)); /* the caller frees the old array */
    check_slot(&big[1], ep, PX_R_ALL, 0);
    check_slot(&big[NSLOTS - 1], ep, PX_R_WRITE, 42);
    check_slot(&big[3], frame, PX_R_READ, 0);
    CU_ASSERT_PTR_NULL(big[0].obj);
    for (unsigned i = NSLOTS; i < 3 * NSLOTS; i++)
        check_slot(&big[i], NULL, 0, 0);
    CU_ASSERT_EQUAL(ep->refs, 3);
    CU_ASSERT_EQUAL(frame->refs, 2);
    CU_ASSERT_EQUAL(nreleased, 0);
    /* The new slots, the last one included, work like any other; beyond them is out of range. */
    CU_ASSERT_EQUAL(cap_copy(&ta, NSLOTS - 1, &ta, 3 * NSLOTS - 1, PX_R_ALL), PX_OK);
    check_slot(&big[3 * NSLOTS - 1], ep, PX_R_WRITE, 42);
    CU_ASSERT_EQUAL(cap_install(&ta, 3 * NSLOTS, ntfn, PX_R_ALL, 0), PX_ERR_CAP);
    CU_ASSERT_EQUAL(cap_delete(&ta, 1), PX_OK);
    cap_table_clear(&ta);
    CU_ASSERT_EQUAL(ep->refs, 1);
    CU_ASSERT_EQUAL(frame->refs, 1);
    CU_ASSERT_EQUAL(nreleased, 0);
    ta = (struct cap_table){.slots = slots_a, .size = NSLOTS};
}

/* Transfers between a creator's quota and its child's: no quota ever ends up using more than its limit. */
static void test_quota_transfer(void)
{
    struct quota parent = {.limit = 10000, .used = 2000}, child = {.limit = 2000, .used = 0};

    /* The child's 2000 were carved from the parent (its used includes them). */
    CU_ASSERT_TRUE(quota_charge(&child, 1500));
    CU_ASSERT_TRUE(quota_give(&parent, &child, 3000));
    CU_ASSERT_EQUAL(parent.used, 5000);
    CU_ASSERT_EQUAL(child.limit, 5000);
    CU_ASSERT_TRUE(quota_charge(&child, 3500));
    CU_ASSERT_FALSE(quota_charge(&child, 1));
    /* More than the parent has unused: nothing moves. */
    CU_ASSERT_FALSE(quota_give(&parent, &child, 5001));
    CU_ASSERT_FALSE(quota_give(&parent, &child, UINT64_MAX));
    CU_ASSERT_EQUAL(parent.used, 5000);
    CU_ASSERT_EQUAL(child.limit, 5000);
    /* Taking back: only what the child does not use. */
    CU_ASSERT_FALSE(quota_take(&parent, &child, 1));
    quota_refund(&child, 1000);
    CU_ASSERT_FALSE(quota_take(&parent, &child, 1001));
    CU_ASSERT_FALSE(quota_take(&parent, &child, UINT64_MAX));
    CU_ASSERT_EQUAL(child.limit, 5000);
    CU_ASSERT_TRUE(quota_take(&parent, &child, 1000));
    CU_ASSERT_EQUAL(child.limit, 4000);
    CU_ASSERT_EQUAL(child.used, 4000);
    CU_ASSERT_EQUAL(parent.used, 4000);
    CU_ASSERT_TRUE(quota_take(&parent, &child, 0));
    /* The parent spends what came back; its own limit never moves. */
    CU_ASSERT_TRUE(quota_charge(&parent, 6000));
    CU_ASSERT_FALSE(quota_give(&parent, &child, 1));
    CU_ASSERT_EQUAL(parent.limit, 10000);
    /* A child limit near the top of the range cannot wrap around. */
    parent = (struct quota){.limit = UINT64_MAX, .used = 0};
    child = (struct quota){.limit = UINT64_MAX - 5, .used = 0};
    CU_ASSERT_FALSE(quota_give(&parent, &child, 6));
    CU_ASSERT_EQUAL(parent.used, 0);
    CU_ASSERT_TRUE(quota_give(&parent, &child, 5));
    CU_ASSERT_EQUAL(child.limit, UINT64_MAX);
    /* A take can never refund a parent more than it was charged. */
    parent = (struct quota){.limit = 100, .used = 10};
    child = (struct quota){.limit = 50, .used = 0};
    CU_ASSERT_FALSE(quota_take(&parent, &child, 20));
    CU_ASSERT_EQUAL(child.limit, 50);
}

static const CU_TestInfo cap_tests[] = {
    {"lookup of slot 0, out-of-range and empty slots is PX_ERR_CAP", test_lookup_bad_slot},
    {"lookup finds live caps with the type and rights asked for", test_lookup_ok},
    {"lookup errors come in order: revoked, type, rights", test_lookup_error_order},
    {"install takes a reference and refuses occupied or invalid slots", test_install},
    {"copy masks rights, keeps the badge and takes a reference", test_copy},
    {"failed copies change nothing", test_copy_errors},
    {"rights along a chain of copies are the intersection of the masks", test_rights_chain},
    {"mint badges only unbadged endpoint and notification caps", test_mint},
    {"delete drops the reference; release comes with the last one", test_delete_and_release},
    {"cap_table_clear empties every slot", test_table_clear},
    {"quota charge and refund", test_quota},
    {"a table grows: caps keep their slots and references, new slots are empty", test_table_move},
    {"quota give and take between a creator and its child", test_quota_transfer},
    CU_TEST_INFO_NULL,
};

void register_cap_suite(void) { cunit_tap_add_suite("cap", cap_tests); }
