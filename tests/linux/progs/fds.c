/* fds: file descriptors without fork: pipe, dup/dup2/dup3, fcntl flags, O_NONBLOCK on
 * an empty pipe (EAGAIN), poll, writev/readv, and the lowest free descriptor rule. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	int p[2];
	char buf[64];
	CHECK(pipe(p) == 0, "pipe");
	printf("pipe fds %d %d\n", p[0], p[1]);
	CHECK(write(p[1], "through the pipe", 16) == 16, "write 16 bytes into the pipe");
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN), "poll says readable");
	ssize_t n = read(p[0], buf, sizeof buf);
	printf("read %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	pf.revents = 0;
	CHECK(poll(&pf, 1, 0) == 0, "poll says empty");
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "set O_NONBLOCK");
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "O_NONBLOCK reads back");
	errno = 0;
	CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN, "empty non-blocking read is EAGAIN (%s)",
	      errno_name(errno));

	struct iovec iov[3] = { { "one ", 4 }, { "two ", 4 }, { "three", 5 } };
	CHECK(writev(p[1], iov, 3) == 13, "writev of 3 pieces");
	char x[5], y[8];
	struct iovec riov[2] = { { x, sizeof x }, { y, sizeof y } };
	CHECK(readv(p[0], riov, 2) == 13, "readv into 2 pieces");
	printf("readv [%.5s][%.8s]\n", x, y);

	int d = dup(p[1]);
	printf("dup -> %d\n", d);
	CHECK(write(d, "via dup", 7) == 7, "write through the dup");
	close(p[1]);
	n = read(p[0], buf, sizeof buf);
	printf("read %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	close(d);
	CHECK(fcntl(p[0], F_SETFL, 0) == 0, "clear O_NONBLOCK");
	CHECK(read(p[0], buf, 1) == 0, "EOF once every write end is closed");

	CHECK(dup2(1, 10) == 10, "dup2(1, 10)");
	CHECK(write(10, "written to fd 10\n", 17) == 17, "write to fd 10 (stdout)");
	CHECK(dup3(1, 11, O_CLOEXEC) == 11 && fcntl(11, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC");
	CHECK(fcntl(10, F_DUPFD, 20) == 20, "F_DUPFD 20");
	close(10);
	close(11);
	close(20);
	int q[2];
	CHECK(pipe2(q, O_CLOEXEC) == 0 && q[0] == p[1], "pipe2 reuses the lowest free descriptor");
	close(p[0]);
	close(q[0]);
	close(q[1]);
	int wp[2];
	pipe(wp);
	close(wp[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK(write(wp[1], "x", 1) == -1 && errno == EPIPE, "write to a pipe with no reader is EPIPE");
	close(wp[1]);
	errno = 0;
	CHECK(dup2(1, -1) == -1 && errno == EBADF, "dup2 to -1 is EBADF (%s)", errno_name(errno));
	errno = 0;
	CHECK(fcntl(99, F_GETFD) == -1 && errno == EBADF, "fcntl on a closed fd is EBADF (%s)",
	      errno_name(errno));
	return check_exit();
}
