/* NIC capabilities, packet filters and rings, and the network system calls
 * (include/exo/net.h, docs/net.md). */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include <stdint.h>

struct env;

/* Gives e (the first environment) a capability for every NIC, recorded in
 * exo_kinfo.nic[i].root_cap. */
void net_grant_roots(struct env *e);

long sys_net_filter(uint64_t nic_cap, uint64_t ufilter);
long sys_net_unfilter(uint64_t nic_cap, uint64_t id);
long sys_net_tx(uint64_t nic_cap, uint64_t uvec, uint64_t n);
long sys_net_bind(uint64_t nic_cap, uint64_t env_cap, uint64_t mac);

#endif
