/* high_mem: RAM above 4 GiB.  Run with more RAM than fits below the MMIO hole
 * (exosim --mem 6G, QEMU -m 6G): both put the rest of RAM at 4 GiB and up.  The
 * page-info table reaches it; frames there are acquired, mapped, read as zero
 * and keep what we write, like any other; the hole below 4 GiB reads as
 * EXO_PAGE_KERNEL and cannot be acquired.  Nothing layout-dependent is printed. */
#define TEST_NAME "high_mem"
#include "check.h"

#define HIGH  0x100000ul /* the first frame at 4 GiB */
#define HOLE  0xe0000ul  /* 3.5 GiB: no RAM from here to 4 GiB on either VM */
#define VA    0x20000000ul
#define PERMS (EXO_PTE_W | EXO_PTE_NX)

/* Acquires frame pfn, maps it at va, checks it reads zero, writes and reads a
 * pattern through it. */
static void use_frame(uint64_t pfn, uint64_t va, const char *what)
{
	const struct exo_page *pg = exos_pages();
	long cap = exo_cap_acquire(EXO_CAP_PAGE, pfn);
	CHECK(cap > 0, "acquire %s", what);
	if (cap <= 0)
		return;
	CHECK(pg[pfn].type == EXO_PAGE_USER, "%s is now EXO_PAGE_USER", what);
	struct exo_map_op op = {.va = va, .cap = (int32_t)cap, .npages = 1, .perm = PERMS};
	RET(exo_map(EXO_CAP_SELF, &op, 1), 1, "map it");
	CHECK(exos_pfn(va) == pfn, "%s is mapped where we asked", what);
	volatile uint64_t *p = (volatile uint64_t *)va;
	uint64_t nonzero = 0, bad = 0;
	for (int i = 0; i < 512; i++)
		nonzero += p[i] != 0;
	for (int i = 0; i < 512; i++)
		p[i] = pfn * 512 + (uint64_t)i;
	for (int i = 0; i < 512; i++)
		bad += p[i] != pfn * 512 + (uint64_t)i;
	CHECK(nonzero == 0, "%s reads as zero", what);
	CHECK(bad == 0, "%s keeps what we wrote", what);
}

int main(void)
{
	const struct exo_page *pg = exos_pages();
	uint64_t np = exos_npages(), not_kernel = 0, free_high = 0;

	CHECK(np > HIGH + 0x40000, "the page-info table reaches more than 1 GiB above 4 GiB");
	if (np <= HIGH + 0x40000)
		return check_done();
	for (uint64_t pfn = HOLE; pfn < HIGH; pfn++)
		not_kernel += pg[pfn].type != EXO_PAGE_KERNEL;
	CHECK(not_kernel == 0, "every frame of [3.5 GiB, 4 GiB) is EXO_PAGE_KERNEL");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, HIGH - 1), EXO_EPERM, "acquire the frame below 4 GiB");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, HOLE), EXO_EPERM, "acquire the frame at 3.5 GiB");
	for (uint64_t pfn = HIGH; pfn < np; pfn++)
		free_high += pg[pfn].type == EXO_PAGE_FREE;
	CHECK(free_high > np - HIGH - 0x1000, "almost all frames above 4 GiB are free");

	use_frame(HIGH, VA, "the frame at 4 GiB");
	use_frame(HIGH + 0x40000, VA + 0x1000, "the frame at 5 GiB");
	uint64_t top = np - 1; /* the kernel takes single pages from the top */
	while (top > HIGH && pg[top].type != EXO_PAGE_FREE)
		top--;
	CHECK(np - top < 0x1000, "a free frame within 16 MiB of the end of RAM");
	use_frame(top, VA + 0x2000, "the highest free frame");
	RET(exo_cap_acquire(EXO_CAP_PAGE, np), -EXO_EINVAL, "acquire the frame past the end");
	return check_done();
}
