/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS) and the futex wakes
 * over it, across processes (issue 14).
 *
 * Linux backs such a mapping with a shmem file: the pages belong to the
 * file, every mapping of it (a fork's child's too) sees the same pages, and
 * they go when the last mapping does.  Here the file is a segment of the
 * region every ExOS process shares (shared.c): its pages come from the
 * region's allocator, so every process holds a capability for them already
 * (the region's), and the segment's reference count, in the region, counts
 * the mappings that name it, in any process.  A process maps the pages at
 * the program's address with that capability, 4 KiB pages, writable where
 * the program's protection says; fork skips them in its copy-on-write walk
 * (fork.c) and the child maps them again with its own capability from the
 * table below, which it inherits.  mm.c never sees their frames: its pool,
 * mapping cache and parked pages hold only the process's own.
 *
 * A futex word in shared memory may be waited on in one process and woken
 * in another, whose waiters' queue (futex.c) is not ours: every wake on
 * shared memory moves the region's futex sequence word, and a waiter on
 * shared memory sleeps on it too.  A wake in any process so wakes every
 * cross-process waiter, and each one returns 0, which futex's callers read
 * as "look again" (a spurious wake-up, as Linux allows). */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "linux.h"
#include "mm.h"
#include "proc.h"
#include "shm.h"
#include "thread.h"

#define SHM_MAX 128 /* shared mappings per process */

/* A segment, in the region: one mmap call's memory. */
struct shm_seg {
	uint64_t refs;  /* mappings naming it, in every process (under the lock) */
	uint64_t bytes; /* its pages' size, as allocated */
	uint8_t *pages; /* in the region */
};

/* Our mappings: [lo, hi) shows the segment's bytes from off. */
static struct shm_map {
	uint64_t lo, hi;
	struct shm_seg *seg;
	uint64_t off;
} maps[SHM_MAX];
static size_t nmaps;

static void seg_get(struct shm_seg *seg)
{
	linux_shared_lock();
	seg->refs++;
	linux_shared_unlock();
}

static void seg_put(struct shm_seg *seg)
{
	linux_shared_lock();
	if (--seg->refs == 0) {
		exos_shared_free(seg->pages, seg->bytes);
		exos_shared_free(seg, sizeof(*seg));
	}
	linux_shared_unlock();
}

/* Maps [lo, hi) to the segment's pages from off, with perm: the region's
 * capability, EXO_MAP_BATCH pages a call (a mapping there is replaced). */
static long map_pages(uint64_t lo, uint64_t hi, const struct shm_seg *seg, uint64_t off,
                      uint64_t perm)
{
	uint64_t first = ((uint64_t)seg->pages - EXOS_SHARED_BASE + off) / PAGE;
	for (uint64_t va = lo; va < hi;) {
		uint64_t n = (hi - va) / PAGE < BATCH ? (hi - va) / PAGE : BATCH;
		struct exo_map_op op = {.va = va,
		                        .cap = linux_shared_cap,
		                        .first = (uint32_t)first,
		                        .npages = (uint32_t)n,
		                        .perm = perm};
		if (exo_map(EXO_CAP_SELF, &op, 1) != 1)
			return -LINUX_ENOMEM;
		va += n * PAGE;
		first += n;
	}
	return 0;
}

static void unmap_pages(uint64_t lo, uint64_t hi)
{
	for (uint64_t va = lo; va < hi;) {
		uint64_t n = (hi - va) / PAGE;
		long r = exo_unmap(EXO_CAP_SELF, va, n < EXO_RANGE_MAX ? n : EXO_RANGE_MAX);
		if (r <= 0)
			return; /* ours, mapped by us: cannot fail */
		va += (uint64_t)r * PAGE;
	}
}

/* Maps maps[i]'s part of [lo, hi) with the protection of the regions there. */
static long map_part(const struct shm_map *m, uint64_t lo, uint64_t hi)
{
	for (size_t k = vma_lower_bound(&vmas, lo); k < vmas.n && vmas.v[k].lo < hi; k++) {
		const struct vma *v = &vmas.v[k];
		uint64_t a = v->lo > lo ? v->lo : lo, b = v->hi < hi ? v->hi : hi;
		if (v->prot == LINUX_PROT_NONE)
			continue;
		long r = map_pages(a, b, m->seg, m->off + (a - m->lo), perm_of(v->prot));
		if (r < 0)
			return r;
	}
	return 0;
}

long linux_shm_map(uint64_t lo, uint64_t hi, uint32_t prot)
{
	if (nmaps == SHM_MAX)
		return -LINUX_ENOMEM;
	struct shm_seg *seg = exos_shared_alloc(sizeof(*seg));
	uint8_t *pages = seg ? exos_shared_alloc(hi - lo) : NULL;
	if (!pages) {
		exos_shared_free(seg, sizeof(*seg));
		return -LINUX_ENOMEM;
	}
	*seg = (struct shm_seg){.refs = 1, .bytes = hi - lo, .pages = pages};
	struct shm_map *m = &maps[nmaps];
	*m = (struct shm_map){lo, hi, seg, 0};
	if (region_insert(lo, hi, prot, VMA_SHARED) < 0) {
		seg_put(seg);
		return -LINUX_ENOMEM;
	}
	if (map_part(m, lo, hi) < 0) {
		unmap_pages(lo, hi);
		vma_remove(&vmas, lo, hi);
		seg_put(seg);
		return -LINUX_ENOMEM;
	}
	nmaps++;
	return 0;
}

bool linux_shm_in(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].lo < hi && lo < maps[i].hi)
			return true;
	return false;
}

static void drop(size_t i)
{
	memmove(&maps[i], &maps[i + 1], (nmaps - i - 1) * sizeof(maps[0]));
	nmaps--;
}

long linux_shm_unmap(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].lo < lo && hi < maps[i].hi && nmaps == SHM_MAX)
			return -LINUX_ENOMEM; /* a hole in it needs an entry more */
	for (size_t i = 0; i < nmaps;) {
		struct shm_map *m = &maps[i];
		uint64_t a = m->lo > lo ? m->lo : lo, b = m->hi < hi ? m->hi : hi;
		if (a >= b) {
			i++;
			continue;
		}
		unmap_pages(a, b);
		if (a == m->lo && b == m->hi) {
			struct shm_seg *seg = m->seg;
			drop(i);
			seg_put(seg);
			continue;
		}
		if (a > m->lo && b < m->hi) { /* the part above the hole: an entry of its own */
			maps[nmaps++] = (struct shm_map){b, m->hi, m->seg, m->off + (b - m->lo)};
			seg_get(m->seg);
			m->hi = a;
		} else if (a == m->lo) {
			m->off += b - m->lo;
			m->lo = b;
		} else {
			m->hi = a;
		}
		i++;
	}
	return 0;
}

long linux_shm_protect(uint64_t lo, uint64_t hi, uint32_t prot)
{
	for (size_t i = 0; i < nmaps; i++) {
		const struct shm_map *m = &maps[i];
		uint64_t a = m->lo > lo ? m->lo : lo, b = m->hi < hi ? m->hi : hi;
		if (a >= b)
			continue;
		if (prot == LINUX_PROT_NONE)
			unmap_pages(a, b);
		else if (map_pages(a, b, m->seg, m->off + (a - m->lo), perm_of(prot)) < 0)
			return -LINUX_ENOMEM;
	}
	return 0;
}

void linux_shm_forked(int delta)
{
	if (!nmaps)
		return;
	linux_shared_lock();
	for (size_t i = 0; i < nmaps; i++)
		maps[i].seg->refs += (uint64_t)(int64_t)delta;
	linux_shared_unlock();
}

long linux_shm_after_fork(void)
{
	for (size_t i = 0; i < nmaps; i++) {
		long r = map_part(&maps[i], maps[i].lo, maps[i].hi);
		if (r < 0)
			return r;
	}
	return 0;
}

void linux_shm_drop_all(void)
{
	while (nmaps) {
		struct shm_map m = maps[nmaps - 1];
		nmaps--;
		unmap_pages(m.lo, m.hi);
		seg_put(m.seg);
	}
}

bool linux_shm_futex_term(uint64_t uaddr, struct exo_pred_term *t)
{
	if (!linux_shm_in(uaddr, uaddr + 4)) /* first: linux_shared() may make the region */
		return false;
	struct shared_hdr *sh = linux_shared();
	*t = linux_pred_word(&sh->futex_seq, EXO_PRED_NE,
	                     __atomic_load_n(&sh->futex_seq, __ATOMIC_SEQ_CST));
	return true;
}

void linux_shm_futex_woke(uint64_t uaddr)
{
	if (linux_shm_in(uaddr, uaddr + 4))
		__atomic_add_fetch(&linux_shared()->futex_seq, 1, __ATOMIC_SEQ_CST);
}
