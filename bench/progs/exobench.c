// exobench: the benchmark program of bench/suite.sh.  One static musl binary that runs
// natively and, unchanged, under exosim (ExOS serves its Linux system calls), so both
// sides run the same instructions.  Each benchmark is one operation repeated:
//
//   nullproc   a call to an empty function through a pointer (the control)
//   getpid     syscall(SYS_getpid): no libc caching
//   kcall      the exokernel's null call through its gate (ExOS only: needs the
//              EXOS_AT_KINFO auxv entry, <exos/auxv.h>)
//   segv       exception dispatch: a load from a PROT_NONE page, a SIGSEGV handler
//              that steps over the load, sigreturn
//   prot1      mprotect one page read-only            (Appel & Li, ASPLOS '91)
//   prot100    mprotect 100 pages read-only in one call
//   unprot100  mprotect 100 read-only pages read-write in one call
//   trap       a write to a read-only page; the handler unprotects that page and
//              returns, the write completes
//   appel1     a write to a random protected page; the handler protects another page
//              and unprotects the faulting one (per fault)
//   appel2     protect 100 pages, write them in random order; the handler unprotects
//              each faulting page (per page: prot100/100 + trap)
//   pipe       a 1-byte round trip between two processes over two pipes (fork)
//   pipe1      write 1 byte into a pipe and read it back, one process: the pipe's cost
//              without a context switch
//   unixsock   a 1-byte round trip between two processes over an AF_UNIX stream
//              socketpair (fork)
//   fork       fork, the child _exits at once, waitpid
//   forkexec   fork, the child execs this program (/proc/self/exe --exit, a static
//              musl program that returns at once from main), waitpid
//   matmul     a 300x300 double matrix multiply, checked
//   touch      first touch of fresh anonymous memory: one store to each page of a new
//              16 MiB mmap (per page).  Each run maps a region never used before and
//              keeps it, so no run reuses another's pages: --runs N needs N x 16 MiB.
//              No calibration or warm-up run (they would use up fresh regions).
//   retouch    the same after munmap and mmap of the same size: what a program that
//              frees and maps again pays (per page)
//   munmap     munmap of a touched 16 MiB region (per page); then a load from it must
//              fault
//   mprotect   mprotect of a touched 16 MiB region to read-only (per page); then a
//              store to it must fault
//   malloc     malloc/free churn: 1024 slots, each operation frees a random slot's
//              block or allocates one of a realistic mix of sizes (60% up to 128 B,
//              30% up to 2 KiB, 9% up to 32 KiB, 1% 64-256 KiB, which both musl and
//              glibc serve from mmap at first) and writes its first and last byte;
//              the same source is built with glibc as exobench-glibc
//   stdin      read stdin to its end in 64 KiB reads, timed from the first read to
//              the end of file (one operation: the whole stream; start-up is not in
//              it).  Stdin can be read once, so run it with --runs 1, once per process;
//              it prints the bytes it read as a '# stdin_bytes=N' line.
//   none       nothing: the baseline for whole-run counters (VM exits)
//   spawn      (host side) posix_spawn CMD and wait for it: boot-to-exit of exosim
//
// Timing: rdtsc around the timed part of each operation (untimed parts, such as putting
// 100 pages back, are amortised resets and said so above), converted to ns with a TSC
// rate measured against CLOCK_MONOTONIC.  The operations per run are picked so that a
// run lasts about --target-ms; one warm-up run, then --runs runs.  Under ExOS the kernel's
// crossing and upcall counters (struct exo_kinfo) are read around the same timed parts.
//
// usage: exobench [--runs N] [--target-ms MS] BENCH
//        exobench [--runs N] [--stdin FILE] spawn NAME CMD [ARGS...]
// (--stdin: the spawned command's stdin is FILE; its stdout is always /dev/null.)
// Output: '#' comment lines, then CSV with a header:
//   bench,median_ns,min_ns,max_ns,ops_per_run,runs,ops_total,crossings_per_op,upcalls_per_op
// (the last two are empty natively).  Exit status: 0; 1 the benchmark failed (one line
// on stderr saying why); 2 bad usage; 3 the benchmark does not exist on this side.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/syscall.h>
#include <exos/auxv.h>

#include "clock.h"

#define MAX_RUNS   1000
#define PAGE       4096
#define NPAGES     100
#define MATRIX_N   300
#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define EXIT_NA    3

extern char **environ;

static const volatile struct exo_kinfo *kinfo; // non-NULL under ExOS

// ---------------------------------------------------------------- timing

// What the timed parts of one run cost: TSC cycles and, under ExOS, kernel events.
static struct account {
	uint64_t cycles, crossings, upcalls;
	uint64_t t0, c0, u0;
} acc;

// Not inlined, and not static: bench/suite.sh gives their addresses (from `nm`) to the
// QEMU plugin bench/insn_count.c, which counts the instructions between the first
// instruction of timed_begin and the first of timed_end.
__attribute__((noinline)) void timed_begin(void);
__attribute__((noinline)) void timed_end(void);

void timed_begin(void)
{
	if (kinfo) {
		acc.c0 = kinfo->syscalls;
		acc.u0 = kinfo->upcalls;
	}
	acc.t0 = rdtsc();
}

void timed_end(void)
{
	acc.cycles += rdtsc() - acc.t0;
	if (kinfo) {
		acc.crossings += kinfo->syscalls - acc.c0;
		acc.upcalls += kinfo->upcalls - acc.u0;
	}
}

static _Noreturn void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("exobench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_FAIL);
}

// ---------------------------------------------------------------- the control

static long null_proc(long x)
{
	return x;
}
static long (*volatile null_proc_ptr)(long) = null_proc;
static volatile long sink;

static void op_nullproc(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++)
		sink += null_proc_ptr(i);
	timed_end();
}

// ---------------------------------------------------------------- system calls

static void op_getpid(long n)
{
	pid_t me = getpid();
	timed_begin();
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getpid) != me)
			fail("getpid: wrong answer");
	timed_end();
}

// The exokernel's null call through its gate, as <exos/sys.h> makes it.  musl code may
// keep data in the red zone, which the gate's `call` would overwrite: step over it.
static long exo_gate_null(void)
{
	long ret;
	__asm__ volatile("sub $128, %%rsp\n\t"
	                 "call *%[gate]\n\t"
	                 "add $128, %%rsp"
	                 : "=a"(ret)
	                 : "0"((long)EXO_SYS_NULL), [gate] "r"(EXO_GATE_SYSCALL)
	                 : "rcx", "r11", "rdi", "rsi", "rdx", "r8", "r9", "r10", "memory", "cc");
	return ret;
}

static int setup_kcall(void)
{
	return kinfo ? 0 : EXIT_NA;
}

static void op_kcall(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++)
		if (exo_gate_null() != 0)
			fail("kcall: the null call failed");
	timed_end();
}

// ---------------------------------------------------------------- faults

static char *pages;                    // NPAGES pages, for segv and the Appel-Li suite
static char *fault_base;               // the handler's faults are in [fault_base,
static size_t fault_len;               //                              fault_base + fault_len)
static volatile long faults;           // faults handled since the last reset
static volatile int handler_job;       // what the SIGSEGV handler does
static volatile long unprotected = -1; // appel1: the one page left writable

enum { JOB_NONE, JOB_SKIP_LOAD, JOB_UNPROTECT, JOB_SWAP };

// probe_load(p), probe_store(p): one load from p or one store to it, at a known address,
// so the handler can step over it.
extern char probe_load_insn[], probe_load_done[], probe_store_insn[], probe_store_done[];
void probe_load(const volatile char *p);
void probe_store(volatile char *p);
__asm__(".text\n"
        ".globl probe_load\n"
        "probe_load:\n"
        ".globl probe_load_insn\n"
        "probe_load_insn: movb (%rdi), %al\n"
        ".globl probe_load_done\n"
        "probe_load_done: ret\n"
        ".globl probe_store\n"
        "probe_store:\n"
        ".globl probe_store_insn\n"
        "probe_store_insn: movb $5, (%rdi)\n"
        ".globl probe_store_done\n"
        "probe_store_done: ret\n");

static char *page_at(long i)
{
	return pages + i * PAGE;
}

static void protect(long first, long count, int prot)
{
	if (mprotect(page_at(first), (size_t)count * PAGE, prot) != 0)
		fail("mprotect: %s", strerror(errno));
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uintptr_t a = (uintptr_t)si->si_addr, base = (uintptr_t)fault_base;
	long page = a >= base && a < base + fault_len ? (long)((a - base) / PAGE) : -1;

	if (page < 0 || handler_job == JOB_NONE) {
		signal(sig, SIG_DFL); // not ours: let the fault kill us on the way back
		return;
	}
	faults++;
	switch (handler_job) {
	case JOB_SKIP_LOAD: // or the store
		if (uc->uc_mcontext.gregs[REG_RIP] == (greg_t)(uintptr_t)probe_load_insn) {
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)probe_load_done;
		} else if (uc->uc_mcontext.gregs[REG_RIP] == (greg_t)(uintptr_t)probe_store_insn) {
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)probe_store_done;
		} else {
			signal(sig, SIG_DFL);
			return;
		}
		break;
	case JOB_SWAP:
		if (unprotected >= 0)
			protect(unprotected, 1, PROT_READ);
		unprotected = page;
		// fall through
	case JOB_UNPROTECT:
		protect(page, 1, PROT_READ | PROT_WRITE);
		break;
	}
}

static void catch_segv(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0)
		fail("sigaction: %s", strerror(errno));
}

static int setup_pages(void)
{
	pages = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	             0);
	if (pages == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	for (long i = 0; i < NPAGES; i++)
		page_at(i)[0] = 1; // present, so protecting it changes a real mapping
	fault_base = pages;
	fault_len = NPAGES * PAGE;
	catch_segv();
	return 0;
}

static void expect_faults(long want)
{
	if (faults != want)
		fail("%ld faults handled, %ld expected", (long)faults, want);
	faults = 0;
}

static int setup_segv(void)
{
	setup_pages();
	protect(0, NPAGES, PROT_NONE);
	handler_job = JOB_SKIP_LOAD;
	return 0;
}

static void op_segv(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++)
		probe_load(page_at(i % NPAGES));
	timed_end();
	expect_faults(n);
}

static void op_prot1(long n)
{
	for (long i = 0; i < n; i++) {
		timed_begin();
		protect(i % NPAGES, 1, PROT_READ);
		timed_end();
		if (i % NPAGES == NPAGES - 1 || i == n - 1)
			protect(0, NPAGES, PROT_READ | PROT_WRITE); // reset, untimed
	}
}

static void op_prot100(long n)
{
	for (long i = 0; i < n; i++) {
		timed_begin();
		protect(0, NPAGES, PROT_READ);
		timed_end();
		protect(0, NPAGES, PROT_READ | PROT_WRITE); // reset, untimed
	}
}

static void op_unprot100(long n)
{
	for (long i = 0; i < n; i++) {
		protect(0, NPAGES, PROT_READ); // set up, untimed
		timed_begin();
		protect(0, NPAGES, PROT_READ | PROT_WRITE);
		timed_end();
	}
}

static int setup_trap(void)
{
	setup_pages();
	handler_job = JOB_UNPROTECT;
	return 0;
}

static void op_trap(long n)
{
	protect(0, NPAGES, PROT_READ);
	for (long i = 0; i < n; i++) {
		volatile char *p = page_at(i % NPAGES);
		timed_begin();
		*p = 2;
		timed_end();
		if (i % NPAGES == NPAGES - 1 && i != n - 1)
			protect(0, NPAGES, PROT_READ); // reset, untimed
	}
	expect_faults(n);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static long random_below(long n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (long)(rng % (uint64_t)n);
}

static int setup_appel1(void)
{
	setup_pages();
	protect(1, NPAGES - 1, PROT_READ);
	unprotected = 0;
	handler_job = JOB_SWAP;
	return 0;
}

static void op_appel1(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		long p = random_below(NPAGES - 1);
		if (p >= unprotected)
			p++; // any page but the writable one
		*(volatile char *)page_at(p) = 3;
	}
	timed_end();
	expect_faults(n);
}

static void op_appel2(long n)
{
	long order[NPAGES];
	for (long i = 0; i < n; i++) {
		for (long j = 0; j < NPAGES; j++)
			order[j] = j;
		for (long j = NPAGES - 1; j > 0; j--) { // a random permutation, untimed
			long k = random_below(j + 1), t = order[j];
			order[j] = order[k], order[k] = t;
		}
		timed_begin();
		protect(0, NPAGES, PROT_READ);
		for (long j = 0; j < NPAGES; j++)
			*(volatile char *)page_at(order[j]) = 4;
		timed_end();
	}
	expect_faults(n * NPAGES);
}

// ---------------------------------------------------------------- pipes

static int to_child[2] = {-1, -1}, from_child[2] = {-1, -1};
static pid_t child = -1;

static void pin_to_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); // best effort: one CPU, as exosim has
}

static void make_pipes(void)
{
	if (pipe(to_child) != 0 || pipe(from_child) != 0)
		fail("pipe: %s", strerror(errno));
}

static int setup_pipe(void)
{
	pin_to_this_cpu();
	make_pipes();
	child = fork();
	if (child < 0 && errno == ENOSYS) {
		fprintf(stderr, "exobench: pipe: not available here: fork: %s\n", strerror(errno));
		return EXIT_NA;
	}
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0) { // echo every byte back until end of file
		char c;
		close(to_child[1]);
		close(from_child[0]);
		while (read(to_child[0], &c, 1) == 1)
			if (write(from_child[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(to_child[0]);
	close(from_child[1]);
	return 0;
}

static void op_pipe(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		char c = (char)i, r;
		if (write(to_child[1], &c, 1) != 1 || read(from_child[0], &r, 1) != 1)
			fail("pipe round trip: %s", strerror(errno));
		if (r != c)
			fail("pipe round trip: sent %d, got %d back", c, r);
	}
	timed_end();
}

static void finish_pipe(void)
{
	int status;
	close(to_child[1]);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("pipe: the echo process did not exit cleanly");
}

static int setup_pipe1(void)
{
	make_pipes();
	return 0;
}

static void op_pipe1(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		char c = (char)i, r;
		if (write(to_child[1], &c, 1) != 1 || read(to_child[0], &r, 1) != 1 || r != c)
			fail("pipe write+read: %s", strerror(errno));
	}
	timed_end();
}

// ---------------------------------------------------------------- AF_UNIX sockets

static int sock_pair[2] = {-1, -1};

static int setup_unixsock(void)
{
	pin_to_this_cpu();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock_pair) != 0) {
		if (errno == ENOSYS || errno == EAFNOSUPPORT) {
			fprintf(stderr, "exobench: unixsock: not available here: socketpair: %s\n",
			        strerror(errno));
			return EXIT_NA;
		}
		fail("socketpair: %s", strerror(errno));
	}
	child = fork();
	if (child < 0 && errno == ENOSYS) {
		fprintf(stderr, "exobench: unixsock: not available here: fork: %s\n",
		        strerror(errno));
		return EXIT_NA;
	}
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0) { // echo every byte back until end of file
		char c;
		close(sock_pair[0]);
		while (read(sock_pair[1], &c, 1) == 1)
			if (write(sock_pair[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(sock_pair[1]);
	return 0;
}

static void op_unixsock(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		char c = (char)i, r;
		if (write(sock_pair[0], &c, 1) != 1 || read(sock_pair[0], &r, 1) != 1)
			fail("socket round trip: %s", strerror(errno));
		if (r != c)
			fail("socket round trip: sent %d, got %d back", c, r);
	}
	timed_end();
}

static void finish_unixsock(void)
{
	int status;
	close(sock_pair[0]);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("unixsock: the echo process did not exit cleanly");
}

// ---------------------------------------------------------------- threads

static void *thread_nop(void *arg)
{
	return arg;
}

// One pthread_create and pthread_join per operation.
static void op_thread(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_nop, NULL) != 0 || pthread_join(t, NULL) != 0)
			fail("thread create+join: %s", strerror(errno));
	}
	timed_end();
}

// futex ping-pong: the word says whose turn it is (1: the ponger's, 0: ours); each side
// sets it for the other, wakes it, and waits while it is still the other's turn.
static volatile uint32_t ping_word;
static long ping_rounds;

static long futex_call(volatile uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static void *ponger(void *arg)
{
	(void)arg;
	for (long i = 0; i < ping_rounds; i++) {
		while (__atomic_load_n(&ping_word, __ATOMIC_ACQUIRE) != 1)
			futex_call(&ping_word, 128 /* FUTEX_WAIT_PRIVATE */, 0);
		__atomic_store_n(&ping_word, 0, __ATOMIC_RELEASE);
		futex_call(&ping_word, 129 /* FUTEX_WAKE_PRIVATE */, 1);
	}
	return NULL;
}

static void op_futex(long n)
{
	pthread_t t;
	ping_word = 0;
	ping_rounds = n;
	if (pthread_create(&t, NULL, ponger, NULL) != 0)
		fail("futex: pthread_create: %s", strerror(errno));
	timed_begin();
	for (long i = 0; i < n; i++) {
		__atomic_store_n(&ping_word, 1, __ATOMIC_RELEASE);
		futex_call(&ping_word, 129, 1);
		while (__atomic_load_n(&ping_word, __ATOMIC_ACQUIRE) != 0)
			futex_call(&ping_word, 128, 1);
	}
	timed_end();
	pthread_join(t, NULL);
}

// ---------------------------------------------------------------- matrix multiply

static double ma[MATRIX_N][MATRIX_N], mb[MATRIX_N][MATRIX_N], mc[MATRIX_N][MATRIX_N];

static int setup_matmul(void)
{
	for (int i = 0; i < MATRIX_N; i++)
		for (int j = 0; j < MATRIX_N; j++) {
			ma[i][j] = (i + j) % 7; // small integers: every product and sum is
			mb[i][j] = (i * j) % 5; // exact, so the result can be checked
		}
	return 0;
}

// One entry of the product, computed the slow way with integers.
static double expected_entry(int i, int j)
{
	long s = 0;
	for (int k = 0; k < MATRIX_N; k++)
		s += (long)((i + k) % 7) * ((k * j) % 5);
	return (double)s;
}

static void op_matmul(long n)
{
	for (long r = 0; r < n; r++) {
		timed_begin();
		for (int i = 0; i < MATRIX_N; i++) {
			for (int j = 0; j < MATRIX_N; j++)
				mc[i][j] = 0;
			for (int k = 0; k < MATRIX_N; k++) {
				double a = ma[i][k];
				for (int j = 0; j < MATRIX_N; j++)
					mc[i][j] += a * mb[k][j];
			}
		}
		timed_end();
		for (int t = 0; t < 4; t++) { // spot checks, untimed
			int i = (int)random_below(MATRIX_N), j = (int)random_below(MATRIX_N);
			if (mc[i][j] != expected_entry(i, j))
				fail("matmul: c[%d][%d] = %g, expected %g", i, j, mc[i][j],
				     expected_entry(i, j));
		}
	}
}

// ---------------------------------------------------------------- memory (issue 13)

#define REGION       (16ul << 20)
#define REGION_PAGES ((long)(REGION / PAGE))

static char *region; // retouch, munmap, mprotect: the 16 MiB region in use

static char *map_region(void)
{
	char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap 16 MiB: %s", strerror(errno));
	return p;
}

static void store_each_page(char *p)
{
	for (size_t i = 0; i < REGION; i += PAGE)
		p[i] = 1;
}

// The timed first store to each page of a new mapping; then, untimed, every page kept
// the store and reads zero at its other end (new anonymous memory is zero).
static void touch_new_region(char *p)
{
	timed_begin();
	store_each_page(p);
	timed_end();
	for (size_t i = 0; i < REGION; i += PAGE)
		if (p[i] != 1 || p[i + PAGE - 1] != 0)
			fail("touch: page %zu of a new mapping reads %d, %d", i / PAGE, p[i],
			     p[i + PAGE - 1]);
}

static void op_touch(long n)
{
	for (long i = 0; i < n; i++)
		touch_new_region(map_region()); // kept mapped: the next run's pages are fresh
}

static int setup_retouch(void)
{
	region = map_region();
	store_each_page(region);
	return 0;
}

static void op_retouch(long n)
{
	for (long i = 0; i < n; i++) {
		if (munmap(region, REGION) != 0) // untimed
			fail("munmap: %s", strerror(errno));
		region = map_region();
		touch_new_region(region);
	}
}

// One load from (store 0) or store to (store 1) the region's page `page`, untimed: it
// must fault `want` times (1 or 0).
static void probe_region(int store, long page, long want, const char *what)
{
	fault_base = region;
	fault_len = REGION;
	handler_job = JOB_SKIP_LOAD;
	faults = 0;
	if (store)
		probe_store(region + page * PAGE);
	else
		probe_load(region + page * PAGE);
	handler_job = JOB_NONE;
	if (faults != want)
		fail("%s: a %s of page %ld faulted %ld times, %ld expected", what,
		     store ? "store" : "load", page, (long)faults, want);
	faults = 0;
}

static int setup_memory_faults(void)
{
	catch_segv();
	return 0;
}

static void op_munmap(long n)
{
	for (long i = 0; i < n; i++) {
		region = map_region(); // untimed: map and touch
		store_each_page(region);
		timed_begin();
		if (munmap(region, REGION) != 0)
			fail("munmap: %s", strerror(errno));
		timed_end();
		probe_region(0, random_below(REGION_PAGES), 1, "munmap");
	}
}

static int setup_mprotect(void)
{
	setup_memory_faults();
	return setup_retouch();
}

static void op_mprotect(long n)
{
	for (long i = 0; i < n; i++) {
		timed_begin();
		if (mprotect(region, REGION, PROT_READ) != 0)
			fail("mprotect: %s", strerror(errno));
		timed_end();
		long page = random_below(REGION_PAGES); // untimed: check, then reset
		probe_region(1, page, 1, "mprotect");
		if (mprotect(region, REGION, PROT_READ | PROT_WRITE) != 0)
			fail("mprotect: %s", strerror(errno));
		probe_region(1, page, 0, "mprotect back to read-write");
	}
}

#define CHURN_SLOTS 1024
static unsigned char *churn_block[CHURN_SLOTS];
static size_t churn_len[CHURN_SLOTS];

// A size from a mix of what programs allocate: mostly small, a few large ones.
static size_t churn_size(void)
{
	long r = random_below(1000);
	if (r < 600)
		return 8 + (size_t)random_below(121); // up to 128 B
	if (r < 900)
		return 129 + (size_t)random_below(1920); // up to 2 KiB
	if (r < 990)
		return 2049 + (size_t)random_below(30720);    // up to 32 KiB
	return (64u << 10) + (size_t)random_below(192 << 10); // 64-256 KiB
}

static void op_malloc(long n);

// Start from the steady state (about half the slots in use), past each allocator's
// first-use set-up, so the first calibration run is not its outlier.
static int setup_malloc(void)
{
	op_malloc(1L << 14);
	return 0;
}

// One operation: free the block in a random slot (after checking its two bytes), or
// allocate one there and write its first and last byte.
static void op_malloc(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		long k = random_below(CHURN_SLOTS);
		unsigned char *p = churn_block[k], tag = (unsigned char)k;
		if (p) {
			if (p[0] != tag || p[churn_len[k] - 1] != tag)
				fail("malloc: block %ld lost its contents", k);
			free(p);
			churn_block[k] = NULL;
			continue;
		}
		size_t len = churn_size();
		p = malloc(len);
		if (!p)
			fail("malloc(%zu): %s", len, strerror(errno));
		p[0] = p[len - 1] = tag;
		churn_block[k] = p;
		churn_len[k] = len;
	}
	timed_end();
}

static char stdin_buf[64 << 10];

static void op_stdin(long n)
{
	long total = 0;
	ssize_t got;
	for (long i = 0; i < n; i++) {
		timed_begin();
		while ((got = read(0, stdin_buf, sizeof(stdin_buf))) > 0)
			total += got;
		timed_end();
		if (got < 0)
			fail("stdin: read: %s", strerror(errno));
	}
	printf("# stdin_bytes=%ld\n", total);
}

// ---------------------------------------------------------------- spawn (host side)

static char **spawn_argv;
static const char *spawn_stdin; // --stdin FILE, or NULL

static int setup_spawn(void)
{
	return kinfo ? EXIT_NA : 0;
}

static void op_spawn(long n)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (spawn_stdin) // opened anew for each spawn: each reads it from the start
		posix_spawn_file_actions_addopen(&fa, 0, spawn_stdin, O_RDONLY, 0);
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int status, err;
		timed_begin();
		err = posix_spawn(&pid, spawn_argv[0], &fa, NULL, spawn_argv, environ);
		if (err)
			fail("spawn %s: %s", spawn_argv[0], strerror(err));
		if (waitpid(pid, &status, 0) != pid)
			fail("spawn %s: waitpid: %s", spawn_argv[0], strerror(errno));
		timed_end();
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail("spawn %s: exit status %d", spawn_argv[0],
			     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	posix_spawn_file_actions_destroy(&fa);
}

// ---------------------------------------------------------------- the table

// ---------------------------------------------------------------- processes

static void wait_child(pid_t p, const char *what)
{
	int status;
	if (p < 0)
		fail("%s: fork: %s", what, strerror(errno));
	if (waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("%s: the child did not exit cleanly", what);
}

static int setup_fork(void)
{
	pid_t p = fork();
	if (p < 0 && errno == ENOSYS) {
		fprintf(stderr, "exobench: fork: not available here: %s\n", strerror(errno));
		return EXIT_NA;
	}
	if (p == 0)
		_exit(0);
	wait_child(p, "fork");
	return 0;
}

static void op_fork(long n)
{
	timed_begin();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		wait_child(p, "fork");
	}
	timed_end();
}

static void op_forkexec(long n)
{
	char *av[] = {"exobench", "--exit", NULL}, *ev[] = {NULL};
	timed_begin();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			execve("/proc/self/exe", av, ev);
			_exit(127);
		}
		wait_child(p, "forkexec");
	}
	timed_end();
}

static void op_none(long n)
{
	(void)n;
}

struct bench {
	const char *name;
	int (*setup)(void); // 0, or EXIT_NA; failures exit through fail()
	void (*op)(long n); // n operations; timed parts go to acc
	void (*finish)(void);
	long per_op; // events per operation reported (appel2: pages)
	long max_ops;
	int once; // each run is one operation, with no calibration or warm-up run
};

static const struct bench benches[] = {
        {"nullproc", NULL, op_nullproc, NULL, 1, 1L << 26, 0},
        {"getpid", NULL, op_getpid, NULL, 1, 1L << 24, 0},
        {"kcall", setup_kcall, op_kcall, NULL, 1, 1L << 20, 0},
        {"segv", setup_segv, op_segv, NULL, 1, 1L << 20, 0},
        {"prot1", setup_pages, op_prot1, NULL, 1, 1L << 20, 0},
        {"prot100", setup_pages, op_prot100, NULL, 1, 1L << 18, 0},
        {"unprot100", setup_pages, op_unprot100, NULL, 1, 1L << 18, 0},
        {"trap", setup_trap, op_trap, NULL, 1, 1L << 20, 0},
        {"appel1", setup_appel1, op_appel1, NULL, 1, 1L << 20, 0},
        {"appel2", setup_trap, op_appel2, NULL, NPAGES, 1L << 14, 0},
        {"pipe", setup_pipe, op_pipe, finish_pipe, 1, 1L << 22, 0},
        {"pipe1", setup_pipe1, op_pipe1, NULL, 1, 1L << 22, 0},
        {"unixsock", setup_unixsock, op_unixsock, finish_unixsock, 1, 1L << 22, 0},
        {"fork", setup_fork, op_fork, NULL, 1, 1L << 16, 0},
        {"forkexec", setup_fork, op_forkexec, NULL, 1, 1L << 14, 0},
        {"thread", NULL, op_thread, NULL, 1, 1L << 16, 0},
        {"futex", NULL, op_futex, NULL, 1, 1L << 20, 0},
        {"matmul", setup_matmul, op_matmul, NULL, 1, 1L << 10, 0},
        {"touch", NULL, op_touch, NULL, REGION_PAGES, 1, 1},
        {"retouch", setup_retouch, op_retouch, NULL, REGION_PAGES, 1L << 10, 0},
        {"munmap", setup_memory_faults, op_munmap, NULL, REGION_PAGES, 1L << 10, 0},
        {"mprotect", setup_mprotect, op_mprotect, NULL, REGION_PAGES, 1L << 12, 0},
        {"malloc", setup_malloc, op_malloc, NULL, 1, 1L << 24, 0},
        {"stdin", NULL, op_stdin, NULL, 1, 1, 1},
        {"none", NULL, op_none, NULL, 1, 0, 0},
        {"spawn", setup_spawn, op_spawn, NULL, 1, 1, 0},
};

static const struct bench *find_bench(const char *name)
{
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (strcmp(benches[i].name, name) == 0)
			return &benches[i];
	return NULL;
}

// ---------------------------------------------------------------- the runs

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

// TSC cycles per ns: spins on CLOCK_MONOTONIC for 20 ms.
static double tsc_per_ns(void)
{
	uint64_t m0 = mono_ns(), t0 = rdtsc(), m1;
	do
		m1 = mono_ns();
	while (m1 - m0 < 20000000u);
	return (double)(rdtsc() - t0) / (double)(m1 - m0);
}

// One run of n operations: wall cycles (timed or not), with acc holding the timed part.
static uint64_t one_run(const struct bench *b, long n)
{
	acc = (struct account){0};
	uint64_t t0 = rdtsc();
	b->op(n);
	return rdtsc() - t0;
}

static void usage(void)
{
	fprintf(stderr, "usage: exobench [--runs N] [--target-ms MS] BENCH\n"
	                "       exobench [--runs N] [--stdin FILE] spawn NAME CMD [ARGS...]\n"
	                "benchmarks:");
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		fprintf(stderr, " %s", benches[i].name);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		return 0; // forkexec's child
	int runs = 11;
	double target_ms = 20;
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--target-ms") == 0)
			target_ms = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--stdin") == 0)
			spawn_stdin = argv[i + 1];
		else
			usage();
	}
	if (i >= argc || runs < 1 || runs > MAX_RUNS || !(target_ms > 0))
		usage();
	const struct bench *b = find_bench(argv[i]);
	if (!b)
		usage();
	const char *name = b->name;
	if (strcmp(name, "spawn") == 0) {
		if (i + 2 >= argc)
			usage();
		name = argv[i + 1];
		spawn_argv = &argv[i + 2];
	}
	kinfo = (const volatile struct exo_kinfo *)getauxval(EXOS_AT_KINFO);

	int st = b->setup ? b->setup() : 0;
	if (st == EXIT_NA) {
		fprintf(stderr, "exobench: %s: not available %s\n", name,
		        kinfo ? "under ExOS" : "natively (ExOS only)");
		return EXIT_NA;
	}
	double rate = tsc_per_ns();
	double target = target_ms * 1e6 * rate;

	// Operations per run: double until a run takes an eighth of the target, then scale.
	// `none` (max_ops 0) runs nothing.
	long n = b->max_ops ? 1 : 0, total = 0;
	// One operation first, so that a first use's cost (a syscall site's rewrite, an
	// allocator's set-up) does not end the calibration at one operation a run.
	if (n > 0 && !b->once) {
		one_run(b, 1);
		total++;
	}
	for (uint64_t wall; n > 0 && !b->once; n *= 2) {
		wall = one_run(b, n);
		total += n;
		if (n >= b->max_ops || (double)wall >= target / 8) {
			double scaled = (double)n * target / (double)(wall ? wall : 1);
			n = scaled < 1                    ? 1
			    : scaled > (double)b->max_ops ? b->max_ops
			                                  : (long)scaled;
			one_run(b, n); // the warm-up run
			total += n;
			break;
		}
	}

	static double ns[MAX_RUNS];
	uint64_t crossings = 0, upcalls = 0;
	for (int r = 0; r < runs && n > 0; r++) {
		one_run(b, n);
		total += n;
		ns[r] = (double)acc.cycles / rate / (double)(n * b->per_op);
		crossings += acc.crossings;
		upcalls += acc.upcalls;
	}
	if (b->finish)
		b->finish();

	printf("# exobench %s on %s: tsc %.1f MHz, %d runs of %ld ops%s\n", name,
	       kinfo ? "ExOS" : "Linux", rate * 1000, runs, n * b->per_op,
	       b->once ? "" : " after a warm-up");
	puts("bench,median_ns,min_ns,max_ns,ops_per_run,runs,ops_total,crossings_per_op,"
	     "upcalls_per_op");
	if (n == 0) {
		printf("%s,,,,0,0,0,,\n", name);
		return 0;
	}
	qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_double);
	double median = runs % 2 ? ns[runs / 2] : (ns[runs / 2 - 1] + ns[runs / 2]) / 2;
	printf("%s,%.1f,%.1f,%.1f,%ld,%d,%ld,", name, median, ns[0], ns[runs - 1], n * b->per_op,
	       runs, total * b->per_op);
	double measured = (double)runs * (double)(n * b->per_op);
	if (kinfo)
		printf("%.3f,%.3f\n", (double)crossings / measured, (double)upcalls / measured);
	else
		printf(",\n");
	return 0;
}
