/* `--net user`: user-mode networking through libslirp, on a thread of its
 * own (libslirp wants a poll loop over sockets it opens and closes, and
 * timers).  Only that thread calls into libslirp: the device's transmit path
 * queues frames for it and wakes it through an eventfd; libslirp's frames for
 * the guest go to the device under the device's lock.  No lock is held across
 * the two, so neither path can wait on the other.
 *
 * Addresses as QEMU's -netdev user: network 10.0.2.0/24, gateway and host
 * 10.0.2.2, DNS 10.0.2.3, the guest 10.0.2.15 (its DHCP address).  hostfwd as
 * QEMU spells it, PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, with the
 * host address 127.0.0.1 unless given: a forward is reachable from this host
 * only unless asked otherwise. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "fail.h"
#include "net_backend.h"
#include "virtio_slot.h"

#define TXQ        256 /* frames queued for libslirp */
#define POLLFDS    1024
#define TIMERS_MAX 16
#define GUEST_ADDR "10.0.2.15"

struct slirp_timer {
	bool used, armed;
	int64_t expire_ms;
	SlirpTimerCb cb; /* timer_new */
	SlirpTimerId id; /* timer_new_opaque */
	bool by_id;
	void *cb_opaque;
};

struct net_slirp {
	Slirp *slirp;
	struct net_port port;
	pthread_t thread;
	bool running;
	_Atomic bool stopping;
	int wake_fd;
	pthread_mutex_t txq_lock;
	unsigned tx_head, tx_tail; /* frames [tail, head) wait for libslirp */
	struct {
		uint16_t len;
		uint8_t data[NET_FRAME_MAX];
	} txq[TXQ];
	struct pollfd pfd[POLLFDS];
	int npfd;
	struct slirp_timer timers[TIMERS_MAX];
	struct {
		uint64_t tx_queue_full, rx_no_buffer, rx_frames, guest_errors;
	} n;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* libslirp's callbacks, all on the slirp thread. */

static ssize_t send_to_guest(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *s = opaque;
	virtio_slot_lock(s->port.t);
	if (len >= NET_FRAME_MIN && len <= NET_FRAME_MAX && s->port.can_receive(s->port.dev)) {
		s->port.receive(s->port.dev, buf, len);
		s->n.rx_frames++;
	} else {
		s->n.rx_no_buffer++; /* TCP retransmits; --stats counts it */
	}
	virtio_slot_unlock(s->port.t);
	return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
	struct net_slirp *s = opaque;
	s->n.guest_errors++;
	device_bad_request("net-user", "libslirp: %s", msg);
}

static int64_t clock_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static struct slirp_timer *new_timer(struct net_slirp *s)
{
	for (int i = 0; i < TIMERS_MAX; i++)
		if (!s->timers[i].used) {
			s->timers[i] = (struct slirp_timer){.used = true};
			return &s->timers[i];
		}
	fail(EXOSIM_EXIT_INTERNAL, "--net user: libslirp wants more than %d timers", TIMERS_MAX);
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = new_timer(opaque);
	t->cb = cb, t->cb_opaque = cb_opaque;
	return t;
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_timer *t = new_timer(opaque);
	t->id = id, t->by_id = true, t->cb_opaque = cb_opaque;
	return t;
}

static void timer_free(void *timer, void *opaque)
{
	(void)opaque;
	((struct slirp_timer *)timer)->used = false;
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	struct slirp_timer *t = timer;
	t->armed = true, t->expire_ms = expire_ms;
}

static void poll_fd_noop(int fd, void *opaque)
{
	(void)fd, (void)opaque;
}

static void notify(void *opaque)
{
	struct net_slirp *s = opaque;
	uint64_t one = 1;
	if (write(s->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		fail(EXOSIM_EXIT_INTERNAL, "--net user: wake: %s", strerror(errno));
}

static const SlirpCb callbacks = {
        .send_packet = send_to_guest,
        .guest_error = guest_error,
        .clock_get_ns = clock_ns,
        .timer_new = timer_new,
        .timer_free = timer_free,
        .timer_mod = timer_mod,
        .register_poll_fd = poll_fd_noop,
        .unregister_poll_fd = poll_fd_noop,
        .notify = notify,
        .timer_new_opaque = timer_new_opaque,
};

/* PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static void add_hostfwd(struct net_slirp *s, const char *fwd)
{
	char proto[4], haddr[64] = "", gaddr[64] = "";
	unsigned hport, gport;
	int end = 0;
	bool parsed = sscanf(fwd, "%3[a-z]:%63[0-9.]:%u-%63[0-9.]:%u%n", proto, haddr, &hport,
	                     gaddr, &gport, &end) == 5 ||
	              sscanf(fwd, "%3[a-z]::%u-%63[0-9.]:%u%n", proto, &hport, gaddr, &gport,
	                     &end) == 4 ||
	              sscanf(fwd, "%3[a-z]:%63[0-9.]:%u-:%u%n", proto, haddr, &hport, &gport,
	                     &end) == 4 ||
	              sscanf(fwd, "%3[a-z]::%u-:%u%n", proto, &hport, &gport, &end) == 3;
	bool udp = strcmp(proto, "udp") == 0;
	struct in_addr h, g;
	if (!parsed || fwd[end] || (!udp && strcmp(proto, "tcp")) || !hport || hport > 65535 ||
	    !gport || gport > 65535 || !inet_aton(*haddr ? haddr : "127.0.0.1", &h) ||
	    !inet_aton(*gaddr ? gaddr : GUEST_ADDR, &g))
		fail(EXOSIM_EXIT_USAGE,
		     "--net user,hostfwd=%s: not PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT "
		     "(e.g. tcp::8080-:80)",
		     fwd);
	if (slirp_add_hostfwd(s->slirp, udp, h, (int)hport, g, (int)gport) < 0)
		fail(EXOSIM_EXIT_NOFILE, "--net user,hostfwd=%s: cannot bind %s port %u: %s", fwd,
		     udp ? "UDP" : "TCP", hport, strerror(errno));
}

struct net_slirp *net_slirp_open(const char *options)
{
	struct net_slirp *s = calloc(1, sizeof(*s));
	if (!s)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	pthread_mutex_init(&s->txq_lock, NULL);
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	SlirpConfig cfg = {.version = SLIRP_CONFIG_VERSION_MAX < 4 ? SLIRP_CONFIG_VERSION_MAX : 4,
	                   .in_enabled = true};
	inet_aton("10.0.2.0", &cfg.vnetwork);
	inet_aton("255.255.255.0", &cfg.vnetmask);
	inet_aton("10.0.2.2", &cfg.vhost);
	inet_aton(GUEST_ADDR, &cfg.vdhcp_start);
	inet_aton("10.0.2.3", &cfg.vnameserver);
	s->slirp = slirp_new(&cfg, &callbacks, s);
	if (s->wake_fd < 0 || !s->slirp)
		fail(EXOSIM_EXIT_INTERNAL, "--net user: libslirp could not start");
	char *copy = strdup(options), *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "hostfwd=", 8) != 0)
			fail(EXOSIM_EXIT_USAGE, "--net user: unknown option %s (hostfwd=... only)",
			     o);
		add_hostfwd(s, o + 8);
	}
	free(copy);
	return s;
}

void net_slirp_attach(struct net_slirp *s, const struct net_port *port)
{
	s->port = *port;
}

/* The device's transmit path (I/O thread, device lock held). */
bool net_slirp_send(struct net_slirp *s, const uint8_t *frame, size_t len)
{
	pthread_mutex_lock(&s->txq_lock);
	bool room = s->tx_head - s->tx_tail < TXQ;
	if (room) {
		unsigned i = s->tx_head++ % TXQ;
		s->txq[i].len = (uint16_t)len;
		memcpy(s->txq[i].data, frame, len);
	} else {
		s->n.tx_queue_full++;
	}
	pthread_mutex_unlock(&s->txq_lock);
	if (room)
		notify(s);
	return room;
}

static int add_poll(int fd, int events, void *opaque)
{
	struct net_slirp *s = opaque;
	if (s->npfd == POLLFDS)
		fail(EXOSIM_EXIT_INTERNAL, "--net user: more than %d host sockets", POLLFDS);
	short e = (short)((events & SLIRP_POLL_IN ? POLLIN : 0) |
	                  (events & SLIRP_POLL_OUT ? POLLOUT : 0) |
	                  (events & SLIRP_POLL_PRI ? POLLPRI : 0));
	s->pfd[s->npfd] = (struct pollfd){.fd = fd, .events = e};
	return s->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	struct net_slirp *s = opaque;
	short r = s->pfd[idx].revents;
	return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* Frames the guest sent, into libslirp. */
static void drain_txq(struct net_slirp *s)
{
	uint64_t n;
	if (read(s->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	for (;;) {
		pthread_mutex_lock(&s->txq_lock);
		bool any = s->tx_tail != s->tx_head;
		uint8_t frame[NET_FRAME_MAX];
		uint16_t len = 0;
		if (any) {
			unsigned i = s->tx_tail++ % TXQ;
			len = s->txq[i].len;
			memcpy(frame, s->txq[i].data, len);
		}
		pthread_mutex_unlock(&s->txq_lock);
		if (!any)
			return;
		slirp_input(s->slirp, frame, len);
	}
}

static uint32_t next_timeout(struct net_slirp *s, uint32_t timeout)
{
	int64_t now = now_ns() / 1000000;
	for (int i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &s->timers[i];
		if (t->used && t->armed) {
			int64_t in = t->expire_ms - now;
			uint32_t ms = in <= 0 ? 0 : in > 1000 ? 1000 : (uint32_t)in;
			if (ms < timeout)
				timeout = ms;
		}
	}
	return timeout;
}

static void run_timers(struct net_slirp *s)
{
	int64_t now = now_ns() / 1000000;
	for (int i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &s->timers[i];
		if (!t->used || !t->armed || t->expire_ms > now)
			continue;
		t->armed = false;
		if (t->by_id)
			slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
		else
			t->cb(t->cb_opaque);
	}
}

static void *slirp_loop(void *arg)
{
	struct net_slirp *s = arg;
	for (bool last = false; !last;) {
		last = s->stopping; /* one more round after the stop: queued frames go out */
		uint32_t timeout = 1000;
		s->npfd = 0;
		add_poll(s->wake_fd, SLIRP_POLL_IN, s);
		slirp_pollfds_fill(s->slirp, &timeout, add_poll, s);
		int n = poll(s->pfd, (nfds_t)s->npfd, last ? 0 : (int)next_timeout(s, timeout));
		slirp_pollfds_poll(s->slirp, n < 0, get_revents, s);
		if (last || s->pfd[0].revents & POLLIN)
			drain_txq(s);
		run_timers(s);
	}
	return NULL;
}

void net_slirp_start(struct net_slirp *s)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with the vCPU thread */
	int e = pthread_create(&s->thread, NULL, slirp_loop, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e)
		fail(EXOSIM_EXIT_INTERNAL, "--net user: cannot start its thread: %s", strerror(e));
	s->running = true;
}

void net_slirp_stop(struct net_slirp *s)
{
	if (!s->running)
		return;
	s->stopping = true;
	notify(s);
	pthread_join(s->thread, NULL);
	s->running = false;
}

void net_slirp_print_stats(const struct net_slirp *s)
{
	fprintf(stderr,
	        " slirp_rx_frames=%llu rx_no_buffer=%llu tx_queue_full=%llu guest_errors=%llu",
	        (unsigned long long)s->n.rx_frames, (unsigned long long)s->n.rx_no_buffer,
	        (unsigned long long)s->n.tx_queue_full, (unsigned long long)s->n.guest_errors);
}

void net_slirp_close(struct net_slirp *s)
{
	net_slirp_stop(s);
	slirp_cleanup(s->slirp);
	close(s->wake_fd);
	free(s);
}
