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

#include "pred.h"
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

/* Our own words: the kernel checked nothing, so this reads them directly. */
static int read_word(void *ctx, uint64_t va, uint64_t *out)
{
	(void)ctx;
	*out = *(const volatile uint64_t *)va;
	return 0;
}

/* A sum of products, evaluated as the kernel evaluates it (lib/pred.c). */
bool linux_pred_holds(const struct exo_pred_term *t, int n)
{
	return n > 0 && pred_eval(t, (size_t)n, read_word, NULL, exo_rdtsc()) == 1;
}

/* The TSC value at monotonic time ns (linux_monotonic_ns's clock). */
static uint64_t tsc_at(uint64_t ns)
{
	uint64_t now = linux_monotonic_ns();
	return ns <= now ? 0 : exos_tsc_after_ns(ns - now);
}

/* How often a sleeping process with running children looks for one the
 * kernel ended (an abnormal end: a normal one wakes it at once). */
#define CHILD_RECHECK_NS 250000000ul

/* The process the last wake named (linux_handoff_to), 0 if none. */
static uint32_t handoff;

void linux_handoff_to(uint32_t env_id)
{
	if (env_id != exos_self_id())
		handoff = env_id;
}

uint32_t linux_handoff_self(void)
{
	return exos_self_id();
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
	linux_proc_check_children();
	/* Terms beyond what the kernel takes are looked at again every ms. */
	if (n > EXO_PRED_MAX_TERMS - 2) {
		n = EXO_PRED_MAX_TERMS - 2;
		when = earliest(when, linux_monotonic_ns() + 1000000);
	}
	for (; k < n; k++)
		all[k] = t[k];
	if (k)
		all[k - 1].flags |= EXO_PRED_OR;
	/* A child the kernel ends never bumps our word (proctab.c): look for
	 * one every CHILD_RECHECK_NS.  Not a term on its env-table entry:
	 * "ended" is no single comparison there (EXITED, FREE or the slot
	 * reused), and many children would not fit in 16 terms. */
	if (linux_proc_has_children())
		when = earliest(when, linux_monotonic_ns() + CHILD_RECHECK_NS);
	/* Our signal-sequence word: another process sent us a signal, or a
	 * child changed state (proctab.c). */
	if (self) {
		/* The word first, then the signals: a sender sets sigpending and
		 * then bumps sigseq, so one that came after our caller took the
		 * signals (linux_signal_take) either shows here or changes the
		 * word we sleep on.  Read the other way round, a signal sent in
		 * between was lost and the process slept with it pending
		 * (qemu-linux.fork: a child in pause() never saw SIGUSR1). */
		uint64_t seq = __atomic_load_n(&self->sigseq, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&self->sigpending, __ATOMIC_SEQ_CST)) {
			linux_signal_take();
			return;
		}
		all[k] = linux_pred_word(&self->sigseq, EXO_PRED_NE, seq);
		all[k++].flags = EXO_PRED_OR;
	}
	if (when || !k) /* nothing at all to wait for: a deadline of "never" */
		all[k++] = (struct exo_pred_term){.op = EXO_PRED_GE,
		                                  .lhs_kind = EXO_OPND_CLOCK,
		                                  .rhs_kind = EXO_OPND_CONST,
		                                  .rhs = when ? tsc_at(when) : ~0ul};
	if (linux_pred_holds(all, k))
		return;
	uint32_t hint = handoff;
	handoff = 0;
	/* -EXO_EINTR (an upcall) or -EFAULT: look again */
	exo_wait_for(all, (size_t)k, hint);
	linux_proc_check_children();
	/* What woke us may be a signal: take it now, so that a process whose
	 * threads are all parked (thread.c's wait_all) sees it, and a stop
	 * signal stops it here. */
	linux_signal_take();
}

long linux_block(struct exo_pred_term *terms, int n, uint64_t deadline_ns)
{
	if (linux_shared_held()) /* the others would wait for us forever */
		linux_refuse(EXOSIM_EXIT_CRASH,
		             "exos: internal error: blocking under the shared lock\n");
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
	linux_timer_poll();
	if (linux_signal_pending())
		return -LINUX_EINTR;
	if (deadline_ns && linux_monotonic_ns() >= deadline_ns)
		return -LINUX_ETIMEDOUT;
	return 0;
}
