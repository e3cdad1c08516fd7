// pipe_pingpong: native Linux baseline for bench/roundtrip.sh.  Two processes joined by two
// pipes pass one byte back and forth; a round trip is parent write, child read, child write,
// parent read.  Both are pinned with sched_setaffinity, on one CPU (--same-core) or on two
// (--cross-core).  After a warm-up batch, B batches of N round trips are timed with
// CLOCK_MONOTONIC.  Output, one key=value line each:
//   mode=<m> parent_cpu=<c> child_cpu=<c> rounds=<N> batches=<B>
//   batch_ns_per_roundtrip=<float>          (one per batch)
//   median_ns=<x> min_ns=<y> max_ns=<z>
// Exit status: 0 done, 1 a system call failed, 2 bad usage or fewer than 2 CPUs for
// --cross-core.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child = -1;

// fail: one line on stderr, reap the child (if any), exit 1.
static void fail(const char *what)
{
	fprintf(stderr, "pipe_pingpong: %s: %s\n", what, strerror(errno));
	if (child > 0) {
		kill(child, SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: pipe_pingpong [--same-core|--cross-core] [--rounds N] [--batches B]\n");
	exit(2);
}

static long parse_count(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		usage();
	return v;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fail("sched_setaffinity");
}

// put_byte/get_byte: 1 on success, 0 on end of file (get_byte only), -1 on error.
static int put_byte(int fd, unsigned char c)
{
	ssize_t r;
	while ((r = write(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return r == 1 ? 1 : -1;
}

static int get_byte(int fd, unsigned char *c)
{
	ssize_t r;
	while ((r = read(fd, c, 1)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : (int)r;
}

// The child echoes every byte until the parent closes its end.
static void child_loop(int cpu, int in, int out)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		fprintf(stderr, "pipe_pingpong: child: sched_setaffinity: %s\n", strerror(errno));
		_exit(1);
	}
	for (;;) {
		unsigned char c;
		int r = get_byte(in, &c);
		if (r == 0)
			_exit(0);
		if (r < 0 || put_byte(out, c) < 0) {
			fprintf(stderr, "pipe_pingpong: child: %s: %s\n", r < 0 ? "read" : "write",
			        strerror(errno));
			_exit(1);
		}
	}
}

static void roundtrips(int out, int in, long n)
{
	for (long i = 0; i < n; i++) {
		unsigned char c = (unsigned char)i, back;
		if (put_byte(out, c) < 0)
			fail("write");
		int r = get_byte(in, &back);
		if (r < 0)
			fail("read");
		if (r == 0) {
			errno = EPIPE;
			fail("read: child closed its pipe");
		}
		if (back != c) {
			errno = EPROTO;
			fail("read: wrong byte back");
		}
	}
}

static double now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail("clock_gettime");
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int cross = 0;
	long rounds = 2000, batches = 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--same-core"))
			cross = 0;
		else if (!strcmp(argv[i], "--cross-core"))
			cross = 1;
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = parse_count(argv[++i]);
		else if (!strcmp(argv[i], "--batches") && i + 1 < argc)
			batches = parse_count(argv[++i]);
		else
			usage();
	}

	// The CPUs: the first (and for --cross-core the second) of the allowed set.
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		fail("sched_getaffinity");
	int cpus[2] = {-1, -1}, found = 0;
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
		if (CPU_ISSET(c, &allowed))
			cpus[found++] = c;
	if (found == 0) {
		errno = ESRCH;
		fail("no CPU in the affinity set");
	}
	if (cross && found < 2) {
		fprintf(stderr, "pipe_pingpong: --cross-core needs 2 CPUs, only %d available\n",
		        CPU_COUNT(&allowed));
		return 2;
	}
	int pcpu = cpus[0], ccpu = cross ? cpus[1] : cpus[0];

	double *ns = malloc((size_t)batches * sizeof(*ns));
	if (!ns)
		fail("malloc");
	// A dead child must show up as EPIPE on write, not as a silent SIGPIPE.
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fail("signal");
	int to_child[2], to_parent[2];
	if (pipe(to_child) < 0 || pipe(to_parent) < 0)
		fail("pipe");
	pin(pcpu);
	if (fflush(stdout) == EOF)
		fail("fflush");
	child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		if (close(to_child[1]) < 0 || close(to_parent[0]) < 0) {
			fprintf(stderr, "pipe_pingpong: child: close: %s\n", strerror(errno));
			_exit(1);
		}
		child_loop(ccpu, to_child[0], to_parent[1]);
	}
	if (close(to_child[0]) < 0 || close(to_parent[1]) < 0)
		fail("close");

	printf("mode=%s parent_cpu=%d child_cpu=%d rounds=%ld batches=%ld\n",
	       cross ? "cross-core" : "same-core", pcpu, ccpu, rounds, batches);
	roundtrips(to_child[1], to_parent[0], rounds); // warm-up
	for (long b = 0; b < batches; b++) {
		double t0 = now_ns();
		roundtrips(to_child[1], to_parent[0], rounds);
		ns[b] = (now_ns() - t0) / (double)rounds;
	}

	// Closing our write end tells the child to exit; then reap it.
	if (close(to_child[1]) < 0)
		fail("close");
	int status;
	pid_t w;
	while ((w = waitpid(child, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		fail("waitpid");
	child = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pipe_pingpong: child did not exit cleanly (status 0x%x)\n",
		        status);
		return 1;
	}
	if (close(to_parent[0]) < 0)
		fail("close");

	for (long b = 0; b < batches; b++)
		printf("batch_ns_per_roundtrip=%.1f\n", ns[b]);
	qsort(ns, (size_t)batches, sizeof(*ns), cmp_double);
	double median = batches % 2 ? ns[batches / 2] : (ns[batches / 2 - 1] + ns[batches / 2]) / 2;
	printf("median_ns=%.1f min_ns=%.1f max_ns=%.1f\n", median, ns[0], ns[batches - 1]);
	free(ns);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "pipe_pingpong: write to stdout failed\n");
		return 1;
	}
	return 0;
}
