/* Unix statuses for the kernel's exit records (lib/unix_status.c): the
 * statuses users saw before the kernel reported vectors (139 for a page fault,
 * 136 for a divide error, ...) stay the same. */
#include <exo/sched.h>
#include <exo/status.h>

#include "unit.h"
#include "unix_status.h"

START_TEST(test_exits_pass_through)
{
	for (unsigned s = 0; s < 256; s++)
		ck_assert_int_eq(unix_status(s), (int)s);
}
END_TEST

START_TEST(test_faults)
{
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(14)), 139); /* #PF: SIGSEGV */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(13)), 139); /* #GP */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(0)), 136);  /* #DE: SIGFPE */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(19)), 136); /* #XM */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(16)), 136); /* #MF */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(6)), 132);  /* #UD: SIGILL */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(3)), 133);  /* #BP: SIGTRAP */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(1)), 133);  /* #DB */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(17)), 135); /* #AC: SIGBUS */
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(12)), 135); /* #SS */
}
END_TEST

START_TEST(test_kernel_kills)
{
	ck_assert_int_eq(unix_status(EXO_STATUS_NOUPCALL(14)), 139);
	ck_assert_int_eq(unix_status(EXO_STATUS_NOUPCALL(EXO_VEC_EPILOGUE)), 139);
	ck_assert_int_eq(unix_status(EXO_STATUS_DESTROYED), 137); /* SIGKILL */
}
END_TEST

START_TEST(test_unknown)
{
	ck_assert_int_eq(unix_status(EXO_STATUS_FAULT(32)), -1); /* not an exception */
	ck_assert_int_eq(unix_status(EXO_STATUS_DESTROYED + 1), -1);
	ck_assert_int_eq(unix_status(0x400), -1);
	ck_assert_int_eq(unix_status(~0u), -1);
}
END_TEST

Suite *unix_status_suite(void)
{
	Suite *s = suite_create("unix_status");
	TCase *t = tcase_create("core");

	tcase_add_test(t, test_exits_pass_through);
	tcase_add_test(t, test_faults);
	tcase_add_test(t, test_kernel_kills);
	tcase_add_test(t, test_unknown);
	suite_add_tcase(s, t);
	return s;
}
