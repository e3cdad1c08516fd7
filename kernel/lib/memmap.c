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

typedef bool (*range_fn)(const struct sweep *s, size_t i, struct mem_range *r);

/* The end of the run of ranges that covers x (chains of overlapping or adjacent
 * ranges are followed), or x itself if no range contains x. Passes repeat only while
 * they make progress, which for sorted input means one or two passes. */
static uint64_t cover_end(const struct sweep *s, range_fn get, size_t count, uint64_t x)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (size_t i = 0; i < count; i++) {
			struct mem_range r;

			if (get(s, i, &r) && r.base <= x && x < r.end) {
				x = r.end;
				moved = true;
			}
		}
	}
	return x;
}

/* The lowest base > x among the ranges, or UINT64_MAX if none. */
static uint64_t next_base(const struct sweep *s, range_fn get, size_t count, uint64_t x)
{
	uint64_t best = UINT64_MAX;

	for (size_t i = 0; i < count; i++) {
		struct mem_range r;

		if (get(s, i, &r) && r.base > x && r.base < best)
			best = r.base;
	}
	return best;
}

/* Advances x to the lowest usable address >= x; false if there is none. */
static bool skip_unusable(const struct sweep *s, uint64_t *x)
{
	size_t nrem = s->n + s->nres;

	for (;;) {
		uint64_t y = *x < s->min_end ? s->min_end : *x;

		y = cover_end(s, removed_range, nrem, y);
		/* UINT64_MAX stands for 2^64 here; RAM never reaches past 2^64-4096. */
		if (y == UINT64_MAX)
			return false;
		if (cover_end(s, ram_range, s->n, y) != y) {
			*x = y;
			return true;
		}
		*x = next_base(s, ram_range, s->n, y);
		if (*x == UINT64_MAX)
			return false;
	}
}

int memmap_usable(const struct hvm_memmap_table_entry *map, size_t n,
                  const struct mem_range *reserved, size_t nreserved, uint64_t min_addr,
                  struct mem_range *out, size_t max)
{
	struct sweep s = {map, n, reserved, nreserved, round_out(0, min_addr).end};
	uint64_t x = 0;
	size_t count = 0;

	while (skip_unusable(&s, &x)) {
		/* x is usable: the range runs to the end of its RAM run or to the next
		 * removed range, whichever is first. Both ends are page-aligned. */
		uint64_t end = cover_end(&s, ram_range, n, x);
		uint64_t cut = next_base(&s, removed_range, n + nreserved, x);

		if (cut < end)
			end = cut;
		if (count == max || count == (size_t)INT32_MAX)
			return -1;
		out[count].base = x;
		out[count].end = end;
		count++;
		x = end;
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
