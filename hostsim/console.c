/* Guest output must reach stdout and stderr whole and in order, even when the
 * guest dies: byte-wide ports are buffered per line and flushed before any
 * other output and before exosim exits. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <hw/exosim_pv.h>

#include "console.h"

#define COM1_LSR      (PV_COM1_PORT + 5)
#define LSR_THRE_TEMT 0x60 /* transmitter empty: a guest may always write */

struct linebuf {
	int fd;
	size_t len;
	char buf[4096];
};

static struct linebuf out_buf = {.fd = STDOUT_FILENO}, err_buf = {.fd = STDERR_FILENO};

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to write (closed pipe): drop, as a terminal would */
		p += w, n -= (size_t)w;
	}
}

static void flush_one(struct linebuf *b)
{
	write_all(b->fd, b->buf, b->len);
	b->len = 0;
}

void console_flush(void)
{
	flush_one(&out_buf);
	flush_one(&err_buf);
}

static void put(struct linebuf *b, struct linebuf *other, uint8_t c)
{
	if (other->len)
		flush_one(other); /* keep the two streams in the order they were written */
	b->buf[b->len++] = (char)c;
	if (c == '\n' || b->len == sizeof(b->buf))
		flush_one(b);
}

void console_port_out(uint16_t port, uint8_t byte)
{
	if (port == PV_COM1_PORT)
		put(&out_buf, &err_buf, byte);
	else if (port == PV_DEBUGCON_PORT)
		put(&err_buf, &out_buf, byte);
}

uint8_t console_port_in(uint16_t port)
{
	if (port == COM1_LSR)
		return LSR_THRE_TEMT;
	if (port == PV_DEBUGCON_PORT)
		return PV_DEBUGCON_READBACK;
	return 0;
}

bool console_pv_request(const struct guest_mem *mem, uint64_t gpa)
{
	const struct pv_console_req *g = gpa_ptr(mem, gpa, sizeof(*g));
	if (!g)
		return false;
	struct pv_console_req req;
	memcpy(&req, g, sizeof(req)); /* one snapshot: the guest cannot change it under us */
	if ((req.stream != 1 && req.stream != 2) || req.nsegs > PV_CONSOLE_MAX_SEGS)
		return false;
	struct iovec iov[PV_CONSOLE_MAX_SEGS];
	for (uint32_t i = 0; i < req.nsegs; i++) {
		if (req.seg[i].len > PV_CONSOLE_MAX_SEG_LEN)
			return false;
		iov[i].iov_base = gpa_ptr(mem, req.seg[i].paddr, req.seg[i].len);
		iov[i].iov_len = req.seg[i].len;
		if (!iov[i].iov_base)
			return false;
	}
	console_flush();
	int fd = req.stream == 1 ? STDOUT_FILENO : STDERR_FILENO;
	for (uint32_t i = 0; i < req.nsegs; i++)
		write_all(fd, iov[i].iov_base, iov[i].iov_len);
	return true;
}

bool console_pv_input(const struct guest_mem *mem, uint64_t gpa)
{
	struct pv_console_in *g = gpa_ptr(mem, gpa, sizeof(*g));
	if (!g)
		return false;
	struct pv_console_in req;
	memcpy(&req, g, sizeof(req)); /* one snapshot: the guest cannot change it under us */
	if (req.len > PV_CONSOLE_IN_MAX)
		return false;
	void *buf = gpa_ptr(mem, req.paddr, req.len);
	if (!buf)
		return false;
	console_flush(); /* a prompt written before the read must be visible */
	ssize_t n = read(STDIN_FILENO, buf, req.len);
	int32_t result = n >= 0 ? (int32_t)n : -(int32_t)errno;
	memcpy(&g->result, &result, sizeof(result));
	return true;
}
