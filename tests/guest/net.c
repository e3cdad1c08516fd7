/* The NIC calls, with a peer behind exosim's --net socket (tests/integration/net.sh).
 *
 *   net exchange N     sync with the peer, send N frames, receive the peer's N
 *   net probe IP MYIP  ARP for IP, then an ICMP echo to it: checks both answers
 *   net flood N        sync, send N frames of type 0x88b6, then an end marker
 *   net full N         a 1-slot ring for 0x88b6, sync, wait for the end marker: 1
 *                      delivered, N - 1 dropped and counted
 *   net errors         every refusal of the filter, transmit and bind calls
 *   net cost N         N ARP requests to the user-mode gateway 10.0.2.2, each answer
 *                      waited for (bench/ring0_profile.sh: ring-0 instructions per
 *                      frame sent and received)
 *   net rtt N / echo N  (bench/net.sh) round trips: rtt sends a frame and waits for
 *                      the echo, N times, and prints the median in ns.  -p: poll the
 *                      ring instead of sleeping; -b: a second environment spins all
 *                      along, so every frame's wake-up finds the CPU taken (-b checks
 *                      that the interrupts handed it over: kinfo.irq_switches; net.sh
 *                      wake compares the median with the tick)
 *   net stream N / sink N  (bench/net.sh) stream sends N frames in batches; sink counts
 *                      them until N or 1 s without one, and prints frames per second
 *   net burst N        N frames (more than the transmit queue holds) in one
 *                      exos_net_send: all queued, the sender slept on the transmit
 *                      completions instead of polling (net.sh checks exosim's count)
 *
 * Sync: both sides send SYNC frames (EtherType 0x88b5) every 50 ms until they have one
 * from the peer, then one more; a frame from the peer proves its filter is installed. */
#define TEST_NAME "net"
#include "check.h"

#include <exos/env.h>
#include <exos/net.h>
#include <exos/sched.h>
#include <exos/vm.h>
#include <string.h>

#include "bpf.h"

#define T_CTL   0x88b5
#define T_FLOOD 0x88b6
enum { SYNC = 1, DATA = 2, END = 3, PING = 4, ACK = 5 };
/* stream/sink: the receiver acknowledges every ACK_EVERY frames; the sender keeps at most
 * WINDOW unacknowledged (exosim's socket backend drops what the peer cannot take, as a
 * wire would: the window keeps the stream within what the receiver sustains). */
#define ACK_EVERY 16
#define WINDOW    96

static int nic;
static uint8_t mac[6];
static uint8_t *out; /* transmit buffer: 32 frames of 2 KiB */

static uint64_t ms_from_now(uint64_t ms)
{
	return exo_rdtsc() + ms * exo_kinfo()->tsc_khz;
}

static void frame(uint8_t *f, uint16_t type, uint8_t kind, uint32_t seq)
{
	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	f[14] = kind;
	memcpy(f + 15, &seq, 4);
	for (int i = 19; i < 60; i++)
		f[i] = (uint8_t)(seq + (uint32_t)i);
}

static long send1(uint16_t type, uint8_t kind, uint32_t seq)
{
	frame(out, type, kind, seq);
	struct exos_net_frame fr = {out, 60};
	return exos_net_send(nic, &fr, 1);
}

static int open_type(struct exos_net_ring *r, uint16_t type, uint32_t prio, unsigned pages)
{
	uint64_t prog[EXOS_NET_FILTER_TYPE_LEN];
	return exos_net_open(r, nic, prog, exos_net_filter_type(type, prog), prio, pages, 0);
}

/* Sync (above) on ring r (type T_CTL); frames other than SYNC are left in the ring. */
static int sync_peer(struct exos_net_ring *r)
{
	uint64_t give_up = ms_from_now(60000);
	while (exo_rdtsc() < give_up) {
		send1(T_CTL, SYNC, 0);
		uint32_t len;
		if (exos_net_wait(r, ms_from_now(50)) > 0) {
			const uint8_t *f = exos_net_recv(r, &len);
			if (f[14] == SYNC)
				exos_net_done(r);
			send1(T_CTL, SYNC, 1);
			return 0;
		}
	}
	return -1;
}

/* Takes the frames in the ring now, counting those of kind `kind` in *got (others, late
 * SYNCs, are skipped): the ring never fills with the peer's SYNCs. */
static void drain(struct exos_net_ring *r, uint8_t kind, uint32_t *got, uint32_t *bad)
{
	uint32_t len;
	const uint8_t *f;
	while ((f = exos_net_recv(r, &len))) {
		if (f[14] == kind) {
			uint32_t seq;
			memcpy(&seq, f + 15, 4);
			*bad += len != 60 || seq != *got || f[59] != (uint8_t)(seq + 59);
			++*got;
		}
		exos_net_done(r);
	}
}

/* Receives frames of kind `kind` until n (counting from *got) or the deadline. */
static uint32_t receive_more(struct exos_net_ring *r, uint8_t kind, uint32_t n, uint32_t got,
                             uint32_t *bad)
{
	uint64_t deadline = ms_from_now(30000);
	drain(r, kind, &got, bad);
	while (got < n && exos_net_wait(r, deadline) > 0)
		drain(r, kind, &got, bad);
	return got;
}

static uint32_t receive(struct exos_net_ring *r, uint8_t kind, uint32_t n, uint32_t *bad)
{
	return receive_more(r, kind, n, 0, bad);
}

static int exchange(uint32_t n)
{
	struct exos_net_ring r;
	RET(open_type(&r, T_CTL, 10, EXO_NET_RING_PAGES), 0, "a filter for 0x88b5, 127 slots");
	CHECK(sync_peer(&r) == 0, "the peer answered");
	struct exos_net_frame fr[EXO_NET_BATCH];
	long sent = 0;
	uint32_t got = 0, bad = 0;
	for (uint32_t i = 0; i < n;) {
		drain(&r, DATA, &got, &bad);
		uint32_t k = n - i < EXO_NET_BATCH ? n - i : EXO_NET_BATCH;
		for (uint32_t j = 0; j < k; j++) {
			frame(out + j * 2048, T_CTL, DATA, i + j);
			fr[j] = (struct exos_net_frame){out + j * 2048, 60};
		}
		long s = exos_net_send(nic, fr, k); /* sleeps while the device's queue is full */
		if (s <= 0)
			break;
		sent += s;
		i += (uint32_t)s;
	}
	got = receive_more(&r, DATA, n, got, &bad);
	CHECK(sent == n, "sent %ld frames", sent);
	CHECK(got == n && !bad, "received the peer's %u frames in order, intact (%u bad)", got,
	      bad);
	return 0;
}

static int flood(uint32_t n)
{
	struct exos_net_ring r;
	RET(open_type(&r, T_CTL, 10, EXO_NET_RING_PAGES), 0, "a filter for 0x88b5");
	CHECK(sync_peer(&r) == 0, "the peer answered");
	for (uint32_t i = 0; i < n; i++)
		send1(T_FLOOD, DATA, i);
	RET(send1(T_CTL, END, 0), 1, "the end marker");
	return 0;
}

static int burst(uint32_t n)
{
	static struct exos_net_frame fr[4096];
	const volatile struct exo_nic_info *ni = &exo_kinfo()->nic[0];
	CHECK(n <= 4096 && n > 2 * ni->tx_slots, "%u frames, more than twice the %u slots", n,
	      ni->tx_slots);
	for (uint32_t j = 0; j < EXO_NET_BATCH; j++)
		frame(out + j * 2048, T_FLOOD, DATA, j);
	for (uint32_t i = 0; i < n; i++)
		fr[i] = (struct exos_net_frame){out + i % EXO_NET_BATCH * 2048, 60};
	uint64_t c0 = exo_kinfo()->syscalls, f0 = ni->tx_frames, i0 = ni->irqs;
	long s = exos_net_send(nic, fr, n);
	uint64_t crossings = exo_kinfo()->syscalls - c0;
	CHECK(s == (long)n, "one exos_net_send queued all %u frames (%ld)", n, s);
	CHECK(ni->tx_frames - f0 == n, "the NIC counted %u frames sent", n);
	/* A device that keeps up (exosim's I/O thread) never fills the queue; one that
	 * does not (QEMU TCG) makes the sender wait, and only an interrupt ends a wait. */
	if (crossings > (n + EXO_NET_BATCH - 1) / EXO_NET_BATCH)
		CHECK(ni->irqs > i0, "the queue filled; transmit completions interrupted (%lu)",
		      (unsigned long)(ni->irqs - i0));
	else
		printf("net: the device kept up: the queue never filled\n");
	/* Per batch of 32 one EXO_SYS_NET_TX, and for each half queue freed one wait (and
	 * its CAP_INFO): polling for room would cost a crossing per look. */
	uint64_t most = 4 * (n / EXO_NET_BATCH + 2);
	CHECK(crossings <= most, "%lu crossings (at most %lu): it slept, it did not poll",
	      (unsigned long)crossings, (unsigned long)most);
	return 0;
}

static int full(uint32_t n)
{
	struct exos_net_ring ctl, one;
	RET(open_type(&one, T_FLOOD, 20, 1), 0, "a 1-slot ring for 0x88b6");
	RET(open_type(&ctl, T_CTL, 10, EXO_NET_RING_PAGES), 0, "a filter for 0x88b5");
	uint64_t full0 = exo_kinfo()->nic[0].rx_full;
	CHECK(sync_peer(&ctl) == 0, "the peer answered");
	uint32_t bad = 0;
	CHECK(receive(&ctl, END, 1, &bad) == 1, "the end marker came");
	CHECK(one.hdr->delivered == 1, "the ring took 1 frame (%lu)",
	      (unsigned long)one.hdr->delivered);
	CHECK(one.hdr->dropped == n - 1, "the ring dropped %u and counted them (%lu)", n - 1,
	      (unsigned long)one.hdr->dropped);
	CHECK(exo_kinfo()->nic[0].rx_full - full0 == n - 1, "the NIC counted them too");
	uint32_t len;
	const uint8_t *f = exos_net_recv(&one, &len);
	CHECK(f && f[14] == DATA && f[15] == 0, "the slot holds the first frame");
	return 0;
}

static int parse_ip(const char *s, uint8_t ip[4])
{
	for (int i = 0; i < 4; i++) {
		char *end;
		ip[i] = (uint8_t)strtoul(s, &end, 10);
		s = end + 1;
	}
	return 0;
}

static int probe(const char *to, const char *me)
{
	uint8_t ip[4], my[4], peer[6];
	parse_ip(to, ip);
	parse_ip(me, my);
	struct exos_net_ring arp, mine;
	/* Above the address filter, which also takes ARP frames for my address. */
	RET(open_type(&arp, 0x0806, 30, 2), 0, "a filter for ARP (priority 30)");
	uint64_t prog[EXOS_NET_FILTER_IP_LEN];
	uint32_t myip;
	memcpy(&myip, my, 4);
	RET(exos_net_open(&mine, nic, prog, exos_net_filter_ip(myip, prog), 20, 2, 0), 0,
	    "a filter for my address (priority 20)");
	/* ARP request, again every 200 ms until answered. */
	int answered = 0;
	uint64_t give_up = ms_from_now(60000);
	while (!answered && exo_rdtsc() < give_up) {
		uint8_t *f = out;
		memset(f, 0, 60);
		memset(f, 0xff, 6);
		memcpy(f + 6, mac, 6);
		const uint8_t hdr[] = {0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};
		memcpy(f + 12, hdr, sizeof(hdr));
		memcpy(f + 22, mac, 6);
		memcpy(f + 28, my, 4);
		memcpy(f + 38, ip, 4);
		struct exos_net_frame fr = {f, 60};
		exos_net_send(nic, &fr, 1);
		uint64_t until = ms_from_now(200);
		while (!answered && exos_net_wait(&arp, until) > 0) {
			uint32_t len;
			const uint8_t *a = exos_net_recv(&arp, &len);
			if (a[21] == 2 && !memcmp(a + 28, ip, 4) && !memcmp(a + 32, mac, 6)) {
				memcpy(peer, a + 22, 6);
				answered = 1;
			}
			exos_net_done(&arp);
		}
	}
	CHECK(answered, "ARP: %s is at %02x:%02x:%02x:%02x:%02x:%02x", to, peer[0], peer[1],
	      peer[2], peer[3], peer[4], peer[5]);
	if (!answered)
		return 0;
	/* ICMP echo request: id 0x4242, seq 7, 32 bytes of data. */
	uint8_t *f = out;
	memset(f, 0, 128);
	memcpy(f, peer, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 8;
	f[14] = 0x45;
	f[17] = 20 + 8 + 32;
	f[22] = 64;
	f[23] = 1;
	memcpy(f + 26, my, 4);
	memcpy(f + 30, ip, 4);
	uint16_t c = exos_inet_csum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	uint8_t *icmp = f + 34;
	icmp[0] = 8;
	icmp[4] = icmp[5] = 0x42;
	icmp[7] = 7;
	for (int i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)(i * 3);
	c = exos_inet_csum(icmp, 40);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	struct exos_net_frame fr = {f, 74};
	RET(exos_net_send(nic, &fr, 1), 1, "ICMP echo request sent");
	int echoed = 0;
	uint64_t until = ms_from_now(10000);
	while (!echoed && exos_net_wait(&mine, until) > 0) {
		uint32_t len;
		const uint8_t *e = exos_net_recv(&mine, &len);
		const uint8_t *ei = e + 34;
		echoed = len >= 74 && e[23] == 1 && ei[0] == 0 && ei[5] == 0x42 && ei[7] == 7 &&
		         !memcmp(ei + 8, icmp + 8, 32) && !memcmp(e + 26, ip, 4) &&
		         exos_inet_csum(ei, 40) == 0 && exos_inet_csum(e + 14, 20) == 0;
		exos_net_done(&mine);
	}
	CHECK(echoed, "ICMP echo reply from %s, checksums right, data intact", to);
	return 0;
}

static uint64_t ns_of(uint64_t tsc)
{
	return tsc * 1000000 / exo_kinfo()->tsc_khz;
}

static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One frame of kind PING waited for on r; 0 at the deadline. */
static bool spin; /* rtt/echo with -p: poll the ring instead of sleeping */

static const uint8_t *wait_kind(struct exos_net_ring *r, uint8_t kind, uint32_t *len)
{
	uint64_t deadline = ms_from_now(5000);
	while (spin ? exo_rdtsc() < deadline : exos_net_wait(r, deadline) > 0) {
		if (spin && !exos_net_recv(r, len))
			continue;
		const uint8_t *f = exos_net_recv(r, len);
		if (f[14] == kind)
			return f;
		exos_net_done(r);
	}
	return 0;
}

/* -b: an environment that only spins, in its own slice, until it is killed. */
static bool busy;

static _Noreturn int spinner(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("pause");
}

static int rtt(uint32_t n, bool echo)
{
	static uint64_t t[10000];
	struct exos_net_ring r;
	if (n > 10000)
		n = 10000;
	RET(open_type(&r, T_CTL, 10, EXO_NET_RING_PAGES), 0, "a filter for 0x88b5");
	CHECK(sync_peer(&r) == 0, "the peer answered");
	long spin_id = 0;
	if (busy)
		CHECK((spin_id = exos_env_spawn(spinner, 0, "spinner")) > 0,
		      "a spinning environment");
	uint64_t c0 = exo_kinfo()->syscalls, s0 = exo_kinfo()->irq_switches;
	uint32_t done = 0;
	for (; done < n; done++) {
		uint32_t len;
		uint64_t t0 = exo_rdtsc();
		if (!echo)
			send1(T_CTL, PING, done);
		if (!wait_kind(&r, PING, &len))
			break;
		exos_net_done(&r);
		if (echo)
			send1(T_CTL, PING, done);
		t[done] = exo_rdtsc() - t0;
	}
	CHECK(done == n, "%u round trips", done);
	if (!echo && done) {
		qsort(t, done, sizeof(t[0]), cmp64);
		printf("net-bench: rtt frames=%u median_ns=%lu min_ns=%lu crossings_per_rtt=%.1f\n",
		       done, (unsigned long)ns_of(t[done / 2]), (unsigned long)ns_of(t[0]),
		       (double)(exo_kinfo()->syscalls - c0) / done);
	}
	if (busy) {
		/* Without wake-up preemption there are none.  A loaded host delays
		 * the interrupt now and then until a tick's evaluation has woken the
		 * environment already (7 of 20 seen under ctest -j16): a quarter. */
		CHECK(exo_kinfo()->irq_switches - s0 >= done / 4,
		      "the receive interrupts handed the CPU over (%lu times)",
		      (unsigned long)(exo_kinfo()->irq_switches - s0));
		RET(exos_env_kill((uint32_t)spin_id), 0, "the spinner killed");
	}
	return 0;
}

static int stream(uint32_t n)
{
	struct exos_net_ring r;
	RET(open_type(&r, T_CTL, 10, EXO_NET_RING_PAGES), 0, "a filter for 0x88b5");
	CHECK(sync_peer(&r) == 0, "the peer answered");
	struct exos_net_frame fr[EXO_NET_BATCH];
	for (uint32_t j = 0; j < EXO_NET_BATCH; j++) {
		frame(out + j * 2048, T_FLOOD, DATA, j);
		fr[j] = (struct exos_net_frame){out + j * 2048, 60};
	}
	uint64_t t0 = exo_rdtsc(), c0 = exo_kinfo()->syscalls, give_up = ms_from_now(60000);
	uint32_t sent = 0, acked = 0;
	while (sent < n && exo_rdtsc() < give_up) {
		uint32_t len;
		const uint8_t *f;
		while ((f = exos_net_recv(&r, &len))) {
			uint32_t seq;
			memcpy(&seq, f + 15, 4);
			if (f[14] == ACK && seq > acked)
				acked = seq;
			exos_net_done(&r);
		}
		uint32_t room = WINDOW - (sent - acked), k = n - sent;
		k = k < room ? k : room;
		k = k < EXO_NET_BATCH ? k : EXO_NET_BATCH;
		if (!k) {
			exos_net_wait(&r, ms_from_now(100)); /* the next acknowledgement */
			continue;
		}
		long s = exos_net_send(nic, fr, k);
		if (s > 0)
			sent += (uint32_t)s;
		else
			exo_yield();
	}
	uint64_t ns = ns_of(exo_rdtsc() - t0);
	printf("net-bench: stream frames=%u ns=%lu fps=%lu crossings_per_frame=%.2f\n", sent,
	       (unsigned long)ns, (unsigned long)(sent * 1000000000ull / (ns ? ns : 1)),
	       (double)(exo_kinfo()->syscalls - c0) / sent);
	return 0;
}

static int sink(uint32_t n)
{
	struct exos_net_ring data, ctl;
	RET(open_type(&data, T_FLOOD, 20, EXO_NET_RING_PAGES), 0, "a 127-slot ring for 0x88b6");
	RET(open_type(&ctl, T_CTL, 10, EXO_NET_RING_PAGES), 0, "a filter for 0x88b5");
	CHECK(sync_peer(&ctl) == 0, "the peer answered");
	uint32_t got = 0;
	uint64_t first = 0, last = 0, c0 = 0;
	while (got < n && exos_net_wait(&data, ms_from_now(got ? 1000 : 10000)) > 0) {
		uint32_t len;
		while (exos_net_recv(&data, &len)) {
			exos_net_done(&data);
			if (got % ACK_EVERY == ACK_EVERY - 1 || got == n - 1)
				send1(T_CTL, ACK, got + 1);
			if (!got++) {
				first = exo_rdtsc();
				c0 = exo_kinfo()->syscalls;
			}
			last = exo_rdtsc();
		}
	}
	uint64_t ns = ns_of(last - first);
	printf("net-bench: sink frames=%u dropped=%lu ns=%lu fps=%lu crossings_per_frame=%.2f\n",
	       got, (unsigned long)data.hdr->dropped, (unsigned long)ns,
	       (unsigned long)(got > 1 ? (got - 1) * 1000000000ull / (ns ? ns : 1) : 0),
	       got ? (double)(exo_kinfo()->syscalls - c0) / got : 0.0);
	return 0;
}

/* ARP requests to the gateway, one at a time, each answer waited for. */
static int cost(uint32_t n)
{
	struct exos_net_ring arp;
	RET(open_type(&arp, 0x0806, 10, 2), 0, "a filter for ARP");
	uint8_t *f = out;
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	const uint8_t hdr[] = {0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};
	const uint8_t me[4] = {10, 0, 2, 15}, gw[4] = {10, 0, 2, 2};
	memcpy(f + 12, hdr, sizeof(hdr));
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, me, 4);
	memcpy(f + 38, gw, 4);
	struct exos_net_frame fr = {f, 60};
	uint32_t answered = 0;
	for (uint32_t i = 0; i < n; i++) {
		exos_net_send(nic, &fr, 1);
		uint32_t len;
		if (exos_net_wait(&arp, ms_from_now(2000)) > 0 && exos_net_recv(&arp, &len)) {
			exos_net_done(&arp);
			answered++;
		}
	}
	CHECK(answered == n, "%u of %u ARP requests answered", answered, n);
	return 0;
}

static long install(const void *prog, uint32_t n, uint32_t prio, struct exo_net_filter *v)
{
	static uint64_t next_ring = EXOS_NET_RINGS + (EXO_UL(1) << 30);
	exos_map_run(next_ring, 1, EXO_PTE_W | EXO_PTE_NX);
	uint32_t first;
	long slot = exos_frame_cap(exos_pfn(next_ring), &first);
	next_ring += EXO_PAGE_SIZE;
	*v = (struct exo_net_filter){.insns = (uint64_t)prog,
	                             .ninsns = n,
	                             .priority = prio,
	                             .ring_cap = (int32_t)slot,
	                             .ring_page = first,
	                             .ring_pages = 1};
	return exo_net_filter(nic, v);
}

#define I(code, dst, src, off, imm) ((struct bpf_insn){code, (dst) | (src) << 4, off, imm})

static void refused(const struct bpf_insn *p, uint32_t n, int code, const char *what)
{
	struct exo_net_filter v;
	long r = install(p, n, 500, &v);
	CHECK(r == -EXO_ENOEXEC && v.err == code, "%s: refused -> %ld, verifier %d (%s)", what, r,
	      v.err, bpf_strerror(v.err));
}

static int errors(void)
{
	struct exo_net_filter v;
	static struct bpf_insn p[EXO_NET_MAX_INSNS + 1];
	/* A filter that reads past any frame: accepted (its loads are checked at run time)
	 * and never matches. */
	p[0] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 2000, 0);
	p[1] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	long id = install(p, 2, 1, &v);
	CHECK(id >= 0, "a filter loading at offset 2000: accepted -> %ld (it never matches)", id);
	/* Reading through a number, not the packet: refused. */
	p[0] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 64);
	p[1] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 3, 0, 0);
	p[2] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	refused(p, 3, BPF_EBASE, "a load through a number");
	p[0] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 10, 8, 0);
	p[1] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	refused(p, 2, BPF_ESTACK, "a load above the stack");
	p[0] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[1] = I(BPF_JMP | BPF_JA, 0, 0, -2, 0);
	p[2] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	refused(p, 3, BPF_EJUMPBACK, "a jump backwards");
	p[0] = I(0xff, 0, 0, 0, 0);
	refused(p, 2, BPF_EOPCODE, "an unknown opcode");
	p[0] = I(BPF_JMP | BPF_CALL, 0, 0, 0, 1);
	refused(p, 2, BPF_ECALL, "a call");
	for (int i = 0; i < EXO_NET_MAX_INSNS; i++)
		p[i] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[EXO_NET_MAX_INSNS] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	refused(p, EXO_NET_MAX_INSNS + 1, BPF_ETOOLONG, "257 instructions");
	refused(p, 0, BPF_EEMPTY, "no instruction");
	long ok = install(p + 1, EXO_NET_MAX_INSNS, 2, &v);
	CHECK(ok >= 0, "256 instructions: accepted -> %ld", ok);
	/* Overlap: the same priority on one NIC. */
	ERR(install(p + EXO_NET_MAX_INSNS - 1, 2, 2, &v), EXO_EEXIST,
	    "a second filter of priority 2");
	RET(exo_net_unfilter(nic, (int)ok), 0, "the first removed");
	CHECK(install(p + EXO_NET_MAX_INSNS - 1, 2, 2, &v) >= 0, "then priority 2 is free");
	ERR(exo_net_unfilter(nic, 99), EXO_ENOENT, "unfilter of no filter");
	/* The ring. */
	v.ring_pages = 0;
	v.priority = 77;
	ERR(exo_net_filter(nic, &v), EXO_EINVAL, "a ring of 0 pages");
	v.ring_pages = 65;
	ERR(exo_net_filter(nic, &v), EXO_EINVAL, "a ring of 65 pages");
	v.ring_pages = 2;
	ERR(exo_net_filter(nic, &v), EXO_EFAULT, "a ring past its run");
	v.ring_pages = 1;
	v.ring_cap = 9999;
	ERR(exo_net_filter(nic, &v), EXO_EBADF, "a ring in no capability");
	ERR(exo_net_filter(9999, &v), EXO_EBADF, "no NIC capability");
	ERR(exo_net_filter(nic, (void *)8), EXO_EFAULT, "an unreadable description");
	/* Transmit. */
	uint32_t first;
	long slot = exos_frame_cap(exos_pfn((uint64_t)out), &first);
	struct exo_net_tx t = {(int32_t)slot, first, 0, 59};
	frame(out, T_CTL, SYNC, 0);
	ERR(exo_net_tx(nic, &t, 1), EXO_EINVAL, "a 59-byte frame");
	t.len = 1515;
	ERR(exo_net_tx(nic, &t, 1), EXO_EINVAL, "a 1515-byte frame");
	t.len = 60;
	ERR(exo_net_tx(nic, &t, 0), EXO_EINVAL, "0 frames");
	ERR(exo_net_tx(nic, &t, EXO_NET_BATCH + 1), EXO_EINVAL, "33 frames");
	t.page = 1u << 20;
	ERR(exo_net_tx(nic, &t, 1), EXO_EFAULT, "a frame past its run");
	t.page = first;
	t.pages = 9999;
	ERR(exo_net_tx(nic, &t, 1), EXO_EFAULT, "a frame in no capability");
	t.pages = (int32_t)slot;
	RET(exo_net_tx(nic, &t, 1), 1, "a 60-byte frame");
	/* Binding to a source MAC. */
	RET(exo_net_bind(nic, EXO_CAP_SELF, 0x0000bbaa00000002ull), 0,
	    "bound to 02:00:00:00:aa:bb");
	ERR(exo_net_tx(nic, &t, 1), EXO_EPERM, "a frame from our own MAC, now refused");
	const uint8_t bound[6] = {2, 0, 0, 0, 0xaa, 0xbb};
	memcpy(out + 6, bound, 6);
	RET(exo_net_tx(nic, &t, 1), 1, "a frame from the bound MAC");
	ERR(exo_net_bind(nic, EXO_CAP_SELF, 1ull << 48), EXO_EINVAL, "a MAC of 49 bits");
	return 0;
}

int main(int argc, char **argv)
{
	nic = exos_net_root(0);
	if (nic < 0 || argc < 2) {
		printf("net: usage: net exchange|flood|full N | probe IP MYIP | errors (needs a "
		       "NIC)\n");
		return 2;
	}
	memcpy(mac, (const void *)exo_kinfo()->nic[0].mac, 6);
	out = exos_net_buffer(EXO_NET_BATCH * 2048);
	uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], 0, 10) : 0;
	spin = argc > 3 && !strcmp(argv[3], "-p");
	busy = argc > 3 && !strcmp(argv[3], "-b");
	if (!strcmp(argv[1], "exchange"))
		exchange(n);
	else if (!strcmp(argv[1], "flood"))
		flood(n);
	else if (!strcmp(argv[1], "full"))
		full(n);
	else if (!strcmp(argv[1], "burst"))
		burst(n);
	else if (!strcmp(argv[1], "probe") && argc == 4)
		probe(argv[2], argv[3]);
	else if (!strcmp(argv[1], "rtt") || !strcmp(argv[1], "echo"))
		rtt(n, argv[1][0] == 'e');
	else if (!strcmp(argv[1], "stream"))
		stream(n);
	else if (!strcmp(argv[1], "sink"))
		sink(n);
	else if (!strcmp(argv[1], "cost"))
		cost(n);
	else if (!strcmp(argv[1], "errors"))
		errors();
	else
		return 2;
	/* Queued is not sent: a VM that ends at once may take its transmit queue with it
	 * (the peer would miss our last frames).  2 s: QEMU TCG under load is slow to send. */
	exos_sleep_ns(2000 * 1000 * 1000ull);
	return check_done();
}
