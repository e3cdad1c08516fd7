/* The I/O thread (io_thread.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fail.h"
#include "io_thread.h"

#define WATCHES_MAX 64

static struct watch {
	int fd;
	void (*handler)(void *arg);
	void *arg;
} watches[WATCHES_MAX];
static int nwatches, epfd = -1, stop_fd = -1;
static pthread_t thread;
static bool running;

static void ctl(int op, int fd, uint32_t events, uint64_t key)
{
	struct epoll_event ev = {.events = events, .data.u64 = key};
	if (epoll_ctl(epfd, op, fd, &ev) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "epoll_ctl: %s", strerror(errno));
}

static void add_fd(int fd, uint64_t key)
{
	ctl(EPOLL_CTL_ADD, fd, EPOLLIN, key);
}

static void open_epoll(void)
{
	if (epfd >= 0)
		return;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (epfd < 0 || stop_fd < 0)
		fail(EXOSIM_EXIT_INTERNAL, "the I/O thread's epoll: %s", strerror(errno));
	add_fd(stop_fd, WATCHES_MAX); /* the key past every watch: stop */
}

int io_thread_watch(int fd, void (*handler)(void *arg), void *arg)
{
	if ((running && !pthread_equal(pthread_self(), thread)) || nwatches == WATCHES_MAX)
		fail(EXOSIM_EXIT_INTERNAL, "the I/O thread cannot watch another descriptor");
	open_epoll();
	watches[nwatches] = (struct watch){fd, handler, arg};
	if (fd >= 0)
		add_fd(fd, (uint64_t)nwatches);
	return nwatches++;
}

void io_thread_set_fd(int watch, int fd)
{
	struct watch *w = &watches[watch];
	if (w->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = fd;
	if (fd >= 0)
		add_fd(fd, (uint64_t)watch);
}

/* Out of the epoll set, not just without events: epoll reports a hang-up
 * whatever the events asked, and a paused watch must not be called. */
void io_thread_pause(int watch)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, watches[watch].fd, NULL);
}

void io_thread_resume(int watch)
{
	add_fd(watches[watch].fd, (uint64_t)watch);
}

static void *loop(void *unused)
{
	(void)unused;
	for (;;) {
		struct epoll_event ev[16];
		int n = epoll_wait(epfd, ev, 16, -1);
		if (n < 0 && errno != EINTR)
			fail(EXOSIM_EXIT_INTERNAL, "the I/O thread's epoll_wait: %s",
			     strerror(errno));
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == WATCHES_MAX) {
				uint64_t n; /* drained: a later start runs */
				if (read(stop_fd, &n, sizeof(n)) < 0)
					fail(EXOSIM_EXIT_INTERNAL, "the I/O thread's stop: %s",
					     strerror(errno));
				return NULL;
			}
			struct watch *w = &watches[ev[i].data.u64];
			w->handler(w->arg);
		}
	}
}

void io_thread_start(void)
{
	if (!nwatches)
		return;
	/* Signals stay with the vCPU thread: SIGALRM (deadline.c) must interrupt
	 * KVM_RUN there, not land here. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&thread, NULL, loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e)
		fail(EXOSIM_EXIT_INTERNAL, "cannot start the I/O thread: %s", strerror(e));
	running = true;
}

void io_thread_stop(void)
{
	if (!running)
		return;
	uint64_t one = 1;
	if (write(stop_fd, &one, sizeof(one)) != sizeof(one))
		fail(EXOSIM_EXIT_INTERNAL, "cannot stop the I/O thread: %s", strerror(errno));
	pthread_join(thread, NULL);
	running = false;
}
