/* UDP datagrams (unfragmented IPv4) to port FILTER_PARAM_PORT, any address. */
#include "filter.h"

uint64_t udp_port_filter(const uint8_t *pkt, uint64_t len)
{
	uint64_t hlen = ipv4_hlen(pkt, len, IPPROTO_UDP);
	if (hlen == 0 || len < ETH_HLEN + hlen + 8)
		return 0;
	const uint8_t *udp = pkt + ETH_HLEN + hlen;
	return LD16(udp, 2) == FILTER_PARAM_PORT;
}
