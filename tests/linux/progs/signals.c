/* signals: a SIGSEGV handler that repairs the fault with mprotect and returns (si_addr,
 * si_code SEGV_ACCERR), SEGV_MAPERR on an unmapped page left with siglongjmp, SIGFPE
 * on integer division by zero (si_code FPE_INTDIV) left with siglongjmp, raise() with a
 * handler, a blocked signal that stays pending until unblocked, and SIG_IGN. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

static unsigned char *page;
static long pgsz;
static volatile int segv_count, segv_code, segv_addr_ok, fpe_code, usr1_count;
static sigjmp_buf jb;
static volatile int jump_on_segv;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	segv_count++;
	segv_code = si->si_code;
	if (jump_on_segv)
		siglongjmp(jb, 1);
	segv_addr_ok = sig == SIGSEGV && (unsigned char *)si->si_addr >= page &&
		       (unsigned char *)si->si_addr < page + pgsz;
	if (mprotect(page, pgsz, PROT_READ | PROT_WRITE) != 0)
		_exit(99);
}

static void on_fpe(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fpe_code = si->si_code;
	siglongjmp(jb, 2);
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

/* usage: signals [segv|fpe|raise]... (default: all three parts, in that order) */
int main(int argc, char **argv)
{
	int all = argc < 2, do_segv = all, do_fpe = all, do_raise = all;
	for (int i = 1; i < argc; i++) {
		do_segv |= !strcmp(argv[i], "segv");
		do_fpe |= !strcmp(argv[i], "fpe");
		do_raise |= !strcmp(argv[i], "raise");
	}
	pgsz = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (!do_segv)
		goto fpe;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SIGSEGV");

	page = mmap(NULL, pgsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED, "mmap a page");
	page[0] = 1;
	for (int round = 0; round < 3; round++) {
		CHECK(mprotect(page, pgsz, PROT_NONE) == 0, "mprotect PROT_NONE (round %d)", round);
		segv_addr_ok = 0;
		((volatile unsigned char *)page)[100 + round] = (unsigned char)(42 + round);
		CHECK(segv_count == round + 1, "the write faulted once (round %d)", round);
		CHECK(segv_addr_ok, "si_addr is inside the page (round %d)", round);
		CHECK(segv_code == SEGV_ACCERR, "si_code is SEGV_ACCERR (round %d, got %d)", round, segv_code);
		CHECK(page[100 + round] == 42 + round, "the write completed after the handler returned");
	}
	/* a write to a read-only page */
	CHECK(mprotect(page, pgsz, PROT_READ) == 0, "mprotect PROT_READ");
	((volatile unsigned char *)page)[7] = 7;
	CHECK(segv_count == 4 && segv_code == SEGV_ACCERR && page[7] == 7,
	      "write to a read-only page: SEGV_ACCERR, repaired");

	/* an unmapped address: SEGV_MAPERR, leave the handler with siglongjmp */
	unsigned char *gone = mmap(NULL, pgsz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, pgsz);
	jump_on_segv = 1;
	if (sigsetjmp(jb, 1) == 0) {
		(void)*(volatile unsigned char *)gone;
		CHECK(0, "the read of an unmapped page did not fault");
	} else {
		CHECK(segv_code == SEGV_MAPERR, "unmapped page: SEGV_MAPERR (got %d)", segv_code);
	}
	jump_on_segv = 0;

fpe:
	if (!do_fpe)
		goto raise;
	/* SIGFPE from integer division by zero and from INT64_MIN / -1 */
	sa.sa_sigaction = on_fpe;
	CHECK(sigaction(SIGFPE, &sa, NULL) == 0, "sigaction SIGFPE");
	volatile int zero = 0, ten = 10;
	volatile long lmin = INT64_MIN, minus1 = -1;
	volatile int r = 0;
	(void)r;
	if (sigsetjmp(jb, 1) == 0) {
		r = ten / zero;
		CHECK(0, "10 / 0 did not trap (%d)", r);
	} else {
		CHECK(fpe_code == FPE_INTDIV, "10 / 0: SIGFPE with FPE_INTDIV (got %d)", fpe_code);
	}
	fpe_code = 0;
	if (sigsetjmp(jb, 1) == 0) {
		r = (int)(lmin / minus1);
		CHECK(0, "INT64_MIN / -1 did not trap");
	} else {
		CHECK(fpe_code == FPE_INTDIV, "INT64_MIN / -1: SIGFPE with FPE_INTDIV (got %d)", fpe_code);
	}
	/* the signal mask was restored by siglongjmp: SIGFPE is deliverable again */
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGFPE) && !sigismember(&cur, SIGSEGV),
	      "siglongjmp restored the signal mask");

raise:
	if (!do_raise)
		return check_exit();
	/* raise, block, pending, unblock */
	CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR, "signal(SIGUSR1)");
	CHECK(raise(SIGUSR1) == 0 && usr1_count == 1, "raise(SIGUSR1) ran the handler");
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0, "block SIGUSR1");
	raise(SIGUSR1);
	CHECK(usr1_count == 1, "blocked SIGUSR1 not delivered");
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "SIGUSR1 is pending");
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "unblock SIGUSR1");
	CHECK(usr1_count == 2, "SIGUSR1 delivered on unblock");
	CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR && raise(SIGUSR2) == 0, "ignored SIGUSR2 is harmless");
	struct sigaction q;
	CHECK(sigaction(SIGUSR1, NULL, &q) == 0 && q.sa_handler == on_usr1, "sigaction reads back the handler");
	errno = 0;
	CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "sigaction(SIGKILL) is EINVAL (%s)",
	      errno_name(errno));
	return check_exit();
}
