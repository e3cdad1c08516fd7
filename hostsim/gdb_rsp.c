/* gdb remote-protocol framing (gdb_rsp.h).  A state machine fed one byte at a
 * time, so a packet split across reads, or cut off by a disconnect, needs no
 * buffering beyond the one packet being built. */
#include <string.h>

#include "gdb_rsp.h"

void rsp_init(struct rsp *r)
{
	memset(r, 0, sizeof(*r));
}

int rsp_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void store(struct rsp *r, char c)
{
	if (r->len < RSP_PACKET_MAX)
		r->buf[r->len++] = c;
	else
		r->overflow = true;
}

static enum rsp_event packet_done(struct rsp *r)
{
	r->state = RSP_IDLE;
	r->buf[r->len] = 0;
	if (r->overflow)
		return RSP_OVERSIZE;
	if (r->bad_hex || r->theirs != r->sum)
		return RSP_BADSUM;
	return RSP_PACKET;
}

enum rsp_event rsp_feed(struct rsp *r, uint8_t c)
{
	int d;
	switch (r->state) {
	case RSP_IDLE:
		if (c == '$') {
			r->state = RSP_DATA;
			r->sum = 0;
			r->len = 0;
			r->overflow = r->bad_hex = false;
			return RSP_NONE;
		}
		return c == 3 ? RSP_INTERRUPT : c == '+' ? RSP_ACK : c == '-' ? RSP_NAK : RSP_NONE;
	case RSP_DATA:
		if (c == '#') {
			r->state = RSP_SUM1;
			return RSP_NONE;
		}
		if (c == '$') { /* a new packet before the old one ended: start over */
			r->sum = 0, r->len = 0, r->overflow = false;
			return RSP_NONE;
		}
		r->sum += c;
		if (c == '}')
			r->state = RSP_ESCAPE;
		else
			store(r, (char)c);
		return RSP_NONE;
	case RSP_ESCAPE:
		r->sum += c;
		store(r, (char)(c ^ 0x20));
		r->state = RSP_DATA;
		return RSP_NONE;
	case RSP_SUM1:
		d = rsp_hex_digit((char)c);
		r->bad_hex = d < 0;
		r->theirs = (uint8_t)((d < 0 ? 0 : d) << 4);
		r->state = RSP_SUM2;
		return RSP_NONE;
	case RSP_SUM2:
		d = rsp_hex_digit((char)c);
		r->bad_hex |= d < 0;
		r->theirs |= (uint8_t)(d < 0 ? 0 : d);
		return packet_done(r);
	}
	r->state = RSP_IDLE;
	return RSP_NONE;
}

size_t rsp_frame(char *out, size_t cap, const char *payload, size_t len)
{
	size_t n = 0;
	uint8_t sum = 0;
	if (cap < 4)
		return 0;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		char c = payload[i];
		bool esc = c == '#' || c == '$' || c == '}' || c == '*';
		if (n + (esc ? 2 : 1) + 3 > cap)
			return 0;
		if (esc) {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = c;
		sum += (uint8_t)c;
	}
	static const char hex[] = "0123456789abcdef";
	out[n++] = '#';
	out[n++] = hex[sum >> 4];
	out[n++] = hex[sum & 15];
	return n;
}

bool rsp_parse_hex(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0, d;
	while ((d = rsp_hex_digit(**p)) >= 0) {
		if (++n > 16)
			return false;
		v = v << 4 | (uint64_t)d;
		(*p)++;
	}
	*out = v;
	return n > 0;
}

bool rsp_hex_decode(const char *p, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = rsp_hex_digit(p[2 * i]), lo = hi < 0 ? -1 : rsp_hex_digit(p[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void rsp_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
}
