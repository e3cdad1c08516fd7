/* zeroed: memory a program gets anew reads zero even when the memory behind it was
 * used before: a 16 MiB mapping filled with a pattern, unmapped and mapped again with
 * the same size; the same for smaller sizes, as malloc maps and unmaps them (where
 * exosim's ExOS keeps the unmapped pages hidden and shows them again), writable and
 * read-only; the same region after MADV_DONTNEED; and the heap after brk shrinks and
 * grows again.  Every byte is checked. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define REGION (16ul << 20)
#define HEAP   (4ul << 20)

/* the number of bytes in [p, p + len) that are not zero */
static size_t nonzero(const unsigned char *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += p[i] != 0;
	return n;
}

static unsigned char *map(void)
{
	return mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* brk through the system call: musl's sbrk() only answers sbrk(0) */
static uintptr_t brk_to(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void)
{
	unsigned char *p = map();
	CHECK(p != MAP_FAILED, "mmap 16 MiB");
	if (p == MAP_FAILED)
		return check_exit();
	CHECK(nonzero(p, REGION) == 0, "a new 16 MiB mapping reads zero");
	memset(p, 0xa5, REGION);
	CHECK(munmap(p, REGION) == 0, "munmap it after filling it with 0xa5");
	for (int round = 1; round <= 2; round++) {
		unsigned char *q = map();
		CHECK(q != MAP_FAILED, "mmap 16 MiB again (round %d)", round);
		if (q == MAP_FAILED)
			return check_exit();
		size_t n = nonzero(q, REGION);
		CHECK(n == 0, "the mapping after munmap reads zero: %zu non-zero bytes", n);
		memset(q, 0x5a, REGION);
		CHECK(munmap(q, REGION) == 0, "munmap it");
	}

	static const size_t sizes[] = {16 << 10, 200 << 10, 3 << 20};
	for (int i = 0; i < 3; i++) {
		size_t len = sizes[i];
		for (int round = 1; round <= 3; round++) {
			int prot = round == 3 ? PROT_READ : PROT_READ | PROT_WRITE;
			unsigned char *q =
			        mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			CHECK(q != MAP_FAILED, "mmap %zu KiB (round %d)", len >> 10, round);
			if (q == MAP_FAILED)
				return check_exit();
			size_t n = nonzero(q, len);
			CHECK(n == 0, "%zu KiB%s after munmap reads zero: %zu non-zero bytes",
			      len >> 10, prot & PROT_WRITE ? "" : " read-only", n);
			if (prot & PROT_WRITE)
				memset(q, 0xc3, len);
			CHECK(munmap(q, len) == 0, "munmap it");
		}
	}

	unsigned char *r = map();
	CHECK(r != MAP_FAILED, "mmap 16 MiB for MADV_DONTNEED");
	if (r == MAP_FAILED)
		return check_exit();
	memset(r, 0x3c, REGION);
	CHECK(madvise(r, REGION, MADV_DONTNEED) == 0, "madvise MADV_DONTNEED");
	size_t n = nonzero(r, REGION);
	CHECK(n == 0, "the region after MADV_DONTNEED reads zero: %zu non-zero bytes", n);
	memset(r + REGION / 2, 0x11, REGION / 2);
	CHECK(madvise(r + REGION / 2, REGION / 4, MADV_DONTNEED) == 0,
	      "MADV_DONTNEED of a quarter");
	n = nonzero(r + REGION / 2, REGION / 4);
	size_t kept = REGION / 4 - nonzero(r + 3 * REGION / 4, REGION / 4);
	CHECK(n == 0 && kept == 0,
	      "that quarter reads zero (%zu non-zero), the next keeps its bytes (%zu zero)", n,
	      kept);
	CHECK(munmap(r, REGION) == 0, "munmap it");

	uintptr_t base = brk_to(0);
	CHECK(brk_to(base + HEAP) == base + HEAP, "brk grows by 4 MiB");
	memset((void *)base, 0x77, HEAP);
	CHECK(brk_to(base) == base, "brk shrinks back");
	CHECK(brk_to(base + HEAP) == base + HEAP, "brk grows by 4 MiB again");
	n = nonzero((unsigned char *)base, HEAP);
	CHECK(n == 0, "the heap grown again reads zero: %zu non-zero bytes", n);
	CHECK(brk_to(base) == base, "brk shrinks back");
	return check_exit();
}
