/* Many sleeping processes: 48 children block in read() on one pipe while the parent
 * computes, sleeps and forks; then the parent feeds them one byte each and reaps them.
 * Under exosim every sleeper is a wakeup predicate the kernel evaluates at each tick,
 * yield and idle turn; when that cost grew with each sleeper (a page walk per memory
 * operand, ~0.3-1.5 ms a sleeper in emulated ring 0), 17 sleepers took more than a tick:
 * a resumed process was preempted before its first instruction, its resume upcalls
 * stacked up on its exception stack, and the VM crashed or hung.  What must hold, and
 * what this prints: the parent's own work finishes while they all sleep, each child gets
 * exactly one byte and exits with it, and nobody is lost. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define KIDS_MAX 48

static void child(int rd)
{
	unsigned char c;
	ssize_t n = read(rd, &c, 1);
	_exit(n == 1 ? c : 255);
}

/* Work that needs the CPU: done only if sleepers leave it some. */
static unsigned long spin(unsigned long rounds)
{
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < rounds; i++)
		x += i ^ (x >> 3);
	return x;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, 0);
}

int main(int argc, char **argv)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	pid_t kids[KIDS_MAX];
	int KIDS = argc > 1 ? atoi(argv[1]) : KIDS_MAX;
	if (KIDS < 1 || KIDS > KIDS_MAX)
		KIDS = KIDS_MAX;
	int forked = 0;
	for (; forked < KIDS; forked++) {
		kids[forked] = fork();
		if (kids[forked] == 0) {
			close(p[1]);
			child(p[0]);
		}
		if (kids[forked] < 0)
			break;
	}
	CHECK(forked == KIDS, "%d children forked", KIDS);
	close(p[0]);
	/* Time for every child to reach its read and sleep; then the parent works,
	 * naps (the kernel idles with all of them asleep) and forks once more. */
	nap_ms(300);
	spin(20000000);
	CHECK(1, "the parent's work finished while %d children slept", forked);
	for (int i = 0; i < 5; i++)
		nap_ms(20);
	pid_t extra = fork();
	if (extra == 0)
		_exit(7);
	int st = 0;
	CHECK(extra > 0 && waitpid(extra, &st, 0) == extra && WIFEXITED(st) && WEXITSTATUS(st) == 7,
	      "one more child forked, exited and reaped among the sleepers");
	/* One byte each: child i exits with 1 + i % 200, in whatever order they read. */
	unsigned long sum_sent = 0, sum_got = 0;
	int fed = 0;
	for (int i = 0; i < forked; i++) {
		unsigned char c = (unsigned char)(1 + i % 200);
		sum_sent += c;
		fed += write(p[1], &c, 1) == 1;
	}
	CHECK(fed == forked, "one byte written for each child");
	int reaped = 0, bad = 0;
	for (int i = 0; i < forked; i++) {
		if (waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) == 255) {
			bad++;
			continue;
		}
		reaped++;
		sum_got += (unsigned long)WEXITSTATUS(st);
	}
	CHECK(reaped == forked && bad == 0, "%d children each read one byte and exited", reaped);
	CHECK(sum_got == sum_sent, "the bytes they exited with add up to what was sent (%lu)",
	      sum_sent);
	close(p[1]);
	return check_failures != 0;
}
