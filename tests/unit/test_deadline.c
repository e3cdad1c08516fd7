/* The --timeout deadline (hostsim/deadline.c): it stops KVM_RUN, interrupts
 * a blocking call however late that call starts, and never touches a
 * kvm_run page once told to stop watching it.  Each test runs in its own
 * process (CK_FORK), so each arms its own timer. */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "unit.h"

static void wait_until_passed(void)
{
	for (int i = 0; i < 1000 && !deadline_passed(); i++)
		usleep(1000);
	ck_assert(deadline_passed());
}

START_TEST(stops_kvm_run)
{
	static struct kvm_run run;
	deadline_watch(&run);
	deadline_arm(0.01);
	ck_assert(!deadline_passed());
	wait_until_passed();
	ck_assert_uint_eq(run.immediate_exit, 1);
	/* Watching after the deadline stops the next KVM_RUN at once too. */
	static struct kvm_run late;
	deadline_watch(&late);
	ck_assert_uint_eq(late.immediate_exit, 1);
	deadline_watch(NULL);
}
END_TEST

/* A read that starts blocking after the deadline has passed still ends:
 * the signal repeats.  (A one-shot timer would leave it blocked forever.) */
START_TEST(interrupts_a_late_blocking_call)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	deadline_arm(0.01);
	wait_until_passed();
	char c;
	ck_assert_int_eq(read(p[0], &c, 1), -1);
	ck_assert_int_eq(errno, EINTR);
}
END_TEST

/* After deadline_watch(NULL) the handler must not write to the old page:
 * vm_destroy unmaps it while the timer still fires every 10 ms. */
START_TEST(unwatched_page_is_left_alone)
{
	struct kvm_run *run =
	        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	deadline_watch(run);
	deadline_arm(0.01);
	wait_until_passed();
	deadline_watch(NULL);
	ck_assert_int_eq(munmap(run, 4096), 0);
	struct timespec ts = {0, 60 * 1000 * 1000}; /* several repeats of the signal */
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
END_TEST

START_TEST(no_timeout_no_signal)
{
	deadline_arm(0);
	usleep(20000);
	ck_assert(!deadline_passed());
}
END_TEST

Suite *deadline_suite(void)
{
	Suite *s = suite_create("deadline");
	TCase *c = tcase_create("deadline");
	tcase_add_test(c, stops_kvm_run);
	tcase_add_test(c, interrupts_a_late_blocking_call);
	tcase_add_test(c, unwatched_page_is_left_alone);
	tcase_add_test(c, no_timeout_no_signal);
	suite_add_tcase(s, c);
	return s;
}
