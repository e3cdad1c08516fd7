/* The guest-physical address checker (hostsim/guest_mem.c): every device's
 * gate to guest memory, so its edges, zero lengths and wrapping sums are
 * pinned here. */
#include <stdint.h>

#include "guest_mem.h"
#include "stats.h"
#include "unit.h"

#define MIB (1ull << 20)

static struct guest_mem mem;

static void small_setup(void)
{
	ck_assert_int_eq(guest_mem_init(&mem, 16 * MIB), 0);
}

/* RAM above GUEST_LOW_RAM_MAX moves to 4 GiB: 8 KiB of it here.  Reserved,
 * never touched, so it costs no host memory. */
static void split_setup(void)
{
	ck_assert_int_eq(guest_mem_init(&mem, GUEST_LOW_RAM_MAX + 8192), 0);
}

static void teardown(void)
{
	guest_mem_free(&mem);
}

START_TEST(inside_low_ram)
{
	ck_assert_ptr_eq(gpa_ptr(&mem, 0, 1), mem.host);
	ck_assert_ptr_eq(gpa_ptr(&mem, 0, 16 * MIB), mem.host);
	ck_assert_ptr_eq(gpa_ptr(&mem, 16 * MIB - 1, 1), mem.host + 16 * MIB - 1);
	ck_assert_ptr_eq(gpa_ptr(&mem, 0x1000, 0x2000), mem.host + 0x1000);
}
END_TEST

START_TEST(past_the_end)
{
	ck_assert_ptr_null(gpa_ptr(&mem, 16 * MIB - 1, 2));
	ck_assert_ptr_null(gpa_ptr(&mem, 16 * MIB, 1));
	ck_assert_ptr_null(gpa_ptr(&mem, 0, 16 * MIB + 1));
	ck_assert_ptr_null(gpa_ptr(&mem, 0xfeb00000, 4));          /* MMIO, not RAM */
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE, 1)); /* no RAM above 4 GiB */
}
END_TEST

START_TEST(zero_length)
{
	ck_assert_ptr_eq(gpa_ptr(&mem, 0, 0), mem.host);
	ck_assert_ptr_eq(gpa_ptr(&mem, 0x1234, 0), mem.host + 0x1234);
	ck_assert_ptr_eq(gpa_ptr(&mem, 16 * MIB, 0), mem.host + 16 * MIB); /* the end itself */
	ck_assert_ptr_null(gpa_ptr(&mem, 16 * MIB + 1, 0));
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE, 0)); /* an empty slot is no slot */
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX, 0));
}
END_TEST

START_TEST(wraparound)
{
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX, 1));
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX, 2));              /* gpa + len wraps to 1 */
	ck_assert_ptr_null(gpa_ptr(&mem, 1, UINT64_MAX));              /* wraps to 0 */
	ck_assert_ptr_null(gpa_ptr(&mem, 0x1000, UINT64_MAX - 0xfff)); /* wraps to 0 exactly */
	ck_assert_ptr_null(gpa_ptr(&mem, 0x1000, UINT64_MAX - 0x1000 + 0x10)); /* to 0xf */
	ck_assert_ptr_null(gpa_ptr(&mem, UINT64_MAX - 0xfff, 0x2000));
	ck_assert_ptr_null(gpa_ptr(&mem, 0, UINT64_MAX));
}
END_TEST

START_TEST(high_ram)
{
	uint8_t *high = mem.host + GUEST_LOW_RAM_MAX;
	ck_assert_uint_eq(mem.low_end, GUEST_LOW_RAM_MAX);
	ck_assert_ptr_eq(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE, 8192), high);
	ck_assert_ptr_eq(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE + 8191, 1), high + 8191);
	ck_assert_ptr_eq(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE + 8192, 0), high + 8192);
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE + 8191, 2));
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE - 1, 1)); /* the MMIO hole */
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_LOW_RAM_MAX, 1));
	/* Contiguous on the host, but not in the guest: low RAM, hole, high RAM. */
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_LOW_RAM_MAX - 1, 2));
	ck_assert_ptr_null(gpa_ptr(&mem, 0, GUEST_HIGH_RAM_BASE + 1));
	ck_assert_ptr_null(gpa_ptr(&mem, GUEST_HIGH_RAM_BASE, UINT64_MAX));
}
END_TEST

/* gpa_check is gpa_ptr plus the report: refusals count against the caller. */
START_TEST(check_counts_the_caller)
{
	uint64_t before = stats_bad_request("test-dev"), other = stats_bad_request("other-dev");
	ck_assert_ptr_eq(gpa_check(&mem, 0x100, 8, "test-dev"), mem.host + 0x100);
	ck_assert_ptr_null(gpa_check(&mem, UINT64_MAX, 2, "test-dev"));
	ck_assert_ptr_null(gpa_check(&mem, 16 * MIB, 1, "test-dev"));
	ck_assert_ptr_null(gpa_check(&mem, 16 * MIB, 1, "other-dev"));
	/* Two refusals since for test-dev: this report comes third after them. */
	ck_assert_uint_eq(stats_bad_request("test-dev"), before + 3);
	ck_assert_uint_eq(stats_bad_request("other-dev"), other + 2);
}
END_TEST

START_TEST(freed_memory_is_no_memory)
{
	guest_mem_free(&mem);
	ck_assert_ptr_null(gpa_ptr(&mem, 0, 1));
}
END_TEST

Suite *guest_mem_suite(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *small = tcase_create("small");
	tcase_add_checked_fixture(small, small_setup, teardown);
	tcase_add_test(small, inside_low_ram);
	tcase_add_test(small, past_the_end);
	tcase_add_test(small, zero_length);
	tcase_add_test(small, wraparound);
	tcase_add_test(small, check_counts_the_caller);
	tcase_add_test(small, freed_memory_is_no_memory);
	suite_add_tcase(s, small);
	TCase *split = tcase_create("split");
	tcase_add_checked_fixture(split, split_setup, teardown);
	tcase_add_test(split, high_ram);
	tcase_add_test(split, wraparound);
	suite_add_tcase(s, split);
	return s;
}
