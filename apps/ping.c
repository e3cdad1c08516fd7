/* ping: a responder on ExOS's raw packet interface (<exos/net.h>, docs/net.md).
 *
 *   ping [-n COUNT] [-t SECONDS] [-u PORT] [IP]
 *
 * Answers ARP requests for IP (default 10.0.2.15) and ICMP echo requests to it, and
 * echoes UDP datagrams to PORT, on NIC 0, until it has answered COUNT ICMP echoes and
 * UDP datagrams (ARP answers do not count) or SECONDS have passed (0: no limit); then
 * prints what it did and exits 0.
 *
 * Its filters are the clang-compiled ones of apps/filters (arp, icmp_echo, udp_port),
 * carried inside the program (ping_filters.S), read with lib/bpf_obj.c and given their
 * parameters before they are installed, each with its own ring. */
#include <exos/net.h>
#include <exos/sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_obj.h"
#include "params.h"

extern const uint8_t filter_arp[], filter_arp_end[];
extern const uint8_t filter_icmp_echo[], filter_icmp_echo_end[];
extern const uint8_t filter_udp_port[], filter_udp_port_end[];

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 255 || (i < 3 ? *end != '.' : *end != 0))
			return -1;
		b[i] = (uint8_t)v;
		s = end + 1;
	}
	memcpy(ip, b, 4);
	return 0;
}

struct stats {
	unsigned arp, icmp, udp;
};

/* A compiled filter, the value for its one parameter, and how it is installed. */
struct filter {
	const char *name;
	const uint8_t *obj, *end;
	int32_t placeholder, value;
	uint32_t priority;
	unsigned pages;
};

/* Reads f's code from its object, sets its parameter and installs it with a ring in r:
 * the number of instructions, or 0 after a line on stderr. */
static size_t open_filter(struct exos_net_ring *r, int nic, const struct filter *f)
{
	static struct bpf_insn prog[EXO_NET_MAX_INSNS];
	size_t off, n;
	int e = bpf_obj_code(f->obj, (size_t)(f->end - f->obj), NULL, &off, &n);
	if (e) {
		fprintf(stderr, "ping: %s.o: %s\n", f->name, bpf_obj_strerror(e));
		return 0;
	}
	if (n > EXO_NET_MAX_INSNS) {
		fprintf(stderr, "ping: %s.o: %zu instructions, more than %d\n", f->name, n,
		        EXO_NET_MAX_INSNS);
		return 0;
	}
	memcpy(prog, f->obj + off, n * sizeof(*prog));
	if (bpf_obj_patch(prog, n, f->placeholder, f->value) == 0) {
		fprintf(stderr, "ping: %s.o: no parameter placeholder %#x in its code\n", f->name,
		        (unsigned)f->placeholder);
		return 0;
	}
	struct exo_net_filter v;
	e = exos_net_open(r, nic, prog, n, f->priority, f->pages, &v);
	if (e) {
		fprintf(stderr, "ping: %s.o was refused: %d (verifier %d at instruction %u)\n",
		        f->name, e, v.err, v.insn);
		return 0;
	}
	return n;
}

/* Turns the request in f[0..len) into its answer in place; the answer's length, or 0. */
static uint32_t answer(uint8_t *f, uint32_t len, const uint8_t mac[6], uint32_t ip, uint16_t port,
                       struct stats *st)
{
	if (len < 42)
		return 0;
	uint16_t type = be16(f + 12);
	if (type == 0x0806 && be16(f + 20) == 1) { /* ARP request for ip (the filter said) */
		memcpy(f + 32, f + 22, 10);        /* target := the sender */
		memcpy(f + 22, mac, 6);            /* sender := us */
		memcpy(f + 28, &ip, 4);
		put16(f + 20, 2);
		st->arp++;
	} else if (type == 0x0800 && (f[14] >> 4) == 4) {
		uint32_t hl = (f[14] & 15u) * 4u, total = be16(f + 16);
		if (hl < 20 || total < hl || 14 + total > len)
			return 0;
		uint8_t *l4 = f + 14 + hl;
		if (f[23] == 1 && total >= hl + 8 && l4[0] == 8) { /* ICMP echo request */
			l4[0] = 0;
			put16(l4 + 2, 0);
			put16(l4 + 2, exos_inet_csum(l4, total - hl));
			st->icmp++;
		} else if (f[23] == 17 && total >= hl + 8 && be16(l4 + 2) == port) {
			uint8_t t[2];
			memcpy(t, l4, 2); /* swap the ports */
			memcpy(l4, l4 + 2, 2);
			memcpy(l4 + 2, t, 2);
			put16(l4 + 6, 0); /* no UDP checksum (IPv4 allows it) */
			st->udp++;
		} else {
			return 0;
		}
		uint8_t a[4];
		memcpy(a, f + 26, 4); /* swap the addresses */
		memcpy(f + 26, f + 30, 4);
		memcpy(f + 30, a, 4);
		f[22] = 64;
		put16(f + 24, 0);
		put16(f + 24, exos_inet_csum(f + 14, hl));
		len = 14 + total;
	} else {
		return 0;
	}
	memcpy(f, f + 6, 6); /* back to the sender */
	memcpy(f + 6, mac, 6);
	return len < EXO_NET_TX_MIN ? EXO_NET_TX_MIN : len;
}

int main(int argc, char **argv)
{
	unsigned long count = 0, seconds = 0, port = 7;
	uint32_t ip;
	parse_ip("10.0.2.15", &ip);
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		unsigned long v = strtoul(argv[i + 1], 0, 10);
		if (!strcmp(argv[i], "-n"))
			count = v;
		else if (!strcmp(argv[i], "-t"))
			seconds = v;
		else if (!strcmp(argv[i], "-u") && v && v < 65536)
			port = v;
		else
			break;
	}
	if ((i < argc && (argv[i][0] == '-' || parse_ip(argv[i], &ip))) || i + 1 < argc) {
		fprintf(stderr, "usage: ping [-n COUNT] [-t SECONDS] [-u PORT] [IP]\n");
		return 2;
	}
	int nic = exos_net_root(0);
	if (nic < 0) {
		fprintf(stderr, "ping: no NIC\n");
		return 1;
	}
	uint8_t mac[6];
	memcpy(mac, (const void *)exo_kinfo()->nic[0].mac, 6);
	/* A port as the filter loads it: its network-order bytes read little-endian. */
	int32_t port_le = (int32_t)((port >> 8 | port << 8) & 0xffff);
	const struct filter filters[] = {
	        {"arp", filter_arp, filter_arp_end, FILTER_PARAM_IP, (int32_t)ip, 30, 2},
	        {"icmp_echo", filter_icmp_echo, filter_icmp_echo_end, FILTER_PARAM_IP, (int32_t)ip,
	         20, 8},
	        {"udp_port", filter_udp_port, filter_udp_port_end, FILTER_PARAM_PORT, port_le, 10,
	         8}};
	enum { NFILTERS = sizeof(filters) / sizeof(filters[0]) };
	struct exos_net_ring rings[NFILTERS];
	size_t insns = 0;
	for (size_t k = 0; k < NFILTERS; k++) {
		size_t n = open_filter(&rings[k], nic, &filters[k]);
		if (!n)
			return 1;
		insns += n;
	}
	printf("ping: filters arp.o icmp_echo.o udp_port.o (clang, %zu eBPF instructions)\n",
	       insns);
	uint8_t *out = exos_net_buffer(EXO_PAGE_SIZE);
	uint64_t deadline = seconds ? exo_rdtsc() + seconds * 1000 * exo_kinfo()->tsc_khz : 0;
	struct stats st = {0};
	printf("ping: answering on %u.%u.%u.%u\n", ip & 255, ip >> 8 & 255, ip >> 16 & 255,
	       ip >> 24);
	while (!count || st.icmp + st.udp < count) {
		int k = exos_net_wait_any(rings, NFILTERS, deadline);
		if (k <= 0)
			break;
		struct exos_net_ring *r = &rings[k - 1];
		uint32_t len;
		const uint8_t *f = exos_net_recv(r, &len);
		memcpy(out, f, len);
		exos_net_done(r);
		uint32_t n = answer(out, len, mac, ip, (uint16_t)port, &st);
		struct exos_net_frame fr = {out, n};
		if (n && exos_net_send(nic, &fr, 1) != 1)
			fprintf(stderr, "ping: a reply was not sent\n");
	}
	/* The last answer is queued, not necessarily sent: give the device time before the
	 * machine goes away. */
	exos_sleep_ns(200 * 1000 * 1000);
	unsigned long dropped = 0;
	for (size_t k = 0; k < NFILTERS; k++)
		dropped += rings[k].hdr->dropped;
	printf("ping: answered %u arp, %u icmp, %u udp; rings dropped %lu\n", st.arp, st.icmp,
	       st.udp, dropped);
	return 0;
}
