/* Wakeup predicates (include/exo/pred.h). */
#ifndef KERNEL_WAKEUP_H
#define KERNEL_WAKEUP_H

#include <stdint.h>

/* Environments whose main context sleeps on a predicate, one bit each. */
extern uint64_t sleeping;

/* Evaluates every sleeper's predicate and wakes those that hold: when the
 * CPU is idle, or a device interrupt may have made a predicate true. */
void wakeup_poll(void);
/* The same for at most WAKEUP_POLL_BUDGET sleepers, taking up where the last
 * call stopped: a tick or a yield costs the same with 60 sleepers as with 8,
 * and a sleeper is seen within a few of them. */
#define WAKEUP_POLL_BUDGET 8
void wakeup_poll_some(void);
/* Ends e's sleep now: its wait returns result (0, or -EXO_EINTR for an
 * upcall that cannot wait). */
struct env;
void wakeup_now(struct env *e, int result);

long sys_wait(uint64_t terms, uint64_t n);
long sys_wait_for(uint64_t terms, uint64_t n, uint64_t hint);

#endif
