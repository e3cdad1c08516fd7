/* fpu MODE [avx|sse]: every environment keeps its own FPU, SSE and AVX registers.
 *
 * Each environment loads a pattern of its own into the x87 stack and control
 * word, MXCSR and every vector register (ymm0-15 if the kernel enabled AVX,
 * else xmm0-15, and says which), computes on them (permutations that come
 * back to the pattern) and compares them bit for bit with the pattern after
 * each round (tests/guest/fpu_regs.S does the register work).  Modes:
 *   preempt: three environments compute without yielding: the timer switches;
 *   yield:   two environments yield to each other in every iteration;
 *   pct:     a PCT call in every iteration to a server whose activation loads
 *            a pattern of its own (the caller's registers must come back);
 *   upcall:  an int3 upcall in every iteration, handled in the same
 *            environment, while another environment computes beside it.
 * With `avx`, AVX must be available (QEMU -cpu max); with `sse` it must not
 * (a kernel booted with noxsave, which switches with FXSAVE); exosim on KVM-on-PVM
 * boots the kernel with noxsave (ring 0 cannot run XSAVE there), so it
 * checks SSE only.  Exits 0 if every round of every environment matched. */
#define TEST_NAME "fpu"
#include <string.h>

#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED  0x4e0000000000ul
#define PSTACK  0x4e0000100000ul /* the PCT server's activation stack */
#define NCHILD  2
#define RUN_MS  300   /* preempt: how long each environment computes */
#define ITERS   20000 /* preempt: iterations per round */
#define ROUNDS  20    /* yield, pct, upcall: rounds of CALLS iterations */
#define CALLS   50
#define XS_SIZE 4096

struct fpu_pattern {
	uint8_t vec[16][32];
	double x87[8];
	uint16_t fcw, pad;
	uint32_t mxcsr;
} __attribute__((aligned(64)));
_Static_assert(__builtin_offsetof(struct fpu_pattern, x87) == 512, "P_X87");
_Static_assert(__builtin_offsetof(struct fpu_pattern, fcw) == 576, "P_FCW");
_Static_assert(__builtin_offsetof(struct fpu_pattern, mxcsr) == 580, "P_MXCSR");

struct fpu_call {
	long mode; /* 0 none, 1 gate call nr(a1, a2), 2 int3 */
	long nr, a1, a2;
	long errs; /* gate calls that did not return 0 */
};

long fpu_round(const struct fpu_pattern *p, long iters, struct fpu_call *c, void *out, long avx);
void fpu_clobber(const struct fpu_pattern *p, long avx);

struct result {
	uint64_t rounds, bad, calls_failed;
	uint64_t cpu_ticks, ticks; /* its own CPU time, and the time it took */
	char first[120];           /* the first difference */
};

struct shared {
	volatile uint64_t stop;
	volatile uint64_t peer_cap; /* the parent, in the child's table */
	struct result res[NCHILD + 1];
};
#define SH ((struct shared *)SHARED)

static long avx;         /* ymm registers are checked */
static uint32_t ymm_off; /* YMM_Hi128 in the xsave image (CPUID 0xD.2) */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
	                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(sub));
}

/* AVX is usable if the CPU has it and the kernel enabled it (OSXSAVE, XCR0). */
static void detect(int *cpu_avx)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	*cpu_avx = (r[2] >> 28) & 1;
	if (!*cpu_avx || !((r[2] >> 27) & 1))
		return;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	cpuid(0xd, 0, r);
	if ((lo & 6) != 6 || r[1] > XS_SIZE)
		return;
	cpuid(0xd, 2, r);
	ymm_off = r[1];
	avx = 1;
}

/* Environment `seed`'s pattern: its own bytes, x87 values, rounding modes. */
static void make_pattern(struct fpu_pattern *p, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ul + 1;
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(&p->vec[i][j], &x, 8);
		}
	for (int k = 0; k < 8; k++)
		p->x87[k] = (double)(seed * 1000 + (uint64_t)k) + 0.25 * (double)k;
	/* Rounding control and precision in the FCW, rounding and FTZ in MXCSR. */
	p->fcw = (uint16_t)(0x7f | (seed % 4) << 10 | (seed % 2 ? 0x200 : 0x300));
	p->mxcsr = 0x1f80 | (uint32_t)(seed % 4) << 13 | (seed % 2 ? 0x8000u : 0);
}

/* The parts of an fxsave/xsave image the test sets: FCW, FSW, FTW, MXCSR,
 * st0-7 (10 bytes each), xmm0-15, and ymm0-15's upper halves. */
static int compare(const uint8_t *want, const uint8_t *got, char *why, size_t n)
{
	struct {
		uint32_t off, len;
	} parts[12] = {{0, 5}, {24, 4}, {160, 256}, {0, 0}};
	int np = 3;
	for (int k = 0; k < 8; k++)
		parts[np++] = (typeof(parts[0])){32 + 16 * (uint32_t)k, 10};
	if (avx)
		parts[np++] = (typeof(parts[0])){ymm_off, 256};
	for (int i = 0; i < np; i++)
		for (uint32_t b = parts[i].off; b < parts[i].off + parts[i].len; b++)
			if (want[b] != got[b]) {
				snprintf(why, n, "byte %u of the %s image: 0x%02x, not 0x%02x", b,
				         avx ? "xsave" : "fxsave", got[b], want[b]);
				return 1;
			}
	return 0;
}

static uint8_t want_img[XS_SIZE] __attribute__((aligned(64)));
static uint8_t got_img[XS_SIZE] __attribute__((aligned(64)));

/* How long compute() goes on: a number of rounds, RUN_MS, or until SH->stop. */
enum until { ROUNDS_DONE, TIME_UP, STOPPED };

/* Rounds of `iters` iterations until `until` (n rounds); the outcome goes
 * into *r. */
static void compute(uint64_t seed, enum until until, long n, long iters, struct fpu_call *c,
                    struct result *r)
{
	static struct fpu_pattern p;
	const struct exo_kinfo *k = exo_kinfo();
	const volatile struct exo_env_info *me = exos_env_info(exos_self_id());
	char why[sizeof(r->first)];
	make_pattern(&p, seed);
	fpu_round(&p, 0, &(struct fpu_call){0}, want_img, avx); /* the reference */
	uint64_t t0 = exo_rdtsc(), tick0 = k->ticks, cpu0 = me->cpu_ticks;
	for (long i = 0;; i++) {
		if (until == ROUNDS_DONE ? i >= n
		    : until == TIME_UP   ? exo_rdtsc() - t0 > RUN_MS * k->tsc_khz
		                         : SH->stop != 0)
			break;
		memset(got_img, 0, sizeof(got_img));
		fpu_round(&p, iters, c, got_img, avx);
		r->rounds++;
		if (compare(want_img, got_img, why, sizeof(why)) && !r->bad++)
			memcpy(r->first, why, sizeof(why));
	}
	r->calls_failed = (uint64_t)c->errs;
	r->cpu_ticks = me->cpu_ticks - cpu0;
	r->ticks = k->ticks - tick0;
}

/* ---- the other environments ------------------------------------------- */

static int preempt_child(void *arg)
{
	int i = (int)(uint64_t)arg;
	compute((uint64_t)i + 2, TIME_UP, 0, ITERS, &(struct fpu_call){0}, &SH->res[i + 1]);
	return 0;
}

static int yield_child(void *arg)
{
	(void)arg;
	struct fpu_call c = {.mode = 1, .nr = EXO_SYS_YIELD, .a1 = (long)SH->peer_cap};
	compute(2, STOPPED, 0, CALLS, &c, &SH->res[1]);
	return 0;
}

/* The PCT server's entry: loads its own pattern over the caller's registers
 * and replies. */
static _Noreturn void server_entry(uint64_t caller, uint64_t kind, uint64_t a0, uint64_t a1,
                                   uint64_t a2, uint64_t a3)
{
	(void)caller, (void)kind, (void)a0, (void)a1, (void)a2, (void)a3;
	static struct fpu_pattern junk;
	make_pattern(&junk, 99);
	for (;;) {
		fpu_clobber(&junk, avx);
		exo_pct_reply(0, 0, 0, 0);
	}
}

static int pct_server(void *arg)
{
	(void)arg;
	if (exos_map_range(PSTACK, 2, EXO_PTE_W | EXO_PTE_NX) < 0 ||
	    exo_pct_entry(EXO_CAP_SELF, (const void *)server_entry, PSTACK + 2 * EXO_PAGE_SIZE) < 0)
		return 1;
	exos_wait_word(&SH->stop, EXO_PRED_NE, 0, 0); /* calls arrive meanwhile */
	return 0;
}

static int bp_handler(struct exo_xframe *f, struct exos_regs *r)
{
	(void)f, (void)r;
	return 1; /* int3 resumes after itself */
}

/* ---- the parent --------------------------------------------------------- */

static long spawn(int (*fn)(void *), long arg, const char *name)
{
	long id = exos_env_spawn_stopped(fn, (void *)arg, name);
	if (id > 0 && exos_env_share((uint32_t)id, SHARED, 1, EXO_PTE_W | EXO_PTE_NX) < 0)
		return -1;
	return id;
}

static void report(const char *who, const struct result *r, int preempted)
{
	CHECK(r->rounds > 0 && !r->bad, "%s: %lu rounds, %lu differed%s%s", who,
	      (unsigned long)r->rounds, (unsigned long)r->bad, r->bad ? ", first: " : "",
	      r->bad ? r->first : "");
	CHECK(!r->calls_failed, "%s: every call returned 0 (%lu did not)", who,
	      (unsigned long)r->calls_failed);
	if (preempted)
		CHECK(r->cpu_ticks < r->ticks,
		      "%s: others ran meanwhile (%lu of %lu ticks were its)", who,
		      (unsigned long)r->cpu_ticks, (unsigned long)r->ticks);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "preempt";
	int cpu_avx;
	detect(&cpu_avx);
	printf("fpu: %s: checking x87, MXCSR and %s\n", mode,
	       avx       ? "ymm0-15 (AVX)"
	       : cpu_avx ? "xmm0-15 (SSE only: AVX is not enabled)"
	                 : "xmm0-15 (SSE only: no AVX on this CPU)");
	if (argc > 2 && !strcmp(argv[2], "avx"))
		CHECK(avx, "AVX is checked, as asked (the kernel enabled it: OSXSAVE, XCR0)");
	if (argc > 2 && !strcmp(argv[2], "sse"))
		CHECK(!avx, "AVX is not enabled, as asked (noxsave: the FXSAVE switch)");
	if (exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 2;
	long ids[NCHILD] = {0};
	int nchild = 0;
	struct fpu_call c = {0};
	long rounds = 0, iters = ITERS;

	if (!strcmp(mode, "preempt") || !strcmp(mode, "upcall")) {
		nchild = !strcmp(mode, "preempt") ? NCHILD : 1;
		for (int i = 0; i < nchild; i++)
			ids[i] = spawn(preempt_child, i, "computer");
		if (!strcmp(mode, "upcall")) {
			exos_set_exception_handler(3, bp_handler);
			CHECK(exos_exceptions_init() == 0, "registered an int3 handler");
			c.mode = 2, rounds = ROUNDS, iters = CALLS;
		}
	} else if (!strcmp(mode, "yield") || !strcmp(mode, "pct")) {
		nchild = 1;
		ids[0] = spawn(!strcmp(mode, "yield") ? yield_child : pct_server, 0, "peer");
		long cap = ids[0] > 0 ? exos_env_cap((uint32_t)ids[0]) : -1;
		CHECK(cap >= 0, "spawned the peer");
		SH->peer_cap = (uint64_t)exo_cap_grant(EXO_CAP_SELF, (int)cap, EXO_RIGHT_READ);
		c.mode = 1, c.a1 = cap, rounds = ROUNDS, iters = CALLS;
		c.nr = !strcmp(mode, "yield") ? EXO_SYS_YIELD : EXO_SYS_PCT;
		c.a2 = !strcmp(mode, "yield") ? 0 : EXO_PCT_CALL;
	} else {
		fprintf(stderr, "usage: fpu preempt|yield|pct|upcall\n");
		return 2;
	}
	for (int i = 0; i < nchild; i++)
		CHECK(ids[i] > 0 && exos_env_start((uint32_t)ids[i]) == 0, "started environment %d",
		      i + 1);
	if (!strcmp(mode, "pct"))
		while (!exos_env_info((uint32_t)ids[0])->pct_entry)
			exo_yield();

	compute(1, rounds ? ROUNDS_DONE : TIME_UP, rounds, iters, &c, &SH->res[0]);
	SH->stop = 1;
	for (int i = 0; i < nchild; i++)
		RET(exos_env_wait((uint32_t)ids[i]), 0, "environment exited");
	report("parent", &SH->res[0], !strcmp(mode, "preempt"));
	if (!strcmp(mode, "preempt") || !strcmp(mode, "upcall") || !strcmp(mode, "yield"))
		for (int i = 0; i < nchild; i++)
			report(i ? "child 2" : "child 1", &SH->res[i + 1],
			       !strcmp(mode, "preempt"));
	if (!strcmp(mode, "upcall"))
		CHECK(exos_exception_count >= (uint64_t)(ROUNDS * CALLS), "%lu upcalls",
		      (unsigned long)exos_exception_count);
	return check_done();
}
