/* The local APIC: the kernel's timer, and the reference the TSC is calibrated against. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdint.h>

#define TIMER_HZ 1000 /* the scheduler and timer objects count in 1 ms ticks (task.c TICK_US) */

void apic_init(void);
void apic_timer_start(void);
uint64_t apic_timer_tick(void); /* the monotonic time the tick was due at */
void apic_eoi(void);
uint32_t apic_id(void);
void ioapic_init(void);
void ioapic_interrupt(unsigned line);
uint64_t apic_bus_hz(void);
uint64_t arch_tick_ns(void); /* the tick's period: ticks fall at whole multiples of it (monotonic ns) */
const char *tsc_source(void);

#endif
