/*
 * Stream and message buffers: a ring of bytes with a list of tasks waiting to write and one waiting to
 * read. A reader waits until the trigger level is reached; a writer waits until all it writes fits. A
 * message buffer stores each message after its length and hands out only whole messages.
 */
#include "rtos.h"
#include "stream_buffer.h"
#include <string.h>

#define SB_MAGIC 0x5b0ff3e5
typedef configMESSAGE_BUFFER_LENGTH_TYPE msglen_t;

struct StreamBufferDef_t {
    uint32_t magic;
    uint8_t is_message, static_mem;
    size_t size, trigger, head, used; /* bytes at head .. head+used-1 (mod size) */
    uint8_t *data;
    struct rtos_list writers, readers;
};
_Static_assert(sizeof(StaticStreamBuffer_t) >= sizeof(struct StreamBufferDef_t), "StaticStreamBuffer_t must hold one");

static struct StreamBufferDef_t *check(StreamBufferHandle_t s)
{
    configASSERT(s != NULL && s->magic == SB_MAGIC);
    return s;
}

static void init(struct StreamBufferDef_t *s, size_t size, size_t trigger, BaseType_t is_message, uint8_t *data)
{
    s->magic = SB_MAGIC;
    s->is_message = is_message != pdFALSE;
    s->size = size;
    s->trigger = trigger ? trigger : 1;
    s->head = s->used = 0;
    s->data = data;
    rtos_list_init(&s->writers);
    rtos_list_init(&s->readers);
}

StreamBufferHandle_t xStreamBufferGenericCreate(size_t size, size_t trigger, BaseType_t is_message)
{
    struct StreamBufferDef_t *s;

    configASSERT(size > 0 && trigger <= size);
    configASSERT(!is_message || size > sizeof(msglen_t));
    if (!(s = pvPortMalloc(sizeof(*s) + size)))
        return NULL;
    init(s, size, trigger, is_message, (uint8_t *)(s + 1));
    s->static_mem = 0;
    return s;
}

StreamBufferHandle_t xStreamBufferGenericCreateStatic(size_t size, size_t trigger, BaseType_t is_message,
                                                      uint8_t *storage, StaticStreamBuffer_t *buffer)
{
    struct StreamBufferDef_t *s = (struct StreamBufferDef_t *)buffer;

    configASSERT(storage != NULL && buffer != NULL && size > 0 && trigger <= size);
    init(s, size, trigger, is_message, storage);
    s->static_mem = 1;
    return s;
}

void vStreamBufferDelete(StreamBufferHandle_t h)
{
    struct StreamBufferDef_t *s = check(h);

    configASSERT(s->writers.count == 0 && s->readers.count == 0);
    s->magic = 0;
    if (!s->static_mem)
        vPortFree(s);
}

static void copy_in(struct StreamBufferDef_t *s, const void *src, size_t n)
{
    size_t at = (s->head + s->used) % s->size, first = s->size - at < n ? s->size - at : n;
    memcpy(s->data + at, src, first);
    memcpy(s->data, (const uint8_t *)src + first, n - first);
    s->used += n;
}

static void copy_out(struct StreamBufferDef_t *s, void *dst, size_t n, bool consume)
{
    size_t first = s->size - s->head < n ? s->size - s->head : n;
    if (dst) {
        memcpy(dst, s->data + s->head, first);
        memcpy((uint8_t *)dst + first, s->data, n - first);
    }
    if (consume) {
        s->head = (s->head + n) % s->size;
        s->used -= n;
    }
}

static size_t next_message(struct StreamBufferDef_t *s)
{
    msglen_t len;
    if (s->used < sizeof(len))
        return 0;
    copy_out(s, &len, sizeof(len), false);
    return len;
}

/* Write what the rules allow now: a whole message or nothing; as many bytes as fit. */
static size_t write_now(struct StreamBufferDef_t *s, const void *data, size_t len, bool *sw)
{
    size_t space = s->size - s->used, n;

    if (s->is_message) {
        msglen_t l = (msglen_t)len;
        if (space < len + sizeof(l))
            return 0;
        copy_in(s, &l, sizeof(l));
        n = len;
    } else {
        n = len < space ? len : space;
    }
    copy_in(s, data, n);
    if (n && s->used >= (s->is_message ? 1 : s->trigger)) {
        rtos_task *t = rtos_list_first(&s->readers);
        if (t)
            *sw |= rtos_unblock(t, WAKE_EVENT);
    }
    return n;
}

static size_t read_now(struct StreamBufferDef_t *s, void *data, size_t len, bool *sw)
{
    size_t n;

    if (s->is_message) {
        size_t m = next_message(s);
        if (!s->used || m > len)
            return 0; /* nothing, or a message larger than the buffer given: left where it is */
        copy_out(s, NULL, sizeof(msglen_t), true);
        copy_out(s, data, m, true);
        n = m;
    } else {
        n = len < s->used ? len : s->used;
        copy_out(s, data, n, true);
    }
    rtos_task *t = rtos_list_first(&s->writers);
    if (n && t)
        *sw |= rtos_unblock(t, WAKE_EVENT);
    return n;
}

size_t xStreamBufferSend(StreamBufferHandle_t h, const void *data, size_t len, TickType_t ticks)
{
    struct StreamBufferDef_t *s = check(h);
    struct rtos_timeout to;
    size_t need = s->is_message ? len + sizeof(msglen_t) : (len < s->size ? len : s->size), n;
    bool sw = false;

    configASSERT(data != NULL || len == 0);
    rtos_assert_task_context();
    if (s->is_message && need > s->size)
        return 0; /* can never fit */
    rtos_timeout_start(&to, ticks);
    for (;;) {
        portENTER_CRITICAL();
        TickType_t left = rtos_timeout_left(&to);
        if (s->size - s->used >= need || left == 0) {
            n = write_now(s, data, len, &sw);
            if (sw && configUSE_PREEMPTION)
                port_yield_within_api();
            portEXIT_CRITICAL();
            return n;
        }
        rtos_block_current(&s->writers, left);
        portEXIT_CRITICAL();
    }
}

size_t xStreamBufferReceive(StreamBufferHandle_t h, void *data, size_t len, TickType_t ticks)
{
    struct StreamBufferDef_t *s = check(h);
    struct rtos_timeout to;
    bool sw = false;
    size_t n;

    configASSERT(data != NULL);
    rtos_assert_task_context();
    rtos_timeout_start(&to, ticks);
    for (;;) {
        portENTER_CRITICAL();
        TickType_t left = rtos_timeout_left(&to);
        if (s->used >= (s->is_message ? 1 : s->trigger) || left == 0) {
            n = read_now(s, data, len, &sw);
            if (sw && configUSE_PREEMPTION)
                port_yield_within_api();
            portEXIT_CRITICAL();
            return n;
        }
        rtos_block_current(&s->readers, left);
        portEXIT_CRITICAL();
    }
}

size_t xStreamBufferSendFromISR(StreamBufferHandle_t h, const void *data, size_t len, BaseType_t *woken)
{
    bool sw = false;
    size_t n = write_now(check(h), data, len, &sw);
    if (sw && woken)
        *woken = pdTRUE;
    return n;
}

size_t xStreamBufferReceiveFromISR(StreamBufferHandle_t h, void *data, size_t len, BaseType_t *woken)
{
    bool sw = false;
    size_t n = read_now(check(h), data, len, &sw);
    if (sw && woken)
        *woken = pdTRUE;
    return n;
}

size_t xStreamBufferBytesAvailable(StreamBufferHandle_t h) { return check(h)->used; }
size_t xStreamBufferSpacesAvailable(StreamBufferHandle_t h)
{
    struct StreamBufferDef_t *s = check(h);
    return s->size - s->used;
}
BaseType_t xStreamBufferIsEmpty(StreamBufferHandle_t h) { return check(h)->used == 0; }
BaseType_t xStreamBufferIsFull(StreamBufferHandle_t h)
{
    struct StreamBufferDef_t *s = check(h);
    return s->size - s->used <= (s->is_message ? sizeof(msglen_t) : 0);
}
size_t xStreamBufferNextMessageLengthBytes(StreamBufferHandle_t h)
{
    struct StreamBufferDef_t *s = check(h);
    return s->is_message ? next_message(s) : 0;
}

BaseType_t xStreamBufferReset(StreamBufferHandle_t h)
{
    struct StreamBufferDef_t *s = check(h);
    BaseType_t ok = pdFAIL;

    portENTER_CRITICAL();
    if (!s->writers.count && !s->readers.count) { /* as documented: not while a task waits on it */
        s->head = s->used = 0;
        ok = pdPASS;
    }
    portEXIT_CRITICAL();
    return ok;
}

BaseType_t xStreamBufferSetTriggerLevel(StreamBufferHandle_t h, size_t trigger)
{
    struct StreamBufferDef_t *s = check(h);

    if (trigger > s->size)
        return pdFALSE;
    s->trigger = trigger ? trigger : 1;
    return pdTRUE;
}
