/* exosim --gdb's protocol layer (hostsim/gdb_rsp.c, gdb_stub.c) over a fake
 * target: framing, checksums and escapes, the packets gdb sends, and bad
 * input (bad checksums, oversized and truncated packets, a client that goes
 * away); then random and truncated packets under ASan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb_rsp.h"
#include "gdb_stub.h"
#include "unit.h"

#define MEM_BASE 0x10000ull
#define MEM_SIZE 0x10000ull

static struct gdb_regs fake_regs;
static uint8_t fake_mem[MEM_SIZE];
static int bps_inserted;

static int fake_get_regs(void *t, struct gdb_regs *r)
{
	(void)t;
	*r = fake_regs;
	return 0;
}

static int fake_set_regs(void *t, const struct gdb_regs *r)
{
	(void)t;
	fake_regs = *r;
	return 0;
}

static bool in_mem(uint64_t addr, size_t len)
{
	return addr >= MEM_BASE && addr - MEM_BASE <= MEM_SIZE &&
	       len <= MEM_SIZE - (addr - MEM_BASE);
}

static int fake_read(void *t, uint64_t addr, uint8_t *buf, size_t len)
{
	(void)t;
	if (!in_mem(addr, len))
		return -1;
	memcpy(buf, fake_mem + (addr - MEM_BASE), len);
	return 0;
}

static int fake_write(void *t, uint64_t addr, const uint8_t *buf, size_t len)
{
	(void)t;
	if (!in_mem(addr, len))
		return -1;
	memcpy(fake_mem + (addr - MEM_BASE), buf, len);
	return 0;
}

static int fake_insert(void *t, int type, uint64_t addr, uint64_t kind)
{
	(void)t, (void)kind;
	if (type > GDB_BP_HW)
		return 1;
	if (!in_mem(addr, 1))
		return -1;
	bps_inserted++;
	return 0;
}

static int fake_remove(void *t, int type, uint64_t addr, uint64_t kind)
{
	(void)t, (void)type, (void)addr, (void)kind;
	bps_inserted--;
	return 0;
}

static const struct gdb_target_ops fake_ops = {.get_regs = fake_get_regs,
                                               .set_regs = fake_set_regs,
                                               .read_mem = fake_read,
                                               .write_mem = fake_write,
                                               .insert_bp = fake_insert,
                                               .remove_bp = fake_remove};

/* A target with three threads (environments): 0x2 runs, 0x42 and 0x7f wait;
 * each has its own rip, a waiting one's registers cannot be written. */
static const uint32_t thread_ids[] = {0x2, 0x42, 0x7f};
static uint32_t selected; /* 0: the running one */

static uint32_t fake_current(void *t)
{
	(void)t;
	return 0x2;
}

static size_t fake_list(void *t, uint32_t *ids, size_t max)
{
	(void)t;
	size_t n = 0;
	for (; n < 3 && n < max; n++)
		ids[n] = thread_ids[n];
	return n;
}

static int fake_select(void *t, uint32_t id)
{
	(void)t;
	if (id != 0 && id != 0x2 && id != 0x42 && id != 0x7f)
		return -1;
	selected = id == 0x2 ? 0 : id;
	return 0;
}

static int fake_describe(void *t, uint32_t id, char *buf, size_t cap)
{
	(void)t;
	if (fake_select(t, id) < 0 && id != 0x2)
		return -1;
	snprintf(buf, cap, "env 0x%x", id);
	selected = 0;
	return 0;
}

static int thread_get_regs(void *t, struct gdb_regs *r)
{
	fake_get_regs(t, r);
	if (selected)
		gdb_reg_set(r, GDB_RIP, 0x1000 + selected);
	return 0;
}

static int thread_set_regs(void *t, const struct gdb_regs *r)
{
	return selected ? -1 : fake_set_regs(t, r);
}

static const struct gdb_target_ops thread_ops = {.get_regs = thread_get_regs,
                                                 .set_regs = thread_set_regs,
                                                 .read_mem = fake_read,
                                                 .write_mem = fake_write,
                                                 .insert_bp = fake_insert,
                                                 .remove_bp = fake_remove,
                                                 .thread_current = fake_current,
                                                 .thread_list = fake_list,
                                                 .thread_select = fake_select,
                                                 .thread_describe = fake_describe};

static struct gdb_stub stub;
static char reply[GDB_REPLY_MAX + 1];
static size_t reply_len;

static enum gdb_action send_pkt(const char *p)
{
	enum gdb_action a = gdb_stub_dispatch(&stub, p, strlen(p), reply, &reply_len);
	ck_assert_uint_le(reply_len, GDB_REPLY_MAX);
	reply[reply_len] = 0;
	return a;
}

static void setup(void)
{
	memset(&fake_regs, 0, sizeof(fake_regs));
	for (size_t i = 0; i < MEM_SIZE; i++)
		fake_mem[i] = (uint8_t)i;
	bps_inserted = 0;
	selected = 0;
	gdb_stub_init(&stub, &fake_ops, NULL);
}

static void setup_threads(void)
{
	setup();
	gdb_stub_init(&stub, &thread_ops, NULL);
}

/* Feeds a whole string; returns the last event. */
static enum rsp_event feed(struct rsp *r, const char *s, size_t n)
{
	enum rsp_event ev = RSP_NONE;
	for (size_t i = 0; i < n; i++)
		ev = rsp_feed(r, (uint8_t)s[i]);
	return ev;
}

START_TEST(framing_round_trip)
{
	static struct rsp r;
	rsp_init(&r);
	char out[64];
	const char payload[] = "a#b$c}d*e";
	size_t n = rsp_frame(out, sizeof(out), payload, strlen(payload));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(feed(&r, out, n), RSP_PACKET);
	ck_assert_str_eq(r.buf, payload);
	ck_assert_int_eq(feed(&r, "$g#67", 5), RSP_PACKET);
	ck_assert_str_eq(r.buf, "g");
	ck_assert_int_eq(feed(&r, "$g#68", 5), RSP_BADSUM);
	ck_assert_int_eq(feed(&r, "$g#6z", 5), RSP_BADSUM);
	ck_assert_int_eq(rsp_feed(&r, 3), RSP_INTERRUPT);
	ck_assert_int_eq(rsp_feed(&r, '+'), RSP_ACK);
	ck_assert_int_eq(rsp_feed(&r, '-'), RSP_NAK);
	ck_assert_uint_eq(rsp_frame(out, 4, "abc", 3), 0); /* too small: refused, not cut */
}
END_TEST

START_TEST(oversized_packet_is_refused)
{
	static struct rsp r;
	rsp_init(&r);
	ck_assert_int_eq(rsp_feed(&r, '$'), RSP_NONE);
	for (int i = 0; i < RSP_PACKET_MAX + 100; i++)
		ck_assert_int_eq(rsp_feed(&r, 'x'), RSP_NONE);
	ck_assert_int_eq(feed(&r, "#00", 3), RSP_OVERSIZE);
	ck_assert_int_eq(feed(&r, "$g#67", 5), RSP_PACKET); /* and the next one is fine */
}
END_TEST

START_TEST(registers_and_memory)
{
	gdb_reg_set(&fake_regs, GDB_RIP, 0x401000);
	ck_assert_int_eq(send_pkt("p10"), GDB_REPLY);
	ck_assert_str_eq(reply, "0010400000000000");
	ck_assert_int_eq(send_pkt("P10=0020400000000000"), GDB_REPLY);
	ck_assert_str_eq(reply, "OK");
	ck_assert_uint_eq(gdb_reg_get(&fake_regs, GDB_RIP), 0x402000);
	send_pkt("g");
	ck_assert_uint_eq(reply_len, 2 * gdb_reg_offset(GDB_NREGS));
	send_pkt("m10000,4");
	ck_assert_str_eq(reply, "00010203");
	send_pkt("M10000,2:abcd");
	ck_assert_str_eq(reply, "OK");
	ck_assert_uint_eq(fake_mem[0], 0xab);
	send_pkt("m0,4");
	ck_assert_str_eq(reply, "E0e");
	send_pkt("M10000,3:abcd"); /* length and data disagree */
	ck_assert_str_eq(reply, "E16");
	send_pkt("p999");
	ck_assert_str_eq(reply, "E16");
	send_pkt("mffffffffffffffff,ffffffffffffffff");
	ck_assert_str_eq(reply, "E16");
	send_pkt("m11111111111111111,1"); /* 17 digits */
	ck_assert_str_eq(reply, "E16");
}
END_TEST

START_TEST(breakpoints_and_queries)
{
	send_pkt("Z0,10010,1");
	ck_assert_str_eq(reply, "OK");
	ck_assert_int_eq(bps_inserted, 1);
	send_pkt("Z2,10010,4"); /* unsupported by this target: empty */
	ck_assert_str_eq(reply, "");
	send_pkt("Z0,5,1");
	ck_assert_str_eq(reply, "E0e");
	send_pkt("Z9,10010,1");
	ck_assert_str_eq(reply, "E16");
	send_pkt("qSupported:multiprocess+;swbreak+");
	ck_assert_ptr_nonnull(strstr(reply, "qXfer:features:read+"));
	ck_assert_ptr_nonnull(strstr(reply, "hwbreak+")); /* else gdb rejects "hwbreak:;" */
	send_pkt("qXfer:features:read:target.xml:0,ffff");
	ck_assert_int_eq(reply[0], 'l');
	ck_assert_ptr_nonnull(strstr(reply, "<architecture>i386:x86-64</architecture>"));
	ck_assert_ptr_nonnull(strstr(reply, "name=\"fs_base\""));
	send_pkt("qXfer:features:read:target.xml:0,10");
	ck_assert_int_eq(reply[0], 'm');
	ck_assert_uint_eq(reply_len, 17);
	send_pkt("?");
	ck_assert_str_eq(reply, "T05thread:01;");
	ck_assert_int_eq(send_pkt("c"), GDB_CONTINUE);
	ck_assert_int_eq(send_pkt("s"), GDB_STEP);
	ck_assert_int_eq(send_pkt("C0b"), GDB_CONTINUE);
	ck_assert_int_eq(send_pkt("c401000"), GDB_CONTINUE);
	ck_assert_uint_eq(gdb_reg_get(&fake_regs, GDB_RIP), 0x401000);
	ck_assert_int_eq(send_pkt("k"), GDB_KILL);
	ck_assert_int_eq(send_pkt("D"), GDB_DETACH);
	ck_assert_int_eq(send_pkt("vMustReplyEmpty"), GDB_REPLY);
	ck_assert_str_eq(reply, "");
}
END_TEST

/* Without thread calls the target is one thread, 1; ids are still checked. */
START_TEST(one_thread)
{
	send_pkt("qfThreadInfo");
	ck_assert_str_eq(reply, "m01");
	send_pkt("qsThreadInfo");
	ck_assert_str_eq(reply, "l");
	send_pkt("qC");
	ck_assert_str_eq(reply, "QC01");
	send_pkt("Hg0");
	ck_assert_str_eq(reply, "OK");
	send_pkt("Hg1");
	ck_assert_str_eq(reply, "OK");
	send_pkt("Hc-1");
	ck_assert_str_eq(reply, "OK");
	send_pkt("Hg2");
	ck_assert_str_eq(reply, "E03");
	send_pkt("T1");
	ck_assert_str_eq(reply, "OK");
	send_pkt("T2");
	ck_assert_str_eq(reply, "E03");
	send_pkt("qThreadExtraInfo,1");
	ck_assert_str_eq(reply, "435055"); /* "CPU" */
}
END_TEST

/* Threads: listed, described, selected for registers (writes to a waiting
 * one refused), the stop reply names the current one, and malformed ids are
 * refused without reaching the target. */
START_TEST(threads)
{
	send_pkt("qfThreadInfo");
	ck_assert_str_eq(reply, "m02,42,7f");
	send_pkt("qsThreadInfo");
	ck_assert_str_eq(reply, "l");
	send_pkt("qC");
	ck_assert_str_eq(reply, "QC02");
	send_pkt("qThreadExtraInfo,42");
	ck_assert_str_eq(reply, "656e762030783432"); /* "env 0x42" */
	send_pkt("qThreadExtraInfo,43");
	ck_assert_str_eq(reply, "E03");
	send_pkt("T7f");
	ck_assert_str_eq(reply, "OK");
	send_pkt("T80");
	ck_assert_str_eq(reply, "E03");

	gdb_reg_set(&fake_regs, GDB_RIP, 0x401000);
	send_pkt("Hg42");
	ck_assert_str_eq(reply, "OK");
	send_pkt("p10"); /* rip */
	ck_assert_str_eq(reply, "4210000000000000");
	send_pkt("P10=0000000000000000"); /* a waiting thread's registers: refused */
	ck_assert_str_eq(reply, "E0e");
	send_pkt("Hg0"); /* any thread: the current one */
	send_pkt("p10");
	ck_assert_str_eq(reply, "0010400000000000");
	send_pkt("Hg7f");
	gdb_stub_set_stop(&stub, 11, ""); /* a stop selects the current thread again */
	send_pkt("?");
	ck_assert_str_eq(reply, "T0bthread:02;");
	send_pkt("p10");
	ck_assert_str_eq(reply, "0010400000000000");
	send_pkt("Hc7f"); /* the machine resumes as a whole: any thread is accepted */
	ck_assert_str_eq(reply, "OK");

	static const char *const bad[] = {"Hg",
	                                  "Hgx",
	                                  "Hg-2",
	                                  "Hg-1x",
	                                  "Hg1,2",
	                                  "Hg 1",
	                                  "Hx1",
	                                  "H",
	                                  "Hg100000000",
	                                  "Hg12345678901234567",
	                                  "T",
	                                  "T0",
	                                  "T-1",
	                                  "Tzz",
	                                  "qThreadExtraInfo,",
	                                  "qThreadExtraInfo,-1",
	                                  "qThreadExtraInfo,0",
	                                  "qThreadExtraInfo,1g"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		send_pkt(bad[i]);
		ck_assert_msg(!strcmp(reply, "E16"), "%s: %s", bad[i], reply);
	}
	send_pkt("Hg5"); /* well-formed, no such thread */
	ck_assert_str_eq(reply, "E03");
	send_pkt("p10"); /* the selection did not change */
	ck_assert_str_eq(reply, "0010400000000000");
}
END_TEST

/* The conversation over a socket: acks, a NAK for a bad checksum, a refused
 * oversized packet, and a client that goes away mid-packet. */
START_TEST(conversation_and_bad_input)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	static char big[RSP_PACKET_MAX + 64];
	memset(big, 'm', sizeof(big));
	big[0] = '$';
	memcpy(big + sizeof(big) - 3, "#00", 3);
	ck_assert_int_eq(write(sv[1], "$g#68", 5), 5);                          /* bad checksum */
	ck_assert_int_eq(write(sv[1], big, sizeof(big)), (ssize_t)sizeof(big)); /* oversized */
	ck_assert_int_eq(write(sv[1], "$c#63", 5), 5);
	ck_assert_int_eq(gdb_stub_converse(&stub, sv[0], false), GDB_CONTINUE);
	char got[64] = {0};
	ssize_t n = read(sv[1], got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(got, "-+$E16#ac+");
	ck_assert_int_eq(write(sv[1], "$m10000,", 8), 8); /* then the client goes */
	close(sv[1]);
	ck_assert_int_eq(gdb_stub_converse(&stub, sv[0], false), GDB_DISCONNECTED);
	close(sv[0]);
}
END_TEST

/* 200000 rounds (EXO_FUZZ_COUNT) of packets: random bytes, packets gdb could
 * send with random arguments, truncated or spoilt, fed through the framing
 * and the dispatcher.  Under ASan nothing may read or write outside its
 * buffers, every reply fits, and afterwards a good packet still works. */
START_TEST(random_packets)
{
	static const char *const heads[] = {"g",
	                                    "G",
	                                    "p",
	                                    "P",
	                                    "m",
	                                    "M",
	                                    "Z0,",
	                                    "z0,",
	                                    "Z1,",
	                                    "Z2,",
	                                    "c",
	                                    "s",
	                                    "C",
	                                    "S",
	                                    "?",
	                                    "H",
	                                    "T",
	                                    "D",
	                                    "k",
	                                    "v",
	                                    "q",
	                                    "Q",
	                                    "qSupported",
	                                    "qXfer:"
	                                    "features:read:target.xml:",
	                                    "qfThreadInfo",
	                                    "Hg",
	                                    "Hc",
	                                    "Hg-",
	                                    "qThreadExtraInfo,",
	                                    "qC",
	                                    "QStartNoAckMode",
	                                    "X"};
	uint64_t rng = unit_fuzz_seed(0x9e3779b97f4a7c15ull);
	long rounds = unit_fuzz_count(200000);
	static struct rsp r;
	rsp_init(&r);
	static char pkt[RSP_PACKET_MAX + 256];
	for (long it = 0; it < rounds; it++) {
		size_t n = 0;
		if (unit_rand(&rng) % 4 == 0) { /* raw bytes */
			size_t len = unit_rand(&rng) % 64;
			for (size_t i = 0; i < len; i++)
				pkt[n++] = (char)unit_rand(&rng);
		} else {
			const char *h = heads[unit_rand(&rng) % (sizeof(heads) / sizeof(*heads))];
			n = strlen(h);
			memcpy(pkt, h, n);
			size_t len = unit_rand(&rng) % 8 == 0
			                     ? unit_rand(&rng) % (RSP_PACKET_MAX + 64)
			                     : unit_rand(&rng) % 48;
			static const char alphabet[] = "0123456789abcdefABCDEF,:;=#$}*xX-";
			for (size_t i = 0; i < len; i++)
				pkt[n++] = alphabet[unit_rand(&rng) % (sizeof(alphabet) - 1)];
		}
		if (unit_rand(&rng) % 2) { /* straight into the dispatcher, NUL-terminated */
			char *copy = strndup(pkt, n);
			gdb_stub_dispatch(&stub, copy, strlen(copy), reply, &reply_len);
			ck_assert_uint_le(reply_len, GDB_REPLY_MAX);
			free(copy);
		}
		/* framed, perhaps truncated or spoilt, into the framing */
		static char framed[2 * sizeof(pkt) + 8];
		size_t f = rsp_frame(framed, sizeof(framed), pkt, n);
		if (unit_rand(&rng) % 4 == 0 && f)
			f = unit_rand(&rng) % f;
		if (unit_rand(&rng) % 8 == 0 && f)
			framed[unit_rand(&rng) % f] ^= (char)(1 + unit_rand(&rng) % 255);
		for (size_t i = 0; i < f; i++)
			if (rsp_feed(&r, (uint8_t)framed[i]) == RSP_PACKET) {
				gdb_stub_dispatch(&stub, r.buf, r.len, reply, &reply_len);
				ck_assert_uint_le(reply_len, GDB_REPLY_MAX);
			}
	}
	rsp_init(&r);
	ck_assert_int_eq(feed(&r, "$?#3f", 5), RSP_PACKET);
	send_pkt("?");
	ck_assert_str_eq(reply, stub.ops == &thread_ops ? "T05thread:02;" : "T05thread:01;");
}
END_TEST

Suite *gdb_rsp_suite(void)
{
	Suite *s = suite_create("gdb_rsp");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, framing_round_trip);
	tcase_add_test(tc, oversized_packet_is_refused);
	tcase_add_test(tc, registers_and_memory);
	tcase_add_test(tc, breakpoints_and_queries);
	tcase_add_test(tc, conversation_and_bad_input);
	tcase_add_test(tc, one_thread);
	suite_add_tcase(s, tc);
	TCase *th = tcase_create("threads");
	tcase_add_checked_fixture(th, setup_threads, NULL);
	tcase_add_test(th, threads);
	suite_add_tcase(s, th);
	TCase *fuzz = tcase_create("fuzz");
	tcase_add_checked_fixture(fuzz, setup, NULL);
	tcase_set_timeout(fuzz, 600);
	tcase_add_test(fuzz, random_packets);
	suite_add_tcase(s, fuzz);
	TCase *fuzz_th = tcase_create("fuzz_threads");
	tcase_add_checked_fixture(fuzz_th, setup_threads, NULL);
	tcase_set_timeout(fuzz_th, 600);
	tcase_add_test(fuzz_th, random_packets);
	suite_add_tcase(s, fuzz_th);
	return s;
}
