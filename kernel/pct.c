/* Protected control transfer (include/exo/sched.h).
 *
 * A call switches address spaces and enters the callee at the entry it
 * registered, in a fresh activation context: the callee's own saved context is
 * left alone, so a call can arrive while it sleeps or was preempted.  The
 * kernel puts the caller's id in rdi, where the caller cannot forge it, and
 * donates the rest of the slice.  A synchronous caller blocks until the callee
 * replies; the reply writes the results into the caller's saved registers and
 * switches straight back. */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/sched.h>

#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "pct.h"
#include "sched.h"
#include "trap.h"
#include "uaccess.h"
#include "x86.h"

static void activation_begin(struct env *callee, const struct env *caller, uint64_t kind,
                             const uint64_t a[4])
{
	struct trapframe *t = &callee->act_tf;
	*t = (struct trapframe){
	        .rdi = caller->id,
	        .rsi = kind,
	        .rdx = a[0],
	        .rcx = a[1],
	        .r8 = a[2],
	        .r9 = a[3],
	        .rip = callee->info->pct_entry,
	        .rsp = callee->pct_stack - 8, /* as if called: rsp + 8 is 16-byte aligned */
	        .cs = SEL_UCODE,
	        .ss = SEL_UDATA,
	        .rflags = USER_RFLAGS_FIXED,
	};
	callee->main_state = callee->info->state;
	callee->ctx = t;
	callee->act_kind = (uint32_t)kind;
	callee->info->in_pct = caller->id;
	sched_set_state(callee, EXO_ENV_RUNNABLE);
}

static void activation_end(struct env *e)
{
	e->ctx = &e->tf;
	e->info->in_pct = 0;
	sched_set_state(e, e->main_state);
}

static long pct_call(uint64_t env_cap, uint64_t kind, const uint64_t a[4])
{
	struct env *caller = curenv;
	int err;
	struct env *callee = env_from_cap(caller, (int64_t)env_cap, EXO_RIGHT_CALL, &err);
	if (!callee)
		return err;
	if (callee == caller || !callee->info->pct_entry)
		return -EXO_EINVAL;
	/* One activation at a time; and a callee blocked in its own call cannot
	 * take one (the reply must find the context that called). */
	if (callee->info->in_pct || callee->info->state == EXO_ENV_BLOCKED)
		return -EXO_EBUSY;
	syscall_save_state(caller);
	sched_yielded(caller);
	if (kind == EXO_PCT_CALL) {
		caller->info->waiting_for = callee->id;
		sched_set_state(caller, EXO_ENV_BLOCKED);
	}
	activation_begin(callee, caller, kind, a);
	kinfo_page.pcts++;
	env_run(callee);
}

/* The caller resumes from its call with rax = 0 and the results. */
static _Noreturn void pct_reply(struct env *callee, const uint64_t r[4])
{
	struct env *caller = env_by_id(callee->info->in_pct);
	sched_yielded(callee);
	activation_end(callee);
	if (caller && caller->info->state == EXO_ENV_BLOCKED &&
	    caller->info->waiting_for == callee->id) {
		struct trapframe *t = caller->ctx;
		t->rax = 0;
		t->rdx = r[0], t->rcx = r[1], t->r8 = r[2], t->r9 = r[3];
		caller->info->waiting_for = 0;
		sched_set_state(caller, EXO_ENV_RUNNABLE);
		kinfo_page.pcts++;
		env_run(caller);
	}
	sched_yield(); /* the caller is gone */
}

long sys_pct(uint64_t env_cap, uint64_t kind, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	const uint64_t a[4] = {a0, a1, a2, a3};
	struct env *e = curenv;
	switch (kind) {
	case EXO_PCT_CALL:
	case EXO_PCT_SEND:
		return pct_call(env_cap, kind, a);
	case EXO_PCT_REPLY:
		if (!e->info->in_pct || e->act_kind != EXO_PCT_CALL)
			return -EXO_EINVAL;
		pct_reply(e, a);
	case EXO_PCT_DONE:
		if (!e->info->in_pct || e->act_kind != EXO_PCT_SEND)
			return -EXO_EINVAL; /* a synchronous caller waits for REPLY */
		sched_yielded(e);
		activation_end(e);
		sched_yield();
	default:
		return -EXO_EINVAL;
	}
}

long sys_pct_entry(uint64_t env_cap, uint64_t entry, uint64_t stack_top)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (entry && (!user_addr_ok(entry) || !user_range_ok(0, stack_top) || stack_top < 16 ||
	              stack_top & 15))
		return -EXO_EINVAL;
	e->info->pct_entry = entry;
	e->pct_stack = entry ? stack_top : 0;
	return 0;
}

void pct_callee_died(struct env *dead)
{
	for (int s = 1; s < EXO_NENV; s++) {
		struct env *e = &envs[s];
		if (!e->info || e->info->state != EXO_ENV_BLOCKED ||
		    e->info->waiting_for != dead->id)
			continue;
		e->ctx->rax = (uint64_t)-EXO_EPIPE;
		e->info->waiting_for = 0;
		sched_set_state(e, EXO_ENV_RUNNABLE);
	}
}
