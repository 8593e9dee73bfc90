/*
 * Time for everyone: monotonic nanoseconds from the TSC, and the shared info page that lets user code
 * compute the same without a system call (abi/proteus/time.h). The wall clock at boot comes from the
 * CMOS real-time clock when the machine has one (microvm may not: then wall time starts at 1970).
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <core/kernel.h>
#include <core/timer.h>
#include <proteus/abi.h>
#include <proteus/time.h>

static uint64_t tsc_boot;
static uint32_t mul, shift;

/* ns = delta * mul >> shift with mul < 2^32 and the largest shift that allows it. */
static void scale_init(uint64_t hz)
{
    shift = 32;
    while (shift > 0 && (1000000000ull << shift) / hz >= (1ull << 32))
        shift--;
    mul = (uint32_t)((1000000000ull << shift) / hz);
}

uint64_t time_ticks_to_ns(uint64_t ticks) { return (uint64_t)(((unsigned __int128)ticks * mul) >> shift); }

uint64_t time_now_ns(void) { return time_ticks_to_ns(rdtsc() - tsc_boot); }

/* The TSC value at monotonic time ns: the inverse of time_now_ns's scaling, rounded up. */
uint64_t time_ns_tsc(uint64_t ns)
{
    return tsc_boot + (uint64_t)((((unsigned __int128)ns << shift) + mul - 1) / mul);
}

/* Monotonic time starts here, when the timer does (its ticks fall at whole milliseconds of it). */
void time_init(void)
{
    tsc_boot = rdtsc();
    scale_init(arch_tsc_hz());
}

uint64_t time_ticks(void) { return rdtsc(); }

static unsigned cmos(unsigned reg)
{
    outb(0x70, (uint8_t)reg);
    return inb(0x71);
}

static unsigned bcd(unsigned v, bool binary) { return binary ? v : (v & 15) + (v >> 4) * 10; }

/* Seconds since 1970 from the RTC, or 0 if there is none. */
static int64_t rtc_epoch_seconds(void)
{
    unsigned b = cmos(0x0b), sec, min, hour, day, mon, year;
    bool binary = b & 4;
    static const unsigned days_before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

    if (b == 0xff)
        return 0;
    while (cmos(0x0a) & 0x80) /* update in progress */
        cpu_relax();
    sec = bcd(cmos(0), binary), min = bcd(cmos(2), binary), hour = bcd(cmos(4) & 0x7f, binary);
    day = bcd(cmos(7), binary), mon = bcd(cmos(8), binary), year = bcd(cmos(9), binary) + 2000;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || sec > 59 || min > 59 || hour > 23)
        return 0;
    int64_t days = (int64_t)(year - 1970) * 365 + (year - 1969) / 4 + days_before[mon - 1] + day - 1;
    if (mon > 2 && year % 4 == 0)
        days++;
    return ((days * 24 + hour) * 60 + min) * 60 + sec;
}

void arch_shared_info_fill(void *page)
{
    struct px_shared_info *si = page;

    si->version = PX_SHARED_INFO_VERSION;
    si->tsc_hz = arch_tsc_hz();
    si->tsc_base = tsc_boot;
    si->mono_base_ns = 0;
    si->tsc_mul = mul;
    si->tsc_shift = shift;
    si->wall_offset_ns = rtc_epoch_seconds() * 1000000000ll;
    si->abi_version = PX_ABI_VERSION;
    si->tick_ns = arch_tick_ns();
    si->tick_base_ns = 0;
}
