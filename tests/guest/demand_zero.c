/* demand_zero: a user-space page-fault handler (libos/vm.c) implements
 * demand-zero paging.  Touching each of N pages of a demand-zero region faults
 * exactly once; every page reads as zeros; written data stays; a second pass
 * takes no fault.  Pages outside the region are not mapped by the policy. */
#define TEST_NAME "demand_zero"
#include <exos/vm.h>

#include "check.h"

#define REGION 0x200000000ul
#define NPAGES 32

int main(void)
{
	volatile uint64_t *p = (volatile uint64_t *)REGION;
	uint64_t faults0, upcalls0, zero_ok = 1, data_ok = 1;

	probe_install();
	RET(exos_vm_demand_zero(REGION, NPAGES * EXO_PAGE_SIZE, EXO_PTE_W | EXO_PTE_NX), 0,
	    "demand-zero region of 32 pages");
	CHECK(!(exos_pte(REGION) & EXO_PTE_P), "nothing mapped yet");
	faults0 = exos_vm_zero_faults;
	upcalls0 = exo_kinfo()->upcalls;
	for (int i = 0; i < NPAGES; i++) {
		const volatile uint64_t *pg = p + i * (EXO_PAGE_SIZE / 8);

		/* Touch the middle of the page first, then read all of it. */
		if (pg[EXO_PAGE_SIZE / 16] != 0)
			zero_ok = 0;
		for (unsigned j = 0; j < EXO_PAGE_SIZE / 8; j++)
			if (pg[j])
				zero_ok = 0;
	}
	CHECK(exos_vm_zero_faults - faults0 == NPAGES, "touching 32 pages: %lu demand-zero faults",
	      (unsigned long)(exos_vm_zero_faults - faults0));
	CHECK(exo_kinfo()->upcalls - upcalls0 == NPAGES, "and exactly 32 upcalls (kinfo)");
	CHECK(zero_ok, "every byte of every page reads 0");
	for (int i = 0; i < NPAGES; i++)
		p[i * (EXO_PAGE_SIZE / 8) + 3] = 0xabc0000u + (uint64_t)i;
	for (int i = 0; i < NPAGES; i++)
		if (p[i * (EXO_PAGE_SIZE / 8) + 3] != 0xabc0000u + (uint64_t)i)
			data_ok = 0;
	CHECK(data_ok, "written values read back");
	CHECK(exos_vm_zero_faults - faults0 == NPAGES, "the second pass took no fault");
	{
		uint64_t pte = exos_pte(REGION);

		CHECK((pte & (EXO_PTE_P | EXO_PTE_W | EXO_PTE_U)) ==
		                      (EXO_PTE_P | EXO_PTE_W | EXO_PTE_U) &&
		              (pte & EXO_PTE_NX),
		      "UVPT: the pages are present, user, writable, NX");
		CHECK(exos_pages()[exos_pfn(REGION)].type == EXO_PAGE_USER &&
		              exos_pages()[exos_pfn(REGION)].refs == 1,
		      "page-info: a user page mapped once");
	}
	CHECK(probe_read((void *)(REGION + NPAGES * EXO_PAGE_SIZE)) == -14,
	      "the page after the region still faults (handled by the probe, not mapped)");
	RET(exos_unmap_range(REGION, NPAGES), 0, "unmap and release the region");
	CHECK(!(exos_pte(REGION) & EXO_PTE_P), "unmapped");
	CHECK(p[5] == 0 && exos_vm_zero_faults - faults0 == NPAGES + 1,
	      "touching it again gives a fresh zero page");
	return check_done();
}
