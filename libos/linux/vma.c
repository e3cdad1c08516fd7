/* The program's memory regions: a sorted array (see vma.h).
 *
 * An array, not a tree: programs have tens of regions, a binary search finds
 * one in a few steps, and inserting or removing moves a few hundred bytes at
 * native speed. */
#include <string.h>

#include "vma.h"

void vma_init(struct vma_set *s, struct vma *buf, size_t cap)
{
	s->v = buf;
	s->n = 0;
	s->cap = cap;
}

size_t vma_lower_bound(const struct vma_set *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].hi > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vma *vma_find(const struct vma_set *s, uint64_t addr)
{
	size_t i = vma_lower_bound(s, addr);

	return i < s->n && s->v[i].lo <= addr ? &s->v[i] : NULL;
}

bool vma_free(const struct vma_set *s, uint64_t lo, uint64_t hi)
{
	size_t i = vma_lower_bound(s, lo);

	return i == s->n || s->v[i].lo >= hi;
}

bool vma_covered(const struct vma_set *s, uint64_t lo, uint64_t hi)
{
	for (size_t i = vma_lower_bound(s, lo); lo < hi; i++) {
		if (i == s->n || s->v[i].lo > lo)
			return false;
		lo = s->v[i].hi;
	}
	return true;
}

static bool bad_range(uint64_t lo, uint64_t hi)
{
	return lo >= hi || (lo | hi) & (VMA_PAGE - 1);
}

static bool mergeable(const struct vma *a, const struct vma *b)
{
	return a->hi == b->lo && a->prot == b->prot && a->flags == b->flags;
}

static void delete_range(struct vma_set *s, size_t i, size_t j)
{
	memmove(&s->v[i], &s->v[j], (s->n - j) * sizeof(s->v[0]));
	s->n -= j - i;
}

/* Merges equal neighbours among entries [from, to] (clamped to the array). */
static void coalesce(struct vma_set *s, size_t from, size_t to)
{
	size_t k = from ? from : 1;

	if (to >= s->n)
		to = s->n - 1;
	while (k <= to && k < s->n) {
		if (mergeable(&s->v[k - 1], &s->v[k])) {
			s->v[k - 1].hi = s->v[k].hi;
			delete_range(s, k, k + 1);
			to--;
		} else {
			k++;
		}
	}
}

/* Makes room at index i (the caller checked n < cap). */
static void open_slot(struct vma_set *s, size_t i)
{
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
	s->n++;
}

int vma_insert(struct vma_set *s, uint64_t lo, uint64_t hi, uint32_t prot, uint32_t flags)
{
	size_t i;

	if (bad_range(lo, hi))
		return VMA_EINVAL;
	if (!vma_free(s, lo, hi))
		return VMA_EOVERLAP;
	i = vma_lower_bound(s, lo);
	/* Extending a neighbour needs no room, so a full array still grows a heap. */
	if (i > 0 && s->v[i - 1].hi == lo && s->v[i - 1].prot == prot &&
	    s->v[i - 1].flags == flags) {
		s->v[i - 1].hi = hi;
		coalesce(s, i, i);
		return VMA_OK;
	}
	if (i < s->n && s->v[i].lo == hi && s->v[i].prot == prot && s->v[i].flags == flags) {
		s->v[i].lo = lo;
		return VMA_OK;
	}
	if (s->n == s->cap)
		return VMA_EFULL;
	open_slot(s, i);
	s->v[i] = (struct vma){.lo = lo, .hi = hi, .prot = prot, .flags = flags};
	return VMA_OK;
}

int vma_remove(struct vma_set *s, uint64_t lo, uint64_t hi)
{
	size_t i, j;

	if (bad_range(lo, hi))
		return VMA_EINVAL;
	i = vma_lower_bound(s, lo);
	if (i == s->n || s->v[i].lo >= hi)
		return VMA_OK;
	if (s->v[i].lo < lo && s->v[i].hi > hi) { /* a hole in one region */
		if (s->n == s->cap)
			return VMA_EFULL;
		open_slot(s, i); /* v[i] and v[i + 1] are now copies */
		s->v[i].hi = lo;
		s->v[i + 1].lo = hi;
		return VMA_OK;
	}
	if (s->v[i].lo < lo) { /* keep the head of the first region */
		s->v[i].hi = lo;
		i++;
	}
	for (j = i; j < s->n && s->v[j].hi <= hi; j++)
		;
	if (j < s->n && s->v[j].lo < hi) /* keep the tail of the last one */
		s->v[j].lo = hi;
	delete_range(s, i, j);
	return VMA_OK;
}

/* Splits the region containing addr strictly inside it; the caller checked
 * for room. */
static void split_at(struct vma_set *s, uint64_t addr)
{
	size_t i = vma_lower_bound(s, addr);

	if (i == s->n || s->v[i].lo >= addr)
		return;
	open_slot(s, i); /* v[i] and v[i + 1] are now copies */
	s->v[i].hi = addr;
	s->v[i + 1].lo = addr;
}

static bool inside(const struct vma_set *s, uint64_t addr)
{
	const struct vma *v = vma_find(s, addr);

	return v && v->lo < addr;
}

int vma_protect(struct vma_set *s, uint64_t lo, uint64_t hi, uint32_t prot)
{
	size_t need, i, j;

	if (bad_range(lo, hi))
		return VMA_EINVAL;
	need = (size_t)inside(s, lo) + (size_t)inside(s, hi);
	if (s->cap - s->n < need)
		return VMA_EFULL;
	split_at(s, lo);
	split_at(s, hi);
	i = vma_lower_bound(s, lo);
	for (j = i; j < s->n && s->v[j].lo < hi; j++)
		s->v[j].prot = prot;
	coalesce(s, i, j);
	return VMA_OK;
}

uint64_t vma_gap_topdown(const struct vma_set *s, uint64_t len, uint64_t bottom, uint64_t top)
{
	size_t i = vma_lower_bound(s, top);
	uint64_t ceiling = top;

	if (len == 0 || top < bottom || top - bottom < len)
		return 0;
	/* Regions below top, from the highest down; the gap above each. */
	while (true) {
		uint64_t floor = i > 0 ? s->v[i - 1].hi : bottom;

		if (i < s->n && s->v[i].lo < ceiling)
			ceiling = s->v[i].lo; /* the region straddling top */
		if (floor < bottom)
			floor = bottom;
		if (ceiling >= floor && ceiling - floor >= len)
			return ceiling - len;
		if (i == 0 || s->v[i - 1].hi <= bottom)
			return 0;
		ceiling = s->v[i - 1].lo;
		if (ceiling <= bottom)
			return 0;
		i--;
	}
}
