/* arena: ExOS's allocator over a caller's block (libos/linux/arena.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"
#include "unit.h"

static struct arena a;
static void *mem;

/* An arena over exactly `bytes` of heap: ASan catches a write outside it. */
static uint64_t fresh(size_t bytes)
{
	free(mem);
	mem = aligned_alloc(ARENA_PAGE, (bytes + ARENA_PAGE - 1) / ARENA_PAGE * ARENA_PAGE);
	ck_assert_ptr_nonnull(mem);
	return arena_init(&a, mem, bytes);
}

static void teardown(void)
{
	free(mem);
	mem = NULL;
}

/* A small object from a fresh page does not write the page (the shared
 * region maps what an allocation returns only after it: ExOS died with a
 * page fault in arena_alloc when the carved page was not mapped yet). */
START_TEST(carve_writes_nothing)
{
	size_t bytes = 8 * ARENA_PAGE;
	uint8_t *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	struct arena b;
	ck_assert_uint_gt(arena_init(&b, m, bytes), 2);
	size_t meta = (size_t)(b.pages - m);
	ck_assert_int_eq(mprotect(b.pages, bytes - meta, PROT_NONE), 0); /* "not mapped" */
	uint8_t *p = arena_alloc(&b, 100), *q = arena_alloc(&b, 100);
	ck_assert_ptr_eq(p, b.pages);
	ck_assert_ptr_eq(q, p + 128);
	ck_assert_int_eq(mprotect(b.pages, bytes - meta, PROT_READ | PROT_WRITE), 0);
	memset(p, 1, 128);
	arena_free(&b, p, 100);
	ck_assert_ptr_eq(arena_alloc(&b, 100), p); /* freed objects go first */
	for (unsigned i = 2; i < ARENA_PAGE / 128; i++) /* the rest of the page... */
		ck_assert_ptr_eq(arena_alloc(&b, 100), p + i * 128);
	ck_assert_ptr_eq(arena_alloc(&b, 100), p + ARENA_PAGE); /* ...then the next */
	munmap(m, bytes);
}
END_TEST

START_TEST(layout)
{
	/* 1 page of bitmap, then pages: 16 pages of memory hold 15 */
	ck_assert_uint_eq(fresh(16 * ARENA_PAGE), 15);
	ck_assert_ptr_eq(a.pages, (uint8_t *)mem + ARENA_PAGE);
	ck_assert_uint_eq(fresh(ARENA_PAGE), 0); /* no room for a page beside its bit */
	ck_assert_ptr_null(arena_alloc(&a, 1));
	ck_assert_uint_eq(arena_size_of(1), 16);
	ck_assert_uint_eq(arena_size_of(17), 32);
	ck_assert_uint_eq(arena_size_of(2048), 2048);
	ck_assert_uint_eq(arena_size_of(2049), 4096);
	ck_assert_uint_eq(arena_size_of(8193), 3 * 4096);
}
END_TEST

/* arena_meta_bytes bounds where the pages start, so a lazily mapped arena
 * (shared.c) maps the bitmap before arena_init writes it. */
START_TEST(meta_bound)
{
	static const size_t sizes[] = {16 * ARENA_PAGE, 1u << 20, 129u * ARENA_PAGE * 64,
	                               (64u << 20) + 3 * ARENA_PAGE};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fresh(sizes[i]);
		ck_assert_uint_le((uintptr_t)a.pages - (uintptr_t)mem, arena_meta_bytes(sizes[i]));
		ck_assert_uint_le(arena_meta_bytes(sizes[i]),
		                  (uintptr_t)a.pages - (uintptr_t)mem + 2 * ARENA_PAGE);
	}
}
END_TEST

START_TEST(small_objects)
{
	fresh(8 * ARENA_PAGE);
	uint8_t *p[600];
	for (int i = 0; i < 600; i++) { /* 600 x 16 bytes: 3 pages of objects */
		p[i] = arena_alloc(&a, 10);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_uint_eq((uintptr_t)p[i] % 16, 0);
		memset(p[i], i & 0xff, 10);
	}
	ck_assert_uint_eq(a.used, 3);
	for (int i = 0; i < 600; i++) /* no two overlap */
		ck_assert_uint_eq(p[i][9], i & 0xff);
	arena_free(&a, p[7], 10);
	ck_assert_ptr_eq(arena_alloc(&a, 16), p[7]); /* reused first */
	ck_assert_ptr_null(arena_alloc(&a, 0));
}
END_TEST

START_TEST(pages_until_full)
{
	uint64_t n = fresh(64 * ARENA_PAGE);
	uint8_t *big = arena_alloc(&a, 10 * ARENA_PAGE);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq((uintptr_t)big % ARENA_PAGE, 0);
	memset(big, 1, 10 * ARENA_PAGE);
	ck_assert_uint_eq(a.used, 10);
	/* the rest, then nothing: full is NULL, not a crash */
	uint8_t *rest = arena_alloc(&a, (n - 10) * ARENA_PAGE);
	ck_assert_ptr_nonnull(rest);
	ck_assert_ptr_null(arena_alloc(&a, 1));
	ck_assert_ptr_null(arena_alloc(&a, ARENA_PAGE + 1));
	arena_free(&a, big, 10 * ARENA_PAGE);
	ck_assert_uint_eq(a.used, n - 10);
	/* a hole of 10 pages: 11 do not fit, 10 do, in the hole */
	ck_assert_ptr_null(arena_alloc(&a, 11 * ARENA_PAGE));
	ck_assert_ptr_eq(arena_alloc(&a, 10 * ARENA_PAGE), big);
}
END_TEST

START_TEST(fragmented_first_fit)
{
	fresh(200 * ARENA_PAGE);
	void *p[100];
	for (int i = 0; i < 100; i++)
		ck_assert_ptr_nonnull(p[i] = arena_alloc(&a, ARENA_PAGE));
	for (int i = 0; i < 100; i += 2) /* free every other page */
		arena_free(&a, p[i], ARENA_PAGE);
	uint64_t before = a.used;
	void *two = arena_alloc(&a, 2 * ARENA_PAGE); /* no 2-page hole below: past the 100 */
	ck_assert_ptr_nonnull(two);
	ck_assert_uint_ge((uintptr_t)two, (uintptr_t)p[99] + ARENA_PAGE);
	ck_assert_uint_eq(a.used, before + 2);
}
END_TEST

START_TEST(extend_in_place)
{
	fresh(64 * ARENA_PAGE);
	uint8_t *p = arena_alloc(&a, 3 * ARENA_PAGE);
	uint8_t *q = arena_alloc(&a, 2 * ARENA_PAGE); /* right after p */
	ck_assert_ptr_eq(q, p + 3 * ARENA_PAGE);
	ck_assert(!arena_extend(&a, p, 3 * ARENA_PAGE, 4 * ARENA_PAGE)); /* q is in the way */
	ck_assert(arena_extend(&a, q, 2 * ARENA_PAGE, 10 * ARENA_PAGE));
	ck_assert_uint_eq(a.used, 13);
	ck_assert(arena_extend(&a, q, 10 * ARENA_PAGE, 9 * ARENA_PAGE));    /* no growth: fine */
	ck_assert(!arena_extend(&a, q, 10 * ARENA_PAGE, 100 * ARENA_PAGE)); /* past the end */
	arena_free(&a, q, 10 * ARENA_PAGE);
	ck_assert_uint_eq(a.used, 3);
	void *s = arena_alloc(&a, 100);
	ck_assert(!arena_extend(&a, s, 100, 8192)); /* small objects do not grow */
}
END_TEST

Suite *arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, carve_writes_nothing);
	tcase_add_test(tc, meta_bound);
	tcase_add_test(tc, small_objects);
	tcase_add_test(tc, pages_until_full);
	tcase_add_test(tc, fragmented_first_fit);
	tcase_add_test(tc, extend_in_place);
	suite_add_tcase(s, tc);
	return s;
}
