/* eventfd: a 64-bit counter behind a descriptor.  A read takes the count
 * (or 1 with EFD_SEMAPHORE) and blocks while it is 0; a write adds and blocks
 * while the sum would pass 2^64 - 2.  Blocking is linux_wait_io (poll.c): the
 * other side is another thread of the process, whose call moves the I/O
 * sequence word. */
#include "fs.h"
#include "thread.h"
#include "vfs.h"

#define NEVENTFD      64
#define EFD_SEMAPHORE 1
#define EFD_MAX       0xfffffffffffffffeull

static struct {
	bool used, semaphore;
	uint64_t count;
} efds[NEVENTFD];

short eventfd_events(const struct ofile *of, short events)
{
	uint64_t c = efds[of->stream].count;
	short ready = 0;
	if (c > 0)
		ready |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (c < EFD_MAX)
		ready |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	return (short)(ready & events);
}

void eventfd_close(const struct ofile *of)
{
	efds[of->stream].used = false;
}

struct rw {
	const struct ofile *of;
	uint64_t value; /* write: what to add; read: what was taken */
	bool write;
};

static long try_rw(void *arg)
{
	struct rw *a = arg;
	uint64_t *c = &efds[a->of->stream].count;
	if (a->write) {
		if (a->value > EFD_MAX - *c)
			return 0;
		*c += a->value;
		return 1;
	}
	if (!*c)
		return 0;
	a->value = efds[a->of->stream].semaphore ? 1 : *c;
	*c -= a->value;
	return 1;
}

static long transfer(struct ofile *of, struct rw *a)
{
	long r = try_rw(a);
	if (r)
		return r;
	if (of->flags & LINUX_O_NONBLOCK)
		return -LINUX_EAGAIN;
	r = linux_wait_io(try_rw, a, -1);
	return r < 0 ? r : 1;
}

long eventfd_read(struct ofile *of, uint64_t dst, size_t n, bool user)
{
	if (n < 8)
		return -LINUX_EINVAL;
	if (!mem_ok(dst, 8, true, user))
		return -LINUX_EFAULT;
	struct rw a = {of, 0, false};
	long r = transfer(of, &a);
	if (r < 0)
		return r;
	*(uint64_t *)dst = a.value;
	return 8;
}

long eventfd_write(struct ofile *of, uint64_t src, size_t n, bool user)
{
	if (n < 8)
		return -LINUX_EINVAL;
	if (!mem_ok(src, 8, false, user))
		return -LINUX_EFAULT;
	struct rw a = {of, *(const uint64_t *)src, true};
	if (a.value == ~0ull)
		return -LINUX_EINVAL;
	long r = transfer(of, &a);
	return r < 0 ? r : 8;
}

SYS(sys_eventfd2)
{
	UNUSED6;
	if (a2 & ~(long)(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK | EFD_SEMAPHORE))
		return -LINUX_EINVAL;
	int i = 0;
	while (i < NEVENTFD && efds[i].used)
		i++;
	if (i == NEVENTFD)
		return -LINUX_ENFILE;
	struct ofile *of =
	        of_alloc(K_EVENTFD, -1, LINUX_O_RDWR | (uint32_t)(a2 & LINUX_O_NONBLOCK));
	if (!of)
		return -LINUX_ENFILE;
	efds[i].used = true; /* fd_new's failure closes it again */
	efds[i].semaphore = a2 & EFD_SEMAPHORE;
	efds[i].count = (uint32_t)a1;
	of->stream = (uint8_t)i;
	return fd_new(of, a2 & LINUX_O_CLOEXEC);
}

SYS(sys_eventfd)
{
	UNUSED6;
	return sys_eventfd2(a1, 0, 0, 0, 0, 0);
}

const struct linux_syscall_def linux_eventfd_syscalls[] = {
        LINUX_DEF(eventfd),
        LINUX_DEF(eventfd2),
};
const size_t linux_eventfd_nsyscalls = ARRAY_LEN(linux_eventfd_syscalls);
