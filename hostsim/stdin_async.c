/* Asynchronous console input (stdin_async.h; the protocol and its rules are
 * include/hw/exosim_pv.h's version 2, the ring include/exo/console.h's).
 *
 * The I/O thread watches stdin (or, for a descriptor epoll refuses, such as a
 * regular file, an eventfd that stays readable) while the ring is empty and
 * no end is waiting to be taken; each wake-up reads one batch, everything
 * that does not wait, and raises the pin once if a reader sleeps.  Readers
 * that empty the ring kick, and the kick reads the next batch itself, on the
 * vCPU thread, which otherwise only answers the attach.  Both threads hold
 * `as.lock`; the header's words are read and written with atomics, as the
 * guest's readers run concurrently on the vCPU. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <exo/console.h>

#include "device.h"
#include "fail.h"
#include "io_thread.h"
#include "ioapic.h"
#include "kvm.h"
#include "stdin_async.h"

static struct {
	pthread_mutex_t lock;
	int irq_fd;    /* raises the pin */
	int watch;     /* the I/O thread's watch */
	bool attached; /* the guest's ring is known */
	bool running;  /* the watch is in the I/O thread's epoll set */
	bool broken;   /* the readers broke the indices: stopped until repaired */
	uint64_t ring_gpa;
	uint32_t size;
	struct exo_console_ring *hdr; /* in guest RAM */
	uint8_t *data;
	uint64_t head, ends, posted; /* ours: never read back from the guest */
} as = {.lock = PTHREAD_MUTEX_INITIALIZER, .irq_fd = -1};

#define LOAD(w)     __atomic_load_n(&as.hdr->w, __ATOMIC_SEQ_CST)
#define STORE(w, v) __atomic_store_n(&as.hdr->w, (v), __ATOMIC_SEQ_CST)

static void raise_pin(void)
{
	uint64_t one = 1;
	if (write(as.irq_fd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
		fail(EXOSIM_EXIT_INTERNAL, "pv-stdin: cannot raise the interrupt: %s",
		     strerror(errno));
}

/* An edge raised while the guest had the pin masked was lost: raise it again
 * (a spurious one only makes readers look at the ring). */
static void unmasked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&as.lock);
	if (as.attached)
		raise_pin();
	pthread_mutex_unlock(&as.lock);
}

static void stop(void)
{
	STORE(paused, 1);
	if (as.running)
		io_thread_pause(as.watch);
	as.running = false;
}

static void go(void)
{
	STORE(paused, 0);
	if (!as.running)
		io_thread_resume(as.watch);
	as.running = true;
}

/* Reads what stdin has ready, never waiting: bytes, 0 at its end, -EAGAIN
 * when nothing is ready, or -errno. */
static long read_ready(uint8_t *p, size_t len)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	int ready;
	while ((ready = poll(&pfd, 1, 0)) < 0 && errno == EINTR)
		;
	if (ready < 0)
		return -errno;
	if (ready == 0)
		return -EAGAIN;
	ssize_t n;
	while ((n = read(STDIN_FILENO, p, len)) < 0 && errno == EINTR)
		;
	return n >= 0 ? n : -errno; /* POLLHUP or POLLERR: read says which */
}

/* Indices the readers broke: said once, counted (each kick refused, and the
 * batch that found them), delivery stops (and the readers, who see them too,
 * get EIO) until a kick finds them repaired. */
static bool indices_ok(const char *name, uint64_t tail, bool kick)
{
	if (as.head - tail <= as.size)
		return true;
	if (kick || !as.broken)
		device_bad_request(
		        name,
		        "ring indices head %#llx, tail %#llx: more than the ring's %u bytes apart",
		        (unsigned long long)as.head, (unsigned long long)tail, as.size);
	as.broken = true;
	stop();
	return false;
}

/* An end (0) or error after the bytes posted so far: delivery stops until a
 * kick finds it taken, so the next read after it asks the host again. */
static void post_end(long n)
{
	stop();
	STORE(end_result, (int64_t)n);
	STORE(ends, ++as.ends);
}

/* One batch: every read of stdin that does not wait, up to the free space,
 * then `posted` and the pin (if a reader sleeps).  Under the lock.
 *
 * When nothing more can be read now (none ready, or no room) and the ring
 * holds bytes, exosim stops: the reader that takes the last of them kicks,
 * and that kick's batch brings what stdin has then, in its exit, as a fill
 * would.  So a fast writer costs one exit per ring and no wake-ups of this
 * thread, and the I/O thread watches stdin only while the ring is empty,
 * for readers that sleep.  `paused` is stored before tail is looked at
 * again, and a reader loads `paused` after its locked move of tail: either
 * we see the ring emptied, or it sees `paused` and kicks. */
static void batch(void)
{
	bool posted = false;
	while (as.running) {
		uint64_t tail = LOAD(tail);
		if (!indices_ok("pv-stdin", tail, false))
			break;
		long n = -EAGAIN;
		if (as.head - tail < as.size) {
			uint32_t at = (uint32_t)(as.head & (as.size - 1));
			uint64_t room = as.size - (as.head - tail);
			size_t len =
			        room < as.size - at ? (size_t)room : as.size - at; /* to the wrap */
			n = read_ready(as.data + at, len);
		}
		if (n == -EAGAIN) {
			if (as.head == tail)
				break; /* empty: watch stdin for the readers that sleep */
			stop();
			if (LOAD(tail) != as.head)
				break; /* the readers kick once they have taken it all */
			go();
			continue; /* they had, meanwhile */
		}
		posted = true;
		if (n <= 0) {
			post_end(n);
			break;
		}
		as.head += (uint64_t)n;
		STORE(head, as.head);
	}
	if (posted) {
		STORE(posted, ++as.posted);
		if (__atomic_exchange_n(&as.hdr->waiting, 0, __ATOMIC_SEQ_CST))
			raise_pin(); /* a reader sleeps (exosim_pv.h) */
	}
}

/* On the I/O thread: stdin became ready. */
static void deliver(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&as.lock);
	batch();
	pthread_mutex_unlock(&as.lock);
}

/* A readers' kick: read on if we stopped and what stopped us is gone. */
static int32_t kick(const char *name)
{
	uint64_t tail = LOAD(tail);
	if (!indices_ok(name, tail, true))
		return PV_ERR_MALFORMED;
	as.broken = false;
	if (as.running)
		return 0;
	if (LOAD(ends_taken) != as.ends || as.head != tail)
		return 0; /* the end is not taken yet, or the ring still holds bytes */
	go();
	/* What stdin has ready comes now, in this exit, as a fill would bring
	 * it: the kicking reader finds it on its return, with no hand-off to the
	 * I/O thread and no interrupt; what comes later, the I/O thread brings. */
	batch();
	return 0;
}

/* The first request: the ring becomes ours to fill.  Its indices as the guest
 * left them must make sense; from now on head and ends are ours. */
static int32_t attach(const char *name, const struct pv_console_in *req, uint8_t *ring)
{
	if (req->ring % 4096) {
		device_bad_request(name, "an asynchronous ring at %#llx (page-aligned only)",
		                   (unsigned long long)req->ring);
		return PV_ERR_MALFORMED;
	}
	as.hdr = (struct exo_console_ring *)ring;
	as.data = ring + 4096;
	as.size = req->size;
	as.head = LOAD(head);
	if (!indices_ok(name, LOAD(tail), true))
		return PV_ERR_MALFORMED;
	as.ring_gpa = req->ring;
	as.ends = LOAD(ends_taken);
	STORE(ends, as.ends);
	as.posted = LOAD(posted);
	as.attached = true;
	go();
	batch(); /* what stdin has ready already, as a kick would */
	return 0;
}

int32_t stdin_async_request(const char *name, const struct pv_console_in *req, uint8_t *ring)
{
	pthread_mutex_lock(&as.lock);
	int32_t r;
	if (!as.attached) {
		r = attach(name, req, ring);
	} else if (req->ring != as.ring_gpa || req->size != as.size) {
		device_bad_request(name,
		                   "a kick naming ring %#llx of %u bytes (attached: %#llx, %u)",
		                   (unsigned long long)req->ring, req->size,
		                   (unsigned long long)as.ring_gpa, as.size);
		r = PV_ERR_MALFORMED;
	} else {
		r = kick(name);
	}
	pthread_mutex_unlock(&as.lock);
	return r;
}

bool stdin_async_attached(void)
{
	pthread_mutex_lock(&as.lock);
	bool a = as.attached;
	pthread_mutex_unlock(&as.lock);
	return a;
}

/* epoll refuses descriptors that cannot wait (a regular file: EPERM) and a
 * closed stdin (EBADF); their reads never wait, so they are always ready. */
static bool pollable(int fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	bool ok = ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
	if (ep >= 0)
		close(ep);
	return ok;
}

void stdin_async_wire(int irq_fd)
{
	as.irq_fd = irq_fd;
	int fd = STDIN_FILENO;
	if (!pollable(fd) && (fd = eventfd(1, EFD_CLOEXEC)) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "pv-stdin: eventfd: %s", strerror(errno));
	as.watch = io_thread_watch(fd, deliver, NULL);
	io_thread_pause(as.watch); /* until the guest attaches its ring */
	as.running = false;
}

bool stdin_async_setup(struct vm *vm)
{
	if (!vm->irqchip || strcmp(vm->irqchip, "none") == 0)
		return false; /* no interrupts: the synchronous fill only */
	stdin_async_wire(ioapic_line(vm, STDIN_ASYNC_PIN, unmasked, NULL));
	return true;
}
