/* The Linux personality's region list (libos/linux/vma.c). */
#include <stdint.h>
#include <stdlib.h>

#include "../../libos/linux/vma.h"
#include "unit.h"

#define P  4096ul
#define RW 3
#define RO 1

/* Each test gets an exact-size heap array, so ASan catches overruns. */
static struct vma *buf;
static struct vma_set s;

static void setup(size_t cap)
{
	free(buf);
	buf = malloc(cap * sizeof(*buf));
	ck_assert_ptr_nonnull(buf);
	vma_init(&s, buf, cap);
}

/* Checks the set against want: lo, hi, prot triples (in pages, prot). */
static void expect(const uint64_t *want, size_t n)
{
	ck_assert_uint_eq(s.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(s.v[i].lo == want[3 * i] * P && s.v[i].hi == want[3 * i + 1] * P &&
		                      s.v[i].prot == want[3 * i + 2],
		              "vma %zu: got [%#lx, %#lx) prot %u, want [%#lx, %#lx) prot %lu", i,
		              (unsigned long)s.v[i].lo, (unsigned long)s.v[i].hi, s.v[i].prot,
		              (unsigned long)(want[3 * i] * P),
		              (unsigned long)(want[3 * i + 1] * P), (unsigned long)want[3 * i + 2]);
	}
}

#define EXPECT(...)                                                                                \
	do {                                                                                       \
		static const uint64_t w_[] = {__VA_ARGS__};                                        \
		expect(w_, sizeof(w_) / sizeof(w_[0]) / 3);                                        \
	} while (0)

static int ins(uint64_t lo, uint64_t hi, uint32_t prot)
{
	return vma_insert(&s, lo * P, hi * P, prot, 0);
}

START_TEST(insert_sorted_and_find)
{
	setup(8);
	ck_assert_int_eq(ins(20, 30, RW), VMA_OK);
	ck_assert_int_eq(ins(1, 5, RO), VMA_OK);
	ck_assert_int_eq(ins(10, 12, RO), VMA_OK);
	EXPECT(1, 5, RO, 10, 12, RO, 20, 30, RW);
	ck_assert_ptr_eq(vma_find(&s, 1 * P), &s.v[0]);
	ck_assert_ptr_eq(vma_find(&s, 5 * P - 1), &s.v[0]);
	ck_assert_ptr_null(vma_find(&s, 5 * P));
	ck_assert_ptr_null(vma_find(&s, 0));
	ck_assert_ptr_eq(vma_find(&s, 29 * P + 5), &s.v[2]);
	ck_assert_ptr_null(vma_find(&s, 30 * P));
	ck_assert_uint_eq(vma_lower_bound(&s, 6 * P), 1);
	ck_assert_uint_eq(vma_lower_bound(&s, 40 * P), 3);
}
END_TEST

START_TEST(insert_rejects_overlap_and_bad_ranges)
{
	setup(4);
	ck_assert_int_eq(ins(10, 20, RW), VMA_OK);
	ck_assert_int_eq(ins(19, 25, RW), VMA_EOVERLAP);
	ck_assert_int_eq(ins(5, 11, RW), VMA_EOVERLAP);
	ck_assert_int_eq(ins(12, 13, RW), VMA_EOVERLAP);
	ck_assert_int_eq(ins(5, 30, RW), VMA_EOVERLAP);
	ck_assert_int_eq(vma_insert(&s, P + 1, 2 * P, RW, 0), VMA_EINVAL);
	ck_assert_int_eq(ins(3, 3, RW), VMA_EINVAL);
	ck_assert_int_eq(ins(4, 3, RW), VMA_EINVAL);
	EXPECT(10, 20, RW);
}
END_TEST

START_TEST(insert_merges_equal_neighbours)
{
	setup(4);
	ck_assert_int_eq(ins(10, 20, RW), VMA_OK);
	ck_assert_int_eq(ins(20, 21, RW), VMA_OK); /* a growing heap */
	ck_assert_int_eq(ins(5, 10, RW), VMA_OK);
	EXPECT(5, 21, RW);
	ck_assert_int_eq(ins(30, 40, RW), VMA_OK);
	ck_assert_int_eq(ins(21, 30, RW), VMA_OK); /* fills the hole: three become one */
	EXPECT(5, 40, RW);
	ck_assert_int_eq(ins(40, 41, RO), VMA_OK); /* different prot: no merge */
	ck_assert_int_eq(vma_insert(&s, 41 * P, 42 * P, RO, 1), VMA_OK); /* different flags */
	EXPECT(5, 40, RW, 40, 41, RO, 41, 42, RO);
}
END_TEST

START_TEST(insert_full_array)
{
	setup(2);
	ck_assert_int_eq(ins(10, 20, RW), VMA_OK);
	ck_assert_int_eq(ins(30, 40, RW), VMA_OK);
	ck_assert_int_eq(ins(50, 60, RW), VMA_EFULL);
	ck_assert_int_eq(ins(40, 45, RW), VMA_OK); /* extends a neighbour: no room needed */
	ck_assert_int_eq(ins(25, 30, RW), VMA_OK);
	EXPECT(10, 20, RW, 25, 45, RW);
}
END_TEST

START_TEST(remove_whole_partial_and_hole)
{
	setup(8);
	ins(10, 20, RW);
	ins(30, 40, RO);
	ins(50, 60, RW);
	ck_assert_int_eq(vma_remove(&s, 0, 5 * P), VMA_OK); /* nothing there */
	EXPECT(10, 20, RW, 30, 40, RO, 50, 60, RW);
	ck_assert_int_eq(vma_remove(&s, 30 * P, 40 * P), VMA_OK);
	EXPECT(10, 20, RW, 50, 60, RW);
	ck_assert_int_eq(vma_remove(&s, 12 * P, 14 * P), VMA_OK); /* a hole */
	EXPECT(10, 12, RW, 14, 20, RW, 50, 60, RW);
	ck_assert_int_eq(vma_remove(&s, 15 * P, 55 * P), VMA_OK); /* tail, gap, head */
	EXPECT(10, 12, RW, 14, 15, RW, 55, 60, RW);
	ck_assert_int_eq(vma_remove(&s, 0, 100 * P), VMA_OK);
	EXPECT();
	ck_assert_int_eq(vma_remove(&s, 2 * P, P), VMA_EINVAL);
}
END_TEST

START_TEST(remove_needs_room_only_for_a_hole)
{
	setup(2);
	ins(10, 20, RW);
	ins(30, 40, RO);
	ck_assert_int_eq(vma_remove(&s, 12 * P, 14 * P), VMA_EFULL);
	EXPECT(10, 20, RW, 30, 40, RO); /* unchanged */
	ck_assert_int_eq(vma_remove(&s, 15 * P, 35 * P), VMA_OK);
	EXPECT(10, 15, RW, 35, 40, RO);
}
END_TEST

START_TEST(protect_splits_and_merges)
{
	setup(8);
	ins(10, 20, RW);
	ck_assert_int_eq(vma_protect(&s, 12 * P, 14 * P, RO), VMA_OK);
	EXPECT(10, 12, RW, 12, 14, RO, 14, 20, RW);
	ck_assert_int_eq(vma_protect(&s, 13 * P, 14 * P, 0), VMA_OK);
	EXPECT(10, 12, RW, 12, 13, RO, 13, 14, 0, 14, 20, RW);
	/* Back to RW everywhere: one region again. */
	ck_assert_int_eq(vma_protect(&s, 12 * P, 14 * P, RW), VMA_OK);
	EXPECT(10, 20, RW);
	/* Edges: the first and last page. */
	ck_assert_int_eq(vma_protect(&s, 10 * P, 11 * P, RO), VMA_OK);
	ck_assert_int_eq(vma_protect(&s, 19 * P, 20 * P, RO), VMA_OK);
	EXPECT(10, 11, RO, 11, 19, RW, 19, 20, RO);
}
END_TEST

START_TEST(protect_across_regions_and_gaps)
{
	setup(8);
	ins(10, 20, RW);
	ins(20, 30, RO);
	ins(40, 50, RW);
	EXPECT(10, 20, RW, 20, 30, RO, 40, 50, RW);
	ck_assert_int_eq(vma_protect(&s, 15 * P, 45 * P, RO), VMA_OK);
	EXPECT(10, 15, RW, 15, 30, RO, 40, 45, RO, 45, 50, RW);
	ck_assert_int_eq(vma_protect(&s, 0, 100 * P, RW), VMA_OK);
	EXPECT(10, 30, RW, 40, 50, RW);
}
END_TEST

START_TEST(protect_full_array)
{
	setup(2);
	ins(10, 20, RW);
	ins(30, 40, RO);
	ck_assert_int_eq(vma_protect(&s, 12 * P, 14 * P, RO), VMA_EFULL);
	EXPECT(10, 20, RW, 30, 40, RO);
	/* Whole regions need no split. */
	ck_assert_int_eq(vma_protect(&s, 10 * P, 20 * P, RO), VMA_OK);
	EXPECT(10, 20, RO, 30, 40, RO);
	/* One split at an end needs one entry; the second region absorbs it. */
	setup(3);
	ins(10, 20, RW);
	ins(20, 30, RO);
	ck_assert_int_eq(vma_protect(&s, 15 * P, 20 * P, RO), VMA_OK);
	EXPECT(10, 15, RW, 15, 30, RO);
}
END_TEST

START_TEST(free_and_covered)
{
	setup(8);
	ins(10, 20, RW);
	ins(20, 30, RO);
	ins(40, 50, RW);
	ck_assert(vma_free(&s, 0, 10 * P));
	ck_assert(vma_free(&s, 30 * P, 40 * P));
	ck_assert(!vma_free(&s, 30 * P, 41 * P));
	ck_assert(!vma_free(&s, 29 * P, 31 * P));
	ck_assert(vma_free(&s, 50 * P, 60 * P));
	ck_assert(vma_covered(&s, 10 * P, 30 * P));
	ck_assert(vma_covered(&s, 15 * P, 25 * P));
	ck_assert(!vma_covered(&s, 15 * P, 35 * P));
	ck_assert(!vma_covered(&s, 5 * P, 15 * P));
	ck_assert(vma_covered(&s, 45 * P, 50 * P));
	ck_assert(!vma_covered(&s, 45 * P, 51 * P));
}
END_TEST

START_TEST(gap_topdown)
{
	setup(8);
	/* Empty: just below top. */
	ck_assert_uint_eq(vma_gap_topdown(&s, 4 * P, 10 * P, 100 * P), 96 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 90 * P, 10 * P, 100 * P), 10 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 91 * P, 10 * P, 100 * P), 0);
	ins(90, 100, RW);
	ck_assert_uint_eq(vma_gap_topdown(&s, 4 * P, 10 * P, 100 * P), 86 * P);
	ins(80, 86, RW);
	ins(70, 78, RW);
	/* The 4-page hole [86, 90) fits 4, not 5; [78, 80) fits 2. */
	ck_assert_uint_eq(vma_gap_topdown(&s, 4 * P, 10 * P, 100 * P), 86 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 2 * P, 10 * P, 90 * P), 88 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 5 * P, 10 * P, 100 * P), 65 * P);
	/* A region straddling top. */
	ck_assert_uint_eq(vma_gap_topdown(&s, 2 * P, 10 * P, 95 * P), 88 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 3 * P, 10 * P, 95 * P), 87 * P);
	/* Regions straddling bottom; and no room at all. */
	ck_assert_uint_eq(vma_gap_topdown(&s, 5 * P, 72 * P, 95 * P), 0);
	ck_assert_uint_eq(vma_gap_topdown(&s, 2 * P, 79 * P, 88 * P), 86 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 3 * P, 79 * P, 88 * P), 0);
	ck_assert_uint_eq(vma_gap_topdown(&s, 1 * P, 79 * P, 86 * P), 79 * P);
	ck_assert_uint_eq(vma_gap_topdown(&s, 1 * P, 72 * P, 76 * P), 0);
	ck_assert_uint_eq(vma_gap_topdown(&s, 0, 10 * P, 100 * P), 0);
	ck_assert_uint_eq(vma_gap_topdown(&s, P, 100 * P, 90 * P), 0);
}
END_TEST

/* A random sequence of operations against a page bitmap model. */
#define MODEL_PAGES 256
static int model[MODEL_PAGES]; /* -1 free, else prot */

/* Plain ifs: in fork mode every ck_assert reports to the parent through a pipe. */
static void check_model(int step)
{
	for (size_t i = 0; i + 1 < s.n; i++) {
		if (s.v[i].lo >= s.v[i].hi || s.v[i].hi > s.v[i + 1].lo ||
		    (s.v[i].hi == s.v[i + 1].lo && s.v[i].prot == s.v[i + 1].prot))
			ck_abort_msg("step %d: vma %zu out of order or not merged", step, i);
	}
	for (uint64_t p = 0; p < MODEL_PAGES; p++) {
		struct vma *v = vma_find(&s, p * P + 7);
		bool ok = model[p] < 0 ? v == NULL : v && v->prot == (uint32_t)model[p];

		if (!ok)
			ck_abort_msg("step %d: page %lu", step, (unsigned long)p);
	}
}

START_TEST(random_against_model)
{
	setup(MODEL_PAGES);
	srand(12345);
	for (int p = 0; p < MODEL_PAGES; p++)
		model[p] = -1;
	for (int step = 0; step < 20000; step++) {
		uint64_t a = (uint64_t)rand() % MODEL_PAGES, b = (uint64_t)rand() % 16 + 1;
		uint64_t lo = a, hi = a + b > MODEL_PAGES ? MODEL_PAGES : a + b;
		uint32_t prot = (uint32_t)(rand() % 3);
		int op = rand() % 3, r;

		if (lo == hi)
			continue;
		if (op == 0) {
			bool free_ = true;

			for (uint64_t p = lo; p < hi; p++)
				free_ = free_ && model[p] < 0;
			r = vma_insert(&s, lo * P, hi * P, prot, 0);
			if (r != (free_ ? VMA_OK : VMA_EOVERLAP))
				ck_abort_msg("step %d: insert returned %d", step, r);
			for (uint64_t p = lo; free_ && p < hi; p++)
				model[p] = (int)prot;
		} else if (op == 1) {
			if (vma_remove(&s, lo * P, hi * P) != VMA_OK)
				ck_abort_msg("step %d: remove failed", step);
			for (uint64_t p = lo; p < hi; p++)
				model[p] = -1;
		} else {
			if (vma_protect(&s, lo * P, hi * P, prot) != VMA_OK)
				ck_abort_msg("step %d: protect failed", step);
			for (uint64_t p = lo; p < hi; p++)
				if (model[p] >= 0)
					model[p] = (int)prot;
		}
		check_model(step);
	}
}
END_TEST

Suite *vma_suite(void)
{
	Suite *su = suite_create("vma");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, insert_sorted_and_find);
	tcase_add_test(tc, insert_rejects_overlap_and_bad_ranges);
	tcase_add_test(tc, insert_merges_equal_neighbours);
	tcase_add_test(tc, insert_full_array);
	tcase_add_test(tc, remove_whole_partial_and_hole);
	tcase_add_test(tc, remove_needs_room_only_for_a_hole);
	tcase_add_test(tc, protect_splits_and_merges);
	tcase_add_test(tc, protect_across_regions_and_gaps);
	tcase_add_test(tc, protect_full_array);
	tcase_add_test(tc, free_and_covered);
	tcase_add_test(tc, gap_topdown);
	tcase_add_test(tc, random_against_model);
	suite_add_tcase(su, tc);
	return su;
}
