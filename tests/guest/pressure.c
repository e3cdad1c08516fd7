/* Memory pressure: when CAP_ACQUIRE finds no free page, the kernel asks the
 * environment holding the most pages to give some back and answers
 * -EXO_EAGAIN; after the grace period it takes them from that environment's
 * revocable range by force.  A hog fills memory with pages in its revocable
 * range; then we ask for pages: we get EAGAIN, retry after a short sleep, and
 * succeed with frames the kernel repossessed from the hog, which learns of it
 * from its repossession vector.  Run with little memory (exosim --mem 32M). */
#define TEST_NAME "pressure"
#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED    0x4e0000000000ul
#define HOG_BASE  0x500000000000ul
#define HOG_LIMIT (1ul << 30)

struct shared {
	volatile uint64_t full, mapped, stop;
	volatile uint64_t repossessed, all_in_range_and_unmapped;
};
#define SH ((struct shared *)SHARED)

static int hog(void *arg)
{
	(void)arg;
	exos_set_revocable(HOG_BASE, HOG_BASE + HOG_LIMIT);
	uint64_t va = HOG_BASE;
	for (;;) {
		long r = exos_page_map(va, EXO_PTE_W | EXO_PTE_NX);
		if (r < 0)
			break; /* EAGAIN (nobody else to take from) or ENOMEM */
		va += EXO_PAGE_SIZE;
	}
	SH->mapped = (va - HOG_BASE) / EXO_PAGE_SIZE;
	SH->full = 1;
	exos_wait_word(&SH->stop, EXO_PRED_NE, 0, 0);
	volatile struct exo_uarea *u = exo_uarea();
	uint64_t ok = 1;
	for (uint32_t i = 0; i < u->nrepossessed && i < EXO_REPOSSESS_MAX; i++) {
		uint64_t v = u->repossessed[i].va;
		ok &= v >= HOG_BASE && v < va && !(exos_pte(v) & EXO_PTE_P) &&
		      exos_pages()[u->repossessed[i].pfn].owner != exos_self_id() % EXO_NENV;
	}
	SH->repossessed = u->nrepossessed;
	SH->all_in_range_and_unmapped = ok;
	return 0;
}

int main(void)
{
	CHECK(exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) > 0, "mapped a page to share");
	long id = exos_env_spawn_shared(hog, 0, "hog", SHARED, 1);
	CHECK(id > 0, "spawned a memory hog");
	RET(exos_env_start((uint32_t)id), 0, "started it");
	RET(exos_wait_word(&SH->full, EXO_PRED_NE, 0, 0), 0, "slept until it filled memory");
	CHECK(SH->mapped > 1000, "it mapped thousands of pages");
	CHECK(exo_kinfo()->free_pages == 0, "no page is free");

	long eagain = 0, got = 0;
	for (int tries = 0; tries < 200 && got < 16; tries++) {
		long r = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
		if (r == -EXO_EAGAIN) {
			eagain++;
			exos_sleep_ns(5 * 1000000ul);
		} else if (r >= 0) {
			got++;
		} else {
			break;
		}
	}
	CHECK(eagain > 0, "the first acquire said EAGAIN: memory is being reclaimed");
	CHECK(got == 16, "then acquires succeeded (%ld of 16)", got);
	SH->stop = 1;
	RET(exos_env_wait((uint32_t)id), 0, "the hog exited");
	CHECK(SH->repossessed > 0, "the kernel repossessed pages from the hog");
	CHECK(SH->all_in_range_and_unmapped,
	      "each one was in its revocable range, is unmapped there and no longer its own");
	return check_done();
}
