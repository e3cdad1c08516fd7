/* unmapped: a load or store after munmap raises SIGSEGV with si_code SEGV_MAPERR and
 * si_addr the faulting byte; a load from a PROT_NONE page raises it with SEGV_ACCERR.
 * The handler records the siginfo and jumps back; the program prints what it got as
 * offsets from the mapping, which are the same on every run. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static sigjmp_buf back;
static volatile siginfo_t got;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	got = *si;
	siglongjmp(back, 1);
}

static const char *code_name(int code)
{
	switch (code) {
	case SEGV_MAPERR:
		return "SEGV_MAPERR";
	case SEGV_ACCERR:
		return "SEGV_ACCERR";
	default:
		return "other";
	}
}

/* One access to base + off (store or load); prints the signal it raised. */
static void access_at(const char *what, volatile char *base, long off, int store, int want_code)
{
	memset((void *)&got, 0, sizeof(got));
	if (sigsetjmp(back, 1) == 0) {
		if (store)
			base[off] = 1;
		else
			(void)base[off];
		CHECK(0, "%s: no fault", what);
		return;
	}
	long at = (long)((uintptr_t)got.si_addr - (uintptr_t)base);
	printf("%s: si_signo %s, si_code %s, si_addr base%+ld\n", what,
	       got.si_signo == SIGSEGV ? "SIGSEGV" : "other", code_name(got.si_code), at);
	CHECK(got.si_signo == SIGSEGV && got.si_code == want_code && at == off,
	      "%s faults as expected", what);
}

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "SIGSEGV handler installed");

	char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 4 pages");
	if (p == MAP_FAILED)
		return check_exit();
	for (long i = 0; i < 4 * pg; i += pg)
		p[i] = 7;
	CHECK(munmap(p, 4 * pg) == 0, "munmap 4 pages");
	access_at("load after munmap", p, 2 * pg + 123, 0, SEGV_MAPERR);
	access_at("store after munmap", p, 3 * pg + 4095, 1, SEGV_MAPERR);
	access_at("load of the first byte after munmap", p, 0, 0, SEGV_MAPERR);

	/* a hole punched in the middle: its neighbours stay */
	char *q = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, "mmap 3 pages");
	if (q == MAP_FAILED)
		return check_exit();
	q[0] = 1, q[pg] = 2, q[2 * pg] = 3;
	CHECK(munmap(q + pg, pg) == 0, "munmap the middle page");
	access_at("load from the hole", q, pg + 8, 0, SEGV_MAPERR);
	CHECK(q[0] == 1 && q[2 * pg] == 3, "the pages around the hole keep their contents");

	/* PROT_NONE is mapped but not accessible: SEGV_ACCERR */
	CHECK(mprotect(q, pg, PROT_NONE) == 0, "mprotect PROT_NONE");
	access_at("load from a PROT_NONE page", q, 100, 0, SEGV_ACCERR);
	CHECK(mprotect(q, pg, PROT_READ) == 0, "mprotect back to read-only");
	access_at("store to a read-only page", q, 200, 1, SEGV_ACCERR);
	CHECK(q[0] == 1, "the read-only page kept its contents");

	/* Many pages at once, each written first so that the TLB holds it writable: past
	 * 32 pages the kernel flushes the whole TLB once instead of page by page, and no
	 * page may keep a stale writable or present entry. */
	enum { N = 64 };
	char *r = mmap(NULL, N * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED, "mmap %d pages", N);
	if (r == MAP_FAILED)
		return check_exit();
	for (long i = 0; i < N; i++)
		r[i * pg] = (char)i;
	CHECK(mprotect(r, N * pg, PROT_READ) == 0, "mprotect %d written pages read-only", N);
	for (long i = 0; i < N; i += 9)
		access_at("store to one of many pages made read-only", r, i * pg + 5, 1,
		          SEGV_ACCERR);
	access_at("store to the last of many pages made read-only", r, (N - 1) * pg, 1,
	          SEGV_ACCERR);
	CHECK(mprotect(r, N * pg, PROT_READ | PROT_WRITE) == 0, "mprotect them back");
	int kept = 1;
	for (long i = 0; i < N; i++)
		kept &= r[i * pg] == (char)i, r[i * pg + 1] = 1;
	CHECK(kept, "the %d pages kept their contents and are writable again", N);
	CHECK(munmap(r, N * pg) == 0, "munmap the %d pages", N);
	for (long i = 0; i < N; i += 9)
		access_at("load from one of many pages unmapped", r, i * pg + 7, 0, SEGV_MAPERR);

	/* malloc's pattern: a block mapped, written at both ends, unmapped, and the same
	 * size mapped again, which may land at the same address (exosim keeps such pages
	 * mapped but hidden): the unmapped block faults, the new one reads zero */
	for (int round = 0; round < 2; round++) {
		char *b = mmap(NULL, 50 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		               -1, 0);
		CHECK(b != MAP_FAILED, "mmap 50 pages");
		if (b == MAP_FAILED)
			return check_exit();
		CHECK(b[0] == 0 && b[50 * pg - 1] == 0, "a new block reads zero at both ends");
		b[0] = b[50 * pg - 1] = 9;
		CHECK(munmap(b, 50 * pg) == 0, "munmap the block");
		access_at("load from the first page of an unmapped block", b, 0, 0, SEGV_MAPERR);
		access_at("store to the last page of an unmapped block", b, 50 * pg - 1, 1,
		          SEGV_MAPERR);
	}

	/* a child forked after a block was unmapped faults there too */
	char *c = mmap(NULL, 50 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(c != MAP_FAILED, "mmap 50 pages before fork");
	if (c == MAP_FAILED)
		return check_exit();
	c[0] = c[50 * pg - 1] = 5;
	CHECK(munmap(c, 50 * pg) == 0, "munmap them");
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		signal(SIGSEGV, SIG_DFL);
		(void)((volatile char *)c)[0];
		_exit(1); /* no fault */
	}
	int st = -1;
	CHECK(kid > 0 && waitpid(kid, &st, 0) == kid, "fork a child and wait for it");
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "the child's load from the unmapped block kills it with SIGSEGV (status %d)", st);
	return check_exit();
}
