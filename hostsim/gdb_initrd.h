/* Where a program's code lives before it is loaded: the initramfs in guest
 * RAM.  A gdb breakpoint on `main` is set before the kernel or ExOS has
 * loaded the program, so no page table maps it yet.  The kernel and ExOS load
 * code from the initramfs (copying it, or mapping it in place), so a
 * breakpoint written into the file's bytes there is in every copy made
 * afterwards, for every environment that runs the program. */
#ifndef HOSTSIM_GDB_INITRD_H
#define HOSTSIM_GDB_INITRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

/* The guest-physical addresses of the file bytes that will be loaded at
 * virtual address va, in the program the kernel starts (exosim/init) and the
 * Linux program ExOS runs (its config's program=), at most max of them.
 * Reads the boot module that exosim placed (start_info at
 * PVH_START_INFO_GPA); returns how many were found. */
size_t gdb_initrd_locate(const struct guest_mem *m, uint64_t va, uint64_t *gpa, size_t max);

/* ExOS's code range [lo, hi) when it runs a Linux program (exosim/exos.elf
 * in the archive); false for an ExOS-native program. */
bool gdb_initrd_exos_range(const struct guest_mem *m, uint64_t *lo, uint64_t *hi);

#endif
