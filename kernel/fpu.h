/* The FPU, SSE and AVX registers of environments (fpu.c). */
#ifndef KERNEL_FPU_H
#define KERNEL_FPU_H

#include <stdbool.h>

struct env;

/* At boot (cpu.c): turn on XSAVE and the state components CPUID offers. */
void fpu_init(void);
/* A new environment in this slot starts in the initial state (FCW 0x37f, MXCSR
 * 0x1f80, every register zero), not with the registers of the slot's last user. */
void fpu_env_init(struct env *e);
/* Before next runs (env_run): its state goes into the registers. */
void fpu_switch(struct env *next);
/* With exo.fpu_timing and exo.stats: the measured cost of a switch, at exit. */
void fpu_print_timing(void);

#endif
