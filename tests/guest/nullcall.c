/* nullcall [N]: a benchmark, not a test.  Times N null kernel calls (default
 * 10000) with rdtsc in ring 3, where the TSC runs natively, through the gate
 * and then through a bare `syscall`.  The calls are timed in batches; it
 * prints the median, minimum and maximum of the per-batch cycles per call,
 * and nanoseconds when the kernel knows the TSC frequency (kinfo->tsc_khz). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <exos/sys.h>

#define MAX_BATCHES 1024

static uint64_t per_call[MAX_BATCHES];

static void print_time(const char *label, uint64_t cycles, uint64_t khz)
{
	printf(" %s %lu", label, (unsigned long)cycles);
	if (khz) {
		uint64_t ns10 = cycles * 10000000ull / khz;

		printf(" (%lu.%lu ns)", (unsigned long)(ns10 / 10), (unsigned long)(ns10 % 10));
	}
}

static void run(const char *name, int raw, long n)
{
	long batch = n < 100 ? n : 100;
	int nb = (int)(n / batch);
	uint64_t khz = exo_kinfo()->tsc_khz;
	long fails = 0;

	if (nb > MAX_BATCHES)
		nb = MAX_BATCHES;
	for (int b = 0; b < nb; b++) {
		uint64_t t0 = exo_rdtsc();

		for (long i = 0; i < batch; i++)
			fails += (raw ? exo_syscall_raw0(EXO_SYS_NULL) : exo_null()) != 0;
		per_call[b] = (exo_rdtsc() - t0) / (uint64_t)batch;
	}
	qsort(per_call, (size_t)nb, sizeof(uint64_t), exos_cmp_u64);
	printf("nullcall: %-4s %ld calls in %d batches, cycles/call:", name, batch * nb, nb);
	print_time("median", per_call[nb / 2], khz);
	print_time("min", per_call[0], khz);
	print_time("max", per_call[nb - 1], khz);
	printf("\n");
	if (fails)
		printf("nullcall: %s: %ld calls did not return 0\n", name, fails);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	const struct exo_kinfo *ki = exo_kinfo();

	if (n < 1)
		n = 1;
	exo_null(); /* the kernel sets entry_method at the first call */
	printf("nullcall: kinfo version %u, entry method %u (%s), tsc_khz %lu\n", ki->version,
	       ki->entry_method,
	       ki->entry_method == EXO_ENTRY_SYSCALL ? "syscall"
	       : ki->entry_method == EXO_ENTRY_INT3  ? "int3"
	                                             : "?",
	       (unsigned long)ki->tsc_khz);
	run("gate", 0, n);
	run("raw", 1, n);
	printf("nullcall: kernel crossings so far: %lu\n", (unsigned long)ki->syscalls);
	return 0;
}
