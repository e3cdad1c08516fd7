/* The program's memory: its regions, the page pool, checks of program buffers,
 * and the page-fault policy for program regions (see linux.h, mm.h).
 *
 * The regions are a vma.c set (MM_MAX_VMAS entries, static).  ExOS's page
 * tables follow it; each page of a region is in one of three states:
 *  - present, with the region's permissions;
 *  - absent: it is zero-filled on first touch (demand paging), by
 *    linux_mm_fault or by linux_user_ok when ExOS itself is about to touch it;
 *  - parked (PROT_NONE regions only): unmapped, but its page and capability
 *    are kept in parked[] so that an mprotect back shows the old contents.
 *
 * Crossings are what cost here (~25-50 µs each, a fault upcall ~60 µs), so:
 * pages come from the kernel up to 512 at a time (EXO_SYS_PAGE_ALLOC) and are
 * mapped with one EXO_SYS_MAP; small regions are mapped whole at once, large
 * ones in clusters on faults; pages a program unmaps go to a pool and are
 * reused (zeroed in ring 3) instead of being released one crossing each.
 * Smaller unmapped ranges are first kept mapped where they were, hidden from
 * the program (the mapping cache below), so an mmap at the same place costs
 * one PROTECT and a ring-3 clear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "linux.h"
#include "mm.h"
#include "shm.h"
#include "vma.h"

/* The handlers share one signature and each uses some of the six arguments. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define PTE_PERM_BITS (EXO_PTE_W | EXO_PTE_SW | EXO_PTE_NX)
#define PTE_LARGE     0x80ul /* a page-directory entry mapping 2 MiB */
#define BLOCK         EXO_LARGE_SIZE

uint64_t linux_mm_faults, linux_mm_fault_pages, linux_mm_reused_pages;
uint64_t linux_mm_large, linux_mm_splits;
uint64_t linux_mm_hidden_pages, linux_mm_shown_pages;

static struct vma vma_buf[MM_MAX_VMAS];
struct vma_set vmas = {vma_buf, 0, MM_MAX_VMAS};
uint64_t brk_base, brk_cur;

/* Scratch for building map calls: static, because faults are served on the
 * 16 KiB exception stack.  Never used by two calls at once (mm code does not
 * fault on program pages: it maps them first). */
static struct exo_map_op ops[BATCH];
static uint64_t scratch_pfn[BATCH];

uint64_t perm_of(uint32_t prot)
{
	uint64_t perm = 0;

	if (prot & LINUX_PROT_WRITE)
		perm |= EXO_PTE_W;
	if (!(prot & LINUX_PROT_EXEC))
		perm |= EXO_PTE_NX;
	return perm;
}

bool present(uint64_t va)
{
	return exos_pte(va) & EXO_PTE_P;
}

/* ---- walking the page tables (UVPT, no crossing) ---- */

static uint64_t next_boundary(uint64_t va, int shift)
{
	return ((va >> shift) + 1) << shift;
}

static bool table_absent(uint64_t entry_addr)
{
	uint64_t e = *(const volatile uint64_t *)entry_addr;

	return (e & (EXO_PTE_P | EXO_PTE_U)) != (EXO_PTE_P | EXO_PTE_U) || (e & PTE_LARGE);
}

/* Is va inside a 2 MiB page? */
static bool large_at(uint64_t va)
{
	return (exos_pde(va) & (EXO_PTE_P | PTE_LARGE)) == (EXO_PTE_P | PTE_LARGE);
}

/* The first present page in [va, hi), or hi.  Skips absent page tables
 * whole, so a sparse 256 MiB region takes a few hundred reads. */
static uint64_t next_present(uint64_t va, uint64_t hi)
{
	while (va < hi) {
		if (table_absent(EXOS_UVPT_PML4 + (va >> 39) * 8))
			va = next_boundary(va, 39);
		else if (table_absent(EXOS_UVPT_PDPT + (va >> 30) * 8))
			va = next_boundary(va, 30);
		else if (large_at(va))
			return va;
		else if (table_absent(EXOS_UVPT_PD + (va >> 21) * 8))
			va = next_boundary(va, 21);
		else if (!(*(const volatile uint64_t *)(EXOS_UVPT_PT + (va >> 12) * 8) & EXO_PTE_P))
			va += PAGE;
		else
			return va;
	}
	return hi;
}

/* Pages from va (present) to the last present page before end. */
static size_t span_pages(uint64_t va, uint64_t end)
{
	uint64_t last = va;

	for (uint64_t p = next_present(va + PAGE, end); p < end; p = next_present(p + PAGE, end))
		last = p;
	return (last - va) / PAGE + 1;
}

/* ---- 2 MiB pages ----
 * A fault in an anonymous region that covers a whole 2 MiB block with nothing
 * mapped in it maps the block as one 2 MiB page of a whole run: one kernel
 * entry and one page-table entry for 512 pages (try_large).  A range
 * operation that cuts such a page first splits it into 4 KiB mappings of the
 * same frames (one unmap, one map op), so everything else here deals in
 * 4 KiB pages; exos_pte() shows a 2 MiB page's 4 KiB parts. */

static long split_large(uint64_t va)
{
	uint64_t block = va & ~(BLOCK - 1), e = exos_pde(block), pfn = (e & EXO_PTE_ADDR) >> 12;
	uint32_t first;
	long cap = exos_frame_cap(pfn, &first);

	if (cap < 0)
		return -EXO_ENOENT;
	struct exo_map_op op = {.va = block,
	                        .cap = (int32_t)cap,
	                        .first = first,
	                        .npages = EXO_LARGE_PAGES,
	                        .perm = e & PTE_PERM_BITS};
	long r = exo_unmap(EXO_CAP_SELF, block, EXO_LARGE_PAGES);

	if (r < 0)
		return r;
	linux_mm_splits++;
	return exo_map(EXO_CAP_SELF, &op, 1) == 1 ? 0 : -EXO_ENOMEM;
}

/* Splits the 2 MiB pages [lo, hi) cuts at either end. */
static long split_edges(uint64_t lo, uint64_t hi)
{
	long r = 0;

	if (lo % BLOCK && large_at(lo))
		r = split_large(lo);
	if (r == 0 && hi % BLOCK && large_at(hi - 1))
		r = split_large(hi - 1);
	return r;
}

/* Calls fn on each span of at most BATCH pages that starts and ends with a
 * present page, in [lo, hi): one kernel call per span covers the holes too
 * (UNMAP and PROTECT skip absent pages). */
long for_each_span(uint64_t lo, uint64_t hi, long (*fn)(uint64_t va, size_t n, uint64_t arg),
                   uint64_t arg)
{
	long r = split_edges(lo, hi);

	if (r < 0)
		return r;
	for (uint64_t va = next_present(lo, hi); va < hi;) {
		uint64_t end = hi - va > BATCH * PAGE ? va + BATCH * PAGE : hi;

		if (end % BLOCK && large_at(end)) /* spans never cut a 2 MiB page */
			end = end & ~(BLOCK - 1);
		r = fn(va, span_pages(va, end), arg);
		if (r < 0)
			return r;
		va = next_present(end, hi);
	}
	return 0;
}

size_t count_present(uint64_t lo, uint64_t hi)
{
	size_t n = 0;

	for (uint64_t p = next_present(lo, hi); p < hi; p = next_present(p + PAGE, hi))
		n++;
	return n;
}

/* ---- the frame pool ----
 * Frames we hold but map nowhere, as extents of consecutive frames (one map op
 * each).  ExOS asks the kernel for memory 2 MiB at a time: one
 * EXO_SYS_RUN_ALLOC gives 512 frames under one capability for a few ring-0
 * stores, where EXO_SYS_PAGE_ALLOC cost ~170 ring-0 instructions a page.
 * Frames a program unmaps stay here and are reused, zeroed in ring 3 (the
 * mapping cache of issue 13), instead of going back one crossing each.  Only
 * frames of one recorded 2 MiB run merge into an extent, because an op names
 * one capability. */
struct extent {
	uint64_t pfn;
	uint32_t n;
	uint32_t dirty; /* held program data: zeroed before reuse */
};
static struct extent pool[MM_POOL_MAX];
static size_t npool;
static struct parked {
	uint64_t va, pfn;
} parked[MM_MAX_PARKED];
static size_t nparked;
static uint64_t pool_lost; /* frames the full pool could not keep */
_Static_assert(MM_POOL_MAX >= 2, "the pool keeps extents");

/* Can frames [pfn, pfn + n) join extent e? */
static bool joins(const struct extent *e, uint64_t pfn, uint32_t n)
{
	uint64_t lo = e->pfn < pfn ? e->pfn : pfn;
	uint64_t hi = e->pfn + e->n > pfn + n ? e->pfn + e->n : pfn + n;
	return (e->pfn + e->n == pfn || pfn + n == e->pfn) &&
	       lo / EXO_LARGE_PAGES == (hi - 1) / EXO_LARGE_PAGES && exos_in_run(pfn);
}

static int by_pfn(const void *a, const void *b)
{
	return exos_cmp_u64(&((const struct extent *)a)->pfn, &((const struct extent *)b)->pfn);
}

/* Merges neighbouring extents (a merged one is dirty if either was). */
static void compact_pool(void)
{
	size_t k = 0;
	qsort(pool, npool, sizeof(pool[0]), by_pfn);
	for (size_t i = 0; i < npool; i++) {
		if (k && joins(&pool[k - 1], pool[i].pfn, pool[i].n)) {
			pool[k - 1].n += pool[i].n;
			pool[k - 1].dirty |= pool[i].dirty;
		} else {
			pool[k++] = pool[i];
		}
	}
	npool = k;
}

static void pool_push(uint64_t pfn, uint32_t n, bool dirty)
{
	struct extent *top = npool ? &pool[npool - 1] : 0;
	if (top && top->dirty == dirty && joins(top, pfn, n)) {
		if (pfn < top->pfn)
			top->pfn = pfn;
		top->n += n;
		return;
	}
	if (npool == MM_POOL_MAX)
		compact_pool();
	if (npool == MM_POOL_MAX) {
		if (!pool_lost)
			fprintf(stderr,
			        "exos: the frame pool is full (%d pieces): freed frames are kept "
			        "unused from now on\n",
			        MM_POOL_MAX);
		pool_lost += n;
		return;
	}
	pool[npool++] = (struct extent){pfn, n, dirty};
}

/* A frame mapped nowhere any more: keep it for reuse, or give a single
 * page's capability back. */
static void pool_put(uint64_t pfn)
{
	if (exos_in_run(pfn)) {
		pool_push(pfn, 1, true);
		return;
	}
	long slot = exos_page_cap(pfn);
	if (slot < 0)
		return; /* not one we know (the kernel's initial pages): leave it */
	exo_cap_release((int)slot);
	exos_page_cap_forget(pfn);
}

/* More frames for the pool: a 2 MiB run, or single pages when no run is left
 * (memory almost full or fragmented).  The kernel answers EAGAIN while it
 * reclaims memory from another environment: yield and retry a few times. */
static long pool_refill(size_t want)
{
	for (int tries = 0;; tries++) {
		struct exo_page_grant g[16];
		long r = exo_run_alloc(g, EXO_LARGE_PAGES, EXO_RUN_LARGE);
		if (r >= 0) {
			if (exos_run_record(g[0].pfn, (int)r)) {
				pool_push(g[0].pfn, EXO_LARGE_PAGES, false);
				return 0;
			}
			exo_cap_release((int)r); /* beyond what we can name: use pages */
		}
		r = exo_page_alloc(g, want < 16 ? want : 16);
		if (r == -EXO_EAGAIN && tries < 16) {
			exo_yield();
			continue;
		}
		if (r <= 0)
			return r < 0 ? r : -EXO_ENOMEM;
		for (long i = 0; i < r; i++) {
			exos_page_cap_record(g[i].pfn, g[i].cap);
			pool_push(g[i].pfn, 1, false);
		}
		return 0;
	}
}

/* Up to want frames from the pool, consecutive: *e. */
static long pool_take(size_t want, struct extent *e)
{
	if (!npool) {
		long r = pool_refill(want);
		if (r < 0)
			return r;
	}
	struct extent *top = &pool[npool - 1];
	*e = *top;
	if (e->n > want)
		e->n = (uint32_t)want;
	top->pfn += e->n;
	top->n -= e->n;
	if (!top->n)
		npool--;
	return 0;
}

/* Maps pool frames at scratch_va[0..k) with perm: one EXO_SYS_MAP, with one
 * op per run of consecutive addresses on consecutive frames.  Reused frames
 * are zeroed through their new mapping, which is writable for that. */
static uint64_t scratch_va[BATCH];
static uint8_t op_dirty[BATCH];

static long map_batch(size_t k, uint64_t perm)
{
	size_t nops = 0, placed = 0;
	bool any_dirty = false;
	long err = 0;
	while (placed < k) {
		struct extent e;
		if ((err = pool_take(k - placed, &e)) < 0)
			break;
		any_dirty |= e.dirty;
		for (uint32_t j = 0; j < e.n; j++, placed++) {
			uint64_t va = scratch_va[placed];
			struct exo_map_op *last = &ops[nops - 1];
			if (j > 0 && va == last->va + last->npages * PAGE) {
				last->npages++;
				continue;
			}
			uint32_t first;
			long cap = exos_frame_cap(e.pfn + j, &first);
			ops[nops] = (struct exo_map_op){
			        .va = va, .cap = (int32_t)cap, .first = first, .npages = 1};
			scratch_pfn[nops] = e.pfn + j;
			op_dirty[nops++] = (uint8_t)e.dirty;
		}
	}
	uint64_t map_perm = any_dirty ? perm | EXO_PTE_W : perm;
	for (size_t i = 0; i < nops; i++)
		ops[i].perm = map_perm;
	long r = nops ? exo_map(EXO_CAP_SELF, ops, nops) : 0;
	if (r < 0)
		r = 0;
	for (size_t i = (size_t)r; i < nops; i++) /* not mapped: back to the pool */
		pool_push(scratch_pfn[i], ops[i].npages, op_dirty[i]);
	for (size_t i = 0; i < (size_t)r; i++) {
		if (op_dirty[i]) {
			memset((void *)ops[i].va, 0, ops[i].npages * PAGE);
			linux_mm_reused_pages += ops[i].npages;
		}
	}
	if (map_perm != perm && r > 0)
		exos_protect_range(ops[0].va,
		                   (ops[r - 1].va - ops[0].va) / PAGE + ops[r - 1].npages, perm);
	if (err < 0 || (size_t)r < nops)
		return -EXO_ENOMEM;
	return 0;
}

/* A whole 2 MiB run, 2 MiB-aligned: a pool extent that holds one, or a new
 * run from the kernel. */
static long pool_take_run(struct extent *e)
{
	for (size_t i = npool; i-- > 0;) {
		struct extent *x = &pool[i];
		if (x->pfn % EXO_LARGE_PAGES == 0 && x->n >= EXO_LARGE_PAGES) {
			*e = (struct extent){x->pfn, EXO_LARGE_PAGES, x->dirty};
			x->pfn += EXO_LARGE_PAGES;
			x->n -= EXO_LARGE_PAGES;
			if (!x->n)
				*x = pool[--npool];
			return 0;
		}
	}
	struct exo_page_grant g;
	long r = exo_run_alloc(&g, EXO_LARGE_PAGES, EXO_RUN_LARGE);
	if (r < 0)
		return r;
	if (!exos_run_record(g.pfn, (int)r)) {
		exo_cap_release((int)r);
		return -EXO_ENOMEM;
	}
	*e = (struct extent){g.pfn, EXO_LARGE_PAGES, 0};
	return 0;
}

/* Is the 2 MiB block at `block` empty: no 2 MiB page, no 4 KiB page? */
static bool block_empty(uint64_t block)
{
	uint64_t e = exos_pde(block);

	if (!(e & EXO_PTE_P))
		return true;
	if (e & PTE_LARGE)
		return false;
	for (uint64_t i = 0; i < EXO_LARGE_PAGES; i++)
		if (*(const volatile uint64_t *)(EXOS_UVPT_PT + ((block >> 12) + i) * 8) &
		    EXO_PTE_P)
			return false;
	return true;
}

/* A 2 MiB page may hold frames a sparse program never touches, so they are
 * used only while memory is plentiful: a quarter of it still free.  Below
 * that, 4 KiB pages make the rest last (Linux's THP also falls back). */
static bool large_affordable(void)
{
	const struct exo_kinfo *k = exo_kinfo();

	return k->free_pages >= k->npages / 4;
}

/* Maps the 2 MiB block around va as one 2 MiB page if region v (anonymous)
 * covers it and nothing is mapped in it.  False: do it with 4 KiB pages. */
static bool try_large(const struct vma *v, uint64_t va, uint64_t perm)
{
	uint64_t block = va & ~(BLOCK - 1);
	struct extent e;

	if (v->flags & VMA_FILE || block < v->lo || v->hi - block < BLOCK || !large_affordable() ||
	    !block_empty(block) || pool_take_run(&e) < 0)
		return false;
	uint32_t first;
	long cap = exos_frame_cap(e.pfn, &first);
	struct exo_map_op op = {.va = block,
	                        .cap = (int32_t)cap,
	                        .first = first,
	                        .npages = EXO_LARGE_PAGES,
	                        .flags = EXO_MAP_LARGE,
	                        .perm = e.dirty ? perm | EXO_PTE_W : perm};
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1) {
		pool_push(e.pfn, EXO_LARGE_PAGES, e.dirty);
		return false;
	}
	if (e.dirty) {
		memset((void *)block, 0, BLOCK);
		linux_mm_reused_pages += EXO_LARGE_PAGES;
		if (perm != op.perm)
			exo_protect(EXO_CAP_SELF, block, EXO_LARGE_PAGES, perm);
	}
	linux_mm_large++;
	return true;
}

/* Gives the present page at va perm again (a stale permission): the whole
 * 2 MiB page if va is in one, whose region has one protection throughout. */
static long reprotect(uint64_t va, uint64_t perm)
{
	if (large_at(va))
		return exo_protect(EXO_CAP_SELF, va & ~(BLOCK - 1), EXO_LARGE_PAGES, perm);
	return exo_protect(EXO_CAP_SELF, va, 1, perm);
}

static void hidden_free_all(void);
static size_t nhidden_ranges(void);
static void hidden_forget(void);

static long fill_once(uint64_t lo, uint64_t hi, uint64_t perm)
{
	uint64_t va = lo;

	while (va < hi) {
		size_t k = 0;

		for (; va < hi && k < BATCH; va += PAGE)
			if (!present(va))
				scratch_va[k++] = va;
		if (k > 0) {
			long r = map_batch(k, perm);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Maps fresh zeroed pages at every absent page of [lo, hi), which lies in
 * one region whose present pages all have perm.  Short of memory, the mapping
 * cache's pages are freed first. */
long fill(uint64_t lo, uint64_t hi, uint64_t perm)
{
	long r = fill_once(lo, hi, perm);
	if (r < 0 && nhidden_ranges()) {
		hidden_free_all();
		r = fill_once(lo, hi, perm);
	}
	return r;
}

/* ---- releasing, protecting and moving present pages ---- */

static long release_span(uint64_t va, size_t n, uint64_t arg)
{
	long r;

	(void)arg;
	for (size_t i = 0; i < n; i++)
		scratch_pfn[i] = exos_pfn(va + i * PAGE);
	r = exo_unmap(EXO_CAP_SELF, va, n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (scratch_pfn[i] && exos_pages()[scratch_pfn[i]].refs == 0)
			pool_put(scratch_pfn[i]);
	return 0;
}

/* A copy-on-write page (a fork's, or a program's .data in the initramfs) keeps
 * its mark and stays read-only whatever the new permission: making it
 * writable would write a frame another process still maps.  Its first write
 * copies it (vm.c) if the region allows writes. */
static long protect_span(uint64_t va, size_t n, uint64_t perm)
{
	uint64_t cow_perm = (perm & ~(uint64_t)EXO_PTE_W) | EXOS_PTE_COW;
	for (size_t i = 0; i < n;) {
		bool cow = exos_pte(va + i * PAGE) & EXOS_PTE_COW;
		size_t j = i + 1;
		while (j < n && (bool)(exos_pte(va + j * PAGE) & EXOS_PTE_COW) == cow)
			j++;
		long r = exo_protect(EXO_CAP_SELF, va + i * PAGE, j - i, cow ? cow_perm : perm);
		if (r < 0)
			return r;
		i = j;
	}
	return 0;
}

/* Maps the present pages of a span at va + delta (same pages, same
 * permissions), then unmaps them at va. */
long move_span(uint64_t va, size_t n, uint64_t delta)
{
	size_t k = 0;
	long r;

	for (uint64_t p = va; p < va + n * PAGE; p = next_present(p + PAGE, va + n * PAGE)) {
		uint64_t pte = exos_pte(p);
		uint32_t first;
		long cap = exos_frame_cap((pte & EXO_PTE_ADDR) >> 12, &first);

		ops[k++] = (struct exo_map_op){
		        .va = p + delta,
		        .cap = (int32_t)cap,
		        .first = first,
		        .npages = 1,
		        .perm = pte & PTE_PERM_BITS,
		};
	}
	r = exo_map(EXO_CAP_SELF, ops, k);
	if (r != (long)k)
		return r < 0 ? r : -EXO_ENOMEM;
	return exo_unmap(EXO_CAP_SELF, va, n);
}

/* True if we hold a capability for every present page of [lo, hi). */
bool all_owned(uint64_t lo, uint64_t hi)
{
	uint32_t first;
	for (uint64_t p = next_present(lo, hi); p < hi; p = next_present(p + PAGE, hi))
		if (exos_frame_cap(exos_pfn(p), &first) < 0)
			return false;
	return true;
}

/* A forked child (fork.c) has a copy of our state but none of our frames:
 * the pool's and the parked pages are the parent's. */
void linux_mm_forget(void)
{
	npool = 0;
	pool_lost = 0;
	nparked = 0;
	hidden_forget(); /* fork.c does not lend hidden pages */
}

/* execve: every region of the old program goes, its pages to the pool. */
void linux_mm_exec(void)
{
	linux_shm_drop_all();
	while (vmas.n) {
		struct vma v = vmas.v[vmas.n - 1];
		vma_remove(&vmas, v.lo, v.hi);
		release(v.lo, v.hi);
	}
	/* nothing stays hidden: the loader maps the new image before its regions */
	hidden_free_all();
}

/* ---- parked pages (PROT_NONE) ---- */

size_t parked_room(void)
{
	return MM_MAX_PARKED - nparked;
}

static void parked_drop(size_t i)
{
	parked[i] = parked[--nparked];
}

static long park_span(uint64_t va, size_t n, uint64_t arg)
{
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = exos_pfn(va + i * PAGE);

		if (pfn)
			parked[nparked++] = (struct parked){va + i * PAGE, pfn};
	}
	return exo_unmap(EXO_CAP_SELF, va, n);
}

/* Unmaps the present pages of [lo, hi) but keeps them (the caller checked
 * that parked[] has room). */
static long park(uint64_t lo, uint64_t hi)
{
	return for_each_span(lo, hi, park_span, 0);
}

/* Maps the parked pages of [lo, hi) back with perm. */
static long unpark(uint64_t lo, uint64_t hi, uint64_t perm)
{
	size_t i = 0, k = 0;
	long r = 0;

	while (i < nparked || k > 0) {
		if (i < nparked && parked[i].va >= lo && parked[i].va < hi) {
			uint32_t first;
			long slot = exos_frame_cap(parked[i].pfn, &first);

			/* a frame another process still maps (a fork's) comes back
			 * copy-on-write */
			uint64_t p = exos_pages()[parked[i].pfn].refs && (perm & EXO_PTE_W)
			                     ? (perm & ~(uint64_t)EXO_PTE_W) | EXOS_PTE_COW
			                     : perm;
			if (slot >= 0)
				ops[k++] = (struct exo_map_op){.va = parked[i].va,
				                               .cap = (int32_t)slot,
				                               .first = first,
				                               .npages = 1,
				                               .perm = p};
			parked_drop(i);
			if (k < BATCH)
				continue;
		} else if (i < nparked) {
			i++;
			continue;
		}
		if (k > 0 && exo_map(EXO_CAP_SELF, ops, k) != (long)k)
			r = -EXO_ENOMEM;
		k = 0;
	}
	return r;
}

static void parked_release(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < nparked;) {
		if (parked[i].va >= lo && parked[i].va < hi) {
			pool_put(parked[i].pfn);
			parked_drop(i);
		} else {
			i++;
		}
	}
}

void parked_move(uint64_t lo, uint64_t hi, uint64_t delta)
{
	for (size_t i = 0; i < nparked; i++)
		if (parked[i].va >= lo && parked[i].va < hi)
			parked[i].va += delta;
}

bool parked_at(uint64_t va)
{
	for (size_t i = 0; i < nparked; i++)
		if (parked[i].va == va)
			return true;
	return false;
}

/* ---- operations on ranges (regions and pages together) ---- */

/* Frees the pages of [lo, hi), present or parked, but not its record in
 * hidden[] (below). */
static void release_pages(uint64_t lo, uint64_t hi)
{
	for_each_span(lo, hi, release_span, 0);
	parked_release(lo, hi);
}

/* ---- the mapping cache (issue 13) ----
 * munmap (and brk shrinking) of memory that is only ours keeps its pages
 * mapped where they were, hidden (EXO_PTE_HIDDEN: present and bound, but
 * without U, so the program faults there as on any unmapped page, with
 * SEGV_MAPERR, since no region covers them).  An mmap that lands on them
 * shows them again and clears them in ring 3: one PROTECT each way, where
 * releasing and mapping again cost an UNMAP, a MAP of every page (~100 ring-0
 * instructions each), and for lazily mapped regions a fault each cluster.
 * Same-size mmap after munmap lands on the same addresses (placement is
 * top-down first fit), which is how malloc implementations churn.  The
 * oldest ranges are freed when the cache is full.  Invariant: a hidden range
 * lies in no region, so region_insert and new_region take its pages first. */
static struct hidden_range {
	uint64_t lo, hi;
	size_t pages; /* present (hidden) pages */
} hidden[MM_MAX_HIDDEN];
static size_t nhidden, hidden_total;

#define HIDDEN_PERM (EXO_PTE_HIDDEN | EXO_PTE_W | EXO_PTE_NX)

static void hidden_drop(size_t i)
{
	hidden_total -= hidden[i].pages;
	memmove(&hidden[i], &hidden[i + 1], (nhidden - i - 1) * sizeof(hidden[0]));
	nhidden--;
}

/* Adds [lo, hi) (its pages hidden) as the newest range, if there is room. */
static bool hidden_add(uint64_t lo, uint64_t hi)
{
	size_t n = count_present(lo, hi);
	if (!n)
		return true;
	if (nhidden == MM_MAX_HIDDEN)
		return false;
	hidden[nhidden++] = (struct hidden_range){lo, hi, n};
	hidden_total += n;
	return true;
}

/* Forgets [lo, hi) in hidden[] (the pages are the caller's now). */
static void hidden_cut(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < nhidden;) {
		struct hidden_range h = hidden[i];
		if (h.hi <= lo || hi <= h.lo) {
			i++;
			continue;
		}
		hidden_drop(i);
		/* the parts outside [lo, hi) stay hidden, or are freed if no room */
		if (h.lo < lo && !hidden_add(h.lo, lo))
			release_pages(h.lo, lo);
		if (hi < h.hi && !hidden_add(hi, h.hi))
			release_pages(hi, h.hi);
	}
}

/* Frees the pages of [lo, hi), present, hidden or parked; regions stay. */
void release(uint64_t lo, uint64_t hi)
{
	release_pages(lo, hi);
	hidden_cut(lo, hi);
}

/* Can [lo, hi) be hidden: only 4 KiB pages from our runs, mapped nowhere
 * else, not copy-on-write?  *n: its present pages. */
static bool hideable(uint64_t lo, uint64_t hi, size_t *n)
{
	*n = 0;
	if (hi - lo > MM_HIDE_MAX)
		return false;
	for (uint64_t p = next_present(lo, hi); p < hi; p = next_present(p + PAGE, hi)) {
		uint64_t pte = exos_pte(p), pfn = (pte & EXO_PTE_ADDR) >> 12;
		if (large_at(p) || pte & EXOS_PTE_COW || !exos_in_run(pfn) ||
		    exos_pages()[pfn].refs != 1)
			return false;
		++*n;
	}
	return *n > 0 && *n <= MM_HIDDEN_PAGES;
}

/* Keeps the pages of [lo, hi) (no longer in any region) mapped, hidden; false
 * if they cannot be (the caller frees them). */
static bool hide(uint64_t lo, uint64_t hi)
{
	size_t n;
	if (!hideable(lo, hi, &n))
		return false;
	hidden_cut(lo, hi); /* pages hidden before count in n again */
	while (nhidden && (nhidden == MM_MAX_HIDDEN || hidden_total + n > MM_HIDDEN_PAGES)) {
		struct hidden_range old = hidden[0];
		hidden_drop(0);
		release_pages(old.lo, old.hi);
	}
	if (for_each_span(lo, hi, protect_span, HIDDEN_PERM) < 0)
		return false;
	parked_release(lo, hi);
	hidden_add(lo, hi);
	linux_mm_hidden_pages += n;
	return true;
}

/* Shows the hidden pages of [lo, hi) again (a new region there has perm),
 * zeroed.  Hidden pages are writable, so they are cleared first and then
 * given perm if that is not writable. */
static long show_hidden(uint64_t lo, uint64_t hi, uint64_t perm)
{
	for (size_t i = 0; i < nhidden; i++) {
		uint64_t a = hidden[i].lo > lo ? hidden[i].lo : lo;
		uint64_t b = hidden[i].hi < hi ? hidden[i].hi : hi;
		if (a >= b)
			continue;
		if (for_each_span(a, b, protect_span, perm | EXO_PTE_W) < 0)
			return -LINUX_ENOMEM;
		for (uint64_t p = next_present(a, b); p < b; p = next_present(p + PAGE, b)) {
			memset((void *)p, 0, PAGE);
			linux_mm_shown_pages++;
		}
		if (!(perm & EXO_PTE_W) && for_each_span(a, b, protect_span, perm) < 0)
			return -LINUX_ENOMEM;
	}
	hidden_cut(lo, hi);
	return 0;
}

static size_t nhidden_ranges(void)
{
	return nhidden;
}

static void hidden_forget(void)
{
	nhidden = 0;
	hidden_total = 0;
}

static void hidden_free_all(void)
{
	while (nhidden) {
		struct hidden_range h = hidden[nhidden - 1];
		hidden_drop(nhidden - 1);
		release_pages(h.lo, h.hi);
	}
}

static bool hidden_in(uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < nhidden; i++)
		if (hidden[i].lo < hi && lo < hidden[i].hi)
			return true;
	return false;
}

int region_insert(uint64_t lo, uint64_t hi, uint32_t prot, uint32_t flags)
{
	if (hidden_in(lo, hi))
		release(lo, hi);
	return vma_insert(&vmas, lo, hi, prot, flags);
}

long unmap_range(uint64_t lo, uint64_t hi)
{
	if (linux_shm_unmap(lo, hi) < 0) /* shared memory's pages are not ours to free */
		return -LINUX_ENOMEM;
	if (vma_remove(&vmas, lo, hi) < 0)
		return -LINUX_ENOMEM;
	if (!hide(lo, hi))
		release(lo, hi);
	return 0;
}

/* Gives the pages of [lo, hi) (whose regions now have prot) their
 * permissions. */
long apply_prot(uint64_t lo, uint64_t hi, uint32_t prot)
{
	uint64_t perm = perm_of(prot);
	long r;

	if (prot == LINUX_PROT_NONE)
		return park(lo, hi);
	r = for_each_span(lo, hi, protect_span, perm);
	if (r == 0)
		r = unpark(lo, hi, perm);
	return r;
}

/* A new region [lo, hi) (free): small ones are mapped now. */
long new_region(uint64_t lo, uint64_t hi, uint32_t prot, uint32_t flags, bool populate)
{
	if (prot == LINUX_PROT_NONE || !hidden_in(lo, hi)) {
		if (region_insert(lo, hi, prot, flags) < 0)
			return -LINUX_ENOMEM;
	} else if (vma_insert(&vmas, lo, hi, prot, flags) < 0 ||
	           show_hidden(lo, hi, perm_of(prot)) < 0) {
		unmap_range(lo, hi);
		return -LINUX_ENOMEM;
	}
	if (prot == LINUX_PROT_NONE || (!populate && hi - lo > MM_EAGER_MAX))
		return 0;
	if (fill(lo, hi, perm_of(prot)) < 0 && !populate) {
		unmap_range(lo, hi);
		return -LINUX_ENOMEM;
	}
	return 0; /* MAP_POPULATE is best effort, as in Linux */
}

/* Is [lo, lo + len) inside program memory (no overflow)? */
bool user_range(uint64_t lo, uint64_t len)
{
	return lo >= MM_USER_MIN && lo <= MM_USER_TOP && len <= MM_USER_TOP - lo;
}

/* ---- checking program buffers ---- */

static bool prot_allows(uint32_t prot, bool write)
{
	return write ? (prot & LINUX_PROT_WRITE) != 0 : prot != LINUX_PROT_NONE;
}

/* Makes the pages of [lo, hi) (page-aligned, inside v) present and, for
 * write, writable. */
static bool make_present(const struct vma *v, uint64_t lo, uint64_t hi, bool write)
{
	uint64_t perm = perm_of(v->prot);

	for (uint64_t va = lo; va < hi; va += PAGE) {
		uint64_t pte = exos_pte(va);

		if (!(pte & EXO_PTE_P)) {
			if (!try_large(v, va, perm) && fill(va, hi, perm) < 0)
				return false;
			pte = exos_pte(va);
		}
		/* A copy-on-write page breaks when ExOS writes it (vm.c's policy);
		 * anything else read-only in a writable region is repaired. */
		if (write && !(pte & (EXO_PTE_W | EXOS_PTE_COW)) && reprotect(va, perm) < 0)
			return false;
	}
	return true;
}

bool linux_user_ok(uint64_t addr, size_t len, bool write)
{
	uint64_t end = addr + len;
	size_t i;

	if (len == 0)
		return true;
	if (end < addr || end > MM_USER_TOP)
		return false;
	for (i = vma_lower_bound(&vmas, addr); addr < end; i++) {
		const struct vma *v;
		uint64_t stop;

		if (i >= vmas.n || vmas.v[i].lo > addr)
			return false;
		v = &vmas.v[i];
		if (!prot_allows(v->prot, write))
			return false;
		stop = end < v->hi ? end : v->hi;
		if (!make_present(v, PAGE_DOWN(addr), PAGE_UP(stop), write))
			return false;
		addr = stop;
	}
	return true;
}

long linux_copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (!linux_user_ok(src, n, false))
		return -LINUX_EFAULT;
	memcpy(dst, (const void *)src, n);
	return 0;
}

long linux_copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (!linux_user_ok(dst, n, true))
		return -LINUX_EFAULT;
	memcpy((void *)dst, src, n);
	return 0;
}

/* A page at a time: the string may end just before an unmapped page. */
long linux_strncpy_from_user(char *dst, uint64_t src, size_t max)
{
	size_t n = 0;

	while (n < max) {
		uint64_t at = src + n;
		size_t avail = PAGE - (at & (PAGE - 1));
		const char *s = (const char *)at;

		if (avail > max - n)
			avail = max - n;
		if (!linux_user_ok(at, avail, false))
			return -LINUX_EFAULT;
		for (size_t i = 0; i < avail; i++) {
			dst[n + i] = s[i];
			if (s[i] == '\0')
				return (long)(n + i);
		}
		n += avail;
	}
	return -LINUX_ENAMETOOLONG;
}

/* ---- set-up, the loader's regions, the stack ---- */

void linux_mm_init(uint64_t brk_start)
{
	brk_base = brk_cur = PAGE_UP(brk_start);
}

void linux_mm_note_region(uint64_t va, size_t len, int prot, const char *what)
{
	uint64_t lo = PAGE_DOWN(va), hi = PAGE_UP(va + len);

	(void)what;
	if (lo >= hi)
		return;
	vma_remove(&vmas, lo, hi);
	region_insert(lo, hi, (uint32_t)prot & PROT_RWX, 0);
}

long linux_mm_stack(uint64_t top, size_t max, size_t initial)
{
	uint64_t lo = PAGE_DOWN(top - max), hi = PAGE_UP(top);

	initial = PAGE_UP(initial);
	if (initial > hi - lo)
		initial = hi - lo;
	if (vma_remove(&vmas, lo, hi) < 0 || region_insert(lo, hi, PROT_RW, VMA_STACK) < 0)
		return -LINUX_ENOMEM;
	if (fill(hi - initial, hi, perm_of(PROT_RW)) < 0)
		return -LINUX_ENOMEM;
	return 0;
}

/* ---- page faults ---- */

static bool fault_allowed(uint32_t prot, uint64_t err)
{
	if (err & 0x2)
		return (prot & LINUX_PROT_WRITE) != 0;
	if (err & 0x10)
		return (prot & LINUX_PROT_EXEC) != 0;
	return prot != LINUX_PROT_NONE;
}

/* Which pages to map for a fault at page: a run in the direction the
 * program is filling memory, else a small aligned cluster. */
static void cluster(const struct vma *v, uint64_t page, uint64_t *lo, uint64_t *hi)
{
	bool below = page > v->lo && present(page - PAGE);
	bool above = page + PAGE < v->hi && present(page + PAGE);
	uint64_t n = MM_CLUSTER;

	if (above != below)
		n = MM_CLUSTER_SEQ;
	if (above && !below) {
		*lo = page - (n - 1) * PAGE, *hi = page + PAGE;
	} else if (below && !above) {
		*lo = page, *hi = page + n * PAGE;
	} else if (v->flags & VMA_STACK) {
		*lo = page - (n - 1) * PAGE, *hi = page + PAGE;
	} else {
		*lo = page & ~(n * PAGE - 1);
		*hi = *lo + n * PAGE;
	}
	if (*lo < v->lo || *lo > page)
		*lo = v->lo;
	if (*hi > v->hi)
		*hi = v->hi;
	/* Stay in page's 2 MiB block, so the next block can still be one 2 MiB page. */
	if (*lo < (page & ~(BLOCK - 1)))
		*lo = page & ~(BLOCK - 1);
	if (*hi > (page & ~(BLOCK - 1)) + BLOCK)
		*hi = (page & ~(BLOCK - 1)) + BLOCK;
}

int linux_mm_fault(uint64_t addr, uint64_t err, int *code)
{
	const struct vma *v = vma_find(&vmas, addr);
	uint64_t page = PAGE_DOWN(addr), pte, lo, hi;

	*code = LINUX_SEGV_MAPERR;
	if (!v || addr >= MM_USER_TOP)
		return 0;
	*code = LINUX_SEGV_ACCERR;
	if (!fault_allowed(v->prot, err))
		return 0;
	pte = exos_pte(page);
	if (pte & EXO_PTE_P) {
		/* Allowed by the region but not by the PTE: a copy-on-write page
		 * (not ours to break) or a stale permission, which we repair. */
		if (pte & EXOS_PTE_COW)
			return 0;
		return reprotect(page, perm_of(v->prot)) == 0;
	}
	if (try_large(v, page, perm_of(v->prot))) {
		linux_mm_faults++;
		linux_mm_fault_pages += EXO_LARGE_PAGES;
		return 1;
	}
	cluster(v, page, &lo, &hi);
	/* Short of memory, the one page may still be there. */
	if (fill(lo, hi, perm_of(v->prot)) < 0 && !present(page) &&
	    fill(page, page + PAGE, perm_of(v->prot)) < 0)
		return -1; /* out of memory: the caller kills the program, as Linux's OOM killer */
	linux_mm_faults++;
	linux_mm_fault_pages += (hi - lo) / PAGE;
	return 1;
}
