/* Where boot time goes: the TSC at the end of each kernel boot phase (in the
 * exported kinfo page) and the first program's own start-up marks, printed
 * at exit with exo.stats as one `exosim-stats: boot_us` line (docs/boot.md).
 * An rdtsc costs ~850 ns in emulated ring 0: a few per boot. */
#ifndef KERNEL_BOOTTIME_H
#define KERNEL_BOOTTIME_H

#include <stdint.h>

/* Phase (EXO_BOOT_*, kinfo.h) has ended. */
void boot_mark(int phase);

/* EXO_SYS_EXIT's marks argument: with exo.stats, the first environment to
 * pass valid marks has them kept for the line; a bad pointer is ignored. */
void boot_take_marks(uint64_t pml4, uint64_t marks_va);

/* With exo.stats: the line, at machine exit. */
void boot_print_times(void);

#endif
