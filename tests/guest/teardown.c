/* teardown: an environment's end undoes every mapping it has, wherever its
 * page tables hold it.  The kernel's teardown looks only at the 32-entry
 * chunks of each table that a summary says may hold something (kernel/
 * pagetable.c, table_mark), and drops a frame's records for the dying
 * environment at its first entry when the frame is mapped there more than
 * once (a mark in the frame's page-info flags, cleared at the end).  So: a
 * child with entries at the first and last index of chunks, tables and
 * directories, a frame mapped 300 times there (our own two mappings of it
 * on both sides of its records), a run across a table boundary and 2 MiB
 * pages; after its end every reference it held is gone, ours are all still
 * there, no mark is left, and every page its tables took is free again. */
#define TEST_NAME "teardown"
#include <exos/vm.h>

#include "check.h"

#define PG    EXO_PAGE_SIZE
#define LARGE EXO_LARGE_SIZE
#define B     0x330000000000ul /* a PML4 slot of its own, 512 GiB-aligned */
#define C     0x340000000000ul
#define RO    EXO_PTE_NX

static long map_at(long env, uint64_t va, long cap, uint32_t first, uint32_t n, bool large)
{
	struct exo_map_op op = {.va = va,
	                        .cap = (int32_t)cap,
	                        .first = first,
	                        .npages = n,
	                        .flags = large ? EXO_MAP_LARGE : 0,
	                        .perm = RO};
	return exo_map((int)env, &op, 1);
}

int main(void)
{
	struct exo_page_grant g, gl;
	long run = exo_run_alloc(&g, 8, 0);
	long big = exo_run_alloc(&gl, EXO_LARGE_PAGES, EXO_RUN_LARGE);
	CHECK(run > 0 && big > 0, "a run of 8 frames and a 2 MiB run");
	const struct exo_page *pg = exos_pages();
	uint64_t f0 = g.pfn, f1 = g.pfn + 1;

	/* Ours: frame 1 before the child's records and after them, the 2 MiB run once. */
	RET(map_at(EXO_CAP_SELF, C - 2 * PG, run, 1, 1, false), 1, "map frame 1 at C-2 (ours)");
	RET(map_at(EXO_CAP_SELF, C - 2 * LARGE, big, 0, EXO_LARGE_PAGES, true), 1,
	    "map the 2 MiB run at C-4M (ours)");
	/* What an environment with no mappings of ours takes and gives back
	 * (its PML4, its u-area and the tables that map it). */
	uint64_t free0 = exo_kinfo()->free_pages;
	long empty = exo_env_create("empty");
	uint64_t free1 = exo_kinfo()->free_pages;
	long empty_destroyed = exo_env_destroy((int)empty);
	uint64_t free2 = exo_kinfo()->free_pages;
	CHECK(empty > 0 && empty_destroyed == 0 && free1 < free0 && free2 == free0,
	      "an environment with nothing mapped gives back the pages it took");
	long child = exo_env_create("child");
	CHECK(child > 0, "a child environment");

	/* Every boundary of a chunk (32 entries), a leaf table, a directory. */
	static const uint64_t idx[] = {0, 31, 32, 63, 64, 255, 256, 480, 511};
	int ok = 1;
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		ok &= map_at(child, B + idx[i] * PG, run, 0, 1, false) == 1;
	ok &= map_at(child, B + 511 * LARGE, run, 0, 1, false) == 1;       /* PD's last */
	ok &= map_at(child, B + 511 * (1ul << 30), run, 0, 1, false) == 1; /* PDPT's last */
	ok &= map_at(child, B + 511 * (1ul << 30) + 511 * LARGE + 511 * PG, run, 0, 1, false) == 1;
	CHECK(ok, "map frame 0 at 12 places in the child");
	ok = 1;
	for (uint64_t i = 0; i < 300; i++) /* across a table boundary */
		ok &= map_at(child, C + (400 + i) * PG, run, 1, 1, false) == 1;
	CHECK(ok, "map frame 1 at 300 places in the child");
	RET(map_at(EXO_CAP_SELF, C - PG, run, 1, 1, false), 1, "map frame 1 at C-1 (ours)");
	RET(map_at(child, C + 3 * LARGE - 3 * PG, run, 2, 6, false), 1,
	    "map frames 2..7 across a table boundary in the child");
	RET(map_at(child, B + 5 * LARGE, big, 0, EXO_LARGE_PAGES, true), 1,
	    "map the 2 MiB run in the child");
	RET(map_at(child, B + 511 * LARGE - LARGE, big, 0, EXO_LARGE_PAGES, true), 1,
	    "and again, at the directory's last but one entry");
	CHECK(pg[f0].refs == 12 && pg[f1].refs == 302 && pg[g.pfn + 7].refs == 1 &&
	              pg[gl.pfn].large_refs == 3,
	      "page-info: frame 0 has 12 mappings, frame 1 302, frame 7 1, the 2 MiB run 3");

	uint64_t free_before = exo_kinfo()->free_pages;
	long destroyed = exo_env_destroy((int)child);
	uint64_t free_after = exo_kinfo()->free_pages;
	RET(destroyed, 0, "destroy the child");
	ok = pg[f0].refs == 0 && pg[f1].refs == 2;
	for (uint64_t i = 2; i < 8; i++)
		ok &= pg[g.pfn + i].refs == 0;
	CHECK(ok && pg[gl.pfn].large_refs == 1,
	      "page-info: only our mappings are left (frame 1 twice, the 2 MiB run once)");
	CHECK(!(pg[f0].flags & 0x80) && !(pg[f1].flags & 0x80) && !(pg[gl.pfn].flags & 0x80),
	      "no teardown mark is left on a frame");
	/* Besides what the empty one had: two PDPTs, three directories and
	 * eight leaf tables. */
	CHECK(free_after - free_before == free0 - free1 + 13,
	      "its page tables are free again: %ld pages more than the empty one's",
	      (long)(free_after - free_before) - (long)(free0 - free1));
	/* Our mappings still work, and go as they should. */
	RET(exo_unmap(EXO_CAP_SELF, C - 2 * PG, 2), 0, "unmap ours");
	RET(exo_unmap(EXO_CAP_SELF, C - 2 * LARGE, EXO_LARGE_PAGES), 0, "unmap our 2 MiB page");
	CHECK(pg[f1].refs == 0 && pg[gl.pfn].large_refs == 0, "page-info: nothing maps them now");
	return check_done();
}
