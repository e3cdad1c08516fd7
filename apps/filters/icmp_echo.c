/* ICMP echo requests to FILTER_PARAM_IP, with at least the 8-byte ICMP header. */
#include "filter.h"

uint64_t icmp_echo_filter(const uint8_t *pkt, uint64_t len)
{
	uint64_t hlen = ipv4_hlen(pkt, len, IPPROTO_ICMP);
	if (hlen == 0 || LD32(pkt, IP_DST) != FILTER_PARAM_IP || len < ETH_HLEN + hlen + 8)
		return 0;
	const uint8_t *icmp = pkt + ETH_HLEN + hlen;
	return LD8(icmp, 0) == 8 && LD8(icmp, 1) == 0; /* type 8 code 0: echo request */
}
