/* runs: range capabilities and 2 MiB pages (issue 13).
 *
 * A run of frames is one capability (EXO_SYS_RUN_ALLOC).  A map op binds a
 * part of it with one check, and the kernel refuses any frame outside the
 * capability's run.  Sub-runs granted (to ourselves, then mapped into another
 * environment) die with a partial revoke that touches them, with their
 * mappings there, and only they do.  2 MiB pages need a 2 MiB-aligned run
 * the capability covers whole; they cannot be cut by UNMAP or PROTECT, they
 * refuse to share a table with 4 KiB mappings, and they go with a release,
 * a revoke or the teardown of the environment that maps them. */
#define TEST_NAME "runs"
#include "check.h"

#define PG     EXO_PAGE_SIZE
#define BIG    EXO_LARGE_SIZE
#define VA     0x350000000000ul /* our mappings of the small run */
#define CVA    0x350000000000ul /* the child's (another address space) */
#define LVA    0x360000000000ul /* 2 MiB pages, ours */
#define RW     (EXO_PTE_W | EXO_PTE_NX)
#define RO     EXO_PTE_NX
#define NSMALL 8

static long map_run(int env, uint64_t va, long cap, uint32_t first, uint32_t n, uint32_t flags,
                    uint64_t perm)
{
	struct exo_map_op op = {.va = va,
	                        .cap = (int32_t)cap,
	                        .first = first,
	                        .npages = n,
	                        .flags = flags,
	                        .perm = perm};
	return exo_map(env, &op, 1);
}

/* The page-directory entry for va, read through UVPT (0 if its tables are absent). */
static uint64_t pde(uint64_t va)
{
	uint64_t pu = EXO_PTE_P | EXO_PTE_U;
	if ((*(volatile uint64_t *)(EXOS_UVPT_PML4 + (va >> 39) * 8) & pu) != pu ||
	    (*(volatile uint64_t *)(EXOS_UVPT_PDPT + (va >> 30) * 8) & pu) != pu)
		return 0;
	return *(volatile uint64_t *)(EXOS_UVPT_PD + (va >> 21) * 8);
}

static int refs_are(uint64_t pfn, uint64_t n, unsigned want)
{
	for (uint64_t i = 0; i < n; i++)
		if (exos_pages()[pfn + i].refs != want)
			return 0;
	return 1;
}

static void small_runs(void)
{
	struct exo_page_grant g;
	struct exo_cap_info info;
	long run = exo_run_alloc(&g, NSMALL, 0);
	CHECK(run > 0, "run_alloc of %d frames -> a slot", NSMALL);
	CHECK(exo_cap_info((int)run, &info) == 0 && info.type == EXO_CAP_PAGE &&
	              info.object == g.pfn && info.count == NSMALL && info.rights == EXO_RIGHTS_ALL,
	      "cap_info: a page capability over the %d frames from the grant's first", NSMALL);
	int ours = 1;
	for (int i = 0; i < NSMALL; i++)
		ours &= exos_pages()[g.pfn + i].type == EXO_PAGE_USER &&
		        exos_pages()[g.pfn + i].owner == exos_self_id() % EXO_NENV;
	CHECK(ours, "page-info: every frame of the run is a user page of ours");

	RET(map_run(EXO_CAP_SELF, VA, run, 0, NSMALL, 0, RW), 1, "map the whole run with one op");
	int same = 1, zero = 1;
	for (int i = 0; i < NSMALL; i++) {
		same &= exos_pfn(VA + i * PG) == g.pfn + i;
		for (int w = 0; w < (int)(PG / 8); w++)
			zero &= ((volatile uint64_t *)(VA + i * PG))[w] == 0;
	}
	CHECK(same, "page i of the mapping is frame i of the run");
	CHECK(zero, "a fresh run reads as zeros");
	ERR(map_run(EXO_CAP_SELF, VA, run, NSMALL, 1, 0, RW), EXO_EPERM, "map frame 8 of 8");
	ERR(map_run(EXO_CAP_SELF, VA, run, 7, 2, 0, RW), EXO_EPERM, "map frames 7..8 of 8");
	ERR(map_run(EXO_CAP_SELF, VA, run, 0, NSMALL + 1, 0, RW), EXO_EPERM, "map 9 frames of 8");
	ERR(map_run(EXO_CAP_SELF, VA, run, 0, 0, 0, RW), EXO_EINVAL, "map 0 frames");
	ERR(map_run(EXO_CAP_SELF, VA, run, 0xffffffffu, 2, 0, RW), EXO_EPERM,
	    "map from frame 2^32-1 (no wrap)");

	/* Sub-runs to ourselves, used to map into a child address space. */
	long child = exo_env_create("runs-child");
	CHECK(child > 0, "create a child address space");
	long x = exo_cap_grant_part((int)run, EXO_CAP_SELF,
	                            EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT, 2, 4);
	long y = exo_cap_grant_part((int)run, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP, 6, 2);
	CHECK(x > 0 && y > 0, "grant sub-runs [2,6) and [6,8) read-only");
	CHECK(exo_cap_info((int)x, &info) == 0 && info.object == g.pfn + 2 && info.count == 4 &&
	              info.rights == (EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT),
	      "cap_info of [2,6): frames pfn+2 .. pfn+5, read+map+grant");
	ERR(exo_cap_grant_part((int)run, EXO_CAP_SELF, EXO_RIGHT_READ, 6, 3), EXO_EINVAL,
	    "grant [6,9) of 8 frames");
	ERR(exo_cap_grant_part((int)x, EXO_CAP_SELF, EXO_RIGHT_READ, 4, 1), EXO_EINVAL,
	    "grant frame 4 of a 4-frame sub-run");
	ERR(map_run((int)child, CVA, x, 0, 4, 0, RW), EXO_EPERM, "map [2,6) writable");
	RET(map_run((int)child, CVA, x, 0, 4, 0, RO), 1, "map [2,6) into the child");
	RET(map_run((int)child, CVA + 4 * PG, y, 0, 2, 0, RO), 1, "map [6,8) into the child");
	RET(map_run(EXO_CAP_SELF, VA + 16 * PG, x, 1, 2, 0, RO), 1,
	    "map frames 1..2 of [2,6) in our space");
	CHECK(exos_pfn(VA + 16 * PG) == g.pfn + 3 && exos_pfn(VA + 17 * PG) == g.pfn + 4,
	      "frame i of a sub-run is frame first + i of the run");
	CHECK(refs_are(g.pfn, 2, 1) && refs_are(g.pfn + 2, 1, 2) && refs_are(g.pfn + 3, 2, 3) &&
	              refs_are(g.pfn + 5, 3, 2),
	      "page-info refs count every mapping, in both address spaces");

	/* Partial revoke of frames [1,3): only [2,6) names one of them. */
	RET(exo_cap_revoke_part((int)run, 1, 2), 1, "revoke frames [1,3) of the run");
	ERR(exo_cap_info((int)x, &info), EXO_EBADF, "[2,6) is gone");
	CHECK(exo_cap_info((int)y, &info) == 0 && info.count == 2, "[6,8) stays");
	CHECK(!(exos_pte(VA + 16 * PG) & EXO_PTE_P), "our mapping made with [2,6) is gone");
	CHECK(refs_are(g.pfn, 6, 1) && refs_are(g.pfn + 6, 2, 2),
	      "the child's mappings of [2,6) are gone, of [6,8) stay");
	ERR(exo_cap_revoke_part((int)run, 8, 1), EXO_EINVAL, "revoke frame 8 of 8");
	ERR(exo_cap_revoke_part((int)run, 5, 4), EXO_EINVAL, "revoke frames [5,9) of 8");
	RET(exo_cap_revoke((int)run), 1, "revoke the rest");
	CHECK(refs_are(g.pfn, NSMALL, 1), "only our own mappings stay");

	RET(exo_cap_release((int)run), 0, "release the run");
	int gone = 1, freed = 1;
	for (int i = 0; i < NSMALL; i++) {
		gone &= !(exos_pte(VA + i * PG) & EXO_PTE_P);
		freed &= exos_pages()[g.pfn + i].type == EXO_PAGE_FREE;
	}
	CHECK(gone, "every mapping of the run is gone");
	CHECK(freed, "every frame is free again");
	RET(exo_env_destroy((int)child), 0, "destroy the child");
}

static void large_pages(void)
{
	struct exo_page_grant g;
	long run = exo_run_alloc(&g, 2 * EXO_LARGE_PAGES, EXO_RUN_LARGE);
	CHECK(run > 0 && g.pfn % EXO_LARGE_PAGES == 0, "run_alloc of 4 MiB, 2 MiB-aligned");
	ERR(exo_run_alloc(&g, 100, EXO_RUN_LARGE), EXO_EINVAL, "a 2 MiB-aligned run of 100 frames");

	RET(map_run(EXO_CAP_SELF, LVA, run, 0, 2 * EXO_LARGE_PAGES, EXO_MAP_LARGE, RW), 1,
	    "map it as two 2 MiB pages, one op");
	CHECK((pde(LVA) & (EXO_PTE_P | 0x80)) == (EXO_PTE_P | 0x80) &&
	              (pde(LVA) & EXO_PTE_ADDR) == g.pfn << 12 &&
	              (pde(LVA + BIG) & EXO_PTE_ADDR) == (g.pfn + EXO_LARGE_PAGES) << 12,
	      "UVPT: two 2 MiB page-directory entries for the run");
	CHECK(exos_pages()[g.pfn].large_refs == 1 &&
	              exos_pages()[g.pfn + EXO_LARGE_PAGES].large_refs == 1 &&
	              exos_pages()[g.pfn].refs == 0,
	      "page-info: large_refs 1 on each 2 MiB frame, no 4 KiB refs");
	for (uint64_t off = 0; off < 2 * BIG; off += PG)
		*(volatile uint64_t *)(LVA + off) = off ^ 0x5a5a;
	int ok = 1;
	for (uint64_t off = 0; off < 2 * BIG; off += PG)
		ok &= *(volatile uint64_t *)(LVA + off) == (off ^ 0x5a5a);
	CHECK(ok, "every 4 KiB of both 2 MiB pages reads back what was written");

	ERR(map_run(EXO_CAP_SELF, LVA + PG, run, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW), EXO_EINVAL,
	    "2 MiB page at an unaligned address");
	ERR(map_run(EXO_CAP_SELF, LVA, run, 1, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW), EXO_EINVAL,
	    "2 MiB page from an unaligned frame");
	ERR(map_run(EXO_CAP_SELF, LVA, run, 0, 100, EXO_MAP_LARGE, RW), EXO_EINVAL,
	    "2 MiB pages of 100 frames");
	ERR(map_run(EXO_CAP_SELF, LVA, run, EXO_LARGE_PAGES, 2 * EXO_LARGE_PAGES, EXO_MAP_LARGE,
	            RW),
	    EXO_EPERM, "2 MiB pages past the run's end");
	long half = exo_cap_grant_part((int)run, EXO_CAP_SELF, EXO_RIGHTS_ALL, 0, 256);
	CHECK(half > 0, "grant the first 1 MiB of the run");
	ERR(map_run(EXO_CAP_SELF, LVA + 4 * BIG, half, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW),
	    EXO_EPERM, "2 MiB page with a capability for half of its frames");
	long ro = exo_cap_grant_part((int)run, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP, 0, 0);
	ERR(map_run(EXO_CAP_SELF, LVA + 4 * BIG, ro, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW),
	    EXO_EPERM, "2 MiB page writable with a read-only capability");
	ERR(map_run(EXO_CAP_SELF, LVA + 5 * PG, run, 5, 1, 0, RW), EXO_EBUSY,
	    "a 4 KiB page inside a 2 MiB mapping");
	ERR(exo_unmap(EXO_CAP_SELF, LVA + PG, 1), EXO_EINVAL, "unmap 4 KiB of a 2 MiB page");
	ERR(exo_protect(EXO_CAP_SELF, LVA + PG, 1, RO), EXO_EINVAL,
	    "protect 4 KiB of a 2 MiB page");
	RET(exo_protect(EXO_CAP_SELF, LVA - 64 * BIG, 1, RO), 0,
	    "protect 4 KiB where no page table is (nothing to do)");
	ERR(exo_protect(EXO_CAP_SELF, LVA, EXO_LARGE_PAGES + 1, RO), EXO_EINVAL,
	    "protect a range that cuts the second 2 MiB page");
	RET(exo_protect(EXO_CAP_SELF, LVA, EXO_LARGE_PAGES, RO), 0,
	    "protect the first 2 MiB read-only");
	CHECK(!(pde(LVA) & EXO_PTE_W) && (pde(LVA + BIG) & EXO_PTE_W),
	      "the first 2 MiB page is read-only, the second stays writable");
	RET(exo_protect(EXO_CAP_SELF, LVA + BIG, EXO_LARGE_PAGES, RO), 0, "protect the second");
	RET(exo_protect(EXO_CAP_SELF, LVA, 2 * EXO_LARGE_PAGES, RW), 0,
	    "both writable again (mapped with the root, which may write)");
	RET(map_run(EXO_CAP_SELF, LVA + 4 * BIG, ro, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RO), 1,
	    "map 2 MiB read-only with the read-only capability");
	ERR(exo_protect(EXO_CAP_SELF, LVA + 4 * BIG, EXO_LARGE_PAGES, RW), EXO_EPERM,
	    "make that mapping writable");
	CHECK(*(volatile uint64_t *)(LVA + 4 * BIG + 3 * PG) == ((3 * PG) ^ 0x5a5a),
	      "it shows the run's data");
	RET(exo_cap_revoke((int)run), 2, "revoke what was derived (half, ro)");
	CHECK(!(pde(LVA + 4 * BIG) & EXO_PTE_P) && (pde(LVA) & EXO_PTE_P),
	      "the 2 MiB mapping made with ro is gone, the root's stay");
	RET(exo_cap_release((int)run), 0, "release the run");
	CHECK(!(pde(LVA) & EXO_PTE_P) && !(pde(LVA + BIG) & EXO_PTE_P) &&
	              exos_pages()[g.pfn].large_refs == 0,
	      "both 2 MiB mappings are gone");
}

static void tables_and_teardown(void)
{
	struct exo_page_grant g, s;
	long run = exo_run_alloc(&g, EXO_LARGE_PAGES, EXO_RUN_LARGE);
	long small = exo_run_alloc(&s, 1, 0);
	CHECK(run > 0 && small > 0, "a 2 MiB run and a page");
	uint64_t va = LVA + 8 * BIG;
	RET(map_run(EXO_CAP_SELF, va + PG, small, 0, 1, 0, RW), 1, "map a 4 KiB page");
	ERR(map_run(EXO_CAP_SELF, va, run, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW), EXO_EBUSY,
	    "a 2 MiB page over a table still mapping a page");
	RET(exo_unmap(EXO_CAP_SELF, va + PG, 1), 0, "unmap the 4 KiB page");
	RET(map_run(EXO_CAP_SELF, va, run, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW), 1,
	    "a 2 MiB page over the emptied table");
	*(volatile uint64_t *)(va + BIG - 8) = 42;
	RET(exo_unmap(EXO_CAP_SELF, va, EXO_LARGE_PAGES), 0, "unmap the 2 MiB page whole");
	CHECK(!(pde(va) & EXO_PTE_P) && exos_pages()[g.pfn].large_refs == 0,
	      "no entry left, large_refs 0");

	long child = exo_env_create("runs-large");
	CHECK(child > 0, "create a child address space");
	RET(map_run((int)child, LVA, run, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RW), 1,
	    "map the 2 MiB page into the child");
	RET(map_run(EXO_CAP_SELF, va, run, 0, EXO_LARGE_PAGES, EXO_MAP_LARGE, RO), 1,
	    "and into our space");
	CHECK(exos_pages()[g.pfn].large_refs == 2, "large_refs 2");
	CHECK(*(volatile uint64_t *)(va + BIG - 8) == 42, "the data is still there");
	RET(exo_env_destroy((int)child), 0, "destroy the child");
	CHECK(exos_pages()[g.pfn].large_refs == 1, "teardown dropped the child's 2 MiB mapping");
	RET(exo_cap_release((int)run), 0, "release the run");
	CHECK(!(pde(va) & EXO_PTE_P) && exos_pages()[g.pfn].large_refs == 0 &&
	              exos_pages()[g.pfn].type == EXO_PAGE_FREE,
	      "release unmapped our 2 MiB page and freed the frames");
	exo_cap_release((int)small);
}

int main(void)
{
	small_runs();
	large_pages();
	tables_and_teardown();
	return check_done();
}
