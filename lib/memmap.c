/* Usable RAM from the memory map. See memmap.h.
 *
 * The result is produced by a sweep over addresses, emitting maximal usable ranges in
 * increasing order. That needs neither sorting nor scratch space (the map is const and
 * the kernel has no allocator yet), and `max` is compared against the exact final
 * count, never against some intermediate union. Each step asks "which ranges contain
 * x" or "which range starts next", a linear pass over the (small) inputs. */
#include "memmap.h"

#include <stdbool.h>

#define PAGE_MASK 0xfffull

/* addr+size, clipped at 2^64-1 (which then stands for 2^64). */
static uint64_t sat_end(uint64_t addr, uint64_t size)
{
	return size > UINT64_MAX - addr ? UINT64_MAX : addr + size;
}

/* Page-rounded outward; an end at or past the last page becomes UINT64_MAX. */
static struct mem_range round_out(uint64_t base, uint64_t end)
{
	struct mem_range r = {base & ~PAGE_MASK, end};

	if (end > UINT64_MAX - PAGE_MASK)
		r.end = UINT64_MAX;
	else
		r.end = (end + PAGE_MASK) & ~PAGE_MASK;
	return r;
}

/* The inputs, viewed as two sets of page-rounded ranges. */
struct sweep {
	const struct hvm_memmap_table_entry *map;
	size_t n;
	const struct mem_range *res;
	size_t nres;
	uint64_t min_end; /* [0, min_end) is removed; page-aligned or UINT64_MAX */
};

/* Map entry i as RAM, rounded inward; false if it is not RAM or is empty. */
static bool ram_range(const struct sweep *s, size_t i, struct mem_range *r)
{
	const struct hvm_memmap_table_entry *m = &s->map[i];
	uint64_t end;

	if (m->type != XEN_HVM_MEMMAP_TYPE_RAM || m->addr > UINT64_MAX - PAGE_MASK)
		return false;
	end = sat_end(m->addr, m->size);
	r->base = (m->addr + PAGE_MASK) & ~PAGE_MASK;
	r->end = end & ~PAGE_MASK;
	return r->base < r->end;
}

/* Removed range i: the non-RAM map entries, then the reserved ranges, rounded outward. */
static bool removed_range(const struct sweep *s, size_t i, struct mem_range *r)
{
	if (i < s->n) {
		const struct hvm_memmap_table_entry *m = &s->map[i];

		if (m->type == XEN_HVM_MEMMAP_TYPE_RAM || m->size == 0)
			return false;
		*r = round_out(m->addr, sat_end(m->addr, m->size));
		return true;
	}
	i -= s->n;
	if (s->res[i].end <= s->res[i].base)
		return false;
	*r = round_out(s->res[i].base, s->res[i].end);
	return true;
}

/* Inputs beyond this many ranges (map entries + reserved + 1) are refused. */
#define MAX_INPUT 128

/* Insertion sort by base: the lists are a handful of entries long. */
static void sort_ranges(struct mem_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct mem_range x = r[i];
		size_t j = i;
		for (; j > 0 && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
}

/* Sorts and coalesces overlapping or adjacent ranges; returns the new count. */
static size_t merge_ranges(struct mem_range *r, size_t n)
{
	if (!n)
		return 0;
	sort_ranges(r, n);
	size_t out = 0;
	for (size_t i = 1; i < n; i++) {
		if (r[i].base <= r[out].end) {
			if (r[i].end > r[out].end)
				r[out].end = r[i].end;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

/* Sort both lists, coalesce each, then one merge pass subtracts the removed
 * ranges from RAM.  The kernel runs this at boot in emulated ring 0 (~275 ns an
 * instruction), so it is a few hundred instructions for a typical map. */
int memmap_usable(const struct hvm_memmap_table_entry *map, size_t n,
                  const struct mem_range *reserved, size_t nreserved, uint64_t min_addr,
                  struct mem_range *out, size_t max)
{
	struct sweep s = {map, n, reserved, nreserved, round_out(0, min_addr).end};
	/* Static: 4 KiB would be a quarter of the kernel's stack, and boot calls
	 * this once (not reentrant). */
	static struct mem_range ram[MAX_INPUT], rem[MAX_INPUT];
	size_t nram = 0, nrem = 0;
	if (n > MAX_INPUT - 1 || nreserved > MAX_INPUT - 1 - n)
		return -1;
	for (size_t i = 0; i < n + nreserved; i++) {
		if (i < n && ram_range(&s, i, &ram[nram]))
			nram++;
		else if (removed_range(&s, i, &rem[nrem]))
			nrem++;
	}
	if (s.min_end)
		rem[nrem++] = (struct mem_range){0, s.min_end};
	nram = merge_ranges(ram, nram);
	nrem = merge_ranges(rem, nrem);

	size_t count = 0, j = 0;
	for (size_t i = 0; i < nram; i++) {
		uint64_t x = ram[i].base, e = ram[i].end;
		while (x < e) {
			while (j < nrem && rem[j].end <= x)
				j++;
			if (j < nrem && rem[j].base <= x) { /* x is removed: skip the range */
				x = rem[j].end;
				continue;
			}
			uint64_t end = j < nrem && rem[j].base < e ? rem[j].base : e;
			if (count == max)
				return -1;
			out[count++] = (struct mem_range){x, end};
			x = end;
		}
	}
	return (int)count;
}

uint64_t memmap_total(const struct mem_range *r, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t len = r[i].end > r[i].base ? r[i].end - r[i].base : 0;

		sum = len > UINT64_MAX - sum ? UINT64_MAX : sum + len;
	}
	return sum;
}
