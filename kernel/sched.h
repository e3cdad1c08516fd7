/* The scheduler: round robin over the slice vector (slice.c), visible CPU
 * revocation (prologue and epilogue upcalls, the grace period, forfeits),
 * bounded critical sections, and halting when idle. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
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
/* Wake-up preemption.  A device interrupt that wakes an environment (a disk
 * completion, a frame in its ring) while another one runs in ring 3 gives it the
 * CPU at once instead of at the next tick.  The interrupted environment keeps
 * its place: if it owns the current slice it runs again first when the woken
 * one waits or yields, and the slice position does not move.  An environment
 * that takes epilogues is never switched away invisibly, so it keeps the CPU to
 * its tick, as before.  dev_irq calls sched_irq_woke(runnable set before the
 * interrupt, whether it came from ring 3): true if entry.S should save the
 * whole frame and call sched_irq_switch with it. */
uint64_t sched_runnable_set(void);
bool sched_irq_woke(uint64_t before, bool from_user);
_Noreturn void sched_irq_switch(struct trapframe *tf);
/* Delivers e's pending upcalls (prologue, reclaim) onto its context. */
void sched_deliver_pending(struct env *e);
void sched_init(void);

#endif
