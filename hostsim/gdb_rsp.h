/* The gdb remote serial protocol's framing: `$payload#cs` packets with a
 * modulo-256 checksum, `}` escapes, `+`/`-` acknowledgements and the 0x03
 * interrupt byte.  Pure: no sockets, no VM, so it is fuzzed on its own
 * (unit.gdb_rsp).  gdb never sends run-length encoding, so `*` in its input is
 * ordinary data; the stub never sends it either. */
#ifndef HOSTSIM_GDB_RSP_H
#define HOSTSIM_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest payload accepted or sent (after unescaping), advertised in
 * qSupported's PacketSize: a `g` reply with every x86-64 register in hex
 * fits (~1.2 KiB), as does a 4 KiB memory transfer in hex. */
#define RSP_PACKET_MAX 16384

enum rsp_event {
	RSP_NONE,      /* byte taken, nothing complete yet */
	RSP_PACKET,    /* a packet with a good checksum: rsp.buf[0..len) */
	RSP_BADSUM,    /* a complete packet whose checksum is wrong: NAK it */
	RSP_OVERSIZE,  /* a complete packet longer than RSP_PACKET_MAX: refused */
	RSP_INTERRUPT, /* 0x03 outside a packet: gdb's Ctrl-C */
	RSP_ACK,       /* `+` */
	RSP_NAK,       /* `-`: resend the last reply */
};

struct rsp {
	enum { RSP_IDLE, RSP_DATA, RSP_ESCAPE, RSP_SUM1, RSP_SUM2 } state;
	uint8_t sum;    /* running checksum of the raw bytes */
	uint8_t theirs; /* the checksum sent, as it arrives */
	bool overflow;  /* more than RSP_PACKET_MAX bytes: kept from being stored */
	bool bad_hex;   /* a checksum digit that is not hex */
	size_t len;
	char buf[RSP_PACKET_MAX + 1]; /* NUL-terminated for the parser's convenience */
};

void rsp_init(struct rsp *r);

/* Takes one byte from the client.  Bytes outside a packet other than `$`,
 * `+`, `-` and 0x03 are ignored, as gdb's own stubs do. */
enum rsp_event rsp_feed(struct rsp *r, uint8_t c);

/* Frames payload[0..len) as `$...#cs` into out (escaping `#`, `$`, `}` and
 * `*`).  Returns the framed length, or 0 if it does not fit in cap. */
size_t rsp_frame(char *out, size_t cap, const char *payload, size_t len);

/* Hex helpers for the packet parser. */
int rsp_hex_digit(char c); /* 0..15, or -1 */
/* Parses hex digits at *p up to a character not hex; at least one, at most
 * 16.  Advances *p; returns false if there were none or too many. */
bool rsp_parse_hex(const char **p, uint64_t *out);
/* Decodes n bytes of hex at p into out; false on a non-hex digit. */
bool rsp_hex_decode(const char *p, uint8_t *out, size_t n);
/* Encodes n bytes as 2n hex digits at out (no NUL). */
void rsp_hex_encode(char *out, const uint8_t *in, size_t n);

#endif
