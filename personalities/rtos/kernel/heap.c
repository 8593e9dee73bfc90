/*
 * The application's heap: configTOTAL_HEAP_SIZE bytes, first fit over blocks laid end to end, each with
 * a header giving its size and whether it is free; freeing merges a block with free neighbours. Every
 * call runs in a critical section, so tasks and the interrupt context may share it.
 */
#include "rtos.h"

#define ALIGN 16u

struct block {
    size_t size; /* header included; a multiple of ALIGN */
    size_t free;
};
_Static_assert(sizeof(struct block) == ALIGN, "a block header keeps the payload aligned");

static _Alignas(ALIGN) uint8_t heap[configTOTAL_HEAP_SIZE & ~(size_t)(ALIGN - 1)];
static size_t free_bytes, min_free;
static bool ready;

static void init(void)
{
    struct block *b = (struct block *)heap;

    b->size = sizeof(heap);
    b->free = 1;
    free_bytes = min_free = sizeof(heap);
    ready = true;
}

static struct block *next_of(struct block *b)
{
    uint8_t *n = (uint8_t *)b + b->size;
    return n < heap + sizeof(heap) ? (struct block *)n : NULL;
}

void *pvPortMalloc(size_t size)
{
    struct block *b;
    void *p = NULL;

    if (size == 0 || size > sizeof(heap))
        return NULL;
    size_t need = (size + sizeof(struct block) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    portENTER_CRITICAL();
    if (!ready)
        init();
    for (b = (struct block *)heap; b; b = next_of(b)) {
        if (!b->free || b->size < need)
            continue;
        if (b->size - need >= 2 * sizeof(struct block)) { /* split off the rest */
            struct block *rest = (struct block *)((uint8_t *)b + need);
            rest->size = b->size - need;
            rest->free = 1;
            b->size = need;
        }
        b->free = 0;
        free_bytes -= b->size;
        if (free_bytes < min_free)
            min_free = free_bytes;
        p = b + 1;
        break;
    }
    portEXIT_CRITICAL();
    if (!p)
        rtos_malloc_failed();
    return p;
}

void vPortFree(void *p)
{
    struct block *b, *prev = NULL, *n;

    if (!p)
        return;
    portENTER_CRITICAL();
    configASSERT((uint8_t *)p > heap && (uint8_t *)p < heap + sizeof(heap));
    for (b = (struct block *)heap; b && b + 1 != p; b = next_of(b))
        prev = b;
    configASSERT(b != NULL && !b->free); /* a pointer pvPortMalloc returned, freed once */
    b->free = 1;
    free_bytes += b->size;
    if ((n = next_of(b)) && n->free)
        b->size += n->size;
    if (prev && prev->free)
        prev->size += b->size;
    portEXIT_CRITICAL();
}

size_t xPortGetFreeHeapSize(void) { return ready ? free_bytes : sizeof(heap); }
size_t xPortGetMinimumEverFreeHeapSize(void) { return ready ? min_free : sizeof(heap); }

void rtos_malloc_failed(void)
{
#if configUSE_MALLOC_FAILED_HOOK
    vApplicationMallocFailedHook();
#endif
}
