/* ExOS's raw packet interface over the kernel's NIC calls (include/exo/net.h,
 * docs/net.md).
 *
 *   int nic = exos_net_root(0);
 *   struct exos_net_ring r;
 *   struct exo_net_filter verdict;
 *   exos_net_open(&r, nic, prog, nprog, 10, 8, &verdict);   // filter + 15-slot ring
 *   uint32_t len;
 *   const uint8_t *f = exos_net_recv(&r, &len);             // no crossing
 *   ... use f ...; exos_net_done(&r);                       // slot back to the kernel
 *   exos_net_wait(&r, deadline);                            // sleeps on a predicate
 *   uint8_t *out = exos_net_buffer(2048);                   // frames to send live here
 *   struct exos_net_frame fr = {out, 60};
 *   exos_net_send(nic, &fr, 1);                             // one crossing per batch */
#ifndef EXOS_NET_H
#define EXOS_NET_H

#include <stddef.h>
#include <stdint.h>

#include <exo/net.h>
#include <exos/sys.h>

/* Where rings and the buffers of exos_net_buffer live (vm.h's list of regions). */
#define EXOS_NET_RINGS EXO_UL(0x7d0200000000)
#define EXOS_NET_BUF   EXO_UL(0x7d0300000000)

/* A filter's packet ring, as the process sees it. */
struct exos_net_ring {
	int nic_cap;
	int id; /* the kernel's filter id */
	volatile struct exo_net_ring *hdr;
	uint32_t nslots, next; /* the next slot to look at (1..nslots) */
};

/* A frame to send: len bytes at data, in memory from exos_net_buffer. */
struct exos_net_frame {
	const void *data;
	uint32_t len;
};

/* The first environment's capability for NIC i, or -EXO_ENOENT. */
int exos_net_root(unsigned nic);

/* Installs the eBPF filter prog[0..n) (struct bpf_insn, lib/bpf.h) with `priority` on
 * the NIC behind nic_cap, feeding a fresh ring of `pages` pages (2 * pages - 1 slots):
 * 0 or the kernel's -EXO_E*; *verdict (if not NULL) gets the kernel's answer (err and
 * insn say why the verifier refused it, -EXO_ENOEXEC). */
int exos_net_open(struct exos_net_ring *r, int nic_cap, const void *prog, size_t n,
                  uint32_t priority, unsigned pages, struct exo_net_filter *verdict);
/* Removes the filter (its ring stays mapped). */
int exos_net_close(struct exos_net_ring *r);

/* The next received frame and its length, or NULL if none (no crossing).  It stays
 * valid until exos_net_done gives its slot back. */
const uint8_t *exos_net_recv(struct exos_net_ring *r, uint32_t *len);
void exos_net_done(struct exos_net_ring *r);
/* Sleeps until a frame is there or the TSC reaches deadline (0: no deadline): 1 if a
 * frame is there, 0 at the deadline, or -EXO_E*. */
int exos_net_wait(struct exos_net_ring *r, uint64_t deadline);
/* The same over the rings r[0..n) (n <= EXOS_NET_WAIT_MAX), in one predicate: 1 + the
 * index of the first ring with a frame, 0 at the deadline, or -EXO_E*. */
#define EXOS_NET_WAIT_MAX (EXO_PRED_MAX_TERMS - 1)
int exos_net_wait_any(struct exos_net_ring *r, size_t n, uint64_t deadline);

/* bytes of zeroed memory (one run) fit to hold frames to send, or NULL. */
void *exos_net_buffer(size_t bytes);
/* Sends f[0..n) in one crossing per EXO_NET_BATCH; when the device's transmit queue is
 * full it sleeps until half of it is free (the transmit-completion interrupt wakes it),
 * so every frame is queued: n, or how many were before an error, or the kernel's -EXO_E*
 * if none was. */
long exos_net_send(int nic_cap, const struct exos_net_frame *f, size_t n);

/* Ready-made filters, as instructions (uint64_t each): frames for IPv4 address ip
 * (network order, as in_addr's s_addr): ARP whose target is ip and IPv4 to ip; and frames
 * of one EtherType (host order). */
#define EXOS_NET_FILTER_IP_LEN   13
#define EXOS_NET_FILTER_TYPE_LEN 5
size_t exos_net_filter_ip(uint32_t ip, uint64_t prog[EXOS_NET_FILTER_IP_LEN]);
size_t exos_net_filter_type(uint16_t ethertype, uint64_t prog[EXOS_NET_FILTER_TYPE_LEN]);
/* The Internet checksum of p[0..n), to store big-endian. */
uint16_t exos_inet_csum(const void *p, size_t n);

/* Raw calls. */
static inline long exo_net_filter(int nic_cap, struct exo_net_filter *f)
{
	return exo_syscall2(EXO_SYS_NET_FILTER, nic_cap, (long)f);
}
static inline long exo_net_unfilter(int nic_cap, int id)
{
	return exo_syscall2(EXO_SYS_NET_UNFILTER, nic_cap, id);
}
static inline long exo_net_tx(int nic_cap, const struct exo_net_tx *v, size_t n)
{
	return exo_syscall3(EXO_SYS_NET_TX, nic_cap, (long)v, (long)n);
}
static inline long exo_net_bind(int nic_cap, int env_cap, uint64_t mac)
{
	return exo_syscall3(EXO_SYS_NET_BIND, nic_cap, env_cap, (long)mac);
}

#endif
