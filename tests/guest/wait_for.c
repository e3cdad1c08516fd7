/* EXO_SYS_WAIT_FOR (include/exo/syscall.h): a wait that names the environment
 * to run next.  The hint is never trusted: malformed ids are refused, and an
 * environment that does not exist, is not asleep, or whose own predicate is
 * false is left alone (kinfo.directed_wakeups does not move).  When the named
 * environment sleeps on a predicate that holds, it wakes and runs at once:
 * the counter moves and it sees the waiter already asleep.  A ping-pong of
 * hinted waits is all directed wake-ups but for the few a tick's poll took
 * first. */
#define TEST_NAME "wait_for"
#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED 0x4e0000000000ul
#define ROUNDS 200

struct shared {
	volatile uint64_t a, b, stop, ball;
	volatile uint64_t parent_id;
	volatile uint64_t child_saw_parent_asleep; /* when it ran after a directed wake */
	volatile uint64_t directed_seen;           /* kinfo.directed_wakeups then */
	volatile uint64_t misses;                  /* ping-pong: the parent was not asleep */
};
#define SH ((struct shared *)SHARED)

static struct exo_pred_term word_is(const volatile uint64_t *w, uint64_t v)
{
	return (struct exo_pred_term){.op = EXO_PRED_EQ,
	                              .lhs_kind = EXO_OPND_MEM,
	                              .rhs_kind = EXO_OPND_CONST,
	                              .lhs = (uint64_t)w,
	                              .rhs = v};
}

/* word == v, or `ms` milliseconds from now have passed. */
static long wait_for_ms(const volatile uint64_t *w, uint64_t v, uint64_t ms, uint32_t hint)
{
	struct exo_pred_term t[2] = {word_is(w, v)};
	t[0].flags = EXO_PRED_OR;
	t[1] = (struct exo_pred_term){.op = EXO_PRED_GE,
	                              .lhs_kind = EXO_OPND_CLOCK,
	                              .rhs_kind = EXO_OPND_CONST,
	                              .rhs = exo_rdtsc() + ms * exo_kinfo()->tsc_khz};
	return exo_wait_for(t, 2, hint);
}

static uint32_t state_of(long id)
{
	return exos_env_info((uint32_t)id)->state;
}

static void until_state(long id, uint32_t state)
{
	while (state_of(id) != state)
		exo_yield();
}

static uint64_t directed(void)
{
	return exo_kinfo()->directed_wakeups;
}

/* Sleeps until a == 1 (a directed wake when the parent names it), then notes
 * whether the parent was asleep and what the counter says. */
static int sleeper(void *arg)
{
	(void)arg;
	struct exo_pred_term t = word_is(&SH->a, 1);
	if (exo_wait(&t, 1))
		return 1;
	SH->child_saw_parent_asleep = state_of((long)SH->parent_id) == EXO_ENV_SLEEPING;
	SH->directed_seen = directed();
	SH->b = 1;
	return 0;
}

/* Runs (yielding, never sleeping) until stop. */
static int spinner(void *arg)
{
	(void)arg;
	while (!SH->stop)
		exo_yield();
	return 0;
}

/* The other end of the ping-pong: waits for an odd ball, sends it back even. */
static int ponger(void *arg)
{
	(void)arg;
	uint32_t parent = (uint32_t)SH->parent_id;
	for (uint64_t ball = 1; ball < 2 * ROUNDS; ball += 2) {
		struct exo_pred_term t = word_is(&SH->ball, ball);
		if (exo_wait_for(&t, 1, parent))
			return 1;
		if (state_of(parent) != EXO_ENV_SLEEPING)
			SH->misses++;
		SH->ball = ball + 1;
	}
	return 0;
}

static long spawn(int (*fn)(void *), const char *name, bool start)
{
	long id = exos_env_spawn_shared(fn, NULL, name, SHARED, 1);
	if (id > 0 && start && exos_env_start((uint32_t)id))
		return -1;
	return id;
}

static void bad_input(void)
{
	uint32_t self = exos_self_id();
	struct exo_pred_term t = word_is(&SH->a, 0);
	ERR(exo_wait_for(&t, 1, self), EXO_EINVAL, "naming itself");
	ERR(exo_syscall3(EXO_SYS_WAIT_FOR, (long)&t, 1, 1l << 32), EXO_EINVAL,
	    "an id wider than 32 bits");
	ERR(exo_wait_for(&t, 1, EXO_NENV * 3), EXO_EINVAL, "an id of slot 0 (no environment)");
	RET(exo_wait_for(&t, 1, 0), 0, "no hint, a true predicate: at once");
	uint64_t reuses = exo_kinfo()->pred_reuses;
	t.rhs = 5;
	t.flags = EXO_PRED_OR; /* ignored on the last term, but a new shape */
	t.op = EXO_PRED_NE;
	RET(exo_wait_for(&t, 1, 0), 0, "the same word, another op and flag: at once");
	t.rhs = 6;
	RET(exo_wait_for(&t, 1, 0), 0, "the same shape, another constant: at once");
	CHECK(exo_kinfo()->pred_reuses == reuses + 1, "only the last kept the compiled form");
	t.pad = 1;
	ERR(exo_wait_for(&t, 1, 0), EXO_EINVAL, "the same shape but a nonzero pad: checked again");
	t.pad = 0;
	t.op = EXO_PRED_NOPS;
	ERR(exo_wait_for(&t, 1, 0), EXO_EINVAL, "the same shape but an unknown op");
	t.op = EXO_PRED_NE;

	/* A word on a page that goes between two waits of the same shape. */
	const uint64_t va = SHARED + 0x10000;
	CHECK(exos_page_map(va, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page for a word");
	struct exo_pred_term w = word_is((const volatile uint64_t *)va, 0);
	RET(exo_wait_for(&w, 1, 0), 0, "a word on it: at once");
	CHECK(exos_unmap_range(va, 1) == 0, "unmapped it");
	ERR(exo_wait_for(&w, 1, 0), EXO_EFAULT, "the same predicate again: its page is gone");
}

/* A child that exited: its id names nothing now. */
static void gone(void)
{
	long id = spawn(spinner, "gone", true);
	SH->stop = 1;
	RET(exos_env_wait((uint32_t)id), 0, "a child ran and exited");
	SH->stop = 0;
	uint64_t d0 = directed();
	RET(wait_for_ms(&SH->b, 7, 5, (uint32_t)id), 0,
	    "naming an environment that exited: we sleep, and wake at the deadline");
	CHECK(directed() == d0, "no directed wake-up");
}

/* A child that runs (yields) and never sleeps. */
static void running(void)
{
	long id = spawn(spinner, "spinner", true);
	CHECK(id > 0, "spawned a child that yields until told to stop");
	uint64_t d0 = directed();
	RET(wait_for_ms(&SH->b, 7, 5, (uint32_t)id), 0,
	    "naming a runnable environment: we sleep, and wake at the deadline");
	CHECK(directed() == d0, "no directed wake-up");
	SH->stop = 1;
	RET(exos_env_wait((uint32_t)id), 0, "the child exited");
	SH->stop = 0;
}

/* An environment created and never started. */
static void never_started(void)
{
	long id = spawn(spinner, "unstarted", false);
	CHECK(id > 0 && state_of(id) == EXO_ENV_CREATED, "created a child, not started");
	uint64_t d0 = directed();
	RET(wait_for_ms(&SH->b, 7, 5, (uint32_t)id), 0,
	    "naming an environment never started: we sleep, and wake at the deadline");
	CHECK(directed() == d0 && state_of(id) == EXO_ENV_CREATED,
	      "no directed wake-up, and it was not started");
	RET(exos_env_kill((uint32_t)id), 0, "destroyed it");
}

/* A child asleep on a predicate that is false, then true. */
static void sleeping_child(void)
{
	SH->a = SH->b = 0;
	SH->child_saw_parent_asleep = 0;
	long id = spawn(sleeper, "sleeper", true);
	CHECK(id > 0, "spawned a child that sleeps until a == 1");
	until_state(id, EXO_ENV_SLEEPING);
	uint64_t d0 = directed();
	RET(wait_for_ms(&SH->b, 1, 5, (uint32_t)id), 0,
	    "naming a sleeper whose predicate is false: we wake at the deadline");
	CHECK(directed() == d0 && state_of(id) == EXO_ENV_SLEEPING,
	      "no directed wake-up, and it still sleeps");

	SH->a = 1; /* its predicate holds from now on: only we know it yet */
	struct exo_pred_term t = word_is(&SH->b, 1);
	RET(exo_wait_for(&t, 1, (uint32_t)id), 0, "naming it once its predicate holds");
	CHECK(directed() == d0 + 1, "one directed wake-up (%lu)", (unsigned long)(directed() - d0));
	CHECK(SH->child_saw_parent_asleep && SH->directed_seen == d0 + 1,
	      "it ran at once: we were asleep and the counter had moved");
	RET(exos_env_wait((uint32_t)id), 0, "the child exited");
}

static void ping_pong(void)
{
	SH->ball = 0;
	SH->misses = 0;
	long id = spawn(ponger, "ponger", true);
	CHECK(id > 0, "spawned the other end of a ping-pong");
	until_state(id, EXO_ENV_SLEEPING);
	uint64_t d0 = directed(), r0 = exo_kinfo()->pred_reuses;
	for (uint64_t ball = 0; ball < 2 * ROUNDS; ball += 2) {
		SH->ball = ball + 1;
		struct exo_pred_term t = word_is(&SH->ball, ball + 2);
		if (exo_wait_for(&t, 1, (uint32_t)id))
			break;
	}
	RET(exos_env_wait((uint32_t)id), 0, "the ping-pong ended");
	CHECK(SH->ball == 2 * ROUNDS, "%d round trips", ROUNDS);
	uint64_t d = directed() - d0;
	/* A tick may poll the sleeper awake first (then the hint finds it
	 * runnable): a few, not most. */
	CHECK(d >= ROUNDS && d <= 2 * ROUNDS, "most hand-offs were directed wake-ups");
	CHECK(exo_kinfo()->pred_reuses - r0 >= 2 * ROUNDS - 2,
	      "every wait after each side's first kept its compiled predicate");
	printf("wait_for: %lu of %d hand-offs directed, the other end found us awake %lu times\n",
	       (unsigned long)d, 2 * ROUNDS, (unsigned long)SH->misses);
}

int main(void)
{
	CHECK(exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page to share");
	SH->parent_id = exos_self_id();
	bad_input();
	gone();
	running();
	never_started();
	sleeping_child();
	ping_pong();
	return check_done();
}
