/* libOS virtual memory: page capabilities, batched mapping, and the page-fault
 * policies (demand-zero, copy-on-write).  See <exos/vm.h>. */
#include <string.h>

#include <exos/sched.h>
#include <exos/vm.h>

volatile uint64_t exos_vm_zero_faults, exos_vm_cow_faults;

/* pfn -> slot: open addressing, linear probing, backward-shift deletion.
 * slot_pfn[slot] = pfn + 1 (0: the libOS has no record for this slot);
 * bucket[i] = slot + 1 (0: empty).  At most EXO_CAP_SLOTS records, so a
 * table of twice that stays at most half full. */
#define NBUCKET_BITS 15
#define NBUCKET      (1u << NBUCKET_BITS)
_Static_assert(NBUCKET >= 2 * EXO_CAP_SLOTS, "the pfn table must stay at most half full");
static uint32_t slot_pfn[EXO_CAP_SLOTS];
static uint16_t bucket[NBUCKET];

static unsigned hash(uint64_t pfn)
{
	return (unsigned)((pfn * 0x9e3779b97f4a7c15ull) >> (64 - NBUCKET_BITS));
}

static int find(uint64_t pfn)
{
	for (unsigned i = hash(pfn);; i = (i + 1) & (NBUCKET - 1)) {
		if (!bucket[i])
			return -1;
		if (slot_pfn[bucket[i] - 1] == pfn + 1)
			return (int)i;
	}
}

long exos_page_cap(uint64_t pfn)
{
	int i = find(pfn);

	return i < 0 ? -EXO_ENOENT : bucket[i] - 1;
}

void exos_page_cap_forget(uint64_t pfn)
{
	int i = find(pfn);

	if (i < 0)
		return;
	slot_pfn[bucket[i] - 1] = 0;
	bucket[i] = 0;
	/* Backward shift: move later entries of the run into the hole. */
	for (unsigned j = ((unsigned)i + 1) & (NBUCKET - 1); bucket[j];
	     j = (j + 1) & (NBUCKET - 1)) {
		unsigned h = hash(slot_pfn[bucket[j] - 1] - 1);
		/* Entry j may move to the hole i unless its home lies in (i, j]. */
		if (((j - h) & (NBUCKET - 1)) >= ((j - (unsigned)i) & (NBUCKET - 1))) {
			bucket[i] = bucket[j];
			bucket[j] = 0;
			i = (int)j;
		}
	}
}

void exos_page_cap_record(uint64_t pfn, int slot)
{
	if (slot < 0 || slot >= EXO_CAP_SLOTS)
		return;
	exos_page_cap_forget(pfn);
	if (slot_pfn[slot]) /* the slot was recorded for another page: drop that */
		exos_page_cap_forget(slot_pfn[slot] - 1);
	unsigned i = hash(pfn);
	while (bucket[i])
		i = (i + 1) & (NBUCKET - 1);
	bucket[i] = (uint16_t)(slot + 1);
	slot_pfn[slot] = (uint32_t)(pfn + 1);
}

/* Frames of 2 MiB runs (EXO_SYS_RUN_ALLOC with EXO_RUN_LARGE) are named by
 * their run's capability and their index in it: one entry per run, indexed
 * by the run's number (pfn / 512), so a lookup is one load. */
#define MAX_RUN_NO (1u << 15)        /* runs below 64 GiB of physical memory */
static uint16_t run_cap[MAX_RUN_NO]; /* slot + 1, 0: none */

bool exos_run_record(uint64_t pfn, int slot)
{
	uint64_t no = pfn / EXO_LARGE_PAGES;
	if (pfn % EXO_LARGE_PAGES || no >= MAX_RUN_NO || slot < 0 || slot >= EXO_CAP_SLOTS)
		return false;
	run_cap[no] = (uint16_t)(slot + 1);
	return true;
}

void exos_run_forget(uint64_t pfn)
{
	if (pfn / EXO_LARGE_PAGES < MAX_RUN_NO)
		run_cap[pfn / EXO_LARGE_PAGES] = 0;
}

bool exos_in_run(uint64_t pfn)
{
	return pfn / EXO_LARGE_PAGES < MAX_RUN_NO && run_cap[pfn / EXO_LARGE_PAGES];
}

/* Runs of other sizes: the kernel's at load (exos_page_caps_import: our
 * image and stack) and exos_map_range's. */
#define MAX_IMPORTED_RUNS 256
static struct imported_run {
	int32_t slot;
	uint64_t pfn, count;
} imported_runs[MAX_IMPORTED_RUNS];
static int nimported_runs;

static struct imported_run *run_of(uint64_t pfn)
{
	for (int i = 0; i < nimported_runs; i++) {
		struct imported_run *r = &imported_runs[i];
		if (pfn >= r->pfn && pfn - r->pfn < r->count)
			return r;
	}
	return 0;
}

bool exos_run_add(uint64_t pfn, uint64_t count, int slot)
{
	if (nimported_runs == MAX_IMPORTED_RUNS)
		return false;
	imported_runs[nimported_runs++] = (struct imported_run){slot, pfn, count};
	return true;
}

long exos_frame_cap(uint64_t pfn, uint32_t *first)
{
	uint64_t no = pfn / EXO_LARGE_PAGES;
	if (no < MAX_RUN_NO && run_cap[no]) {
		*first = (uint32_t)(pfn % EXO_LARGE_PAGES);
		return run_cap[no] - 1;
	}
	*first = 0;
	long slot = exos_page_cap(pfn);
	const struct imported_run *r = slot < 0 ? run_of(pfn) : 0;
	if (r) {
		*first = (uint32_t)(pfn - r->pfn);
		slot = r->slot;
	}
	return slot;
}

static int imported;

/* EXO_CAP_INITRD's run, learned once (type EXO_CAP_NONE: we have none). */
static struct exo_cap_info initrd;
static int initrd_known;

long exos_initrd_frame(uint64_t pfn)
{
	if (!initrd_known) {
		/* The slot holds something else in an environment the first one
		 * made: only a read-only run the archive's size is the archive's. */
		uint64_t pages = (exo_kinfo()->initrd_size + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
		initrd_known = 1;
		if (exo_cap_info(EXO_CAP_INITRD, &initrd) < 0 || initrd.type != EXO_CAP_PAGE ||
		    (initrd.rights & EXO_RIGHT_WRITE) || initrd.count != pages)
			initrd.type = EXO_CAP_NONE;
	}
	if (initrd.type != EXO_CAP_PAGE || pfn < initrd.object ||
	    pfn - initrd.object >= initrd.count)
		return -EXO_ENOENT;
	return (long)(pfn - initrd.object);
}

/* The kernel gives the first environment its program and stack pages through
 * page capabilities in its table (a run per segment), like any memory a libOS
 * acquires, but does not say which slot names which frames: learn it once,
 * with EXO_SYS_CAP_INFO, from slot 1 until 64 slots in a row are empty. */
void exos_page_caps_import(void)
{
	struct exo_cap_info info;
	int empty = 0;

	imported = 1;
	for (int slot = 1; slot < EXO_CAP_SLOTS && empty < 64; slot++) {
		if (exo_cap_info(slot, &info) < 0) {
			empty++;
			continue;
		}
		empty = 0;
		uint32_t first;
		/* Not the initramfs's read-only capability (EXO_CAP_INITRD): the
		 * tables hold frames that are ours to write, map and free. */
		if (info.type != EXO_CAP_PAGE || !(info.rights & EXO_RIGHT_WRITE) ||
		    exos_frame_cap(info.object, &first) >= 0)
			continue;
		if (info.count == 1)
			exos_page_cap_record(info.object, slot);
		else if (nimported_runs < MAX_IMPORTED_RUNS)
			imported_runs[nimported_runs++] =
			        (struct imported_run){slot, info.object, info.count};
	}
}

long exos_frame_cap_get(uint64_t pfn, uint32_t *first)
{
	long slot = exos_frame_cap(pfn, first);

	if (slot >= 0)
		return slot;
	if (!imported) {
		exos_page_caps_import();
		if ((slot = exos_frame_cap(pfn, first)) >= 0)
			return slot;
	}
	*first = 0;
	slot = exo_cap_acquire(EXO_CAP_PAGE, pfn);
	if (slot >= 0)
		exos_page_cap_record(pfn, (int)slot);
	return slot;
}

/* Grants env_cap every page capability these tables name, into the same
 * slot, with READ, WRITE, MAP and GRANT (a fork: the child's copy of the
 * tables then stays true, docs/libos.md).  One EXO_SYS_CAP_GRANT_AT per
 * EXO_GRANT_BATCH capabilities; one that fails (a slot the child already
 * uses) is skipped and counted.  Returns the number not granted, or -EXO_E*. */
static long grant_flush(int env_cap, struct exo_grant_op *ops, size_t n, long *missed)
{
	for (size_t done = 0; done < n;) {
		long r = exo_cap_grant_at(env_cap, ops + done, n - done);
		if (r == -EXO_EINVAL)
			return r;
		if (r <= 0) { /* ops[done] failed: skip it */
			++*missed;
			r = 1;
		}
		done += (size_t)r;
	}
	return 0;
}

long exos_vm_grant_all(int env_cap)
{
	struct exo_grant_op ops[64];
	size_t n = 0;
	long missed = 0, r;
	const uint32_t rights = EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_MAP | EXO_RIGHT_GRANT;
#define GRANT(s)                                                                                   \
	do {                                                                                       \
		ops[n++] = (struct exo_grant_op){.cap = (s), .slot = (s), .rights = rights};       \
		if (n == sizeof(ops) / sizeof(ops[0])) {                                           \
			if ((r = grant_flush(env_cap, ops, n, &missed)) < 0)                       \
				return r;                                                          \
			n = 0;                                                                     \
		}                                                                                  \
	} while (0)
	for (unsigned no = 0; no < MAX_RUN_NO; no++)
		if (run_cap[no])
			GRANT(run_cap[no] - 1);
	for (int i = 0; i < nimported_runs; i++)
		GRANT(imported_runs[i].slot);
	for (int s = 0; s < EXO_CAP_SLOTS; s++)
		if (slot_pfn[s])
			GRANT(s);
#undef GRANT
	if (n && (r = grant_flush(env_cap, ops, n, &missed)) < 0)
		return r;
	return missed;
}

/* Records the pfn now mapped at each op's va. */
static void record_ops(const struct exo_map_op *ops, long n)
{
	for (long i = 0; i < n; i++) {
		uint64_t pfn = exos_pfn(ops[i].va);

		if (pfn)
			exos_page_cap_record(pfn, ops[i].cap);
	}
}

/* Maps npages fresh pages at va, max pages per round: one EXO_SYS_PAGE_ALLOC
 * and one EXO_SYS_MAP per round (2 crossings for up to 512 pages). */
static long map_range_with(struct exo_map_op *ops, struct exo_page_grant *g, size_t max,
                           uint64_t va, size_t npages, uint64_t perm)
{
	while (npages > 0) {
		size_t want = npages < max ? npages : max;
		long n = exo_page_alloc(g, want);
		if (n < 0)
			return n;
		for (long k = 0; k < n; k++)
			ops[k] = (struct exo_map_op){.npages = 1,
			                             .va = va + (uint64_t)k * EXO_PAGE_SIZE,
			                             .cap = g[k].cap,
			                             .perm = perm};
		long r = exo_map(EXO_CAP_SELF, ops, (size_t)n);
		if (r != n) {
			/* Undo this round: releasing a cap also removes the mappings
			 * made with it. */
			for (long i = 0; i < n; i++)
				exo_cap_release(ops[i].cap);
			return r < 0 ? r : -EXO_EINVAL;
		}
		for (long k = 0; k < n; k++)
			exos_page_cap_record(g[k].pfn, g[k].cap);
		va += (uint64_t)n * EXO_PAGE_SIZE;
		npages -= (size_t)n;
	}
	return 0;
}

long exos_map_run(uint64_t va, size_t npages, uint64_t perm)
{
	while (npages > 0 && nimported_runs < MAX_IMPORTED_RUNS) {
		size_t n = npages < EXO_MAP_BATCH ? npages : EXO_MAP_BATCH;
		struct exo_page_grant g;
		long slot = exo_run_alloc(&g, n, 0);
		if (slot < 0)
			break;
		struct exo_map_op op = {
		        .va = va, .cap = (int32_t)slot, .npages = (uint32_t)n, .perm = perm};
		long r = exo_map(EXO_CAP_SELF, &op, 1);
		if (r != 1) {
			exo_cap_release((int)slot); /* also unmaps what it mapped */
			return r < 0 ? r : -EXO_EINVAL;
		}
		imported_runs[nimported_runs++] = (struct imported_run){(int32_t)slot, g.pfn, n};
		va += n * EXO_PAGE_SIZE;
		npages -= n;
	}
	return npages ? exos_map_range(va, npages, perm) : 0;
}

void *exos_run_buffer(uint64_t *next, size_t bytes, size_t max_pages)
{
	size_t pages = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	uint64_t va = *next;
	if (pages == 0 || pages > max_pages || exos_map_run(va, pages, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 0;
	*next += pages * EXO_PAGE_SIZE;
	return (void *)va;
}

long exos_map_range(uint64_t va, size_t npages, uint64_t perm)
{
	/* Full rounds use static buffers (20 KiB: too much for the exception
	 * stack); a call nested inside another, e.g. from a fault handler, uses
	 * small rounds on its own stack. */
	static struct exo_map_op ops[EXO_MAP_BATCH];
	static struct exo_page_grant grants[EXO_MAP_BATCH];
	static int busy;
	_Static_assert(EXO_MAP_BATCH <= EXO_PAGE_ALLOC_MAX, "one PAGE_ALLOC per MAP");
	if (busy) {
		struct exo_map_op o[8];
		struct exo_page_grant g[8];
		return map_range_with(o, g, 8, va, npages, perm);
	}
	busy = 1;
	long r = map_range_with(ops, grants, EXO_MAP_BATCH, va, npages, perm);
	busy = 0;
	return r;
}

long exos_page_map(uint64_t va, uint64_t perm)
{
	struct exo_map_op op = {.npages = 1, .va = va, .perm = perm};
	long slot = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	long r;

	if (slot < 0)
		return slot;
	op.cap = (int32_t)slot;
	r = exo_map(EXO_CAP_SELF, &op, 1);
	if (r != 1) {
		exo_cap_release((int)slot);
		return r < 0 ? r : -EXO_EINVAL;
	}
	record_ops(&op, 1);
	return slot;
}

long exos_protect_range(uint64_t va, size_t npages, uint64_t perm)
{
	while (npages > 0) {
		size_t n = npages < EXO_MAP_BATCH ? npages : EXO_MAP_BATCH;
		long r = exo_protect(EXO_CAP_SELF, va, n, perm);

		if (r < 0)
			return r;
		va += n * EXO_PAGE_SIZE;
		npages -= n;
	}
	return 0;
}

/* A run of exos_map_range's that is mapped nowhere any more goes back. */
static void release_run_if_unmapped(struct imported_run *r)
{
	if (!r)
		return;
	for (uint64_t i = 0; i < r->count; i++)
		if (exos_pages()[r->pfn + i].refs)
			return;
	exo_cap_release(r->slot);
	*r = imported_runs[--nimported_runs];
}

long exos_unmap_range(uint64_t va, size_t npages)
{
	while (npages > 0) {
		size_t n = npages < 64 ? npages : 64;
		uint64_t pfns[64];
		long r;

		for (size_t i = 0; i < n; i++)
			pfns[i] = exos_pfn(va + i * EXO_PAGE_SIZE);
		r = exo_unmap(EXO_CAP_SELF, va, n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			long slot = pfns[i] ? exos_page_cap(pfns[i]) : -1;

			if (slot >= 0 && exos_pages()[pfns[i]].refs == 0) {
				exo_cap_release((int)slot);
				exos_page_cap_forget(pfns[i]);
			} else if (slot < 0 && pfns[i]) {
				release_run_if_unmapped(run_of(pfns[i]));
			}
		}
		va += n * EXO_PAGE_SIZE;
		npages -= n;
	}
	return 0;
}

/* ---- page-fault policies ---- */

#define NREGION 16
static struct region {
	uint64_t lo, hi, perm;
} regions[NREGION];

void exos_vm_forget(void)
{
	memset(slot_pfn, 0, sizeof(slot_pfn));
	memset(bucket, 0, sizeof(bucket));
	memset(run_cap, 0, sizeof(run_cap));
	nimported_runs = 0;
	memset(regions, 0, sizeof(regions));
	imported = 1; /* a spawned environment holds no capabilities but ours */
	initrd_known = 0;
	exos_vm_zero_faults = exos_vm_cow_faults = 0;
}

long exos_vm_demand_zero(uint64_t va, size_t len, uint64_t perm)
{
	uint64_t end = va + len;

	if ((va | len) & (EXO_PAGE_SIZE - 1) || end < va || end > EXO_USER_TOP)
		return -EXO_EINVAL;
	for (int i = 0; i < NREGION; i++) {
		if (regions[i].hi == 0) {
			long r = exos_exceptions_init();

			if (r < 0)
				return r;
			regions[i] = (struct region){va, end, perm};
			return 0;
		}
	}
	return -EXO_ENOMEM;
}

long exos_vm_share_cow(uint64_t dst, uint64_t src, size_t npages)
{
	long r = exos_exceptions_init();

	if (r < 0)
		return r;
	while (npages > 0) {
		struct exo_map_op ops[32];
		size_t n = npages < 32 ? npages : 32;
		uint64_t perm = 0;

		for (size_t i = 0; i < n; i++) {
			uint64_t pte = exos_pte(src + i * EXO_PAGE_SIZE);
			long slot = exos_page_cap((pte & EXO_PTE_ADDR) >> 12);

			if (!(pte & EXO_PTE_P) || slot < 0)
				return -EXO_ENOENT;
			perm = ((pte & (EXO_PTE_NX | EXO_PTE_SW)) | EXOS_PTE_COW);
			ops[i] = (struct exo_map_op){.npages = 1,
			                             .va = dst + i * EXO_PAGE_SIZE,
			                             .cap = (int32_t)slot,
			                             .perm = perm};
		}
		r = exo_map(EXO_CAP_SELF, ops, n);
		if (r < 0)
			return r;
		r = exo_protect(EXO_CAP_SELF, src, n, perm);
		if (r < 0)
			return r;
		src += n * EXO_PAGE_SIZE;
		dst += n * EXO_PAGE_SIZE;
		npages -= n;
	}
	return 0;
}

static int zero_fault(uint64_t addr)
{
	for (int i = 0; i < NREGION; i++) {
		if (addr >= regions[i].lo && addr < regions[i].hi) {
			if (exos_page_map(addr & ~(EXO_PAGE_SIZE - 1), regions[i].perm) < 0)
				return 0;
			exos_vm_zero_faults++;
			return 1;
		}
	}
	return 0;
}

/* A copy-on-write 2 MiB page (a fork's, libos/linux/fork.c): made writable
 * whole if we are its only mapper, else split into 4 KiB mappings of the
 * same frames (same permissions) so that one page is copied.  1: writable
 * now; 0: split; -1: neither could be done. */
static int cow_large(uint64_t page)
{
	uint64_t block = page & ~(EXO_LARGE_SIZE - 1), e = exos_pde(block);
	uint64_t pfn = (e & EXO_PTE_ADDR) >> 12;
	uint64_t perm = e & (EXO_PTE_NX | EXO_PTE_SW);
	uint32_t first;
	long cap = exos_frame_cap(pfn, &first);
	const struct exo_page *pg = exos_pages();
	bool sole = cap >= 0 && pg[pfn].large_refs == 1;
	for (uint64_t i = 0; sole && i < EXO_LARGE_PAGES; i++)
		sole = pg[pfn + i].refs == 0;
	if (sole && exo_protect(EXO_CAP_SELF, block, EXO_LARGE_PAGES,
	                        (perm & ~EXOS_PTE_COW) | EXO_PTE_W) == 0)
		return 1;
	if (cap < 0)
		return -1;
	struct exo_map_op op = {.va = block,
	                        .cap = (int32_t)cap,
	                        .first = first,
	                        .npages = EXO_LARGE_PAGES,
	                        .perm = perm};
	if (exo_unmap(EXO_CAP_SELF, block, EXO_LARGE_PAGES) < 0)
		return -1;
	return exo_map(EXO_CAP_SELF, &op, 1) == 1 ? 0 : -1;
}

/* The run copies come from: mapped whole at EXOS_COW_WIN, so a copy is a
 * memcpy and one MAP of the new frame at the page (the capability is recorded
 * once per run: the tables being written may themselves be copy-on-write, and
 * a fault in their update is served from the same run).  Its state is on
 * ExOS's private page, which a fork never shares. */
#define COW (exos_private_page.v.cow)

/* Is our 4 KiB entry the only mapping of frame pfn?  refs counts 4 KiB
 * entries only; a 2 MiB mapping of the frame's block (another process's
 * share of a 2 MiB page we split, or our copy window) counts on the block's
 * first frame. */
static bool sole_mapper(uint64_t pfn)
{
	const struct exo_page *pg = exos_pages();
	const struct exo_page *block = &pg[pfn & ~(uint64_t)(EXO_LARGE_PAGES - 1)];
	/* a block starting with another kind of page (a page table's large_refs
	 * is a summary, abi.md) cannot be mapped whole */
	return pg[pfn].refs == 1 && (block->type != EXO_PAGE_USER || block->large_refs == 0);
}

static int cow_copy(uint64_t page, uint64_t perm)
{
	if (!COW.cap1 || COW.used == EXO_LARGE_PAGES) {
		if (COW.cap1 && exo_unmap(EXO_CAP_SELF, EXOS_COW_WIN, EXO_LARGE_PAGES) < 0)
			return -1;
		COW.cap1 = 0;
		struct exo_page_grant g;
		long cap = exo_run_alloc(&g, EXO_LARGE_PAGES, EXO_RUN_LARGE);
		if (cap < 0)
			return -1;
		struct exo_map_op op = {.va = EXOS_COW_WIN,
		                        .cap = (int32_t)cap,
		                        .npages = EXO_LARGE_PAGES,
		                        .flags = EXO_MAP_LARGE,
		                        .perm = EXO_PTE_W | EXO_PTE_NX};
		if (exo_map(EXO_CAP_SELF, &op, 1) != 1) {
			exo_cap_release((int)cap);
			return -1;
		}
		COW.pfn = g.pfn;
		COW.used = 0;
		COW.cap1 = (int32_t)cap + 1;
		exos_run_record(g.pfn, (int)cap); /* may fault: served from the run */
		/* ...which takes frames: read the state again */
		__asm__ volatile("" ::: "memory");
	}
	uint32_t i = COW.used++;
	memcpy((void *)(EXOS_COW_WIN + i * EXO_PAGE_SIZE), (const void *)page, EXO_PAGE_SIZE);
	struct exo_map_op op = {
	        .va = page, .cap = COW.cap1 - 1, .first = i, .npages = 1, .perm = perm};
	return exo_map(EXO_CAP_SELF, &op, 1) == 1 ? 0 : -1;
}

static int cow_fault_held(uint64_t addr)
{
	uint64_t page = addr & ~(EXO_PAGE_SIZE - 1);
	uint64_t pte = exos_pte(page);
	/* Copied since the fault, by an upcall that came before we entered the
	 * critical section (exos_vm_fault_served's case, one step later). */
	if ((pte & (EXO_PTE_P | EXO_PTE_W)) == (EXO_PTE_P | EXO_PTE_W))
		return 1;
	if ((pte & (EXO_PTE_P | EXO_PTE_W | EXOS_PTE_COW)) == (EXO_PTE_P | EXOS_PTE_COW) &&
	    (exos_pde(page) & 0x80)) {
		int r = cow_large(page);
		if (r != 0) {
			exos_vm_cow_faults += r > 0;
			return r > 0;
		}
		pte = exos_pte(page);
	}
	uint64_t old = (pte & EXO_PTE_ADDR) >> 12;
	uint64_t perm = (pte & (EXO_PTE_NX | EXO_PTE_SW) & ~EXOS_PTE_COW) | EXO_PTE_W;
	int depth = exos_exception_depth;
	uint64_t scratch;
	struct exo_map_op op;
	long slot, r;

	if (!(pte & EXO_PTE_P) || (pte & EXO_PTE_W) || !(pte & EXOS_PTE_COW))
		return 0;
	/* Only mapping left of a page of ours: make it writable in place (one
	 * crossing).  A page we hold no capability for (the initramfs's, mapped
	 * in place by a loader) cannot be made writable: always copied. */
	uint32_t ofirst;
	bool ours = exos_frame_cap(old, &ofirst) >= 0;
	if (ours && sole_mapper(old) && exo_protect(EXO_CAP_SELF, page, 1, perm) == 0) {
		exos_vm_cow_faults++;
		return 1;
	}
	if (cow_copy(page, perm) == 0) {
		exos_vm_cow_faults++;
		return 1;
	}
	if (depth < 1 || depth > EXOS_SCRATCH_PAGES)
		return 0;
	scratch = EXOS_SCRATCH + (uint64_t)(depth - 1) * EXO_PAGE_SIZE;
	slot = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	if (slot < 0)
		return 0;
	op = (struct exo_map_op){
	        .npages = 1, .va = scratch, .cap = (int32_t)slot, .perm = EXO_PTE_W | EXO_PTE_NX};
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1) {
		exo_cap_release((int)slot);
		return 0;
	}
	memcpy((void *)scratch, (const void *)page, EXO_PAGE_SIZE);
	op.va = page;
	op.perm = perm;
	r = exo_map(EXO_CAP_SELF, &op, 1);
	if (r != 1) { /* in case the kernel will not replace a mapping */
		exo_unmap(EXO_CAP_SELF, page, 1);
		r = exo_map(EXO_CAP_SELF, &op, 1);
	}
	exo_unmap(EXO_CAP_SELF, scratch, 1);
	if (r != 1) {
		exo_cap_release((int)slot);
		return 0;
	}
	exos_page_cap_record(exos_pfn(page), (int)slot);
	/* The old page: ours and mapped nowhere now?  Give it back. */
	if (ours && exos_pages()[old].refs == 0) {
		long oslot = exos_page_cap(old);

		if (oslot >= 0) {
			exo_cap_release((int)oslot);
			exos_page_cap_forget(old);
		}
	}
	exos_vm_cow_faults++;
	return 1;
}

/* No upcall handler may run between reading the entry and replacing it: one
 * that wrote the page meanwhile (ExOS's own .bss is copy-on-write after a
 * fork, and the tick handler writes it) would copy it too, and our older
 * copy, mapped last, would lose its write; worse, its fault would be served
 * here again, and a prologue comes after every switch, so under load they
 * nested until the exception stack overflowed.  The critical section keeps
 * the tick and the epilogue away; exos_exception_dispatch drops the
 * prologues that still come while cow_busy is up.  Our own nested faults
 * still come, and are served from the same run (COW's state is reread). */
static int cow_fault(uint64_t addr)
{
	exos_critical_enter();
	exos_private_page.v.cow_busy++;
	int r = cow_fault_held(addr);
	exos_private_page.v.cow_busy--;
	exos_critical_leave();
	return r;
}

bool exos_vm_fault_served(const struct exo_xframe *f)
{
	const uint64_t pu = EXO_PTE_P | EXO_PTE_U;
	/* a reserved bit set is no permission a retry gets */
	if (f->vector != 14 || f->addr >= EXO_USER_TOP || (f->err & 8))
		return false;
	uint64_t e = exos_pte(f->addr);
	if ((e & pu) != pu || (e & EXO_PTE_HIDDEN))
		return false;
	if ((f->err & 2) && !(e & EXO_PTE_W))
		return false;
	return !((f->err & 0x10) && (e & EXO_PTE_NX));
}

int exos_vm_fault(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	if (f->vector != 14 || f->addr >= EXO_USER_TOP)
		return 0;
	if (!(f->err & 1))
		return zero_fault(f->addr);
	if ((f->err & 2) && !(f->err & 0x10))
		return cow_fault(f->addr);
	return 0;
}
