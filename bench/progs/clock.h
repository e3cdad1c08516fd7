// The two clocks the benchmark programs time with (static musl programs, run natively
// and under ExOS): the TSC, read in ring 3 on both sides, and CLOCK_MONOTONIC, which
// calibrates it.  Under ExOS, CLOCK_MONOTONIC itself comes from the TSC and the kernel's
// calibration, so the two agree there by construction.
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

// lfence on both sides: the read is ordered against the timed code around it.
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#endif
