/* ExOS's default CPU and memory policy (see <exos/sched.h>). */
#include <exos/exception.h>
#include <exos/sched.h>

volatile uint64_t exos_prologues, exos_epilogues, exos_reclaims;
static exos_reclaim_fn reclaim_fn;

int exos_sched_upcall(struct exo_xframe *f)
{
	switch (f->vector) {
	case EXO_VEC_PROLOGUE:
		exos_prologues++;
		return 1;
	case EXO_VEC_EPILOGUE:
		/* Everything the interrupted code needs is in the frame and the
		 * registers the stub saved: yielding from here is saving state. */
		exos_epilogues++;
		exo_yield();
		return 1;
	case EXO_VEC_RECLAIM:
		exos_reclaims++;
		if (reclaim_fn)
			reclaim_fn(f->err);
		return 1;
	}
	return 0;
}

void exos_critical_leave(void)
{
	volatile struct exo_uarea *u = exo_uarea();

	__asm__ volatile("" ::: "memory");
	if (--u->critical == 0 && u->deferred) {
		u->deferred = 0;
		exo_yield(); /* the epilogue we put off */
	}
}

uint64_t exos_tsc_after_ns(uint64_t ns)
{
	uint64_t khz = exo_kinfo()->tsc_khz;

	/* ns * khz / 1e6 without overflowing for sleeps up to hours. */
	return exo_rdtsc() + ns / 1000000 * khz + ns % 1000000 * khz / 1000000;
}

long exos_sleep_ns(uint64_t ns)
{
	struct exo_pred_term t = {.op = EXO_PRED_GE,
	                          .lhs_kind = EXO_OPND_CLOCK,
	                          .rhs_kind = EXO_OPND_CONST,
	                          .rhs = exos_tsc_after_ns(ns)};
	long r;

	while ((r = exo_wait(&t, 1)) == -EXO_EINTR)
		; /* an upcall was delivered: sleep on */
	return r;
}

long exos_wait_word(const volatile uint64_t *word, int op, uint64_t value, uint64_t timeout_ns)
{
	struct exo_pred_term t[2] = {
	        {.op = (uint8_t)op,
	         .lhs_kind = EXO_OPND_MEM,
	         .rhs_kind = EXO_OPND_CONST,
	         .flags = EXO_PRED_OR,
	         .lhs = (uint64_t)word,
	         .rhs = value},
	        {.op = EXO_PRED_GE,
	         .lhs_kind = EXO_OPND_CLOCK,
	         .rhs_kind = EXO_OPND_CONST,
	         .rhs = timeout_ns ? exos_tsc_after_ns(timeout_ns) : 0},
	};

	long r;

	while ((r = exo_wait(t, timeout_ns ? 2 : 1)) == -EXO_EINTR)
		; /* an upcall was delivered: wait on */
	return r;
}

long exos_slices_for(int env_cap, unsigned n)
{
	long got = 0, r = 0;

	for (unsigned i = 0; i < n; i++) {
		r = exo_slice_alloc(env_cap, EXO_SLICE_ANY);
		if (r < 0)
			break;
		got++;
	}
	return got ? got : r;
}

void exos_set_revocable(uint64_t lo, uint64_t hi)
{
	exo_uarea()->revocable_lo = lo;
	exo_uarea()->revocable_hi = hi;
}

long exos_on_reclaim(exos_reclaim_fn fn)
{
	const volatile struct exo_env_info *me = exos_env_info(exos_self_id());
	unsigned events = me->events;

	reclaim_fn = fn;
	return exos_set_upcall_events(fn ? events | EXO_EV_RECLAIM : events & ~EXO_EV_RECLAIM);
}
