/* enomem LIMIT_MIB WANT_MIB: an allocation of WANT_MIB MiB, far beyond the memory the
 * program may use, fails cleanly: mmap returns MAP_FAILED with ENOMEM, brk leaves the
 * break where it was, malloc returns NULL with ENOMEM; a small allocation still works
 * after them.  Under exosim the VM's memory (--mem LIMIT_MIB) is the limit; natively the
 * program sets RLIMIT_AS to LIMIT_MIB itself, so the two runs can be compared (under
 * ExOS the setrlimit may fail or be ignored; its result is not printed). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: enomem LIMIT_MIB WANT_MIB\n");
		return 2;
	}
	size_t limit = strtoul(argv[1], NULL, 10) << 20, want = strtoul(argv[2], NULL, 10) << 20;
	struct rlimit rl = {limit, limit};
	setrlimit(RLIMIT_AS, &rl);

	errno = 0;
	void *p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM, "mmap of %s MiB: %s", argv[2],
	      p == MAP_FAILED ? errno_name(errno) : "succeeded");

	uintptr_t base = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t got = (uintptr_t)syscall(SYS_brk, base + want);
	CHECK(got == base, "brk up by %s MiB: %s", argv[2],
	      got == base ? "refused, break unchanged" : "moved");

	errno = 0;
	void *m = malloc(want);
	CHECK(m == NULL && errno == ENOMEM, "malloc of %s MiB: %s", argv[2],
	      m == NULL ? errno_name(errno) : "succeeded");

	char *small = malloc(4096);
	CHECK(small != NULL, "malloc of 4 KiB afterwards: %s", small ? "ok" : "failed");
	if (small)
		small[4095] = 1;
	free(small);
	return check_exit();
}
