/* nonblock MODE: O_NONBLOCK on stdin (a pipe that stays silent until the program says
 * "waiting"; the test feeds "input\n" then, and closes it) and on a pipe of its own:
 * a read, or readv, with nothing there is -1/EAGAIN at once instead of a wait;
 * F_GETFL reports the flag; poll still waits for the input, which the next reads
 * then return; and without the flag again a read waits (here: for the end).
 *   fcntl   fd 0 made non-blocking with F_SETFL
 *   open    /dev/stdin opened anew with O_NONBLOCK (a new open file description:
 *           fd 0's flags stay as they were)
 *   fionbio fd 0 made non-blocking with ioctl(FIONBIO)
 *   pipe    pipe2(O_NONBLOCK), the writer a child that writes once told to, and
 *           stays until told again; then a non-blocking writer fills a pipe until
 *           EAGAIN, and poll says when it can write again */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static int nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

/* A read and a readv with nothing there: EAGAIN, at once. */
static void empty(int fd, const char *what)
{
	char buf[16], more[16];
	struct iovec v[2] = {{buf, sizeof(buf)}, {more, sizeof(more)}};
	errno = 0;
	ssize_t n = read(fd, buf, sizeof(buf));
	CHECK(n == -1 && errno == EAGAIN, "%s: read with nothing there: %zd %s", what, n,
	      errno_name(errno));
	errno = 0;
	n = readv(fd, v, 2);
	CHECK(n == -1 && errno == EAGAIN, "%s: readv with nothing there: %zd %s", what, n,
	      errno_name(errno));
}

/* poll waits for "input\n"; then it comes in two reads, the second one non-blocking
 * and taking what is left.  Then nothing more: EAGAIN while the writer is there
 * (writer_open), else EAGAIN or the end, as the writer may have gone meanwhile. */
static void input(int fd, const char *what, int writer_open)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 30000) == 1 && (p.revents & POLLIN), "%s: poll says readable", what);
	char buf[64] = {0};
	ssize_t a = read(fd, buf, 3);
	ssize_t b = read(fd, buf + 3, sizeof(buf) - 4);
	CHECK(a == 3 && b == 3 && !strcmp(buf, "input\n"), "%s: read %zd + %zd bytes: %s", what, a,
	      b, a == 3 && b == 3 ? strtok(buf, "\n") : "?");
	errno = 0;
	ssize_t n = read(fd, buf, sizeof(buf));
	if (writer_open)
		CHECK(n == -1 && errno == EAGAIN, "%s: then nothing again: %zd %s", what, n,
		      errno_name(errno));
	else
		CHECK(n == 0 || (n == -1 && errno == EAGAIN), "%s: then no more bytes", what);
}

/* Blocking again: the read waits until the writer is gone, then 0. */
static void blocking_end(int fd, const char *what)
{
	int fl = fcntl(fd, F_GETFL);
	CHECK(fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0 && !nonblocking(fd),
	      "%s: O_NONBLOCK cleared", what);
	char buf[16];
	ssize_t n = read(fd, buf, sizeof(buf));
	CHECK(n == 0, "%s: a blocking read at the end: %zd", what, n);
}

static void waiting(void)
{
	printf("waiting\n");
	fflush(stdout);
}

static int on_stdin(const char *mode)
{
	int fd = 0;
	CHECK(!nonblocking(0), "fd 0 starts blocking");
	if (!strcmp(mode, "fcntl")) {
		CHECK(fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
	} else if (!strcmp(mode, "fionbio")) {
		int on = 1;
		CHECK(ioctl(0, FIONBIO, &on) == 0, "FIONBIO on");
	} else {
		fd = open("/dev/stdin", O_RDONLY | O_NONBLOCK);
		CHECK(fd >= 0, "/dev/stdin opened with O_NONBLOCK: %s", errno_name(errno));
		CHECK(!nonblocking(0), "fd 0 is still blocking");
	}
	CHECK(nonblocking(fd), "F_GETFL reports O_NONBLOCK");
	empty(fd, mode);
	waiting();
	input(fd, mode, 0);
	blocking_end(fd, mode);
	return check_exit();
}

/* A non-blocking writer fills the pipe in 1000-byte writes (each goes in whole or not
 * at all) until EAGAIN; poll then says it is not writable, and writable again once a
 * page's worth has been read. */
static void full_pipe(void)
{
	int p[2];
	char buf[4000] = {0};
	if (pipe2(p, O_NONBLOCK)) {
		CHECK(0, "pipe2");
		return;
	}
	long total = 0;
	ssize_t n;
	while ((n = write(p[1], buf, 1000)) > 0 && total < (1 << 20))
		total += n;
	CHECK(n == -1 && errno == EAGAIN, "full pipe: %ld bytes went in, then %s", total,
	      errno_name(errno));
	struct pollfd q = {.fd = p[1], .events = POLLOUT};
	CHECK(poll(&q, 1, 0) == 0, "full pipe: poll says not writable");
	CHECK(read(p[0], buf, sizeof(buf)) == sizeof(buf), "full pipe: 4000 bytes read");
	CHECK(poll(&q, 1, 0) == 1 && (q.revents & POLLOUT), "full pipe: then writable");
	close(p[0]);
	close(p[1]);
}

static int on_pipe(void)
{
	int p[2], go[2];
	char c;
	if (pipe2(p, O_NONBLOCK) || pipe(go)) {
		printf("FAIL: pipe\n");
		return 1;
	}
	CHECK(nonblocking(p[0]) && nonblocking(p[1]), "F_GETFL reports O_NONBLOCK on both ends");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(go[1]);
		int ok = read(go[0], &c, 1) == 1 && write(p[1], "input\n", 6) == 6;
		ok &= read(go[0], &c, 1) == 1; /* stays until the reader saw EAGAIN */
		_exit(ok ? 0 : 1);
	}
	close(p[1]);
	close(go[0]);
	empty(p[0], "pipe");
	CHECK(write(go[1], "g", 1) == 1, "the writer told to write");
	input(p[0], "pipe", 1);
	CHECK(write(go[1], "g", 1) == 1, "the writer told to go");
	blocking_end(p[0], "pipe");
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the writer exited with 0");
	full_pipe();
	return check_exit();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "fcntl") || !strcmp(mode, "open") || !strcmp(mode, "fionbio"))
		return on_stdin(mode);
	if (!strcmp(mode, "pipe"))
		return on_pipe();
	fprintf(stderr, "usage: nonblock fcntl|open|fionbio|pipe\n");
	return 2;
}
