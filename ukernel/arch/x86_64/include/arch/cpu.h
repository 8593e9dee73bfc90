/* Thin wrappers for the x86 instructions the kernel uses, and the bits it sets. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define CR0_WP (1ul << 16)
#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR4_PGE (1ul << 7)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define RFLAGS_IF (1ul << 9)

#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define EFER_NXE (1ul << 11)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

#define DEFINE_CR(n)                                                                                         \
    static inline uint64_t read_cr##n(void)                                                                  \
    {                                                                                                        \
        uint64_t v;                                                                                          \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                                    \
        return v;                                                                                            \
    }                                                                                                        \
    static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

/* SMAP (supervisor-mode access prevention): set when the CPU has it and CR4.SMAP is on (setup.c). Only
 * the copy routines (mmu.c) open user memory to the kernel, with stac, and close it again with clac. */
extern bool arch_smap;
static inline void user_access_begin(void)
{
    if (arch_smap)
        __asm__ volatile("stac" ::: "memory");
}
static inline void user_access_end(void)
{
    if (arch_smap)
        __asm__ volatile("clac" ::: "memory");
}
static inline void invlpg(uintptr_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }
/*
 * Wait for an interrupt with interrupts on, and mask them again once it has been handled. sti;hlt: the
 * one-instruction interrupt shadow of sti means no interrupt is lost between the two.
 */
static inline void cpu_idle(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
static inline bool irqs_enabled(void)
{
    uint64_t f;

    __asm__ volatile("pushfq; pop %0" : "=r"(f));
    return f & RFLAGS_IF;
}

#endif
