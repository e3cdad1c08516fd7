/* unix_socket: AF_UNIX sockets as programs use them (issue 14), one mode per run.
 *   pair      socketpair stream, datagram and seqpacket between a parent and a
 *             forked child: echo, message boundaries, truncation, iovecs
 *             (sendmsg/recvmsg, readv/writev), EOF, EPIPE and SIGPIPE
 *             (MSG_NOSIGNAL), shutdown, SO_PEERCRED
 *   server    a threaded server: bind to a path (mkdtemp under /tmp) and to an
 *             abstract name, listen, accept/accept4 in one thread while
 *             another connects; names, a forked client, EADDRINUSE,
 *             ECONNREFUSED once closed, ENOENT, the backlog
 *   nonblock  SOCK_NONBLOCK and MSG_DONTWAIT: EAGAIN on empty and full
 *             sockets; poll readiness (POLLIN, POLLOUT, POLLHUP) and a poll
 *             that sleeps until another process writes; select and epoll
 *   errors    the error paths: bad types, families, protocols, names, calls
 *             on the wrong kind of socket or descriptor, options
 *   rights    SCM_RIGHTS: a pipe end, a socket and a /tmp file (one offset)
 *             passed to a forked child, the control bytes, MSG_CTRUNC,
 *             MSG_CMSG_CLOEXEC, a read that drops them (the pipe's writer
 *             gone: EOF), seqpackets, EBADF
 * Only deterministic lines are printed; children report through exit statuses. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static const char *ename(int e)
{
	switch (e) {
	case EPIPE:
		return "EPIPE";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNRESET:
		return "ECONNRESET";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EAFNOSUPPORT:
		return "EAFNOSUPPORT";
	case EPROTONOSUPPORT:
		return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT:
		return "ESOCKTNOSUPPORT";
	case EPROTOTYPE:
		return "EPROTOTYPE";
	case ENOPROTOOPT:
		return "ENOPROTOOPT";
	case ENOTSOCK:
		return "ENOTSOCK";
	case ENOTCONN:
		return "ENOTCONN";
	case EISCONN:
		return "EISCONN";
	case EMSGSIZE:
		return "EMSGSIZE";
	default:
		return errno_name(e);
	}
}

/* "what: result errno" for a call expected to fail. */
#define FAILS(call, err, what)                                                                     \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		int e_ = errno;                                                                    \
		CHECK(r_ == -1 && e_ == (err), "%s: %ld %s", what, r_, ename(e_));                 \
	} while (0)

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static pid_t fork_flushed(void)
{
	fflush(stdout);
	return fork();
}

/* The child's exit status (0: its checks passed). */
static int reap(pid_t p)
{
	int st = -1;
	if (waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void upper(char *b, long n)
{
	for (long i = 0; i < n; i++)
		if (b[i] >= 'a' && b[i] <= 'z')
			b[i] = (char)(b[i] - 32);
}

/* ---- pair ---- */

/* The child: echoes what it reads, upper-cased, until EOF. */
static int echo_child(int fd)
{
	char b[256];
	long n;
	while ((n = read(fd, b, sizeof(b))) > 0) {
		upper(b, n);
		if (write(fd, b, (size_t)n) != n)
			return 2;
	}
	return n == 0 ? 0 : 3;
}

static void pair_stream(void)
{
	int sv[2];
	char b[256];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
	pid_t p = fork_flushed();
	if (p == 0) {
		close(sv[0]);
		_exit(echo_child(sv[1]));
	}
	close(sv[1]);
	for (int i = 0; i < 50; i++) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "hello %d", i);
		if (write(sv[0], msg, (size_t)n) != n || read(sv[0], b, sizeof(b)) != n) {
			CHECK(0, "round trip %d", i);
			break;
		}
		upper(msg, n);
		if (memcmp(b, msg, (size_t)n) != 0)
			CHECK(0, "echo %d", i);
	}
	printf("50 round trips through the child\n");
	/* 200 KB each way: more than a buffer holds, so both sides block */
	static char big[200000], back[200000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	size_t sent = 0, got = 0;
	while (got < sizeof(big)) {
		if (sent < sizeof(big)) {
			long w = send(sv[0], big + sent,
			              sizeof(big) - sent > 4000 ? 4000 : sizeof(big) - sent, 0);
			if (w <= 0)
				break;
			sent += (size_t)w;
		}
		long r = recv(sv[0], back + got, sizeof(back) - got,
		              sent < sizeof(big) ? MSG_DONTWAIT : 0);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			break;
	}
	upper(big, sizeof(big));
	CHECK(got == sizeof(big) && memcmp(big, back, got) == 0, "200000 bytes echoed");
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown SHUT_WR");
	CHECK(read(sv[0], b, sizeof(b)) == 0, "EOF after the child saw ours and exited");
	CHECK(reap(p) == 0, "child status 0");
	/* the child is gone: EPIPE and SIGPIPE; MSG_NOSIGNAL: EPIPE alone */
	signal(SIGPIPE, on_sigpipe);
	FAILS(write(sv[0], "x", 1), EPIPE, "write to a closed peer");
	CHECK(sigpipes == 1, "SIGPIPE delivered: %d", (int)sigpipes);
	FAILS(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "send MSG_NOSIGNAL");
	CHECK(sigpipes == 1, "no SIGPIPE with MSG_NOSIGNAL: %d", (int)sigpipes);
	close(sv[0]);
}

static void pair_dgram(void)
{
	int sv[2];
	char b[64];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	pid_t p = fork_flushed();
	if (p == 0) { /* three datagrams, then one from an iovec pair */
		close(sv[0]);
		int bad = send(sv[1], "one", 3, 0) != 3 || send(sv[1], "", 0, 0) != 0 ||
		          send(sv[1], "three three", 11, 0) != 11;
		struct iovec v[2] = {{"gath", 4}, {"ered", 4}};
		struct msghdr m = {.msg_iov = v, .msg_iovlen = 2};
		bad |= sendmsg(sv[1], &m, 0) != 8;
		_exit(bad);
	}
	close(sv[1]);
	CHECK(reap(p) == 0, "child sent 4 datagrams");
	long n = recv(sv[0], b, sizeof(b), 0);
	CHECK(n == 3 && memcmp(b, "one", 3) == 0, "datagram 1: %ld bytes", n);
	n = recv(sv[0], b, sizeof(b), 0);
	CHECK(n == 0, "datagram 2 is empty: %ld", n);
	struct iovec v[1] = {{b, 5}};
	struct msghdr m = {.msg_iov = v, .msg_iovlen = 1};
	n = recvmsg(sv[0], &m, 0);
	CHECK(n == 5 && (m.msg_flags & MSG_TRUNC), "datagram 3 truncated to 5: %ld, MSG_TRUNC %d",
	      n, !!(m.msg_flags & MSG_TRUNC));
	char x[3], y[10];
	struct iovec w[2] = {{x, 3}, {y, 10}};
	n = readv(sv[0], w, 2);
	CHECK(n == 8 && memcmp(x, "gat", 3) == 0 && memcmp(y, "hered", 5) == 0,
	      "datagram 4 scattered by readv: %ld", n);
	FAILS(recv(sv[0], b, sizeof(b), MSG_DONTWAIT), EAGAIN, "no datagram left");
	/* the peer is gone: refused once, then not connected */
	FAILS(send(sv[0], "x", 1, 0), ECONNREFUSED, "send to a closed peer");
	FAILS(send(sv[0], "x", 1, 0), ENOTCONN, "send again");
	close(sv[0]);
}

static void pair_seqpacket(void)
{
	int sv[2];
	char b[64];
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
	      "socketpair seqpacket");
	CHECK(fcntl(sv[0], F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC");
	CHECK(send(sv[0], "ab", 2, 0) == 2 && send(sv[0], "cde", 3, 0) == 3, "two records");
	CHECK(recv(sv[1], b, sizeof(b), 0) == 2, "record 1");
	CHECK(recv(sv[1], b, 1, 0) == 1 && b[0] == 'c', "record 2, truncated");
	FAILS(recv(sv[1], b, sizeof(b), MSG_DONTWAIT), EAGAIN, "its rest is gone");
	int t = 0;
	socklen_t l = sizeof(t);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &t, &l) == 0 && t == SOCK_SEQPACKET,
	      "SO_TYPE seqpacket");
	close(sv[0]);
	CHECK(recv(sv[1], b, sizeof(b), 0) == 0, "EOF after close");
	sigpipes = 0;
	FAILS(send(sv[1], "x", 1, 0), EPIPE, "send to a closed seqpacket peer");
	CHECK(sigpipes == 0, "no SIGPIPE for a seqpacket: %d", (int)sigpipes);
	close(sv[1]);
}

static void pair_misc(void)
{
	int sv[2];
	char b[16];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	struct ucred c;
	socklen_t l = sizeof(c);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &l) == 0 && l == sizeof(c) &&
	              c.pid == getpid() && c.uid == getuid() && c.gid == getgid(),
	      "SO_PEERCRED: our pid, uid, gid");
	struct stat st;
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat: a socket");
	CHECK((fcntl(sv[0], F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL: O_RDWR");
	FAILS(lseek(sv[0], 0, SEEK_SET), ESPIPE, "lseek");
	struct iovec v[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
	CHECK(writev(sv[0], v, 3) == 6, "writev 6 bytes");
	int avail = -1;
	CHECK(ioctl(sv[1], FIONREAD, &avail) == 0 && avail == 6, "FIONREAD: %d", avail);
	CHECK(recv(sv[1], b, 4, MSG_PEEK) == 4 && memcmp(b, "abcd", 4) == 0, "MSG_PEEK");
	CHECK(recv(sv[1], b, sizeof(b), MSG_WAITALL | MSG_DONTWAIT) == 6, "the bytes still there");
	/* shutdown(SHUT_RD) on one side: the other may no longer send */
	CHECK(shutdown(sv[1], SHUT_RD) == 0, "shutdown SHUT_RD");
	CHECK(read(sv[1], b, sizeof(b)) == 0, "a shut reader reads EOF");
	FAILS(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "send to a shut reader");
	FAILS(shutdown(sv[0], 7), EINVAL, "shutdown how 7");
	close(sv[0]);
	close(sv[1]);
}

/* Endings: data before EOF, unread data resetting the peer, MSG_WAITALL across
 * writes, SO_RCVTIMEO on a stream. */
static void pair_endings(void)
{
	int sv[2];
	char b[64];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(write(sv[0], "last words", 10) == 10 && shutdown(sv[0], SHUT_WR) == 0,
	      "write, then SHUT_WR");
	CHECK(read(sv[1], b, sizeof(b)) == 10 && read(sv[1], b, sizeof(b)) == 0,
	      "the data, then EOF");
	CHECK(write(sv[1], "back", 4) == 4 && read(sv[0], b, sizeof(b)) == 4,
	      "the other way still open");
	CHECK(write(sv[0], "unread", 6) == -1 && errno == EPIPE, "no more writes after SHUT_WR");
	close(sv[0]);
	close(sv[1]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(write(sv[0], "never read", 10) == 10, "data the peer never reads");
	close(sv[1]);
	FAILS(read(sv[0], b, sizeof(b)), ECONNRESET, "closing with unread data resets the peer");
	CHECK(read(sv[0], b, sizeof(b)) == 0, "then EOF");
	int e = -1;
	socklen_t l = sizeof(e);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0, "SO_ERROR taken");
	close(sv[0]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid_t p = fork_flushed();
	if (p == 0) { /* three writes, apart */
		close(sv[0]);
		for (int i = 0; i < 3; i++) {
			usleep(20000);
			if (write(sv[1], "abcd", 4) != 4)
				_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	CHECK(recv(sv[0], b, 12, MSG_WAITALL) == 12, "MSG_WAITALL waits for all 12 bytes");
	CHECK(reap(p) == 0, "child status 0");
	struct timeval tv = {0, 30000};
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	struct timeval got;
	l = sizeof(got);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &l) == 0 && got.tv_sec == 0 &&
	              got.tv_usec >= 30000 && got.tv_usec < 40000,
	      "SO_RCVTIMEO read back (Linux rounds it to its ticks)");
	CHECK(read(sv[0], b, sizeof(b)) == 0, "EOF once the child exited (not a timeout)");
	close(sv[0]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	FAILS(read(sv[0], b, sizeof(b)), EAGAIN, "a read times out");
	close(sv[0]);
	close(sv[1]);
}

static void mode_pair(void)
{
	pair_stream();
	pair_dgram();
	pair_seqpacket();
	pair_misc();
	pair_endings();
}

/* ---- server ---- */

static struct sockaddr_un addr_of(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	return a;
}

static socklen_t abstract_of(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

struct client {
	struct sockaddr_un a;
	socklen_t len;
	int rounds;
	int ok;
};

static void *client(void *arg)
{
	struct client *c = arg;
	char b[64];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&c->a, c->len) != 0)
		return 0;
	c->ok = 1;
	for (int i = 0; i < c->rounds; i++) {
		int n = snprintf(b, sizeof(b), "ping %d", i);
		if (write(s, b, (size_t)n) != n || read(s, b, sizeof(b)) != n ||
		    memcmp(b, "PING", 4) != 0)
			c->ok = 0;
	}
	close(s);
	return 0;
}

/* Serves one connection: upper-cased echo until EOF; returns the rounds. */
static int serve(int fd)
{
	char b[64];
	long n;
	int rounds = 0;
	while ((n = read(fd, b, sizeof(b))) > 0) {
		upper(b, n);
		if (write(fd, b, (size_t)n) != n)
			return -1;
		rounds++;
	}
	return n == 0 ? rounds : -1;
}

static void server_path(const char *dir)
{
	char path[200];
	snprintf(path, sizeof(path), "%s/sock", dir);
	struct sockaddr_un a = addr_of(path), got;
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(connect(l, (struct sockaddr *)&a, sizeof(a)), ENOENT, "connect before bind");
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0, "bind to a path");
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "the path is a socket");
	socklen_t gl = sizeof(got);
	CHECK(getsockname(l, (struct sockaddr *)&got, &gl) == 0 && gl == alen &&
	              strcmp(got.sun_path, path) == 0,
	      "getsockname: the path, length %s", gl == alen ? "path + 3" : "wrong");
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(bind(l2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE, "bind to a taken path");
	FAILS(bind(l, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE, "bind twice to the path");
	char path2[220];
	snprintf(path2, sizeof(path2), "%s/other", dir);
	struct sockaddr_un a2 = addr_of(path2);
	FAILS(bind(l, (struct sockaddr *)&a2, sizeof(a2)), EINVAL, "bind a bound socket elsewhere");
	FAILS(stat(path2, &st), ENOENT, "and no node made there");
	FAILS(connect(l2, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED, "connect before listen");
	CHECK(listen(l, 8) == 0, "listen");
	int sp = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	FAILS(connect(sp, (struct sockaddr *)&a, sizeof(a)), EPROTOTYPE,
	      "seqpacket to a stream path");
	close(sp);
	int acc = -1;
	socklen_t al = sizeof(acc);
	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) == 0 && acc == 1,
	      "SO_ACCEPTCONN");

	/* a thread connects while this one blocks in accept */
	struct client c = {.a = a, .len = sizeof(a), .rounds = 20};
	pthread_t t;
	CHECK(pthread_create(&t, 0, client, &c) == 0, "client thread");
	struct sockaddr_un peer;
	socklen_t pl = sizeof(peer);
	int fd = accept(l, (struct sockaddr *)&peer, &pl);
	CHECK(fd >= 0 && pl == sizeof(sa_family_t), "accept: an unnamed peer (length %d)", (int)pl);
	gl = sizeof(got);
	CHECK(getsockname(fd, (struct sockaddr *)&got, &gl) == 0 && strcmp(got.sun_path, path) == 0,
	      "the accepted socket's name is the listener's");
	int rounds = serve(fd);
	pthread_join(t, 0);
	CHECK(c.ok && rounds == 20, "20 rounds with the thread: %d", rounds);
	close(fd);

	/* a forked client, accept4 with both flags */
	pid_t p = fork_flushed();
	if (p == 0) {
		struct client cc = {.a = a, .len = sizeof(a), .rounds = 30};
		client(&cc);
		_exit(cc.ok ? 0 : 1);
	}
	fd = accept4(l, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && (fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "accept4 CLOEXEC|NONBLOCK");
	fcntl(fd, F_SETFL, 0);
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 && cr.pid == p,
	      "SO_PEERCRED: the child's pid");
	rounds = serve(fd);
	CHECK(reap(p) == 0 && rounds == 30, "30 rounds with a child process: %d", rounds);
	close(fd);

	/* backlog 0: one connection waits, the next would block */
	CHECK(listen(l, 0) == 0, "listen again, backlog 0");
	int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(connect(c1, (struct sockaddr *)&a, sizeof(a)) == 0, "connect 1 of backlog 0");
	FAILS(connect(c2, (struct sockaddr *)&a, sizeof(a)), EAGAIN, "connect 2 of backlog 0");
	FAILS(connect(c1, (struct sockaddr *)&a, sizeof(a)), EAGAIN, "connect again, queue full");
	gl = sizeof(got);
	CHECK(getpeername(c1, (struct sockaddr *)&got, &gl) == 0 && strcmp(got.sun_path, path) == 0,
	      "getpeername: the server's path");
	CHECK(write(c1, "early", 5) == 5, "write before accept");
	fd = accept(l, 0, 0);
	char b[8];
	CHECK(fd >= 0 && read(fd, b, sizeof(b)) == 5, "accepted, the early bytes there");
	FAILS(connect(c1, (struct sockaddr *)&a, sizeof(a)), EISCONN, "connect a connected socket");
	close(fd);
	close(c1);
	close(c2);
	close(l);
	close(l2);
	/* the name outlives the socket, refusing connections, until unlinked */
	int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(connect(c3, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED, "connect after close");
	CHECK(unlink(path) == 0, "unlink the socket");
	FAILS(connect(c3, (struct sockaddr *)&a, sizeof(a)), ENOENT, "connect after unlink");
	int l3 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l3, (struct sockaddr *)&a, sizeof(a)) == 0, "bind the path again");
	close(l3);
	close(c3);
	unlink(path);
}

static void server_abstract(void)
{
	struct sockaddr_un a, got;
	char name[64];
	snprintf(name, sizeof(name), "exos-unix-socket-test-%d", (int)getpid());
	socklen_t len = abstract_of(&a, name);
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 4) == 0,
	      "abstract bind, listen");
	socklen_t gl = sizeof(got);
	CHECK(getsockname(l, (struct sockaddr *)&got, &gl) == 0 && gl == len &&
	              got.sun_path[0] == 0 && memcmp(got.sun_path + 1, name, strlen(name)) == 0,
	      "getsockname: the abstract name");
	int l2 = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	FAILS(bind(l2, (struct sockaddr *)&a, len), EADDRINUSE, "abstract name taken");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(connect(s, (struct sockaddr *)&a, len), ECONNREFUSED,
	      "stream to a seqpacket's abstract name (names are per type)");
	CHECK(bind(s, (struct sockaddr *)&a, len) == 0, "so a stream socket may take it too");
	close(s);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(connect(s, (struct sockaddr *)&a, len) == 0, "seqpacket connect");
	int fd = accept(l, 0, 0);
	char b[8];
	CHECK(send(s, "abc", 3, 0) == 3 && recv(fd, b, sizeof(b), 0) == 3, "a record through it");
	close(fd);
	close(s);
	close(l);
	CHECK(bind(l2, (struct sockaddr *)&a, len) == 0, "free again once closed");
	close(l2);
	/* autobind: the family alone gets a 5-digit abstract name */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0, "autobind");
	gl = sizeof(got);
	CHECK(getsockname(s, (struct sockaddr *)&got, &gl) == 0 && gl == 8 && got.sun_path[0] == 0,
	      "an abstract name of 5 characters");
	/* datagrams to a name: recvfrom says who sent them */
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(d, "hi", 2, 0, (struct sockaddr *)&got, gl) == 2, "sendto the autobound name");
	struct sockaddr_un from;
	socklen_t fl = sizeof(from);
	CHECK(recvfrom(s, b, sizeof(b), 0, (struct sockaddr *)&from, &fl) == 2 && fl == 0,
	      "recvfrom: an unnamed sender, length %d", (int)fl);
	CHECK(bind(d, (struct sockaddr *)&a, len) == 0, "the sender takes a name");
	CHECK(sendto(d, "hey", 3, 0, (struct sockaddr *)&got, gl) == 3, "sendto again");
	fl = sizeof(from);
	CHECK(recvfrom(s, b, sizeof(b), 0, (struct sockaddr *)&from, &fl) == 3 && fl == len &&
	              memcmp(from.sun_path + 1, name, strlen(name)) == 0,
	      "recvfrom: the sender's name");
	struct sockaddr_un fr;
	socklen_t frl = abstract_of(&fr, "exos-unix-socket-test-nobody-here");
	FAILS(sendto(d, "hi", 2, 0, (struct sockaddr *)&fr, frl), ECONNREFUSED,
	      "sendto a free name");
	close(d);
	close(s);
}

/* Datagrams to a path, from a forked child; a socket connected to another
 * takes nothing from a third; a listener closed before it accepts. */
static void server_dgram_path(const char *dir)
{
	char path[200], b[16];
	snprintf(path, sizeof(path), "%s/dgram", dir);
	struct sockaddr_un a = addr_of(path);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0, "bind a datagram socket to a path");
	pid_t p = fork_flushed();
	if (p == 0) {
		int d = socket(AF_UNIX, SOCK_DGRAM, 0);
		_exit(sendto(d, "from child", 10, 0, (struct sockaddr *)&a, sizeof(a)) != 10);
	}
	CHECK(recv(s, b, sizeof(b), 0) == 10 && reap(p) == 0, "a datagram from a child");
	int c = socket(AF_UNIX, SOCK_DGRAM, 0), other = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "connect a datagram socket");
	struct sockaddr_un got;
	socklen_t gl = sizeof(got);
	CHECK(getpeername(c, (struct sockaddr *)&got, &gl) == 0 && strcmp(got.sun_path, path) == 0,
	      "its peer's name");
	CHECK(send(c, "x", 1, 0) == 1 && recv(s, b, sizeof(b), 0) == 1, "send without a name");
	struct sockaddr_un cn;
	socklen_t cl = abstract_of(&cn, "exos-unix-socket-test-c");
	CHECK(bind(c, (struct sockaddr *)&cn, cl) == 0, "name the connected one");
	CHECK(connect(s, (struct sockaddr *)&cn, cl) == 0, "and connect the server to it");
	FAILS(sendto(other, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)), EPERM,
	      "a third may not send to a connected socket");
	struct sockaddr_un un = {.sun_family = AF_UNSPEC};
	CHECK(connect(s, (struct sockaddr *)&un, sizeof(un)) == 0, "disconnect (AF_UNSPEC)");
	CHECK(sendto(other, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)) == 1, "then it may");
	close(c);
	close(other);
	close(s);
	unlink(path);

	/* a listener closed with a connection nobody accepted */
	snprintf(path, sizeof(path), "%s/gone", dir);
	a = addr_of(path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0, "listen");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "connect");
	close(l);
	FAILS(recv(c, b, sizeof(b), MSG_DONTWAIT), ECONNRESET, "recv once the listener closed");
	CHECK(recv(c, b, sizeof(b), MSG_DONTWAIT) == 0, "then EOF");
	FAILS(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send once the listener closed");
	close(c);
	unlink(path);
}

static void mode_server(void)
{
	char dir[] = "/tmp/exos-usock-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	server_path(dir);
	server_abstract();
	server_dgram_path(dir);
	rmdir(dir);
}

/* ---- nonblock ---- */

static short revents(int fd, short events, int ms)
{
	struct pollfd p = {fd, events, 0};
	return poll(&p, 1, ms) < 0 ? -1 : p.revents;
}

static void mode_nonblock(void)
{
	int sv[2];
	char b[4096];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0,
	      "socketpair nonblocking");
	FAILS(read(sv[0], b, sizeof(b)), EAGAIN, "read empty");
	CHECK(revents(sv[0], POLLIN | POLLOUT, 0) == POLLOUT, "poll: writable only");
	memset(b, 'x', sizeof(b));
	long total = 0, w;
	while ((w = write(sv[0], b, sizeof(b))) > 0)
		total += w;
	CHECK(w == -1 && errno == EAGAIN && total > 0, "write until EAGAIN");
	CHECK(!(revents(sv[0], POLLOUT, 0) & POLLOUT), "poll: full, not writable");
	CHECK(revents(sv[1], POLLIN, 0) == POLLIN, "poll: the other end readable");
	long r, drained = 0;
	while ((r = read(sv[1], b, sizeof(b))) > 0)
		drained += r;
	CHECK(drained == total, "read all back");
	CHECK(revents(sv[0], POLLOUT, 0) == POLLOUT, "poll: writable again");
	/* MSG_DONTWAIT on a blocking socket */
	int bv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, bv);
	FAILS(recv(bv[0], b, 1, MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT");

	/* a poll that sleeps until another process writes */
	pid_t p = fork_flushed();
	if (p == 0) {
		usleep(100000);
		_exit(write(bv[1], "late", 4) != 4);
	}
	short ev = revents(bv[0], POLLIN, 5000);
	CHECK(ev == POLLIN, "poll woken by the child's datagram: %#x", ev);
	CHECK(recv(bv[0], b, sizeof(b), 0) == 4, "the datagram");
	CHECK(reap(p) == 0, "child status 0");
	/* select and a blocking read, woken the same way */
	p = fork_flushed();
	if (p == 0) {
		usleep(50000);
		_exit(send(bv[1], "x", 1, 0) != 1);
	}
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(bv[0], &rs);
	struct timeval tv = {5, 0};
	CHECK(select(bv[0] + 1, &rs, 0, 0, &tv) == 1 && FD_ISSET(bv[0], &rs), "select woken");
	CHECK(reap(p) == 0 && recv(bv[0], b, sizeof(b), 0) == 1, "and its datagram");
	p = fork_flushed();
	if (p == 0) {
		usleep(50000);
		_exit(send(bv[1], "yz", 2, 0) != 2);
	}
	CHECK(recv(bv[0], b, sizeof(b), 0) == 2, "a blocking recv woken");
	CHECK(reap(p) == 0, "child status 0");
	/* epoll: readable, then hang-up when the peer goes */
	int ep = epoll_create1(0);
	struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = sv[1]}, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &e) == 0, "epoll_ctl add");
	CHECK(epoll_wait(ep, &out, 1, 0) == 0, "epoll: nothing yet");
	CHECK(write(sv[0], "z", 1) == 1 && epoll_wait(ep, &out, 1, 1000) == 1 &&
	              out.events == EPOLLIN,
	      "epoll: readable");
	read(sv[1], b, sizeof(b));
	close(sv[0]);
	CHECK(epoll_wait(ep, &out, 1, 1000) == 1 && out.events == (EPOLLIN | EPOLLRDHUP | EPOLLHUP),
	      "epoll: EPOLLIN|EPOLLRDHUP|EPOLLHUP once the peer closed: %#x", out.events);
	CHECK(revents(sv[1], POLLIN | POLLOUT, 0) == (POLLIN | POLLOUT | POLLHUP),
	      "poll: POLLIN|POLLOUT|POLLHUP");
	CHECK(read(sv[1], b, sizeof(b)) == 0, "EOF");
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(revents(u, POLLIN | POLLOUT, 0) == (POLLOUT | POLLHUP),
	      "poll of an unconnected stream socket: POLLOUT|POLLHUP");
	close(u);
	close(ep);
	close(sv[1]);
	close(bv[0]);
	close(bv[1]);
}

/* ---- errors ---- */

static void mode_errors(void)
{
	int sv[2];
	FAILS(socket(AF_UNIX, 99, 0), EINVAL, "type 99");
	FAILS(socket(AF_UNIX, SOCK_STREAM | 0x1000, 0), EINVAL, "a flag that is not one");
	FAILS(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT, "SOCK_RDM");
	FAILS(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT, "protocol 7");
	FAILS(socket(1000, SOCK_STREAM, 0), EAFNOSUPPORT, "family 1000");
	FAILS(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT, "family -1");
	FAILS(socketpair(AF_UNIX, SOCK_STREAM, 7, sv), EPROTONOSUPPORT, "socketpair protocol 7");
	int raw = socket(AF_UNIX, SOCK_RAW, 0), t = 0;
	socklen_t l = sizeof(t);
	CHECK(raw >= 0 && getsockopt(raw, SOL_SOCKET, SO_TYPE, &t, &l) == 0 && t == SOCK_DGRAM,
	      "SOCK_RAW is a datagram socket");
	close(raw);

	int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
	char b[8];
	struct sockaddr_un a = addr_of("/nonexistent-dir-exos/s");
	FAILS(bind(s, (struct sockaddr *)&a, sizeof(a)), ENOENT, "bind in a missing directory");
	FAILS(connect(s, (struct sockaddr *)&a, sizeof(a)), ENOENT, "connect to a missing path");
	a.sun_family = AF_INET;
	FAILS(bind(s, (struct sockaddr *)&a, sizeof(a)), EINVAL, "bind AF_INET name");
	a.sun_family = AF_UNIX;
	FAILS(bind(s, (struct sockaddr *)&a, sizeof(a) + 1), EINVAL, "bind name too long");
	FAILS(connect(s, (struct sockaddr *)&a, 1), EINVAL, "connect length 1");
	FAILS(bind(0 + 1000, (struct sockaddr *)&a, sizeof(a)), EBADF, "bind bad fd");
	int pf[2];
	pipe(pf);
	FAILS(bind(pf[0], (struct sockaddr *)&a, sizeof(a)), ENOTSOCK, "bind a pipe");
	FAILS(listen(pf[0], 1), ENOTSOCK, "listen on a pipe");
	FAILS(getsockopt(pf[0], SOL_SOCKET, SO_TYPE, &t, &l), ENOTSOCK, "getsockopt on a pipe");
	close(pf[0]);
	close(pf[1]);
	FAILS(listen(s, 1), EINVAL, "listen unbound");
	FAILS(listen(d, 1), EOPNOTSUPP, "listen on a datagram socket");
	FAILS(accept(s, 0, 0), EINVAL, "accept not listening");
	FAILS(accept(d, 0, 0), EOPNOTSUPP, "accept on a datagram socket");
	FAILS(accept4(s, 0, 0, 0x10), EINVAL, "accept4 bad flags");
	FAILS(recv(s, b, sizeof(b), MSG_DONTWAIT), EINVAL, "recv unconnected stream");
	FAILS(read(s, b, sizeof(b)), EINVAL, "read unconnected stream");
	FAILS(send(s, b, 1, 0), ENOTCONN, "send unconnected stream");
	FAILS(send(d, b, 1, 0), ENOTCONN, "send unconnected datagram");
	FAILS(getpeername(s, (struct sockaddr *)&a, &l), ENOTCONN, "getpeername unconnected");
	socklen_t al = sizeof(a);
	CHECK(getsockname(s, (struct sockaddr *)&a, &al) == 0 && al == sizeof(sa_family_t),
	      "getsockname unbound: the family alone");
	int e = -1;
	l = sizeof(e);
	CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0, "SO_ERROR 0");
	int v = 65536;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0, "SO_SNDBUF set");
	l = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l) == 0 && v == 131072,
	      "SO_SNDBUF doubled: %d", v);
	v = 1;
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)) == 0, "SO_REUSEADDR set");
	v = 0;
	l = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &l) == 0 && v == 1, "SO_REUSEADDR read");
	FAILS(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL, "setsockopt short");
	FAILS(getsockopt(s, SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT, "getsockopt 9999");
	l = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0 && v > 0, "SO_RCVBUF");
	struct timeval tv = {0, 20000};
	CHECK(setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO 20 ms");
	struct sockaddr_un self = {.sun_family = AF_UNIX};
	CHECK(bind(d, (struct sockaddr *)&self, sizeof(sa_family_t)) == 0, "autobind");
	FAILS(recv(d, b, sizeof(b), 0), EAGAIN, "recv times out");
	/* a datagram bigger than the send buffer */
	static char big[300000];
	int dv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, dv);
	FAILS(send(dv[0], big, sizeof(big), 0), EMSGSIZE, "a 300000-byte datagram");
	close(dv[0]);
	close(dv[1]);
	close(s);
	close(d);
}

/* ---- rights ---- */

/* Sends byte c with the descriptors fds[0..n) attached. */
static long send_fds(int s, char c, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec v = {&c, 1};
	struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
	if (n) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(n * sizeof(int));
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(h), fds, n * sizeof(int));
	}
	return sendmsg(s, &m, 0);
}

/* Receives descriptors into fds (the count) with a control buffer of `room`
 * bytes, the data into b (its length in *len); msg_flags and msg_controllen
 * into *mflags, *ctl. */
static int recv_fds(int s, char *b, long *len, int *fds, size_t room, int flags, int *mflags,
                    size_t *ctl)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec v = {b, (size_t)*len};
	struct msghdr m = {
	        .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = room};
	*len = recvmsg(s, &m, flags);
	*mflags = m.msg_flags;
	*ctl = m.msg_controllen;
	int n = 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); *len >= 0 && h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
			int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds + n, CMSG_DATA(h), k * sizeof(int));
			n += k;
		}
	return n;
}

static void mode_rights(void)
{
	int sv[2], pf[2], dv[2], fds[8], mf;
	char b[16];
	long len;
	size_t ctl;
	/* to a child forked before the descriptors existed */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid_t p = fork_flushed();
	if (p == 0) {
		close(sv[0]);
		len = sizeof(b);
		int n = recv_fds(sv[1], b, &len, fds, CMSG_SPACE(2 * sizeof(int)), MSG_CMSG_CLOEXEC,
		                 &mf, &ctl);
		if (n != 2 || len != 1 || fcntl(fds[0], F_GETFD) != FD_CLOEXEC)
			_exit(1);
		if (write(fds[0], "through a passed pipe", 21) != 21)
			_exit(2);
		if (send(fds[1], "and a socket", 12, 0) != 12)
			_exit(3);
		_exit(0);
	}
	close(sv[1]);
	CHECK(pipe(pf) == 0 && socketpair(AF_UNIX, SOCK_DGRAM, 0, dv) == 0, "a pipe, a socketpair");
	int pass[2] = {pf[1], dv[1]};
	CHECK(send_fds(sv[0], 'x', pass, 2) == 1, "sendmsg SCM_RIGHTS: a pipe end and a socket");
	close(pf[1]);
	close(dv[1]);
	char got[32] = {0};
	CHECK(read(pf[0], got, sizeof(got)) == 21 && strcmp(got, "through a passed pipe") == 0,
	      "the child wrote through the pipe");
	CHECK(recv(dv[0], got, sizeof(got), 0) == 12, "and sent through the socket");
	CHECK(reap(p) == 0, "child status 0");
	CHECK(read(pf[0], got, sizeof(got)) == 0,
	      "the pipe's last writer went with the child: EOF");
	close(pf[0]);
	close(dv[0]);

	/* a file of /tmp: the child gets the same description, so the same offset */
	int ps[2];
	char tmpl[] = "/tmp/exos-usock-file-XXXXXX";
	int f = mkstemp(tmpl);
	CHECK(f >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, ps) == 0,
	      "a file in /tmp, a socketpair");
	unlink(tmpl);
	p = fork_flushed();
	if (p == 0) {
		close(ps[0]);
		len = sizeof(b);
		int k = recv_fds(ps[1], b, &len, fds, CMSG_SPACE(sizeof(int)), 0, &mf, &ctl);
		_exit(k != 1 || write(fds[0], "abc", 3) != 3);
	}
	close(ps[1]);
	CHECK(send_fds(ps[0], 'f', &f, 1) == 1 && reap(p) == 0, "the file passed, the child wrote");
	CHECK(lseek(f, 0, SEEK_CUR) == 3, "our offset moved with the child's write: %ld",
	      (long)lseek(f, 0, SEEK_CUR));
	close(f);
	close(ps[0]);

	/* in one process: control bytes, MSG_CTRUNC, a read that drops them */
	CHECK(pipe(pf) == 0, "pipe");
	int two[2] = {pf[1], pf[1]};
	socketpair(AF_UNIX, SOCK_STREAM, 0, ps);
	CHECK(send_fds(ps[0], 'a', two, 1) == 1 && send_fds(ps[0], 'b', NULL, 0) == 1,
	      "a byte with a descriptor, one without");
	len = sizeof(b);
	int n = recv_fds(ps[1], b, &len, fds, CMSG_SPACE(sizeof(int)), 0, &mf, &ctl);
	CHECK(n == 1 && len == 1 && ctl == CMSG_SPACE(sizeof(int)) && !(mf & MSG_CTRUNC),
	      "recvmsg: 1 descriptor, the read stops after its byte, controllen %zu", ctl);
	CHECK(fcntl(fds[0], F_GETFD) == 0, "no MSG_CMSG_CLOEXEC: not close-on-exec");
	close(fds[0]);
	len = sizeof(b);
	CHECK(recv_fds(ps[1], b, &len, fds, CMSG_SPACE(sizeof(int)), 0, &mf, &ctl) == 0 &&
	              len == 1 && ctl == 0,
	      "then the byte without");
	CHECK(send_fds(ps[0], 'c', two, 2) == 1, "two descriptors");
	len = sizeof(b);
	n = recv_fds(ps[1], b, &len, fds, CMSG_LEN(sizeof(int)), 0, &mf, &ctl);
	CHECK(n == 1 && (mf & MSG_CTRUNC) && ctl == CMSG_LEN(sizeof(int)),
	      "room for one: one, and MSG_CTRUNC");
	close(fds[0]);
	CHECK(send_fds(ps[0], 'd', two, 1) == 1, "one more");
	close(pf[1]);
	CHECK(read(ps[1], b, sizeof(b)) == 1, "read() takes the byte, closing the descriptor");
	CHECK(read(pf[0], b, sizeof(b)) == 0, "so every writer is gone: EOF");
	close(pf[0]);

	/* datagrams carry them with their message; errors */
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, dv);
	CHECK(send_fds(dv[0], 'e', &ps[0], 1) == 1, "seqpacket with a descriptor");
	len = sizeof(b);
	CHECK(recv_fds(dv[1], b, &len, fds, CMSG_SPACE(2 * sizeof(int)), 0, &mf, &ctl) == 1 &&
	              len == 1,
	      "received with it");
	CHECK(write(fds[0], "z", 1) == 1 && read(ps[1], b, 1) == 1, "the socket received works");
	close(fds[0]);
	int bad = 1000;
	FAILS(send_fds(dv[0], 'f', &bad, 1), EBADF, "SCM_RIGHTS of a closed descriptor");
	close(dv[0]);
	close(dv[1]);
	close(ps[0]);
	close(ps[1]);
	close(sv[0]);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (strcmp(m, "pair") == 0)
		mode_pair();
	else if (strcmp(m, "server") == 0)
		mode_server();
	else if (strcmp(m, "nonblock") == 0)
		mode_nonblock();
	else if (strcmp(m, "errors") == 0)
		mode_errors();
	else if (strcmp(m, "rights") == 0)
		mode_rights();
	else {
		fprintf(stderr, "usage: unix_socket pair|server|nonblock|errors|rights\n");
		return 2;
	}
	return check_exit();
}
