/* Console input in batches (hostsim/dev_pvstdin.c), driven as the kernel
 * drives it: stdin is a pipe the test writes, the ring a header page and
 * RING bytes of data in a 1 MiB guest.  One fill takes all that stdin has
 * ready, up to the free space; an end met during a batch comes with the next
 * fill; malformed rings are refused before a byte is read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_GETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <exo/console.h>
#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"
#include "stats.h"
#include "unit.h"

extern const struct dev_module dev_pvstdin_module;

#define REQ_GPA  0x1000u
#define RING_GPA 0x10000u
#define RING     8192u

static struct vm vm;
static struct pv_console_in *req;
static struct exo_console_ring *hdr;
static uint8_t *data;
static int in_fd; /* the write end of stdin */

static void setup(void)
{
	int p[2];
	device_reset();
	dev_pvstdin_module.setup(&vm);
	ck_assert_int_eq(guest_mem_init(&vm.mem, 1 << 20), 0);
	req = (struct pv_console_in *)(vm.mem.host + REQ_GPA);
	*req = (struct pv_console_in){.ring = RING_GPA, .size = RING};
	hdr = (struct exo_console_ring *)(vm.mem.host + RING_GPA);
	data = vm.mem.host + RING_GPA + 4096;
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	in_fd = p[1];
}

static void teardown(void)
{
	guest_mem_free(&vm.mem);
}

static int32_t fill(void)
{
	uint32_t gpa = REQ_GPA;
	req->result = PV_RESULT_NONE;
	struct dev_access a = {DEV_PORT, true, PV_CONSOLE_IN_PORT, 4, 1, (uint8_t *)&gpa};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	return req->result;
}

static void put(const void *p, size_t n)
{
	ck_assert_int_eq(write(in_fd, p, n), (ssize_t)n);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* Everything ready comes in one fill, from several host writes. */
START_TEST(one_fill_per_batch)
{
	uint8_t want[5000];
	pattern(want, sizeof(want), 1);
	put(want, 1000);
	put(want + 1000, 4000);
	ck_assert_int_eq(fill(), 5000);
	ck_assert_uint_eq(hdr->head, 5000);
	ck_assert_uint_eq(hdr->tail, 0);
	ck_assert_mem_eq(data, want, sizeof(want));
	/* A ring that holds bytes is answered at once, nothing read. */
	put("x", 1);
	ck_assert_int_eq(fill(), 5000);
	ck_assert_uint_eq(hdr->head, 5000);
}
END_TEST

/* The fill stops at the free space and wraps around the end of the data. */
START_TEST(full_and_wrap)
{
	static uint8_t want[3 * RING];
	pattern(want, sizeof(want), 2);
	put(want, 20000); /* more than the ring, less than a pipe holds */
	hdr->head = hdr->tail = RING - 100;
	ck_assert_int_eq(fill(), RING);
	ck_assert_uint_eq(hdr->head, 2 * RING - 100);
	ck_assert_mem_eq(data + RING - 100, want, 100);
	ck_assert_mem_eq(data, want + 100, RING - 100);
	hdr->tail = hdr->head - 10; /* a reader took all but 10 */
	ck_assert_int_eq(fill(), 10);
	hdr->tail = hdr->head;
	ck_assert_int_eq(fill(), RING);
	ck_assert_mem_eq(data + RING - 100, want + RING, 100);
	hdr->tail = hdr->head;
	ck_assert_int_eq(fill(), 20000 - 2 * RING);
}
END_TEST

/* The end of input met in a batch is answered once the ring is empty. */
START_TEST(end_after_bytes)
{
	put("hello", 5);
	close(in_fd);
	ck_assert_int_eq(fill(), 5);
	ck_assert_int_eq(fill(), 5); /* still held: not the end yet */
	hdr->tail = hdr->head;
	ck_assert_int_eq(fill(), 0);
	ck_assert_int_eq(fill(), 0); /* a pipe's end stays */
	ck_assert_uint_eq(hdr->head, 5);
}
END_TEST

/* The error met in a batch is answered after its bytes, once. */
START_TEST(error_after_bytes)
{
	put("abc", 3);
	/* stdin readable for poll, but read fails: a directory gives EISDIR. */
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dir, 0);
	ck_assert_int_eq(fill(), 3);
	ck_assert_int_eq(dup2(dir, STDIN_FILENO), STDIN_FILENO);
	close(dir);
	hdr->tail = hdr->head;
	ck_assert_int_eq(fill(), -EISDIR);
}
END_TEST

/* A pipe on stdin is made to hold a whole ring's worth, so that a fast writer
 * fills 256 KiB per exit rather than a pipe's default 64 KiB. */
START_TEST(pipe_enlarged)
{
	int before = fcntl(STDIN_FILENO, F_GETPIPE_SZ);
	ck_assert_int_lt(before, 256 * 1024);
	device_reset();
	dev_pvstdin_module.setup(&vm); /* as exosim does, with stdin already the pipe */
	ck_assert_int_ge(fcntl(STDIN_FILENO, F_GETPIPE_SZ), 256 * 1024);
}
END_TEST

/* Each malformed ring is refused and counted, and no input is consumed. */
START_TEST(malformed)
{
	put("keep", 4);
	uint64_t before = stats_bad_request("pv-stdin");
	const struct pv_console_in bad[] = {
	        {RING_GPA, 4095, 0},          /* not a power of two */
	        {RING_GPA, 2048, 0},          /* too small */
	        {RING_GPA, RING + 1, 0},      /* not a power of two */
	        {RING_GPA, 1u << 25, 0},      /* over the limit */
	        {(1 << 20) - 4096, RING, 0},  /* data past the end of RAM */
	        {0xfeb00000, RING, 0},        /* MMIO */
	        {UINT64_MAX - 4095, RING, 0}, /* wraps */
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++, n++) {
		*req = bad[i];
		ck_assert_int_eq(fill(), PV_ERR_MALFORMED);
	}
	*req = (struct pv_console_in){.ring = RING_GPA, .size = RING};
	const uint64_t indices[][2] = {{RING + 1, 0},    /* more than the ring */
	                               {0, 1},           /* tail past head */
	                               {UINT64_MAX, 0}}; /* far apart */
	for (size_t i = 0; i < 3; i++, n++) {
		hdr->head = indices[i][0], hdr->tail = indices[i][1];
		ck_assert_int_eq(fill(), PV_ERR_MALFORMED);
		ck_assert_uint_eq(hdr->head, indices[i][0]);
	}
	/* stats_bad_request counts one more as it answers: that is the + 1. */
	ck_assert_uint_eq(stats_bad_request("pv-stdin"), before + (uint64_t)n + 1);
	/* A wrapped index pair that is within the ring is fine: 64-bit counters. */
	hdr->head = hdr->tail = UINT64_MAX - 1;
	ck_assert_int_eq(fill(), 4);
	ck_assert_uint_eq(hdr->head, 2);
	ck_assert_mem_eq(data + RING - 2, "ke", 2);
	ck_assert_mem_eq(data, "ep", 2);
}
END_TEST

Suite *pvstdin_suite(void)
{
	Suite *s = suite_create("pvstdin");
	TCase *t = tcase_create("ring");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, one_fill_per_batch);
	tcase_add_test(t, full_and_wrap);
	tcase_add_test(t, end_after_bytes);
	tcase_add_test(t, error_after_bytes);
	tcase_add_test(t, malformed);
	tcase_add_test(t, pipe_enlarged);
	suite_add_tcase(s, t);
	return s;
}
