/* The kernel's direct map of physical memory, shared by boot.S (which builds
 * it at link time) and C.  It covers every address exosim can give RAM: its
 * largest --mem (64 GiB) ends at 65 GiB, because the 1 GiB below 4 GiB is left
 * for device MMIO and RAM continues above 4 GiB. */
#ifndef KERNEL_DIRECTMAP_H
#define KERNEL_DIRECTMAP_H

#define DIRECT_MAP_GIB 65

#endif
