/* Guest output must reach stdout and stderr whole and in order, even when the
 * guest dies: byte-wide ports are buffered per line and flushed before any
 * other output and before exosim exits.  A write never blocks past the
 * --timeout deadline (deadline.c interrupts it), whether stdout is a full
 * pipe or was left non-blocking by whoever shares it. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "console.h"
#include "deadline.h"

struct linebuf {
	int fd;
	size_t len;
	char buf[4096];
};

static struct linebuf out_buf = {.fd = STDOUT_FILENO}, err_buf = {.fd = STDERR_FILENO};

/* Waits until fd takes more: for a descriptor someone made non-blocking. */
static int wait_writable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR || deadline_passed())
			return -errno;
	return 0;
}

/* Writes all of [p, p+n): 0, or -errno (nothing more is written after it). */
static long write_all(int fd, const char *p, size_t n, size_t *done)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR && !deadline_passed())
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			long r = wait_writable(fd);
			if (r < 0)
				return r;
			continue;
		}
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w, n -= (size_t)w, *done += (size_t)w;
	}
	return 0;
}

static void flush_one(struct linebuf *b)
{
	size_t done = 0;
	write_all(b->fd, b->buf, b->len, &done); /* a byte-wide port cannot report it */
	b->len = 0;
}

void console_flush(void)
{
	flush_one(&out_buf);
	flush_one(&err_buf);
}

static struct linebuf *stream_buf(int stream, struct linebuf **other)
{
	*other = stream == CONSOLE_STDERR ? &out_buf : &err_buf;
	return stream == CONSOLE_STDERR ? &err_buf : &out_buf;
}

void console_put_byte(int stream, uint8_t c)
{
	struct linebuf *other, *b = stream_buf(stream, &other);
	if (other->len)
		flush_one(other); /* keep the two streams in the order they were written */
	b->buf[b->len++] = (char)c;
	if (c == '\n' || b->len == sizeof(b->buf))
		flush_one(b);
}

long console_writev(int stream, const struct iovec *iov, int n)
{
	int fd = stream == CONSOLE_STDERR ? STDERR_FILENO : STDOUT_FILENO;
	console_flush();
	size_t done = 0;
	for (int i = 0; i < n; i++) {
		long r = write_all(fd, iov[i].iov_base, iov[i].iov_len, &done);
		if (r < 0)
			return done ? (long)done : r;
	}
	return (long)done;
}

long console_read(void *buf, size_t len)
{
	console_flush(); /* a prompt written before the read must be visible */
	ssize_t n = read(STDIN_FILENO, buf, len);
	return n >= 0 ? n : -errno;
}

long console_read_ready(void *buf, size_t len)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	int ready = poll(&p, 1, 0);
	if (ready < 0)
		return -errno;
	if (ready == 0)
		return -EAGAIN;
	ssize_t n = read(STDIN_FILENO, buf, len); /* POLLHUP or POLLERR: read says which */
	return n >= 0 ? n : -errno;
}
