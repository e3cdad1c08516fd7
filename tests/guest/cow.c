/* cow: copy-on-write in the libOS's page-fault handler, with a software PTE bit
 * (EXOS_PTE_COW = EXO_PTE_SW0).  Two virtual pages share one physical page,
 * both read-only + COW; a write to one copies it: the other keeps its contents
 * and the two now map different physical pages (seen in UVPT).  The last
 * sharer's write fault just makes its page writable again.  A fault that an
 * upcall delivered on top of its frame served first (it wrote the page too)
 * is only run again when its own frame is dispatched. */
#define TEST_NAME "cow"
#include <exos/vm.h>

#include "check.h"

#define A 0x300000000ul
#define B 0x300100000ul
#define C 0x300200000ul
#define D 0x300300000ul

int main(void)
{
	volatile uint64_t *a = (volatile uint64_t *)A, *b = (volatile uint64_t *)B;
	uint64_t pa, pb, f0;

	probe_install();
	RET(exos_map_range(A, 2, EXO_PTE_W | EXO_PTE_NX), 0, "map 2 pages at A");
	for (int i = 0; i < 1024; i++)
		a[i] = 0x5150000u + (uint64_t)i;
	RET(exos_vm_share_cow(B, A, 2), 0, "share them copy-on-write at B");
	pa = exos_pfn(A);
	pb = exos_pfn(B);
	CHECK(pa && pa == pb, "A and B map the same physical page");
	CHECK((exos_pte(A) & (EXO_PTE_W | EXOS_PTE_COW)) == EXOS_PTE_COW &&
	              (exos_pte(B) & (EXO_PTE_W | EXOS_PTE_COW)) == EXOS_PTE_COW,
	      "both read-only with the COW bit (UVPT)");
	CHECK(exos_pages()[pa].refs == 2, "page-info: refs = 2");
	f0 = exos_vm_cow_faults;
	CHECK(b[7] == 0x5150007u, "reading B takes no fault and sees A's data");
	CHECK(exos_vm_cow_faults == f0, "no COW fault for reads");

	a[7] = 0xdead;
	CHECK(exos_vm_cow_faults - f0 == 1, "writing A: one COW fault");
	CHECK(a[7] == 0xdead && a[8] == 0x5150008u, "A has the new value and the copied rest");
	CHECK(b[7] == 0x5150007u, "B is unchanged");
	CHECK(exos_pfn(A) != exos_pfn(B) && exos_pfn(B) == pb,
	      "A now has its own page; B kept the old one");
	CHECK((exos_pte(A) & (EXO_PTE_W | EXOS_PTE_COW)) == EXO_PTE_W,
	      "A is writable, COW bit clear");
	CHECK(exos_pages()[pb].refs == 1, "page-info: the old page has refs = 1");

	b[9] = 0xbeef;
	CHECK(exos_vm_cow_faults - f0 == 2, "writing B: one more COW fault");
	CHECK(exos_pfn(B) == pb, "B was the last sharer: same page, made writable (no copy)");
	CHECK(b[9] == 0xbeef && a[9] == 0x5150009u, "B has its write; A does not see it");

	/* The second page of the pair, written through B first. */
	b[512 + 1] = 0x77;
	CHECK(exos_vm_cow_faults - f0 == 3 && exos_pfn(B + 4096) != exos_pfn(A + 4096),
	      "second page, written through B: copied");
	CHECK(a[512 + 1] == 0x5150000u + 513, "A's second page is unchanged");

	/* A write fault on a shared page whose frame is not dispatched yet, and
	 * an upcall on top of it (EXO_EV_RESUME after a preemption) whose
	 * handler writes the same page and so copies it.  The older frame then
	 * finds the page writable: it was served, the access runs again (it
	 * used to kill the program: qemu-linux.fork, once in ~10 runs). */
	volatile uint64_t *c = (volatile uint64_t *)C, *d = (volatile uint64_t *)D;
	RET(exos_map_range(C, 1, EXO_PTE_W | EXO_PTE_NX), 0, "map a page at C");
	c[1] = 0x5151;
	RET(exos_vm_share_cow(D, C, 1), 0, "share it copy-on-write at D");
	struct exo_xframe f = {.vector = 14, .err = 3, .addr = C + 8, .rip = (uint64_t)main};
	struct exos_regs regs = {0};
	CHECK(!exos_vm_fault_served(&f), "its write fault is not served yet");
	c[1] = 0x11; /* the upcall's write: copies C */
	CHECK(exos_vm_cow_faults - f0 == 4 && exos_vm_fault_served(&f),
	      "after the upcall's copy it is");
	exos_exception_dispatch(&f, &regs);
	CHECK(exos_vm_cow_faults - f0 == 4 && c[1] == 0x11 && d[1] == 0x5151,
	      "its frame dispatched: no second copy, nothing lost, and we live");
	f.err = 0x13; /* an instruction fetch from a no-execute page is not */
	CHECK(!exos_vm_fault_served(&f), "a fetch from an NX page is not served");
	return check_done();
}
