/* bigmmap: a 256 MiB anonymous mapping touched sparsely (one byte per MiB), zero-filled
 * pages read back as zero, munmap; a mapping grown with mremap keeps its contents; a
 * file-less MAP_FIXED inside a reservation; mprotect to read-only and back. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define MiB (1024ul * 1024)

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	printf("page size %ld\n", pg);

	size_t len = 256 * MiB;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 256 MiB anonymous");
	if (p == MAP_FAILED)
		return check_exit();
	CHECK(((uintptr_t)p & (pg - 1)) == 0, "mapping is page aligned");
	unsigned long sum = 0, nonzero = 0;
	for (size_t off = 0; off < len; off += MiB)
		p[off + (off / MiB) % 4096] = (unsigned char)(off / MiB + 1);
	for (size_t off = 0; off < len; off += MiB) {
		sum += p[off + (off / MiB) % 4096];
		if (p[off + MiB / 2]) /* never written */
			nonzero++;
	}
	p[len - 1] = 0x5a;
	CHECK(sum == 255ul * 256 / 2 && nonzero == 0, "sparse writes read back, untouched bytes are zero");
	printf("sum of sparse bytes %lu, untouched non-zero %lu, last byte %#x\n", sum, nonzero, p[len - 1]);
	CHECK(munmap(p, len) == 0, "munmap 256 MiB");

	/* mremap: grow a 1 MiB mapping to 64 MiB */
	unsigned char *q = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED, "mmap 1 MiB");
	for (size_t i = 0; i < MiB; i += 512)
		q[i] = (unsigned char)(i / 512);
	unsigned char *r = mremap(q, MiB, 64 * MiB, MREMAP_MAYMOVE);
	CHECK(r != MAP_FAILED, "mremap to 64 MiB");
	if (r != MAP_FAILED) {
		int same = 1;
		for (size_t i = 0; i < MiB; i += 512)
			same &= r[i] == (unsigned char)(i / 512);
		CHECK(same, "mremap kept the old contents");
		CHECK(r[MiB] == 0 && r[32 * MiB] == 0 && r[64 * MiB - 1] == 0, "grown part reads zero");
		r[64 * MiB - 1] = 1;
		r = mremap(r, 64 * MiB, 2 * MiB, 0);
		CHECK(r != MAP_FAILED, "mremap shrink in place");
		CHECK(munmap(r, 2 * MiB) == 0, "munmap after mremap");
	}

	/* MAP_FIXED inside a reservation, mprotect */
	unsigned char *res = mmap(NULL, 16 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(res != MAP_FAILED, "reserve 16 pages PROT_NONE");
	unsigned char *fx = mmap(res + 4 * pg, 2 * pg, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(fx == res + 4 * pg, "MAP_FIXED lands where asked");
	fx[0] = 1;
	fx[2 * pg - 1] = 2;
	CHECK(mprotect(fx, 2 * pg, PROT_READ) == 0, "mprotect read-only");
	CHECK(fx[0] == 1 && fx[2 * pg - 1] == 2, "read-only pages keep their contents");
	CHECK(mprotect(fx, 2 * pg, PROT_READ | PROT_WRITE) == 0, "mprotect read-write");
	fx[1] = 3;
	CHECK(munmap(res, 16 * pg) == 0, "munmap the reservation");

	/* errors */
	errno = 0;
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		      errno == EINVAL, "mmap of length 0 is EINVAL (%s)", errno_name(errno));
	errno = 0;
	CHECK(munmap((void *)(uintptr_t)1, pg) == -1 && errno == EINVAL,
	      "munmap of an unaligned address is EINVAL (%s)", errno_name(errno));
	return check_exit();
}
