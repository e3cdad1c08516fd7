/* initrd_cap: the first environment's capability over the initramfs frames
 * (slot EXO_CAP_INITRD), with which a loader maps programs in place: it spans
 * the archive, it maps the archive's bytes, and it can never make them
 * writable, by a writable map, a protect, a grant that asks for the right, or
 * a map past the run.  The kernel loaded this program's text from them.  A
 * copy-on-write mapping of a frame (as ExOS maps a program's .data) is copied
 * on the first write, the archive unchanged.  The exact result of each call is
 * pinned by expected/initrd_cap.out. */
#define TEST_NAME "initrd_cap"
#include <string.h>

#include <exos/vm.h>

#include "check.h"

#define VA     0x10000000ul
#define VA_COW 0x20000000ul

static long map_run(int cap, uint64_t va, uint32_t first, uint32_t npages, uint64_t perm)
{
	struct exo_map_op op = {
	        .va = va, .cap = cap, .first = first, .npages = npages, .perm = perm};

	return exo_map(EXO_CAP_SELF, &op, 1);
}

int main(void)
{
	const volatile struct exo_kinfo *k = exo_kinfo();
	uint64_t size = k->initrd_size, pages = (size + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	struct exo_cap_info info = {0};

	CHECK(exo_cap_info(EXO_CAP_INITRD, &info) == 0 && info.type == EXO_CAP_PAGE,
	      "slot EXO_CAP_INITRD holds a page capability");
	CHECK(info.rights == (EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT),
	      "its rights are read, map and grant, not write");
	CHECK(pages > 0 && info.count == pages, "it spans the initramfs's pages");
	uint64_t first = info.object;
	/* The kernel loaded this program's text in place, its data not. */
	static int data = 1;
	uint64_t text_pfn = exos_pfn((uint64_t)main), data_pfn = exos_pfn((uint64_t)&data);
	CHECK(text_pfn >= first && text_pfn < first + pages, "our text is an initramfs frame");
	CHECK(data == 1 && (data_pfn < first || data_pfn >= first + pages),
	      "our data is not an initramfs frame");

	ERR(map_run(EXO_CAP_INITRD, VA, 0, 1, EXO_PTE_W | EXO_PTE_NX), EXO_EPERM,
	    "map its first frame writable");
	ERR(map_run(EXO_CAP_INITRD, VA, 0, (uint32_t)pages, EXO_PTE_W | EXO_PTE_NX), EXO_EPERM,
	    "map all of it writable");
	CHECK(!(exos_pte(VA) & EXO_PTE_P), "no page mapped by the refused calls");
	/* Past the run: refused (EINVAL or EPERM: the capability names no such
	 * frame), and nothing mapped. */
	long r = map_run(EXO_CAP_INITRD, VA, (uint32_t)pages, 1, EXO_PTE_NX);
	CHECK((r == -EXO_EINVAL || r == -EXO_EPERM) && !(exos_pte(VA) & EXO_PTE_P),
	      "map the frame after the run: refused");
	r = map_run(EXO_CAP_INITRD, VA, (uint32_t)pages - 1, 2, EXO_PTE_NX);
	CHECK((r == -EXO_EINVAL || r == -EXO_EPERM) && !(exos_pte(VA) & EXO_PTE_P),
	      "map a range that runs past the run: refused");

	RET(map_run(EXO_CAP_INITRD, VA, 0, (uint32_t)pages, EXO_PTE_NX), 1,
	    "map all of it read-only (one op)");
	CHECK(memcmp((const void *)VA, (const void *)EXO_INITRD, size) == 0,
	      "the frames hold the initramfs's bytes");
	CHECK(!memcmp((const void *)VA, "07070", 5), "the first frame starts with a cpio header");
	ERR(exo_protect(EXO_CAP_SELF, VA, pages, EXO_PTE_W | EXO_PTE_NX), EXO_EPERM,
	    "protect the mapping writable");
	CHECK(!(exos_pte(VA) & EXO_PTE_W), "the mapping stays read-only");
	probe_install();
	CHECK(probe_write((volatile void *)VA) == -14, "a write to it faults");

	long g = exo_cap_grant(EXO_CAP_INITRD, EXO_CAP_SELF,
	                       EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_MAP);
	CHECK(g < 0 || (exo_cap_info((int)g, &info) == 0 && !(info.rights & EXO_RIGHT_WRITE)),
	      "a grant asking for write gives no write right");
	g = exo_cap_grant(EXO_CAP_INITRD, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP);
	CHECK(g > 0, "a read-only grant of it -> a slot");
	ERR(map_run((int)g, VA, 0, 1, EXO_PTE_W | EXO_PTE_NX), EXO_EPERM,
	    "map through the grant writable");

	/* Copy-on-write, as ExOS maps .data: the write goes to a fresh copy. */
	uint64_t frame0 = exos_pfn(VA);
	exos_set_exception_handler(14, NULL); /* vm.c's policy serves the fault */
	RET(map_run(EXO_CAP_INITRD, VA_COW, 0, 1, EXO_PTE_NX | EXOS_PTE_COW), 1,
	    "map the first frame copy-on-write");
	*(volatile char *)VA_COW = 'X';
	CHECK(*(volatile char *)VA_COW == 'X' && exos_pfn(VA_COW) != frame0,
	      "a write to it lands in a private copy");
	CHECK(!memcmp((const void *)(VA_COW + 1), (const void *)(EXO_INITRD + 1),
	              EXO_PAGE_SIZE - 1),
	      "the copy holds the rest of the frame");
	CHECK(*(const volatile char *)EXO_INITRD == '0' && *(const volatile char *)VA == '0',
	      "the initramfs is unchanged");
	return check_done();
}
