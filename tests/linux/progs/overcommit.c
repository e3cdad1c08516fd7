/* overcommit MODE: memory requests that cannot fit fail with ENOMEM, as Linux's default
 * overcommit heuristic (vm.overcommit_memory = 0) refuses a single private writable
 * request larger than RAM + swap, and the program goes on; ordinary overcommit (a
 * mapping touched later) still works.  No resource limit is set: natively the host's
 * memory is the bound, under exosim the VM's.
 *   huge     1 TiB: mmap, brk, mremap growth, malloc, calloc, realloc (each refused,
 *            the old block kept), for both libcs' malloc; then 64 MiB malloc'ed and
 *            every page touched, and a 1 TiB PROT_NONE reservation (not refused)
 *   regions  one-page mappings that cannot merge, until mmap refuses one (natively at
 *            vm.max_map_count, 65530; under ExOS at its region limit): ENOMEM, not a
 *            kill; every one unmapped, and mapping works again
 *   others RAM_MIB  what other processes hold does not decide a request: a child maps
 *            60% of RAM_MIB (the VM's --mem) and touches every page, then the parent
 *            maps another 60% (untouched, granted: each request alone fits in RAM),
 *            and once the child is gone touches all of it */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define TIB     (1ull << 40)
#define MAX_MAP 200000

static const char *result(void *p, void *failed)
{
	return p == failed ? errno_name(errno) : "succeeded";
}

static void huge(void)
{
	errno = 0;
	void *p = mmap(NULL, TIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM, "mmap of 1 TiB: %s", result(p, MAP_FAILED));

	uintptr_t base = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t got = (uintptr_t)syscall(SYS_brk, base + TIB);
	CHECK(got == base, "brk up by 1 TiB: %s",
	      got == base ? "refused, break unchanged" : "moved");

	char *small = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(small != MAP_FAILED, "mmap of one page");
	small[0] = 42;
	errno = 0;
	void *grown = mremap(small, 4096, TIB, MREMAP_MAYMOVE);
	CHECK(grown == MAP_FAILED && errno == ENOMEM, "mremap of it to 1 TiB: %s",
	      result(grown, MAP_FAILED));
	CHECK(small[0] == 42, "the page is still there");
	munmap(small, 4096);

	errno = 0;
	void *m = malloc(TIB);
	CHECK(m == NULL && errno == ENOMEM, "malloc of 1 TiB: %s", result(m, NULL));
	errno = 0;
	m = calloc(1, TIB);
	CHECK(m == NULL && errno == ENOMEM, "calloc of 1 TiB: %s", result(m, NULL));
	char *keep = malloc(100);
	strcpy(keep, "kept");
	errno = 0;
	m = realloc(keep, TIB);
	CHECK(m == NULL && errno == ENOMEM, "realloc to 1 TiB: %s", result(m, NULL));
	if (m == NULL) { /* the block is still the caller's */
		CHECK(!strcmp(keep, "kept"), "the block kept");
		free(keep);
	}

	/* Overcommit: 64 MiB promised, then every page touched. */
	size_t n = 64u << 20;
	char *big = malloc(n);
	CHECK(big != NULL, "malloc of 64 MiB");
	if (big) {
		for (size_t i = 0; i < n; i += 4096)
			big[i] = (char)i;
		int ok = 1;
		for (size_t i = 0; i < n; i += 4096)
			ok &= big[i] == (char)i;
		CHECK(ok, "all 64 MiB touched and read back");
		free(big);
	}
	/* Not accountable: a reservation without access is not refused. */
	p = mmap(NULL, TIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "a 1 TiB PROT_NONE reservation: %s", result(p, MAP_FAILED));
	if (p != MAP_FAILED)
		munmap(p, TIB);
}

static void regions(void)
{
	static char *maps[MAX_MAP];
	int n = 0;
	errno = 0;
	/* Alternate protections so that neighbours never merge into one region. */
	while (n < MAX_MAP) {
		int prot = n % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
		char *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		maps[n++] = p;
	}
	CHECK(n < MAX_MAP && errno == ENOMEM, "one-page mappings until mmap refuses one: %s",
	      n < MAX_MAP ? errno_name(errno) : "never refused");
	CHECK(n > 500, "more than 500 of them first");
	int bad = 0;
	for (int i = 0; i < n; i++)
		bad |= munmap(maps[i], 4096);
	CHECK(!bad, "every one unmapped");
	char *p = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "a 1 MiB mapping afterwards");
	if (p != MAP_FAILED)
		p[12345] = 1;
	char *m = malloc(1u << 20);
	CHECK(m != NULL, "a 1 MiB malloc afterwards");
	free(m);
}

/* Maps mib MiB private and writable; touches every page if asked. */
static char *map_mib(size_t mib, int touch)
{
	size_t n = mib << 20;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED && touch)
		for (size_t i = 0; i < n; i += 4096)
			p[i] = (char)(i >> 12);
	return p;
}

static void others(size_t ram_mib)
{
	size_t mib = ram_mib * 6 / 10;
	int ready[2], go[2];
	char c = 0;
	if (pipe(ready) || pipe(go)) {
		CHECK(0, "pipes");
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) { /* holds 60% of RAM until the parent says go */
		char *p = map_mib(mib, 1);
		c = p == MAP_FAILED ? 'n' : 'y';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		_exit(p == MAP_FAILED ? 1 : 0);
	}
	CHECK(pid > 0, "fork");
	CHECK(read(ready[0], &c, 1) == 1 && c == 'y', "the child mapped and touched 60%% of RAM");
	errno = 0;
	char *p = map_mib(mib, 0);
	CHECK(p != MAP_FAILED, "another 60%% of RAM mapped while the child holds its 60%%: %s",
	      result(p, MAP_FAILED));
	CHECK(write(go[1], "g", 1) == 1, "the child told to go");
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the child exited with 0");
	if (p != MAP_FAILED) {
		int ok = 1;
		for (size_t i = 0; i < mib << 20; i += 4096)
			p[i] = (char)(i >> 12);
		for (size_t i = 0; i < mib << 20; i += 4096)
			ok &= p[i] == (char)(i >> 12);
		CHECK(ok, "all of it touched and read back once the child is gone");
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "huge"))
		huge();
	else if (!strcmp(mode, "regions"))
		regions();
	else if (!strcmp(mode, "others") && argc > 2)
		others(strtoul(argv[2], NULL, 10));
	else {
		fprintf(stderr, "usage: overcommit huge|regions|others RAM_MIB\n");
		return 2;
	}
	return check_exit();
}
