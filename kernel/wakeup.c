/* Wakeup predicates (include/exo/pred.h).  EXO_SYS_WAIT checks and stores a
 * predicate and puts the main context to sleep; the scheduler evaluates every
 * sleeper's predicate when it decides what runs (each tick, each yield, each
 * turn of the idle loop) and wakes those that hold.  Memory operands are read
 * through the sleeper's own page tables every time, so a page unmapped since
 * the install wakes it with -EXO_EFAULT instead of reading a reused frame. */
#include <exo/errno.h>
#include <exo/pred.h>

#include "arch.h"
#include "env.h"
#include "kernel.h"
#include "pred.h"
#include "sched.h"
#include "trap.h"
#include "uaccess.h"
#include "pagetable.h"
#include "wakeup.h"
#include "x86.h"

uint64_t sleeping;

static int read_user_word(void *ctx, uint64_t va, uint64_t *out)
{
	const struct env *e = ctx;
	return get_user_u64(e->pml4, va, out);
}

static int evaluate(struct env *e, uint64_t now)
{
	return pred_eval(e->pred, e->npred, read_user_word, e, now);
}

/* The main context's wait returns `result`.  During a PCT activation the
 * main context is not the one running: only its saved state changes. */
void wakeup_now(struct env *e, int result)
{
	sleeping &= ~env_bit(e);
	e->tf.rax = (uint64_t)(int64_t)result;
	if (e->ctx == &e->tf)
		sched_set_state(e, EXO_ENV_RUNNABLE);
	else
		e->main_state = EXO_ENV_RUNNABLE;
}

void wakeup_poll(void)
{
	uint64_t now = rdtsc(); /* once: ~850 ns in ring 0 here */
	for (uint64_t m = sleeping; m; m &= m - 1) {
		struct env *e = &envs[__builtin_ctzl(m)];
		int r = evaluate(e, now);
		if (r)
			wakeup_now(e, r > 0 ? 0 : r);
	}
}

long sys_wait(uint64_t uterms, uint64_t n)
{
	struct env *e = curenv;
	if (e->ctx != &e->tf)
		return -EXO_EBUSY; /* an activation does not sleep: it returns */
	if (n == 0 || n > EXO_PRED_MAX_TERMS)
		return -EXO_EINVAL;
	if (copy_from_user(e->pml4, e->pred, uterms, n * sizeof(e->pred[0])))
		return -EXO_EFAULT;
	int err = pred_check(e->pred, n);
	if (err)
		return err;
	uint64_t word;
	for (uint64_t i = 0; i < n; i++) {
		const struct exo_pred_term *t = &e->pred[i];
		if ((t->lhs_kind == EXO_OPND_MEM && get_user_u64(e->pml4, t->lhs, &word)) ||
		    (t->rhs_kind == EXO_OPND_MEM && get_user_u64(e->pml4, t->rhs, &word)))
			return -EXO_EFAULT;
	}
	e->npred = (uint32_t)n;
	int now = evaluate(e, rdtsc());
	if (now)
		return now > 0 ? 0 : now;
	syscall_save_state(e);
	sched_yielded(e);
	sleeping |= env_bit(e);
	sched_set_state(e, EXO_ENV_SLEEPING);
	sched_yield();
}
