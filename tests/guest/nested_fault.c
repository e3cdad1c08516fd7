/* nested_fault: a fault inside an exception handler.  The program's #PF handler
 * for region T1 touches region T2, whose handler touches a page of a
 * demand-zero region Z: three frames deep on the exception stack (the kernel
 * puts each nested frame EXO_XFRAME_GAP below the interrupted rsp).  Each level
 * resumes the one below it without entering the kernel. */
#define TEST_NAME "nested_fault"
#include <exos/vm.h>

#include "check.h"

#define T1 0x400000000ul
#define T2 0x400100000ul
#define Z  0x400200000ul

static int max_depth, t1_faults, t2_faults;
static exos_exception_handler next;

static int handler(struct exo_xframe *f, struct exos_regs *r)
{
	uint64_t page = f->addr & ~(EXO_PAGE_SIZE - 1);
	uint64_t v;

	if (exos_exception_depth > max_depth)
		max_depth = exos_exception_depth;
	if (page == T1) {
		t1_faults++;
		v = *(volatile uint64_t *)T2; /* nested fault: depth 2 */
		if (exos_page_map(T1, EXO_PTE_W | EXO_PTE_NX) < 0)
			return 0;
		*(volatile uint64_t *)T1 = v + 1;
		return 1;
	}
	if (page == T2) {
		t2_faults++;
		v = *(volatile uint64_t *)(Z + 8); /* nested again: depth 3, demand-zero */
		if (exos_page_map(T2, EXO_PTE_W | EXO_PTE_NX) < 0)
			return 0;
		*(volatile uint64_t *)T2 = v + 100;
		return 1;
	}
	return next ? next(f, r) : 0;
}

int main(void)
{
	uint64_t up0, v;

	probe_install();
	RET(exos_vm_demand_zero(Z, 4 * EXO_PAGE_SIZE, EXO_PTE_W | EXO_PTE_NX), 0,
	    "demand-zero region Z");
	next = exos_set_exception_handler(14, handler);
	up0 = exo_kinfo()->upcalls;
	v = *(volatile uint64_t *)T1;
	CHECK(v == 101, "reading T1 gives 101 (0 from Z, +100 by T2's handler, +1 by T1's)");
	CHECK(t1_faults == 1 && t2_faults == 1 && exos_vm_zero_faults == 1,
	      "one fault at each of T1, T2, Z");
	CHECK(max_depth == 3, "the handlers nested 3 deep (max depth %d)", max_depth);
	CHECK(exo_kinfo()->upcalls - up0 == 3, "3 upcalls");
	CHECK(exos_exception_depth == 0, "back at depth 0");
	CHECK(*(volatile uint64_t *)T2 == 100 && *(volatile uint64_t *)(Z + 8) == 0,
	      "T2 and Z keep their values");
	return check_done();
}
