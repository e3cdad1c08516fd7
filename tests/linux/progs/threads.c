/* threads: pthreads as a program uses them (issue 14), one mode per run.
 *   sum      4 threads sum quarters of an array; the total and each part
 *   mutex    4 threads increment one counter 20000 times each under a mutex
 *   condvar  two threads ping-pong 500 times through a condition variable
 *   join     threads exit through return, pthread_exit and after a detach;
 *            join returns their values; gettid differs from getpid in them
 *   spin     a thread spins until the main thread, which must still get the
 *            CPU (preemption), sets a flag; then the FPU state is each one's
 *   tls      __thread variables are each thread's own
 *   fpu      two threads in different SSE rounding modes, switched often,
 *            keep their own (MXCSR and the registers are per thread)
 *   sites    threads make system calls at sites no thread ran before (ExOS
 *            rewrites each on its first call) while others exit and are
 *            joined, then at the rewritten sites; FPU state survives
 * Only deterministic lines are printed. */
#include <fenv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define N 400000

static long array[N];

struct part {
	int index;
	long sum;
};

static void *sum_part(void *arg)
{
	struct part *p = arg;
	for (int i = p->index * (N / 4); i < (p->index + 1) * (N / 4); i++)
		p->sum += array[i];
	return 0;
}

static void mode_sum(void)
{
	for (int i = 0; i < N; i++)
		array[i] = i % 1000;
	pthread_t t[4];
	struct part p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = (struct part){.index = i};
		CHECK(pthread_create(&t[i], 0, sum_part, &p[i]) == 0, "create %d", i);
	}
	long total = 0;
	for (int i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], 0) == 0, "join %d", i);
		printf("part %d: %ld\n", i, p[i].sum);
		total += p[i].sum;
	}
	printf("total: %ld\n", total);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&lock);
		long v = counter;
		if ((i & 255) == 0)
			sched_yield(); /* contention: the others find it locked */
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

static void mode_mutex(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], 0, add_many, 0) == 0, "create %d", i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], 0);
	printf("counter: %ld\n", counter);
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn, rounds;

static void *pong(void *arg)
{
	int me = (int)(intptr_t)arg;
	pthread_mutex_lock(&lock);
	while (rounds < 1000) {
		while (turn != me && rounds < 1000)
			pthread_cond_wait(&cond, &lock);
		if (rounds >= 1000)
			break;
		rounds++;
		turn = 1 - me;
		pthread_cond_broadcast(&cond);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static void mode_condvar(void)
{
	pthread_t a, b;
	pthread_create(&a, 0, pong, (void *)0);
	pthread_create(&b, 0, pong, (void *)1);
	pthread_join(a, 0);
	pthread_join(b, 0);
	printf("rounds: %d, turn: %d\n", rounds, turn);
}

static void *returns(void *arg)
{
	return (void *)((intptr_t)arg * 2);
}

static void *exits(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	CHECK(tid != getpid(), "a thread's tid is not the pid");
	pthread_exit((void *)((intptr_t)arg + 100));
}

static volatile int detached_ran;

static void *detached(void *arg)
{
	(void)arg;
	detached_ran = 1;
	return 0;
}

static void mode_join(void)
{
	CHECK(syscall(SYS_gettid) == getpid(), "the main thread's tid is the pid");
	for (int round = 0; round < 20; round++) {
		pthread_t a, b;
		void *ra, *rb;
		pthread_create(&a, 0, returns, (void *)(intptr_t)round);
		pthread_create(&b, 0, exits, (void *)(intptr_t)round);
		pthread_join(a, &ra);
		pthread_join(b, &rb);
		if ((intptr_t)ra != round * 2 || (intptr_t)rb != round + 100)
			CHECK(0, "round %d: %ld %ld", round, (long)(intptr_t)ra,
			      (long)(intptr_t)rb);
	}
	printf("20 rounds joined\n");
	pthread_t d;
	pthread_create(&d, 0, detached, 0);
	pthread_detach(d);
	while (!detached_ran)
		sched_yield();
	CHECK(detached_ran, "the detached thread ran");
}

static volatile int stop, spinner_started;
static volatile double spin_acc;

static void *spinner(void *arg)
{
	(void)arg;
	double x = 1.0; /* in an SSE register across preemptions */
	spinner_started = 1;
	while (!stop)
		x = x * 1.0000001 + 0.5;
	spin_acc = x > 1.0;
	return 0;
}

static void mode_spin(void)
{
	pthread_t t;
	double mine = 3.0;
	pthread_create(&t, 0, spinner, 0);
	while (!spinner_started)
		; /* spins too: the spinner must get the CPU from us as well */
	for (int i = 0; i < 1000000; i++)
		mine = mine * 1.0 + 0.0;
	stop = 1;
	pthread_join(t, 0);
	CHECK(spin_acc == 1.0, "the spinner ran and stopped");
	CHECK(mine == 3.0, "our FPU state is our own");
}

static __thread int tls_value = 7;

static void *tls_thread(void *arg)
{
	tls_value = (int)(intptr_t)arg;
	for (int i = 0; i < 100; i++)
		sched_yield();
	return (void *)(intptr_t)tls_value;
}

static void mode_tls(void)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], 0, tls_thread, (void *)(intptr_t)(i + 10));
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(t[i], &r);
		printf("thread %d: tls %d\n", i, (int)(intptr_t)r);
	}
	printf("main: tls %d\n", tls_value);
}

static volatile double third_num = 1.0, third_den = 3.0;
static volatile int fpu_bad[2];

/* Not inlined: the compiler must not move the division across fesetround. */
__attribute__((noinline)) static double third(void)
{
	return third_num / third_den;
}

/* Divides in rounding mode `mode` many times, yielding between, and counts
 * results that are not what that mode gives. */
static void *fpu_worker(void *arg)
{
	int i = (int)(intptr_t)arg, mode = i ? FE_UPWARD : FE_DOWNWARD;
	fesetround(mode);
	double want = third();
	for (int k = 0; k < 2000; k++) {
		if (third() != want || fegetround() != mode)
			fpu_bad[i]++;
		if (k % 16 == 0)
			sched_yield();
	}
	return 0;
}

static void mode_fpu(void)
{
	fesetround(FE_DOWNWARD);
	double down = third();
	fesetround(FE_UPWARD);
	double up = third();
	fesetround(FE_TONEAREST);
	CHECK(down != up, "the two modes give different thirds");
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], 0, fpu_worker, (void *)(intptr_t)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
	CHECK(fpu_bad[0] == 0 && fpu_bad[1] == 0, "each thread kept its rounding mode (%d, %d)",
	      fpu_bad[0], fpu_bad[1]);
	CHECK(fegetround() == FE_TONEAREST, "and the main thread its own");
}

/* 64 syscall sites, getpid in the form ExOS rewrites into a jump over
 * `syscall` and the instruction after it (rewrite.c's F), one every KiB: the
 * stubs ExOS writes for them land on every page of a 64 KiB bank of stubs. */
#define NSITES      64
#define SITE_STRIDE 1024
extern const char tsites[];
_Static_assert(SYS_getpid == 39, "the number the assembly spells out");
// clang-format off
__asm__(
".text\n"
".balign 1024\n"
"tsites:\n"
".rept 64\n"
"	push $39\n"
"	pop %rax\n"
"	syscall\n"
"	mov %rax, %rdx\n"
"	mov %rdx, %rax\n"
"	ret\n"
"	.balign 1024, 0xcc\n"
".endr\n");
// clang-format on

static long site(int i)
{
	return ((long (*)(void))(uintptr_t)(tsites + i * SITE_STRIDE))();
}

static long pid;

/* Runs the odd sites (first use: the main thread ran only the even ones),
 * each worker in its own order, yielding between calls so that the others
 * run, exit and are joined meanwhile; returns the wrong results seen. */
static void *site_worker(void *arg)
{
	int k = (int)(intptr_t)arg;
	volatile double mine = 1.0 + k; /* FPU state, saved at every switch */
	long bad = 0;
	for (int i = 0; i < NSITES / 2; i++) {
		int s = 2 * ((i * (k + 1) + 5 * k) % (NSITES / 2)) + 1;
		bad += site(s) != pid;
		bad += mine != 1.0 + k;
		if (i % 3 == k % 3)
			sched_yield();
	}
	return (void *)(intptr_t)bad;
}

static void mode_sites(void)
{
	pid = getpid();
	long bad = 0;
	for (int s = 0; s < NSITES; s += 2)
		bad += site(s) != pid;
	CHECK(bad == 0, "the even sites, before any thread");
	pthread_t t[6];
	void *r;
	for (int k = 0; k < 4; k++)
		pthread_create(&t[k], 0, site_worker, (void *)(intptr_t)k);
	for (int k = 0; k < 2; k++) { /* while 2 and 3 go on */
		pthread_join(t[k], &r);
		bad += (intptr_t)r;
	}
	for (int k = 4; k < 6; k++) /* in the places the first two left */
		pthread_create(&t[k], 0, site_worker, (void *)(intptr_t)k);
	for (int s = 0; s < NSITES; s++)
		bad += site(s) != pid;
	for (int k = 2; k < 6; k++) {
		pthread_join(t[k], &r);
		bad += (intptr_t)r;
	}
	CHECK(bad == 0, "the odd sites first run by threads, as others exit: %ld wrong", bad);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "sum"))
		mode_sum();
	else if (!strcmp(m, "mutex"))
		mode_mutex();
	else if (!strcmp(m, "condvar"))
		mode_condvar();
	else if (!strcmp(m, "join"))
		mode_join();
	else if (!strcmp(m, "spin"))
		mode_spin();
	else if (!strcmp(m, "tls"))
		mode_tls();
	else if (!strcmp(m, "fpu"))
		mode_fpu();
	else if (!strcmp(m, "sites"))
		mode_sites();
	else {
		fprintf(stderr, "usage: threads sum|mutex|condvar|join|spin|tls|fpu|sites\n");
		return 2;
	}
	return check_exit();
}
