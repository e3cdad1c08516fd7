/* env_pages: a destroyed environment's pages go back to the free pool.  We
 * count free pages in the exported page-info table before creating a child,
 * while it holds 64 pages it mapped itself, and after destroying it (and
 * releasing what we acquired to build it): the count returns exactly. */
#define TEST_NAME "env_pages"
#include <exos/env.h>
#include <exos/vm.h>

#include "check.h"

#define NPAGES 64

static uint64_t free_pages(void)
{
	const struct exo_page *pg = exos_pages();
	uint64_t n = 0, np = exos_npages();

	for (uint64_t i = 0; i < np; i++)
		n += pg[i].type == EXO_PAGE_FREE;
	return n;
}

static int quick(void *a)
{
	(void)a;
	return 0;
}

static int hog(void *a)
{
	(void)a;
	if (exos_map_range(0x700000000ul, NPAGES, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 1;
	for (int i = 0; i < NPAGES; i++)
		*(volatile int *)(0x700000000ul + (uint64_t)i * EXO_PAGE_SIZE) = i;
	for (;;)
		if (exo_yield() < 0)
			return 2;
}

int main(void)
{
	uint64_t before, during, after;
	long id;

	/* Warm up: our own page tables for the spawn window. */
	id = exos_env_spawn(quick, 0, "warmup");
	RET(exos_env_wait((uint32_t)id), 0, "a first child runs and exits 0");
	before = free_pages();
	CHECK(exos_npages() > 0 && before > 0, "page-info table: %s",
	      before ? "free pages counted" : "no free pages?");

	id = exos_env_spawn(hog, 0, "hog");
	CHECK(id > 0, "spawned a child that maps 64 pages and waits");
	while (exos_env_info((uint32_t)id)->pages < NPAGES &&
	       exos_env_info((uint32_t)id)->state == EXO_ENV_RUNNABLE)
		exo_yield();
	exo_yield();
	during = free_pages();
	CHECK(exos_env_info((uint32_t)id)->pages >= NPAGES,
	      "env table: the child owns >= 64 pages");
	CHECK(before - during >= NPAGES, "free pages dropped by >= 64 (by %s)",
	      before - during >= NPAGES ? "enough" : "too few");
	{
		uint64_t owned = 0, np = exos_npages();

		for (uint64_t i = 0; i < np; i++)
			owned += exos_pages()[i].type == EXO_PAGE_USER &&
			         exos_pages()[i].owner == id % EXO_NENV;
		CHECK(owned >= NPAGES, "page-info: >= 64 user pages owned by the child");
	}
	RET(exos_env_kill((uint32_t)id), 0, "destroy the child");
	CHECK(exos_env_info((uint32_t)id)->state == EXO_ENV_EXITED &&
	              exos_env_info((uint32_t)id)->pages == 0,
	      "env table: exited, owns 0 pages");
	after = free_pages();
	CHECK(after == before, "free pages back to the count before the child (%s)",
	      after == before ? "equal" : "differs");
	if (after != before)
		printf("env_pages: before %lu during %lu after %lu\n", (unsigned long)before,
		       (unsigned long)during, (unsigned long)after);
	return check_done();
}
