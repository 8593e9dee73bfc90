/*
 * The client side of a virtual disk (abi/proteus/io/blk.h). It hides the disk server's restarts: every
 * request stays in a table until its response arrives, and when the server comes back with a new
 * generation, everything without a response is posted again (idempotent), so no acknowledged write is
 * lost and no request is forgotten.
 *
 * Notifications are batched and suppressed (PX_BLK_FEATURE_EVENT_IDX): libos_blk_post queues requests
 * without telling the server, libos_blk_push tells it once for all of them and only if it is idle, and
 * the server wakes this side only when libos_blk_complete is about to wait. Under TCG every signal that
 * switches address spaces flushes the emulator's TLB, so this is where the time goes.
 */
#include <libos/blk.h>
#include <string.h>

static void fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static bool restarted(struct libos_blk *b)
{
    return __atomic_load_n(&b->sh->generation, __ATOMIC_ACQUIRE) != b->generation &&
           __atomic_load_n(&b->sh->ready, __ATOMIC_ACQUIRE) == 1;
}

/* Tell the server about requests posted since the last time, if it asked to be told. */
static void notify(struct libos_blk *b, bool always)
{
    struct px_blk_shared *sh = b->sh;
    uint32_t prod = sh->req_prod;

    if (prod == b->req_notified && !always)
        return;
    fence(); /* req_prod is visible before we read req_event: the server's mirror image in serve() */
    if (always || !(__atomic_load_n(&sh->server_features, __ATOMIC_ACQUIRE) & PX_BLK_FEATURE_EVENT_IDX) ||
        px_blk_need_signal(prod, b->req_notified, __atomic_load_n(&sh->req_event, __ATOMIC_ACQUIRE))) {
        px_signal(b->signal);
        b->signals++;
    }
    b->req_notified = prod;
}

static void post(struct libos_blk *b, const struct px_blk_request *r)
{
    while (b->sh->req_prod - __atomic_load_n(&b->sh->req_cons, __ATOMIC_ACQUIRE) >= PX_BLK_RING) {
        notify(b, true);
        px_thread_yield();
    }
    b->sh->req[b->sh->req_prod % PX_BLK_RING] = *r;
    __atomic_store_n(&b->sh->req_prod, b->sh->req_prod + 1, __ATOMIC_RELEASE);
}

static void resubmit_all(struct libos_blk *b)
{
    b->generation = b->sh->generation;
    b->restarts++;
    for (unsigned i = 0; i < PX_BLK_RING; i++)
        if (b->slots[i].busy)
            post(b, &b->slots[i].req);
    notify(b, true); /* the new server may not have set its event index yet */
}

int libos_blk_open(struct libos_blk *b, const char *name)
{
    const struct libos_resource *sh = libos_resource(name, LIBOS_RES_SHARED);
    const struct libos_resource *sig = libos_resource(name, LIBOS_RES_NOTIFICATION);
    const struct libos_resource *wait = libos_resource(name, LIBOS_RES_WAIT);
    uint64_t bits;

    memset(b, 0, sizeof(*b));
    if (!sh || !sig || !wait || sh->size < PX_BLK_DATA_OFFSET + PX_BLK_DATA_SIZE)
        return PX_BLK_ERR_INVAL;
    b->sh = (struct px_blk_shared *)(uintptr_t)sh->va;
    b->data = (uint8_t *)(uintptr_t)sh->va + PX_BLK_DATA_OFFSET;
    b->signal = sig->cap;
    b->wait = wait->cap;
    while (__atomic_load_n(&b->sh->ready, __ATOMIC_ACQUIRE) == 0)
        px_wait(b->wait, &bits);
    if (b->sh->ready != 1)
        return PX_BLK_ERR_IO; /* the server could not serve this disk: it said why on its console */
    b->generation = b->sh->generation;
    b->sh->resp_cons = b->sh->resp_prod;
    b->sh->rsp_event = b->sh->resp_cons + 1;
    __atomic_store_n(&b->sh->client_features, PX_BLK_FEATURE_EVENT_IDX, __ATOMIC_RELEASE);
    b->req_notified = b->sh->req_prod;
    b->sectors = b->sh->sectors;
    return PX_BLK_OK;
}

int libos_blk_post(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, uint64_t offset,
                   uint64_t *id)
{
    unsigned slot = PX_BLK_RING;

    for (unsigned i = 0; i < PX_BLK_RING && slot == PX_BLK_RING; i++)
        if (!b->slots[i].busy)
            slot = i;
    if (slot == PX_BLK_RING)
        return PX_BLK_ERR_INVAL; /* more than PX_BLK_RING outstanding */
    b->slots[slot].busy = true;
    b->slots[slot].req = (struct px_blk_request){++b->next_id, op, count, sector, offset};
    *id = b->next_id;
    if (restarted(b))
        resubmit_all(b); /* posts this one too */
    else
        post(b, &b->slots[slot].req);
    return PX_BLK_OK;
}

void libos_blk_push(struct libos_blk *b) { notify(b, false); }

int libos_blk_submit(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, uint64_t offset,
                     uint64_t *id)
{
    int st = libos_blk_post(b, op, sector, count, offset, id);

    if (st == PX_BLK_OK)
        notify(b, false);
    return st;
}

/* Take one response for a request we wait for; false if the ring holds none. */
static bool take(struct libos_blk *b, uint64_t *id, int *status)
{
    struct px_blk_shared *sh = b->sh;

    while (sh->resp_cons != __atomic_load_n(&sh->resp_prod, __ATOMIC_ACQUIRE)) {
        struct px_blk_response r = sh->resp[sh->resp_cons % PX_BLK_RING];
        __atomic_store_n(&sh->resp_cons, sh->resp_cons + 1, __ATOMIC_RELEASE);
        for (unsigned i = 0; i < PX_BLK_RING; i++)
            if (b->slots[i].busy && b->slots[i].req.id == r.id) {
                b->slots[i].busy = false;
                *id = r.id;
                *status = r.status;
                return true;
            }
        /* not waited for: the answer to a request posted twice around a restart */
    }
    return false;
}

/*
 * A response if there is one; if not, ask the server for a signal at the next one (the final check of
 * io/blk.h) and return false: the caller may then wait on the disk's notification.
 */
static bool take_or_arm(struct libos_blk *b, uint64_t *id, int *status)
{
    struct px_blk_shared *sh = b->sh;

    for (;;) {
        if (take(b, id, status))
            return true;
        if (restarted(b)) {
            resubmit_all(b);
            continue;
        }
        __atomic_store_n(&sh->rsp_event, sh->resp_cons + 1, __ATOMIC_RELEASE);
        fence();
        if (sh->resp_cons == __atomic_load_n(&sh->resp_prod, __ATOMIC_ACQUIRE))
            return false;
    }
}

bool libos_blk_poll(struct libos_blk *b, uint64_t *id, int *status)
{
    notify(b, false); /* requests posted and not pushed would otherwise never finish */
    return take_or_arm(b, id, status);
}

int libos_blk_complete(struct libos_blk *b, uint64_t *id, int *status)
{
    uint64_t bits;

    notify(b, false);
    while (!take_or_arm(b, id, status)) {
        px_wait(b->wait, &bits);
        b->waits++;
    }
    return PX_BLK_OK;
}

int libos_blk_io(struct libos_blk *b, uint32_t op, uint64_t sector, uint32_t count, void *buf)
{
    uint64_t id, done;
    int st;

    if ((uint64_t)count * PX_BLK_SECTOR_SIZE > PX_BLK_DATA_SIZE)
        return PX_BLK_ERR_INVAL;
    if (op == PX_BLK_OP_WRITE)
        memcpy(b->data, buf, (size_t)count * PX_BLK_SECTOR_SIZE);
    if ((st = libos_blk_submit(b, op, sector, count, 0, &id)) != PX_BLK_OK)
        return st;
    do {
        libos_blk_complete(b, &done, &st);
    } while (done != id);
    if (op == PX_BLK_OP_READ && st == PX_BLK_OK)
        memcpy(buf, b->data, (size_t)count * PX_BLK_SECTOR_SIZE);
    return st;
}
