/* The arena allocator (arena.h).  Small objects: a free list per power-of-two
 * class, refilled a page at a time; their pages are not given back (a file
 * system's names come and go at the same sizes).  Large objects: first fit
 * over the page bitmap, from a moving hint so a run of allocations does not
 * rescan the full part. */
#include "arena.h"

#define BITS 64u

static unsigned class_of(size_t size)
{
	unsigned c = 0;

	while ((16u << c) < size)
		c++;
	return c;
}

size_t arena_size_of(size_t size)
{
	if (size <= ARENA_SMALL_MAX)
		return (size_t)16u << class_of(size ? size : 1);
	return (size + ARENA_PAGE - 1) / ARENA_PAGE * ARENA_PAGE;
}

size_t arena_meta_bytes(size_t bytes)
{
	size_t words = (bytes / ARENA_PAGE + BITS - 1) / BITS;
	return (words * 8 + 2 * ARENA_PAGE - 1) & ~(size_t)(ARENA_PAGE - 1);
}

uint64_t arena_init(struct arena *a, void *mem, size_t bytes)
{
	uintptr_t start = (uintptr_t)mem, end = start + bytes;
	/* Each page costs a page and a bit: solve for n with the bitmap rounded up. */
	uint64_t n = bytes / (ARENA_PAGE + 1);
	uintptr_t first;

	*a = (struct arena){0};
	for (;;) {
		uint64_t words = (n + BITS - 1) / BITS;
		first = (start + words * 8 + ARENA_PAGE - 1) & ~(uintptr_t)(ARENA_PAGE - 1);
		if (n == 0 || (first <= end && (end - first) / ARENA_PAGE >= n))
			break;
		n--;
	}
	if (n == 0)
		return 0;
	a->bitmap = mem;
	for (uint64_t w = 0; w < (n + BITS - 1) / BITS; w++)
		a->bitmap[w] = 0;
	a->pages = (uint8_t *)first;
	a->npages = n;
	return n;
}

static bool page_used(const struct arena *a, uint64_t i)
{
	return a->bitmap[i / BITS] >> (i % BITS) & 1;
}

static void mark(struct arena *a, uint64_t first, uint64_t n, bool used)
{
	for (uint64_t i = first; i < first + n; i++) {
		uint64_t bit = 1ull << (i % BITS);
		a->bitmap[i / BITS] = used ? a->bitmap[i / BITS] | bit : a->bitmap[i / BITS] & ~bit;
	}
	a->used = used ? a->used + n : a->used - n;
}

/* The first free run of n pages at or after `from`, or npages. */
static uint64_t find_run(const struct arena *a, uint64_t from, uint64_t n)
{
	uint64_t run = 0;

	for (uint64_t i = from; i < a->npages; i++) {
		if (!(i % BITS) && a->bitmap[i / BITS] == ~0ull) { /* a full word: skip it */
			run = 0;
			i += BITS - 1;
			continue;
		}
		run = page_used(a, i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return a->npages;
}

static void *alloc_pages(struct arena *a, uint64_t n)
{
	uint64_t first;

	if (n > a->npages - a->used)
		return NULL;
	first = find_run(a, a->hint, n);
	if (first == a->npages && a->hint)
		first = find_run(a, 0, n);
	if (first == a->npages)
		return NULL;
	mark(a, first, n, true);
	a->hint = first + n < a->npages ? first + n : 0;
	return a->pages + first * ARENA_PAGE;
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (size == 0 || !a->npages)
		return NULL;
	if (size > ARENA_SMALL_MAX)
		return alloc_pages(a, arena_size_of(size) / ARENA_PAGE);
	unsigned c = class_of(size);
	void *obj = a->free[c];
	if (obj) {
		a->free[c] = *(void **)obj;
		return obj;
	}
	if (!a->carve[c] && !(a->carve[c] = alloc_pages(a, 1)))
		return NULL;
	obj = a->carve[c]; /* a fresh page, an object at a time: nothing written */
	a->carve[c] += (size_t)16u << c;
	if (!((uintptr_t)a->carve[c] & (ARENA_PAGE - 1)))
		a->carve[c] = NULL;
	return obj;
}

bool arena_extend(struct arena *a, void *p, size_t size, size_t bigger)
{
	uint64_t first = (uint64_t)((uint8_t *)p - a->pages) / ARENA_PAGE;
	uint64_t have = arena_size_of(size) / ARENA_PAGE, want = arena_size_of(bigger) / ARENA_PAGE;

	if (size <= ARENA_SMALL_MAX || want <= have)
		return size > ARENA_SMALL_MAX && bigger > ARENA_SMALL_MAX;
	if (first + want > a->npages)
		return false;
	for (uint64_t i = first + have; i < first + want; i++)
		if (page_used(a, i))
			return false;
	mark(a, first + have, want - have, true);
	return true;
}

void arena_free(struct arena *a, void *p, size_t size)
{
	if (!p || size == 0)
		return;
	if (size > ARENA_SMALL_MAX) {
		uint64_t first = (uint64_t)((uint8_t *)p - a->pages) / ARENA_PAGE;
		mark(a, first, arena_size_of(size) / ARENA_PAGE, false);
		if (first < a->hint)
			a->hint = first;
		return;
	}
	unsigned c = class_of(size);
	*(void **)p = a->free[c];
	a->free[c] = p;
}
