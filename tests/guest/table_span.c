/* table_span: MAP, UNMAP and PROTECT over ranges that cross a 2 MiB boundary,
 * where the kernel changes leaf page tables (it walks once per table and skips
 * absent tables whole, issue 13): with the table before or after the boundary
 * absent, every page in the range changes, every page outside it keeps its
 * mapping, and a MAP batch that goes back and forth across the boundary binds
 * each op's page at each op's address. */
#define TEST_NAME "table_span"
#include "check.h"

#define PG     EXO_PAGE_SIZE
#define B      0x330000000000ul /* 2 MiB-aligned; both neighbouring tables unused */
#define C      0x340000000000ul
#define RW     (EXO_PTE_W | EXO_PTE_NX)
#define MAPPED (EXO_PTE_P)

static long map1(uint64_t va, long cap)
{
	struct exo_map_op op = {.npages = 1, .va = va, .cap = (int32_t)cap, .perm = RW};

	return exo_map(EXO_CAP_SELF, &op, 1);
}

static int writable(uint64_t va)
{
	return (exos_pte(va) & (EXO_PTE_P | EXO_PTE_W)) == (EXO_PTE_P | EXO_PTE_W);
}

static int readonly(uint64_t va)
{
	return (exos_pte(va) & (EXO_PTE_P | EXO_PTE_W)) == EXO_PTE_P;
}

static int absent(uint64_t va)
{
	return !(exos_pte(va) & EXO_PTE_P);
}

int main(void)
{
	long p = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	long q = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);

	CHECK(p > 0 && q > 0, "acquire two pages");

	/* Both tables present: [B-2, B+2) crosses from one into the next. */
	uint64_t va[] = {B - 3 * PG, B - 2 * PG, B - PG, B + PG, B + 2 * PG};
	int ok = 1;
	for (int i = 0; i < 5; i++)
		ok &= map1(va[i], p) == 1;
	CHECK(ok, "map p at B-3, B-2, B-1, B+1, B+2 (B a 2 MiB boundary)");
	uint64_t pfn = exos_pfn(B - PG);
	CHECK(exos_pages()[pfn].refs == 5, "page-info: p has 5 mappings");
	RET(exo_protect(EXO_CAP_SELF, B - 2 * PG, 4, EXO_PTE_NX), 0,
	    "protect [B-2, B+2) read-only");
	CHECK(readonly(B - 2 * PG) && readonly(B - PG) && readonly(B + PG) && absent(B),
	      "B-2, B-1, B+1 are read-only; B stays absent");
	CHECK(writable(B - 3 * PG) && writable(B + 2 * PG), "B-3 and B+2, outside, stay writable");
	RET(exo_protect(EXO_CAP_SELF, B - 2 * PG, 4, RW), 0, "protect [B-2, B+2) writable again");
	CHECK(writable(B - 2 * PG) && writable(B - PG) && writable(B + PG) && absent(B),
	      "B-2, B-1, B+1 are writable; B stays absent");
	RET(exo_unmap(EXO_CAP_SELF, B - 2 * PG, 4), 0, "unmap [B-2, B+2)");
	CHECK(absent(B - 2 * PG) && absent(B - PG) && absent(B + PG), "B-2, B-1, B+1 are unmapped");
	CHECK(writable(B - 3 * PG) && writable(B + 2 * PG), "B-3 and B+2, outside, stay mapped");
	CHECK(exos_pages()[pfn].refs == 2, "page-info: p has 2 mappings left");

	/* The table before the boundary is absent, the one after it present. */
	RET(map1(C + PG, p), 1, "map p at C+1 (nothing mapped below C)");
	RET(exo_protect(EXO_CAP_SELF, C - 2 * PG, 4, EXO_PTE_NX), 0,
	    "protect [C-2, C+2) read-only");
	CHECK(readonly(C + PG) && absent(C - PG) && absent(C),
	      "C+1 is read-only, C-1 and C absent");
	RET(exo_unmap(EXO_CAP_SELF, C - 2 * PG, 4), 0, "unmap [C-2, C+2)");
	CHECK(absent(C + PG), "C+1 is unmapped");
	/* And the other way: the table after the boundary is absent. */
	RET(map1(C - 3 * PG, p), 1, "map p at C-3 (nothing mapped from C)");
	RET(exo_protect(EXO_CAP_SELF, C - 4 * PG, EXO_MAP_BATCH, EXO_PTE_NX), 0,
	    "protect [C-4, C+508) read-only (a full batch)");
	CHECK(readonly(C - 3 * PG), "C-3 is read-only");
	RET(exo_unmap(EXO_CAP_SELF, C - 4 * PG, EXO_MAP_BATCH), 0, "unmap [C-4, C+508)");
	CHECK(absent(C - 3 * PG), "C-3 is unmapped");

	/* One MAP batch back and forth across B: each op lands in its own table. */
	struct exo_map_op ops[] = {
	        {.npages = 1, .va = B - PG, .cap = (int32_t)p, .perm = RW},
	        {.npages = 1, .va = B, .cap = (int32_t)q, .perm = RW},
	        {.npages = 1, .va = B + PG, .cap = (int32_t)p, .perm = RW},
	        {.npages = 1, .va = B - 2 * PG, .cap = (int32_t)q, .perm = RW},
	};
	RET(exo_map(EXO_CAP_SELF, ops, 4), 4, "map p, q, p, q at B-1, B, B+1, B-2 in one call");
	*(volatile uint64_t *)(B - PG) = 0x1111;
	*(volatile uint64_t *)B = 0x2222;
	CHECK(*(volatile uint64_t *)(B + PG) == 0x1111 &&
	              *(volatile uint64_t *)(B - 2 * PG) == 0x2222,
	      "B+1 shows p's data and B-2 q's: every op bound its own page");
	CHECK(exos_pfn(B - PG) == pfn && exos_pfn(B + PG) == pfn &&
	              exos_pfn(B) == exos_pfn(B - 2 * PG),
	      "the page tables name p at B-1 and B+1, q at B and B-2");

	/* One op of a run across B, over those mappings (each replaced), and the same
	 * run on fresh entries (the kernel's batched path): page i is frame i. */
	struct exo_page_grant g;
	long run = exo_run_alloc(&g, 8, 0);
	CHECK(run > 0, "run_alloc of 8 frames");
	struct exo_map_op over = {.npages = 8, .va = B - 4 * PG, .cap = (int32_t)run, .perm = RW};
	RET(exo_map(EXO_CAP_SELF, &over, 1), 1, "map the run at [B-4, B+4), over p and q");
	struct exo_map_op fresh = {.npages = 8, .va = C - 4 * PG, .cap = (int32_t)run, .perm = RW};
	RET(exo_map(EXO_CAP_SELF, &fresh, 1), 1, "map it again at [C-4, C+4), nothing there");
	int same = 1, twice = 1;
	for (uint64_t i = 0; i < 8; i++) {
		same &= exos_pfn(B - 4 * PG + i * PG) == g.pfn + i &&
		        exos_pfn(C - 4 * PG + i * PG) == g.pfn + i;
		twice &= exos_pages()[g.pfn + i].refs == 2;
	}
	CHECK(same, "page i of both mappings is frame i of the run");
	CHECK(twice && exos_pages()[pfn].refs == 0,
	      "each frame of the run has 2 mappings; p's replaced ones are gone");
	RET(exo_cap_release((int)run), 0, "release the run");
	CHECK(absent(C - 4 * PG) && absent(C + 3 * PG), "its mappings are gone");

	RET(exo_cap_release((int)p), 0, "release p");
	RET(exo_cap_release((int)q), 0, "release q");
	CHECK(absent(B - 3 * PG) && absent(B - 2 * PG) && absent(B - PG) && absent(B) &&
	              absent(B + PG) && absent(B + 2 * PG),
	      "every mapping is gone");
	return check_done();
}
