/* Wakeup predicates. See pred.h. */
#include "pred.h"

#include <stdbool.h>

#include <exo/errno.h>

static bool operand_ok(uint8_t kind, uint64_t value)
{
	switch (kind) {
	case EXO_OPND_CONST:
		return true;
	case EXO_OPND_MEM:
		/* An aligned word never straddles a page, so one mapping check covers it. */
		return (value & 7) == 0;
	case EXO_OPND_CLOCK:
		/* Reserved: a later ABI may use it to pick a clock. */
		return value == 0;
	default:
		return false;
	}
}

static bool term_ok(const struct exo_pred_term *t)
{
	return t->op < EXO_PRED_NOPS && t->pad == 0 && (t->flags & ~EXO_PRED_OR) == 0 &&
	       operand_ok(t->lhs_kind, t->lhs) && operand_ok(t->rhs_kind, t->rhs);
}

int pred_check(const struct exo_pred_term *t, size_t n)
{
	if (n == 0 || n > EXO_PRED_MAX_TERMS)
		return -EXO_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!term_ok(&t[i]))
			return -EXO_EINVAL;
	return 0;
}

static int operand_value(uint8_t kind, uint64_t value, pred_read_fn read, void *ctx, uint64_t now,
                         uint64_t *out)
{
	if (kind == EXO_OPND_MEM)
		return read(ctx, value, out);
	*out = kind == EXO_OPND_CLOCK ? now : value;
	return 0;
}

static bool compare(uint8_t op, uint64_t a, uint64_t b)
{
	switch (op) {
	case EXO_PRED_EQ:
		return a == b;
	case EXO_PRED_NE:
		return a != b;
	case EXO_PRED_LT:
		return a < b;
	case EXO_PRED_LE:
		return a <= b;
	case EXO_PRED_GT:
		return a > b;
	case EXO_PRED_GE:
		return a >= b;
	default:
		return false; /* pred_check refuses it */
	}
}

/* 1 if the term holds, 0 if not, or a read's error. */
static int term_holds(const struct exo_pred_term *t, pred_read_fn read, void *ctx, uint64_t now)
{
	uint64_t a, b;
	int r;

	r = operand_value(t->lhs_kind, t->lhs, read, ctx, now, &a);
	if (r < 0)
		return r;
	r = operand_value(t->rhs_kind, t->rhs, read, ctx, now, &b);
	if (r < 0)
		return r;
	return compare(t->op, a, b);
}

/* Whether t[i] is the last term of its product; the last term ends one whatever its flag. */
static bool ends_product(const struct exo_pred_term *t, size_t i, size_t n)
{
	return (t[i].flags & EXO_PRED_OR) || i + 1 == n;
}

int pred_eval(const struct exo_pred_term *t, size_t n, pred_read_fn read, void *ctx, uint64_t now)
{
	for (size_t i = 0; i < n; i++) {
		int r = term_holds(&t[i], read, ctx, now);

		if (r < 0)
			return r;
		if (r == 0) {
			/* The product is false: jump to its last term, so that the loop's i++
			 * starts the next product without reading the terms in between. */
			while (!ends_product(t, i, n))
				i++;
		} else if (ends_product(t, i, n)) {
			return 1; /* every term of this product held */
		}
	}
	return 0;
}

static int compile_operand(uint8_t kind, const uint64_t *value, pred_resolve_fn resolve, void *ctx,
                           const volatile uint64_t *clock, const volatile uint64_t **out)
{
	if (kind == EXO_OPND_MEM)
		return resolve(ctx, *value, out);
	*out = kind == EXO_OPND_CLOCK ? clock : value;
	return 0;
}

/* struct pred_compiled's holds, by op. */
static const uint8_t outcomes[EXO_PRED_NOPS] = {
        [EXO_PRED_EQ] = 2, [EXO_PRED_NE] = 5, [EXO_PRED_LT] = 1,
        [EXO_PRED_LE] = 3, [EXO_PRED_GT] = 4, [EXO_PRED_GE] = 6,
};

int pred_compile(const struct exo_pred_term *t, size_t n, pred_resolve_fn resolve, void *ctx,
                 const volatile uint64_t *clock, struct pred_compiled *c)
{
	for (size_t i = 0; i < n; i++) {
		int r = compile_operand(t[i].lhs_kind, &t[i].lhs, resolve, ctx, clock, &c[i].lhs);
		if (!r)
			r = compile_operand(t[i].rhs_kind, &t[i].rhs, resolve, ctx, clock,
			                    &c[i].rhs);
		if (r < 0)
			return r;
		c[i].holds = outcomes[t[i].op]; /* pred_check refused any other op */
		c[i].ends = ends_product(t, i, n);
	}
	return 0;
}
