/* ARP (request or reply) for IPv4 over Ethernet whose target protocol address is
 * FILTER_PARAM_IP: what a host must answer for its address. */
#include "filter.h"

#define ARP_HDR   14 /* htype 1, ptype 0x0800, hlen 6, plen 4: 8 bytes */
#define ARP_TPA   38
#define ARP_FRAME 42

uint64_t arp_filter(const uint8_t *pkt, uint64_t len)
{
	if (len < ARP_FRAME || LD16(pkt, ETH_TYPE) != ETH_P_ARP_LE)
		return 0;
	/* 00 01 08 00 06 04, as two little-endian loads */
	if (LD32(pkt, ARP_HDR) != 0x00080100 || LD16(pkt, ARP_HDR + 4) != 0x0406)
		return 0;
	return LD32(pkt, ARP_TPA) == FILTER_PARAM_IP;
}
