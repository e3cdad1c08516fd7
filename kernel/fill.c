/* Bulk 64-bit stores (fill.h).  The request lives in .bss, below 4 GiB, so its
 * address fits the `outl`; the kernel runs on one CPU with interrupts off, so
 * one request buffer is enough (as scrub.c's). */
#include <hw/exosim_pv.h>

#include "arch.h"
#include "fill.h"
#include "kernel.h"

/* Below this many words `rep stosq` is cheaper than the exit (~10 us from
 * ring 0 here, ~16 emulated iterations). */
#define FILL_HOST_MIN 32

static enum { UNKNOWN, ABSENT, PRESENT } device;
static struct pv_fill_req req;

static void fill_by_hand(void *dst, uint64_t pattern, uint64_t count)
{
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(pattern) : "memory");
}

void fill64(void *dst, uint64_t pattern, uint64_t count)
{
	if (count >= FILL_HOST_MIN && device == UNKNOWN)
		device = inl(PV_FILL_PORT) == PV_FILL_MAGIC ? PRESENT : ABSENT;
	if (count < FILL_HOST_MIN || device != PRESENT) {
		fill_by_hand(dst, pattern, count);
		return;
	}
	req = (struct pv_fill_req){kpa(dst), count, pattern, PV_RESULT_NONE, 0};
	outl(PV_FILL_PORT, (uint32_t)kpa(&req));
	if (req.result) /* a kernel bug or a host failure: store by hand, and stop asking */
		device = ABSENT, fill_by_hand(dst, pattern, count);
}
