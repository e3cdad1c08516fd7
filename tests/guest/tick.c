/* EXO_EV_TICK: alone on the CPU, an environment that asks for it gets a
 * prologue upcall at the ticks it keeps the CPU through (there is no
 * epilogue: nobody else wants the CPU), none while uarea.critical is set, and
 * none once it asks no more.  ExOS's Linux threads are preempted by it. */
#define TEST_NAME "tick"
#include <exos/exception.h>
#include <exos/sched.h>

#include "check.h"

static volatile uint64_t ticks_seen;

static int on_prologue(struct exo_xframe *f, struct exos_regs *r)
{
	(void)f, (void)r;
	ticks_seen++;
	return 1;
}

/* Spins (no call) for ms of TSC time. */
static void spin_ms(uint64_t ms)
{
	uint64_t khz = exo_kinfo()->tsc_khz, t0 = exo_rdtsc();
	while (exo_rdtsc() - t0 < ms * khz)
		;
}

int main(void)
{
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t tick_ms = k->tick_ns / 1000000 ? k->tick_ns / 1000000 : 1;
	exos_set_exception_handler(EXO_VEC_PROLOGUE, on_prologue);
	RET(exos_set_upcall_events(EXO_EV_TICK), 0, "asked for the tick upcall");
	spin_ms(10 * tick_ms);
	uint64_t got = ticks_seen;
	CHECK(got >= 3, "spinning 10 ticks alone brought tick upcalls (%lu)", (unsigned long)got);

	exos_critical_enter();
	uint64_t before = ticks_seen;
	spin_ms(5 * tick_ms);
	uint64_t during = ticks_seen - before;
	exo_uarea()->deferred = 0;
	exo_uarea()->critical--;
	CHECK(during == 0, "none inside a critical section (%lu)", (unsigned long)during);

	RET(exos_set_upcall_events(0), 0, "asked for no upcalls");
	before = ticks_seen;
	spin_ms(5 * tick_ms);
	CHECK(ticks_seen == before, "then none came");
	ERR(exo_set_upcalls(EXO_CAP_SELF, (const void *)exos_xentry, EXOS_XSTACK_LO, EXOS_XSTACK_HI,
	                    EXO_EV_ALL + 1),
	    EXO_EINVAL, "an event bit past EXO_EV_ALL");
	return check_done();
}
