/* virtio-net over the socket backend (hostsim/virtio_net.c, net_backend.c),
 * without KVM: two devices in one process, linked by socket,listen= and
 * socket,connect=, each driven as a guest driver drives it while the backends
 * run on the real I/O thread.  Frames both ways, back-pressure (a receiver
 * with no buffers loses nothing), malformed transmit chains, the link going
 * down when the peer leaves; and --net user (libslirp) forwarding a host UDP
 * datagram to the test, which answers ARP and echoes it as a guest would. */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest_mem.h"
#include "io_thread.h"
#include "unit.h"
#include "virtio_mmio.h"
#include "virtio_net.h"
#include "virtio_slot.h"

#define RAM    (1u << 20)
#define QSIZE  16
#define RXDESC 0x10000ull
#define TXDESC 0x20000ull
#define RXBUF  0x40000ull /* 16 buffers of 2 KiB */
#define TXBUF  0x60000ull
#define HDR    12

struct nic {
	struct guest_mem mem;
	struct virtio_net *d;
	struct virtio_mmio *t;
	uint16_t rx_avail, tx_avail, rx_seen, tx_seen;
	int irqs;
};

static struct nic a, b;
static char sock[64];

static void on_irq(struct virtio_mmio *t)
{
	(t->dev == a.d ? &a : &b)->irqs++;
}

static void *g(struct nic *n, uint64_t gpa)
{
	return gpa_ptr(&n->mem, gpa, 1);
}

static void wr(struct nic *n, uint64_t off, uint32_t v)
{
	virtio_slot_lock(n->t);
	virtio_mmio_access(n->t, off, true, 4, (uint8_t *)&v);
	virtio_slot_unlock(n->t);
}

static uint32_t rd(struct nic *n, uint64_t off)
{
	uint32_t v;
	virtio_slot_lock(n->t);
	virtio_mmio_access(n->t, off, false, 4, (uint8_t *)&v);
	virtio_slot_unlock(n->t);
	return v;
}

static void queue(struct nic *n, uint32_t q, uint64_t base)
{
	wr(n, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(n, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(n, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(n, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)base + 0x1000);
	wr(n, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)base + 0x2000);
	wr(n, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void open_nic(struct nic *n, const char *spec, int index)
{
	memset(n, 0, sizeof(*n));
	ck_assert_int_eq(guest_mem_init(&n->mem, RAM), 0);
	n->d = virtio_net_new(spec, NULL, index);
	n->t = virtio_slot_detached(&n->mem, index ? "net-b" : "net-a", virtio_net_type(n->d), n->d,
	                            on_irq);
	virtio_net_bind(n->d, n->t);
	wr(n, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(n, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(n, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(n, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(n, VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS);
	wr(n, VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	queue(n, 0, RXDESC);
	queue(n, 1, TXDESC);
	wr(n, VIRTIO_MMIO_STATUS, rd(n, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(sock, sizeof(sock), "%s/vnet-%d", tmp, getpid());
	char spec[96];
	snprintf(spec, sizeof(spec), "socket,listen=%s", sock);
	open_nic(&a, spec, 0);
	snprintf(spec, sizeof(spec), "socket,connect=%s", sock);
	open_nic(&b, spec, 1);
	io_thread_start();
}

static void teardown(void)
{
	io_thread_stop();
	virtio_net_free(a.d);
	if (b.d)
		virtio_net_free(b.d);
}

static void kick(struct nic *n, uint32_t q)
{
	virtio_slot_lock(n->t);
	virtio_mmio_notify(n->t, q);
	virtio_slot_unlock(n->t);
}

static void post(struct nic *n, uint64_t desc, uint16_t *idx, uint64_t buf, uint32_t len,
                 bool writable)
{
	uint16_t i = *idx % QSIZE;
	struct vring_desc *d = g(n, desc + i * sizeof(*d));
	*d = (struct vring_desc){
	        .addr = buf, .len = len, .flags = writable ? VRING_DESC_F_WRITE : 0};
	struct vring_avail *av = g(n, desc + 0x1000);
	av->ring[i] = i;
	__atomic_store_n(&av->idx, ++*idx, __ATOMIC_RELEASE);
}

static void post_rx(struct nic *n, int count)
{
	for (int k = 0; k < count; k++) {
		uint16_t i = n->rx_avail % QSIZE;
		post(n, RXDESC, &n->rx_avail, RXBUF + i * 2048ull, 2048, true);
	}
	kick(n, 0);
}

/* Sends frame (len bytes, or len bytes of `fill` if frame is NULL) behind a
 * zero header. */
static void send_raw(struct nic *n, const uint8_t *frame, uint32_t len, uint8_t fill)
{
	uint16_t i = n->tx_avail % QSIZE;
	uint8_t *p = g(n, TXBUF + i * 2048ull);
	memset(p, 0, HDR);
	if (frame)
		memcpy(p + HDR, frame, len);
	else
		memset(p + HDR, fill, len);
	post(n, TXDESC, &n->tx_avail, TXBUF + i * 2048ull, HDR + len, false);
	kick(n, 1);
}

static void send_frame(struct nic *n, uint32_t len, uint8_t fill)
{
	send_raw(n, NULL, len, fill);
}

static uint16_t used_idx(struct nic *n, uint64_t desc)
{
	struct vring_used *u = g(n, desc + 0x2000);
	return __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE);
}

/* Waits (up to 5 s) until the receive queue has used `want` buffers. */
static void wait_rx(struct nic *n, uint16_t want)
{
	for (int i = 0; used_idx(n, RXDESC) != want; i++) {
		ck_assert_msg(i < 5000, "%u of %u frames arrived", used_idx(n, RXDESC), want);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

static void check_rx(struct nic *n, uint16_t k, uint32_t len, uint8_t fill)
{
	struct vring_used *u = g(n, RXDESC + 0x2000);
	struct vring_used_elem e = u->ring[k % QSIZE];
	ck_assert_uint_eq(e.len, HDR + len);
	uint8_t *p = g(n, RXBUF + e.id * 2048ull);
	ck_assert_uint_eq(((struct virtio_net_hdr_v1 *)p)->num_buffers, 1);
	for (uint32_t i = 0; i < len; i++)
		ck_assert_uint_eq(p[HDR + i], fill);
}

static void wait_link(struct nic *n, bool up)
{
	for (int i = 0;; i++) {
		uint8_t status;
		virtio_slot_lock(n->t);
		virtio_mmio_access(n->t, VIRTIO_MMIO_CONFIG + 6, false, 1, &status);
		virtio_slot_unlock(n->t);
		if ((status & VIRTIO_NET_S_LINK_UP) == up)
			return;
		ck_assert_msg(i < 5000, "the link never went %s", up ? "up" : "down");
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

START_TEST(frames_both_ways)
{
	wait_link(&a, true); /* the listener accepted b */
	post_rx(&b, 4);
	post_rx(&a, 4);
	send_frame(&a, 60, 0xa1);
	send_frame(&a, 1514, 0xa2);
	wait_rx(&b, 2);
	check_rx(&b, 0, 60, 0xa1);
	check_rx(&b, 1, 1514, 0xa2);
	send_frame(&b, 100, 0xb1);
	wait_rx(&a, 1);
	check_rx(&a, 0, 100, 0xb1);
	ck_assert_uint_eq(used_idx(&a, TXDESC), 2); /* transmit buffers returned */
	ck_assert_int_ge(b.irqs, 1);
}
END_TEST

START_TEST(back_pressure_loses_nothing)
{
	wait_link(&a, true);
	post_rx(&b, 2);
	for (int i = 0; i < 6; i++)
		send_frame(&a, 64, (uint8_t)(0x10 + i));
	wait_rx(&b, 2);
	nanosleep(&(struct timespec){0, 50000000}, NULL);
	ck_assert_uint_eq(used_idx(&b, RXDESC), 2); /* no buffers: the rest wait */
	post_rx(&b, 8);
	wait_rx(&b, 6);
	for (int i = 0; i < 6; i++)
		check_rx(&b, (uint16_t)i, 64, (uint8_t)(0x10 + i)); /* all, in order */
}
END_TEST

START_TEST(malformed_transmit)
{
	wait_link(&a, true);
	post_rx(&b, 4);
	send_frame(&a, 5, 0xee);    /* shorter than an Ethernet header */
	send_frame(&a, 2000, 0xee); /* longer than 1518 */
	send_frame(&a, 60, 0x42);
	wait_rx(&b, 1);
	check_rx(&b, 0, 60, 0x42); /* only the good one crossed */
	ck_assert_uint_eq(used_idx(&a, TXDESC), 3);
}
END_TEST

/* Frames the guest queued but never kicked (it stopped first) still leave
 * when exosim flushes the NICs at the end of the run. */
START_TEST(queued_frames_leave_at_the_end)
{
	wait_link(&a, true);
	post_rx(&b, 4);
	for (int i = 0; i < 3; i++) {
		uint16_t k = a.tx_avail % QSIZE;
		uint8_t *p = g(&a, TXBUF + k * 2048ull);
		memset(p, 0, HDR);
		memset(p + HDR, 0x70 + i, 60);
		post(&a, TXDESC, &a.tx_avail, TXBUF + k * 2048ull, HDR + 60, false); /* no kick */
	}
	virtio_net_flush(a.d);
	wait_rx(&b, 3);
	for (int i = 0; i < 3; i++)
		check_rx(&b, (uint16_t)i, 60, (uint8_t)(0x70 + i));
}
END_TEST

START_TEST(link_down_when_the_peer_leaves)
{
	wait_link(&a, true);
	post_rx(&a, 2); /* a reads its link (the end comes after any frames) */
	int before = a.irqs;
	io_thread_stop(); /* b's descriptors go; a's watch must see the end */
	virtio_net_free(b.d);
	b.d = NULL;
	io_thread_start();
	wait_link(&a, false);
	ck_assert_int_gt(a.irqs, before); /* a config-change interrupt */
	send_frame(&a, 60, 1);            /* no peer: dropped and counted, the buffer returned */
	for (int i = 0; used_idx(&a, TXDESC) != 1; i++) {
		ck_assert_int_lt(i, 5000);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}
END_TEST

/* --net user: the test plays the guest at 10.0.2.15 (the only address
 * libslirp forwards to) and answers libslirp's ARP and a forwarded UDP
 * datagram from a host socket, as apps' raw-frame responders will. */

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t guest_ip[4] = {10, 0, 2, 15};

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An answer to frame f (len bytes) in out, or 0: ARP requests for our
 * address, and UDP to port 7 echoed. */
static uint32_t answer(const uint8_t *f, uint32_t len, uint8_t *out)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	memcpy(out, f + 6, 6);
	memcpy(out + 6, guest_mac, 6);
	if (type == 0x0806 && len >= 42 && f[21] == 1 && memcmp(f + 38, guest_ip, 4) == 0) {
		memcpy(out + 12, f + 12, 10); /* ARP header, then a reply */
		out[21] = 2;
		memcpy(out + 22, guest_mac, 6);
		memcpy(out + 28, guest_ip, 4);
		memcpy(out + 32, f + 22, 10); /* the asker's MAC and address */
		return 42;
	}
	if (type != 0x0800 || len < 42 || f[23] != 17 || (f[36] << 8 | f[37]) != 7)
		return 0;
	uint32_t ihl = (f[14] & 15) * 4u, total = (uint32_t)(f[16] << 8 | f[17]);
	if (ihl != 20 || total + 14 > len)
		return 0;
	memcpy(out + 12, f + 12, 14 + total - 12);
	memcpy(out + 26, f + 30, 4); /* addresses swapped */
	memcpy(out + 30, f + 26, 4);
	memcpy(out + 34, f + 36, 2); /* ports swapped */
	memcpy(out + 36, f + 34, 2);
	out[40] = out[41] = 0; /* no UDP checksum */
	out[24] = out[25] = 0;
	uint16_t c = ip_checksum(out + 14, 20);
	out[24] = (uint8_t)(c >> 8), out[25] = (uint8_t)c;
	return 14 + total;
}

/* Answers every frame that arrived since the last call. */
static void serve_frames(struct nic *n)
{
	struct vring_used *u = g(n, RXDESC + 0x2000);
	while (n->rx_seen != __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE)) {
		struct vring_used_elem e = u->ring[n->rx_seen++ % QSIZE];
		uint8_t out[2048] = {0}; /* short frames are padded with zeros */
		uint32_t len =
		        answer((uint8_t *)g(n, RXBUF + e.id * 2048ull) + HDR, e.len - HDR, out);
		if (len)
			send_raw(n, out, len < 60 ? 60 : len, 0);
		post_rx(n, 1);
	}
}

static void setup_user(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	close(s); /* a port that was free a moment ago */
	char spec[64];
	snprintf(spec, sizeof(spec), "user,hostfwd=udp::%u-:7", ntohs(sa.sin_port));
	open_nic(&a, spec, 0);
	b.d = NULL;
	snprintf(sock, sizeof(sock), "%u", ntohs(sa.sin_port));
	io_thread_start();
	virtio_net_start(a.d);
}

START_TEST(user_udp_hostfwd)
{
	post_rx(&a, QSIZE);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)atoi(sock)),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char reply[64] = "";
	for (int tries = 0; tries < 250 && !*reply; tries++) {
		if (tries % 20 == 0) /* again after libslirp learnt our MAC through ARP */
			sendto(s, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to));
		nanosleep(&(struct timespec){0, 10000000}, NULL);
		serve_frames(&a);
		recv(s, reply, sizeof(reply) - 1, MSG_DONTWAIT);
	}
	close(s);
	ck_assert_str_eq(reply, "ping");
}
END_TEST

Suite *virtio_net_suite(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frames_both_ways);
	tcase_add_test(tc, back_pressure_loses_nothing);
	tcase_add_test(tc, malformed_transmit);
	tcase_add_test(tc, queued_frames_leave_at_the_end);
	tcase_add_test(tc, link_down_when_the_peer_leaves);
	suite_add_tcase(s, tc);
	TCase *user = tcase_create("user");
	tcase_add_checked_fixture(user, setup_user, teardown);
	tcase_add_test(user, user_udp_hostfwd);
	suite_add_tcase(s, user);
	return s;
}
