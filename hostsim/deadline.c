/* A POSIX timer delivering SIGALRM without SA_RESTART: blocking calls return
 * EINTR and the code around them checks deadline_passed().  After the first
 * expiry the timer repeats, closing the race where the signal lands between
 * that check and the next blocking call. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "fail.h"

#define REPEAT_NS 10000000L /* 10 ms after the deadline */

static volatile sig_atomic_t passed;
static struct kvm_run *volatile watched;

static void on_alarm(int sig)
{
	(void)sig;
	passed = 1;
	if (watched)
		watched->immediate_exit = 1; /* KVM_RUN returns EINTR now or at its next entry */
}

void deadline_arm(double seconds)
{
	if (seconds <= 0)
		return;
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	timer_t t;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "timer_create: %s", strerror(errno));
	struct itimerspec its = {
	        .it_value = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)},
	        .it_interval = {0, REPEAT_NS}};
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timer_settime(t, 0, &its, NULL) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "timer_settime: %s", strerror(errno));
}

bool deadline_passed(void)
{
	return passed;
}

void deadline_watch(struct kvm_run *run)
{
	watched = run;
	if (run && passed)
		run->immediate_exit = 1;
}
