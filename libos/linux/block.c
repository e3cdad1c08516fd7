/* D4: the one way a Linux call sleeps.  A predicate of the caller's terms,
 * OR our signal-sequence word changing (a signal sent, a child's state
 * changed: proctab.c), OR a deadline.  The kernel evaluates it at ticks and
 * switches; the CPU goes to others or halts meanwhile. */
#include <exos/sched.h>
#include <exos/sys.h>

#include "proc.h"

long linux_block(struct exo_pred_term *terms, int n, uint64_t deadline_ns)
{
	struct exo_pred_term t[EXO_PRED_MAX_TERMS];
	struct proc *self = linux_proc_self();
	int k = 0;

	if (!self && linux_shared()) /* a lone process gets a signal word too */
		self = linux_proc_self();
	if (n < 0 || n > EXO_PRED_MAX_TERMS - 2)
		return -LINUX_EINVAL;
	linux_signal_take();
	if (linux_signal_interrupts())
		return -LINUX_EINTR;
	for (int i = 0; i < n; i++)
		t[k++] = terms[i];
	if (k)
		t[k - 1].flags |= EXO_PRED_OR;
	if (self) {
		uint64_t seq = self->sigseq;
		if (linux_signal_interrupts())
			return -LINUX_EINTR;
		t[k++] = (struct exo_pred_term){.op = EXO_PRED_NE,
		                                .lhs_kind = EXO_OPND_MEM,
		                                .rhs_kind = EXO_OPND_CONST,
		                                .flags = EXO_PRED_OR,
		                                .lhs = (uint64_t)&self->sigseq,
		                                .rhs = seq};
	}
	if (deadline_ns) {
		uint64_t now = linux_monotonic_ns();
		if (deadline_ns <= now)
			return -LINUX_ETIMEDOUT;
		t[k++] = (struct exo_pred_term){.op = EXO_PRED_GE,
		                                .lhs_kind = EXO_OPND_CLOCK,
		                                .rhs_kind = EXO_OPND_CONST,
		                                .flags = EXO_PRED_OR,
		                                .rhs = exos_tsc_after_ns(deadline_ns - now)};
	}
	if (k == 0)
		return 0; /* nothing could ever wake us: the caller re-checks */
	long r = exo_wait(t, (size_t)k);
	if (r < 0 && r != -EXO_EINTR)
		return -LINUX_EINVAL;
	linux_signal_take();
	if (linux_signal_interrupts())
		return -LINUX_EINTR;
	if (deadline_ns && linux_monotonic_ns() >= deadline_ns)
		return -LINUX_ETIMEDOUT;
	return 0;
}
