/* waiting: time, waiting and signals between threads (issue 14), one mode a run.
 *   timers   alarm and setitimer with handlers, pause, getitimer, a signal
 *            reaching a loop that makes no system call
 *   sleep    nanosleep and clock_nanosleep (relative, TIMER_ABSTIME on both
 *            clocks), EINTR with the time left, EINVAL
 *   futex    EAGAIN on a changed word, timeouts (relative WAIT, absolute
 *            WAIT_BITSET), EINVAL, wake counts, CMP_REQUEUE, WAKE_OP
 *   io       poll, select, epoll (level and edge) and eventfd on a pipe to
 *            ourselves, and a thread that makes them ready while we block
 *   timerfd  timerfd: nonblocking and blocking reads, poll and epoll, intervals,
 *            TFD_TIMER_ABSTIME, gettime, EINVAL
 *   tsignal  tgkill to a thread runs the handler there, on that thread's
 *            sigaltstack; kill to the process reaches the thread that does
 *            not block it; rt_sigtimedwait takes a blocked signal or times out
 * Only deterministic lines are printed. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* <linux/futex.h>'s values (musl-gcc has no kernel headers). */
#define FUTEX_WAIT                0
#define FUTEX_WAKE                1
#define FUTEX_CMP_REQUEUE         4
#define FUTEX_WAKE_OP             5
#define FUTEX_WAIT_BITSET         9
#define FUTEX_PRIVATE_FLAG        128
#define FUTEX_WAIT_PRIVATE        (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE        (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE     (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY    0xffffffff
#define FUTEX_OP_ADD              1
#define FUTEX_OP_CMP_EQ           0
#define FUTEX_OP(op, oparg, cmp, cmparg)                                                           \
	(((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa = {0};
	sa.sa_handler = fn;
	sigaction(sig, &sa, 0);
}

static void mode_timers(void)
{
	handle(SIGALRM, on_alarm);
	CHECK(alarm(5) == 0, "alarm: nothing was armed");
	unsigned left = alarm(0);
	CHECK(left == 5 || left == 4, "alarm(0) returns what was left");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct itimerval it = {{0, 20000}, {0, 20000}};
	CHECK(setitimer(ITIMER_REAL, &it, 0) == 0, "setitimer 20 ms interval");
	int odd = 0; /* how many pauses there are depends on the load: not printed */
	while (alarms < 5)
		odd += !(pause() == -1 && errno == EINTR);
	CHECK(odd == 0, "every pause ended with EINTR");
	it = (struct itimerval){{0, 0}, {0, 0}};
	struct itimerval old;
	setitimer(ITIMER_REAL, &it, &old);
	CHECK(old.it_interval.tv_usec == 20000, "the old interval comes back");
	CHECK(ms_since(&t0) >= 90, "5 expiries took at least 90 ms");
	getitimer(ITIMER_REAL, &old);
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0, "disarmed");
	/* A loop without system calls still gets its signal. */
	alarms = 0;
	it = (struct itimerval){{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, 0);
	while (!alarms)
		;
	CHECK(alarms == 1, "the spinning loop got SIGALRM");
	/* The CPU-time timers count while we spin. */
	static const int cpu_timers[2][2] = {{ITIMER_VIRTUAL, SIGVTALRM}, {ITIMER_PROF, SIGPROF}};
	for (int i = 0; i < 2; i++) {
		alarms = 0;
		handle(cpu_timers[i][1], on_alarm);
		it = (struct itimerval){{0, 0}, {0, 30000}};
		CHECK(setitimer(cpu_timers[i][0], &it, 0) == 0, "setitimer %s 30 ms",
		      i ? "ITIMER_PROF" : "ITIMER_VIRTUAL");
		while (!alarms)
			;
		CHECK(alarms == 1, "the spinning loop got %s", i ? "SIGPROF" : "SIGVTALRM");
	}
	CHECK(setitimer(5, &it, 0) == -1 && errno == EINVAL, "setitimer bad which: EINVAL");
}

static void mode_sleep(void)
{
	struct timespec t0, d = {0, 50000000}, rem;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(nanosleep(&d, 0) == 0, "nanosleep 50 ms");
	CHECK(ms_since(&t0) >= 50, "slept at least 50 ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &d, 0) == 0, "clock_nanosleep relative");
	CHECK(ms_since(&t0) >= 50, "slept at least 50 ms again");
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_nsec += 40000000;
	if (at.tv_nsec >= 1000000000)
		at.tv_sec++, at.tv_nsec -= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, 0) == 0,
	      "TIMER_ABSTIME monotonic");
	CHECK(ms_since(&t0) >= 39, "until the absolute time");
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_nsec += 40000000;
	if (at.tv_nsec >= 1000000000)
		at.tv_sec++, at.tv_nsec -= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, 0) == 0,
	      "TIMER_ABSTIME realtime");
	CHECK(ms_since(&t0) >= 30, "until the absolute realtime");
	handle(SIGALRM, on_alarm);
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, 0);
	struct timespec longer = {5, 0};
	int r = nanosleep(&longer, &rem);
	CHECK(r == -1 && errno == EINTR, "SIGALRM interrupts nanosleep: %s", errno_name(errno));
	CHECK(rem.tv_sec >= 3 && rem.tv_sec <= 4, "the time left comes back");
	struct timespec bad = {0, 1000000000};
	CHECK(nanosleep(&bad, 0) == -1 && errno == EINVAL, "tv_nsec 1e9: EINVAL");
}

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts, uint32_t *w2,
                  uint32_t val3)
{
	return syscall(SYS_futex, w, op, val, ts, w2, val3);
}

static uint32_t f1, f2;

static void *waiter(void *arg)
{
	uint32_t *w = arg;
	long r = futex(w, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	return (void *)r;
}

/* Yields until n threads are queued on *w: a wake before a waiter is queued
 * finds nobody (and the waiter then sleeps for good).  A fixed number of
 * yields is not enough on a loaded host, where Linux may run the new thread on
 * the other CPU, or not for a while.  They are counted by a requeue that wakes
 * none and moves all onto the same word, which changes nothing (on Linux and
 * ExOS alike); EAGAIN (the word moved) just looks again. */
static void wait_for_waiters(uint32_t *w, long n)
{
	while (futex(w, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT32_MAX, w, *w) < n)
		sched_yield();
}

static void mode_futex(void)
{
	uint32_t w = 1;
	struct timespec t0, rel = {0, 30000000};
	CHECK(futex(&w, FUTEX_WAIT, 0, 0, 0, 0) == -1 && errno == EAGAIN, "value changed: EAGAIN");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(futex(&w, FUTEX_WAIT_PRIVATE, 1, &rel, 0, 0) == -1 && errno == ETIMEDOUT,
	      "relative timeout: ETIMEDOUT");
	CHECK(ms_since(&t0) >= 30, "after 30 ms");
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30000000;
	if (abs.tv_nsec >= 1000000000)
		abs.tv_sec++, abs.tv_nsec -= 1000000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, 0, FUTEX_BITSET_MATCH_ANY) == -1 &&
	              errno == ETIMEDOUT,
	      "absolute bitset timeout: ETIMEDOUT");
	CHECK(ms_since(&t0) >= 29, "at the absolute time");
	CHECK(futex(&w, FUTEX_WAIT_BITSET, 1, 0, 0, 0) == -1 && errno == EINVAL,
	      "bitset 0: EINVAL");
	CHECK(futex((uint32_t *)((char *)&w + 1), FUTEX_WAKE, 1, 0, 0, 0) == -1 && errno == EINVAL,
	      "misaligned: EINVAL");
	struct timespec badts = {0, -1};
	CHECK(futex(&w, FUTEX_WAIT, 1, &badts, 0, 0) == -1 && errno == EINVAL,
	      "bad timeout: EINVAL");
	CHECK(futex(&w, FUTEX_WAKE, 1, 0, 0, 0) == 0, "wake with no waiter: 0");

	pthread_t t[3];
	void *r;
	pthread_create(&t[0], 0, waiter, &f1);
	wait_for_waiters(&f1, 1);
	CHECK(futex(&f1, FUTEX_WAKE_PRIVATE, 5, 0, 0, 0) == 1, "wake: one waiter woken");
	pthread_join(t[0], &r);
	CHECK((long)r == 0, "the waiter returned 0");

	pthread_create(&t[0], 0, waiter, &f1);
	pthread_create(&t[1], 0, waiter, &f1);
	pthread_create(&t[2], 0, waiter, &f1);
	wait_for_waiters(&f1, 3);
	CHECK(futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &f2, 7) == -1 && errno == EAGAIN,
	      "cmp_requeue with a changed word: EAGAIN");
	CHECK(futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &f2, 0) == 2,
	      "cmp_requeue: one woken, one moved");
	CHECK(futex(&f1, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0) == 1, "one left on the first word");
	/* WAKE_OP: f2 += 1, wake 0 on f1, and 1 on f2 if the old value was 0. */
	uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0);
	CHECK(futex(&f1, FUTEX_WAKE_OP_PRIVATE, 0, (void *)1, &f2, op) == 1,
	      "wake_op woke the moved one");
	CHECK(f2 == 1, "wake_op added 1");
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], 0);
}

static int pipefd[2];

static void *late_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	usleep(20000);
	if (fd == pipefd[1])
		write(fd, "x", 1);
	else {
		uint64_t one = 1;
		write(fd, &one, 8);
	}
	return 0;
}

static void mode_io(void)
{
	char c;
	CHECK(pipe(pipefd) == 0, "pipe");
	struct pollfd p[2] = {{pipefd[0], POLLIN, 0}, {pipefd[1], POLLOUT, 0}};
	CHECK(poll(p, 1, 0) == 0, "poll: nothing to read");
	CHECK(poll(p, 1, 20) == 0, "poll: a 20 ms timeout");
	CHECK(poll(p + 1, 1, 0) == 1 && p[1].revents == POLLOUT, "poll: the write end is ready");
	write(pipefd[1], "a", 1);
	CHECK(poll(p, 2, -1) == 2 && p[0].revents == POLLIN, "poll: readable after a write");
	fd_set rs, ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(pipefd[0], &rs);
	FD_SET(pipefd[1], &ws);
	struct timeval tv = {0, 0};
	CHECK(select(pipefd[1] + 1, &rs, &ws, 0, &tv) == 2, "select: both ready");
	read(pipefd[0], &c, 1);
	FD_ZERO(&rs);
	FD_SET(pipefd[0], &rs);
	tv = (struct timeval){0, 20000};
	CHECK(select(pipefd[0] + 1, &rs, 0, 0, &tv) == 0 && !FD_ISSET(pipefd[0], &rs),
	      "select: a 20 ms timeout, the set cleared");
	FD_SET(pipefd[0], &rs);
	struct timespec ts = {0, 10000000};
	CHECK(pselect(pipefd[0] + 1, &rs, 0, 0, &ts, 0) == 0, "pselect: a timeout");
	fd_set bad;
	FD_ZERO(&bad);
	FD_SET(40, &bad);
	CHECK(select(41, &bad, 0, 0, &tv) == -1 && errno == EBADF, "select: a closed fd, EBADF");

	/* A thread makes the pipe readable while we block. */
	pthread_t t;
	pthread_create(&t, 0, late_writer, (void *)(intptr_t)pipefd[1]);
	CHECK(poll(p, 1, -1) == 1 && p[0].revents == POLLIN, "poll woken by another thread");
	pthread_join(t, 0);
	read(pipefd[0], &c, 1);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0, "epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42}, out[4];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev) == 0, "epoll_ctl add");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev) == -1 && errno == EEXIST,
	      "add twice: EEXIST");
	CHECK(epoll_wait(ep, out, 4, 10) == 0, "epoll_wait: a timeout");
	write(pipefd[1], "bc", 2);
	CHECK(epoll_wait(ep, out, 4, -1) == 1 && out[0].data.u64 == 42 && out[0].events == EPOLLIN,
	      "epoll_wait: readable, with its data");
	CHECK(epoll_wait(ep, out, 4, 0) == 1, "level-triggered: again");
	ev.events = EPOLLIN | EPOLLET;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, pipefd[0], &ev) == 0, "epoll_ctl mod to edge-triggered");
	CHECK(epoll_wait(ep, out, 4, 0) == 1, "edge-triggered: the first look reports");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "edge-triggered: no new edge");
	read(pipefd[0], &c, 1);
	read(pipefd[0], &c, 1);
	pthread_create(&t, 0, late_writer, (void *)(intptr_t)pipefd[1]);
	CHECK(epoll_wait(ep, out, 4, -1) == 1, "edge-triggered: woken by another thread's write");
	pthread_join(t, 0);
	read(pipefd[0], &c, 1);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, pipefd[0], 0) == 0, "epoll_ctl del");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, pipefd[0], 0) == -1 && errno == ENOENT,
	      "del twice: ENOENT");

	int efd = eventfd(3, EFD_NONBLOCK);
	uint64_t v = 0;
	CHECK(read(efd, &v, 8) == 8 && v == 3, "eventfd: read the count");
	CHECK(read(efd, &v, 8) == -1 && errno == EAGAIN, "eventfd: empty, EAGAIN");
	CHECK(read(efd, &v, 4) == -1 && errno == EINVAL, "eventfd: short read, EINVAL");
	v = 2;
	write(efd, &v, 8);
	write(efd, &v, 8);
	struct pollfd pe = {efd, POLLIN, 0};
	CHECK(poll(&pe, 1, 0) == 1, "eventfd: poll readable");
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 7};
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 7, "eventfd in epoll");
	CHECK(read(efd, &v, 8) == 8 && v == 4, "eventfd: the sum");
	int sem = eventfd(2, EFD_SEMAPHORE);
	CHECK(read(sem, &v, 8) == 8 && v == 1, "semaphore: 1 at a time");
	CHECK(read(sem, &v, 8) == 8 && v == 1, "semaphore: 1 again");
	pthread_create(&t, 0, late_writer, (void *)(intptr_t)sem);
	CHECK(read(sem, &v, 8) == 8 && v == 1,
	      "semaphore: a blocking read woken by another thread");
	pthread_join(t, 0);
	/* Both are anonymous inodes: mode 0600 with no file type, one link. */
	struct stat st;
	CHECK(fstat(efd, &st) == 0 && st.st_mode == 0600 && st.st_nlink == 1 && st.st_size == 0,
	      "eventfd: fstat as an anonymous inode");
	CHECK(fstat(ep, &st) == 0 && st.st_mode == 0600 && st.st_nlink == 1,
	      "epoll: fstat as an anonymous inode");
	struct statfs sf;
	CHECK(fstatfs(efd, &sf) == 0 && sf.f_type == 0x09041934, "eventfd: on anon_inodefs");
	close(efd);
	close(sem);
	close(ep);
}

static void mode_timerfd(void)
{
	uint64_t n = 0;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	CHECK(fd >= 0, "timerfd_create");
	CHECK(read(fd, &n, 8) == -1 && errno == EAGAIN, "disarmed, nonblocking: EAGAIN");
	struct itimerspec its = {{0, 10000000}, {0, 20000000}}, cur;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(timerfd_settime(fd, 0, &its, 0) == 0, "armed: 20 ms, then every 10 ms");
	struct pollfd p = {fd, POLLIN, 0};
	CHECK(poll(&p, 1, -1) == 1 && p.revents == POLLIN, "poll: readable when it fires");
	CHECK(ms_since(&t0) >= 19, "after 20 ms");
	CHECK(read(fd, &n, 8) == 8 && n >= 1, "read: its expirations");
	CHECK(read(fd, &n, 4) == -1 && errno == EINVAL, "a short read: EINVAL");
	timerfd_gettime(fd, &cur);
	CHECK(cur.it_interval.tv_nsec == 10000000 && cur.it_value.tv_sec == 0, "gettime");
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 5}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	CHECK(epoll_wait(ep, &out, 1, -1) == 1 && out.data.u64 == 5, "epoll: it fires again");
	its = (struct itimerspec){{0, 0}, {0, 0}};
	timerfd_settime(fd, 0, &its, 0);
	read(fd, &n, 8);
	CHECK(epoll_wait(ep, &out, 1, 30) == 0, "disarmed: nothing in 30 ms");
	close(ep);
	close(fd);

	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_nsec += 30000000;
	if (at.tv_nsec >= 1000000000)
		at.tv_sec++, at.tv_nsec -= 1000000000;
	its = (struct itimerspec){{0, 0}, at};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, 0) == 0, "armed at an absolute time");
	CHECK(read(fd, &n, 8) == 8 && n == 1, "a blocking read: one expiration");
	CHECK(ms_since(&t0) >= 29, "at that time");
	close(fd);
	fd = timerfd_create(CLOCK_REALTIME, 0);
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_nsec += 20000000;
	if (at.tv_nsec >= 1000000000)
		at.tv_sec++, at.tv_nsec -= 1000000000;
	its = (struct itimerspec){{0, 0}, at};
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, 0);
	CHECK(read(fd, &n, 8) == 8 && n == 1, "the realtime clock too");
	close(fd);
	CHECK(timerfd_create(12345, 0) == -1 && errno == EINVAL, "a bad clock: EINVAL");
	CHECK(timerfd_settime(0, 0, &its, 0) == -1 && errno == EINVAL, "not a timerfd: EINVAL");
}

static volatile pid_t handler_tid;
static volatile uintptr_t handler_sp;

static void on_usr1(int sig)
{
	(void)sig;
	int here;
	handler_tid = (pid_t)syscall(SYS_gettid);
	handler_sp = (uintptr_t)&here;
}

static volatile pid_t target_tid;
static volatile int target_done;
static char altstack[65536];

static void *target(void *arg)
{
	(void)arg;
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	sigaltstack(&ss, 0);
	target_tid = (pid_t)syscall(SYS_gettid);
	while (!handler_tid)
		sched_yield();
	target_done = 1;
	return 0;
}

static volatile pid_t int_tid, taker_tid;

static void on_int(int sig)
{
	(void)sig;
	int_tid = (pid_t)syscall(SYS_gettid);
}

static void *taker(void *arg)
{
	(void)arg;
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, 0);
	taker_tid = (pid_t)syscall(SYS_gettid);
	while (!int_tid)
		sched_yield();
	return 0;
}

static void *sender(void *arg)
{
	pid_t main_tid = (pid_t)(intptr_t)arg;
	usleep(20000);
	syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2);
	return 0;
}

static void mode_tsignal(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, 0);
	pthread_t t;
	pthread_create(&t, 0, target, 0);
	while (!target_tid)
		sched_yield();
	CHECK(syscall(SYS_tgkill, getpid(), target_tid, SIGUSR1) == 0, "tgkill to a thread");
	pthread_join(t, 0);
	CHECK(handler_tid == target_tid, "the handler ran in that thread");
	CHECK(handler_sp >= (uintptr_t)altstack &&
	              handler_sp < (uintptr_t)altstack + sizeof(altstack),
	      "on that thread's sigaltstack");
	stack_t mine;
	sigaltstack(0, &mine);
	CHECK(mine.ss_flags == SS_DISABLE, "the main thread has no altstack");
	CHECK(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1) == -1 && errno == ESRCH,
	      "no such tid: ESRCH");

	handle(SIGINT, on_int);
	sigset_t intset;
	sigemptyset(&intset);
	sigaddset(&intset, SIGINT);
	sigprocmask(SIG_BLOCK, &intset, 0);
	pthread_create(&t, 0, taker, 0);
	while (!taker_tid)
		sched_yield();
	CHECK(kill(getpid(), SIGINT) == 0, "kill to the process, which we block");
	pthread_join(t, 0);
	CHECK(int_tid == taker_tid, "the thread that does not block it took it");
	sigprocmask(SIG_UNBLOCK, &intset, 0);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, 0);
	struct timespec ts = {0, 20000000};
	CHECK(sigtimedwait(&set, 0, &ts) == -1 && errno == EAGAIN,
	      "sigtimedwait: a timeout, EAGAIN");
	pthread_create(&t, 0, sender, (void *)(intptr_t)syscall(SYS_gettid));
	siginfo_t si;
	ts.tv_sec = 5;
	CHECK(sigtimedwait(&set, &si, &ts) == SIGUSR2 && si.si_signo == SIGUSR2,
	      "sigtimedwait takes the blocked signal another thread sent");
	pthread_join(t, 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "timers"))
		mode_timers();
	else if (!strcmp(m, "sleep"))
		mode_sleep();
	else if (!strcmp(m, "futex"))
		mode_futex();
	else if (!strcmp(m, "io"))
		mode_io();
	else if (!strcmp(m, "timerfd"))
		mode_timerfd();
	else if (!strcmp(m, "tsignal"))
		mode_tsignal();
	else {
		fprintf(stderr, "usage: waiting timers|sleep|futex|io|timerfd|tsignal\n");
		return 2;
	}
	return check_exit();
}
