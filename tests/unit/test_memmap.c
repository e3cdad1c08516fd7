/* Usable RAM from the PVH memory map (lib/memmap.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmap.h"
#include "unit.h"

#define RAM  XEN_HVM_MEMMAP_TYPE_RAM
#define RES  XEN_HVM_MEMMAP_TYPE_RESERVED
#define ACPI 3
#define K    1024ull
#define M    (1024ull * 1024)
#define N(a) (sizeof(a) / sizeof((a)[0]))

#define E(a, s, t)                                                                                 \
	{                                                                                          \
		.addr = (a), .size = (s), .type = (t)                                              \
	}

static struct mem_range out[64];

/* Runs memmap_usable (with map copied to an exact-size heap buffer, so ASan catches
 * overreads) and checks the result against want[0..nwant). */
static void check_usable(const struct hvm_memmap_table_entry *map, size_t n,
                         const struct mem_range *res, size_t nres, uint64_t min_addr,
                         const struct mem_range *want, size_t nwant)
{
	struct hvm_memmap_table_entry *m = malloc(n ? n * sizeof(*m) : 1);
	int r;

	ck_assert_ptr_nonnull(m);
	memcpy(m, map, n * sizeof(*m));
	memset(out, 0xa5, sizeof(out));
	r = memmap_usable(m, n, res, nres, min_addr, out, N(out));
	ck_assert_int_eq(r, (int)nwant);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_msg(out[i].base == want[i].base && out[i].end == want[i].end,
		              "range %zu: got [%#llx, %#llx) want [%#llx, %#llx)", i,
		              (unsigned long long)out[i].base, (unsigned long long)out[i].end,
		              (unsigned long long)want[i].base, (unsigned long long)want[i].end);
	}
	free(m);
}

START_TEST(single)
{
	const struct hvm_memmap_table_entry map[] = {E(0, 128 * M, RAM)};
	const struct mem_range want[] = {{0, 128 * M}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));
	check_usable(map, 0, NULL, 0, 0, NULL, 0);
}
END_TEST

/* QEMU microvm style: unsorted, a 1 KiB EBDA hole, a zero entry at the end. */
START_TEST(qemu_like)
{
	const struct hvm_memmap_table_entry map[] = {
	        E(0x100000, 127 * M, RAM), E(0, 0x9fc00, RAM), E(0xfeffc000, 0x4000, RES),
	        E(0x9fc00, 0x400, RES),    E(0, 0, 0),
	};
	const struct mem_range want[] = {{0, 0x9f000}, {0x100000, 128 * M}};
	const struct mem_range want_min[] = {{0x1000, 0x9f000}, {0x100000, 128 * M}};
	const struct mem_range want_1m[] = {{0x100000, 128 * M}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));
	check_usable(map, N(map), NULL, 0, 1, want_min, N(want_min));
	check_usable(map, N(map), NULL, 0, 0x1000, want_min, N(want_min));
	check_usable(map, N(map), NULL, 0, 0x9f000, want_1m, N(want_1m));
	check_usable(map, N(map), NULL, 0, 0x100000, want_1m, N(want_1m));
}
END_TEST

START_TEST(zero_size)
{
	const struct hvm_memmap_table_entry map[] = {
	        E(0x5000, 0, RAM),   E(0x100000, 0, RES), E(0x10000, 0x10000, RAM),
	        E(0x18000, 0, ACPI), E(0, 0, RAM),
	};
	const struct mem_range want[] = {{0x10000, 0x20000}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));
}
END_TEST

START_TEST(overlapping_ram)
{
	const struct hvm_memmap_table_entry map[] = {
	        E(0x3000, 0x6000, RAM),  E(0x9000, 0x1000, RAM), E(0x2000, 0x1000, RAM),
	        E(0x1000, 0x4000, RAM),  E(0x4000, 0x1000, RAM), E(0x20000, 0x1000, RAM),
	        E(0x20000, 0x1000, RAM),
	};
	const struct mem_range want[] = {{0x1000, 0xa000}, {0x20000, 0x21000}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));
}
END_TEST

START_TEST(non_ram_holes)
{
	/* Any type other than 1 removes memory, even when listed before the RAM. */
	const struct hvm_memmap_table_entry map[] = {
	        E(0x10000, 0x100, ACPI), E(0x30000, 0x2000, 4),     E(0, 1 * M, RAM),
	        E(0xff000, 0x2000, RES), E(0x80000, 0x1000, 12345),
	};
	const struct mem_range want[] = {
	        {0, 0x10000}, {0x11000, 0x30000}, {0x32000, 0x80000}, {0x81000, 0xff000}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));
}
END_TEST

START_TEST(reserved_ranges)
{
	const struct hvm_memmap_table_entry map[] = {E(0x100000, 15 * M, RAM)};
	/* at both edges, in the middle, overlapping each other, outside RAM, unaligned */
	const struct mem_range res[] = {
	        {0x100000, 0x180000}, {15 * M, 16 * M},     {0x400000, 0x500000},
	        {0x480000, 0x600000}, {0, 0x1000},          {0x700001, 0x700002},
	        {0x800000, 0x800000}, {0x900000, 0x800000}, /* empty and inverted: no effect */
	};
	const struct mem_range want[] = {
	        {0x180000, 0x400000}, {0x600000, 0x700000}, {0x701000, 15 * M}};
	const struct mem_range all[] = {{0, UINT64_MAX}};
	const struct mem_range exact[] = {{0x100000, 16 * M}};

	check_usable(map, N(map), res, N(res), 0, want, N(want));
	check_usable(map, N(map), all, N(all), 0, NULL, 0);
	check_usable(map, N(map), exact, N(exact), 0, NULL, 0);
}
END_TEST

START_TEST(unaligned_bounds)
{
	const struct hvm_memmap_table_entry map[] = {
	        E(0x1234, 0x5678 - 0x1234, RAM), /* -> [0x2000, 0x5000) */
	        E(0x10100, 0xe00, RAM),          /* inside one page: nothing */
	        /* two unaligned halves of a page: each is rounded inward on its own */
	        E(0x20000, 0x1800, RAM), E(0x21800, 0x1800, RAM), E(0x40000, 0x10000, RAM),
	        E(0x44fff, 2, RES), /* removes [0x44000, 0x46000) */
	};
	const struct mem_range want[] = {{0x2000, 0x5000},
	                                 {0x20000, 0x21000},
	                                 {0x22000, 0x23000},
	                                 {0x40000, 0x44000},
	                                 {0x46000, 0x50000}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));
}
END_TEST

START_TEST(min_addr)
{
	const struct hvm_memmap_table_entry map[] = {E(0, 16 * M, RAM)};
	const struct mem_range w1[] = {{0x2000, 16 * M}};
	const struct mem_range w2[] = {{8 * M, 16 * M}};

	check_usable(map, N(map), NULL, 0, 0x1001, w1, N(w1));
	check_usable(map, N(map), NULL, 0, 0x2000, w1, N(w1));
	check_usable(map, N(map), NULL, 0, 8 * M, w2, N(w2));
	check_usable(map, N(map), NULL, 0, 16 * M, NULL, 0);
	check_usable(map, N(map), NULL, 0, UINT64_MAX, NULL, 0);
}
END_TEST

START_TEST(max_exceeded)
{
	const struct hvm_memmap_table_entry map[] = {
	        E(0x300000, 0x100000, RAM), E(0x100000, 0x100000, RAM), E(0x500000, 0x100000, RAM)};
	const struct mem_range low[] = {{0, 0x400000}};
	struct mem_range o[3];

	ck_assert_int_eq(memmap_usable(map, N(map), NULL, 0, 0, o, 3), 3);
	ck_assert_int_eq(memmap_usable(map, N(map), NULL, 0, 0, o, 2), -1);
	ck_assert_int_eq(memmap_usable(map, N(map), NULL, 0, 0, o, 0), -1);
	/* max counts the final ranges, not the RAM entries: two are removed here */
	ck_assert_int_eq(memmap_usable(map, N(map), low, 1, 0, o, 1), 1);
	ck_assert(o[0].base == 0x500000 && o[0].end == 0x600000);
	ck_assert_int_eq(memmap_usable(map, N(map), NULL, 0, 0x400000, o, 1), 1);
	ck_assert_int_eq(memmap_usable(map, N(map), NULL, 0, UINT64_MAX, NULL, 0), 0);
	/* and a split by a reserved range needs one more */
	const struct mem_range mid[] = {{0x140000, 0x150000}};
	ck_assert_int_eq(memmap_usable(map, 2, mid, 1, 0, o, 2), -1);
	ck_assert_int_eq(memmap_usable(map, 2, mid, 1, 0, o, 3), 3);
}
END_TEST

START_TEST(addr_size_overflow)
{
	/* clipped at 2^64: RAM ends at the last whole page */
	const struct hvm_memmap_table_entry map[] = {
	        E(0xfffffffffff00000ull, 0x200000, RAM),
	        E(0x1000, 0x1000, RAM),
	        E(0xfffffffffffff800ull, 0x100, RAM), /* no whole page */
	        E(0xffffffffffffffffull, UINT64_MAX, RAM),
	};
	const struct mem_range want[] = {{0x1000, 0x2000},
	                                 {0xfffffffffff00000ull, 0xfffffffffffff000ull}};

	check_usable(map, N(map), NULL, 0, 0, want, N(want));

	/* a removed entry that overflows removes everything above its base */
	const struct hvm_memmap_table_entry map2[] = {E(0, 1 * M, RAM), E(0x8000, UINT64_MAX, RES),
	                                              E(0xfffffffffff00000ull, 0x100000, RAM)};
	const struct mem_range want2[] = {{0, 0x8000}};
	check_usable(map2, N(map2), NULL, 0, 0, want2, N(want2));

	const struct mem_range res[] = {{0xfffffffffff80000ull, UINT64_MAX}};
	const struct mem_range want3[] = {{0x1000, 0x2000},
	                                  {0xfffffffffff00000ull, 0xfffffffffff80000ull}};
	check_usable(map, N(map), res, N(res), 0, want3, N(want3));
}
END_TEST

START_TEST(total)
{
	const struct mem_range r[] = {{0, 0x1000}, {0x100000, 0x300000}};
	const struct mem_range big[] = {{0, UINT64_MAX}, {0, 10}};

	ck_assert_uint_eq(memmap_total(r, 2), 0x201000);
	ck_assert_uint_eq(memmap_total(r, 0), 0);
	ck_assert_uint_eq(memmap_total(big, 2), UINT64_MAX);
}
END_TEST

/* Random maps against a page-by-page model of the specification. */
#define PAGES 48

static void model(const struct hvm_memmap_table_entry *map, size_t n, const struct mem_range *res,
                  size_t nres, uint64_t min_addr, bool usable[PAGES])
{
	for (uint64_t p = 0; p < PAGES; p++) {
		uint64_t lo = p * 4096, hi = lo + 4096;
		bool ram = false, removed = lo < min_addr;

		for (size_t i = 0; i < n; i++) {
			uint64_t b = map[i].addr, e = map[i].addr + map[i].size;

			if (map[i].type == RAM && b <= lo && hi <= e)
				ram = true;
			if (map[i].type != RAM && b < e && b < hi && lo < e)
				removed = true;
		}
		for (size_t i = 0; i < nres; i++)
			if (res[i].base < res[i].end && res[i].base < hi && lo < res[i].end)
				removed = true;
		usable[p] = ram && !removed;
	}
}

START_TEST(random_vs_model)
{
	srand(12345);
	for (int iter = 0; iter < 3000; iter++) {
		struct hvm_memmap_table_entry map[10];
		struct mem_range res[4], want[PAGES];
		size_t n = (size_t)(rand() % 11), nres = (size_t)(rand() % 5), nwant = 0;
		uint64_t min_addr = rand() % 4 ? 0 : (uint64_t)(rand() % (PAGES * 4096 / 2));
		bool usable[PAGES];

		for (size_t i = 0; i < n; i++) {
			/* mostly page-aligned, sometimes not; RAM more often than not */
			uint64_t a = (uint64_t)(rand() % PAGES) * 4096,
			         s = (uint64_t)(rand() % 16) * 4096;

			if (rand() % 3 == 0) {
				a += (uint64_t)(rand() % 4096);
				s += (uint64_t)(rand() % 4096);
			}
			if (a + s > PAGES * 4096)
				s = PAGES * 4096 - a;
			map[i] = (struct hvm_memmap_table_entry)E(
			        a, s, rand() % 3 ? RAM : 2 + rand() % 3);
		}
		for (size_t i = 0; i < nres; i++) {
			res[i].base = (uint64_t)(rand() % (PAGES * 4096));
			res[i].end = res[i].base + (uint64_t)(rand() % (8 * 4096));
		}
		model(map, n, res, nres, min_addr, usable);
		for (size_t p = 0; p < PAGES; p++) {
			if (!usable[p])
				continue;
			if (nwant && want[nwant - 1].end == p * 4096)
				want[nwant - 1].end += 4096;
			else
				want[nwant++] = (struct mem_range){p * 4096, p * 4096 + 4096};
		}
		check_usable(map, n, res, nres, min_addr, want, nwant);
		/* exactly nwant slots suffice, one fewer doesn't */
		if (nwant > 0)
			ck_assert_int_eq(memmap_usable(map, n, res, nres, min_addr, out, nwant - 1),
			                 -1);
		ck_assert_int_eq(memmap_usable(map, n, res, nres, min_addr, out, nwant),
		                 (int)nwant);
	}
}
END_TEST

Suite *memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, single);
	tcase_add_test(tc, qemu_like);
	tcase_add_test(tc, zero_size);
	tcase_add_test(tc, overlapping_ram);
	tcase_add_test(tc, non_ram_holes);
	tcase_add_test(tc, reserved_ranges);
	tcase_add_test(tc, unaligned_bounds);
	tcase_add_test(tc, min_addr);
	tcase_add_test(tc, max_exceeded);
	tcase_add_test(tc, addr_size_overflow);
	tcase_add_test(tc, total);
	tcase_add_test(tc, random_vs_model);
	suite_add_tcase(s, tc);
	return s;
}
