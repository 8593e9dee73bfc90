/* The symbol table linked into this kernel image (see kernel.ld.S and tools/gensyms.py). */
#include <core/ksyms.h>

extern const char __ksyms_start[], __ksyms_end[];

const struct ksym_table *kernel_ksyms(void)
{
    if ((unsigned long)(__ksyms_end - __ksyms_start) < sizeof(struct ksym_table))
        return 0;
    return (const struct ksym_table *)__ksyms_start;
}
