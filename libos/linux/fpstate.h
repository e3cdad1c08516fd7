/* The FPU state in a Linux signal frame (fpstate.c, for signal.c). */
#ifndef LINUX_FPSTATE_H
#define LINUX_FPSTATE_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes the frame's FPU area takes (it is 64-byte aligned). */
uint64_t linux_fpstate_size(void);
/* Saves the program's registers at fp; returns the ucontext flags that say
 * how (UC_FP_XSTATE with XSAVE). */
uint64_t linux_fpstate_save(uint64_t fp);
/* Loads them from the area at fp, which the program may have edited; false if
 * it cannot be read. */
bool linux_fpstate_restore(uint64_t fp);
/* A thread switch: saves or loads the whole state at area (ExOS's page,
 * 64-byte aligned, BUF_SIZE-sized; loaded only after a save there). */
void linux_fpstate_save_raw(uint64_t area);
void linux_fpstate_load_raw(uint64_t area);

#endif
