/* Wakeup predicates (lib/pred.c): the well-formedness check and the lazy
 * sum-of-products evaluator. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <exo/errno.h>

#include "pred.h"
#include "unit.h"

/* A fake user address space: NWORDS words at BASE. A read (or a translation for the
 * compiled form) elsewhere, or of fail_va, fails; every one is counted, so a test can tell which
 * operands were read. */
#define BASE   0x10000u
#define NWORDS 8

struct fake_mem {
	uint64_t word[NWORDS];
	uint64_t fail_va;
	int fail_err;
	unsigned reads;
};

static int fake_resolve(void *ctx, uint64_t va, const volatile uint64_t **out)
{
	struct fake_mem *m = ctx;

	m->reads++;
	if (va == m->fail_va)
		return m->fail_err;
	if (va < BASE || va >= BASE + 8 * NWORDS || va % 8)
		return -EXO_EFAULT;
	*out = &m->word[(va - BASE) / 8];
	return 0;
}

static int fake_read(void *ctx, uint64_t va, uint64_t *out)
{
	const volatile uint64_t *word = NULL;
	int r = fake_resolve(ctx, va, &word);
	if (!r)
		*out = *word;
	return r;
}

/* A read callback for predicates that must not read memory at all. */
static int no_read(void *ctx, uint64_t va, uint64_t *out)
{
	(void)ctx;
	(void)out;
	ck_abort_msg("unexpected read of %#llx", (unsigned long long)va);
	return -EXO_EFAULT;
}

static uint64_t va_of(unsigned word)
{
	return BASE + 8 * (uint64_t)word;
}

static struct exo_pred_term term(uint8_t op, uint8_t lk, uint64_t l, uint8_t rk, uint64_t r)
{
	return (struct exo_pred_term){.op = op, .lhs_kind = lk, .rhs_kind = rk, .lhs = l, .rhs = r};
}

static struct exo_pred_term consts(uint8_t op, uint64_t a, uint64_t b)
{
	return term(op, EXO_OPND_CONST, a, EXO_OPND_CONST, b);
}

/* A constant term that holds or not, reading nothing. */
static struct exo_pred_term truth(bool holds)
{
	return consts(EXO_PRED_EQ, 0, holds ? 0 : 1);
}

/* word[w] == v */
static struct exo_pred_term mem_eq(unsigned w, uint64_t v)
{
	return term(EXO_PRED_EQ, EXO_OPND_MEM, va_of(w), EXO_OPND_CONST, v);
}

static struct exo_pred_term or_(struct exo_pred_term t)
{
	t.flags |= EXO_PRED_OR;
	return t;
}

static int eval(const struct exo_pred_term *t, size_t n, struct fake_mem *m)
{
	ck_assert_int_eq(pred_check(t, n), 0);
	return pred_eval(t, n, fake_read, m, 0);
}

/* ---- pred_check ---- */

START_TEST(check_accepts_well_formed)
{
	struct exo_pred_term t[] = {
	        term(EXO_PRED_GE, EXO_OPND_CLOCK, 0, EXO_OPND_CONST, 12345),
	        or_(term(EXO_PRED_NE, EXO_OPND_MEM, va_of(0), EXO_OPND_MEM, va_of(1))),
	        term(EXO_PRED_LT, EXO_OPND_CONST, UINT64_MAX, EXO_OPND_CLOCK, 0),
	        or_(mem_eq(7, 0)), /* OR on the last term: ignored, not refused */
	};

	ck_assert_int_eq(pred_check(t, 4), 0);
	ck_assert_int_eq(pred_check(t, 1), 0);
	/* A MEM operand at address 0 is aligned; readability is the kernel's business. */
	t[0] = term(EXO_PRED_EQ, EXO_OPND_MEM, 0, EXO_OPND_MEM, UINT64_MAX - 7);
	ck_assert_int_eq(pred_check(t, 1), 0);
}
END_TEST

START_TEST(check_refuses_length)
{
	struct exo_pred_term t[EXO_PRED_MAX_TERMS + 1];

	for (size_t i = 0; i < EXO_PRED_MAX_TERMS + 1; i++)
		t[i] = truth(true);
	ck_assert_int_eq(pred_check(t, 0), -EXO_EINVAL);
	ck_assert_int_eq(pred_check(t, EXO_PRED_MAX_TERMS), 0);
	ck_assert_int_eq(pred_check(t, EXO_PRED_MAX_TERMS + 1), -EXO_EINVAL);
	ck_assert_int_eq(pred_check(t, SIZE_MAX), -EXO_EINVAL);
}
END_TEST

/* t[0] is a good term; each bad variant is refused, in the first and the last slot. */
static void assert_refused(struct exo_pred_term bad)
{
	struct exo_pred_term t[EXO_PRED_MAX_TERMS];

	for (size_t i = 0; i < EXO_PRED_MAX_TERMS; i++)
		t[i] = truth(true);
	t[0] = bad;
	ck_assert_int_eq(pred_check(t, 1), -EXO_EINVAL);
	ck_assert_int_eq(pred_check(t, EXO_PRED_MAX_TERMS), -EXO_EINVAL);
	t[0] = truth(true);
	t[EXO_PRED_MAX_TERMS - 1] = bad;
	ck_assert_int_eq(pred_check(t, EXO_PRED_MAX_TERMS), -EXO_EINVAL);
	ck_assert_int_eq(pred_check(t, EXO_PRED_MAX_TERMS - 1), 0);
}

START_TEST(check_refuses_op)
{
	assert_refused(consts(EXO_PRED_NOPS, 0, 0));
	assert_refused(consts(0xff, 0, 0));
}
END_TEST

START_TEST(check_refuses_kind)
{
	assert_refused(term(EXO_PRED_EQ, EXO_OPND_NKINDS, 0, EXO_OPND_CONST, 0));
	assert_refused(term(EXO_PRED_EQ, EXO_OPND_CONST, 0, EXO_OPND_NKINDS, 0));
	assert_refused(term(EXO_PRED_EQ, 0xff, 0, EXO_OPND_CONST, 0));
}
END_TEST

START_TEST(check_refuses_pad)
{
	struct exo_pred_term t = truth(true);

	t.pad = 1;
	assert_refused(t);
	t.pad = 0x80000000u;
	assert_refused(t);
}
END_TEST

START_TEST(check_refuses_flags)
{
	struct exo_pred_term t = truth(true);

	t.flags = 0x02;
	assert_refused(t);
	t.flags = EXO_PRED_OR | 0x80;
	assert_refused(t);
}
END_TEST

START_TEST(check_refuses_misaligned_mem)
{
	/* Every misalignment, either side; 4-byte alignment is not enough. */
	for (uint64_t off = 1; off < 8; off++) {
		assert_refused(term(EXO_PRED_EQ, EXO_OPND_MEM, BASE + off, EXO_OPND_CONST, 0));
		assert_refused(term(EXO_PRED_EQ, EXO_OPND_CONST, 0, EXO_OPND_MEM, BASE + off));
	}
	assert_refused(term(EXO_PRED_EQ, EXO_OPND_MEM, UINT64_MAX, EXO_OPND_CONST, 0));
}
END_TEST

START_TEST(check_refuses_clock_value)
{
	assert_refused(term(EXO_PRED_GE, EXO_OPND_CLOCK, 1, EXO_OPND_CONST, 0));
	assert_refused(term(EXO_PRED_GE, EXO_OPND_CONST, 0, EXO_OPND_CLOCK, UINT64_MAX));
	/* A misaligned value is fine for a constant: only MEM values are addresses. */
	ck_assert_int_eq(pred_check((struct exo_pred_term[]){consts(EXO_PRED_EQ, 3, 5)}, 1), 0);
}
END_TEST

/* ---- pred_eval: comparisons and operands ---- */

/* Expected results of each op on (a, b), written out rather than recomputed. */
static const struct {
	uint64_t a, b;
	bool eq, ne, lt, le, gt, ge;
} cmp_cases[] = {
        {0, 0, true, false, false, true, false, true},
        {0, 1, false, true, true, true, false, false},
        {1, 0, false, true, false, false, true, true},
        {0, UINT64_MAX, false, true, true, true, false, false},
        {UINT64_MAX, 0, false, true, false, false, true, true},
        {UINT64_MAX, UINT64_MAX, true, false, false, true, false, true},
        {UINT64_MAX - 1, UINT64_MAX, false, true, true, true, false, false},
        /* unsigned: 1 << 63 is not negative */
        {1ull << 63, 1, false, true, false, false, true, true},
};

static void assert_ops(uint64_t a, uint64_t b, const bool want[EXO_PRED_NOPS])
{
	for (uint8_t op = 0; op < EXO_PRED_NOPS; op++) {
		struct exo_pred_term t = consts(op, a, b);

		ck_assert_int_eq(pred_check(&t, 1), 0);
		ck_assert_msg(pred_eval(&t, 1, no_read, NULL, 0) == want[op],
		              "op %u on %#llx, %#llx: expected %d", op, (unsigned long long)a,
		              (unsigned long long)b, want[op]);
	}
}

START_TEST(eval_ops_edges)
{
	for (size_t i = 0; i < sizeof(cmp_cases) / sizeof(cmp_cases[0]); i++) {
		const bool want[EXO_PRED_NOPS] = {
		        [EXO_PRED_EQ] = cmp_cases[i].eq, [EXO_PRED_NE] = cmp_cases[i].ne,
		        [EXO_PRED_LT] = cmp_cases[i].lt, [EXO_PRED_LE] = cmp_cases[i].le,
		        [EXO_PRED_GT] = cmp_cases[i].gt, [EXO_PRED_GE] = cmp_cases[i].ge,
		};

		assert_ops(cmp_cases[i].a, cmp_cases[i].b, want);
	}
}
END_TEST

START_TEST(eval_const_vs_mem)
{
	struct fake_mem m = {.word = {[2] = 41, [3] = UINT64_MAX}, .fail_va = 1};
	struct exo_pred_term t;

	/* word on the left */
	t = term(EXO_PRED_LT, EXO_OPND_MEM, va_of(2), EXO_OPND_CONST, 42);
	ck_assert_int_eq(eval(&t, 1, &m), 1);
	t.rhs = 41;
	ck_assert_int_eq(eval(&t, 1, &m), 0);
	/* word on the right: the order of the operands matters */
	t = term(EXO_PRED_LT, EXO_OPND_CONST, 42, EXO_OPND_MEM, va_of(2));
	ck_assert_int_eq(eval(&t, 1, &m), 0);
	t.op = EXO_PRED_GT;
	ck_assert_int_eq(eval(&t, 1, &m), 1);
	t = term(EXO_PRED_EQ, EXO_OPND_CONST, UINT64_MAX, EXO_OPND_MEM, va_of(3));
	ck_assert_int_eq(eval(&t, 1, &m), 1);
	ck_assert_uint_eq(m.reads, 5);
	/* the value is read at each evaluation, not cached */
	m.word[3] = 0;
	ck_assert_int_eq(eval(&t, 1, &m), 0);
}
END_TEST

START_TEST(eval_mem_vs_mem)
{
	struct fake_mem m = {.word = {[0] = 7, [1] = 7, [2] = 8}, .fail_va = 1};
	struct exo_pred_term t = term(EXO_PRED_EQ, EXO_OPND_MEM, va_of(0), EXO_OPND_MEM, va_of(1));

	ck_assert_int_eq(eval(&t, 1, &m), 1);
	ck_assert_uint_eq(m.reads, 2);
	t.rhs = va_of(2);
	ck_assert_int_eq(eval(&t, 1, &m), 0);
	t.op = EXO_PRED_LT;
	ck_assert_int_eq(eval(&t, 1, &m), 1);
	/* the same word on both sides */
	t = term(EXO_PRED_NE, EXO_OPND_MEM, va_of(2), EXO_OPND_MEM, va_of(2));
	ck_assert_int_eq(eval(&t, 1, &m), 0);
}
END_TEST

START_TEST(eval_clock)
{
	/* now >= deadline: the usual timeout term */
	struct exo_pred_term t = term(EXO_PRED_GE, EXO_OPND_CLOCK, 0, EXO_OPND_CONST, 1000);

	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, 999), 0);
	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, 1000), 1);
	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, UINT64_MAX), 1);
	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, 0), 0);
	/* clock on the right, and clock against itself */
	t = term(EXO_PRED_LT, EXO_OPND_CONST, 1000, EXO_OPND_CLOCK, 0);
	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, 1000), 0);
	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, 1001), 1);
	t = term(EXO_PRED_EQ, EXO_OPND_CLOCK, 0, EXO_OPND_CLOCK, 0);
	ck_assert_int_eq(pred_eval(&t, 1, no_read, NULL, 123456789), 1);

	/* a deadline in memory */
	struct fake_mem m = {.word = {[4] = 500}, .fail_va = 1};

	t = term(EXO_PRED_GE, EXO_OPND_CLOCK, 0, EXO_OPND_MEM, va_of(4));
	ck_assert_int_eq(pred_eval(&t, 1, fake_read, &m, 499), 0);
	ck_assert_int_eq(pred_eval(&t, 1, fake_read, &m, 500), 1);
}
END_TEST

/* ---- pred_eval: sums of products ---- */

START_TEST(eval_and_within_product)
{
	static const bool cases[4][2] = {
	        {false, false}, {false, true}, {true, false}, {true, true}};

	for (size_t i = 0; i < 4; i++) {
		struct exo_pred_term t[] = {truth(cases[i][0]), truth(cases[i][1])};

		ck_assert_int_eq(pred_check(t, 2), 0);
		ck_assert_int_eq(pred_eval(t, 2, no_read, NULL, 0), cases[i][0] && cases[i][1]);
	}
	/* three terms, only the last false */
	struct exo_pred_term t3[] = {truth(true), truth(true), truth(false)};

	ck_assert_int_eq(pred_eval(t3, 3, no_read, NULL, 0), 0);
}
END_TEST

START_TEST(eval_or_across_products)
{
	/* (a && b) || (c && d) over every assignment */
	for (unsigned bits = 0; bits < 16; bits++) {
		bool a = bits & 1, b = bits & 2, c = bits & 4, d = bits & 8;
		struct exo_pred_term t[] = {truth(a), or_(truth(b)), truth(c), truth(d)};

		ck_assert_int_eq(pred_check(t, 4), 0);
		ck_assert_msg(pred_eval(t, 4, no_read, NULL, 0) == ((a && b) || (c && d)),
		              "assignment %#x", bits);
	}
	/* single-term products: a || b || c */
	struct exo_pred_term t[] = {or_(truth(false)), or_(truth(false)), truth(true)};

	ck_assert_int_eq(pred_eval(t, 3, no_read, NULL, 0), 1);
	t[2] = truth(false);
	ck_assert_int_eq(pred_eval(t, 3, no_read, NULL, 0), 0);
}
END_TEST

START_TEST(eval_last_or_ignored)
{
	struct exo_pred_term t[] = {or_(truth(true))};

	/* A trailing OR does not add an empty (false, or vacuously true) product. */
	ck_assert_int_eq(pred_eval(t, 1, no_read, NULL, 0), 1);
	t[0] = or_(truth(false));
	ck_assert_int_eq(pred_eval(t, 1, no_read, NULL, 0), 0);

	struct exo_pred_term u[] = {truth(true), or_(truth(false))};

	ck_assert_int_eq(pred_eval(u, 2, no_read, NULL, 0), 0);
	u[1] = or_(truth(true));
	ck_assert_int_eq(pred_eval(u, 2, no_read, NULL, 0), 1);
}
END_TEST

START_TEST(eval_short_circuit_false_term)
{
	/* (false && word[0]==1 && word[1]==1) || word[2]==5: the first product's memory
	 * terms are skipped (fail_va would fail one), the second product is read. */
	struct fake_mem m = {
	        .word = {[0] = 1, [1] = 1, [2] = 5}, .fail_va = va_of(1), .fail_err = -EXO_EFAULT};
	struct exo_pred_term t[] = {truth(false), mem_eq(0, 1), or_(mem_eq(1, 1)), mem_eq(2, 5)};

	ck_assert_int_eq(eval(t, 4, &m), 1);
	ck_assert_uint_eq(m.reads, 1);

	/* A false memory term stops its product too: word[0]==2 is false, so the
	 * failing word[1] is not read; the next product still is. */
	m.reads = 0;
	t[0] = mem_eq(0, 2);
	ck_assert_int_eq(eval(t, 4, &m), 1);
	ck_assert_uint_eq(m.reads, 2);

	/* Both products false: each stops at its first term. */
	m.reads = 0;
	m.word[2] = 6;
	ck_assert_int_eq(eval(t, 4, &m), 0);
	ck_assert_uint_eq(m.reads, 2);
}
END_TEST

START_TEST(eval_short_circuit_true_product)
{
	/* word[0]==1 || (failing read): the first product decides, nothing after it is read. */
	struct fake_mem m = {.word = {[0] = 1}, .fail_va = va_of(5), .fail_err = -EXO_EFAULT};
	struct exo_pred_term t[] = {or_(mem_eq(0, 1)), mem_eq(5, 0), mem_eq(6, 0)};

	ck_assert_int_eq(eval(t, 3, &m), 1);
	ck_assert_uint_eq(m.reads, 1);
	/* once the first product is false, the failing read is reached */
	m.reads = 0;
	m.word[0] = 0;
	ck_assert_int_eq(eval(t, 3, &m), -EXO_EFAULT);
	ck_assert_uint_eq(m.reads, 2);
}
END_TEST

START_TEST(eval_read_error)
{
	/* The callback's own error comes back unchanged, even when a later product is true. */
	struct fake_mem m = {.word = {[1] = 9}, .fail_va = va_of(0), .fail_err = -EXO_ENOMEM};
	struct exo_pred_term t[] = {or_(mem_eq(0, 0)), truth(true)};

	ck_assert_int_eq(eval(t, 2, &m), -EXO_ENOMEM);
	ck_assert_uint_eq(m.reads, 1);

	/* a failing right-hand operand, after a good left-hand one */
	struct exo_pred_term u = term(EXO_PRED_EQ, EXO_OPND_MEM, va_of(1), EXO_OPND_MEM, va_of(0));

	m.fail_err = -EXO_EFAULT;
	ck_assert_int_eq(eval(&u, 1, &m), -EXO_EFAULT);
	/* a read error in the middle of a product whose earlier terms held */
	struct exo_pred_term v[] = {mem_eq(1, 9), truth(true), mem_eq(0, 0), truth(true)};

	m.reads = 0;
	ck_assert_int_eq(eval(v, 4, &m), -EXO_EFAULT);
	ck_assert_uint_eq(m.reads, 2);
	/* an address the fake space does not map */
	u = term(EXO_PRED_EQ, EXO_OPND_MEM, 0, EXO_OPND_CONST, 0);
	ck_assert_int_eq(eval(&u, 1, &m), -EXO_EFAULT);
}
END_TEST

START_TEST(eval_max_terms)
{
	struct fake_mem m = {.fail_va = 1};
	struct exo_pred_term t[EXO_PRED_MAX_TERMS + 1];

	for (unsigned i = 0; i < NWORDS; i++)
		m.word[i] = i;
	/* one product of 16 terms, all memory reads that hold */
	for (unsigned i = 0; i < EXO_PRED_MAX_TERMS; i++)
		t[i] = mem_eq(i % NWORDS, i % NWORDS);
	ck_assert_int_eq(eval(t, EXO_PRED_MAX_TERMS, &m), 1);
	ck_assert_uint_eq(m.reads, EXO_PRED_MAX_TERMS);
	/* the 16th term decides */
	t[EXO_PRED_MAX_TERMS - 1] = mem_eq(0, 1);
	ck_assert_int_eq(eval(t, EXO_PRED_MAX_TERMS, &m), 0);

	/* 16 one-term products, only the last true */
	for (unsigned i = 0; i < EXO_PRED_MAX_TERMS; i++)
		t[i] = or_(mem_eq(i % NWORDS, 99));
	t[EXO_PRED_MAX_TERMS - 1] = mem_eq(3, 3);
	m.reads = 0;
	ck_assert_int_eq(eval(t, EXO_PRED_MAX_TERMS, &m), 1);
	ck_assert_uint_eq(m.reads, EXO_PRED_MAX_TERMS);

	/* a 17th term is refused */
	t[EXO_PRED_MAX_TERMS] = truth(true);
	ck_assert_int_eq(pred_check(t, EXO_PRED_MAX_TERMS + 1), -EXO_EINVAL);
}
END_TEST

/* ---- the compiled form: the kernel's evaluator must agree with pred_eval ---- */

/* A random well-formed predicate over the fake memory and the clock. */
static size_t random_pred(struct exo_pred_term *t, unsigned *seed)
{
	size_t n = 1 + (size_t)(rand_r(seed) % EXO_PRED_MAX_TERMS);
	for (size_t i = 0; i < n; i++) {
		uint8_t kind[2];
		uint64_t val[2];
		for (int k = 0; k < 2; k++) {
			kind[k] = (uint8_t)(rand_r(seed) % EXO_OPND_NKINDS);
			val[k] = kind[k] == EXO_OPND_MEM ? va_of((unsigned)rand_r(seed) % NWORDS)
			         : kind[k] == EXO_OPND_CLOCK ? 0
			                                     : (uint64_t)(rand_r(seed) % 4);
		}
		t[i] = term((uint8_t)(rand_r(seed) % EXO_PRED_NOPS), kind[0], val[0], kind[1],
		            val[1]);
		if (rand_r(seed) % 3 == 0)
			t[i].flags = EXO_PRED_OR;
	}
	return n;
}

START_TEST(compiled_agrees_with_eval)
{
	unsigned seed = 12345;
	struct fake_mem m = {.fail_va = 1};
	struct exo_pred_term t[EXO_PRED_MAX_TERMS];
	struct pred_compiled c[EXO_PRED_MAX_TERMS];
	volatile uint64_t clock = 0;
	unsigned trues = 0;
	for (int round = 0; round < 20000; round++) {
		size_t n = random_pred(t, &seed);
		ck_assert_int_eq(pred_check(t, n), 0);
		ck_assert_int_eq(pred_compile(t, n, fake_resolve, &m, &clock, c), 0);
		/* The memory and the clock change after compiling: the compiled form
		 * reads them at evaluation, as a sleeper's predicate must. */
		for (int k = 0; k < 4; k++) {
			for (unsigned w = 0; w < NWORDS; w++)
				m.word[w] = (uint64_t)(rand_r(&seed) % 4);
			clock = (uint64_t)(rand_r(&seed) % 4);
			int want = pred_eval(t, n, fake_read, &m, clock);
			ck_assert_int_eq(pred_eval_compiled(c, n), want);
			trues += want == 1;
		}
	}
	/* Both outcomes were exercised. */
	ck_assert_uint_gt(trues, 1000);
	ck_assert_uint_lt(trues, 79000);
}
END_TEST

START_TEST(compile_resolves_every_operand)
{
	/* Unlike pred_eval, compiling translates every memory operand, lazily
	 * skipped or not: the kernel checks them all when a predicate is installed. */
	struct fake_mem m = {.fail_va = va_of(5), .fail_err = -EXO_EFAULT};
	struct exo_pred_term t[3] = {or_(truth(true)), mem_eq(1, 0), mem_eq(5, 0)};
	struct pred_compiled c[3];
	volatile uint64_t clock = 0;
	ck_assert_int_eq(pred_compile(t, 3, fake_resolve, &m, &clock, c), -EXO_EFAULT);
	t[2] = mem_eq(2, 0);
	m.reads = 0;
	ck_assert_int_eq(pred_compile(t, 3, fake_resolve, &m, &clock, c), 0);
	ck_assert_uint_eq(m.reads, 2);
	ck_assert_int_eq(pred_eval_compiled(c, 3), 1);
	/* a constant points at the term itself, the clock at the caller's word */
	struct exo_pred_term k = term(EXO_PRED_LT, EXO_OPND_CONST, 7, EXO_OPND_CLOCK, 0);
	ck_assert_int_eq(pred_compile(&k, 1, fake_resolve, &m, &clock, c), 0);
	ck_assert_ptr_eq((const void *)c[0].lhs, &k.lhs);
	ck_assert_ptr_eq((const void *)c[0].rhs, (const void *)&clock);
	clock = 7;
	ck_assert_int_eq(pred_eval_compiled(c, 1), 0);
	clock = 8;
	ck_assert_int_eq(pred_eval_compiled(c, 1), 1);
}
END_TEST

Suite *pred_suite(void)
{
	Suite *s = suite_create("pred");
	TCase *check = tcase_create("check");
	TCase *eval_tc = tcase_create("eval");

	tcase_add_test(check, check_accepts_well_formed);
	tcase_add_test(check, check_refuses_length);
	tcase_add_test(check, check_refuses_op);
	tcase_add_test(check, check_refuses_kind);
	tcase_add_test(check, check_refuses_pad);
	tcase_add_test(check, check_refuses_flags);
	tcase_add_test(check, check_refuses_misaligned_mem);
	tcase_add_test(check, check_refuses_clock_value);
	suite_add_tcase(s, check);

	tcase_add_test(eval_tc, eval_ops_edges);
	tcase_add_test(eval_tc, eval_const_vs_mem);
	tcase_add_test(eval_tc, eval_mem_vs_mem);
	tcase_add_test(eval_tc, eval_clock);
	tcase_add_test(eval_tc, eval_and_within_product);
	tcase_add_test(eval_tc, eval_or_across_products);
	tcase_add_test(eval_tc, eval_last_or_ignored);
	tcase_add_test(eval_tc, eval_short_circuit_false_term);
	tcase_add_test(eval_tc, eval_short_circuit_true_product);
	tcase_add_test(eval_tc, eval_read_error);
	tcase_add_test(eval_tc, eval_max_terms);
	tcase_add_test(eval_tc, compiled_agrees_with_eval);
	tcase_add_test(eval_tc, compile_resolves_every_operand);
	suite_add_tcase(s, eval_tc);
	return s;
}
