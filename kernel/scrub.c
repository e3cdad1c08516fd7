/* Scrubbing freed frames (scrub.h).  Ring-0 code is emulated here, `rep stosq`
 * one iteration at a time (~0.6 us per 8 bytes: ~300 us a page, ~157 ms per
 * 2 MiB), while the host discards any amount in one exit (docs/benchmarks.md).
 * The request lives in .bss, below 4 GiB, so its address fits the `outl`; the
 * kernel runs on one CPU with interrupts off, so one request buffer is enough. */
#include <hw/exosim_pv.h>

#include <exo/memlayout.h>

#include "arch.h"
#include "kernel.h"
#include "scrub.h"

static enum { UNKNOWN, ABSENT, PRESENT } device;
static struct pv_discard_req req;

bool scrub_available(void)
{
	if (device == UNKNOWN)
		device = inl(PV_DISCARD_PORT) == PV_DISCARD_MAGIC ? PRESENT : ABSENT;
	return device == PRESENT;
}

static void zero_by_hand(const struct mem_range *r, int n)
{
	for (int i = 0; i < n; i++) {
		void *dst = kva(r[i].base);
		uint64_t count = (r[i].end - r[i].base) / 8;
		__asm__ volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(0ul) : "memory");
	}
}

/* One exit for up to PV_DISCARD_MAX_RANGES ranges. */
static int discard(const struct mem_range *r, int n)
{
	req.nranges = (uint32_t)n;
	req.result = PV_RESULT_NONE;
	for (int i = 0; i < n; i++)
		req.range[i] = (struct pv_discard_range){r[i].base, r[i].end - r[i].base};
	outl(PV_DISCARD_PORT, (uint32_t)kpa(&req));
	return req.result;
}

int scrub_ranges(const struct mem_range *r, int n)
{
	if (!scrub_available()) {
		zero_by_hand(r, n);
		return 0;
	}
	int err = 0;
	for (int done = 0; done < n; done += PV_DISCARD_MAX_RANGES) {
		int batch = n - done < PV_DISCARD_MAX_RANGES ? n - done : PV_DISCARD_MAX_RANGES;
		int result = discard(r + done, batch);
		if (result) { /* a kernel bug or a host failure: zero anyway, and say so */
			zero_by_hand(r + done, batch);
			err = err ? err : result;
		}
	}
	return err;
}

static void touch(uint64_t pa, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += EXO_PAGE_SIZE)
		*(volatile char *)kva(pa + off) = 0;
}

void scrub_bench(uint64_t pa)
{
	static const uint64_t sizes[] = {EXO_PAGE_SIZE, 2ul << 20};
	for (int i = 0; i < 2; i++) {
		struct mem_range r = {pa, pa + sizes[i]};
		touch(pa, sizes[i]); /* backed, so `rep stosq` pays no host fault */
		uint64_t t0 = rdtsc();
		zero_by_hand(&r, 1);
		uint64_t t1 = rdtsc(), t2 = t1, t3 = t1;
		if (scrub_available()) {
			discard(&r, 1);
			t2 = rdtsc();
			touch(pa, sizes[i]);
			t3 = rdtsc();
		}
		kprintf("exo: scrub_bench %lu KiB: rep stosq %lu cycles, discard %lu, then one "
		        "write per page %lu (tsc %lu kHz)\n",
		        sizes[i] >> 10, t1 - t0, t2 - t1, t3 - t2, boot_options.tsc_khz);
	}
}
