/* The page discard device (hostsim/dev_discard.c): a good request zeroes
 * exactly its ranges; a malformed one (too many ranges, not page-aligned, not
 * guest RAM, wrapping) discards nothing, answers PV_ERR_MALFORMED and is
 * counted. */
#include <stdint.h>
#include <string.h>

#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"
#include "stats.h"
#include "unit.h"

extern const struct dev_module dev_discard_module;

#define MIB      (1u << 20)
#define KEEP_GPA 0x20000u /* a page no request may discard */

static struct vm vm;
static struct pv_discard_req *req;
static const uint32_t req_gpa = 0x1000;

/* A 4 MiB guest whose pages 0x10000..0x30000 hold 0xab bytes. */
static void discard_setup(void)
{
	device_reset();
	dev_discard_module.setup(&vm);
	ck_assert_int_eq(guest_mem_init(&vm.mem, 4 * MIB), 0);
	req = (struct pv_discard_req *)(vm.mem.host + req_gpa);
	memset(vm.mem.host + 0x10000, 0xab, 0x20000);
}

static void discard_teardown(void)
{
	guest_mem_free(&vm.mem);
}

static int32_t send(void)
{
	uint32_t gpa = req_gpa;
	req->result = PV_RESULT_NONE;
	struct dev_access a = {DEV_PORT, true, PV_DISCARD_PORT, 4, 1, (uint8_t *)&gpa};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	return req->result;
}

static int all_bytes(uint64_t gpa, uint64_t len, uint8_t v)
{
	for (uint64_t i = 0; i < len; i++)
		if (vm.mem.host[gpa + i] != v)
			return 0;
	return 1;
}

START_TEST(detect)
{
	uint32_t v = 0;
	struct dev_access a = {DEV_PORT, false, PV_DISCARD_PORT, 4, 1, (uint8_t *)&v};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	ck_assert_uint_eq(v, PV_DISCARD_MAGIC);
}
END_TEST

START_TEST(discards_exactly_the_ranges)
{
	*req = (struct pv_discard_req){.nranges = 2, .range = {{0x10000, 0x2000}, {0x18000, 0}}};
	ck_assert_int_eq(send(), 0);
	ck_assert(all_bytes(0x10000, 0x2000, 0));
	ck_assert(all_bytes(0x12000, 0x1e000, 0xab));
}
END_TEST

/* Each bad range comes first, before a good one over KEEP_GPA: nothing at all
 * may be discarded. */
START_TEST(malformed)
{
	const struct pv_discard_range bad[] = {
	        {0x10800, 0x1000},            /* address not page-aligned */
	        {0x10000, 0x800},             /* length not page-aligned */
	        {4 * MIB, 0x1000},            /* just past RAM */
	        {4 * MIB - 0x1000, 0x2000},   /* straddles the end */
	        {0xfeb00000, 0x1000},         /* MMIO */
	        {UINT64_MAX - 0xfff, 0x2000}, /* wraps */
	};
	uint64_t before = stats_bad_request("pv-discard"); /* counts itself too */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*req = (struct pv_discard_req){.nranges = 2, .range = {bad[i], {KEEP_GPA, 0x1000}}};
		ck_assert_int_eq(send(), PV_ERR_MALFORMED);
		ck_assert(all_bytes(KEEP_GPA, 0x1000, 0xab));
	}
	*req = (struct pv_discard_req){.nranges = PV_DISCARD_MAX_RANGES + 1,
	                               .range = {{KEEP_GPA, 0x1000}}};
	ck_assert_int_eq(send(), PV_ERR_MALFORMED);
	ck_assert(all_bytes(KEEP_GPA, 0x1000, 0xab));
	ck_assert_uint_eq(stats_bad_request("pv-discard"), before + 7 + 1);
}
END_TEST

/* A request that is not in RAM itself cannot be answered and changes nothing. */
START_TEST(request_not_in_ram)
{
	uint32_t gpa = 4 * MIB;
	struct dev_access a = {DEV_PORT, true, PV_DISCARD_PORT, 4, 1, (uint8_t *)&gpa};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	ck_assert(all_bytes(0x10000, 0x20000, 0xab));
}
END_TEST

Suite *discard_suite(void)
{
	Suite *s = suite_create("discard");
	TCase *tc = tcase_create("pv-discard");
	tcase_add_checked_fixture(tc, discard_setup, discard_teardown);
	tcase_add_test(tc, detect);
	tcase_add_test(tc, discards_exactly_the_ranges);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, request_not_in_ram);
	suite_add_tcase(s, tc);
	return s;
}
