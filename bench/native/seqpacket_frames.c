/* The native baseline of bench/net.sh: two processes on a Unix SOCK_SEQPACKET socket
 * (what exosim's --net socket carries, a frame per message), 60-byte frames.
 *   seqpacket_frames rtt N      round trips, prints the median and minimum in ns
 *   seqpacket_frames stream N   one process sends N frames, the other counts them:
 *                               frames per second at the receiver
 * Output: "native: rtt frames=N median_ns=X min_ns=Y" / "native: stream frames=N fps=X". */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "rtt") && strcmp(argv[1], "stream"))) {
		fprintf(stderr, "usage: seqpacket_frames rtt|stream N\n");
		return 2;
	}
	long n = atol(argv[2]);
	int sv[2];
	if (n <= 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		perror("seqpacket_frames");
		return 1;
	}
	char f[60] = {0};
	bool rtt = !strcmp(argv[1], "rtt");
	pid_t pid = fork();
	if (pid == 0) { /* the peer: echo, or count */
		close(sv[0]);
		uint64_t first = 0, last = 0;
		for (long i = 0; i < n; i++) {
			if (recv(sv[1], f, sizeof(f), 0) != sizeof(f))
				_exit(1);
			if (rtt && send(sv[1], f, sizeof(f), 0) != sizeof(f))
				_exit(1);
			last = now_ns();
			if (!i)
				first = last;
		}
		if (!rtt)
			printf("native: stream frames=%ld fps=%.0f\n", n,
			       (n - 1) * 1e9 / (double)(last - first ? last - first : 1));
		fflush(stdout);
		_exit(0);
	}
	close(sv[1]);
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	if (!t) {
		perror("seqpacket_frames: calloc");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		if (send(sv[0], f, sizeof(f), 0) != sizeof(f) ||
		    (rtt && recv(sv[0], f, sizeof(f), 0) != sizeof(f))) {
			free(t);
			return 1;
		}
		t[i] = now_ns() - t0;
	}
	int st;
	waitpid(pid, &st, 0);
	if (rtt) {
		qsort(t, (size_t)n, sizeof(*t), cmp);
		printf("native: rtt frames=%ld median_ns=%lu min_ns=%lu\n", n,
		       (unsigned long)t[n / 2], (unsigned long)t[0]);
	}
	free(t);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 1;
}
