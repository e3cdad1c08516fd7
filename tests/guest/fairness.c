/* Fairness of the slice vector: three environments holding 1, 2 and 3 slices
 * get CPU time in proportion 1:2:3, measured by their own counters (ring-3
 * time between rdtsc reads with no gap, so time spent elsewhere is not
 * counted).  The first two take their epilogue upcalls and yield (ExOS's
 * default policy); the third never yields and registers nothing, so the
 * kernel switches it.  The parent holds a slice too but sleeps on a clock
 * predicate, so its slice is skipped. */
#define TEST_NAME "fairness"
#include <exos/env.h>
#include <exos/exception.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED 0x4e0000000000ul
#define NCHILD 3
#define RUN_MS 1500
#define GAP_US 20 /* a longer gap between two reads: we were not running */

struct shared {
	volatile uint64_t stop;
	volatile uint64_t cycles[NCHILD];
	volatile uint64_t epilogues[NCHILD];
};
#define SH ((struct shared *)SHARED)

static int spinner(void *arg)
{
	int i = (int)(uint64_t)arg;
	if (i < 2 && exos_set_upcall_events(EXO_EV_EPILOGUE | EXO_EV_PROLOGUE) < 0)
		return 1;
	uint64_t gap = exo_kinfo()->tsc_khz * GAP_US / 1000, mine = 0, last = exo_rdtsc();
	while (!SH->stop) {
		uint64_t now = exo_rdtsc();
		if (now - last < gap)
			mine += now - last;
		last = now;
		SH->cycles[i] = mine;
	}
	SH->epilogues[i] = exos_epilogues;
	return 0;
}

int main(void)
{
	long id[NCHILD];
	CHECK(exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page to share");
	for (int i = 0; i < NCHILD; i++) {
		id[i] = exos_env_spawn_shared(spinner, (void *)(uint64_t)i, "spinner", SHARED, 1);
		CHECK(id[i] > 0, "spawned child %d, sharing a page", i);
		RET(exos_slices_for((int)exos_env_cap((uint32_t)id[i]), (unsigned)i + 1), i + 1,
		    "gave it slices");
		CHECK(exos_env_info((uint32_t)id[i])->nslices == (uint32_t)i + 1,
		      "the env table shows %d slice(s)", i + 1);
		RET(exos_env_start_flags((uint32_t)id[i], EXO_START_NO_SLICE), 0, "started it");
	}
	RET(exos_sleep_ns(RUN_MS * 1000000ul), 0, "slept while they ran");
	SH->stop = 1;
	for (int i = 0; i < NCHILD; i++)
		RET(exos_env_wait((uint32_t)id[i]), 0, "child exited");

	uint64_t total = 0;
	for (int i = 0; i < NCHILD; i++)
		total += SH->cycles[i];
	CHECK(total > 0, "the children ran");
	for (int i = 0; i < NCHILD; i++) {
		/* Shares in thousandths; child i should get (i + 1) / 6. */
		uint64_t share = SH->cycles[i] * 1000 / (total ? total : 1);
		uint64_t want = (uint64_t)(i + 1) * 1000 / 6;
		uint64_t err = share > want ? share - want : want - share;
		CHECK(err * 100 <= want * 25,
		      "child %d with %d slice(s): %lu/1000 of the CPU (want %lu)", i, i + 1,
		      (unsigned long)share, (unsigned long)want);
	}
	CHECK(SH->epilogues[0] > 0 && SH->epilogues[1] > 0,
	      "the cooperative ones took epilogue upcalls (%lu, %lu)",
	      (unsigned long)SH->epilogues[0], (unsigned long)SH->epilogues[1]);
	return check_done();
}
