/* The generic kernel's entry point and the arch hooks it uses to finish setting up the machine. */
#ifndef CORE_MAIN_H
#define CORE_MAIN_H

#include <core/bootinfo.h>
#include <core/compiler.h>

__noreturn void kernel_main(const struct boot_info *bi);

paddr_t arch_boot_map_limit(void);        /* physical memory addressable before arch_mm_init */
void *arch_boot_phys_to_virt(paddr_t pa); /* ... and how */
void arch_mm_init(const struct boot_info *bi);
/* Start the tick. Interrupts stay masked: the kernel takes them only in user mode and while idle. */
void arch_timer_init(void);
void arch_print_info(void);

/* In-kernel tests (test images only): run the suite named by the command line's ktest=, or return. */
void ktest_main(const struct boot_info *bi);

#endif
