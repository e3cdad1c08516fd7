/* poll, select and epoll on pipes whose other end is in another process:
 * each waits with no timeout, so it must be woken by the other process's
 * write or close (a wake-up that only saw this process's calls would hang).
 * Prints what Linux reports; compare.sh checks exosim says the same. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(void)
{
	nanosleep(&(struct timespec){0, 400000000}, NULL); /* 0.4 s: the parent is asleep first */
}

static int ack[2]; /* the parent's "seen it": the writer lives until then */

/* A child that writes one byte after a moment and stays until the parent
 * acknowledges it (so no exit or SIGCHLD wakes the parent instead), then
 * closes the pipe. */
static pid_t late_writer(int fds[2])
{
	if (pipe(fds) || pipe(ack))
		exit(1);
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		close(fds[0]);
		close(ack[1]);
		nap();
		char c;
		if (write(fds[1], "x", 1) != 1 || read(ack[0], &c, 1) != 1)
			_exit(1);
		nap();
		_exit(0);
	}
	close(fds[1]);
	close(ack[0]);
	return p;
}

static void acknowledge(void)
{
	if (write(ack[1], "k", 1) != 1)
		exit(1);
	close(ack[1]);
}

static void reap(pid_t p)
{
	int st;
	waitpid(p, &st, 0);
	printf("writer exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	int fds[2];
	char c;

	pid_t p = late_writer(fds);
	struct pollfd pf = {fds[0], POLLIN, 0};
	int n = poll(&pf, 1, -1);
	printf("poll: %d, POLLIN %d\n", n, !!(pf.revents & POLLIN));
	printf("read %zd\n", read(fds[0], &c, 1));
	acknowledge();
	n = poll(&pf, 1, -1); /* woken by the writer's exit closing its end */
	printf("poll: %d, POLLHUP %d\n", n, !!(pf.revents & POLLHUP));
	reap(p);
	close(fds[0]);

	p = late_writer(fds);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	n = select(fds[0] + 1, &r, NULL, NULL, NULL);
	printf("select: %d, readable %d\n", n, FD_ISSET(fds[0], &r));
	acknowledge();
	reap(p);
	close(fds[0]);

	p = late_writer(fds);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
	n = epoll_wait(ep, &out, 1, -1);
	printf("epoll_wait: %d, data %u, EPOLLIN %d\n", n, out.data.u32, !!(out.events & EPOLLIN));
	acknowledge();
	reap(p);
	close(fds[0]);
	close(ep);

	/* Twenty pipes, more than one wait can name: the last one is written. */
	enum { MANY = 20 };
	int many[MANY][2];
	struct pollfd pm[MANY];
	for (int i = 0; i < MANY; i++) {
		if (pipe(many[i]))
			return 1;
		pm[i] = (struct pollfd){many[i][0], POLLIN, 0};
	}
	p = late_writer(fds);
	if (dup2(fds[0], many[MANY - 1][0]) < 0) /* the writer's pipe as the last */
		return 1;
	n = poll(pm, MANY, -1);
	printf("poll of %d pipes: %d, the last POLLIN %d\n", MANY, n,
	       !!(pm[MANY - 1].revents & POLLIN));
	acknowledge();
	reap(p);
	close(fds[0]);
	for (int i = 0; i < MANY; i++)
		close(many[i][0]), close(many[i][1]);

	/* A full pipe: the writer polls for room the reader makes. */
	if (pipe(fds) || pipe(ack))
		return 1;
	static char big[65536];
	int put = 0;
	struct pollfd w = {fds[1], POLLOUT, 0};
	while (poll(&w, 1, 0) == 1 && write(fds[1], big, 4096) == 4096)
		put += 4096;
	fflush(stdout);
	p = fork();
	if (p == 0) { /* reads, then stays until the parent saw the room */
		nap();
		char c;
		_exit(read(fds[0], big, sizeof(big)) > 0 && read(ack[0], &c, 1) == 1 ? 0 : 1);
	}
	n = poll(&w, 1, -1);
	printf("pipe full after %d bytes; poll for room: %d, POLLOUT %d\n", put, n,
	       !!(w.revents & POLLOUT));
	acknowledge();
	reap(p);
	return 0;
}
