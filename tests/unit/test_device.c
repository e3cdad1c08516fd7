/* The device registry (hostsim/device.c) and the paravirtual console's
 * defence against malformed requests (hostsim/dev_pvconsole.c). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"
#include "stats.h"
#include "unit.h"

static int calls;
static uint64_t last_addr;

static int count_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm, (void)dev;
	calls++;
	last_addr = a->addr;
	if (!a->write)
		memset(a->data, 0x5a, (size_t)a->size * a->count);
	return DEV_CONTINUE;
}

static int exit_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm, (void)dev;
	return a->data[0];
}

static const struct device uart = {"uart", DEV_PORT, 0x3f8, 8, count_access};
static const struct device exitdev = {"exit", DEV_PORT, 0xf4, 4, exit_access};
static const struct device mmio = {"mmio", DEV_MMIO, 0xfeb00000, 0x200, count_access};

static void setup(void)
{
	device_reset();
	calls = 0;
	ck_assert_int_eq(device_register(&uart), 0);
	ck_assert_int_eq(device_register(&exitdev), 0);
	ck_assert_int_eq(device_register(&mmio), 0);
}

START_TEST(find_inside_only)
{
	ck_assert_ptr_eq(device_find(DEV_PORT, 0x3f8, 1), &uart);
	ck_assert_ptr_eq(device_find(DEV_PORT, 0x3ff, 1), &uart);
	ck_assert_ptr_eq(device_find(DEV_PORT, 0x3fc, 4), &uart);
	ck_assert_ptr_null(device_find(DEV_PORT, 0x3fd, 4)); /* runs past the end */
	ck_assert_ptr_null(device_find(DEV_PORT, 0x3f7, 1));
	ck_assert_ptr_null(device_find(DEV_PORT, 0x400, 1));
	ck_assert_ptr_null(device_find(DEV_MMIO, 0x3f8, 1)); /* the other space */
	ck_assert_ptr_eq(device_find(DEV_MMIO, 0xfeb001f8, 8), &mmio);
	ck_assert_ptr_null(device_find(DEV_MMIO, 0xfeb001fc, 8));
	ck_assert_ptr_null(device_find(DEV_MMIO, UINT64_MAX, 2)); /* would wrap */
	ck_assert_ptr_null(device_find(DEV_MMIO, 0xfeb00000, UINT64_MAX));
}
END_TEST

START_TEST(refuses_bad_registrations)
{
	static const struct device overlap_end = {"o1", DEV_PORT, 0x3ff, 2, count_access};
	static const struct device overlap_start = {"o2", DEV_PORT, 0x3f0, 9, count_access};
	static const struct device covering = {"o3", DEV_PORT, 0x300, 0x200, count_access};
	static const struct device empty = {"e", DEV_PORT, 0x500, 0, count_access};
	static const struct device wraps = {"w", DEV_MMIO, UINT64_MAX - 1, 4, count_access};
	static const struct device port_past_64k = {"p", DEV_PORT, 0xfffe, 4, count_access};
	static const struct device no_handler = {"h", DEV_PORT, 0x600, 1, NULL};
	ck_assert_int_eq(device_register(&overlap_end), -1);
	ck_assert_int_eq(device_register(&overlap_start), -1);
	ck_assert_int_eq(device_register(&covering), -1);
	ck_assert_int_eq(device_register(&empty), -1);
	ck_assert_int_eq(device_register(&wraps), -1);
	ck_assert_int_eq(device_register(&port_past_64k), -1);
	ck_assert_int_eq(device_register(&no_handler), -1);
	ck_assert_int_eq(device_register(NULL), -1);
	/* Adjacent ranges and the same numbers in the other space are fine. */
	static const struct device after = {"a", DEV_PORT, 0x400, 1, count_access};
	static const struct device same_in_mmio = {"m", DEV_MMIO, 0x3f8, 8, count_access};
	static const struct device last_port = {"l", DEV_PORT, 0xffff, 1, count_access};
	ck_assert_int_eq(device_register(&after), 0);
	ck_assert_int_eq(device_register(&same_in_mmio), 0);
	ck_assert_int_eq(device_register(&last_port), 0);
	ck_assert_ptr_eq(device_find(DEV_PORT, 0x3f8, 1), &uart); /* unchanged */
}
END_TEST

START_TEST(table_full)
{
	static struct device many[64];
	int registered = 3, i;
	for (i = 0; i < 64; i++) {
		many[i] = (struct device){"many", DEV_PORT, 0x1000 + (uint64_t)i, 1, count_access};
		if (device_register(&many[i]) != 0)
			break;
		registered++;
	}
	ck_assert_int_lt(i, 64); /* the table is bounded, and says so */
	ck_assert_int_gt(registered, 8);
	ck_assert_ptr_null(device_find(DEV_PORT, 0x1000 + (uint64_t)i, 1));
}
END_TEST

START_TEST(dispatch_to_device)
{
	uint8_t data[8] = {0};
	struct dev_access a = {DEV_PORT, false, 0x3fd, 1, 1, data};
	ck_assert_int_eq(device_dispatch(NULL, &a), DEV_CONTINUE);
	ck_assert_int_eq(calls, 1);
	ck_assert_uint_eq(last_addr, 0x3fd);
	ck_assert_uint_eq(data[0], 0x5a);
	struct dev_access m = {DEV_MMIO, false, 0xfeb00010, 8, 1, data};
	ck_assert_int_eq(device_dispatch(NULL, &m), DEV_CONTINUE);
	ck_assert_int_eq(calls, 2);
	data[0] = 42;
	struct dev_access e = {DEV_PORT, true, 0xf4, 4, 1, data};
	ck_assert_int_eq(device_dispatch(NULL, &e), 42);
}
END_TEST

START_TEST(unknown_reads_all_ones)
{
	uint8_t data[12];
	memset(data, 0, sizeof(data));
	struct dev_access a = {DEV_PORT, false, 0x61, 4, 3, data}; /* `rep insl`, 3 times */
	ck_assert_int_eq(device_dispatch(NULL, &a), DEV_CONTINUE);
	for (int i = 0; i < 12; i++)
		ck_assert_uint_eq(data[i], 0xff);
	memset(data, 0, sizeof(data));
	struct dev_access m = {DEV_MMIO, false, 0xfec00000, 8, 1, data};
	ck_assert_int_eq(device_dispatch(NULL, &m), DEV_CONTINUE);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[i], 0xff);
	ck_assert_uint_eq(data[8], 0); /* and not a byte more */
	/* Straddling a device's end is no access to it. */
	struct dev_access s = {DEV_PORT, false, 0x3fe, 4, 1, data};
	ck_assert_int_eq(device_dispatch(NULL, &s), DEV_CONTINUE);
	ck_assert_int_eq(calls, 0);
	struct dev_access w = {DEV_PORT, true, 0x80, 1, 1, data};
	ck_assert_int_eq(device_dispatch(NULL, &w), DEV_CONTINUE);
	ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(request_gpa)
{
	uint32_t v = 0x12345678, gpa = 0;
	struct dev_access ok = {DEV_PORT, true, 0x3f8, 4, 1, (uint8_t *)&v};
	ck_assert(device_request_gpa(&uart, &ok, &gpa));
	ck_assert_uint_eq(gpa, 0x12345678);
	struct dev_access narrow = {DEV_PORT, true, 0x3f8, 1, 1, (uint8_t *)&v};
	struct dev_access rep = {DEV_PORT, true, 0x3f8, 4, 2, (uint8_t *)&v};
	struct dev_access off = {DEV_PORT, true, 0x3f9, 4, 1, (uint8_t *)&v};
	struct dev_access read = {DEV_PORT, false, 0x3f8, 4, 1, (uint8_t *)&v};
	ck_assert(!device_request_gpa(&uart, &narrow, &gpa));
	ck_assert(!device_request_gpa(&uart, &rep, &gpa));
	ck_assert(!device_request_gpa(&uart, &off, &gpa));
	ck_assert(!device_request_gpa(&uart, &read, &gpa));
}
END_TEST

/* --- the paravirtual console, driven as the guest would drive it */

extern const struct dev_module dev_pvconsole_module;

static struct vm vm;
static struct pv_console_req *req;
static const uint32_t req_gpa = 0x1000;
static int pipe_fd[2];

/* A 1 MiB guest with a request at 0x1000 and "hello\n" at 0x2000, and
 * stdout a pipe the test reads. */
static void pv_setup(void)
{
	device_reset();
	dev_pvconsole_module.setup(&vm);
	ck_assert_int_eq(guest_mem_init(&vm.mem, 1 << 20), 0);
	req = (struct pv_console_req *)(vm.mem.host + req_gpa);
	memcpy(vm.mem.host + 0x2000, "hello\n", 6);
	*req = (struct pv_console_req){.stream = 1, .nsegs = 1, .seg[0] = {0x2000, 6}};
	req->result = PV_RESULT_NONE;
	ck_assert_int_eq(pipe(pipe_fd), 0);
	ck_assert_int_eq(dup2(pipe_fd[1], STDOUT_FILENO), STDOUT_FILENO);
	close(pipe_fd[1]);
	signal(SIGPIPE, SIG_IGN); /* as exosim's main does */
}

static void pv_teardown(void)
{
	guest_mem_free(&vm.mem);
}

static int32_t send(uint32_t gpa)
{
	struct dev_access a = {DEV_PORT, true, PV_CONSOLE_PORT, 4, 1, (uint8_t *)&gpa};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	return req->result;
}

START_TEST(pv_write)
{
	ck_assert_int_eq(send(req_gpa), 6);
	char buf[16];
	ck_assert_int_eq(read(pipe_fd[0], buf, sizeof(buf)), 6);
	ck_assert_mem_eq(buf, "hello\n", 6);
}
END_TEST

START_TEST(pv_detect)
{
	uint32_t v = 0;
	struct dev_access a = {DEV_PORT, false, PV_CONSOLE_PORT, 4, 1, (uint8_t *)&v};
	ck_assert_int_eq(device_dispatch(&vm, &a), DEV_CONTINUE);
	ck_assert_uint_eq(v, PV_CONSOLE_MAGIC);
}
END_TEST

/* Each malformed request writes nothing, answers PV_ERR_MALFORMED and is counted. */
START_TEST(pv_malformed)
{
	struct pv_console_req good = *req;
	struct pv_console_seg bad_segs[] = {{1 << 20, 1, 0},        /* just past RAM */
	                                    {(1 << 20) - 3, 6, 0},  /* straddles the end */
	                                    {UINT64_MAX - 2, 6, 0}, /* wraps */
	                                    {0xfeb00000, 6, 0},     /* MMIO */
	                                    {0x2000, PV_CONSOLE_MAX_SEG_LEN + 1, 0}}; /* too long */
	uint64_t before = stats_bad_request("pv-console");
	int n = 0;
	for (size_t i = 0; i < sizeof(bad_segs) / sizeof(bad_segs[0]); i++, n++) {
		*req = good;
		req->seg[0] = bad_segs[i];
		ck_assert_int_eq(send(req_gpa), PV_ERR_MALFORMED);
	}
	*req = good;
	req->stream = 3;
	ck_assert_int_eq(send(req_gpa), PV_ERR_MALFORMED);
	n++;
	*req = good;
	req->nsegs = PV_CONSOLE_MAX_SEGS + 1;
	ck_assert_int_eq(send(req_gpa), PV_ERR_MALFORMED);
	n++;
	/* A request whose own address is not RAM cannot be answered at all. */
	*req = good;
	ck_assert_int_eq(send(0xfffff000), PV_RESULT_NONE);
	n++;
	ck_assert_uint_eq(stats_bad_request("pv-console"), before + (uint64_t)n + 1);
	/* Nothing reached stdout; a good request still works. */
	ck_assert_int_eq(send(req_gpa), 6);
	char buf[16];
	ck_assert_int_eq(read(pipe_fd[0], buf, sizeof(buf)), 6);
}
END_TEST

/* The host's error reaches the guest: EPIPE for a pipe nobody reads. */
START_TEST(pv_epipe)
{
	close(pipe_fd[0]);
	ck_assert_int_eq(send(req_gpa), -EPIPE);
}
END_TEST

Suite *device_suite(void)
{
	Suite *s = suite_create("device");
	TCase *reg = tcase_create("registry");
	tcase_add_checked_fixture(reg, setup, NULL);
	tcase_add_test(reg, find_inside_only);
	tcase_add_test(reg, refuses_bad_registrations);
	tcase_add_test(reg, table_full);
	tcase_add_test(reg, dispatch_to_device);
	tcase_add_test(reg, unknown_reads_all_ones);
	tcase_add_test(reg, request_gpa);
	suite_add_tcase(s, reg);
	TCase *pv = tcase_create("pv-console");
	tcase_add_checked_fixture(pv, pv_setup, pv_teardown);
	tcase_add_test(pv, pv_write);
	tcase_add_test(pv, pv_detect);
	tcase_add_test(pv, pv_malformed);
	tcase_add_test(pv, pv_epipe);
	suite_add_tcase(s, pv);
	return s;
}
