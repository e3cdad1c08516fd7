/* Every frame whose source MAC is FILTER_PARAM_MAC_LO:FILTER_PARAM_MAC_HI, tagged or not. */
#include "filter.h"

uint64_t from_mac_filter(const uint8_t *pkt, uint64_t len)
{
	if (len < ETH_HLEN)
		return 0;
	return LD32(pkt, ETH_SRC) == FILTER_PARAM_MAC_LO &&
	       LD16(pkt, ETH_SRC + 4) == FILTER_PARAM_MAC_HI;
}
