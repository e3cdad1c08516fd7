/* Loading the kernel ELF into guest memory. */
#ifndef HOSTSIM_KERNEL_LOADER_H
#define HOSTSIM_KERNEL_LOADER_H

#include <stdint.h>

#include "guest_mem.h"

struct kernel_image {
	uint64_t entry32; /* XEN_ELFNOTE_PHYS32_ENTRY */
	uint64_t lo, hi;  /* physical span of the loaded segments */
};

/* Loads every PT_LOAD at its physical address.  Fails (exits) with
 * EXOSIM_EXIT_NOFILE, EXOSIM_EXIT_BADELF or EXOSIM_EXIT_NOMEM and one line. */
void kernel_load(const char *path, struct guest_mem *mem, struct kernel_image *img);

#endif
