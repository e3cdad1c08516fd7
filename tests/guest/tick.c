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

/* A stopped timer fails the test after this much TSC time a phase. */
#define DEADLINE_MS 5000

/* Spins (no call) until the kernel has taken n more timer ticks, or for
 * DEADLINE_MS; returns the ticks taken.  Counted in ticks, not in time: a
 * busy host delays and merges QEMU's timer interrupts (with five busy loops on
 * two cores, 2 to 7 of a nominal 20 arrived), and each tick taken in ring 3 is
 * what brings the upcall. */
static uint64_t spin_ticks(uint64_t n)
{
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t ticks0 = k->ticks, t0 = exo_rdtsc();
	while (k->ticks - ticks0 < n && exo_rdtsc() - t0 < DEADLINE_MS * k->tsc_khz)
		;
	return k->ticks - ticks0;
}

int main(void)
{
	exos_set_exception_handler(EXO_VEC_PROLOGUE, on_prologue);
	RET(exos_set_upcall_events(EXO_EV_TICK), 0, "asked for the tick upcall");
	uint64_t before = ticks_seen;
	uint64_t n = spin_ticks(10);
	uint64_t got = ticks_seen - before;
	CHECK(n >= 10, "the timer ticked 10 times while we spun (%lu)", (unsigned long)n);
	/* Alone on the CPU, every tick taken in ring 3 brings one; the first may
	 * have come before the spin counted it. */
	CHECK(got + 1 >= n, "spinning alone brought a tick upcall at each tick (%lu of %lu)",
	      (unsigned long)got, (unsigned long)n);

	exos_critical_enter();
	before = ticks_seen;
	n = spin_ticks(5);
	uint64_t during = ticks_seen - before;
	exo_uarea()->deferred = 0;
	exo_uarea()->critical--;
	CHECK(n >= 5 && during == 0, "none inside a critical section (%lu in %lu ticks)",
	      (unsigned long)during, (unsigned long)n);

	RET(exos_set_upcall_events(0), 0, "asked for no upcalls");
	before = ticks_seen;
	n = spin_ticks(5);
	CHECK(n >= 5 && ticks_seen == before, "then none came (%lu in %lu ticks)",
	      (unsigned long)(ticks_seen - before), (unsigned long)n);
	ERR(exo_set_upcalls(EXO_CAP_SELF, (const void *)exos_xentry, EXOS_XSTACK_LO, EXOS_XSTACK_HI,
	                    EXO_EV_ALL + 1),
	    EXO_EINVAL, "an event bit past EXO_EV_ALL");
	return check_done();
}
