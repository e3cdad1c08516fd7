/* load_span: the kernel's loader with segments that share pages (load_span.ld):
 * the read-only data's first page holds the end of the text, its last page the
 * start of the writable data.  The pages the read-only data has to itself are
 * the initramfs's frames, mapped in place; the two shared pages are fresh
 * copies with both segments' bytes (and permissions); every byte reads as the
 * file has it.  The output is pinned by expected/load_span.out. */
#define TEST_NAME "load_span"
#include <string.h>

#include <exos/vm.h>

#include "check.h"

#define RO_PAGES 5

/* Bytes no compiler folds away: a pattern by index, checked one by one. */
#define PAT(i)  ((unsigned char)((i)*7 + 3))
#define P4(i)   PAT(i), PAT(i + 1), PAT(i + 2), PAT(i + 3)
#define P16(i)  P4(i), P4(i + 4), P4(i + 8), P4(i + 12)
#define P64(i)  P16(i), P16(i + 16), P16(i + 32), P16(i + 48)
#define P256(i) P64(i), P64(i + 64), P64(i + 128), P64(i + 192)
#define P1K(i)  P256(i), P256(i + 256), P256(i + 512), P256(i + 768)
#define P4K(i)  P1K(i), P1K(i + 1024), P1K(i + 2048), P1K(i + 3072)

static const unsigned char ro[RO_PAGES * 4096] = {P4K(0), P4K(4096), P4K(8192), P4K(12288),
                                                  P4K(16384)};
static volatile unsigned char rw[64] = {11, 22, 33};

extern const char __ro_start[], __ro_end[]; /* the read-only segment (load_span.ld) */

static bool in_initrd(uint64_t va, uint64_t first, uint64_t pages)
{
	uint64_t pfn = exos_pfn(va);
	return pfn >= first && pfn < first + pages;
}

int main(void)
{
	const volatile struct exo_kinfo *k = exo_kinfo();
	uint64_t pages = (k->initrd_size + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	struct exo_cap_info info = {0};
	CHECK(exo_cap_info(EXO_CAP_INITRD, &info) == 0 && info.count == pages,
	      "the initramfs capability spans the archive");
	uint64_t lo = (uint64_t)__ro_start, hi = (uint64_t)__ro_end, first_page = lo & ~4095ul;
	uint64_t last_page = (hi - 1) & ~4095ul, text = (uint64_t)main;
	CHECK(lo % 4096 && hi % 4096, "the read-only segment neither starts nor ends on a page");
	CHECK((text & ~4095ul) <= first_page && ((uint64_t)rw & ~4095ul) == last_page,
	      "the text reaches its first page and the writable data starts in its last");

	size_t bad = 0;
	for (size_t i = 0; i < sizeof(ro); i++)
		bad += ro[i] != PAT(i);
	CHECK(bad == 0, "every read-only byte is the file's");
	CHECK(rw[0] == 11 && rw[1] == 22 && rw[2] == 33 && rw[3] == 0,
	      "the writable data is the file's");
	rw[3] = 44;
	CHECK(rw[3] == 44, "the writable data is writable, in the shared page too");

	int in_place = 0;
	for (uint64_t p = first_page + 4096; p < last_page; p += 4096)
		in_place += in_initrd(p, info.object, pages);
	CHECK(in_place == (int)((last_page - first_page) / 4096 - 1),
	      "the pages it has to itself are initramfs frames");
	CHECK(!in_initrd(first_page, info.object, pages) &&
	              !in_initrd(last_page, info.object, pages),
	      "the two shared pages are not");
	CHECK(!(exos_pte(first_page) & EXO_PTE_NX) && !(exos_pte(first_page) & EXO_PTE_W),
	      "the first is executable (the text's) and read-only");
	CHECK((exos_pte(last_page) & EXO_PTE_W) && (exos_pte(last_page) & EXO_PTE_NX),
	      "the last is writable (the data's), not executable");
	CHECK(!(exos_pte(first_page + 4096) & EXO_PTE_W) &&
	              (exos_pte(first_page + 4096) & EXO_PTE_NX),
	      "an in-place page is read-only, not executable");
	return check_failures ? 1 : 0;
}
