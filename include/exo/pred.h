/* Wakeup predicates (Xok): an environment sleeps until a condition it downloads
 * into the kernel becomes true.  EXO_SYS_WAIT(terms, n) installs one and
 * sleeps; the kernel evaluates it whenever it schedules.
 *
 * A predicate is a sum of products: terms are ANDed together into a product
 * until a term with EXO_PRED_OR set, which ends its product; the products
 * are ORed.  So  a AND b [OR] c AND d [OR]  is (a && b) || (c && d).  The
 * flag on the last term is ignored.
 *
 * Each term compares two 64-bit unsigned operands.  An operand is a constant,
 * the 64-bit word at an address the caller can read in ring 3 (8-byte
 * aligned, readable when the predicate is installed: its own memory, or an
 * exported page such as the console input ring's header or kinfo's
 * counters, e.g. a NIC's tx_done), or the
 * clock: the TSC, as rdtsc reads it in ring 3 (exo_kinfo()->tsc_khz converts).
 *
 * The kernel refuses (-EXO_EINVAL) an empty predicate, one longer than
 * EXO_PRED_MAX_TERMS, an unknown op or operand kind, a nonzero pad, or a
 * misaligned memory operand; and (-EXO_EFAULT) a memory operand the caller
 * cannot read.  If a memory operand's page is unmapped while the environment
 * sleeps, it wakes with -EXO_EFAULT.  A reclaim upcall (sched.h) for a
 * sleeping environment wakes it with -EXO_EINTR, as a signal would on Linux:
 * waiters loop. */
#ifndef EXO_PRED_H
#define EXO_PRED_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define EXO_PRED_MAX_TERMS 16

/* Comparisons (unsigned). */
#define EXO_PRED_EQ   0
#define EXO_PRED_NE   1
#define EXO_PRED_LT   2
#define EXO_PRED_LE   3
#define EXO_PRED_GT   4
#define EXO_PRED_GE   5
#define EXO_PRED_NOPS 6

/* Operand kinds. */
#define EXO_OPND_CONST  0 /* the value itself */
#define EXO_OPND_MEM    1 /* the 64-bit word at this user address */
#define EXO_OPND_CLOCK  2 /* the TSC; the value field must be 0 */
#define EXO_OPND_NKINDS 3

/* exo_pred_term.flags */
#define EXO_PRED_OR 0x01 /* this term ends a product */

#ifndef __ASSEMBLER__
struct exo_pred_term {
	uint8_t op;       /* EXO_PRED_EQ.. */
	uint8_t lhs_kind; /* EXO_OPND_* */
	uint8_t rhs_kind;
	uint8_t flags; /* EXO_PRED_OR */
	uint32_t pad;  /* must be 0 */
	uint64_t lhs, rhs;
};
_Static_assert(sizeof(struct exo_pred_term) == 24, "exo_pred_term layout");
#endif

#endif
