/* pct_cost [N]: two round trips between two environments, timed in ring 3
 * (bench/roundtrip.sh compares them with Linux pipe ping-pong):
 *   - PCT: a synchronous protected control transfer into the other
 *     environment, which replies at once (call + reply);
 *   - directed yield: we yield to it, it yields back (two yields).
 * Each is N round trips in BATCHES batches; prints the median, min and max per
 * round trip, and the kernel crossings per round trip.  Exits 1 if a reply
 * came back wrong or the round trips did not happen. */
#include <stdio.h>
#include <stdlib.h>

#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#define BATCHES 20
#define SHARED  0x4e0000000000ul
#define PSTACK  0x4e0000100000ul /* the echo server's activation stack */

struct shared {
	volatile uint64_t phase; /* 1: yield ping-pong; 2: stop */
	volatile uint64_t ball;  /* 1: our serve, waiting for the return */
	volatile uint64_t parent_cap;
	volatile uint64_t returns;
};
#define SH ((struct shared *)SHARED)

/* The PCT entry: reply with the first word plus one, the others unchanged. */
static _Noreturn void echo(uint64_t caller, uint64_t kind, uint64_t a0, uint64_t a1, uint64_t a2,
                           uint64_t a3)
{
	(void)kind;
	for (;;)
		exo_pct_reply(a0 + 1, a1, a2, a3 ^ caller);
}

static int partner(void *arg)
{
	(void)arg;
	if (exos_map_range(PSTACK, 2, EXO_PTE_W | EXO_PTE_NX) < 0 ||
	    exo_pct_entry(EXO_CAP_SELF, (const void *)echo, PSTACK + 2 * EXO_PAGE_SIZE) < 0)
		return 1;
	exos_wait_word(&SH->phase, EXO_PRED_NE, 0, 0); /* PCTs arrive meanwhile */
	while (SH->phase == 1) {
		if (SH->ball) {
			SH->ball = 0;
			SH->returns++;
		}
		exo_yield_to((int)SH->parent_cap);
	}
	return 0;
}

static void report(const char *what, uint64_t *cycles, long per_batch, uint64_t crossings)
{
	uint64_t khz = exo_kinfo()->tsc_khz;
	qsort(cycles, (size_t)BATCHES, sizeof(uint64_t), exos_cmp_u64);
	printf("%s_roundtrip_ns_median=%lu\n", what, cycles[BATCHES / 2] * 1000000 / khz);
	printf("%s_roundtrip_ns_min=%lu\n", what, cycles[0] * 1000000 / khz);
	printf("%s_roundtrip_ns_max=%lu\n", what, cycles[BATCHES - 1] * 1000000 / khz);
	uint64_t hundredths = crossings * 100 / (uint64_t)(per_batch * BATCHES);
	printf("%s_crossings_per_roundtrip=%lu.%02lu\n", what, hundredths / 100, hundredths % 100);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000, per = n / BATCHES;
	uint64_t cycles[BATCHES];
	int bad = 0;

	if (per < 1 || exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 2;
	long id = exos_env_spawn_shared(partner, 0, "partner", SHARED, 1);
	long cap = id > 0 ? exos_env_cap((uint32_t)id) : -1;
	if (cap < 0)
		return 2;
	SH->parent_cap = (uint64_t)exo_cap_grant(EXO_CAP_SELF, (int)cap, EXO_RIGHT_READ);
	if (exos_env_start((uint32_t)id) < 0)
		return 2;
	while (!exos_env_info((uint32_t)id)->pct_entry)
		exo_yield_to((int)cap);

	uint64_t c0 = exo_kinfo()->syscalls;
	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = exo_rdtsc();
		for (long i = 0; i < per; i++) {
			uint64_t a[4] = {(uint64_t)i, 2, 3, 4}, r[4];
			if (exo_pct_call((int)cap, a, r) != 0 || r[0] != (uint64_t)i + 1 ||
			    r[1] != 2 || r[2] != 3 || r[3] != (4 ^ (uint64_t)exos_self_id()))
				bad++;
		}
		cycles[b] = (exo_rdtsc() - t0) / (uint64_t)per;
	}
	report("pct", cycles, per, exo_kinfo()->syscalls - c0);

	SH->phase = 1;
	c0 = exo_kinfo()->syscalls;
	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = exo_rdtsc();
		for (long i = 0; i < per; i++) {
			SH->ball = 1;
			while (SH->ball)
				exo_yield_to((int)cap);
		}
		cycles[b] = (exo_rdtsc() - t0) / (uint64_t)per;
	}
	report("yield", cycles, per, exo_kinfo()->syscalls - c0);
	SH->phase = 2;
	long st = exos_env_wait((uint32_t)id);
	printf("pct_cost: %d bad replies, %lu returns, partner status %ld\n", bad,
	       (unsigned long)SH->returns, st);
	return bad || SH->returns != (uint64_t)(per * BATCHES) || st != 0;
}
