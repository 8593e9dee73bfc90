/*
 * Interrupt lines, I/O ports and device memory for user-level drivers (device.h). A line that fires is
 * masked until its driver acknowledges it, so a level-triggered device cannot storm the CPU while its
 * driver is not running; the notification carries the line's bits.
 */
#include <core/device.h>
#include <core/kernel.h>
#include <proteus/caps.h>
#include <proteus/status.h>

static struct irq *lines[PX_IRQ_LINES];
static struct mem_range ram[BOOT_MAX_RANGES];
static size_t nram;

void device_init(const struct boot_info *bi)
{
    for (size_t i = 0; i < bi->nram; i++)
        ram[i] = bi->ram[i];
    nram = bi->nram;
}

struct irq *irq_create(unsigned line, unsigned flags, struct task *payer, int *status)
{
    struct irq *irq;

    if (line >= PX_IRQ_LINES || (flags & ~(PX_IRQ_LEVEL | PX_IRQ_ACTIVE_LOW))) {
        *status = PX_ERR_INVAL;
        return NULL;
    }
    if (lines[line]) {
        *status = PX_ERR_STATE; /* claimed already: one driver per line */
        return NULL;
    }
    if (!(irq = kobj_alloc(PX_OBJ_IRQ, &payer->quota, &payer->obj))) {
        *status = PX_ERR_NOMEM;
        return NULL;
    }
    if (!arch_irq_route(line, flags)) {
        irq->obj.dead = true;
        kobj_put(&irq->obj);
        *status = PX_ERR_INVAL;
        return NULL;
    }
    irq->line = line;
    lines[line] = irq;
    *status = PX_OK;
    return irq;
}

void irq_bind(struct irq *irq, struct notification *n, uint64_t bits)
{
    if (irq->ntfn)
        kobj_put(&irq->ntfn->obj);
    kobj_get(&n->obj);
    irq->ntfn = n;
    irq->bits = bits ? bits : 1;
    arch_irq_mask(irq->line, false);
}

void irq_ack(struct irq *irq)
{
    if (irq->ntfn)
        arch_irq_mask(irq->line, false);
}

void irq_destroy(struct irq *irq)
{
    arch_irq_mask(irq->line, true);
    lines[irq->line] = NULL;
    if (irq->ntfn)
        kobj_put(&irq->ntfn->obj), irq->ntfn = NULL;
}

void irq_fire(unsigned line)
{
    struct irq *irq = line < PX_IRQ_LINES ? lines[line] : NULL;

    if (irq && irq->ntfn && !irq->ntfn->obj.dead)
        ntfn_signal(irq->ntfn, irq->bits);
}

bool device_range_ok(uint64_t pa, uint64_t pages)
{
    uint64_t end = pa + pages * PAGE_SIZE;

    if (pa % PAGE_SIZE || pages == 0 || end <= pa || end > (1ull << 46))
        return false;
    for (size_t i = 0; i < nram; i++)
        if (pa < ram[i].end && ram[i].start < end)
            return false;
    return !arch_kernel_mmio(pa, end - pa);
}
