/* many_maps: the kernel's mapping records are not a fixed 64 Ki.  Four pages
 * are mapped at 70000 addresses in all (each mapping is one rmap record,
 * kernel/rmap.c), in batches of EXO_MAP_BATCH; all of them must succeed and
 * show their page, and the page-info table must count them.  Before the
 * records' pool was sized from RAM, the 65537th failed with ENOMEM.  Run with
 * 512 MiB or more (one record per frame plus 64 Ki).  (Four pages, not one: a
 * page's refs count is 16 bits.) */
#define TEST_NAME "many_maps"
#include "check.h"

#define NMAPS  70000
#define NPAGES 4
#define VA     0x40000000ul
#define PERMS  EXO_PTE_NX

static struct exo_map_op ops[EXO_MAP_BATCH];

static uint64_t va_of(long i)
{
	return VA + (uint64_t)i * EXO_PAGE_SIZE;
}

int main(void)
{
	long cap[NPAGES], done = 0, r = 0;
	uint64_t pfn[NPAGES], same = 0, counted = 0;

	for (int p = 0; p < NPAGES; p++)
		cap[p] = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	CHECK(cap[0] > 0 && cap[NPAGES - 1] > 0, "acquire %d pages", NPAGES);
	while (done < NMAPS) {
		long n = NMAPS - done < EXO_MAP_BATCH ? NMAPS - done : EXO_MAP_BATCH;
		for (long i = 0; i < n; i++)
			ops[i] = (struct exo_map_op){.npages = 1,
			                             .va = va_of(done + i),
			                             .cap = (int32_t)cap[(done + i) % NPAGES],
			                             .perm = PERMS};
		r = exo_map(EXO_CAP_SELF, ops, (size_t)n);
		if (r != n)
			break;
		done += n;
	}
	CHECK(done == NMAPS, "mapped them at %d addresses (stopped with %s)", NMAPS,
	      r < 0 ? exos_strerror(r) : "no error");
	for (int p = 0; p < NPAGES; p++)
		pfn[p] = exos_pfn(va_of(p));
	for (long i = 0; i < done; i++)
		same += exos_pfn(va_of(i)) == pfn[i % NPAGES];
	CHECK(same == (uint64_t)done, "every address shows its page");
	for (int p = 0; p < NPAGES; p++)
		counted += exos_pages()[pfn[p]].refs;
	CHECK(counted == (uint64_t)done, "the page-info table counts the mappings");
	return check_done();
}
