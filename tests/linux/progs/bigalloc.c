/* bigalloc MODE MIB: allocates MIB MiB at once, with malloc (MODE malloc) or an
 * anonymous mmap (MODE mmap, or mmap-noreserve: MAP_NORESERVE, which Linux's
 * overcommit heuristic lets past the size of memory), writes every page, reads
 * every page back and frees it.
 * What it prints is the same on any machine with the memory. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "malloc") != 0 && strcmp(argv[1], "mmap") != 0 &&
	                  strcmp(argv[1], "mmap-noreserve") != 0)) {
		fprintf(stderr, "usage: bigalloc malloc|mmap|mmap-noreserve MIB\n");
		return 2;
	}
	int use_mmap = strncmp(argv[1], "mmap", 4) == 0;
	int noreserve = strcmp(argv[1], "mmap-noreserve") == 0 ? MAP_NORESERVE : 0;
	size_t len = strtoul(argv[2], NULL, 10) << 20, pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *p = use_mmap ? mmap(NULL, len, PROT_READ | PROT_WRITE,
	                                   MAP_PRIVATE | MAP_ANONYMOUS | noreserve, -1, 0)
	                            : malloc(len);
	int got = use_mmap ? p != MAP_FAILED : p != NULL;
	CHECK(got, "%s of %s MiB: %s", argv[1], argv[2], got ? "ok" : errno_name(errno));
	if (!got)
		return check_exit();
	printf("touching %zu pages\n", len / pg);
	fflush(stdout);
	for (size_t i = 0; i < len; i += pg)
		p[i] = (unsigned char)(i / pg * 7 + 1);
	size_t bad = 0, nonzero = 0;
	for (size_t i = 0; i < len; i += pg) {
		bad += p[i] != (unsigned char)(i / pg * 7 + 1);
		nonzero += use_mmap && p[i + pg - 1] != 0; /* never written: zero */
	}
	CHECK(bad == 0, "every page kept its byte (%zu did not)", bad);
	CHECK(nonzero == 0, "untouched bytes of a new mapping read zero (%zu did not)", nonzero);
	if (use_mmap)
		CHECK(munmap(p, len) == 0, "munmap");
	else
		free(p);
	return check_exit();
}
