/* The PVH boot state: hvm_start_info, the memory map, the command line and
 * the modules, written into guest memory. */
#ifndef HOSTSIM_PVH_H
#define HOSTSIM_PVH_H

#include <stdint.h>

#include "guest_mem.h"
#include "initramfs.h"
#include "kernel_loader.h"

/* Guest-physical layout of what exosim writes below the kernel. */
#define PVH_START_INFO_GPA 0x1000ull /* start_info, modlist, memmap: one page */
#define PVH_CMDLINE_GPA    0x2000ull
#define PVH_CMDLINE_MAX    4096 /* bytes, including the NUL */

/* Writes everything and returns the start_info address (for %ebx).  The
 * initramfs is placed at the top of low RAM.  Exits with EXOSIM_EXIT_NOMEM or
 * EXOSIM_EXIT_USAGE and one line if something does not fit. */
uint64_t pvh_setup(struct guest_mem *mem, const struct kernel_image *k,
                   const struct initramfs *initrd, const char *cmdline);

#endif
