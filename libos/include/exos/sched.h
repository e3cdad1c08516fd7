/* ExOS's CPU and memory policy on top of the kernel's mechanisms
 * (include/exo/sched.h, include/exo/pred.h).
 *
 * Upcalls.  exos_set_upcall_events() (<exos/exception.h>) asks the kernel for
 * prologue, epilogue and reclaim upcalls; they arrive through the exception
 * stub like exceptions.  A handler installed for the vector with
 * exos_set_exception_handler() sees them first; otherwise ExOS's default:
 *   - prologue: count it and resume;
 *   - epilogue: yield at once (the interrupted state is already saved in the
 *     frame on the exception stack), then resume where we were interrupted
 *     when the CPU comes back;
 *   - reclaim: call the function given to exos_on_reclaim(), if any, which
 *     should release that many pages; what it does not release the kernel
 *     takes from the revocable range after the grace period.
 *
 * Critical sections nest.  Leaving the outermost one yields if the kernel
 * deferred an epilogue meanwhile. */
#ifndef EXOS_SCHED_H
#define EXOS_SCHED_H

#include <stdint.h>

#include <exos/sys.h>

extern volatile uint64_t exos_prologues, exos_epilogues, exos_reclaims;

/* The default upcall policy (called by the exception dispatcher). */
int exos_sched_upcall(struct exo_xframe *f);

static inline void exos_critical_enter(void)
{
	exo_uarea()->critical++;
	__asm__ volatile("" ::: "memory");
}

void exos_critical_leave(void);

/* The TSC value ns nanoseconds from now. */
uint64_t exos_tsc_after_ns(uint64_t ns);

/* Sleeps in the kernel (a clock predicate) for at least ns. */
long exos_sleep_ns(uint64_t ns);

/* Sleeps until (*word `op` value) holds (op: EXO_PRED_EQ ...), or, if
 * timeout_ns is not 0, that much time has passed.  0, or -EXO_E*. */
long exos_wait_word(const volatile uint64_t *word, int op, uint64_t value, uint64_t timeout_ns);

/* Allocates n more time slices (first free positions) for env_cap.  Returns
 * how many it got, or the first error if none. */
long exos_slices_for(int env_cap, unsigned n);

/* Memory the kernel may take back by force: [lo, hi). */
void exos_set_revocable(uint64_t lo, uint64_t hi);

/* fn(npages) runs when the kernel asks for pages back; registers for the
 * reclaim upcall.  NULL: let the kernel take them. */
typedef void (*exos_reclaim_fn)(uint64_t npages);
long exos_on_reclaim(exos_reclaim_fn fn);

#endif
