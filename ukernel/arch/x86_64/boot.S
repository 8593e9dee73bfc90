/*
 * PVH entry. The loader (QEMU's -kernel, or Xen) finds the entry point in the Xen ELF note below and jumps
 * to it in 32-bit protected mode with paging off, flat segments and %ebx holding the physical address of
 * the hvm_start_info structure. We build just enough paging to reach long mode and the higher half,
 * then call arch_boot(start_info_pa) on the boot stack. The real page tables come later, from mmu_init.
 *
 * Boot mapping (2 MiB pages, the first GiB of physical memory, three views of it):
 *   0x0                 identity, so the instruction after enabling paging still runs
 *   PHYS_MAP_BASE       the direct map, so C code can reach start_info and free memory early
 *   KERNEL_VIRT_BASE    the kernel image's link address
 */
#include <arch/memlayout.h>
#include <arch/gdt.h>

#define PA(x) ((x) - KERNEL_VIRT_BASE)

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800

    /* QEMU reads the descriptor with the alignment of the PT_NOTE segment: keep everything 4-aligned. */
    .pushsection .note.Xen, "a", @note
    .balign 4
    .long 4                       /* n_namesz: "Xen\0" */
    .long 8                       /* n_descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .quad PA(pvh_entry)
    .popsection

    .section .text.boot, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %ebp                /* keep start_info out of the way of rep stos */

    /* The loader zero-fills bss, but do not depend on it: the boot page tables live there. */
    mov $PA(__bss_start), %edi
    mov $PA(__bss_end), %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    /* boot_pd: 512 x 2 MiB = the first GiB. */
    mov $PA(boot_pd), %edi
    mov $(PTE_P | PTE_W | PTE_PS), %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b

    mov $PA(boot_pd) + (PTE_P | PTE_W), %eax
    mov %eax, PA(boot_pdpt_low)                 /* 0 and PHYS_MAP_BASE: PDPT slot 0 */
    mov %eax, PA(boot_pdpt_high) + 510 * 8      /* KERNEL_VIRT_BASE: PDPT slot 510 */
    mov $PA(boot_pdpt_low) + (PTE_P | PTE_W), %eax
    mov %eax, PA(boot_pml4)                     /* PML4 slot 0 */
    mov %eax, PA(boot_pml4) + 256 * 8           /* PML4 slot 256 = PHYS_MAP_BASE */
    mov $PA(boot_pdpt_high) + (PTE_P | PTE_W), %eax
    mov %eax, PA(boot_pml4) + 511 * 8           /* PML4 slot 511 */

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $PA(boot_pml4), %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP | CR0_PE), %eax
    mov %eax, %cr0

    lgdt PA(boot_gdtr)
    ljmp $GDT_KERNEL_CS, $PA(long_mode_low)

    .code64
long_mode_low:
    movabs $long_mode_high, %rax
    jmp *%rax
long_mode_high:
    /* Tell debuggers that the call chain starts here (there is no caller to unwind to). */
    .cfi_sections .debug_frame
    .cfi_startproc
    .cfi_undefined rip
    mov $GDT_KERNEL_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $boot_stack_top, %rsp
    mov %ebp, %edi                /* arch_boot(start_info_pa) */
    xor %ebp, %ebp                /* terminates frame-pointer backtraces */
    call arch_boot
1:  cli
    hlt
    jmp 1b
    .cfi_endproc

    .section .rodata
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff      /* GDT_KERNEL_CS: 64-bit code, DPL 0 */
    .quad 0x00cf92000000ffff      /* GDT_KERNEL_DS: data, DPL 0 */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long PA(boot_gdt)

    .section .bss
    .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
    .globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:               /* unmapped by mmu_init: an overflow faults instead of writing below */
    .skip 4096
boot_stack_bottom:
    .skip KERNEL_STACK_SIZE
boot_stack_top:
