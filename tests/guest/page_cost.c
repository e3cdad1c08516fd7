/* page_cost [ROUNDS] [dirty]: where a page's cost goes (issue 13; run by
 * bench/page_breakdown.sh, which makes the table in docs/benchmarks.md).
 *
 * Times, with rdtsc in ring 3 around each single call, the raw kernel calls
 * behind ExOS's page mapping, for batches of 1, 16 and 512 pages:
 *   alloc      EXO_SYS_PAGE_ALLOC of n pages
 *   map        EXO_SYS_MAP of them, into page tables that already exist
 *   map_newpt  the same at a 2 MiB-aligned address never used: a new page-table page
 *   prot_ro    EXO_SYS_PROTECT to read-only: n PTE writes + invlpg
 *   prot_rw    back to writable: the same plus an rmap lookup per page
 *   unmap      EXO_SYS_UNMAP of the n present pages
 *   prot_none  PROTECT of the same range, now absent: the walk, no PTE write
 *   unmap_none UNMAP of it again: the walk, no PTE write
 *   release    EXO_SYS_CAP_RELEASE of each page (one crossing per page)
 * and the same memory as one run (issue 13's range capabilities):
 *   run_alloc  EXO_SYS_RUN_ALLOC of n frames, one capability (2 MiB-aligned at 512)
 *   map_run    EXO_SYS_MAP of the run with one op
 *   unmap_run  EXO_SYS_UNMAP of it
 *   map_large  (512 only) one op mapping it as a 2 MiB page
 *   unmap_lrg  (512 only) EXO_SYS_UNMAP of that 2 MiB page
 *   run_free   EXO_SYS_CAP_RELEASE of the run
 * plus the null call and an empty rdtsc pair (the timer's own cost), and the
 * first and second ring-3 touch of pages ExOS mapped ahead (exos_map_range).
 *
 * Under QEMU TCG with `-icount shift=0` the TSC advances one per guest
 * instruction, so the cycles are instructions; under KVM they are time.
 * "dirty" first makes the allocator wrap around memory it has freed, so
 * every page allocated afterwards is zeroed in ring 0 (freed pages are; fresh
 * ones under exosim are not: kernel/pmem.c).
 *
 * Prints one line per row: median, minimum and maximum cycles per call over
 * ROUNDS rounds (default 21), and the median per page.  Exits 1 if a call
 * fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/vm.h>

#define MAX_ROUNDS 64
#define MAXN       512
#define BASE       0x300000000000ul /* reused: its page tables exist after round 0 */
#define NEWPT_BASE 0x310000000000ul /* a new 2 MiB-aligned slot every round */
#define TOUCH_BASE 0x320000000000ul
#define TOUCH_N    64
#define RUN_BASE   0x330000000000ul /* reused, like BASE */
#define LARGE_BASE 0x340000000000ul /* 2 MiB-aligned */

static struct exo_page_grant grants[MAXN];
static struct exo_map_op ops[MAXN];
static uint64_t samples[MAX_ROUNDS];
static int rounds = 21, failed;

static void check(const char *what, long got, long want)
{
	if (got != want) {
		printf("page_cost: %s returned %ld, expected %ld\n", what, got, want);
		failed = 1;
	}
}

/* One row: samples[0..count) are cycles per call of n pages. */
static void row(const char *op, long n, int count)
{
	qsort(samples, (size_t)count, sizeof(uint64_t), exos_cmp_u64);
	uint64_t med = samples[count / 2];
	printf("page_cost: op=%-10s n=%-3ld median=%lu min=%lu max=%lu per_page=%lu\n", op, n,
	       (unsigned long)med, (unsigned long)samples[0], (unsigned long)samples[count - 1],
	       (unsigned long)(med / (uint64_t)n));
}

#define TIMED(slot, call)                                                                          \
	({                                                                                         \
		uint64_t t0_ = exo_rdtsc();                                                        \
		long r_ = (call);                                                                  \
		(slot) = exo_rdtsc() - t0_;                                                        \
		r_;                                                                                \
	})

enum {
	ALLOC,
	MAP,
	MAP_NEWPT,
	PROT_RO,
	PROT_RW,
	UNMAP,
	PROT_NONE,
	UNMAP_NONE,
	RELEASE,
	RUN_ALLOC,
	MAP_RUN,
	UNMAP_RUN,
	MAP_LARGE,
	UNMAP_LARGE,
	RUN_FREE,
	NOPS
};
static const char *const names[NOPS] = {"alloc",     "map",       "map_newpt", "prot_ro",
                                        "prot_rw",   "unmap",     "prot_none", "unmap_none",
                                        "release",   "run_alloc", "map_run",   "unmap_run",
                                        "map_large", "unmap_lrg", "run_free"};
static uint64_t t[NOPS][MAX_ROUNDS];

static void release_all(long n, uint64_t *cycles)
{
	uint64_t t0 = exo_rdtsc();
	for (long i = 0; i < n; i++)
		check("cap_release", exo_cap_release(grants[i].cap), 0);
	*cycles = exo_rdtsc() - t0;
}

/* The same memory as one run: one capability, one map op; at 512 frames
 * also one 2 MiB page. */
static void run_round(long n, int r)
{
	const uint64_t rw = EXO_PTE_W | EXO_PTE_NX;
	struct exo_page_grant g;
	long run;

	TIMED(t[RUN_ALLOC][r], run = exo_run_alloc(&g, (size_t)n, n == 512 ? EXO_RUN_LARGE : 0));
	if (run < 0) {
		check("run_alloc", run, 0);
		return;
	}
	struct exo_map_op op = {
	        .va = RUN_BASE, .cap = (int32_t)run, .npages = (uint32_t)n, .perm = rw};
	check("map run", TIMED(t[MAP_RUN][r], exo_map(EXO_CAP_SELF, &op, 1)), 1);
	check("unmap run", TIMED(t[UNMAP_RUN][r], exo_unmap(EXO_CAP_SELF, RUN_BASE, (size_t)n)), 0);
	if (n == 512) {
		op.va = LARGE_BASE;
		op.flags = EXO_MAP_LARGE;
		check("map large", TIMED(t[MAP_LARGE][r], exo_map(EXO_CAP_SELF, &op, 1)), 1);
		check("unmap large",
		      TIMED(t[UNMAP_LARGE][r], exo_unmap(EXO_CAP_SELF, LARGE_BASE, 512)), 0);
	}
	check("run release", TIMED(t[RUN_FREE][r], exo_cap_release((int)run)), 0);
}

/* One round of every call on n pages, timed into t[*][r]. */
static void round_of(long n, int r)
{
	static uint64_t newpt_slots; /* 2 MiB slots map_newpt has used */
	const uint64_t rw = EXO_PTE_W | EXO_PTE_NX, ro = EXO_PTE_NX;

	check("page_alloc", TIMED(t[ALLOC][r], exo_page_alloc(grants, (size_t)n)), n);
	for (long i = 0; i < n; i++)
		ops[i] = (struct exo_map_op){.npages = 1,
		                             .va = BASE + (uint64_t)i * EXO_PAGE_SIZE,
		                             .cap = grants[i].cap,
		                             .perm = rw};
	check("map", TIMED(t[MAP][r], exo_map(EXO_CAP_SELF, ops, (size_t)n)), n);
	check("protect ro", TIMED(t[PROT_RO][r], exo_protect(EXO_CAP_SELF, BASE, (size_t)n, ro)),
	      0);
	check("protect rw", TIMED(t[PROT_RW][r], exo_protect(EXO_CAP_SELF, BASE, (size_t)n, rw)),
	      0);
	check("unmap", TIMED(t[UNMAP][r], exo_unmap(EXO_CAP_SELF, BASE, (size_t)n)), 0);
	check("protect absent",
	      TIMED(t[PROT_NONE][r], exo_protect(EXO_CAP_SELF, BASE, (size_t)n, ro)), 0);
	check("unmap absent", TIMED(t[UNMAP_NONE][r], exo_unmap(EXO_CAP_SELF, BASE, (size_t)n)), 0);
	uint64_t fresh = NEWPT_BASE + newpt_slots++ * (2ul << 20);
	for (long i = 0; i < n; i++)
		ops[i].va = fresh + (uint64_t)i * EXO_PAGE_SIZE;
	check("map newpt", TIMED(t[MAP_NEWPT][r], exo_map(EXO_CAP_SELF, ops, (size_t)n)), n);
	release_all(n, &t[RELEASE][r]); /* also unmaps the newpt mappings */
	run_round(n, r);
}

static void report_row(int op, long n)
{
	memcpy(samples, t[op], sizeof(uint64_t) * (size_t)rounds);
	row(names[op], n, rounds);
}

/* The null call and an empty timed region: the floor under every row. */
static void baseline(void)
{
	for (int r = 0; r < rounds; r++)
		check("null", TIMED(samples[r], exo_null()), 0);
	row("null", 1, rounds);
	for (int r = 0; r < rounds; r++)
		TIMED(samples[r], 0);
	row("empty", 1, rounds);
}

/* The first ring-3 store to each page ExOS mapped ahead, then a second one. */
static void touch(void)
{
	static uint64_t first[MAX_ROUNDS * TOUCH_N], second[MAX_ROUNDS * TOUCH_N];
	int k = 0;

	for (int r = 0; r < rounds; r++) {
		check("exos_map_range", exos_map_range(TOUCH_BASE, TOUCH_N, EXO_PTE_W | EXO_PTE_NX),
		      0);
		for (int i = 0; i < TOUCH_N; i++, k++) {
			volatile char *p =
			        (volatile char *)(TOUCH_BASE + (uint64_t)i * EXO_PAGE_SIZE);
			TIMED(first[k], (*p = 1, 0));
			TIMED(second[k], (*p = 2, 0));
		}
		check("exos_unmap_range", exos_unmap_range(TOUCH_BASE, TOUCH_N), 0);
	}
	qsort(first, (size_t)k, sizeof(uint64_t), exos_cmp_u64);
	qsort(second, (size_t)k, sizeof(uint64_t), exos_cmp_u64);
	printf("page_cost: op=%-10s n=%-3d median=%lu min=%lu max=%lu per_page=%lu\n", "touch1", 1,
	       (unsigned long)first[k / 2], (unsigned long)first[0], (unsigned long)first[k - 1],
	       (unsigned long)first[k / 2]);
	printf("page_cost: op=%-10s n=%-3d median=%lu min=%lu max=%lu per_page=%lu\n", "touch2", 1,
	       (unsigned long)second[k / 2], (unsigned long)second[0], (unsigned long)second[k - 1],
	       (unsigned long)second[k / 2]);
}

/* Allocates and frees pages until the next-fit allocator has gone round once
 * past everything that was free: from then on every page it hands out is one
 * freed before, so it is zeroed. */
static void make_dirty(void)
{
	uint64_t want = exo_kinfo()->free_pages + MAXN, done = 0;

	while (done < want && !failed) {
		long got = exo_page_alloc(grants, MAXN);
		if (got <= 0) {
			check("page_alloc (dirty pass)", got, MAXN);
			return;
		}
		uint64_t ignored;
		release_all(got, &ignored);
		done += (uint64_t)got;
	}
	printf("page_cost: dirty pass: %lu pages allocated and freed\n", (unsigned long)done);
}

int main(int argc, char **argv)
{
	static const long sizes[] = {1, 16, 512};

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		printf("page_cost: ROUNDS must be 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	printf("page_cost: %d rounds, tsc_khz %lu\n", rounds, (unsigned long)exo_kinfo()->tsc_khz);
	if (argc > 2 && strcmp(argv[2], "dirty") == 0)
		make_dirty();
	exo_null(); /* the first call sets the gate's entry method */
	baseline();
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		long n = sizes[s];

		round_of(n, 0); /* warm-up: creates BASE's page tables */
		for (int r = 0; r < rounds; r++)
			round_of(n, r);
		for (int op = 0; op < NOPS; op++)
			if (n == 512 || (op != MAP_LARGE && op != UNMAP_LARGE))
				report_row(op, n);
	}
	touch();
	return failed;
}
