/* MAP_SHARED|MAP_ANONYMOUS memory across fork: parent and child (and a grandchild) see
 * each other's writes, before and after either one writes; a process-shared pthread mutex
 * and condition variable ping-pong between two processes, and so does a raw futex word
 * (FUTEX_WAIT in one process woken by FUTEX_WAKE in the other); munmap and mprotect in
 * one process leave the other's mapping alone; memory unmapped everywhere is given back
 * (many more maps than fit at once).  ExOS made MAP_SHARED private (copy-on-write like
 * any page at fork) and woke a futex only from its own process.  Prints what Linux
 * reports; compare.sh checks. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define ROUNDS     50
#define FUTEX_WAIT 0 /* linux/futex.h, which musl-gcc does not see */
#define FUTEX_WAKE 1

static void *shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		_exit(1);
	}
	return p;
}

static int wait_child(pid_t p)
{
	int st = 0;
	if (waitpid(p, &st, 0) != p)
		perror("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t child(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0)
		_exit(fn(arg));
	return p;
}

/* ---- plain memory ---- */

static int writer(void *arg)
{
	volatile uint32_t *w = arg;
	int ok = w[0] == 0x1234 && w[1024] == 0x5678; /* the parent's, from before the fork */
	w[0] = 0xabcd;                                /* the first page written first ... */
	w[1024] = 0xef01;                             /* ... the second too */
	return ok ? 0 : 1;
}

static int grandparent_side(void *arg)
{
	volatile uint32_t *w = arg;
	pid_t g = child(writer, arg); /* a grandchild writes w[0], w[1024] */
	int st = wait_child(g);
	w[2] = 7;
	return st;
}

static void memory(void)
{
	volatile uint32_t *w = shared(2 * 4096);
	w[0] = 0x1234, w[1024] = 0x5678;
	CHECK(wait_child(child(writer, (void *)w)) == 0, "the child saw what the parent wrote");
	CHECK(w[0] == 0xabcd && w[1024] == 0xef01, "the parent sees what the child wrote");

	w[0] = 0x1234, w[1024] = 0x5678;
	CHECK(wait_child(child(grandparent_side, (void *)w)) == 0,
	      "a grandchild saw what its grandparent wrote");
	CHECK(w[0] == 0xabcd && w[1024] == 0xef01 && w[2] == 7,
	      "the grandparent sees the grandchild's and the child's writes");

	/* private memory stays private */
	static volatile int priv = 1;
	pid_t p = fork();
	if (p == 0) {
		priv = 2;
		_exit(0);
	}
	wait_child(p);
	CHECK(priv == 1, "private memory is still copied at fork");
	munmap((void *)w, 2 * 4096);
}

/* The child unmaps one page and makes the other read-only: the parent's stay. */
static int unmapper(void *arg)
{
	volatile uint32_t *w = arg;
	munmap((void *)w, 4096);
	mprotect((void *)(w + 1024), 4096, PROT_READ);
	return w[1024] == 5 ? 0 : 1;
}

static void unmap_protect(void)
{
	volatile uint32_t *w = shared(2 * 4096);
	w[1024] = 5;
	CHECK(wait_child(child(unmapper, (void *)w)) == 0, "the child unmapped and protected");
	w[0] = 1, w[1024] = 6;
	CHECK(w[0] == 1 && w[1024] == 6, "the parent's mapping is still there, writable");
	/* a hole in the middle: the pages on either side stay shared */
	volatile uint32_t *x = shared(3 * 4096);
	munmap((void *)(x + 1024), 4096);
	pid_t p = fork();
	if (p == 0) {
		x[0] = 11, x[2048] = 22;
		_exit(0);
	}
	wait_child(p);
	CHECK(x[0] == 11 && x[2048] == 22, "both sides of a hole stay shared");
	munmap((void *)w, 2 * 4096);
	munmap((void *)x, 3 * 4096);
}

/* Much more than the VM's shared region holds at once, a piece at a time. */
static void churn(void)
{
	int ok = 1;
	for (int i = 0; i < 300 && ok; i++) {
		size_t len = 128 << 10;
		char *p =
		        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			ok = 0;
			break;
		}
		ok = p[0] == 0 && p[len - 1] == 0; /* fresh memory is zero */
		p[0] = p[len - 1] = 1;
		munmap(p, len);
	}
	CHECK(ok, "300 maps of 128 KiB, each unmapped: memory comes back zeroed");
}

/* ---- a process-shared mutex and condition variable ---- */

struct pingpong {
	pthread_mutex_t m;
	pthread_cond_t c;
	int turn; /* 0: the parent's, 1: the child's */
	int count;
};

static int ponger(void *arg)
{
	struct pingpong *pp = arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp->m);
		while (pp->turn != 1)
			pthread_cond_wait(&pp->c, &pp->m);
		pp->count++;
		pp->turn = 0;
		pthread_cond_signal(&pp->c);
		pthread_mutex_unlock(&pp->m);
	}
	return 0;
}

static void condvar(void)
{
	struct pingpong *pp = shared(sizeof(*pp));
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&pp->m, &ma);
	pthread_cond_init(&pp->c, &ca);
	pid_t p = child(ponger, pp);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pp->m);
		while (pp->turn != 0)
			pthread_cond_wait(&pp->c, &pp->m);
		pp->count++;
		pp->turn = 1;
		pthread_cond_signal(&pp->c);
		pthread_mutex_unlock(&pp->m);
	}
	pthread_mutex_lock(&pp->m);
	while (pp->turn != 0)
		pthread_cond_wait(&pp->c, &pp->m);
	pthread_mutex_unlock(&pp->m);
	CHECK(wait_child(p) == 0 && pp->count == 2 * ROUNDS,
	      "a process-shared mutex and condvar: %d turns", pp->count);
}

/* ---- a raw futex ---- */

static long futex(volatile uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* Waits until *w == want, then sets it to next and wakes the other side. */
static void turn(volatile uint32_t *w, uint32_t want, uint32_t next)
{
	uint32_t v;
	while ((v = __atomic_load_n(w, __ATOMIC_SEQ_CST)) != want)
		futex(w, FUTEX_WAIT, v);
	__atomic_store_n(w, next, __ATOMIC_SEQ_CST);
	futex(w, FUTEX_WAKE, 1);
}

static int futex_side(void *arg)
{
	volatile uint32_t *w = arg;
	for (uint32_t i = 0; i < ROUNDS; i++)
		turn(w, 2 * i + 1, 2 * i + 2);
	return 0;
}

static void raw_futex(void)
{
	volatile uint32_t *w = shared(4096);
	pid_t p = child(futex_side, (void *)w);
	for (uint32_t i = 0; i < ROUNDS; i++)
		turn(w, 2 * i, 2 * i + 1);
	turn(w, 2 * ROUNDS, 2 * ROUNDS);
	CHECK(wait_child(p) == 0 && *w == 2 * ROUNDS, "a futex word ping-pong: %u", *w);
	/* a waiter with a stale value returns at once */
	errno = 0;
	CHECK(futex(w, FUTEX_WAIT, 12345) == -1 && errno == EAGAIN, "a stale FUTEX_WAIT: EAGAIN");
}

int main(void)
{
	memory();
	unmap_protect();
	churn();
	condvar();
	raw_futex();
	return check_exit();
}
