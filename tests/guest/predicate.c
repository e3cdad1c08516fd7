/* Wakeup predicates (include/exo/pred.h): an environment sleeps in the kernel
 * until a memory word changes or a time passes, and malformed predicates are
 * refused when installed. */
#define TEST_NAME "predicate"
#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED 0x4e0000000000ul

struct shared {
	volatile uint64_t word, a, b, c;
	volatile uint64_t parent_id;
	volatile uint64_t parent_was_sleeping; /* seen by the child before it wrote */
};
#define SH ((struct shared *)SHARED)

static struct exo_pred_term term(int op, int lk, uint64_t l, int rk, uint64_t r, int flags)
{
	return (struct exo_pred_term){.op = (uint8_t)op,
	                              .lhs_kind = (uint8_t)lk,
	                              .rhs_kind = (uint8_t)rk,
	                              .flags = (uint8_t)flags,
	                              .lhs = l,
	                              .rhs = r};
}

/* Waits (spinning, with yields) until the parent sleeps, notes that, then
 * writes `value` to the word at offset `which`. */
static int writer(void *arg)
{
	uint64_t which = (uint64_t)arg;
	const volatile struct exo_env_info *p = exos_env_info((uint32_t)SH->parent_id);
	while (p->state != EXO_ENV_SLEEPING)
		exo_yield();
	SH->parent_was_sleeping = 1;
	if (which == 0)
		SH->word = 1;
	else
		SH->c = 3;
	return 0;
}

static long spawn_writer(uint64_t which)
{
	long id = exos_env_spawn_shared(writer, (void *)which, "writer", SHARED, 1);
	if (id > 0 && exos_env_start((uint32_t)id) == 0)
		return id;
	return -1;
}

static void memory_word(void)
{
	SH->word = 0;
	SH->parent_was_sleeping = 0;
	long id = spawn_writer(0);
	CHECK(id > 0, "spawned a child that writes a word once we sleep");
	struct exo_pred_term t = term(EXO_PRED_EQ, EXO_OPND_MEM, SHARED, EXO_OPND_CONST, 1, 0);
	RET(exo_wait(&t, 1), 0, "sleep until word == 1");
	CHECK(SH->word == 1 && SH->parent_was_sleeping,
	      "woke after the child saw us asleep and wrote");
	RET(exos_env_wait((uint32_t)id), 0, "the child exited");
}

static void sum_of_products(void)
{
	SH->a = 1, SH->b = 0, SH->c = 0;
	SH->parent_was_sleeping = 0;
	long id = spawn_writer(1);
	CHECK(id > 0, "spawned a child that sets c = 3 once we sleep");
	struct exo_pred_term t[3] = {
	        term(EXO_PRED_EQ, EXO_OPND_MEM, SHARED + 8, EXO_OPND_CONST, 1, 0),
	        term(EXO_PRED_EQ, EXO_OPND_MEM, SHARED + 16, EXO_OPND_CONST, 2, EXO_PRED_OR),
	        term(EXO_PRED_EQ, EXO_OPND_CONST, 3, EXO_OPND_MEM, SHARED + 24, 0),
	};
	RET(exo_wait(t, 3), 0, "sleep until (a == 1 && b == 2) || 3 == c");
	CHECK(SH->c == 3 && SH->parent_was_sleeping, "woke on the second product");
	RET(exos_env_wait((uint32_t)id), 0, "the child exited");
}

static void time(void)
{
	const struct exo_kinfo *k = exo_kinfo();
	uint64_t halts = k->idle_halts, t0 = exo_rdtsc();
	RET(exos_sleep_ns(50 * 1000000ul), 0, "sleep 50 ms on a clock predicate");
	uint64_t ms = (exo_rdtsc() - t0) / k->tsc_khz;
	CHECK(ms >= 50 && ms < 2000, "woke after at least 50 ms, well before 2 s");
	CHECK(k->idle_halts > halts, "the kernel halted meanwhile instead of spinning");

	SH->word = 5;
	t0 = exo_rdtsc();
	RET(exos_wait_word(&SH->word, EXO_PRED_EQ, 6, 20 * 1000000ul), 0,
	    "word == 6 never happens: a 20 ms timeout term wakes us");
	CHECK((exo_rdtsc() - t0) / k->tsc_khz >= 20, "after the timeout");
	RET(exos_wait_word(&SH->word, EXO_PRED_EQ, 5, 0), 0,
	    "a predicate already true returns at once");

	/* A word of the exported kinfo page: a kernel counter (here the tick count). */
	uint64_t until = k->ticks + 2;
	struct exo_pred_term kt =
	        term(EXO_PRED_GE, EXO_OPND_MEM, (uint64_t)&k->ticks, EXO_OPND_CONST, until, 0);
	RET(exo_wait(&kt, 1), 0, "sleep on kinfo's tick counter");
	CHECK(k->ticks >= until, "woke when the kernel's counter got there");
	kt.lhs += 4;
	ERR(exo_wait(&kt, 1), EXO_EINVAL, "a misaligned kinfo operand");
}

static void malformed(void)
{
	struct exo_pred_term t[EXO_PRED_MAX_TERMS + 1];
	for (int i = 0; i <= EXO_PRED_MAX_TERMS; i++)
		t[i] = term(EXO_PRED_EQ, EXO_OPND_MEM, SHARED, EXO_OPND_CONST, 12345, 0);
	ERR(exo_wait(t, 0), EXO_EINVAL, "no terms");
	ERR(exo_wait(t, EXO_PRED_MAX_TERMS + 1), EXO_EINVAL, "one term too many");
	t[0].op = EXO_PRED_NOPS;
	ERR(exo_wait(t, 1), EXO_EINVAL, "unknown comparison");
	t[0].op = EXO_PRED_EQ;
	t[0].rhs_kind = EXO_OPND_NKINDS;
	ERR(exo_wait(t, 1), EXO_EINVAL, "unknown operand kind");
	t[0].rhs_kind = EXO_OPND_CONST;
	t[0].pad = 1;
	ERR(exo_wait(t, 1), EXO_EINVAL, "nonzero pad");
	t[0].pad = 0;
	t[0].lhs = SHARED + 4;
	ERR(exo_wait(t, 1), EXO_EINVAL, "misaligned memory operand");
	t[0].lhs = 0x4f0000000000ul;
	ERR(exo_wait(t, 1), EXO_EFAULT, "memory operand on an unmapped page");
	t[0].lhs = EXO_KERNBASE;
	ERR(exo_wait(t, 1), EXO_EFAULT, "memory operand in the kernel");
	t[0].lhs = EXO_PAGES;
	t[3].rhs_kind = EXO_OPND_MEM;
	t[3].rhs = 0x4f0000000000ul;
	ERR(exo_wait(t, 4), EXO_EFAULT, "an unreadable operand in a later term");
	ERR(exo_wait((const struct exo_pred_term *)0x4f0000000000ul, 1), EXO_EFAULT,
	    "the predicate itself unreadable");
	CHECK(exo_kinfo()->ticks > 0, "the kernel still runs");
}

int main(void)
{
	CHECK(exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page to share");
	SH->parent_id = exos_self_id();
	memory_word();
	sum_of_products();
	time();
	malformed();
	return check_done();
}
