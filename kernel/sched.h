/* The scheduler: round robin over the slice vector (slice.c), visible CPU
 * revocation (prologue and epilogue upcalls, the grace period, forfeits),
 * bounded critical sections, and halting when idle. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>

#include "trap.h"

struct env;

/* Sets the state of e's running context (EXO_ENV_*), exported and in the
 * scheduler's sets. */
void sched_set_state(struct env *e, uint32_t state);
/* e is going away: drop it from every scheduler set. */
void sched_forget(struct env *e);
/* e gave up the CPU by itself (yield, PCT, sleep): its epilogue is answered. */
void sched_yielded(struct env *e);
/* curenv has saved its state and gives up the CPU: run what the slice vector
 * says, or anything runnable, or halt until something is; ends the machine
 * when nothing ever can be. */
_Noreturn void sched_yield(void);
/* A timer tick, from ring 3 (tf is the interrupted context) or from the idle
 * loop. */
void sched_tick(struct trapframe *tf);
/* Delivers e's pending upcalls (prologue, reclaim) onto its context. */
void sched_deliver_pending(struct env *e);
void sched_init(void);

#endif
