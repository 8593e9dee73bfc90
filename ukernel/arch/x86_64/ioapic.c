/*
 * The I/O APIC: device interrupt lines 0..23 become vectors VEC_IRQ_BASE + line on this CPU. QEMU's
 * microvm (like the PC) has one at 0xfec00000 with ISA interrupts on lines 0..15. Also the I/O port
 * accessors for drivers.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <core/device.h>
#include <core/kernel.h>

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_VER 0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)
#define LAPIC_BASE 0xfee00000ull

static volatile uint32_t *ioapic;
static unsigned nlines;

static uint32_t rd(unsigned reg)
{
    ioapic[0] = reg;
    return ioapic[4];
}

static void wr(unsigned reg, uint32_t v)
{
    ioapic[0] = reg;
    ioapic[4] = v;
}

void ioapic_init(void)
{
    ioapic = mmu_map_mmio(IOAPIC_BASE, 4096);
    nlines = ((rd(IOAPIC_VER) >> 16) & 0xff) + 1;
    if (nlines > PX_IRQ_LINES)
        nlines = PX_IRQ_LINES;
    for (unsigned i = 0; i < nlines; i++)
        wr(IOAPIC_REDIR(i), REDIR_MASKED | (VEC_IRQ_BASE + i));
}

bool arch_irq_route(unsigned line, unsigned flags)
{
    if (!ioapic || line >= nlines)
        return false;
    wr(IOAPIC_REDIR(line) + 1, apic_id() << 24);
    wr(IOAPIC_REDIR(line), REDIR_MASKED | (flags & PX_IRQ_LEVEL ? REDIR_LEVEL : 0) |
                               (flags & PX_IRQ_ACTIVE_LOW ? REDIR_ACTIVE_LOW : 0) | (VEC_IRQ_BASE + line));
    return true;
}

void arch_irq_mask(unsigned line, bool masked)
{
    uint32_t v = rd(IOAPIC_REDIR(line));

    wr(IOAPIC_REDIR(line), masked ? v | REDIR_MASKED : v & ~REDIR_MASKED);
}

/* From trap_dispatch: mask the line (its driver acknowledges), end the interrupt, tell the driver. */
void ioapic_interrupt(unsigned line)
{
    if (line < nlines)
        arch_irq_mask(line, true);
    apic_eoi();
    irq_fire(line);
}

bool arch_kernel_mmio(uint64_t pa, uint64_t size)
{
    return (pa < IOAPIC_BASE + 4096 && IOAPIC_BASE < pa + size) ||
           (pa < LAPIC_BASE + 4096 && LAPIC_BASE < pa + size);
}

uint32_t arch_port_in(uint16_t port, unsigned width)
{
    uint32_t v;

    if (width == 1)
        return inb(port);
    if (width == 2) {
        uint16_t w;
        __asm__ volatile("inw %1, %0" : "=a"(w) : "Nd"(port));
        return w;
    }
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

void arch_port_out(uint16_t port, unsigned width, uint32_t value)
{
    if (width == 1)
        outb(port, (uint8_t)value);
    else if (width == 2)
        __asm__ volatile("outw %0, %1" ::"a"((uint16_t)value), "Nd"(port));
    else
        outl(port, value);
}
