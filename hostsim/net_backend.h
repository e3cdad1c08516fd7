/* Where a virtio-net device's frames go: `--net SPEC`.
 *   user[,hostfwd=PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT,...]
 *       user-mode networking through libslirp (net_slirp.c), no root: the guest
 *       is 10.0.2.15/24, the gateway (and the host) 10.0.2.2, DNS 10.0.2.3, as
 *       with QEMU's -netdev user; a forward's host address defaults to 127.0.0.1
 *   tap,ifname=NAME   a Linux tap interface (root, or CAP_NET_ADMIN)
 *   socket,listen=PATH | socket,connect=PATH
 *       a Unix SOCK_SEQPACKET link to another exosim, a frame per message
 *
 * Frames cross as whole Ethernet frames, no virtio header.  A device takes
 * frames only when it has receive buffers: a socket or tap backend then stops
 * reading, so frames wait in the host (back-pressure); libslirp's frames are
 * dropped and counted instead, as its API expects.  Every refusal and drop is
 * counted for --stats, never silent. */
#ifndef HOSTSIM_NET_BACKEND_H
#define HOSTSIM_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_mmio;

#define NET_FRAME_MAX 1518 /* Ethernet with a VLAN tag, no FCS */
#define NET_FRAME_MIN 14   /* a header */

/* How a backend hands frames to its device; both run with the device's lock. */
struct net_port {
	void *dev;
	struct virtio_mmio *t;
	bool (*can_receive)(void *dev);
	void (*receive)(void *dev, const uint8_t *frame, size_t len);
	void (*link_changed)(void *dev, bool up);
};

struct net_backend;

/* Parses and opens SPEC.  Exits with one line: EXOSIM_EXIT_USAGE for a bad
 * spec, EXOSIM_EXIT_NOFILE when a socket or tap cannot be had. */
struct net_backend *net_backend_open(const char *spec);

/* Binds the backend to its device and starts taking frames. */
void net_backend_attach(struct net_backend *nb, const struct net_port *port);

bool net_backend_link_up(const struct net_backend *nb);

/* Sends one frame out; false if it was dropped (no peer, the peer's buffer
 * full for too long, the host refused), which the device counts. */
bool net_backend_send(struct net_backend *nb, const uint8_t *frame, size_t len);

/* The device has receive buffers again: frames waiting may come. */
void net_backend_rx_ready(struct net_backend *nb);

/* Threads of their own (libslirp's): started with the vCPU, stopped after. */
void net_backend_start(struct net_backend *nb);
void net_backend_stop(struct net_backend *nb);

/* " backend=... key=value": --stats. */
void net_backend_print_stats(const struct net_backend *nb);

void net_backend_close(struct net_backend *nb);

/* libslirp's half (net_slirp.c), for net_backend.c. */
struct net_slirp;
struct net_slirp *net_slirp_open(const char *options);
void net_slirp_attach(struct net_slirp *s, const struct net_port *port);
bool net_slirp_send(struct net_slirp *s, const uint8_t *frame, size_t len);
void net_slirp_start(struct net_slirp *s);
void net_slirp_stop(struct net_slirp *s);
void net_slirp_print_stats(const struct net_slirp *s);
void net_slirp_close(struct net_slirp *s);

#endif
