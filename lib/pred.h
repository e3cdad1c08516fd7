/* Wakeup predicates: the well-formedness check and the evaluator (the ABI and the
 * semantics are in <exo/pred.h>). Pure: memory operands are read through a callback,
 * so the kernel decides how user memory is reached and what a read may fault on,
 * and the host unit tests can count and fail reads. */
#ifndef KLIB_PRED_H
#define KLIB_PRED_H

#include <stddef.h>
#include <stdint.h>

#include <exo/pred.h>

/* 0 if t[0..n) is well-formed, -EXO_EINVAL if not: n is 0 or above EXO_PRED_MAX_TERMS,
 * or a term has an unknown op or operand kind, a nonzero pad, a flag other than
 * EXO_PRED_OR, a memory operand not 8-byte aligned or a clock operand whose value is
 * not 0. Whether the caller may read a memory operand is the kernel's question. */
int pred_check(const struct exo_pred_term *t, size_t n);

/* Reads the 64-bit word at user address va into *out: 0, or a negative error. */
typedef int (*pred_read_fn)(void *ctx, uint64_t va, uint64_t *out);

/* Evaluates a predicate pred_check accepted: 1 if true, 0 if false, or the error of the
 * first read that failed. Clock operands have the value now. Lazy: once a term of a
 * product is false, the rest of that product is neither compared nor read, and the
 * first true product ends the evaluation. */
int pred_eval(const struct exo_pred_term *t, size_t n, pred_read_fn read, void *ctx, uint64_t now);

/* A predicate made ready to evaluate without a lookup: each operand is a pointer
 * to its value (a constant's own field in the term, the caller's clock word, or
 * where the memory word is mapped), so one evaluation is a few loads and compares
 * a term.  The kernel evaluates every sleeper at every scheduling decision, at
 * ~400 ns an emulated instruction here; a page walk per memory operand each time
 * was most of the tick. */
struct pred_compiled {
	const volatile uint64_t *lhs, *rhs;
	/* Bit k set: the term holds when (a > b) + (a >= b) == k, i.e. for
	 * a < b (k 0), a == b (1), a > b (2).  A shift, not a switch: an
	 * evaluation is ~8 instructions a term, in emulated ring 0. */
	uint8_t holds;
	uint8_t ends; /* the last term of its product */
};

/* Where the memory word at user address va can be read: 0 and *out, or a
 * negative error. */
typedef int (*pred_resolve_fn)(void *ctx, uint64_t va, const volatile uint64_t **out);

/* Compiles t[0..n) (accepted by pred_check) into c[0..n): 0, or the first
 * resolve error.  Constants point into t, which must outlive c; clock operands
 * read *clock. */
int pred_compile(const struct exo_pred_term *t, size_t n, pred_resolve_fn resolve, void *ctx,
                 const volatile uint64_t *clock, struct pred_compiled *c);

/* pred_eval of a compiled predicate: 1 if true, 0 if not.  Lazy as pred_eval.
 * Inline: the kernel evaluates at every wait and every poll, in emulated ring
 * 0, where a call's setup costs as much as a term. */
static inline int pred_eval_compiled(const struct pred_compiled *c, size_t n)
{
	for (const struct pred_compiled *end = c + n; c < end; c++) {
		uint64_t a = *c->lhs, b = *c->rhs;
		unsigned k = (unsigned)(a > b) + (unsigned)(a >= b);
		if (!((c->holds >> k) & 1)) {
			while (!c->ends)
				c++; /* the product is false: on to the next one */
		} else if (c->ends) {
			return 1;
		}
	}
	return 0;
}

#endif
