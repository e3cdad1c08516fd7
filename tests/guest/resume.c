/* EXO_EV_RESUME: an environment that asks for it gets a prologue upcall when
 * the CPU comes back after the kernel preempted it (a tick ended its slice
 * while another environment wanted the CPU), and none when it comes back from
 * a WAIT it made itself.  ExOS delivers Linux signals sent by other
 * processes there, to a program spinning in its own code. */
#define TEST_NAME "resume"
#include <exos/env.h>
#include <exos/exception.h>
#include <exos/sched.h>

#include "check.h"

static volatile uint64_t resumes;

static int on_prologue(struct exo_xframe *f, struct exos_regs *r)
{
	(void)f, (void)r;
	resumes++;
	return 1;
}

static uint64_t tick_cycles(void)
{
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t ns = k->tick_ns ? k->tick_ns : 5000000;
	return ns * k->tsc_khz / 1000000;
}

/* Spins (no call) for n ticks of TSC time. */
static void spin_ticks(uint64_t n)
{
	uint64_t t0 = exo_rdtsc(), len = n * tick_cycles();
	while (exo_rdtsc() - t0 < len)
		;
}

static int spinner(void *arg)
{
	(void)arg;
	for (;;)
		;
	return 0;
}

int main(void)
{
	exos_set_exception_handler(EXO_VEC_PROLOGUE, on_prologue);
	RET(exos_set_upcall_events(EXO_EV_RESUME), 0, "asked for the resume upcall");
	spin_ticks(6);
	CHECK(resumes == 0, "alone on the CPU: no resume upcall (%lu)", (unsigned long)resumes);

	long child = exos_env_spawn(spinner, 0, "spinner");
	CHECK(child > 0, "spawned a spinning environment (%ld)", child);
	/* A loaded host (QEMU under ctest -j) delays ticks: spin until three
	 * came, up to 400 ticks of TSC time. */
	for (int i = 0; i < 400 && resumes < 3; i++)
		spin_ticks(1);
	uint64_t got = resumes;
	CHECK(got >= 3, "sharing the CPU with a spinner: resume upcalls (%lu)", (unsigned long)got);

	/* Waking from our own WAIT is no preemption: alone again (nobody can
	 * preempt us), ten sleeps bring no upcall. */
	exos_env_kill((uint32_t)child);
	uint64_t before = resumes;
	for (int i = 0; i < 10; i++)
		exos_sleep_ns(1000000);
	uint64_t after_sleeps = resumes - before;
	CHECK(after_sleeps == 0, "ten sleeps woke without resume upcalls (%lu)",
	      (unsigned long)after_sleeps);

	RET(exos_set_upcall_events(0), 0, "asked for no upcalls");
	child = exos_env_spawn(spinner, 0, "spinner2");
	before = resumes;
	spin_ticks(10);
	CHECK(resumes == before, "then none came, sharing the CPU again");
	exos_env_kill((uint32_t)child);
	return check_done();
}
