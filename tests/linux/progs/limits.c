/* Limits on what processes share: pipes, AF_UNIX socket pairs, MAP_SHARED memory and
 * processes, each taken until the system says no.  Natively the descriptor limit (EMFILE)
 * or nothing stops them; under exosim the region ExOS's processes share and its tables do
 * (ENFILE, ENOMEM), and the process table (EAGAIN).  What must hold everywhere, and what
 * this prints: every refusal is one of the errors Linux gives for such a limit, the
 * program lives on, and once everything is given back the same calls work again.
 * compare.sh checks that the output is the same as natively. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define MAX_FDS   1024
#define MAX_MAPS  64
#define MAX_KIDS  80
#define MAP_BYTES (1 << 20)

static int fds[MAX_FDS];

static bool limit_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM;
}

/* Pairs of descriptors until a refusal (or MAX_FDS): -1 if a refusal was not a limit's. */
static int take_pairs(int (*make)(int[2]), const char *what)
{
	int n = 0, e = 0;
	while (n + 2 <= MAX_FDS) {
		if (make(&fds[n]) < 0) {
			e = errno;
			break;
		}
		n += 2;
	}
	CHECK(e == 0 || limit_errno(e), "%s until refused: %s", what,
	      e == 0 || limit_errno(e) ? "a limit's error (or none)" : errno_name(e));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	int p[2];
	char c = 0;
	CHECK(make(p) == 0 && write(p[1], "x", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'x',
	      "%s: one works again once they are closed", what);
	close(p[0]);
	close(p[1]);
	return n;
}

static int make_pipe(int p[2])
{
	return pipe(p);
}

static int make_socketpair(int p[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM, 0, p);
}

static void shared_maps(void)
{
	void *m[MAX_MAPS];
	int bad = 0;
	for (int i = 0; i < MAX_MAPS; i++) {
		m[i] = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		            0);
		if (m[i] == MAP_FAILED)
			bad += errno != ENOMEM;
		else
			memset(m[i], i, MAP_BYTES);
	}
	CHECK(!bad, "%d MiB of MAP_SHARED memory: each mapping made or refused with ENOMEM",
	      MAX_MAPS);
	for (int i = 0; i < MAX_MAPS; i++)
		if (m[i] != MAP_FAILED)
			munmap(m[i], MAP_BYTES);
	char *again =
	        mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(again != MAP_FAILED && again[0] == 0 && again[MAP_BYTES - 1] == 0,
	      "MAP_SHARED again once they are unmapped, zeroed");
}

/* Children that exit at once and stay zombies until all are made: as many as fork gives.
 * (Children that stay asleep instead would be the better test, but a few dozen sleeping
 * environments make each of the kernel's ticks outlast the tick on KVM-on-PVM: see
 * docs/linux.md, Limits.) */
static void processes(void)
{
	int made = 0, bad = 0;
	fflush(stdout);
	for (int i = 0; i < MAX_KIDS; i++) {
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		if (c > 0)
			made++;
		else
			bad += errno != EAGAIN;
	}
	int reaped = 0, st;
	while (wait(&st) > 0)
		reaped += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	CHECK(!bad, "%d forks: each made a child or was refused with EAGAIN", MAX_KIDS);
	CHECK(reaped == made, "every child made was reaped");
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	CHECK(c > 0 && waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 7,
	      "fork works again once they are reaped");
}

/* Each part alone with its name as the argument (for a closer look), all without. */
int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	struct rlimit r = {MAX_FDS, MAX_FDS}; /* the same descriptor limit everywhere */
	setrlimit(RLIMIT_NOFILE, &r);
	if (!only || !strcmp(only, "pipes"))
		take_pairs(make_pipe, "pipes");
	if (!only || !strcmp(only, "sockets"))
		take_pairs(make_socketpair, "socket pairs");
	if (!only || !strcmp(only, "maps"))
		shared_maps();
	if (!only || !strcmp(only, "processes"))
		processes();
	return check_exit();
}
