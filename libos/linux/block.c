/* Blocking: the one place a Linux program's thread waits (issue 14, D4).
 *
 * linux_block sleeps on a wakeup predicate: the caller's terms (a pipe's
 * counter moved, ...), the deadline, and the earliest timer of the process
 * (setitimer, alarm: their signals must interrupt a sleep).  With one thread
 * the process waits in the kernel (EXO_SYS_WAIT): no CPU is used until the
 * predicate holds.  With several, the caller parks (thread.c) and the others
 * run; when all are parked, thread.c waits in the kernel here on the sum of
 * their predicates.
 *
 * The result is advisory: 0 means "look again", so a caller loops
 *     while (!ready()) if ((r = linux_block(t, n, deadline)) < 0) return r;
 * and a spurious wake (another thread's term, an upcall) costs one loop. */
#include <exos/sched.h>
#include <exos/sys.h>

#include "proc.h"
#include "thread.h"

struct exo_pred_term linux_pred_word(const volatile void *addr, int op, uint64_t value)
{
	return (struct exo_pred_term){.op = (uint8_t)op,
	                              .lhs_kind = EXO_OPND_MEM,
	                              .rhs_kind = EXO_OPND_CONST,
	                              .lhs = (uint64_t)addr,
	                              .rhs = value};
}

static uint64_t operand(uint8_t kind, uint64_t v)
{
	switch (kind) {
	case EXO_OPND_MEM:
		return *(const volatile uint64_t *)v;
	case EXO_OPND_CLOCK:
		return exo_rdtsc();
	default:
		return v;
	}
}

static bool term_holds(const struct exo_pred_term *t)
{
	uint64_t a = operand(t->lhs_kind, t->lhs), b = operand(t->rhs_kind, t->rhs);
	switch (t->op) {
	case EXO_PRED_EQ:
		return a == b;
	case EXO_PRED_NE:
		return a != b;
	case EXO_PRED_LT:
		return a < b;
	case EXO_PRED_LE:
		return a <= b;
	case EXO_PRED_GT:
		return a > b;
	default:
		return a >= b;
	}
}

/* A sum of products, as the kernel reads it (pred.h). */
bool linux_pred_holds(const struct exo_pred_term *t, int n)
{
	bool product = true;
	for (int i = 0; i < n; i++) {
		product = product && term_holds(&t[i]);
		if ((t[i].flags & EXO_PRED_OR) || i == n - 1) {
			if (product)
				return true;
			product = true;
		}
	}
	return false;
}

/* The TSC value at monotonic time ns (linux_monotonic_ns's clock). */
static uint64_t tsc_at(uint64_t ns)
{
	uint64_t now = linux_monotonic_ns();
	return ns <= now ? 0 : exos_tsc_after_ns(ns - now);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

void linux_block_kernel(const struct exo_pred_term *t, int n, uint64_t deadline_ns)
{
	struct exo_pred_term all[EXO_PRED_MAX_TERMS];
	int k = 0;
	uint64_t when = earliest(deadline_ns, linux_timer_next());
	struct proc *self = linux_proc_self();
	/* Terms beyond what the kernel takes are looked at again every ms. */
	if (n > EXO_PRED_MAX_TERMS - 2) {
		n = EXO_PRED_MAX_TERMS - 2;
		when = earliest(when, linux_monotonic_ns() + 1000000);
	}
	for (; k < n; k++)
		all[k] = t[k];
	if (k)
		all[k - 1].flags |= EXO_PRED_OR;
	/* Our signal-sequence word: another process sent us a signal, or a
	 * child changed state (proctab.c). */
	if (self) {
		all[k] = linux_pred_word(&self->sigseq, EXO_PRED_NE, self->sigseq);
		all[k++].flags = EXO_PRED_OR;
	}
	if (when || !k) /* nothing at all to wait for: a deadline of "never" */
		all[k++] = (struct exo_pred_term){.op = EXO_PRED_GE,
		                                  .lhs_kind = EXO_OPND_CLOCK,
		                                  .rhs_kind = EXO_OPND_CONST,
		                                  .rhs = when ? tsc_at(when) : ~0ul};
	if (linux_pred_holds(all, k))
		return;
	exo_wait(all, (size_t)k); /* -EXO_EINTR (an upcall) or -EFAULT: look again */
}

long linux_block(struct exo_pred_term *terms, int n, uint64_t deadline_ns)
{
	linux_signal_take(); /* what other processes sent (proctab.c) */
	linux_timer_poll();
	if (linux_signal_pending())
		return -LINUX_EINTR;
	if (deadline_ns && linux_monotonic_ns() >= deadline_ns)
		return -LINUX_ETIMEDOUT;
	if (linux_threads_many())
		return linux_thread_park(terms, n, deadline_ns);
	if (n && linux_pred_holds(terms, n))
		return 0;
	linux_block_kernel(terms, n, deadline_ns);
	linux_signal_take();
	linux_timer_poll();
	if (linux_signal_pending())
		return -LINUX_EINTR;
	if (deadline_ns && linux_monotonic_ns() >= deadline_ns)
		return -LINUX_ETIMEDOUT;
	return 0;
}
