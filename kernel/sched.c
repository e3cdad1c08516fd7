/* The scheduler (include/exo/sched.h).
 *
 * The CPU is the slice vector: each timer tick ends a slice and the next
 * position whose owner can run gets the CPU.  An owner that asked for the
 * epilogue is not switched away invisibly: it gets an EXO_VEC_EPILOGUE
 * upcall and kinfo.grace_ticks to yield.  If it overruns, the kernel takes
 * the CPU anyway and the environment forfeits its next slice.  While the
 * libOS's critical flag is up the epilogue waits, a tick at a time, at most
 * CRITICAL_MAX_TICKS in a row.  Environments that registered nothing are
 * switched by the kernel, as any OS would.
 *
 * A switch made here (not a donation: directed yield, PCT) starts a slice, so
 * an environment that wants it is entered at its prologue upcall.  With
 * nothing to run the kernel halts until the next interrupt.
 *
 * Every path is short: ring 0 costs ~275 ns an instruction on KVM-on-PVM.  The
 * sets of runnable environments and used slices are 64-bit masks, searched
 * with a count of trailing zeros instead of loops over tables. */
#include <exo/errno.h>
#include <exo/sched.h>
#include <exo/status.h>

#include "arch.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "lapic.h"
#include "reclaim.h"
#include "sched.h"
#include "slice.h"
#include "upcall.h"
#include "wakeup.h"

#define GRACE_TICKS        1
#define CRITICAL_MAX_TICKS 2

_Static_assert(EXO_NENV == 64, "the scheduler's sets are 64-bit masks");

static uint64_t runnable;
/* Slices environments still owe for overrunning a grace period, all together. */
static uint64_t forfeits;
/* The current slice began (an epilogue was sent) but its owner has not run. */
static bool slice_waiting;

void sched_init(void)
{
	kinfo_page.grace_ticks = GRACE_TICKS;
	kinfo_page.critical_max_ticks = CRITICAL_MAX_TICKS;
	kinfo_page.nslices = EXO_NSLICES;
}

void sched_set_state(struct env *e, uint32_t state)
{
	e->info->state = state;
	if (state == EXO_ENV_RUNNABLE)
		runnable |= env_bit(e);
	else
		runnable &= ~env_bit(e);
}

void sched_forget(struct env *e)
{
	runnable &= ~env_bit(e);
	sleeping &= ~env_bit(e);
	forfeits -= e->forfeit;
	e->pending = e->forfeit = e->deferrals = 0;
	e->grace_end = 0;
}

void sched_yielded(struct env *e)
{
	e->grace_end = 0;
	e->deferrals = 0;
}

static bool can_run(const struct env *e)
{
	return runnable & env_bit(e);
}

/* The slices of every environment that can run: a few ORs, where testing
 * each used slice's owner cost ~20 emulated instructions a slice on every
 * tick (with 63 slices of a stopped environment, more than a tick's worth of
 * ring-0 time on KVM-on-PVM: the machine did nothing but take ticks). */
static uint64_t runnable_slices(void)
{
	uint64_t m = 0;
	for (uint64_t r = runnable; r; r &= r - 1)
		m |= envs[__builtin_ctzl(r)].slices;
	return m;
}

/* The next position after the current slice whose owner can run, or -1.
 * Owners that forfeited a slice are passed over; when committing, that pays
 * for it. */
static int next_slice(bool commit)
{
	unsigned start = (kinfo_page.slice_pos + 1) % EXO_NSLICES;
	for (uint64_t m = rotr64(slice_used & runnable_slices(), start); m; m &= m - 1) {
		uint32_t pos = (start + (unsigned)__builtin_ctzl(m)) % EXO_NSLICES;
		struct env *o = slice_owner(pos);
		if (!o || !can_run(o))
			continue;
		if (o->forfeit) {
			if (commit) {
				o->forfeit--;
				forfeits--;
			}
			continue;
		}
		return (int)pos;
	}
	return -1;
}

/* A runnable environment other than prev if there is one (round robin over
 * slots), else prev if it can run, else 0. */
static struct env *any_runnable(const struct env *prev)
{
	unsigned start = prev ? prev->slot + 1u : 0;
	uint64_t m = rotr64(runnable, start);
	return m ? &envs[(start + (unsigned)__builtin_ctzl(m)) % EXO_NENV] : 0;
}

/* e stopped at its handler's first instruction: an upcall was delivered and
 * has not run.  A resume upcall on top of it would tell nothing more, and when
 * ticks come faster than the kernel's work between them, each would land
 * below the last until the exception stack overflowed. */
static bool upcall_unstarted(const struct env *e, const struct trapframe *tf)
{
	const struct exo_env_info *i = e->info;
	return tf->rip == i->handler && tf->rsp >= i->xstack_lo && tf->rsp < i->xstack_hi;
}

static _Noreturn void run_slice(struct env *e)
{
	if (e != curenv && env_wants(e, EXO_EV_PROLOGUE) && !upcall_unstarted(e, e->ctx))
		e->pending |= PENDING_PROLOGUE;
	env_run(e);
}

static _Noreturn void nothing_to_run(void)
{
	const struct env *first = &envs[1];
	if (first->info && first->info->state == EXO_ENV_EXITED)
		machine_exit(first->info->status);
	kprintf("exo: deadlock: every environment is waiting for a PCT reply\n");
	machine_exit(EXOSIM_EXIT_CRASH);
}

static _Noreturn void switch_from(struct env *prev);

/* Halt until an interrupt makes something runnable.  A tick that arrives here
 * finds ring 0 in its frame and only counts; this loop looks again.  An
 * environment's first exit ends the machine once nothing can run. */
static _Noreturn void idle(void)
{
	for (;;) {
		if (runnable)
			switch_from(0);
		if (!sleeping || envs[1].info->state == EXO_ENV_EXITED)
			nothing_to_run();
		kinfo_page.idle_halts++;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (sleeping)
			wakeup_poll();
		if (reclaiming)
			reclaim_poll();
	}
}

/* prev gives up the CPU (its state is saved): the owner of a slice that began
 * without it runs first, then the next slice's owner.  If that is prev again,
 * an environment without slices may have the time. */
static _Noreturn void switch_from(struct env *prev)
{
	if (slice_waiting) {
		slice_waiting = false;
		struct env *o = slice_owner(kinfo_page.slice_pos);
		if (o && o != prev && can_run(o))
			run_slice(o);
	}
	int pos = next_slice(true);
	struct env *next = 0;
	if (pos >= 0) {
		kinfo_page.slice_pos = (uint32_t)pos;
		next = slice_owner((uint32_t)pos);
	}
	if (!next || next == prev)
		next = any_runnable(prev);
	if (next)
		run_slice(next);
	idle();
}

_Noreturn void sched_yield(void)
{
	if (sleeping)
		wakeup_poll_some();
	if (reclaiming)
		reclaim_poll();
	switch_from(curenv);
}

/* e loses the CPU in ring 3 at tf; with EXO_EV_RESUME it learns so when it
 * next runs. */
static void save_preempted(struct env *e, struct trapframe *tf)
{
	*e->ctx = *tf;
	e->deferrals = 0;
	if (env_wants(e, EXO_EV_RESUME) && !upcall_unstarted(e, tf))
		e->pending |= PENDING_PROLOGUE;
}

static _Noreturn void preempt(struct env *e, struct trapframe *tf)
{
	save_preempted(e, tf);
	switch_from(e);
}

uint64_t sched_runnable_set(void)
{
	return runnable;
}

/* The environments the last device interrupt woke (sched_irq_woke to _switch). */
static uint64_t irq_woken;

bool sched_irq_woke(uint64_t before, bool from_user)
{
	struct env *e = curenv;
	irq_woken = runnable & ~before & ~env_bit(e);
	return irq_woken && from_user && !env_wants(e, EXO_EV_EPILOGUE) && !e->grace_end;
}

_Noreturn void sched_irq_switch(struct trapframe *tf)
{
	struct env *e = curenv;
	struct env *w = &envs[__builtin_ctzl(irq_woken)];
	kinfo_page.irq_switches++;
	save_preempted(e, tf);
	/* e's slice has not ended: it comes back first (switch_from). */
	if (slice_owner(kinfo_page.slice_pos) == e)
		slice_waiting = true;
	env_run(w);
}

/* An upcall it asked for must be delivered: if its exception stack cannot
 * take the frame it dies, as for an exception. */
static void upcall_or_kill(struct env *e, struct trapframe *tf, uint64_t vector, uint64_t err)
{
	int r = upcall_push(e, tf, vector, err);
	if (r == -EXO_ENOSPC)
		env_kill(e, EXO_STATUS_NOUPCALL(vector), "exception stack overflow");
	if (r)
		env_kill(e, EXO_STATUS_NOUPCALL(vector), "exception stack is not mapped writable");
}

/* The slice of e (running, interrupted at tf) ended and `next` should run.
 * Returns if e keeps the CPU for now. */
static void end_slice(struct env *e, struct trapframe *tf)
{
	if (!env_wants(e, EXO_EV_EPILOGUE))
		preempt(e, tf);
	if (e->uarea->critical && e->deferrals < CRITICAL_MAX_TICKS) {
		e->deferrals++;
		e->uarea->deferred++;
		return;
	}
	e->deferrals = 0;
	upcall_or_kill(e, tf, EXO_VEC_EPILOGUE, kinfo_page.slice_pos);
	e->uarea->epilogues++;
	e->grace_end = kinfo_page.ticks + GRACE_TICKS;
	e->grace_tsc = rdtsc();
	/* The next slice has begun; e finishes in its grace period. */
	int pos = next_slice(true);
	if (pos >= 0) {
		kinfo_page.slice_pos = (uint32_t)pos;
		slice_waiting = true;
	}
}

/* The grace period's tick came less than half a tick after the epilogue: a
 * burst of ticks (a host that held the vCPU delivers the ones it owes back to
 * back), not a period in which e could answer.  It gets the next tick. */
static bool grace_was_burst(const struct env *e)
{
	static uint64_t half_tick;
	if (!half_tick)
		half_tick = kinfo_page.tick_ns * kinfo_page.tsc_khz / 2000000 + 1;
	return rdtsc() - e->grace_tsc < half_tick;
}

static void tick_ring3(struct env *e, struct trapframe *tf)
{
	e->info->cpu_ticks++;
	if (sleeping)
		wakeup_poll_some();
	if (reclaiming)
		reclaim_poll();
	if (e->grace_end) {
		if (kinfo_page.ticks < e->grace_end)
			return;
		if (grace_was_burst(e)) {
			e->grace_end++;
			return;
		}
		/* It ignored its epilogue: it loses the CPU now and a slice later. */
		e->grace_end = 0;
		e->forfeit++;
		forfeits++;
		e->uarea->forfeited++;
		preempt(e, tf);
	}
	int pos = next_slice(false);
	struct env *next = pos >= 0 ? slice_owner((uint32_t)pos) : any_runnable(e);
	if (next && next != e) {
		end_slice(e, tf);
		return;
	}
	/* Its own next slice: it goes on.  Committing only differs from looking
	 * when an owner passed over pays a forfeit. */
	if (pos >= 0)
		kinfo_page.slice_pos = (uint32_t)(forfeits ? next_slice(true) : pos);
	if (env_wants(e, EXO_EV_TICK) && !e->uarea->critical && !e->info->in_pct) {
		upcall_or_kill(e, tf, EXO_VEC_PROLOGUE, kinfo_page.slice_pos);
		e->uarea->prologues++;
	}
}

void sched_tick(struct trapframe *tf)
{
	kinfo_page.ticks++;
	lapic_eoi();
	if (!(tf->cs & 3))
		return; /* the idle loop: it evaluates the sleepers itself */
	tick_ring3(curenv, tf);
}

/* An activation borrows the environment on its own stack while the main
 * context may have a frame on the exception stack, where the upcall would
 * land: the prologue waits for the main context. */
void sched_deliver_pending(struct env *e)
{
	uint32_t keep = e->info->in_pct ? e->pending & PENDING_PROLOGUE : 0;
	uint32_t p = e->pending & ~keep;
	e->pending = keep;
	if (p & PENDING_PROLOGUE) {
		upcall_or_kill(e, e->ctx, EXO_VEC_PROLOGUE, kinfo_page.slice_pos);
		e->uarea->prologues++;
	}
	if ((p & PENDING_RECLAIM) && e->reclaim_left)
		upcall_or_kill(e, e->ctx, EXO_VEC_RECLAIM, e->reclaim_left);
}
