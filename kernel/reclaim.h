/* Visible revocation of memory and the abort protocol (include/exo/sched.h). */
#ifndef KERNEL_RECLAIM_H
#define KERNEL_RECLAIM_H

#include <stdint.h>

struct env;

/* Ticks an environment has to answer a reclaim request, unless the command
 * line says exo.reclaim_grace=N (1..1000): kinfo.reclaim_grace_ticks. */
#define RECLAIM_GRACE_TICKS_DEFAULT 2
#define RECLAIM_GRACE_TICKS_MAX     1000

/* Environments that owe pages, one bit each. */
extern uint64_t reclaiming;

/* Asks e for n pages back (an upcall if it wants one); after the grace
 * period the kernel takes what is still owed from its revocable range. */
void reclaim_start(struct env *e, uint64_t n);
/* Settles requests that are met or overdue. */
void reclaim_poll(void);
/* e released one page it owned (captab.c). */
void reclaim_pages_returned(struct env *e, uint64_t n);
/* Memory ran out: start reclaiming from the biggest other environment.
 * Returns -EXO_EAGAIN if pages are on their way, -EXO_ENOMEM if not. */
int reclaim_for(struct env *requester);
void reclaim_forget(struct env *e);

long sys_reclaim(uint64_t env_cap, uint64_t npages);

#endif
