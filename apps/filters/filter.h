/* Restricted C for packet filters (docs/ebpf.md): one function per file, compiled with
 * `clang -target bpf -mcpu=v3 -O2 -c` and installed as the .text section of the object.
 *
 * The filter is called as f(pkt, len): pkt is the Ethernet frame (read-only, from the
 * destination MAC on, no VLAN tag stripped), len its length. It returns 0 for "no match"
 * and nonzero for a match. A load past the end of the frame ends the filter with 0, but
 * a filter should test the length first anyway: a frame cut short must not match on the
 * bytes it has. No globals, no calls, no loops (clang unrolls constant ones). */
#ifndef FILTER_H
#define FILTER_H

#include <stdint.h>

#include "params.h"

/* Loads at any offset: the interpreter does unaligned loads, and may_alias keeps
 * clang from splitting them into bytes or assuming anything about the types. Multi-
 * byte fields come out in the packet's (network) byte order read as little-endian, so
 * constants are written the same way: 0x0008 is EtherType 0x0800. */
typedef uint16_t __attribute__((may_alias)) u16_any;
typedef uint32_t __attribute__((may_alias)) u32_any;
#define LD8(p, off)  (*(const uint8_t *)((p) + (off)))
#define LD16(p, off) (*(const u16_any *)((p) + (off)))
#define LD32(p, off) (*(const u32_any *)((p) + (off)))

/* Ethernet II, IPv4, ARP field offsets from the start of the frame. */
#define ETH_HLEN     14
#define ETH_SRC      6
#define ETH_TYPE     12
#define ETH_P_IP_LE  0x0008 /* 0x0800 as loaded */
#define ETH_P_ARP_LE 0x0608 /* 0x0806 */
#define IP_VHL       14
#define IP_FRAG      20     /* flags and fragment offset */
#define IP_FRAG_MASK 0xff3f /* MF and the offset, as loaded: DF (0x40) may be set */
#define IP_PROTO     23
#define IP_DST       30
#define IPPROTO_ICMP 1
#define IPPROTO_UDP  17

/* The IPv4 header's length if the frame holds an unfragmented IPv4 datagram with a
 * whole header of protocol proto, else 0. */
static inline __attribute__((always_inline)) uint64_t ipv4_hlen(const uint8_t *pkt, uint64_t len,
                                                                uint8_t proto)
{
	if (len < ETH_HLEN + 20 || LD16(pkt, ETH_TYPE) != ETH_P_IP_LE)
		return 0;
	uint8_t vhl = LD8(pkt, IP_VHL);
	uint64_t hlen = (uint64_t)(vhl & 15) * 4;
	if ((vhl >> 4) != 4 || hlen < 20 || len < ETH_HLEN + hlen)
		return 0;
	if (LD8(pkt, IP_PROTO) != proto || (LD16(pkt, IP_FRAG) & IP_FRAG_MASK) != 0)
		return 0;
	return hlen;
}

#endif
