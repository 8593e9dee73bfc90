/*
 * Local APIC timer and TSC frequency. The TSC frequency comes, in order of preference, from the
 * hypervisor timing leaf (0x40000010), from CPUID leaf 0x15, or by calibration: we count TSC cycles
 * while the APIC timer counts down a known number of ticks. That needs the APIC timer's input clock:
 * CPUID 0x15's crystal frequency when the CPU reports one, else 1 GHz, the bus clock that QEMU (TCG) and
 * KVM give the virtual APIC. microvm has no PIT gate (port 0x61) and no HPET, so the APIC is the only
 * reference. Under TCG with -icount, both clocks follow the instruction count and the result is exact.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <core/kernel.h>
#include <core/timer.h>

#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define DIV_BY_1 0xb
#define QEMU_APIC_HZ 1000000000ull
#define CALIBRATE_APIC_TICKS 10000000u /* 10 ms at 1 GHz */

static volatile uint32_t *apic;
static uint64_t bus_hz, tsc_hz;
static const char *tsc_from = "?";
static volatile uint64_t ticks;

static uint32_t apic_read(unsigned reg) { return apic[reg / 4]; }
static void apic_write(unsigned reg, uint32_t v) { apic[reg / 4] = v; }

void apic_eoi(void) { apic_write(APIC_EOI, 0); }
uint32_t apic_id(void) { return apic_read(APIC_ID) >> 24; }
uint64_t apic_bus_hz(void) { return bus_hz; }
uint64_t arch_tsc_hz(void) { return tsc_hz; }
uint64_t arch_timer_ticks(void) { return ticks; }
uint64_t arch_read_cycles(void) { return rdtsc(); }
const char *tsc_source(void) { return tsc_from; }

/*
 * The tick is a one-shot count, re-armed at every interrupt for the next whole tick of monotonic time
 * (ticks fall at 0, 1, 2, ... ms of time_now_ns, the clock of timer deadlines and of the shared info
 * page). A periodic APIC timer would drift against that clock by whatever separates the APIC's and the
 * TSC's rates: a calibration error, or the count's off-by-one (QEMU's periodic timer runs its initial
 * count + 1 cycles a period: 16 ns a millisecond here, which moved the tick 78 us off its place in five
 * seconds). Armed from the clock, an error of the APIC's rate only moves one interrupt by a few parts per
 * million of a tick, and an interrupt a little early still counts as its tick (timer_interrupt).
 */
#define TICK_NS (1000000000ull / TIMER_HZ)
static uint64_t next_tick; /* monotonic ns */

uint64_t arch_tick_ns(void) { return TICK_NS; }

static void apic_timer_arm(void)
{
    uint64_t at = time_ns_tsc(next_tick), now = rdtsc();
    uint64_t cycles = at > now ? at - now : 1;
    uint64_t count = (uint64_t)((unsigned __int128)cycles * bus_hz / tsc_hz);

    apic_write(APIC_TIMER_INIT, count ? (uint32_t)MIN(count, UINT32_MAX) : 1);
}

uint64_t apic_timer_tick(void)
{
    uint64_t now = time_now_ns(), due = next_tick;

    ticks++;
    next_tick += TICK_NS;
    if (next_tick <= now) /* interrupts were off for more than a tick: skip the ticks missed */
        next_tick += ((now - next_tick) / TICK_NS + 1) * TICK_NS;
    apic_timer_arm();
    apic_eoi();
    return due;
}

static bool tsc_from_cpuid(void)
{
    uint32_t r[4];

    cpuid(0x40000000, 0, r);
    if (r[0] >= 0x40000010 && r[0] < 0x40010000) {
        cpuid(0x40000010, 0, r);
        if (r[0] && r[1]) {
            tsc_hz = (uint64_t)r[0] * 1000;
            bus_hz = (uint64_t)r[1] * 1000;
            tsc_from = "hypervisor CPUID leaf 0x40000010";
            return true;
        }
    }
    cpuid(0, 0, r);
    if (r[0] >= 0x15) {
        cpuid(0x15, 0, r);
        if (r[2])
            bus_hz = r[2]; /* core crystal clock, which drives the APIC timer */
        if (r[0] && r[1] && r[2]) {
            tsc_hz = (uint64_t)r[2] * r[1] / r[0];
            tsc_from = "CPUID leaf 0x15";
            return true;
        }
    }
    return false;
}

static void tsc_calibrate(void)
{
    uint32_t start, now;
    uint64_t t0, t1;

    if (!bus_hz)
        bus_hz = QEMU_APIC_HZ;
    apic_write(APIC_TIMER_DIV, DIV_BY_1);
    apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    apic_write(APIC_TIMER_INIT, 0xffffffff);
    start = apic_read(APIC_TIMER_CUR);
    t0 = rdtsc();
    do {
        now = apic_read(APIC_TIMER_CUR);
    } while (start - now < CALIBRATE_APIC_TICKS);
    t1 = rdtsc();
    apic_write(APIC_TIMER_INIT, 0);
    tsc_hz = (t1 - t0) * bus_hz / (start - now);
    tsc_from = "calibrated against the APIC timer";
}

void apic_init(void)
{
    uint32_t r[4];
    uint64_t base;

    cpuid(1, 0, r);
    if (!(r[3] & (1u << 9)))
        panic("CPU has no local APIC");
    base = rdmsr(MSR_APIC_BASE);
    apic = mmu_map_mmio(base & PTE_ADDR, 4096);
    /* Mask the legacy 8259 PICs (if the machine has them): all interrupts come through the APIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
    if (!tsc_from_cpuid())
        tsc_calibrate();
}

void apic_timer_start(void)
{
    time_init();
    next_tick = TICK_NS;
    apic_write(APIC_TIMER_DIV, DIV_BY_1);
    apic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot */
    apic_timer_arm();
}
