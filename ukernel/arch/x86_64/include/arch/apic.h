/* The local APIC: the kernel's timer, and the reference the TSC is calibrated against. */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdint.h>

#define TIMER_HZ 100

void apic_init(void);
void apic_timer_start(void);
void apic_timer_tick(void);
void apic_eoi(void);
uint64_t apic_bus_hz(void);
const char *tsc_source(void);

#endif
