/*
 * Device access for user-level drivers (ABI: device.h): interrupt lines delivered to notifications,
 * I/O port ranges and MMIO ranges. The kernel keeps no driver: it routes, masks and checks ranges.
 */
#ifndef CORE_DEVICE_H
#define CORE_DEVICE_H

#include <core/bootinfo.h>
#include <core/ipc.h>
#include <proteus/device.h>

struct irq_control {
    struct kobj obj;
};

struct irq {
    struct kobj obj;
    unsigned line;
    struct notification *ntfn; /* held */
    uint64_t bits;
};

struct ioport {
    struct kobj obj;
    uint32_t base, count;
};

struct mmio {
    struct kobj obj;
};

void device_init(const struct boot_info *bi);
struct irq *irq_create(unsigned line, unsigned flags, struct task *payer, int *status);
void irq_bind(struct irq *irq, struct notification *n, uint64_t bits);
void irq_ack(struct irq *irq);
void irq_destroy(struct irq *irq);
void irq_fire(unsigned line); /* from the interrupt entry: the line is masked already */
/* May [pa, pa + pages) be handed out as device memory? Not RAM, not the kernel's own devices. */
bool device_range_ok(uint64_t pa, uint64_t pages);

/* Architecture. */
bool arch_irq_route(unsigned line, unsigned flags); /* program the line, masked */
void arch_irq_mask(unsigned line, bool masked);
uint32_t arch_port_in(uint16_t port, unsigned width);
void arch_port_out(uint16_t port, unsigned width, uint32_t value);
bool arch_kernel_mmio(uint64_t pa, uint64_t size); /* overlaps the kernel's own device registers */

#endif
