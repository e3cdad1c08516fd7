/* Robust critical sections: while ExOS's critical flag is up the kernel
 * defers the epilogue, a tick at a time, and records it; but only up to
 * kinfo.critical_max_ticks, so an environment that stays in a critical section
 * cannot starve the others.  Leaving the section with an epilogue deferred
 * yields at once.
 *
 * Time is counted in the kernel's ticks, not in TSC time: a busy host delays
 * and merges QEMU's timer ticks (a quarter of them arrived with five busy loops
 * on two cores), and can deliver two within microseconds, so that the other
 * environment's slice ends before it ran an instruction.  It was still given
 * the CPU: the kernel charged it that tick (exo_env_info.cpu_ticks). */
#define TEST_NAME "critical"
#include <exos/env.h>
#include <exos/exception.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED      0x4e0000000000ul
#define SPIN_TICKS  20    /* far longer than the bound */
#define DEADLINE_MS 20000 /* a phase that takes longer: the timer stopped */

struct shared {
	volatile uint64_t stop, other_count;
	volatile uint64_t longest, deferred, epilogues, other_moved_while_critical;
	volatile uint64_t deferred_before_leave, deferred_after_leave, other_moved_at_leave;
	volatile uint64_t done, other_id;
};
#define SH ((struct shared *)SHARED)

static int other(void *arg)
{
	(void)arg;
	while (!SH->stop)
		SH->other_count++;
	return 0;
}

/* The other environment's count and the ticks it was charged: either moves
 * only when it held the CPU. */
static uint64_t other_progress(void)
{
	return SH->other_count + exos_env_info((uint32_t)SH->other_id)->cpu_ticks;
}

/* Spins inside a critical section for `ticks` ticks, measuring its longest
 * run in timer ticks (the kernel's clock, not the wall clock a busy host
 * stretches).  A run ends when the other environment made progress or after
 * a gap of a quarter tick (a timer interrupt or an upcall is far shorter). */
static uint64_t critical_spin(uint64_t ticks)
{
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t gap = k->tick_ns / 4 * k->tsc_khz / 1000000, run_start = k->ticks, longest = 0;
	uint64_t other = SH->other_count;
	uint64_t t0 = exo_rdtsc(), last = t0, ticks0 = k->ticks;
	while (k->ticks - ticks0 < ticks && exo_rdtsc() - t0 < DEADLINE_MS * k->tsc_khz) {
		uint64_t now = exo_rdtsc();
		if (now - last >= gap || SH->other_count != other) {
			run_start = k->ticks;
			other = SH->other_count;
		}
		if (k->ticks - run_start > longest)
			longest = k->ticks - run_start;
		last = now;
	}
	return longest;
}

static int critical(void *arg)
{
	(void)arg;
	if (exos_set_upcall_events(EXO_EV_EPILOGUE) < 0)
		return 1;
	volatile struct exo_uarea *u = exo_uarea();

	/* 1: far longer than the bound. */
	uint64_t before = other_progress();
	exos_critical_enter();
	SH->longest = critical_spin(SPIN_TICKS);
	SH->deferred = u->deferred;
	SH->other_moved_while_critical = other_progress() != before;
	u->deferred = 0;
	exos_critical_leave();

	/* 2: a short section that sees one deferral, then leaves: that yields. */
	exo_yield(); /* start at the beginning of a slice */
	exos_critical_enter();
	while (!u->deferred)
		;
	SH->deferred_before_leave = u->deferred;
	before = other_progress();
	exos_critical_leave();
	SH->other_moved_at_leave = other_progress() != before;
	SH->deferred_after_leave = u->deferred;
	SH->epilogues = exos_epilogues;
	SH->done = 1;
	return 0;
}

int main(void)
{
	long id[2];
	int (*fn[2])(void *) = {critical, other};
	CHECK(exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page to share");
	for (int i = 0; i < 2; i++) {
		id[i] = exos_env_spawn_shared(fn[i], 0, i ? "other" : "critical", SHARED, 1);
		CHECK(id[i] > 0, "spawned the %s one", i ? "other" : "critical");
	}
	SH->other_id = (uint64_t)id[1];
	for (int i = 0; i < 2; i++)
		RET(exos_env_start((uint32_t)id[i]), 0, "started it with a slice");
	RET(exos_wait_word(&SH->done, EXO_PRED_NE, 0, 3 * DEADLINE_MS * 1000000ul), 0,
	    "slept until the critical one was done");
	CHECK(SH->done, "the critical one finished within %u s", 3 * DEADLINE_MS / 1000);
	SH->stop = 1;
	for (int i = 0; i < 2; i++)
		RET(exos_env_wait((uint32_t)id[i]), 0, "child exited");

	const struct exo_kinfo *k = exo_kinfo();
	/* A run sees the tick ending its slice, the deferred ones, and the one
	 * that brings the epilogue, which it answers at once; one more if it began
	 * just before a tick. */
	uint64_t bound = 1 + k->critical_max_ticks + 1 + 1;
	CHECK(SH->deferred >= k->critical_max_ticks, "the kernel deferred the epilogue (%lu times)",
	      (unsigned long)SH->deferred);
	CHECK(SH->longest <= bound, "but never beyond the bound: longest run %lu ticks (bound %lu)",
	      (unsigned long)SH->longest, (unsigned long)bound);
	CHECK(SH->other_moved_while_critical, "the other environment ran during the section");
	CHECK(SH->epilogues > 0, "the epilogue came after the bound (%lu)",
	      (unsigned long)SH->epilogues);
	CHECK(SH->deferred_before_leave > 0 && SH->deferred_after_leave == 0,
	      "a deferral was recorded, and leaving the section answered it");
	CHECK(SH->other_moved_at_leave, "leaving the section yielded to the other environment");
	return check_done();
}
