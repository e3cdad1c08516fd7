/* Physical page allocator.
 *
 * Ring-0 code is emulated at ~275 ns an instruction on KVM-on-PVM, so start-up
 * may not touch every page: free memory is a short list of ranges handed out
 * by bumping a pointer, plus a list of freed pages threaded through the pages
 * themselves.  exosim guarantees that never-used RAM reads as zero (it is fresh
 * anonymous memory), which lets a fresh page skip zeroing; elsewhere (QEMU's
 * firmware may have used RAM) every page is zeroed. */
#include <exo/memlayout.h>

#include "arch.h"
#include "kernel.h"
#include "pmem.h"

#define MAX_RANGES 32

static struct mem_range ranges[MAX_RANGES];
static int nranges, cur;
static uint64_t free_list; /* physical address of the first freed page, 0 if none */
static uint64_t nfree;
static bool fresh_zero;

void pmem_init(const struct mem_range *usable, int n, bool fresh_pages_are_zero)
{
	fresh_zero = fresh_pages_are_zero;
	for (int i = 0; i < n && nranges < MAX_RANGES; i++) {
		struct mem_range r = usable[i];
		if (r.end > PMEM_DIRECT_MAP_END)
			r.end = PMEM_DIRECT_MAP_END;
		if (r.base >= r.end)
			continue;
		ranges[nranges++] = r;
		nfree += (r.end - r.base) / EXO_PAGE_SIZE;
	}
}

static void page_zero(uint64_t pa)
{
	void *p = kva(pa);
	uint64_t n = EXO_PAGE_SIZE / 8;
	__asm__ volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0ul) : "memory");
}

uint64_t page_alloc(void)
{
	uint64_t pa;
	if (free_list) {
		pa = free_list;
		free_list = *(uint64_t *)kva(pa);
		page_zero(pa);
	} else {
		while (cur < nranges && ranges[cur].base >= ranges[cur].end)
			cur++;
		if (cur == nranges)
			return 0;
		pa = ranges[cur].base;
		ranges[cur].base += EXO_PAGE_SIZE;
		if (!fresh_zero)
			page_zero(pa);
	}
	nfree--;
	return pa;
}

void page_free(uint64_t pa)
{
	*(uint64_t *)kva(pa) = free_list;
	free_list = pa;
	nfree++;
}

uint64_t pmem_free_pages(void)
{
	return nfree;
}
