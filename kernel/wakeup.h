/* Wakeup predicates (include/exo/pred.h). */
#ifndef KERNEL_WAKEUP_H
#define KERNEL_WAKEUP_H

#include <stdint.h>

/* Environments whose main context sleeps on a predicate, one bit each. */
extern uint64_t sleeping;

/* Evaluates every sleeper's predicate and wakes those that hold. */
void wakeup_poll(void);
/* Ends e's sleep now: its wait returns result (0, or -EXO_EINTR for an
 * upcall that cannot wait). */
struct env;
void wakeup_now(struct env *e, int result);

long sys_wait(uint64_t terms, uint64_t n);

#endif
