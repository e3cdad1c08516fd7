// linux_syscalls: the cost of a few Linux system calls and of malloc/free, as an
// unmodified static Linux program (musl-gcc -static), run natively and under exosim by
// bench/linux.sh.  Each benchmark is timed with rdtsc (native in ring 3 everywhere) in
// B batches (default 11) of N operations, N picked so that a batch lasts about 5 ms
// (at least 8, at most 200000 operations); the TSC is converted to ns with a rate
// measured against CLOCK_MONOTONIC over the whole run.
//   getpid         syscall(SYS_getpid): no libc caching
//   clock_gettime  clock_gettime(CLOCK_MONOTONIC): the vDSO natively where there is one
//   write_devnull  write(fd of /dev/null, 1 byte)
//   malloc64       malloc(64) + free  (with one other 64-byte block live throughout)
//   malloc4k       malloc(4096) + free (likewise; musl's malloc still maps and unmaps
//                  groups of blocks now and then, so this includes some mmap/munmap)
//   mmap_munmap    mmap 4 KiB anonymous, write one byte, munmap
// Output: lines starting with # are comments; then CSV with a header line:
//   bench,median_ns,min_ns,max_ns,ops_per_batch,batches
// usage: linux_syscalls [BATCHES]      Exit status: 0, or 1 if a call failed.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define MAX_BATCHES 101

static int devnull = -1;
static volatile long sink;
static int failed;

static void op_getpid(long n)
{
	for (long i = 0; i < n; i++)
		sink += syscall(SYS_getpid);
}

static void op_clock(long n)
{
	struct timespec t;
	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		sink += t.tv_nsec;
	}
}

static void op_write(long n)
{
	for (long i = 0; i < n; i++)
		if (write(devnull, "x", 1) != 1)
			failed = 1;
}

static void op_malloc(long n, size_t size)
{
	for (long i = 0; i < n; i++) {
		char *volatile p = malloc(size);
		if (!p) {
			failed = 1;
			return;
		}
		p[0] = (char)i;
		p[size - 1] = (char)i;
		free(p);
	}
}

static void op_malloc64(long n)
{
	op_malloc(n, 64);
}

static void op_malloc4k(long n)
{
	op_malloc(n, 4096);
}

static void op_mmap(long n)
{
	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		               0);
		if (p == MAP_FAILED) {
			failed = 1;
			return;
		}
		p[0] = (char)i;
		munmap(p, 4096);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct result {
	const char *name;
	double cycles[MAX_BATCHES]; // TSC cycles per operation, one per batch
	long n;
};

static void run(struct result *r, const char *name, void (*op)(long), int batches,
                double tsc_per_ns_guess)
{
	r->name = name;
	// probe: grow a batch until it lasts 0.5 ms, then size the batches at about 5 ms
	op(1);
	double target = 5e6 * tsc_per_ns_guess; // 5 ms in cycles
	long n = 8;
	double per_op = 0;
	for (;;) {
		uint64_t t0 = rdtsc();
		op(n);
		double t = (double)(rdtsc() - t0);
		per_op = t / (double)n;
		if (t >= target / 10 || n >= 200000)
			break;
		n *= 4;
	}
	n = per_op > 0 ? (long)(target / per_op) : 200000;
	if (n < 8)
		n = 8;
	if (n > 200000)
		n = 200000;
	r->n = n;
	op(n / 10 + 1); // warm-up
	for (int b = 0; b < batches; b++) {
		uint64_t s = rdtsc();
		op(n);
		r->cycles[b] = (double)(rdtsc() - s) / (double)n;
	}
	qsort(r->cycles, batches, sizeof r->cycles[0], cmp_double);
}

int main(int argc, char **argv)
{
	int batches = argc > 1 ? atoi(argv[1]) : 11;
	if (batches < 1 || batches > MAX_BATCHES) {
		fprintf(stderr, "usage: linux_syscalls [BATCHES (1..%d)]\n", MAX_BATCHES);
		return 2;
	}
	devnull = open("/dev/null", O_WRONLY);

	// A first TSC rate over 20 ms, to size the batches; the one reported is measured
	// over the whole run.
	uint64_t c0 = rdtsc(), n0 = mono_ns();
	struct timespec nap = {0, 20 * 1000 * 1000};
	nanosleep(&nap, NULL);
	uint64_t c1 = rdtsc(), n1 = mono_ns();
	double guess = n1 > n0 ? (double)(c1 - c0) / (double)(n1 - n0) : 1.0;

	// One live block of each size for the whole run, so that the allocator keeps its
	// size-class group mapped: the loops then measure malloc/free, not mmap/munmap.
	void *keep64 = malloc(64), *keep4k = malloc(4096);

	static struct result res[6];
	int nres = 0;
	run(&res[nres++], "getpid", op_getpid, batches, guess);
	run(&res[nres++], "clock_gettime", op_clock, batches, guess);
	if (devnull >= 0)
		run(&res[nres++], "write_devnull", op_write, batches, guess);
	run(&res[nres++], "malloc64", op_malloc64, batches, guess);
	run(&res[nres++], "malloc4k", op_malloc4k, batches, guess);
	run(&res[nres++], "mmap_munmap", op_mmap, batches, guess);

	uint64_t c2 = rdtsc(), n2 = mono_ns();
	double tsc_per_ns = n2 > n0 ? (double)(c2 - c0) / (double)(n2 - n0) : guess;
	printf("# tsc_mhz=%.1f batches=%d\n", tsc_per_ns * 1000, batches);
	if (devnull < 0)
		printf("# write_devnull skipped: open(/dev/null) failed\n");
	printf("bench,median_ns,min_ns,max_ns,ops_per_batch,batches\n");
	for (int i = 0; i < nres; i++) {
		struct result *r = &res[i];
		printf("%s,%.1f,%.1f,%.1f,%ld,%d\n", r->name, r->cycles[batches / 2] / tsc_per_ns,
		       r->cycles[0] / tsc_per_ns, r->cycles[batches - 1] / tsc_per_ns, r->n,
		       batches);
	}
	free(keep64);
	free(keep4k);
	if (failed)
		fprintf(stderr, "linux_syscalls: a write or malloc failed\n");
	return failed;
}
