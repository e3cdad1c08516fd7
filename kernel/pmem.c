/* Physical pages.
 *
 * The page-info table (struct exo_page per frame) is the allocator's state and
 * is exported read-only, so a libOS sees who owns every page and how often it is
 * mapped.  A zero entry means a free page: the table must be valid without a
 * pass over it, because ring-0 code is emulated at ~275 ns an instruction on
 * KVM-on-PVM and 64 Ki entries would cost tens of milliseconds.  exosim
 * guarantees that never-used RAM reads as zero, so there the table needs no
 * clearing and fresh pages need no zeroing; elsewhere (QEMU's firmware may have
 * used RAM) both are cleared.  Freed pages are marked dirty and zeroed when
 * they are handed out again.
 *
 * Allocation is next-fit over the free ranges, so boot never scans memory. */
#include <exo/errno.h>
#include <exo/memlayout.h>

#include "arch.h"
#include "kernel.h"
#include "kstring.h"
#include "gate.h"
#include "pmem.h"

#define MAX_RANGES 32

struct exo_page *page_info;
uint32_t *page_rmap;
uint64_t npages;

static struct mem_range ranges[MAX_RANGES];
static int nranges;
static int cur_range;
static uint64_t cur_pfn, table_pa, table_bytes;
/* Free pages, exported so a libOS sees memory pressure without asking. */
#define nfree kinfo_page.free_pages
static bool fresh_zero;

static void fill64(void *dst, uint64_t pattern, uint64_t count)
{
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(pattern) : "memory");
}

static void page_zero(uint64_t pa)
{
	fill64(kva(pa), 0, EXO_PAGE_SIZE / 8);
}

static uint64_t kernel_entry_pattern(void)
{
	struct exo_page p = {.type = EXO_PAGE_KERNEL};
	uint64_t v;
	memcpy(&v, &p, sizeof(v));
	return v;
}

/* Carves `bytes` (page-rounded) from the first range that has them. */
static uint64_t carve(uint64_t bytes)
{
	bytes = ROUNDUP(bytes, EXO_PAGE_SIZE);
	for (int i = 0; i < nranges; i++) {
		if (ranges[i].end - ranges[i].base >= bytes) {
			uint64_t pa = ranges[i].base;
			ranges[i].base += bytes;
			return pa;
		}
	}
	panic("no room for the page-info table (%lu bytes)", bytes);
}

/* Everything that is not a free range below the table's end is the kernel's. */
static void mark_kernel_pages(void)
{
	uint64_t pattern = kernel_entry_pattern(), pfn = 0;
	for (int i = 0; i <= nranges; i++) {
		uint64_t gap_end = i < nranges ? PFN(ranges[i].base) : npages;
		if (gap_end > pfn)
			fill64(&page_info[pfn], pattern, gap_end - pfn);
		if (i < nranges)
			pfn = PFN(ranges[i].end);
	}
}

void pmem_init(const struct mem_range *usable, int n, bool fresh_pages_are_zero)
{
	fresh_zero = fresh_pages_are_zero;
	for (int i = 0; i < n && nranges < MAX_RANGES; i++) {
		struct mem_range r = usable[i];
		if (r.end > PMEM_DIRECT_MAP_END)
			r.end = PMEM_DIRECT_MAP_END;
		if (r.base < r.end)
			ranges[nranges++] = r;
	}
	if (!nranges)
		panic("no usable memory below 4 GiB");
	npages = PFN(ranges[nranges - 1].end);
	table_bytes = ROUNDUP(npages * sizeof(struct exo_page), EXO_PAGE_SIZE);
	uint64_t rmap_bytes = ROUNDUP(npages * sizeof(uint32_t), EXO_PAGE_SIZE);
	table_pa = carve(table_bytes + rmap_bytes);
	page_info = kva(table_pa);
	page_rmap = kva(table_pa + table_bytes);
	if (!fresh_zero)
		fill64(page_info, 0, (table_bytes + rmap_bytes) / 8);
	mark_kernel_pages();
	for (int i = 0; i < nranges; i++)
		nfree += PFN(ranges[i].end - ranges[i].base);
	cur_pfn = PFN(ranges[0].base);
}

static void take(uint64_t pfn, uint16_t owner, uint8_t type)
{
	if (page_info[pfn].flags & EXO_PAGE_DIRTY || !fresh_zero)
		page_zero(PA(pfn));
	page_info[pfn] = (struct exo_page){.owner = owner, .type = type};
	nfree--;
}

uint64_t page_alloc(uint16_t owner, uint8_t type)
{
	if (!nfree)
		return 0;
	/* Next fit: continue where the last allocation stopped, wrapping once. */
	for (int tries = 0; tries <= nranges; tries++) {
		const struct mem_range *r = &ranges[cur_range];
		if (cur_pfn < PFN(r->base))
			cur_pfn = PFN(r->base);
		for (; cur_pfn < PFN(r->end); cur_pfn++) {
			if (page_info[cur_pfn].type == EXO_PAGE_FREE) {
				take(cur_pfn, owner, type);
				return PA(cur_pfn++);
			}
		}
		cur_range = (cur_range + 1) % nranges;
		cur_pfn = PFN(ranges[cur_range].base);
	}
	return 0;
}

static bool in_free_ranges(uint64_t pfn)
{
	for (int i = 0; i < nranges; i++)
		if (pfn >= PFN(ranges[i].base) && pfn < PFN(ranges[i].end))
			return true;
	return false;
}

int page_alloc_at(uint64_t pfn, uint16_t owner, uint8_t type)
{
	if (pfn >= npages)
		return -EXO_EINVAL;
	if (!in_free_ranges(pfn))
		return -EXO_EPERM;
	if (page_info[pfn].type != EXO_PAGE_FREE)
		return -EXO_EBUSY;
	take(pfn, owner, type);
	return 0;
}

void page_free(uint64_t pa)
{
	page_info[PFN(pa)] = (struct exo_page){.type = EXO_PAGE_FREE, .flags = EXO_PAGE_DIRTY};
	nfree++;
}

uint64_t pmem_free_pages(void)
{
	return nfree;
}

uint64_t pmem_table_pa(void)
{
	return table_pa;
}

uint64_t pmem_table_bytes(void)
{
	return table_bytes;
}
