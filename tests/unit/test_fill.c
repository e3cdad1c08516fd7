/* The word fill device (hostsim/dev_fill.c): a good request stores its
 * pattern into exactly its words; a malformed one (not 8-byte aligned, not
 * wholly guest RAM, wrapping) writes nothing, answers PV_ERR_MALFORMED and is
 * counted. */
#include <stdint.h>
#include <string.h>

#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"
#include "stats.h"
#include "unit.h"

extern const struct dev_module dev_fill_module;

#define MIB (1u << 20)

static struct vm vm;
static struct pv_fill_req *req;
static const uint32_t req_gpa = 0x1000;

/* A 4 MiB guest whose bytes 0x10000..0x30000 are 0xab. */
static void fill_setup(void)
{
	device_reset();
	dev_fill_module.setup(&vm);
	ck_assert_int_eq(guest_mem_init(&vm.mem, 4 * MIB), 0);
	req = (struct pv_fill_req *)(vm.mem.host + req_gpa);
	memset(vm.mem.host + 0x10000, 0xab, 0x20000);
}

static void fill_teardown(void)
{
	guest_mem_free(&vm.mem);
}

static int32_t send(uint64_t paddr, uint64_t count, uint64_t pattern)
{
	uint32_t gpa = req_gpa;
	*req = (struct pv_fill_req){paddr, count, pattern, PV_RESULT_NONE, 0};
	struct dev_access a = {DEV_PORT, true, PV_FILL_PORT, 4, 1, (uint8_t *)&gpa};
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
	struct dev_access a = {DEV_PORT, false, PV_FILL_PORT, 4, 1, (uint8_t *)&v};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	ck_assert_uint_eq(v, PV_FILL_MAGIC);
}
END_TEST

START_TEST(fills_exactly_the_words)
{
	const uint64_t pattern = 0x0123456789abcdefull;
	ck_assert_int_eq(send(0x10008, 3, pattern), 0);
	ck_assert(all_bytes(0x10000, 8, 0xab));
	for (int i = 0; i < 3; i++) {
		uint64_t w;
		memcpy(&w, vm.mem.host + 0x10008 + 8 * i, 8);
		ck_assert_uint_eq(w, pattern);
	}
	ck_assert(all_bytes(0x10020, 0x1ffe0, 0xab));
	ck_assert_int_eq(send(0x20000, 0, 0), 0); /* nothing */
	ck_assert(all_bytes(0x20000, 8, 0xab));
}
END_TEST

/* Nothing at all may be written by a bad request. */
START_TEST(malformed)
{
	const struct {
		uint64_t paddr, count;
	} bad[] = {
	        {0x10004, 1},                  /* not 8-byte aligned */
	        {4 * MIB, 1},                  /* just past RAM */
	        {4 * MIB - 8, 2},              /* straddles the end */
	        {0xfeb00000, 1},               /* MMIO */
	        {0x10000, UINT64_MAX / 8 + 1}, /* the byte count overflows */
	        {UINT64_MAX - 7, 2},           /* wraps */
	};
	uint64_t before = stats_bad_request("pv-fill"); /* counts itself too */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(send(bad[i].paddr, bad[i].count, 0), PV_ERR_MALFORMED);
		ck_assert(all_bytes(0x10000, 0x20000, 0xab));
	}
	ck_assert_uint_eq(stats_bad_request("pv-fill"), before + 6 + 1);
}
END_TEST

/* A request that is not in RAM itself cannot be answered and changes nothing. */
START_TEST(request_not_in_ram)
{
	uint32_t gpa = 4 * MIB;
	struct dev_access a = {DEV_PORT, true, PV_FILL_PORT, 4, 1, (uint8_t *)&gpa};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	ck_assert(all_bytes(0x10000, 0x20000, 0xab));
}
END_TEST

Suite *fill_suite(void)
{
	Suite *s = suite_create("fill");
	TCase *tc = tcase_create("pv-fill");
	tcase_add_checked_fixture(tc, fill_setup, fill_teardown);
	tcase_add_test(tc, detect);
	tcase_add_test(tc, fills_exactly_the_words);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, request_not_in_ram);
	suite_add_tcase(s, tc);
	return s;
}
