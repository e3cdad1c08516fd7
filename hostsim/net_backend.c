/* The socket and tap backends, and the choice among all three
 * (net_backend.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fail.h"
#include "io_thread.h"
#include "net_backend.h"
#include "virtio_slot.h"

#define CONNECT_TRIES 500 /* 10 ms apart: a listener may still be starting */
#define SEND_WAIT_MS  100 /* a full peer gets this long before a frame is dropped */

enum kind { NET_USER, NET_TAP, NET_SOCKET };

struct net_backend {
	enum kind kind;
	char spec[160];
	struct net_port port;
	struct net_slirp *slirp;
	int listen_fd;     /* socket,listen: the listener; else -1 */
	char *listen_path; /* ... its name, removed when exosim ends */
	int fd;            /* the tap, or the connected peer; -1 while none */
	int watch;         /* the I/O thread's watch of fd */
	bool paused;       /* not reading fd: the device has no receive buffers */
	uint8_t buf[65536];
	struct {
		uint64_t rx_frames, tx_frames, tx_dropped, bad_frames, peers;
	} n;
};

static void peer_readable(void *arg);

static void set_peer(struct net_backend *nb, int fd)
{
	if (nb->paused && nb->watch >= 0)
		io_thread_resume(nb->watch); /* in the set again, for set_fd to take out */
	nb->fd = fd;
	nb->paused = false;
	if (nb->watch >= 0)
		io_thread_set_fd(nb->watch, fd);
	if (nb->port.link_changed)
		nb->port.link_changed(nb->port.dev, fd >= 0);
}

static void peer_gone(struct net_backend *nb)
{
	int fd = nb->fd;
	set_peer(nb, -1);
	close(fd);
}

/* On the I/O thread: a peer connects to socket,listen.  One at a time: a
 * second is turned away (closed) while the first is there. */
static void listener_readable(void *arg)
{
	struct net_backend *nb = arg;
	int fd = accept4(nb->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (nb->fd >= 0) {
		close(fd);
		return;
	}
	nb->n.peers++;
	set_peer(nb, fd);
}

/* On the I/O thread, with the device's lock: frames while the device has room
 * for them; none read otherwise (they wait in the host: back-pressure). */
static void peer_readable(void *arg)
{
	struct net_backend *nb = arg;
	while (nb->fd >= 0) {
		if (!nb->port.can_receive(nb->port.dev)) {
			io_thread_pause(nb->watch);
			nb->paused = true;
			return;
		}
		ssize_t n = nb->kind == NET_TAP
		                    ? read(nb->fd, nb->buf, sizeof(nb->buf))
		                    : recv(nb->fd, nb->buf, sizeof(nb->buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 && nb->kind == NET_SOCKET) {
			peer_gone(nb); /* end of stream, or reset */
			return;
		}
		if (n < NET_FRAME_MIN || n > NET_FRAME_MAX) {
			nb->n.bad_frames++; /* not a frame the guest could take: counted */
			continue;
		}
		nb->n.rx_frames++;
		nb->port.receive(nb->port.dev, nb->buf, (size_t)n);
	}
}

static struct net_backend *alloc_backend(enum kind kind, const char *spec)
{
	struct net_backend *nb = calloc(1, sizeof(*nb));
	if (!nb)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	*nb = (struct net_backend){.kind = kind, .listen_fd = -1, .fd = -1, .watch = -1};
	snprintf(nb->spec, sizeof(nb->spec), "%s", spec);
	return nb;
}

static struct sockaddr_un unix_address(const char *path, const char *spec)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (!*path || strlen(path) >= sizeof(a.sun_path))
		fail(EXOSIM_EXIT_USAGE, "--net %s: the socket path must be 1..%zu bytes", spec,
		     sizeof(a.sun_path) - 1);
	strcpy(a.sun_path, path);
	return a;
}

static int seqpacket_socket(const char *spec)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		fail(EXOSIM_EXIT_INTERNAL, "--net %s: socket: %s", spec, strerror(errno));
	return fd;
}

static void open_listen(struct net_backend *nb, const char *path)
{
	struct sockaddr_un a = unix_address(path, nb->spec);
	nb->listen_fd = seqpacket_socket(nb->spec);
	if (bind(nb->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(nb->listen_fd, 1) < 0)
		fail(EXOSIM_EXIT_NOFILE, "--net %s: %s: %s", nb->spec, path, strerror(errno));
	nb->listen_path = strdup(path);
}

/* A listener started just before us may not be there yet: tries for 5 s. */
static void open_connect(struct net_backend *nb, const char *path)
{
	struct sockaddr_un a = unix_address(path, nb->spec);
	int fd = seqpacket_socket(nb->spec);
	for (int i = 0;; i++) {
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		bool later = errno == ENOENT || errno == ECONNREFUSED || errno == EAGAIN;
		if (!later || i == CONNECT_TRIES)
			fail(EXOSIM_EXIT_NOFILE, "--net %s: %s: %s", nb->spec, path,
			     strerror(errno));
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	nb->fd = fd;
	nb->n.peers = 1;
}

static void open_tap(struct net_backend *nb, const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	if (!*name || strlen(name) >= sizeof(ifr.ifr_name))
		fail(EXOSIM_EXIT_USAGE, "--net %s: ifname must be 1..%zu bytes", nb->spec,
		     sizeof(ifr.ifr_name) - 1);
	strcpy(ifr.ifr_name, name);
	nb->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (nb->fd < 0 || ioctl(nb->fd, TUNSETIFF, &ifr) < 0)
		fail(EXOSIM_EXIT_NOFILE, "--net %s: /dev/net/tun: %s%s", nb->spec, strerror(errno),
		     errno == EPERM ? " (a tap needs root or CAP_NET_ADMIN; try --net user)" : "");
}

struct net_backend *net_backend_open(const char *spec)
{
	const char *comma = strchr(spec, ',');
	size_t kind_len = comma ? (size_t)(comma - spec) : strlen(spec);
	const char *opts = comma ? comma + 1 : "";
	if (kind_len == 4 && strncmp(spec, "user", 4) == 0) {
		struct net_backend *nb = alloc_backend(NET_USER, spec);
		nb->slirp = net_slirp_open(opts);
		return nb;
	}
	if (kind_len == 3 && strncmp(spec, "tap", 3) == 0 && strncmp(opts, "ifname=", 7) == 0) {
		struct net_backend *nb = alloc_backend(NET_TAP, spec);
		open_tap(nb, opts + 7);
		return nb;
	}
	if (kind_len == 6 && strncmp(spec, "socket", 6) == 0) {
		struct net_backend *nb = alloc_backend(NET_SOCKET, spec);
		if (strncmp(opts, "listen=", 7) == 0)
			open_listen(nb, opts + 7);
		else if (strncmp(opts, "connect=", 8) == 0)
			open_connect(nb, opts + 8);
		else
			fail(EXOSIM_EXIT_USAGE,
			     "--net %s: socket needs listen=PATH or connect=PATH", spec);
		return nb;
	}
	fail(EXOSIM_EXIT_USAGE,
	     "--net %s: not user[,hostfwd=...], tap,ifname=NAME, socket,listen=PATH or "
	     "socket,connect=PATH",
	     spec);
}

void net_backend_attach(struct net_backend *nb, const struct net_port *port)
{
	nb->port = *port;
	if (nb->kind == NET_USER) {
		net_slirp_attach(nb->slirp, port);
		return;
	}
	nb->watch = virtio_slot_watch(port->t, nb->fd, peer_readable, nb);
	if (nb->listen_fd >= 0)
		virtio_slot_watch(port->t, nb->listen_fd, listener_readable, nb);
}

bool net_backend_link_up(const struct net_backend *nb)
{
	return nb->kind == NET_USER || nb->fd >= 0;
}

/* A peer whose buffer is full gets a moment to drain it. */
static bool write_frame(struct net_backend *nb, const uint8_t *frame, size_t len)
{
	for (int tries = 0; tries < 2; tries++) {
		ssize_t n = nb->kind == NET_TAP
		                    ? write(nb->fd, frame, len)
		                    : send(nb->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)len)
			return true;
		if (n >= 0 || (errno != EAGAIN && errno != ENOBUFS))
			return false;
		struct pollfd p = {.fd = nb->fd, .events = POLLOUT};
		poll(&p, 1, SEND_WAIT_MS);
	}
	return false;
}

bool net_backend_send(struct net_backend *nb, const uint8_t *frame, size_t len)
{
	bool sent = nb->kind == NET_USER ? net_slirp_send(nb->slirp, frame, len)
	                                 : nb->fd >= 0 && write_frame(nb, frame, len);
	sent ? nb->n.tx_frames++ : nb->n.tx_dropped++;
	return sent;
}

void net_backend_rx_ready(struct net_backend *nb)
{
	if (nb->paused && nb->fd >= 0) {
		nb->paused = false;
		io_thread_resume(nb->watch);
	}
}

void net_backend_start(struct net_backend *nb)
{
	if (nb->kind == NET_USER)
		net_slirp_start(nb->slirp);
}

void net_backend_stop(struct net_backend *nb)
{
	if (nb->kind == NET_USER)
		net_slirp_stop(nb->slirp);
}

void net_backend_print_stats(const struct net_backend *nb)
{
	fprintf(stderr, " backend=%s", nb->spec);
	if (nb->kind == NET_USER)
		net_slirp_print_stats(nb->slirp);
	fprintf(stderr, " host_rx_frames=%llu host_tx_frames=%llu tx_dropped=%llu bad_frames=%llu",
	        (unsigned long long)nb->n.rx_frames, (unsigned long long)nb->n.tx_frames,
	        (unsigned long long)nb->n.tx_dropped, (unsigned long long)nb->n.bad_frames);
	if (nb->kind == NET_SOCKET)
		fprintf(stderr, " peers=%llu", (unsigned long long)nb->n.peers);
}

void net_backend_close(struct net_backend *nb)
{
	if (nb->kind == NET_USER)
		net_slirp_close(nb->slirp);
	if (nb->fd >= 0)
		close(nb->fd);
	if (nb->listen_fd >= 0) {
		close(nb->listen_fd);
		unlink(nb->listen_path);
		free(nb->listen_path);
	}
	free(nb);
}
