/* Preemption: a parent and a child that never yield both make progress, so the
 * timer must be taking the CPU from each in turn.  Also checks that the kernel
 * exports a working clock (tsc_khz, ticks) whose two halves agree. */
#define TEST_NAME "preempt"
#include <exos/env.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED 0x4e0000000000ul

struct shared {
	volatile uint64_t child_count;
	volatile int stop;
};

static int spinner(void *arg)
{
	(void)arg;
	struct shared *sh = (struct shared *)SHARED;
	while (!sh->stop)
		sh->child_count++;
	return 7;
}

/* Spins (no yield) until cond() or `ms` milliseconds of TSC time pass. */
static int spin_until(int (*cond)(void), uint64_t ms)
{
	uint64_t khz = exo_kinfo()->tsc_khz, t0 = exo_rdtsc();
	while (!cond())
		if (exo_rdtsc() - t0 > ms * khz)
			return 0;
	return 1;
}

/* Ticks never come faster than the timer's period in real time (a busy host
 * only delays or merges them), so a spin of CLOCK_TICKS ticks of TSC time sees
 * at most two more: if it sees more, tsc_khz is too high, as QEMU's calibration
 * made it when the host took the CPU in the middle of it. */
#define CLOCK_TICKS 20

static void clock_agrees(void)
{
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t span = CLOCK_TICKS * k->tick_ns * k->tsc_khz / 1000000;
	uint64_t ticks0 = k->ticks, t0 = exo_rdtsc();
	while (exo_rdtsc() - t0 < span)
		;
	uint64_t n = k->ticks - ticks0;
	CHECK(n <= CLOCK_TICKS + 2, "%u ticks of TSC time (tsc_khz %lu) saw no more ticks (%lu)",
	      CLOCK_TICKS, (unsigned long)k->tsc_khz, (unsigned long)n);
}

static int child_moved(void)
{
	return ((struct shared *)SHARED)->child_count > 1000;
}

static uint64_t seen; /* the child's count at our last look */

static int child_moved_again(void)
{
	return ((struct shared *)SHARED)->child_count > seen;
}

int main(void)
{
	const struct exo_kinfo *k = exo_kinfo();
	CHECK(k->tsc_khz > 0, "the kernel exports the TSC frequency");
	CHECK(k->tick_ns >= 100000, "and a timer tick (%lu us)",
	      (unsigned long)(k->tick_ns / 1000));
	clock_agrees();

	long mcap = exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX);
	long id = exos_env_spawn_stopped(spinner, 0, "spinner");
	CHECK(mcap > 0 && id > 0, "spawned a child that spins without yielding");
	RET(exo_map((int)exos_env_cap((uint32_t)id),
	            &(struct exo_map_op){.npages = 1,
	                                 .va = SHARED,
	                                 .cap = (int32_t)mcap,
	                                 .perm = EXO_PTE_W | EXO_PTE_NX},
	            1),
	    1, "shared a page with it");
	uint64_t ticks0 = k->ticks;
	RET(exos_env_start((uint32_t)id), 0, "started it");

	/* We never yield: the child can only run if the timer preempts us. */
	CHECK(spin_until(child_moved, 5000), "the child ran while we spun (preempted us)");
	/* Still without yielding: the child must run again.  No fixed window: on a
	 * loaded host the vCPU itself may be off the CPU for tens of ms. */
	seen = ((struct shared *)SHARED)->child_count;
	CHECK(spin_until(child_moved_again, 5000), "and keeps running between our turns");
	CHECK(k->ticks > ticks0, "timer ticks advanced (%lu)", (unsigned long)(k->ticks - ticks0));

	((struct shared *)SHARED)->stop = 1;
	RET(exos_env_wait((uint32_t)id), 7, "the child stopped when asked (it got the CPU back)");
	return check_done();
}
