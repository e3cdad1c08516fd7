/* The program's memory regions (VMAs): a sorted array of disjoint,
 * page-aligned [lo, hi) ranges with a protection and flags.
 *
 * Pure: no kernel calls and no allocation (the caller gives the array), so
 * the host unit tests run it (tests/unit/test_vma.c).  mm.c owns one set and
 * keeps the page tables in step with it.
 *
 * Adjacent regions with equal prot and flags are merged, as Linux merges
 * anonymous VMAs, so a heap grown a page at a time stays one entry.  Splits
 * (a partial munmap or mprotect) need free entries: the calls that split
 * check for room first and change nothing when there is none. */
#ifndef EXOS_LINUX_VMA_H
#define EXOS_LINUX_VMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMA_PAGE 4096ul

struct vma {
	uint64_t lo, hi; /* [lo, hi), page-aligned, lo < hi */
	uint32_t prot;   /* opaque here (mm.c: LINUX_PROT_*) */
	uint32_t flags;  /* opaque here (mm.c: VMA_*) */
};

struct vma_set {
	struct vma *v; /* sorted by lo, disjoint */
	size_t n, cap;
};

/* Results of the calls that change the set. */
#define VMA_OK       0
#define VMA_EFULL    (-1) /* the array has no room for a split or a new entry */
#define VMA_EOVERLAP (-2) /* vma_insert: the range is not free */
#define VMA_EINVAL   (-3) /* unaligned or empty range */

void vma_init(struct vma_set *s, struct vma *buf, size_t cap);

/* The index of the first region with hi > addr (n if none): the region that
 * contains addr, if any, else the next one above it. */
size_t vma_lower_bound(const struct vma_set *s, uint64_t addr);
/* The region containing addr, or NULL. */
struct vma *vma_find(const struct vma_set *s, uint64_t addr);

/* True if no region meets [lo, hi). */
bool vma_free(const struct vma_set *s, uint64_t lo, uint64_t hi);
/* True if regions cover every page of [lo, hi) (lo < hi). */
bool vma_covered(const struct vma_set *s, uint64_t lo, uint64_t hi);

/* Adds [lo, hi), which must be free; merges it with equal neighbours. */
int vma_insert(struct vma_set *s, uint64_t lo, uint64_t hi, uint32_t prot, uint32_t flags);
/* Removes [lo, hi) from every region it meets (parts of it may be free),
 * splitting a region that extends past both ends. */
int vma_remove(struct vma_set *s, uint64_t lo, uint64_t hi);
/* Sets prot on the mapped parts of [lo, hi), splitting at lo and hi and
 * merging afterwards. */
int vma_protect(struct vma_set *s, uint64_t lo, uint64_t hi, uint32_t prot);

/* The highest a with [a, a + len) free and inside [bottom, top), or 0 if
 * there is none (bottom must be > 0).  All arguments page-aligned. */
uint64_t vma_gap_topdown(const struct vma_set *s, uint64_t len, uint64_t bottom, uint64_t top);

#endif
