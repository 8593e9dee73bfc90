/*
 * Proteus ABI: version. Every header under abi/ is freestanding C (C99 and later, and C++), uses only
 * fixed-width types and never changes a published number: see abi/CHANGES.md for the compatibility rule
 * and docs/abi.md for the calls.
 */
#ifndef PROTEUS_ABI_H
#define PROTEUS_ABI_H

/*
 * From 1.0 on, MAJOR changes break binaries and MINOR only adds. While MAJOR is 0 a MINOR step may
 * break too; abi/CHANGES.md classes every change either way.
 */
#define PX_ABI_MAJOR 0
#define PX_ABI_MINOR 2
#define PX_ABI_VERSION ((PX_ABI_MAJOR << 16) | PX_ABI_MINOR)

#endif
