/* upcall_cost [N]: the round trip of an exception handled in user space: an
 * invalid opcode (ud2) delivered by the kernel to the libOS handler, which
 * skips the instruction and resumes without entering the kernel.  Timed with
 * rdtsc in ring 3; prints the median over batches (bench/upcall.sh). */
#include <stdio.h>
#include <stdlib.h>

#include <exos/exception.h>
#include <exos/sys.h>

#define BATCHES 20

static int skip_ud2(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	f->rip += 2;
	return 1;
}

static void sort(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1], v[j - 1] = t;
		}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200;
	exos_exceptions_init();
	exos_set_exception_handler(6, skip_ud2);
	uint64_t per[BATCHES];
	uint64_t before = exo_kinfo()->upcalls;
	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = exo_rdtsc();
		for (long i = 0; i < n / BATCHES; i++)
			__asm__ volatile("ud2" ::: "memory");
		per[b] = (exo_rdtsc() - t0) / (uint64_t)(n / BATCHES);
	}
	sort(per, BATCHES);
	uint64_t khz = exo_kinfo()->tsc_khz, delivered = exo_kinfo()->upcalls - before;
	printf("upcall_cost: %lu exceptions handled in user space (kernel counted %lu)\n",
	       (n / BATCHES) * BATCHES, delivered);
	if (khz)
		printf("upcall_cost: round trip median %lu cycles = %lu ns (min %lu ns, max %lu ns)\n",
		       per[BATCHES / 2], per[BATCHES / 2] * 1000000 / khz, per[0] * 1000000 / khz,
		       per[BATCHES - 1] * 1000000 / khz);
	else
		printf("upcall_cost: round trip median %lu cycles\n", per[BATCHES / 2]);
	return delivered == (uint64_t)((n / BATCHES) * BATCHES) ? 0 : 1;
}
