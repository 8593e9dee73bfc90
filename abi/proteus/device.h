/*
 * Proteus ABI: devices. Drivers are tasks: an interrupt line reaches one as a notification (it masks
 * itself when it fires; the driver acknowledges to unmask it), I/O ports are used through calls on a
 * port-range cap, and device registers are mapped from MMIO caps as uncached device frames.
 */
#ifndef PROTEUS_DEVICE_H
#define PROTEUS_DEVICE_H

/* PX_SYS_IRQ_CREATE flags. Without them a line is edge-triggered and active high (ISA). */
#define PX_IRQ_LEVEL 0x1u
#define PX_IRQ_ACTIVE_LOW 0x2u

#define PX_IRQ_LINES 24 /* interrupt lines (IOAPIC inputs) 0..23 */

#endif
