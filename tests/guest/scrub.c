/* scrub: a freed frame reads as zero when it is handed out again.  We fill 64
 * frames with a pattern, release them (the kernel marks them free and dirty in
 * the page-info table), acquire the same frames again by number, and read them:
 * every word must be zero.  Under exosim the kernel has the host discard them
 * (kernel/scrub.c, ctest checks the device was used); under QEMU it zeroes them
 * itself. */
#define TEST_NAME "scrub"
#include "check.h"

#define N     64
#define VA    0x30000000ul
#define PERMS (EXO_PTE_W | EXO_PTE_NX)

static long map_at(uint64_t va, long cap)
{
	struct exo_map_op op = {.va = va, .cap = (int32_t)cap, .npages = 1, .perm = PERMS};
	return exo_map(EXO_CAP_SELF, &op, 1);
}

int main(void)
{
	const struct exo_page *pg = exos_pages();
	long cap[N];
	uint64_t pfn[N];
	int mapped = 0, freed = 0, dirty = 0, back = 0, clean = 0;
	uint64_t nonzero = 0;

	for (int i = 0; i < N; i++) {
		cap[i] = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
		uint64_t va = VA + (uint64_t)i * EXO_PAGE_SIZE;
		if (cap[i] <= 0 || map_at(va, cap[i]) != 1)
			continue;
		mapped++;
		pfn[i] = exos_pfn(va);
		for (int w = 0; w < 512; w++)
			((volatile uint64_t *)va)[w] = 0xa5a5a5a5a5a5a5a5ul ^ (uint64_t)w;
	}
	CHECK(mapped == N, "acquired, mapped and filled %d frames", N);
	for (int i = 0; i < N; i++)
		freed += exo_cap_release((int)cap[i]) == 0;
	CHECK(freed == N, "released them");
	for (int i = 0; i < N; i++)
		dirty += pg[pfn[i]].type == EXO_PAGE_FREE && (pg[pfn[i]].flags & EXO_PAGE_DIRTY);
	CHECK(dirty == N, "the page-info table shows them free and dirty");

	for (int i = 0; i < N; i++) {
		uint64_t va = VA + (uint64_t)(N + i) * EXO_PAGE_SIZE;
		cap[i] = exo_cap_acquire(EXO_CAP_PAGE, pfn[i]);
		if (cap[i] <= 0 || map_at(va, cap[i]) != 1)
			continue;
		back++;
		clean += pg[pfn[i]].type == EXO_PAGE_USER && !(pg[pfn[i]].flags & EXO_PAGE_DIRTY);
		for (int w = 0; w < 512; w++)
			nonzero += ((volatile uint64_t *)va)[w] != 0;
	}
	CHECK(back == N, "acquired the same frames again by number");
	CHECK(clean == N, "they are ours and no longer dirty");
	CHECK(nonzero == 0, "every word of them reads zero");
	return check_done();
}
