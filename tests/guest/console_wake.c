/* console_wake: a reader waiting for console input gets the CPU as soon as the
 * input's interrupt comes, not at the next tick of an environment that spins
 * meanwhile (wake-up preemption, kernel/sched.h, as for device interrupts).
 * stdin is a pipe the test writes 15 lines into, one every 0.3 s
 * (tests/integration/CMakeLists.txt: console_wake).  Each read that found the
 * ring empty slept on its predicate while the spinner ran in ring 3, so the
 * interrupt that ended the sleep should have handed the CPU over
 * (kinfo.irq_switches: no other device interrupts in this VM).  Without the
 * hand-over the count stays 0 and the reader waits up to a tick per line. */
#define TEST_NAME "console_wake"
#include <stdbool.h>

#include <exo/console.h>
#include <exos/env.h>

#include "check.h"

static _Noreturn int spinner(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("pause");
}

int main(void)
{
	if (!(exo_kinfo()->flags & EXO_KINFO_CONSOLE_ASYNC)) {
		CHECK(0, "asynchronous console input (exosim with an interrupt controller)");
		return check_done();
	}
	long spin = exos_env_spawn(spinner, 0, "spinner");
	CHECK(spin > 0, "a spinning environment");
	uint64_t s0 = exo_kinfo()->irq_switches;
	unsigned lines = 0, waited = 0;
	bool slept = false;
	char buf[256];
	for (;;) {
		struct exo_pred_term t;
		long r = exo_console_take(buf, sizeof(buf), &t);
		if (r == -EXO_EAGAIN) {
			slept = true;
			exo_wait(&t, 1); /* -EXO_EINTR (an upcall): look again */
			continue;
		}
		if (r <= 0) {
			CHECK(r == 0, "the end of input -> %ld", r);
			break;
		}
		waited += slept;
		slept = false;
		for (long i = 0; i < r; i++)
			lines += buf[i] == '\n';
	}
	uint64_t switches = exo_kinfo()->irq_switches - s0;
	CHECK(lines == 15, "%u lines read", lines);
	CHECK(waited >= 2, "%u reads waited for their input", waited);
	CHECK(switches >= (waited + 1) / 2,
	      "the input interrupts handed the CPU to the reader (%lu times for %u waits)",
	      (unsigned long)switches, waited);
	if (spin > 0)
		RET(exos_env_kill((uint32_t)spin), 0, "the spinner killed");
	return check_done();
}
