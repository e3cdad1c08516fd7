/* timecheck: CLOCK_MONOTONIC never goes back and advances across a sleep; nanosleep of
 * 20 ms lasts at least 20 ms; CLOCK_REALTIME, time() and gettimeofday() agree and are
 * within 120 s of the host's clock when the test started (HOST_TIME, epoch seconds, set
 * by the harness).  Only verdicts are printed. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include "check.h"

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000ll + t->tv_nsec;
}

int main(void)
{
	struct timespec a, b, r;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime(CLOCK_MONOTONIC)");
	int backwards = 0;
	for (int i = 0; i < 50; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(&b) < ns(&a))
			backwards++;
		a = b;
	}
	CHECK(backwards == 0, "CLOCK_MONOTONIC never went back over 50 reads");
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec in range");

	clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec req = { 0, 20 * 1000 * 1000 }, rem = { 0, 0 };
	CHECK(nanosleep(&req, &rem) == 0, "nanosleep 20 ms returns 0");
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long d = ns(&b) - ns(&a);
	CHECK(d >= 20 * 1000 * 1000, "nanosleep 20 ms took >= 20 ms");
	CHECK(d < 5ll * 1000 * 1000 * 1000, "nanosleep 20 ms took < 5 s");
	req.tv_nsec = 5 * 1000 * 1000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0, "clock_nanosleep 5 ms");
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(ns(&b) - ns(&a) >= 5 * 1000 * 1000, "clock_nanosleep 5 ms took >= 5 ms");
	req.tv_nsec = 2000000000;
	errno = 0;
	CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL, "nanosleep with tv_nsec >= 1e9 is EINVAL (%s)",
	      errno_name(errno));

	CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(&r) > 0 && ns(&r) <= 10 * 1000 * 1000,
	      "clock_getres(CLOCK_MONOTONIC) in (0, 10 ms]");

	struct timespec rt;
	CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0, "clock_gettime(CLOCK_REALTIME)");
	const char *host = getenv("HOST_TIME");
	if (host) {
		long long h = atoll(host);
		long long diff = rt.tv_sec - h;
		CHECK(diff > -5 && diff < 120, "CLOCK_REALTIME is within [-5, 120) s of the host's clock");
	} else {
		printf("HOST_TIME not set: realtime not compared with the host\n");
	}
	CHECK(rt.tv_sec > 1600000000, "CLOCK_REALTIME is after 2020");
	time_t t = time(NULL);
	CHECK(t >= rt.tv_sec && t - rt.tv_sec < 5, "time() agrees with CLOCK_REALTIME");
	struct timeval tv;
	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= rt.tv_sec && tv.tv_sec - rt.tv_sec < 5 &&
		      tv.tv_usec >= 0 && tv.tv_usec < 1000000,
	      "gettimeofday agrees with CLOCK_REALTIME");
	struct tm tm;
	CHECK(gmtime_r(&t, &tm) != NULL && tm.tm_year >= 120, "gmtime_r year >= 2020");

	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0,
	      "CLOCK_PROCESS_CPUTIME_ID works");
	errno = 0;
	CHECK(clock_gettime((clockid_t)12345, &a) == -1 && errno == EINVAL,
	      "an unknown clock is EINVAL (%s)", errno_name(errno));
	return check_exit();
}
