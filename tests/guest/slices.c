/* The slice vector's interface, and visible CPU revocation with a greedy
 * environment: G takes its epilogue upcalls but ignores them (never yields);
 * the kernel preempts it after the grace period and it forfeits a slice each
 * time, so its greed does not pay: C, cooperative with as many slices, gets at
 * least as much CPU.  No run of G lasts longer than its slice plus the grace
 * period.  They run for CYCLES rounds of the vector, not for a fixed time: a
 * busy host delays and merges QEMU's timer ticks, and gives the vCPU a tenth of
 * a second of CPU in a wall-clock second.  Under the heaviest load seen (a
 * round took 0.5 s) that is cut short at DEADLINE_MS, with MIN_CYCLES rounds
 * enough to judge by. */
#define TEST_NAME "slices"
#include <exos/env.h>
#include <exos/exception.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED      0x4e0000000000ul
#define CYCLES      60 /* epilogues of C: one a round of the vector */
#define MIN_CYCLES  20
#define DEADLINE_MS 50000 /* under run_guest's 90 s */
#define GAP_US      20

struct shared {
	volatile uint64_t stop;
	volatile uint64_t cycles[2], longest[2], epilogues[2], forfeited[2], prologues[2];
	volatile uint64_t ticks[2]; /* timer ticks the kernel charged to each */
};
#define SH ((struct shared *)SHARED)

static int ignore_epilogue(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	exos_epilogues++;
	return f->vector == EXO_VEC_EPILOGUE; /* resume: keep running */
}

/* i = 0: greedy; i = 1: cooperative (ExOS's default policy). */
static int spinner(void *arg)
{
	int i = (int)(uint64_t)arg;
	if (exos_set_upcall_events(EXO_EV_EPILOGUE | EXO_EV_PROLOGUE) < 0)
		return 1;
	if (i == 0)
		exos_set_exception_handler(EXO_VEC_EPILOGUE, ignore_epilogue);
	/* CPU time excludes every gap (time elsewhere); a run ends only at a gap
	 * of a quarter tick, which means another environment ran. */
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t gap = k->tsc_khz * GAP_US / 1000, switched = k->tick_ns / 4 * k->tsc_khz / 1000000;
	uint64_t mine = 0, run_start = k->ticks, longest = 0, last = exo_rdtsc();
	uint64_t other = SH->cycles[1 - i];
	const volatile struct exo_env_info *me = exos_env_info(exos_self_id());
	uint64_t ticks0 = me->cpu_ticks;
	while (!SH->stop) {
		uint64_t now = exo_rdtsc();
		if (now - last < gap)
			mine += now - last;
		/* A run ends when the other one made progress, or after a long gap;
		 * it is counted in ticks, since a busy host stretches wall time. */
		if (now - last >= switched || SH->cycles[1 - i] != other) {
			run_start = k->ticks;
			other = SH->cycles[1 - i];
		}
		if (k->ticks - run_start > longest)
			longest = k->ticks - run_start;
		last = now;
		SH->cycles[i] = mine;
		SH->epilogues[i] = exos_epilogues; /* main waits for C's */
	}
	SH->ticks[i] = me->cpu_ticks - ticks0;
	SH->longest[i] = longest;
	SH->epilogues[i] = exos_epilogues;
	SH->prologues[i] = exo_uarea()->prologues;
	SH->forfeited[i] = exo_uarea()->forfeited;
	return 0;
}

static void interface(void)
{
	const struct exo_kinfo *k = exo_kinfo();
	CHECK(k->nslices == EXO_NSLICES && k->grace_ticks >= 1,
	      "kinfo exports the vector size and the grace period");
	CHECK(k->slice_owner[0] == exos_self_id(), "we got the first slice when we started");
	long id = exos_env_spawn_stopped(spinner, (void *)1, "idle");
	long cap = exos_env_cap((uint32_t)id);
	CHECK(id > 0 && cap > 0, "spawned a child (not started)");
	ERR(exo_slice_alloc(999, EXO_SLICE_ANY), EXO_EBADF, "allocate for a bad capability");
	ERR(exo_slice_alloc((int)cap, EXO_NSLICES), EXO_EINVAL, "allocate past the vector");
	ERR(exo_slice_alloc((int)cap, 0), EXO_EBUSY, "allocate our own slice for it");
	long s = exo_slice_alloc((int)cap, 40);
	CHECK(s > 0, "allocated position 40 for it");
	struct exo_cap_info info;
	RET(exo_cap_info((int)s, &info), 0, "capability info");
	CHECK(info.type == EXO_CAP_SLICE && info.object == 40, "an EXO_CAP_SLICE for position 40");
	CHECK(k->slice_owner[40] == (uint32_t)id && exos_env_info((uint32_t)id)->nslices == 1,
	      "kinfo and the env table show the child owns it");
	RET(exo_cap_release((int)s), 0, "release the capability");
	CHECK(k->slice_owner[40] == 0 && exos_env_info((uint32_t)id)->nslices == 0,
	      "the slice is free again");
	long got = exos_slices_for((int)cap, EXO_NSLICES);
	CHECK(got == EXO_NSLICES - 1, "filled the rest of the vector (%ld)", got);
	ERR(exo_slice_alloc((int)cap, EXO_SLICE_ANY), EXO_ENOSPC, "no free slice left");
	RET(exos_env_kill((uint32_t)id), 0, "destroy the child");
	int owned = 0;
	for (int p = 0; p < EXO_NSLICES; p++)
		owned += k->slice_owner[p] != 0;
	CHECK(owned == 1, "its slices died with it (only ours is left)");
}

int main(void)
{
	CHECK(exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page to share");
	interface();

	long id[2];
	for (int i = 0; i < 2; i++) {
		id[i] = exos_env_spawn_shared(spinner, (void *)(uint64_t)i,
		                              i ? "cooperative" : "greedy", SHARED, 1);
		long cap = exos_env_cap((uint32_t)id[i]);
		CHECK(id[i] > 0, "spawned %s", i ? "the cooperative one" : "the greedy one");
		/* Interleaved: G at 10 and 12, C at 11 and 13. */
		CHECK(exo_slice_alloc((int)cap, 10 + (uint64_t)i) > 0 &&
		              exo_slice_alloc((int)cap, 12 + (uint64_t)i) > 0,
		      "gave it two slices");
	}
	/* Both at once: alone, the greedy one would own the vector. */
	for (int i = 0; i < 2; i++)
		RET(exos_env_start_flags((uint32_t)id[i], EXO_START_NO_SLICE), 0, "started it");
	RET(exos_wait_word(&SH->epilogues[1], EXO_PRED_GE, CYCLES, DEADLINE_MS * 1000000ul), 0,
	    "slept while they ran");
	CHECK(SH->epilogues[1] >= MIN_CYCLES,
	      "they ran %lu rounds of the vector (%u wanted, at least %u within %u s)",
	      (unsigned long)SH->epilogues[1], CYCLES, MIN_CYCLES, DEADLINE_MS / 1000);
	SH->stop = 1;
	for (int i = 0; i < 2; i++)
		RET(exos_env_wait((uint32_t)id[i]), 0, "child exited");

	const struct exo_kinfo *k = exo_kinfo();
	CHECK(SH->epilogues[0] > 0 && SH->epilogues[1] > 0, "both got epilogue upcalls (%lu, %lu)",
	      (unsigned long)SH->epilogues[0], (unsigned long)SH->epilogues[1]);
	CHECK(SH->prologues[1] > 0, "the cooperative one was entered at its prologue (%lu)",
	      (unsigned long)SH->prologues[1]);
	CHECK(SH->forfeited[0] > 0 && SH->forfeited[0] * 2 >= SH->epilogues[0],
	      "the greedy one forfeited a slice for most epilogues (%lu of %lu)",
	      (unsigned long)SH->forfeited[0], (unsigned long)SH->epilogues[0]);
	/* A host that deschedules our vCPU can deliver the next tick before the
	 * cooperative one gets to yield: rare, but not never. */
	CHECK(SH->forfeited[1] * 10 <= SH->epilogues[1],
	      "the cooperative one hardly ever did (%lu)", (unsigned long)SH->forfeited[1]);
	/* A run is counted from the tick count read when it began, which may
	 * be just before a tick (one extra), and a loaded host can deliver a
	 * late tick on top (one more; CI saw 4 with a 1-tick grace period).
	 * A revocation that failed shows as a run of many ticks. */
	CHECK(SH->longest[0] <= 1 + k->grace_ticks + 2,
	      "the greedy one never ran longer than its slice and the grace period (%lu ticks)",
	      (unsigned long)SH->longest[0]);
	/* What the kernel charged: a tick to whoever was running when it came,
	 * two a round each (G's slice and its grace, C's two slices); G keeping
	 * its forfeited slice would make it four to C's two. */
	CHECK(SH->ticks[1] * 10 >= SH->ticks[0] * 8,
	      "greed did not pay in ticks: cooperative %lu, greedy %lu",
	      (unsigned long)SH->ticks[1], (unsigned long)SH->ticks[0]);
	CHECK(SH->cycles[1] * 10 >= SH->cycles[0] * 8,
	      "greed did not pay: cooperative %lu ms, greedy %lu ms",
	      (unsigned long)(SH->cycles[1] / k->tsc_khz),
	      (unsigned long)(SH->cycles[0] / k->tsc_khz));
	return check_done();
}
