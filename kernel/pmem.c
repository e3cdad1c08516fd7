/* Physical pages.
 *
 * The page-info table (struct exo_page per frame) is the allocator's state and
 * is exported read-only, so a libOS sees who owns every page and how often it is
 * mapped.  A zero entry means a free page: the table must be valid without a
 * pass over it, because ring-0 code is emulated at ~1.5 µs an instruction on
 * KVM-on-PVM.  exosim guarantees that never-used RAM reads as zero, so there
 * the table needs no clearing and fresh pages need no zeroing; elsewhere
 * (QEMU's firmware may have used RAM) both are cleared.
 *
 * Nothing here costs a pass over memory, or even over a run:
 *  - each range has a fresh part, [fresh, fresh_top), never handed out (so
 *    free and, under exosim, zero).  Runs are carved from its bottom,
 *    2 MiB-aligned when asked; single pages from its top, so they never break
 *    up the space runs come from, and cost no clearing;
 *  - freed runs are kept whole in a small table and handed out again whole or
 *    in part (their frames are marked PMEM_RUN_FREE so single pages leave them
 *    alone); when the table is full they become ordinary freed pages;
 *  - once the fresh parts are gone, freed single pages are found next-fit
 *    outside them (freed_below counts them);
 *  - a run that fits nowhere else is searched for in the table (slow, rare).
 * Freed frames are marked dirty and cleared when handed out again.
 *
 * The table is indexed by frame number from 0 to the end of RAM, so it also
 * describes what is not RAM: above 3 GiB exosim (and QEMU) leave a hole for
 * device MMIO and put the rest of RAM above 4 GiB.  Writing EXO_PAGE_KERNEL
 * into the 256 Ki entries of a 1 GiB hole would cost ~150 ms here, so a
 * gigabyte without a free frame is never written: its 2 MiB of table is
 * exported as pmem_hole_pt (boot.S), a page table built by the assembler that
 * shows EXO_PAGE_KERNEL entries, and the kernel itself never looks at those
 * frames (they are in no free range).  Boot costs the same whatever --mem is. */
#include <exo/errno.h>
#include <exo/memlayout.h>

#include "arch.h"
#include "fill.h"
#include "kernel.h"
#include "kstring.h"
#include "gate.h"
#include "pmem.h"
#include "scrub.h"

#define MAX_RANGES    32
#define MAX_FREE_RUNS 64
#define PFNS_PER_GIB  (1ul << 18)
#define TABLE_ALIGN   (2ul << 20) /* exported with 2 MiB pages */
#define HOLE_WORDS    ((DIRECT_MAP_GIB + 63) / 64)

_Static_assert(sizeof(struct exo_page) * PFNS_PER_GIB == TABLE_ALIGN,
               "a gigabyte of frames is described by one 2 MiB page of the table");
_Static_assert(offsetof(struct exo_page, type) == 4,
               "boot.S's pmem_hole_entries put the type in bits 32..39");
/* page_info flags, kernel-private: free, but kept for a run in free_runs. */
#define PMEM_RUN_FREE 0x40

struct exo_page *page_info;
uint32_t *page_rmap;
uint64_t npages;

static struct mem_range ranges[MAX_RANGES];
static uint64_t fresh[MAX_RANGES], fresh_top[MAX_RANGES]; /* pfns: [fresh, fresh_top) of
                                                              range i never handed out */
static int nranges;
static int cur_range;
static uint64_t cur_pfn, table_pa, table_bytes;
static uint64_t freed_below; /* free frames outside the fresh parts, not kept for runs */

struct free_run {
	uint64_t pfn, count; /* count 0: an empty entry */
	bool dirty;
};
static struct free_run free_runs[MAX_FREE_RUNS];
/* Free pages, exported so a libOS sees memory pressure without asking. */
#define nfree kinfo_page.free_pages
static bool fresh_zero;
/* Bit g: gigabyte g of physical memory has no free frame (holes, above). */
static uint64_t hole_gib[HOLE_WORDS];

static uint64_t kernel_entry_pattern(void)
{
	struct exo_page p = {.type = EXO_PAGE_KERNEL};
	uint64_t v;
	memcpy(&v, &p, sizeof(v));
	return v;
}

/* Carves `bytes` (page-rounded), `align`-aligned, from the first range that
 * has them; what the alignment skips stays free as a range of its own. */
static uint64_t carve(uint64_t bytes, uint64_t align)
{
	bytes = ROUNDUP(bytes, EXO_PAGE_SIZE);
	for (int i = 0; i < nranges; i++) {
		uint64_t pa = ROUNDUP(ranges[i].base, align);
		if (pa >= ranges[i].end || ranges[i].end - pa < bytes)
			continue;
		if (pa > ranges[i].base && nranges < MAX_RANGES) {
			memmove(&ranges[i + 1], &ranges[i], (nranges - i) * sizeof(ranges[0]));
			nranges++;
			ranges[i++].end = pa;
		}
		ranges[i].base = pa + bytes;
		return pa;
	}
	panic("no room for the page-info table (%lu bytes)", bytes);
}

/* Carves `bytes`, `align`-aligned, from the top of the last range if it has
 * room, else 0.  The block then lies above every free frame, past the end of
 * the page-info table, which need not describe it: boot marks none of its
 * frames EXO_PAGE_KERNEL (at 4 GiB, ~17K entries of table and pools, ~13 ms of
 * emulated `rep stosq` here). */
static uint64_t carve_top(uint64_t bytes, uint64_t align)
{
	struct mem_range *r = &ranges[nranges - 1];
	bytes = ROUNDUP(bytes, EXO_PAGE_SIZE);
	if (r->end - r->base < bytes + align)
		return 0;
	uint64_t pa = ROUNDDOWN(r->end - bytes, align);
	if (pa <= r->base)
		return 0;
	r->end = pa;
	return pa;
}

/* Records which gigabytes hold no free frame, once the ranges are final: the
 * whole gigabytes inside the gaps between free ranges (so the cost follows the
 * number of ranges and holes, not the size of RAM). */
static void find_holes(void)
{
	uint64_t gap = 0;
	for (int i = 0; i <= nranges; i++) {
		uint64_t end = i < nranges ? PFN(ranges[i].base) : npages;
		for (uint64_t g = ROUNDUP(gap, PFNS_PER_GIB) / PFNS_PER_GIB;
		     (g + 1) * PFNS_PER_GIB <= end; g++)
			hole_gib[g / 64] |= 1ul << (g % 64);
		if (i < nranges)
			gap = PFN(ranges[i].end);
	}
}

bool pmem_table_chunk_is_hole(uint64_t i)
{
	return i < DIRECT_MAP_GIB && hole_gib[i / 64] >> (i % 64) & 1;
}

/* Frames [pfn, end) are not free: EXO_PAGE_KERNEL, except in holes. */
static void mark_kernel(uint64_t pfn, uint64_t end, uint64_t pattern)
{
	while (pfn < end) {
		uint64_t gib = pfn / PFNS_PER_GIB, stop = (gib + 1) * PFNS_PER_GIB;
		if (stop > end)
			stop = end;
		if (!pmem_table_chunk_is_hole(gib))
			fill64(&page_info[pfn], pattern, stop - pfn);
		pfn = stop;
	}
}

/* Everything that is not a free range below the table's end is the kernel's. */
static void mark_kernel_pages(void)
{
	uint64_t pattern = kernel_entry_pattern(), pfn = 0;
	for (int i = 0; i <= nranges; i++) {
		mark_kernel(pfn, i < nranges ? PFN(ranges[i].base) : npages, pattern);
		if (i < nranges)
			pfn = PFN(ranges[i].end);
	}
}

/* RAM the ranges hold, in frames. */
static uint64_t ram_pages(void)
{
	uint64_t pages = 0;
	for (int i = 0; i < nranges; i++)
		pages += PFN(ranges[i].end - ranges[i].base);
	return pages;
}

/* The bytes of table for n entries: whole 2 MiB pages from 1 GiB of frames
 * up, exported with one entry each (a 4 KiB tail cost ~100 us an entry
 * here); below that, pages, so that a small VM does not give up 2 MiB. */
static uint64_t table_span(uint64_t n)
{
	uint64_t bytes = n * sizeof(struct exo_page);
	return ROUNDUP(bytes, bytes >= TABLE_ALIGN ? TABLE_ALIGN : EXO_PAGE_SIZE);
}

/* Carves the page-info table, the rmap heads and the pools in one block. */
static void carve_tables(const struct pmem_pool *pools, int npools)
{
	uint64_t ram = ram_pages(), bytes[8], total;
	if (npools > (int)ARRAY_SIZE(bytes))
		panic("pmem_init: %d pools", npools);
	table_bytes = table_span(npages);
	total = table_bytes + ROUNDUP(npages * sizeof(uint32_t), EXO_PAGE_SIZE);
	for (int i = 0; i < npools; i++) {
		bytes[i] = ROUNDUP(pools[i].count(ram) * pools[i].size, EXO_PAGE_SIZE);
		total += bytes[i];
	}
	table_pa = carve_top(total, TABLE_ALIGN);
	if (!table_pa)
		table_pa = carve(total, TABLE_ALIGN);
	page_info = kva(table_pa);
	page_rmap = kva(table_pa + table_bytes);
	uint64_t pa = table_pa + total;
	for (int i = npools - 1; i >= 0; i--) {
		pa -= bytes[i];
		*pools[i].base = kva(pa);
		*pools[i].n = bytes[i] / pools[i].size;
	}
	/* The table's entries past npages are never read: its 2 MiB rounding
	 * needs no clearing (at 128 MiB that would be 2 MiB for 256 KiB). */
	if (!fresh_zero) {
		fill64(page_info, 0, ROUNDUP(npages * sizeof(struct exo_page), EXO_PAGE_SIZE) / 8);
		fill64(page_rmap, 0, (total - table_bytes) / 8);
	}
}

/* The frames the table describes: up to the end of the last range, or of
 * cover_end if that is higher and in the direct map. */
static uint64_t table_end(uint64_t cover_end)
{
	uint64_t n = PFN(ranges[nranges - 1].end);
	if (cover_end <= PMEM_DIRECT_MAP_END && PFN(ROUNDUP(cover_end, EXO_PAGE_SIZE)) > n)
		n = PFN(ROUNDUP(cover_end, EXO_PAGE_SIZE));
	return n;
}

void pmem_init(const struct mem_range *usable, int n, uint64_t cover_end, bool fresh_pages_are_zero,
               const struct pmem_pool *pools, int npools)
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
		panic("no usable memory in the direct map");
	npages = table_end(cover_end);
	carve_tables(pools, npools); /* sized for npages: an upper bound */
	npages = table_end(cover_end);
	find_holes();
	mark_kernel_pages();
	nfree = ram_pages();
	kinfo_page.ram_pages = nfree;
	for (int i = 0; i < nranges; i++) {
		fresh[i] = PFN(ranges[i].base);
		fresh_top[i] = PFN(ranges[i].end);
	}
	cur_pfn = PFN(ranges[0].base);
}

bool pmem_in_free_ranges(uint64_t pa, uint64_t len)
{
	for (int i = 0; i < nranges; i++)
		if (pa >= ranges[i].base && pa <= ranges[i].end && len <= ranges[i].end - pa)
			return true;
	return false;
}

static uint64_t entry_pattern(uint16_t owner, uint8_t type, uint8_t flags)
{
	struct exo_page p = {.owner = owner, .type = type, .flags = flags};
	uint64_t v;
	memcpy(&v, &p, sizeof(v));
	return v;
}

/* Frames [pfn, pfn + n) now belong to owner: one rep stosq for their entries,
 * another to clear them if they may hold data. */
static void take_run(uint64_t pfn, uint64_t n, uint16_t owner, uint8_t type, bool dirty)
{
	if (dirty || !fresh_zero) {
		/* By the host where it can (scrub.c): one exit instead of ~300 us of
		 * emulated `rep stosq` a page.  A failed discard is zeroed by hand. */
		struct mem_range r = {PA(pfn), PA(pfn + n)};
		scrub_ranges(&r, 1);
	}
	fill64(&page_info[pfn], entry_pattern(owner, type, 0), n);
	nfree -= n;
}

static void take(uint64_t pfn, uint16_t owner, uint8_t type)
{
	take_run(pfn, 1, owner, type, page_info[pfn].flags & EXO_PAGE_DIRTY);
}

/* A freed frame outside the fresh parts, next fit; there is one (freed_below). */
static uint64_t next_freed(void)
{
	for (int tries = 0; tries <= nranges; tries++) {
		if (cur_pfn < PFN(ranges[cur_range].base))
			cur_pfn = PFN(ranges[cur_range].base);
		for (; cur_pfn < PFN(ranges[cur_range].end); cur_pfn++) {
			if (cur_pfn == fresh[cur_range])
				cur_pfn = fresh_top[cur_range];
			if (cur_pfn == PFN(ranges[cur_range].end))
				break;
			const struct exo_page *p = &page_info[cur_pfn];
			if (p->type == EXO_PAGE_FREE && !(p->flags & PMEM_RUN_FREE))
				return cur_pfn++;
		}
		cur_range = (cur_range + 1) % nranges;
		cur_pfn = PFN(ranges[cur_range].base);
	}
	panic("pmem: %lu freed frames counted but none found", freed_below);
}

/* Moves the bottom of range i's fresh part up to `to`; the frames passed over
 * stay free and count as freed ones (clean: they were never handed out). */
static void fresh_skip(int i, uint64_t to)
{
	freed_below += to - fresh[i];
	fresh[i] = to;
}

static int free_run_of(uint64_t pfn)
{
	for (int k = 0; k < MAX_FREE_RUNS; k++)
		if (pfn >= free_runs[k].pfn && pfn - free_runs[k].pfn < free_runs[k].count)
			return k;
	panic("pmem: frame %lx kept for a run that is not kept", pfn);
}

/* Frames [pfn, pfn + n) of a kept run stop being kept: ordinary freed frames. */
static void unkeep(uint64_t pfn, uint64_t n)
{
	fill64(&page_info[pfn], entry_pattern(0, EXO_PAGE_FREE, EXO_PAGE_DIRTY), n);
	freed_below += n;
}

/* Frame pfn of kept run k is wanted alone: it leaves the run, and so does
 * whatever lies above it (as freed frames), so the run stays one piece. */
static void unkeep_from(int k, uint64_t pfn)
{
	struct free_run *r = &free_runs[k];
	uint64_t keep = pfn - r->pfn;
	unkeep(pfn, r->count - keep);
	r->count = keep;
}

uint64_t page_alloc(uint16_t owner, uint8_t type)
{
	for (int i = nranges - 1; i >= 0; i--) {
		if (fresh[i] < fresh_top[i]) {
			take(--fresh_top[i], owner, type);
			return PA(fresh_top[i]);
		}
	}
	if (!freed_below) {
		/* Only kept runs are left: break the last frame off one. */
		for (int k = 0; k < MAX_FREE_RUNS && !freed_below; k++)
			if (free_runs[k].count)
				unkeep_from(k, free_runs[k].pfn + free_runs[k].count - 1);
		if (!freed_below)
			return 0;
	}
	uint64_t pfn = next_freed();
	freed_below--;
	take(pfn, owner, type);
	return PA(pfn);
}

/* ---- runs ---- */

static uint64_t align_up(uint64_t pfn, uint64_t align)
{
	return (pfn + align - 1) & ~(align - 1);
}

static bool from_free_runs(uint64_t n, uint64_t align, uint16_t owner, uint64_t *pfn)
{
	for (int k = 0; k < MAX_FREE_RUNS; k++) {
		struct free_run *r = &free_runs[k];
		if (r->count < n || r->pfn % align)
			continue;
		*pfn = r->pfn;
		take_run(r->pfn, n, owner, EXO_PAGE_USER, r->dirty);
		r->pfn += n;
		r->count -= n;
		return true;
	}
	return false;
}

static bool from_fresh(uint64_t n, uint64_t align, uint16_t owner, uint64_t *pfn)
{
	for (int i = 0; i < nranges; i++) {
		uint64_t at = align_up(fresh[i], align);
		if (at > fresh_top[i] || fresh_top[i] - at < n)
			continue;
		fresh_skip(i, at);
		fresh[i] = at + n;
		*pfn = at;
		take_run(at, n, owner, EXO_PAGE_USER, false);
		return true;
	}
	return false;
}

/* The slow path: n free frames in a row anywhere, at the alignment. */
static bool by_search(uint64_t n, uint64_t align, uint16_t owner, uint64_t *pfn)
{
	for (int i = 0; i < nranges; i++) {
		uint64_t end = PFN(ranges[i].end);
		for (uint64_t at = align_up(PFN(ranges[i].base), align); at + n <= end;) {
			uint64_t k = 0;
			while (k < n && page_info[at + k].type == EXO_PAGE_FREE)
				k++;
			if (k < n) {
				at = align_up(at + k + 1, align);
				continue;
			}
			/* Kept runs among them stop being kept, then all are taken. */
			for (uint64_t f = at; f < at + n; f++)
				if (page_info[f].flags & PMEM_RUN_FREE) {
					int k = free_run_of(f);
					unkeep_from(k, free_runs[k].pfn);
				}
			if (at + n > fresh[i]) /* too small for n anyway: used up */
				fresh_skip(i, fresh_top[i]);
			freed_below -= n;
			take_run(at, n, owner, EXO_PAGE_USER, true);
			*pfn = at;
			return true;
		}
	}
	return false;
}

uint64_t run_alloc(uint64_t n, bool large, uint16_t owner)
{
	uint64_t align = large ? EXO_LARGE_PAGES : 1, pfn;
	if (n == 0 || n > nfree)
		return 0;
	if (from_free_runs(n, align, owner, &pfn) || from_fresh(n, align, owner, &pfn) ||
	    by_search(n, align, owner, &pfn))
		return PA(pfn);
	return 0;
}

void run_free(uint64_t pfn, uint64_t n)
{
	if (n == 1) {
		page_free(PA(pfn));
		return;
	}
	nfree += n;
	for (int k = 0; k < MAX_FREE_RUNS; k++) {
		if (free_runs[k].count == 0) {
			free_runs[k] = (struct free_run){pfn, n, true};
			fill64(&page_info[pfn],
			       entry_pattern(0, EXO_PAGE_FREE, EXO_PAGE_DIRTY | PMEM_RUN_FREE), n);
			return;
		}
	}
	fill64(&page_info[pfn], entry_pattern(0, EXO_PAGE_FREE, EXO_PAGE_DIRTY), n);
	freed_below += n;
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
	if (page_info[pfn].flags & PMEM_RUN_FREE)
		unkeep_from(free_run_of(pfn), pfn);
	int i = 0;
	while (pfn >= PFN(ranges[i].end) || pfn < PFN(ranges[i].base))
		i++;
	if (pfn >= fresh[i] && pfn < fresh_top[i])
		fresh_skip(i, pfn + 1);
	freed_below--;
	take(pfn, owner, type);
	return 0;
}

void page_free(uint64_t pa)
{
	page_info[PFN(pa)] = (struct exo_page){.type = EXO_PAGE_FREE, .flags = EXO_PAGE_DIRTY};
	nfree++;
	freed_below++;
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
	/* Within table_bytes: it was carved for the npages before the table came
	 * off the top, at least as many.  Entries past npages are 0. */
	return table_span(npages);
}
