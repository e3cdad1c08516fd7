/* Kernel command line parsing (lib/cmdline.c). */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "unit.h"

/* A heap copy without a terminating NUL, so ASan catches any read at or past len. */
static char *nonul(const char *s, size_t *len)
{
	*len = strlen(s);
	char *p = malloc(*len ? *len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, *len);
	return p;
}

static void assert_word(const struct cmdline_word *w, const char *key, const char *value)
{
	ck_assert_uint_eq(w->keylen, strlen(key));
	ck_assert_mem_eq(w->key, key, w->keylen);
	if (value) {
		ck_assert(w->has_value);
		ck_assert_uint_eq(w->vlen, strlen(value));
		if (w->vlen)
			ck_assert_mem_eq(w->value, value, w->vlen);
	} else {
		ck_assert(!w->has_value);
		ck_assert_uint_eq(w->vlen, 0);
	}
}

START_TEST(words)
{
	size_t len, pos = 0;
	char *c = nonul("  console=ttyS0 quiet\tinit=/bin/sh  a==b\n\nempty=  last", &len);
	struct cmdline_word w;

	ck_assert(cmdline_next(c, len, &pos, &w));
	assert_word(&w, "console", "ttyS0");
	ck_assert(cmdline_next(c, len, &pos, &w));
	assert_word(&w, "quiet", NULL);
	ck_assert(cmdline_next(c, len, &pos, &w));
	assert_word(&w, "init", "/bin/sh");
	ck_assert(cmdline_next(c, len, &pos, &w));
	assert_word(&w, "a", "=b");
	ck_assert(cmdline_next(c, len, &pos, &w));
	assert_word(&w, "empty", "");
	ck_assert(cmdline_next(c, len, &pos, &w));
	assert_word(&w, "last", NULL); /* runs to len, no NUL after it */
	ck_assert(!cmdline_next(c, len, &pos, &w));
	ck_assert(!cmdline_next(c, len, &pos, &w));
	free(c);
}
END_TEST

START_TEST(empty_and_blank)
{
	size_t pos = 0, len;
	struct cmdline_word w;
	char *c = nonul(" \t\n ", &len);

	ck_assert(!cmdline_next("", 0, &pos, &w));
	ck_assert(!cmdline_next(c, len, &pos, &w));
	ck_assert(!cmdline_find(c, len, "x", &w));
	free(c);
	/* a NUL before len ends the command line (a C string in a bigger buffer) */
	char buf[16] = "a b\0c d";
	pos = 0;
	ck_assert(cmdline_next(buf, sizeof(buf), &pos, &w));
	ck_assert(cmdline_next(buf, sizeof(buf), &pos, &w));
	assert_word(&w, "b", NULL);
	ck_assert(!cmdline_next(buf, sizeof(buf), &pos, &w));
	ck_assert(!cmdline_find(buf, sizeof(buf), "c", &w));
	/* "=x": an empty key */
	pos = 0;
	ck_assert(cmdline_next("=x", 2, &pos, &w));
	assert_word(&w, "", "x");
	/* the length cuts a word short */
	pos = 0;
	ck_assert(cmdline_next("abc=def", 5, &pos, &w));
	assert_word(&w, "abc", "d");
}
END_TEST

START_TEST(find_last_wins)
{
	size_t len;
	char *c = nonul("mem=1 foo mem=2 memx=3 xmem=4 mem=3G foo=bar\tmem", &len);
	struct cmdline_word w;

	ck_assert(cmdline_find(c, len, "foo", &w));
	assert_word(&w, "foo", "bar");
	/* the last "mem" has no value: last wins, whatever its form */
	ck_assert(cmdline_find(c, len, "mem", &w));
	assert_word(&w, "mem", NULL);
	ck_assert(cmdline_find(c, len - 4, "mem", &w));
	assert_word(&w, "mem", "3G");
	ck_assert(cmdline_find(c, len, "memx", &w));
	assert_word(&w, "memx", "3");
	ck_assert(!cmdline_find(c, len, "me", &w));
	ck_assert(!cmdline_find(c, len, "bar", &w));
	free(c);
}
END_TEST

/* cmdline_scan finds what cmdline_find finds, for every key at once, and says
 * where the command line ends. */
START_TEST(scan_matches_find)
{
	static const char *const keys[] = {"mem", "foo", "memx", "me", "bar", "xmem", "absent"};
	enum { NKEYS = sizeof(keys) / sizeof(keys[0]) };
	size_t len;
	char *c = nonul("mem=1 foo mem=2 memx=3 xmem=4 mem=3G foo=bar\tmem", &len);
	struct cmdline_word found[NKEYS], w;

	for (size_t cut = 0; cut <= len; cut++) {
		ck_assert_uint_eq(cmdline_scan(c, cut, keys, NKEYS, found), cut);
		for (size_t i = 0; i < NKEYS; i++) {
			bool there = cmdline_find(c, cut, keys[i], &w);
			ck_assert_msg(there == (found[i].keylen != 0), "%s at %zu", keys[i], cut);
			if (there) {
				ck_assert_ptr_eq(found[i].key, w.key);
				ck_assert_uint_eq(found[i].keylen, w.keylen);
				ck_assert_int_eq(found[i].has_value, w.has_value);
				ck_assert_uint_eq(found[i].vlen, w.vlen);
			}
		}
	}
	free(c);
	/* a NUL ends it, after blanks too */
	char buf[16] = "a=1 b  ";
	ck_assert_uint_eq(cmdline_scan(buf, sizeof(buf), keys, NKEYS, found), 7);
	ck_assert_uint_eq(cmdline_scan(buf, 0, keys, NKEYS, found), 0);
}
END_TEST

static uint64_t u64_ok(const char *s)
{
	size_t len;
	char *c = nonul(s, &len);
	uint64_t v = 12345;

	ck_assert_msg(cmdline_parse_u64(c, len, &v) == 0, "\"%s\" rejected", s);
	free(c);
	return v;
}

static void u64_bad(const char *s)
{
	size_t len;
	char *c = nonul(s, &len);
	uint64_t v = 12345;

	ck_assert_msg(cmdline_parse_u64(c, len, &v) == -1, "\"%s\" accepted", s);
	ck_assert_uint_eq(v, 12345);
	free(c);
}

START_TEST(parse_u64)
{
	ck_assert_uint_eq(u64_ok("0"), 0);
	ck_assert_uint_eq(u64_ok("42"), 42);
	ck_assert_uint_eq(u64_ok("007"), 7);
	ck_assert_uint_eq(u64_ok("0x10"), 16);
	ck_assert_uint_eq(u64_ok("0XfeB00000"), 0xfeb00000u);
	ck_assert_uint_eq(u64_ok("4K"), 4096);
	ck_assert_uint_eq(u64_ok("4k"), 4096);
	ck_assert_uint_eq(u64_ok("128M"), 128u << 20);
	ck_assert_uint_eq(u64_ok("2G"), 2ull << 30);
	ck_assert_uint_eq(u64_ok("0x10M"), 16u << 20);
	ck_assert_uint_eq(u64_ok("0x1g"), 1u << 30); /* g is no hex digit: a suffix */
	ck_assert_uint_eq(u64_ok("18446744073709551615"), UINT64_MAX);
	ck_assert_uint_eq(u64_ok("0xffffffffffffffff"), UINT64_MAX);
	ck_assert_uint_eq(u64_ok("17179869183G"), 17179869183ull << 30);

	u64_bad("");
	u64_bad("x");
	u64_bad("0x");
	u64_bad("K");
	u64_bad("-1");
	u64_bad("+1");
	u64_bad(" 1");
	u64_bad("1 ");
	u64_bad("12a");
	u64_bad("0x1z");
	u64_bad("1KK");
	u64_bad("1T");
	u64_bad("18446744073709551616");
	u64_bad("99999999999999999999999");
	u64_bad("0x10000000000000000");
	u64_bad("17179869184G");
	u64_bad("0x40000000000000K");
	/* the length is respected: "12" of "123" */
	uint64_t v;
	ck_assert_int_eq(cmdline_parse_u64("123", 2, &v), 0);
	ck_assert_uint_eq(v, 12);
}
END_TEST

static int virtio(const char *s, uint64_t *size, uint64_t *base, uint32_t *irq)
{
	size_t len;
	char *c = nonul(s, &len);
	int r = cmdline_parse_virtio_mmio(c, len, size, base, irq);

	free(c);
	return r;
}

START_TEST(virtio_mmio)
{
	uint64_t size = 1, base = 2;
	uint32_t irq = 3;

	ck_assert_int_eq(virtio("512@0xfeb00000:12", &size, &base, &irq), 0);
	ck_assert_uint_eq(size, 512);
	ck_assert_uint_eq(base, 0xfeb00000u);
	ck_assert_uint_eq(irq, 12);
	ck_assert_int_eq(virtio("4K@0xd0000000:5", &size, &base, &irq), 0);
	ck_assert_uint_eq(size, 4096);
	ck_assert_uint_eq(base, 0xd0000000u);
	ck_assert_uint_eq(irq, 5);
	ck_assert_int_eq(virtio("0x200@4096:4294967295:3", &size, &base, &irq), 0);
	ck_assert_uint_eq(size, 512);
	ck_assert_uint_eq(base, 4096);
	ck_assert_uint_eq(irq, UINT32_MAX);

	static const char *const bad[] = {
	        "",
	        "512",
	        "512@",
	        "512@0xfeb00000",
	        "512@0xfeb00000:",
	        "@0xfeb00000:12",
	        "512@:12",
	        "512@0xfeb00000:x",
	        "512@0xfeb00000:12:",
	        "512@0xfeb00000:12x",
	        "512@0xfeb00000:4294967296",
	        "0@0x1000:1",
	        "512x@0x1000:1",
	        "512@0x1000K:1",
	        "512 @0x1000:1",
	        "512@0xfffffffffffffe01:1",
	        "512@0x10000000000000000:1",
	        "512@0x1000:99999999999999999999",
	        "512@0x1000:-1",
	        "512;0x1000:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size = 1, base = 2, irq = 3;
		ck_assert_msg(virtio(bad[i], &size, &base, &irq) == -1, "\"%s\" accepted", bad[i]);
		ck_assert(size == 1 && base == 2 && irq == 3);
	}
	/* the largest base that still fits */
	ck_assert_int_eq(virtio("512@0xfffffffffffffdff:1", &size, &base, &irq), 0);
	ck_assert_int_eq(virtio("512@0xfffffffffffffe00:1", &size, &base, &irq), -1);
}
END_TEST

/* A QEMU-like command line: find the word, then parse its value. */
START_TEST(qemu_cmdline)
{
	size_t len;
	char *c = nonul("console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 exo.mem=64M", &len);
	struct cmdline_word w;
	uint64_t size, base, mem;
	uint32_t irq;

	ck_assert(cmdline_find(c, len, "virtio_mmio.device", &w));
	ck_assert_int_eq(cmdline_parse_virtio_mmio(w.value, w.vlen, &size, &base, &irq), 0);
	ck_assert_uint_eq(base, 0xfeb00e00u);
	ck_assert(cmdline_find(c, len, "exo.mem", &w));
	ck_assert_int_eq(cmdline_parse_u64(w.value, w.vlen, &mem), 0);
	ck_assert_uint_eq(mem, 64u << 20);
	free(c);
}
END_TEST

Suite *cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, words);
	tcase_add_test(tc, empty_and_blank);
	tcase_add_test(tc, find_last_wins);
	tcase_add_test(tc, scan_matches_find);
	tcase_add_test(tc, parse_u64);
	tcase_add_test(tc, virtio_mmio);
	tcase_add_test(tc, qemu_cmdline);
	suite_add_tcase(s, tc);
	return s;
}
