/* escape: archive bytes shown on a terminal (lib/escape.c). */
#include <string.h>

#include "escape.h"
#include "unit.h"

START_TEST(printable_passes)
{
	char out[64];

	ck_assert_str_eq(escape_str(out, sizeof(out), "bin/busy box-1.36~x"),
	                 "bin/busy box-1.36~x");
	ck_assert_str_eq(escape_str(out, sizeof(out), ""), "");
}
END_TEST

START_TEST(others_become_hex)
{
	char out[64];
	static const char name[] = "a\x1b[2Jb\n\t\x7f\x80\xff\\c";

	ck_assert_str_eq(escape_bytes(out, sizeof(out), name, sizeof(name) - 1),
	                 "a\\x1b[2Jb\\x0a\\x09\\x7f\\x80\\xff\\x5cc");
	/* an embedded NUL is a byte like any other */
	ck_assert_str_eq(escape_bytes(out, sizeof(out), "x\0y", 3), "x\\x00y");
}
END_TEST

/* Every output byte of every input byte value is printable ASCII. */
START_TEST(never_a_control_byte)
{
	char in[256], out[ESCAPE_SIZE(256)];

	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	escape_bytes(out, sizeof(out), in, sizeof(in));
	ck_assert_uint_eq(strlen(out), 94 + 162 * 4); /* 94 printable pass, 162 escaped */
	for (const char *p = out; *p; p++)
		ck_assert(*p >= 0x20 && *p < 0x7f);
}
END_TEST

/* A result that does not fit ends with "..." after whole escapes only. */
START_TEST(truncation)
{
	char out[16];

	ck_assert_str_eq(escape_str(out, 8, "abcdefg"), "abcdefg"); /* exactly fits */
	ck_assert_str_eq(escape_str(out, 8, "abcdefgh"), "abcd...");
	ck_assert_str_eq(escape_str(out, 8, "ab\x01"), "ab\\x01");
	ck_assert_str_eq(escape_str(out, 8, "ab\x01zz"), "ab...");
	ck_assert_str_eq(escape_str(out, 4, "abcd"), "...");
	ck_assert_str_eq(escape_str(out, 4, "abc"), "abc");
	ck_assert_str_eq(escape_str(out, 5, "\x01"), "\\x01");
	ck_assert_str_eq(escape_str(out, 4, "\x01"), "...");
}
END_TEST

Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, printable_passes);
	tcase_add_test(tc, others_become_hex);
	tcase_add_test(tc, never_a_control_byte);
	tcase_add_test(tc, truncation);
	suite_add_tcase(s, tc);
	return s;
}
