/* poll and ppoll over every kind of descriptor. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "thread.h"
#include "vfs.h"

#define POLL_CHUNK 64 /* pollfds copied in at a time */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

static short poll_events(long fd, short events)
{
	const struct ofile *of = getf(fd);
	short ready = 0;

	if (fd < 0)
		return 0;
	if (!of)
		return LINUX_POLLNVAL;
	if (of->kind == K_PIPE)
		return pipe_events(of, events);
	/* Files and devices never block; console input blocks in its read,
	 * which is what a program that polls is about to do. */
	if (readable(of))
		ready |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (writable(of))
		ready |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	return (short)(events & ready);
}

/* Waits until the deadline (ns of linux_monotonic_ns) or a signal: poll
 * with nothing to wait for is how some programs sleep. */
static long sleep_until(uint64_t deadline)
{
	long r;
	while ((r = linux_block(0, 0, deadline)) == 0)
		;
	return r == -LINUX_EINTR ? r : 0;
}

static long do_poll(long ufds, long nfds, int64_t timeout_ns)
{
	struct linux_pollfd p[POLL_CHUNK];
	long ready = 0;

	if (nfds < 0 || nfds > NFD)
		return -LINUX_EINVAL;
	for (long i = 0; i < nfds; i += POLL_CHUNK) {
		long k = nfds - i < POLL_CHUNK ? nfds - i : POLL_CHUNK;
		uint64_t at = (uint64_t)ufds + (uint64_t)i * sizeof(p[0]);

		if (linux_copy_from_user(p, at, (size_t)k * sizeof(p[0])) < 0)
			return -LINUX_EFAULT;
		for (long j = 0; j < k; j++) {
			p[j].revents = poll_events(p[j].fd, p[j].events);
			ready += p[j].revents != 0;
		}
		if (linux_copy_to_user(at, p, (size_t)k * sizeof(p[0])) < 0)
			return -LINUX_EFAULT;
	}
	/* Nothing will ever become ready: a finite timeout is a sleep; an
	 * infinite one would hang the program, so it returns at once. */
	if (ready == 0 && timeout_ns > 0)
		return sleep_until(linux_monotonic_ns() + (uint64_t)timeout_ns);
	return ready;
}

static long sys_poll(long ufds, long nfds, long timeout_ms, long a4, long a5, long a6)
{
	return do_poll(ufds, nfds, (int)timeout_ms < 0 ? -1 : (int64_t)(int)timeout_ms * 1000000);
}

static long sys_ppoll(long ufds, long nfds, long uts, long a4, long a5, long a6)
{
	struct linux_timespec ts;

	if (!uts)
		return do_poll(ufds, nfds, -1);
	if (linux_copy_from_user(&ts, (uint64_t)uts, sizeof(ts)) < 0)
		return -LINUX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -LINUX_EINVAL;
	return do_poll(ufds, nfds, ts.tv_sec * 1000000000 + ts.tv_nsec);
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_poll_syscalls[] = {
        LINUX_DEF(poll),
        LINUX_DEF(ppoll),
};

const size_t linux_poll_nsyscalls = ARRAY_LEN(linux_poll_syscalls);
