/* Wakeup predicates (include/exo/pred.h).  EXO_SYS_WAIT checks and stores a
 * predicate and puts the main context to sleep; the scheduler evaluates the
 * sleepers' predicates when it decides what runs (up to WAKEUP_POLL_BUDGET at
 * each tick and yield, all of them at each turn of the idle loop and each
 * device interrupt) and wakes those that hold.
 *
 * That is many evaluations, each in emulated ring 0 here (~400 ns an
 * instruction), so a predicate is compiled once (lib/pred.c): each memory
 * operand becomes a pointer into the direct map, and an evaluation is a few
 * loads and compares a term.  Walking the page tables for every operand at
 * every tick cost ~0.3-1.5 ms a sleeper: a dozen sleeping processes took more
 * than the 5 ms tick, and the CPU did nothing else.  A pointer is good while
 * the mapping behind it stays; a mapping of the sleeper's that goes moves its
 * vm_gen (pagetable.h), and the next evaluation translates again, so a page
 * unmapped since the install wakes the sleeper with -EXO_EFAULT instead of
 * reading a reused frame. */
#include <exo/errno.h>
#include <exo/pred.h>

#include "arch.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "pred.h"
#include "sched.h"
#include "trap.h"
#include "uaccess.h"
#include "pagetable.h"
#include "wakeup.h"
#include "x86.h"

uint64_t sleeping;

/* The TSC for clock operands: read once per round of evaluations. */
static volatile uint64_t eval_now;

static int resolve_user_word(void *ctx, uint64_t va, const volatile uint64_t **out)
{
	const struct env *e = ctx;
	return user_word(e->pml4, va, out);
}

/* Moves when a translation e's predicate may use goes away. */
static uint64_t mappings_gen(const struct env *e)
{
	return e->vm_gen + vm_export_gen; /* both only grow */
}

/* Every memory operand translated again: 0, or -EXO_EFAULT for one no
 * longer readable. */
static int compile_terms(struct env *e, uint32_t n)
{
	uint64_t gen = mappings_gen(e);
	kinfo_page.pred_compiles++;
	int r = pred_compile(e->pred, n, resolve_user_word, e, &eval_now, e->cpred);
	if (!r)
		e->pred_gen = gen;
	return r;
}

static int compile(struct env *e)
{
	return compile_terms(e, e->npred);
}

static int evaluate(struct env *e)
{
	if (e->pred_gen != mappings_gen(e)) {
		int r = compile(e);
		if (r)
			return r;
	}
	return pred_eval_compiled(e->cpred, e->npred);
}

/* The main context's wait returns `result`.  During a PCT activation the
 * main context is not the one running: only its saved state changes. */
void wakeup_now(struct env *e, int result)
{
	sleeping &= ~env_bit(e);
	kinfo_page.wakeups++;
	e->tf.rax = (uint64_t)(int64_t)result;
	if (e->ctx == &e->tf)
		sched_set_state(e, EXO_ENV_RUNNABLE);
	else
		e->main_state = EXO_ENV_RUNNABLE;
}

/* The slot after the last sleeper wakeup_poll_some evaluated. */
static unsigned poll_next;

static void poll(unsigned budget)
{
	eval_now = rdtsc(); /* once: ~850 ns in ring 0 here */
	unsigned start = poll_next;
	for (uint64_t m = rotr64(sleeping, start); m && budget; m &= m - 1, budget--) {
		unsigned slot = (start + (unsigned)__builtin_ctzl(m)) % EXO_NENV;
		struct env *e = &envs[slot];
		int r = evaluate(e);
		if (r)
			wakeup_now(e, r > 0 ? 0 : r);
		poll_next = slot + 1;
	}
}

void wakeup_poll(void)
{
	poll(EXO_NENV);
}

void wakeup_poll_some(void)
{
	poll(WAKEUP_POLL_BUDGET);
}

/* The terms' shape: all but the values of constant operands.  Two predicates
 * of one shape compile to the same pointers (a constant operand points at its
 * own term in e->pred), so a waiter that sleeps again on the same words with
 * new values (a pipe's sequence number) need not be checked or translated
 * again: 2 page walks and the checks, ~130 emulated instructions a wait. */
static bool same_shape(const struct exo_pred_term *a, const struct exo_pred_term *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t ha, hb; /* op, kinds, flags and pad */
		__builtin_memcpy(&ha, &a[i], sizeof(ha));
		__builtin_memcpy(&hb, &b[i], sizeof(hb));
		if (ha != hb || (a[i].lhs_kind != EXO_OPND_CONST && a[i].lhs != b[i].lhs) ||
		    (a[i].rhs_kind != EXO_OPND_CONST && a[i].rhs != b[i].rhs))
			return false;
	}
	return true;
}

/* Where each environment's last predicate was read from: the page's kernel
 * address, good while that environment's mappings hold, as a compiled
 * predicate's pointers are.  A libOS builds its terms in the same stack frame
 * at every wait, so copying them in costs no page walk (~120 emulated
 * instructions a wait). */
static struct {
	uint32_t id;
	uint64_t va_page, gen;
	const uint8_t *page;
} terms_src[EXO_NENV];

static int copy_terms(struct env *e, struct exo_pred_term *t, uint64_t uterms, size_t len)
{
	const uint64_t mask = EXO_PAGE_SIZE - 1;
	uint64_t va_page = uterms & ~mask, gen = mappings_gen(e);
	bool one_page = (uterms & mask) + len <= EXO_PAGE_SIZE;
	typeof(terms_src[0]) *s = &terms_src[e->slot];
	if (one_page && s->va_page == va_page && s->gen == gen && s->id == e->id && s->page) {
		__builtin_memcpy(t, s->page + (uterms & mask), len);
		return 0;
	}
	if (copy_from_user(e->pml4, t, uterms, len))
		return -EXO_EFAULT;
	uint64_t pa = one_page ? user_phys(e->pml4, va_page, false) : UACCESS_NO_PAGE;
	s->id = e->id;
	s->va_page = va_page;
	s->gen = gen;
	s->page = pa == UACCESS_NO_PAGE ? 0 : kva(pa);
	return 0;
}

/* Copies, checks and compiles e's new predicate: 0, or -EXO_E*. */
static inline __attribute__((always_inline)) int install(struct env *e, uint64_t uterms, uint64_t n)
{
	struct exo_pred_term t[EXO_PRED_MAX_TERMS];
	if (n == 0 || n > EXO_PRED_MAX_TERMS)
		return -EXO_EINVAL;
	if (copy_terms(e, t, uterms, n * sizeof(t[0])))
		return -EXO_EFAULT;
	bool reuse = n == e->npred && e->pred_gen == mappings_gen(e) && same_shape(t, e->pred, n);
	if (!reuse) {
		int err = pred_check(t, n);
		if (err)
			return err;
	}
	__builtin_memcpy(e->pred, t, n * sizeof(t[0]));
	if (reuse) {
		kinfo_page.pred_reuses++;
		return 0;
	}
	/* Until it compiles, e->cpred matches no terms: nothing may reuse it. */
	e->npred = 0;
	if (compile_terms(e, (uint32_t)n)) /* every memory operand must be readable now */
		return -EXO_EFAULT;
	e->npred = (uint32_t)n;
	return 0;
}

/* The hinted environment h (EXO_SYS_WAIT_FOR) is looked at before anything
 * else: if its main context sleeps and its predicate holds, it wakes.  Only
 * whom the kernel looks at first comes from the caller; whether h wakes is
 * its own predicate's word, as in a poll. */
static bool hint_wakes(struct env *h)
{
	if (!(sleeping & env_bit(h)) || h->ctx != &h->tf)
		return false; /* running, runnable, blocked in a PCT, in an activation */
	int r = evaluate(h);
	if (!r)
		return false;
	wakeup_now(h, r > 0 ? 0 : r);
	return true;
}

/* A hint is 0 (none) or an environment id other than the caller's.  An id
 * that names no environment now is not an error: the peer it named may have
 * exited since the libOS wrote it down, and the hint only says whom to look at
 * first. */
static int hint_check(const struct env *e, uint64_t hint)
{
	if (hint == 0)
		return 0;
	if (hint > UINT32_MAX || hint % EXO_NENV == 0 || hint == e->id)
		return -EXO_EINVAL;
	return 0;
}

long sys_wait_for(uint64_t uterms, uint64_t n, uint64_t hint)
{
	struct env *e = curenv;
	if (e->ctx != &e->tf)
		return -EXO_EBUSY; /* an activation does not sleep: it returns */
	int err = hint_check(e, hint);
	if (!err)
		err = install(e, uterms, n);
	if (err)
		return err;
	eval_now = rdtsc();
	int now = pred_eval_compiled(e->cpred, n);
	if (now)
		return now > 0 ? 0 : now;
	syscall_save_state(e);
	sched_yielded(e);
	sleeping |= env_bit(e);
	sched_set_state(e, EXO_ENV_SLEEPING);
	/* A sleeper is alive: its slot and id are enough (no env_by_id). */
	struct env *h = &envs[hint % EXO_NENV];
	if (hint && h->id == hint && hint_wakes(h)) {
		/* The rest of the slice goes to h, as with a directed yield: no
		 * poll of the other sleepers, no search of the slice vector (the
		 * ticks still poll them). */
		kinfo_page.directed_wakeups++;
		env_run(h);
	}
	sched_yield();
}

long sys_wait(uint64_t uterms, uint64_t n)
{
	return sys_wait_for(uterms, n, 0);
}
