/*
 * Kernel link script, run through the C preprocessor. The kernel is linked at KERNEL_VIRT_BASE + 1 MiB and
 * loaded by the PVH loader at the physical 1 MiB (the AT() addresses). Each kind of memory gets its own
 * page-aligned PT_LOAD segment so that mmu_init can map text RX, rodata R and data RW+NX: W^X by layout.
 * The symbol table (.ksyms) is the very last segment, so that filling it in the second link moves nothing
 * before it and the addresses it describes stay exact.
 */
#include <arch/memlayout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(pvh_entry)

PHDRS
{
    text PT_LOAD FLAGS(5);   /* R X */
    rodata PT_LOAD FLAGS(4); /* R   */
    data PT_LOAD FLAGS(6);   /* R W */
    ksyms PT_LOAD FLAGS(4);  /* R   */
    note PT_NOTE FLAGS(4);
}

SECTIONS
{
    . = KERNEL_VIRT_BASE + KERNEL_PHYS_LOAD;
    __kernel_start = .;

    .text : AT(ADDR(.text) - KERNEL_VIRT_BASE) {
        __text_start = .;
        *(.text.boot)
        *(.text .text.*)
        __text_end = .;
    } :text

    . = ALIGN(4096);
    .rodata : AT(ADDR(.rodata) - KERNEL_VIRT_BASE) {
        __rodata_start = .;
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __ktests_start = .;
        KEEP(*(.ktests))
        __ktests_end = .;
    } :rodata
    .note.Xen : AT(ADDR(.note.Xen) - KERNEL_VIRT_BASE) {
        KEEP(*(.note.Xen))
    } :rodata :note
    __rodata_end = .;

    . = ALIGN(4096);
    .data : AT(ADDR(.data) - KERNEL_VIRT_BASE) {
        __data_start = .;
        *(.data .data.*)
    } :data
    .bss : AT(ADDR(.bss) - KERNEL_VIRT_BASE) {
        __bss_start = .;
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(8);
        __bss_end = .;
    } :data
    __data_end = .;

    . = ALIGN(4096);
    .ksyms : AT(ADDR(.ksyms) - KERNEL_VIRT_BASE) {
        __ksyms_start = .;
        KEEP(*(.ksyms))
        __ksyms_end = .;
    } :ksyms
    . = ALIGN(4096);
    __kernel_end = .;

    /DISCARD/ : {
        *(.eh_frame*) *(.note.gnu.*) *(.comment) *(.interp) *(.dynamic) *(.gnu.hash) *(.dynsym) *(.dynstr)
    }
}

ASSERT(__text_start == KERNEL_VIRT_BASE + KERNEL_PHYS_LOAD, "text must start at the load address")
ASSERT((__rodata_start & 0xfff) == 0, "rodata must start on a page: W^X needs page-granular sections")
ASSERT((__data_start & 0xfff) == 0, "data must start on a page: W^X needs page-granular sections")
ASSERT((__ksyms_start & 0xfff) == 0, "the symbol table must start on a page")
ASSERT(__kernel_end - KERNEL_VIRT_BASE <= BOOT_MAP_SIZE, "the kernel must fit in the boot mapping (1 GiB)")
ASSERT(pvh_entry - KERNEL_VIRT_BASE < 0x100000000, "the PVH entry must have a 32-bit physical address")
ASSERT(((__ktests_end - __ktests_start) % 40) == 0, "the .ktests section must hold whole struct ktests")
