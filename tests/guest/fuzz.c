/* fuzz [SEED] [COUNT]: a hostile program.  It makes COUNT (default 2000) random
 * exokernel calls, numbers 0..EXO_NSYSCALLS+5, with random arguments biased
 * toward interesting values (0, -1, slots 0..EXO_CAP_SLOTS+1, user, kernel,
 * exported and non-canonical addresses, huge lengths, bad permission bits),
 * reproducibly from SEED (xorshift64*), while a second environment computes a
 * checksum over a fixed buffer again and again, yielding every 4 rounds.  At
 * the end (after dropping any exception handler the run registered for us and
 * releasing the capabilities it left in our table, which may be full) the
 * kernel must still work and the checksum environment must exit 0.  COUNT
 * counts calls made; the skipped ones below are not counted.
 *
 * What is NOT fuzzed, so that the fuzzer attacks the kernel rather than
 * committing suicide with the capabilities it legitimately holds:
 *  - EXO_SYS_EXIT (nr 2);
 *  - release/revoke of the slots it held before fuzzing began (its own program
 *    pages, the checksum environment and the pages that back it);
 *  - env_destroy / env_set_regs of itself or of the checksum environment (any
 *    capability naming them, including ones it derived during the run);
 *  - in map/unmap/protect aimed at those two address spaces, user addresses
 *    are folded into a scratch arena (ARENA) and the op array is our own
 *    buffer; kernel and non-canonical addresses pass unchanged;
 *  - cap_info's output pointer never points at the fuzzer's own data;
 *  - console writes with a valid stream get an unreadable buffer or length 0
 *    (so nothing is printed);
 *  - upcall events (SET_HANDLER's fifth argument) for itself or the checksum
 *    environment: a random handler would then run at every slice end;
 *  - a wakeup predicate that might never come true: WAIT gets random terms in
 *    our own buffer ORed with "the clock passed 1 ms from now", or a pointer
 *    to memory we do not map.
 * One call in 16 enters through a bare `syscall` instead of the gate.
 * Options after COUNT: `verbose` prints every call on stderr before making
 * it; `gate-only` never uses the bare `syscall`.
 * Everything else goes through, including destroying environments it created
 * during the run and starting them with random registers (they die). */
#define TEST_NAME "fuzz"
#include <string.h>

#include <exos/env.h>
#include <exos/vm.h>

#include "check.h"

#define ARENA      0x500000000000ul /* 64 MiB + 2 MiB of slack, above all we use */
#define ARENA_SIZE 0x4000000ul
#define MAILBOX    0x4f0000000000ul
#define NBUF       4096

struct mailbox {
	volatile int stop;
	volatile long rounds;
};

int main(int argc, char **argv);
static uint64_t state;
static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dull;
}

/* The checksum environment's data: in .rodata, shared read-only. */
static const uint32_t data[1024] = {
#define X4(i) (i) * 2654435761u, (i + 1) * 2654435761u, (i + 2) * 2654435761u, (i + 3) * 2654435761u
        X4(1), X4(5), X4(9), X4(13), X4(17), X4(21), X4(25), X4(29),
};
static uint64_t expected;

static uint64_t checksum(void)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < 1024; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	return h;
}

static int checker(void *unused)
{
	struct mailbox *mb = (struct mailbox *)MAILBOX;
	long rounds = 0, bad = 0;

	(void)unused;
	while (!mb->stop) {
		if (checksum() != expected)
			bad++;
		if (++rounds % 4 == 0)
			exo_yield();
	}
	mb->rounds = rounds;
	return bad ? 1 : 0;
}

static uint8_t prot[EXO_CAP_SLOTS]; /* slots held before fuzzing */
static uint32_t self_id, child_id;
static struct exo_map_op opsbuf[EXO_MAP_BATCH + 8];
static struct exo_regs regsbuf;
static struct exo_cap_info infobuf;
static long last_slot;

static uint64_t pick_slot(void)
{
	switch (rnd() % 16) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)-1;
	case 2:
		return EXO_CAP_SLOTS;
	case 3:
		return EXO_CAP_SLOTS + 1;
	case 4:
		return 1ul << 32; /* slot 0 if truncated to 32 bits */
	case 5:
	case 6:
	case 7:
	case 8:
		return rnd() % 16;
	case 9:
	case 10:
	case 11:
		return rnd() % EXO_CAP_SLOTS;
	case 12:
	case 13:
		return (uint64_t)last_slot;
	case 14:
		return (uint64_t)(int)rnd();
	default:
		return rnd();
	}
}

static uint64_t pick_num(void)
{
	switch (rnd() % 14) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 2;
	case 3:
		return (uint64_t)-1;
	case 4:
		return EXO_MAP_BATCH;
	case 5:
		return EXO_MAP_BATCH + 1;
	case 6:
		return 1ul << 32;
	case 7:
		return 0x7fffffff;
	case 8:
		return 0x80000000;
	case 9:
		return rnd();
	case 10:
		return rnd() % 600;
	default:
		return rnd() % 8;
	}
}

static uint64_t pick_addr(void)
{
	uint64_t a;

	switch (rnd() % 18) {
	case 0:
		return 0;
	case 1:
		return (uint64_t)-1;
	case 2:
		return EXO_KERNBASE + (rnd() % 0x10000000);
	case 3:
		return 0x800000000000ul + (rnd() % 0x10000);
	case 4:
		return 0xffff800000000000ul;
	case 5:
		return EXO_USER_TOP - (rnd() % 2 ? 8 : EXO_PAGE_SIZE);
	case 6:
		return EXO_UVPT + (rnd() % 0x8000000000ul);
	case 7:
		return EXO_KINFO;
	case 8:
		return EXO_PAGES + (rnd() % 0x10000);
	case 9:
		return EXO_ENVS;
	case 10:
		return EXO_GATE_SYSCALL;
	case 11:
	case 12:
		a = ARENA + rnd() % ARENA_SIZE;
		return rnd() % 4 ? a & ~(EXO_PAGE_SIZE - 1) : a;
	case 13:
		return (uint64_t)main;
	case 14:
		return EXO_USER_TOP;
	case 15:
		return rnd();
	default:
		return (rnd() & 0x7ffffffff000ul);
	}
}

static uint64_t pick_perm(void)
{
	static const uint64_t v[] = {0,
	                             EXO_PTE_W,
	                             EXO_PTE_NX,
	                             EXO_PTE_W | EXO_PTE_NX,
	                             EXO_PTE_SW,
	                             EXO_PTE_P,
	                             EXO_PTE_U,
	                             0x80,
	                             0x18,
	                             EXO_PTE_W | EXO_PTE_SW0,
	                             EXO_PTE_HIDDEN,
	                             EXO_PTE_HIDDEN | EXO_PTE_W | EXO_PTE_NX};
	return rnd() % 8 ? v[rnd() % (sizeof(v) / sizeof(v[0]))] : rnd();
}

static int is_prot_slot(uint64_t s)
{
	return (s < EXO_CAP_SLOTS && prot[s]) || ((uint32_t)s < EXO_CAP_SLOTS && prot[(uint32_t)s]);
}

/* Does slot s (as the kernel may read it) name us or the checksum env? */
static int names_prot_env(uint64_t s)
{
	uint64_t c[2] = {s, (uint32_t)s};

	for (int i = 0; i < 2; i++) {
		struct exo_cap_info info;

		if (c[i] < EXO_CAP_SLOTS && exo_cap_info((int)c[i], &info) == 0 &&
		    info.type == EXO_CAP_ENV && (info.object == self_id || info.object == child_id))
			return 1;
	}
	return 0;
}

static uint64_t fold(uint64_t va)
{
	if (va < EXO_USER_TOP && (va < ARENA || va >= ARENA + ARENA_SIZE))
		return ARENA + va % ARENA_SIZE;
	return va;
}

/* 1..EXO_PRED_MAX_TERMS + 1 random terms, the last one always "OR the clock
 * is past 1 ms from now" so a valid predicate comes true.  *n is the count,
 * or one the kernel must refuse (never a prefix without the clock term). */
static struct exo_pred_term predbuf[EXO_PRED_MAX_TERMS + 1];
static struct exo_pred_term *random_predicate(uint64_t *n)
{
	unsigned k = 1 + (unsigned)(rnd() % (EXO_PRED_MAX_TERMS + 1));
	for (unsigned i = 0; i + 1 < k; i++) {
		uint64_t *w = (uint64_t *)&predbuf[i];
		w[0] = rnd() % 4 ? rnd() % 8 | (rnd() % 4) << 8 | (rnd() % 4) << 16 |
		                           (rnd() % 3) << 24
		                 : rnd();
		w[1] = rnd() % 2 ? pick_num() : pick_addr();
		w[2] = rnd() % 2 ? pick_num() : pick_addr();
	}
	predbuf[k - 1] = (struct exo_pred_term){
	        .op = EXO_PRED_GE,
	        .lhs_kind = EXO_OPND_CLOCK,
	        .rhs_kind = EXO_OPND_CONST,
	        .rhs = exo_rdtsc() + exo_kinfo()->tsc_khz,
	};
	if (k > 1)
		predbuf[k - 2].flags |= EXO_PRED_OR;
	*n = rnd() % 8 ? k : rnd() % 2 ? 0 : EXO_PRED_MAX_TERMS + 1 + rnd() % 1000;
	return predbuf;
}

static int verbose, gate_only;
static long calls, skipped, created, results[64], positive;

static void one(void)
{
	uint64_t nr, a[6];
	int prot_env;
	long r;

	do
		nr = rnd() % (EXO_NSYSCALLS + 6);
	while (nr == EXO_SYS_EXIT);
	for (int i = 0; i < 6; i++)
		a[i] = rnd() % 2 ? pick_num() : pick_addr();
	switch (nr) {
	case EXO_SYS_CONSOLE_WRITE:
		a[0] = rnd() % 4 ? rnd() % 4 : pick_num();
		a[1] = pick_addr();
		a[2] = pick_num();
		if ((uint32_t)a[0] == 1 || (uint32_t)a[0] == 2 || a[0] == 1 || a[0] == 2) {
			if (rnd() % 2)
				a[2] = 0;
			else
				a[1] = rnd() % 2 ? EXO_KERNBASE + rnd() % 0x1000000
				                 : 0x900000000000ul;
		}
		break;
	case EXO_SYS_CAP_REVOKE: /* whole, or a part (first, count) of the run */
		a[1] = rnd() % 2 ? 0 : rnd() % 4 ? rnd() % 1024 : pick_num();
		a[2] = rnd() % 2 ? 0 : rnd() % 4 ? rnd() % 1024 : pick_num();
		/* fall through */
	case EXO_SYS_YIELD:
	case EXO_SYS_CAP_RELEASE:
	case EXO_SYS_ENV_START:
	case EXO_SYS_ENV_DESTROY:
		a[0] = rnd() % 8 ? pick_slot() : (uint64_t)-1;
		if ((nr == EXO_SYS_CAP_RELEASE || nr == EXO_SYS_CAP_REVOKE) && is_prot_slot(a[0])) {
			skipped++;
			return;
		}
		if (nr == EXO_SYS_ENV_DESTROY && names_prot_env(a[0])) {
			skipped++;
			return;
		}
		break;
	case EXO_SYS_CAP_ACQUIRE:
		a[0] = rnd() % 4 ? EXO_CAP_PAGE : pick_num();
		a[1] = rnd() % 2 ? EXO_ANY : rnd() % 3 ? rnd() % (exos_npages() + 16) : pick_num();
		break;
	case EXO_SYS_CAP_GRANT:
		a[0] = pick_slot();
		a[1] = pick_slot();
		a[2] = rnd() % 4 ? rnd() % 32 : pick_num();
		a[3] = rnd() % 2 ? 0 : rnd() % 4 ? rnd() % 1024 : pick_num(); /* part of a run */
		a[4] = rnd() % 2 ? 0 : rnd() % 4 ? rnd() % 1024 : pick_num();
		break;
	case EXO_SYS_RUN_ALLOC: /* runs, 2 MiB-aligned or not; a real output or a bad one */
		a[0] = rnd() % 4 ? (uint64_t)opsbuf : pick_addr();
		a[1] = rnd() % 3 ? 1 + rnd() % 64 : rnd() % 2 ? EXO_LARGE_PAGES : pick_num();
		a[2] = rnd() % 3 ? 0 : rnd() % 2 ? EXO_RUN_LARGE : pick_num();
		break;
	case EXO_SYS_CAP_INFO:
		a[0] = pick_slot();
		switch (rnd() % 6) {
		case 0:
			a[1] = (uint64_t)&infobuf;
			break;
		case 1:
			a[1] = (uint64_t)main;
			break; /* read-only */
		case 2:
			a[1] = EXO_KINFO;
			break; /* read-only */
		case 3:
			a[1] = ARENA + rnd() % ARENA_SIZE;
			break;
		default:
			a[1] = pick_addr();
			if (a[1] == (uint64_t)main || a[1] < EXO_USER_TOP)
				a[1] = EXO_KERNBASE;
		}
		break;
	case EXO_SYS_MAP:
		a[0] = pick_slot();
		a[2] = rnd() % 3 ? rnd() % 8 : pick_num();
		prot_env = names_prot_env(a[0]);
		a[1] = rnd() % 4 ? (uint64_t)opsbuf : pick_addr();
		if (prot_env && a[1] < EXO_USER_TOP && a[1] != 0)
			a[1] = (uint64_t)opsbuf;
		for (uint64_t i = 0; i < (a[2] < EXO_MAP_BATCH + 8 ? a[2] : EXO_MAP_BATCH + 8);
		     i++) {
			uint64_t va =
			        rnd() % 3 ? ARENA + (rnd() % ARENA_SIZE & ~0xffful) : pick_addr();

			opsbuf[i].va = prot_env ? fold(va) : va;
			opsbuf[i].cap = (int32_t)(rnd() % 3 ? last_slot : (long)pick_slot());
			opsbuf[i].first = (uint32_t)(rnd() % 4   ? 0
			                             : rnd() % 2 ? rnd() % 1024
			                                         : rnd());
			/* Mostly small: a page mapped costs ~100 emulated ring-0
			 * instructions on KVM-on-PVM; huge counts fail the run check. */
			opsbuf[i].npages = (uint32_t)(rnd() % 4   ? 1
			                              : rnd() % 2 ? rnd() % 80
			                                          : rnd());
			switch (rnd() % 8) { /* 2 MiB pages, well-formed or not */
			case 0:
				opsbuf[i].flags = EXO_MAP_LARGE;
				opsbuf[i].npages = EXO_LARGE_PAGES * (uint32_t)(rnd() % 3);
				opsbuf[i].va &= ~(EXO_LARGE_SIZE - 1);
				break;
			case 1:
				opsbuf[i].flags = (uint32_t)rnd();
				break;
			default:
				opsbuf[i].flags = 0;
			}
			opsbuf[i].perm = pick_perm();
		}
		break;
	case EXO_SYS_UNMAP:
	case EXO_SYS_PROTECT:
		a[0] = pick_slot();
		a[1] = rnd() % 2 ? ARENA + (rnd() % ARENA_SIZE & ~0xffful) : pick_addr();
		a[2] = rnd() % 3   ? rnd() % 16
		       : rnd() % 2 ? rnd() % (2 * EXO_RANGE_MAX)
		                   : pick_num();
		a[3] = pick_perm();
		if (names_prot_env(a[0]))
			a[1] = fold(a[1]);
		break;
	case EXO_SYS_ENV_CREATE:
		a[0] = rnd() % 2 ? (uint64_t) "fuzzling" : pick_addr();
		break;
	case EXO_SYS_PAGE_ALLOC: /* a real output buffer, or a bad one; small counts */
		a[0] = rnd() % 4 ? (uint64_t)opsbuf : pick_addr();
		a[1] = rnd() % 3 ? rnd() % 8 : pick_num();
		break;
	case EXO_SYS_SET_FSBASE:
		a[0] = pick_slot();
		a[1] = rnd() % 2 ? ARENA : pick_addr();
		break;
	case EXO_SYS_ENV_SET_REGS:
		a[0] = pick_slot();
		if (names_prot_env(a[0])) {
			skipped++;
			return;
		}
		for (int i = 0; i < 18; i++)
			((uint64_t *)&regsbuf)[i] = rnd() % 2 ? pick_addr() : pick_num();
		a[1] = rnd() % 4 ? (uint64_t)&regsbuf : pick_addr();
		break;
	case EXO_SYS_SET_HANDLER:
		a[0] = pick_slot();
		a[1] = pick_addr();
		a[2] = rnd() % 2 ? ARENA : pick_addr();
		a[3] = rnd() % 2 ? ARENA + 4 * EXO_PAGE_SIZE : pick_addr();
		a[4] = rnd() % 2 ? rnd() % 8 : pick_num();
		if (names_prot_env(a[0]))
			a[4] = 0;
		break;
	case EXO_SYS_WAIT:
	case EXO_SYS_WAIT_FOR: /* a[2], the hint, stays random: any id, or none */
		if (rnd() % 8 == 0) {
			a[0] = pick_addr();
			if (a[0] < EXO_USER_TOP && exos_pte(a[0] & ~0xffful)) {
				skipped++;
				return;
			}
		} else {
			a[0] = (uint64_t)random_predicate(&a[1]);
		}
		break;
	default:
		break;
	}
	if (verbose)
		fprintf(stderr, "fuzz: call %ld: nr %lu (%lx, %lx, %lx, %lx, %lx, %lx)\n", calls,
		        (unsigned long)nr, (unsigned long)a[0], (unsigned long)a[1],
		        (unsigned long)a[2], (unsigned long)a[3], (unsigned long)a[4],
		        (unsigned long)a[5]);
	if (rnd() % 16 == 0 && !gate_only)
		r = exo_syscall_raw6((long)nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3],
		                     (long)a[4], (long)a[5]);
	else
		r = exo_syscall6((long)nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3],
		                 (long)a[4], (long)a[5]);
	calls++;
	if (r >= 0) {
		positive++;
		if (nr == EXO_SYS_CAP_ACQUIRE || nr == EXO_SYS_CAP_GRANT ||
		    nr == EXO_SYS_ENV_CREATE)
			last_slot = r;
		created += nr == EXO_SYS_ENV_CREATE;
	} else if (r > -64) {
		results[-r]++;
	} else {
		results[0]++; /* an odd negative value */
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], 0, 0) : 1;
	long count = argc > 2 ? atol(argv[2]) : 2000;

	for (int i = 3; i < argc; i++) {
		verbose |= strcmp(argv[i], "verbose") == 0;
		gate_only |= strcmp(argv[i], "gate-only") == 0;
	}
	struct mailbox *mb = (struct mailbox *)MAILBOX;
	struct exo_cap_info info;
	uint64_t t0, t1, khz = exo_kinfo()->tsc_khz;
	long mcap, id, st;

	state = seed * 0x9e3779b97f4a7c15ull + 1;
	self_id = exos_self_id();
	expected = checksum();
	mcap = exos_page_map(MAILBOX, EXO_PTE_W | EXO_PTE_NX);
	id = exos_env_spawn_stopped(checker, 0, "checksum");
	CHECK(mcap > 0 && id > 0, "spawned the checksum environment");
	child_id = (uint32_t)id;
	RET(exo_map((int)exos_env_cap(child_id),
	            &(struct exo_map_op){.npages = 1,
	                                 .va = MAILBOX,
	                                 .cap = (int32_t)mcap,
	                                 .perm = EXO_PTE_W | EXO_PTE_NX},
	            1),
	    1, "mapped the mailbox into it");
	RET(exos_env_start(child_id), 0, "started it");
	for (int s = 0; s < EXO_CAP_SLOTS; s++)
		prot[s] = exo_cap_info(s, &info) == 0;
	last_slot = 1;

	printf("fuzz: seed %lu, %ld calls\n", (unsigned long)seed, count);
	fflush(stdout);
	t0 = exo_rdtsc();
	for (long i = 0; calls < count; i++) { /* COUNT calls made, not counting skips */
		one();
		if (i % 16 == 15)
			exo_yield();
	}
	t1 = exo_rdtsc();

	/* The run may have registered a random exception handler for us: drop it,
	 * so a fault from here on gets the kernel's diagnostic. */
	exo_set_handler(EXO_CAP_SELF, 0, 0, 0);

	/* The kernel survived? */
	RET(exo_null(), 0, "the null call still works");
	CHECK(exo_cap_info(EXO_CAP_SELF, &info) == 0 && info.type == EXO_CAP_ENV &&
	              info.object == self_id,
	      "slot 0 still names us");
	{
		long held = 0, released = 0, p;

		/* Our table may be full after the run: give back what the run acquired. */
		for (int sl = 0; sl < EXO_CAP_SLOTS; sl++) {
			if (prot[sl] || exo_cap_info(sl, &info) < 0)
				continue;
			held++;
			released += exo_cap_release(sl) == 0;
		}
		CHECK(released == held, "released the capabilities the run left us (%s)",
		      held ? "some" : "none");
		p = exos_page_map(0x4f0000100000ul, EXO_PTE_W | EXO_PTE_NX);
		CHECK(p > 0, "a fresh page can still be acquired and mapped (%ld)", p);
		if (p > 0) {
			*(volatile uint64_t *)0x4f0000100000ul = 0x1234;
			CHECK(*(volatile uint64_t *)0x4f0000100000ul == 0x1234, "and used");
		}
	}
	mb->stop = 1;
	st = exos_env_wait(child_id);
	CHECK(st == 0, "the checksum environment exited %ld after %ld rounds, all sums correct", st,
	      mb->rounds);
	CHECK(mb->rounds > 0, "it ran while we fuzzed");

	printf("fuzz: %ld calls made, %ld skipped as self-harm, %ld succeeded, %ld environments "
	       "created\n",
	       calls, skipped, positive, created);
	printf("fuzz: errors:");
	for (int e = 0; e < 64; e++)
		if (results[e])
			printf(" %s=%ld", e ? exos_strerror(-e) : "other", results[e]);
	printf("\n");
	if (khz)
		printf("fuzz: %lu us, %lu calls/s\n", (unsigned long)((t1 - t0) * 1000 / khz),
		       (unsigned long)(calls * khz * 1000 / (t1 - t0 ? t1 - t0 : 1)));
	else
		printf("fuzz: %lu cycles, %lu cycles/call\n", (unsigned long)(t1 - t0),
		       (unsigned long)((t1 - t0) / (calls ? calls : 1)));
	return check_done();
}
