/* virtio-net (virtio 1.x section 5.1) over a net backend (virtio_net.h). */
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "fail.h"
#include "kvm.h"
#include "net_backend.h"
#include "virtio_mmio.h"
#include "virtio_net.h"
#include "virtio_slot.h"

#define RXQ       0
#define TXQ       1
#define QUEUE_MAX 256
#define SEGS_MAX  64
#define HDR       sizeof(struct virtio_net_hdr_v1) /* 12 bytes with VERSION_1 */
#define NICS_MAX  8

struct virtio_net {
	char name[16];
	struct {
		uint8_t mac[6];
		uint16_t status;
	} config;
	struct virtio_type type;
	struct virtio_mmio *t;
	struct net_backend *nb;
	struct virtq_chain chain;
	uint8_t frame[HDR + NET_FRAME_MAX];
	struct {
		uint64_t tx_frames, tx_bytes, tx_dropped, rx_frames, rx_bytes, bad;
	} n;
};

static struct virtio_net *nics[NICS_MAX];
static int nnics;

static bool running(const struct virtio_net *d, uint16_t q)
{
	uint32_t s = d->t->status;
	return (s & VIRTIO_CONFIG_S_DRIVER_OK) && !(s & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	       d->t->q[q].ready;
}

/* A chain from queue q, or NULL (none, or the queue broke). */
static struct virtq_chain *pop(struct virtio_net *d, uint16_t q)
{
	struct virtq *vq = &d->t->q[q].vq;
	int got = virtq_pop(vq, &d->chain);
	if (got == 0) {
		virtq_want_notify(vq);
		got = virtq_pop(vq, &d->chain); /* made available meanwhile */
	}
	if (got < 0)
		virtio_mmio_needs_reset(d->t);
	return got > 0 ? &d->chain : NULL;
}

/* Copies the chain's readable bytes into d->frame; the length, or -1. */
static long gather(struct virtio_net *d, const struct virtq_chain *c)
{
	if (c->n != c->nout || c->out_bytes > sizeof(d->frame))
		return -1;
	long len = 0;
	for (int i = 0; i < c->n; i++) {
		memcpy(d->frame + len, c->seg[i].host, c->seg[i].len);
		len += c->seg[i].len;
	}
	return len;
}

/* One frame the driver sent; false if it broke the protocol. */
static bool transmit_one(struct virtio_net *d, const struct virtq_chain *c)
{
	long len = gather(d, c);
	if (len < 0 || (size_t)len < HDR + NET_FRAME_MIN) {
		device_bad_request(d->name,
		                   "virtio-net: a transmit chain of %llu bytes (%s; a 12-byte "
		                   "header and a frame of %d..%d bytes)",
		                   (unsigned long long)c->out_bytes,
		                   c->n != c->nout ? "device-writable buffers" : "bad length",
		                   NET_FRAME_MIN, NET_FRAME_MAX);
		return false;
	}
	const struct virtio_net_hdr_v1 *h = (const void *)d->frame;
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE || (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		device_bad_request(d->name, "virtio-net: GSO or checksum offload, never offered");
		return false;
	}
	if (!net_backend_send(d->nb, d->frame + HDR, (size_t)len - HDR)) {
		d->n.tx_dropped++;
		return true;
	}
	d->n.tx_frames++;
	d->n.tx_bytes += (uint64_t)len - HDR;
	return true;
}

static void transmit(struct virtio_net *d)
{
	struct virtq_chain *c;
	bool used = false;
	while (running(d, TXQ) && (c = pop(d, TXQ))) {
		if (!transmit_one(d, c))
			d->n.bad++, d->n.tx_dropped++;
		virtq_push(&d->t->q[TXQ].vq, c->head, 0);
		used = true;
	}
	if (used)
		virtio_mmio_used(d->t, TXQ);
}

static void notified(struct virtio_mmio *t, uint16_t q)
{
	struct virtio_net *d = t->dev;
	if (q == TXQ)
		transmit(d);
	else
		net_backend_rx_ready(d->nb); /* new receive buffers */
}

/* The backend's side: is there a receive buffer?  Without one the backend
 * stops reading (socket, tap) or drops and counts (libslirp). */
static bool can_receive(void *dev)
{
	struct virtio_net *d = dev;
	if (!running(d, RXQ))
		return false;
	struct virtq *vq = &d->t->q[RXQ].vq;
	if (virtq_pending(vq))
		return true;
	virtq_want_notify(vq); /* kick us when there is one */
	return virtq_pending(vq);
}

/* A frame from outside, into the next receive buffer (can_receive said
 * there is one). */
static void receive(void *dev, const uint8_t *frame, size_t len)
{
	struct virtio_net *d = dev;
	struct virtq_chain *c = pop(d, RXQ);
	if (!c)
		return;
	if (c->nout || c->in_bytes < HDR + len) {
		device_bad_request(d->name,
		                   "virtio-net: a receive buffer of %llu writable bytes (at least "
		                   "%zu without MRG_RXBUF)",
		                   (unsigned long long)c->in_bytes, HDR + NET_FRAME_MAX);
		d->n.bad++;
		virtq_push(&d->t->q[RXQ].vq, c->head, 0);
		virtio_mmio_used(d->t, RXQ);
		return;
	}
	struct virtio_net_hdr_v1 h = {.num_buffers = 1};
	const uint8_t *parts[2] = {(const uint8_t *)&h, frame};
	size_t left[2] = {HDR, len}, part = 0;
	for (int i = 0; i < c->n && part < 2; i++) {
		size_t room = c->seg[i].len, at = 0;
		while (room && part < 2) {
			size_t k = left[part] < room ? left[part] : room;
			memcpy(c->seg[i].host + at, parts[part], k);
			parts[part] += k, left[part] -= k, room -= k, at += k;
			if (!left[part])
				part++;
		}
	}
	virtq_push(&d->t->q[RXQ].vq, c->head, (uint32_t)(HDR + len));
	virtio_mmio_used(d->t, RXQ);
	d->n.rx_frames++;
	d->n.rx_bytes += len;
}

/* A socket peer came or went: the link status, and a config interrupt. */
static void link_changed(void *dev, bool up)
{
	struct virtio_net *d = dev;
	d->config.status = up ? VIRTIO_NET_S_LINK_UP : 0;
	d->t->config_generation++;
	virtio_mmio_config_changed(d->t);
	if (up)
		net_backend_rx_ready(d->nb);
}

static void print_stats(struct virtio_mmio *t)
{
	struct virtio_net *d = t->dev;
	fprintf(stderr,
	        " mac=%02x:%02x:%02x:%02x:%02x:%02x tx_frames=%llu tx_bytes=%llu tx_dropped=%llu "
	        "rx_frames=%llu rx_bytes=%llu bad=%llu",
	        d->config.mac[0], d->config.mac[1], d->config.mac[2], d->config.mac[3],
	        d->config.mac[4], d->config.mac[5], (unsigned long long)d->n.tx_frames,
	        (unsigned long long)d->n.tx_bytes, (unsigned long long)d->n.tx_dropped,
	        (unsigned long long)d->n.rx_frames, (unsigned long long)d->n.rx_bytes,
	        (unsigned long long)d->n.bad);
	net_backend_print_stats(d->nb);
}

static void parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int end = 0;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	           &end) != 6 ||
	    s[end] || (v[0] & 1))
		fail(EXOSIM_EXIT_USAGE, "--mac %s: not a unicast MAC address (52:54:00:12:34:56)",
		     s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
}

struct virtio_net *virtio_net_new(const char *spec, const char *mac, int index)
{
	struct virtio_net *d = calloc(1, sizeof(*d));
	if (!d)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	snprintf(d->name, sizeof(d->name), "net%d", index);
	uint8_t dflt[6] = {0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + index)}; /* as QEMU */
	memcpy(d->config.mac, dflt, 6);
	if (mac)
		parse_mac(mac, d->config.mac);
	d->nb = net_backend_open(spec);
	d->config.status = net_backend_link_up(d->nb) ? VIRTIO_NET_S_LINK_UP : 0;
	d->type = (struct virtio_type){.device_id = 1 /* VIRTIO_ID_NET */,
	                               .features = 1ull << VIRTIO_NET_F_MAC |
	                                           1ull << VIRTIO_NET_F_STATUS,
	                               .nqueues = 2,
	                               .queue_max = QUEUE_MAX,
	                               .seg_max = SEGS_MAX,
	                               .config_len = sizeof(d->config),
	                               .config = &d->config,
	                               .notify = notified,
	                               .print_stats = print_stats};
	return d;
}

const struct virtio_type *virtio_net_type(struct virtio_net *d)
{
	return &d->type;
}

void virtio_net_bind(struct virtio_net *d, struct virtio_mmio *t)
{
	d->t = t;
	struct net_port port = {.dev = d,
	                        .t = t,
	                        .can_receive = can_receive,
	                        .receive = receive,
	                        .link_changed = link_changed};
	net_backend_attach(d->nb, &port);
}

void virtio_net_free(struct virtio_net *d)
{
	net_backend_close(d->nb);
	free(d);
}

void virtio_net_attach(struct vm *vm, const char *spec, const char *mac)
{
	if (nnics == NICS_MAX)
		fail(EXOSIM_EXIT_USAGE, "--net %s: at most %d network devices", spec, NICS_MAX);
	struct virtio_net *d = virtio_net_new(spec, mac, nnics);
	nics[nnics++] = d;
	virtio_net_bind(d, virtio_slot_add(vm, d->name, &d->type, d));
}

void virtio_net_start(struct virtio_net *d)
{
	net_backend_start(d->nb);
}

void virtio_net_start_all(void)
{
	for (int i = 0; i < nnics; i++)
		virtio_net_start(nics[i]);
}

void virtio_net_flush(struct virtio_net *d)
{
	virtio_slot_lock(d->t);
	transmit(d);
	virtio_slot_unlock(d->t);
}

void virtio_net_flush_all(void)
{
	for (int i = 0; i < nnics; i++)
		virtio_net_flush(nics[i]);
}

void virtio_net_stop_all(void)
{
	for (int i = 0; i < nnics; i++)
		net_backend_stop(nics[i]->nb);
}

void virtio_net_detach_all(void)
{
	for (int i = 0; i < nnics; i++)
		virtio_net_free(nics[i]);
	nnics = 0;
}
