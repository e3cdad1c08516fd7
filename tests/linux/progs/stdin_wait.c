/* stdin_wait MODE: while one thread or process waits for stdin, which stays silent
 * for a while (the test feeds it after a delay), the rest of the program runs.
 *   thread  a second thread blocks in read(0); the main thread computes and prints
 *           TICKS ticks meanwhile
 *   fork    a child blocks in read(0); the parent computes and prints its ticks, then
 *           tells the child through a pipe
 *   poll    a second thread blocks in poll(0, POLLIN), then reads
 *   select  the same with select
 *   epoll   the same with epoll_wait
 * The reader then checks that all the ticks happened before its input came: under a
 * VM whose wait for input stopped the whole machine, none had. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define TICKS 5

static volatile int ticks;
static volatile unsigned long sink;

/* ~10 ms of arithmetic natively: no system call, so only preemption lets it run
 * while another thread waits. */
static void compute(void)
{
	unsigned long x = 1;
	for (long i = 0; i < 20000000; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

static void work(void)
{
	for (int i = 1; i <= TICKS; i++) {
		compute();
		printf("tick %d\n", i);
		fflush(stdout);
		__atomic_store_n(&ticks, i, __ATOMIC_SEQ_CST);
	}
}

/* Reads the input and reports what came and how many ticks came before it. */
static void read_input(int ticks_before)
{
	char buf[64];
	ssize_t n = read(0, buf, sizeof(buf) - 1);
	int seen = ticks_before >= 0 ? ticks_before : __atomic_load_n(&ticks, __ATOMIC_SEQ_CST);
	buf[n > 0 ? n : 0] = 0;
	CHECK(n > 0, "read %zd bytes: %s", n, n > 0 ? strtok(buf, "\n") : errno_name(errno));
	CHECK(seen == TICKS, "ticks before the input: %d of %d", seen, TICKS);
}

/* Waits for stdin to be readable the way `how` says: 1 once it is. */
static int wait_readable(const char *how)
{
	if (!strcmp(how, "poll")) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		return poll(&p, 1, -1) == 1 && (p.revents & POLLIN);
	}
	if (!strcmp(how, "select")) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(0, &r);
		return select(1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(0, &r);
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, got;
	int ok = ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) == 0 &&
	         epoll_wait(ep, &got, 1, -1) == 1 && (got.events & EPOLLIN);
	close(ep);
	return ok;
}

static void *reader(void *how)
{
	if (how) {
		int ok = wait_readable(how);
		int seen = __atomic_load_n(&ticks, __ATOMIC_SEQ_CST);
		CHECK(ok, "%s: stdin readable", (const char *)how);
		CHECK(seen == TICKS, "ticks before %s said ready: %d of %d", (const char *)how,
		      seen, TICKS);
	}
	read_input(-1);
	return NULL;
}

static int threaded(const char *how)
{
	pthread_t t;
	if (pthread_create(&t, NULL, reader, (void *)how)) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	work();
	pthread_join(t, NULL);
	return check_exit();
}

/* The child learns the parent's ticks from a pipe: the parent writes TICKS bytes
 * as it goes, and the child counts those there when its input comes. */
static int forked(void)
{
	int p[2];
	if (pipe(p)) {
		printf("FAIL: pipe\n");
		return 1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		char buf[64];
		ssize_t n = read(0, buf, sizeof(buf) - 1);
		struct pollfd q = {.fd = p[0], .events = POLLIN};
		char got[TICKS + 1];
		int seen = 0;
		while (seen < TICKS && poll(&q, 1, 0) == 1) {
			ssize_t k = read(p[0], got, sizeof(got) - (size_t)seen);
			if (k <= 0)
				break;
			seen += (int)k;
		}
		buf[n > 0 ? n : 0] = 0;
		CHECK(n > 0, "child read %zd bytes: %s", n, n > 0 ? strtok(buf, "\n") : "");
		CHECK(seen == TICKS, "parent's ticks before the child's input: %d of %d", seen,
		      TICKS);
		fflush(stdout);
		_exit(check_failures ? 1 : 0);
	}
	close(p[0]);
	for (int i = 1; i <= TICKS; i++) {
		compute();
		printf("parent tick %d\n", i);
		fflush(stdout);
		if (write(p[1], "t", 1) != 1)
			printf("FAIL: write to the child\n");
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the child exited with 0");
	return check_exit();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "thread"))
		return threaded(NULL);
	if (!strcmp(mode, "poll") || !strcmp(mode, "select") || !strcmp(mode, "epoll"))
		return threaded(mode);
	if (!strcmp(mode, "fork"))
		return forked();
	fprintf(stderr, "usage: stdin_wait thread|fork|poll|select|epoll\n");
	return 2;
}
