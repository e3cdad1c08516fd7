/* epoll: an interest list behind a descriptor, waited on as poll waits
 * (linux_wait_io, poll.c).  Level-triggered by default; EPOLLET reports an
 * event when it rises (was not there at the last look), which is what a
 * program that drains to EAGAIN needs; EPOLLONESHOT disables the entry after
 * one report until EPOLL_CTL_MOD.  An entry whose descriptor was closed (or
 * now names another file description) is dropped, as Linux drops it when
 * the description goes. */
#include <string.h>

#include "fs.h"
#include "thread.h"
#include "vfs.h"

#define NEPOLL        16
#define EPOLL_ENTRIES 64

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

#define EPOLLERR       0x008
#define EPOLLHUP       0x010
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET        (1u << 31)
#define EPOLL_FLAGS    (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)

struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct entry {
	int fd;
	const struct ofile *of; /* the description it was added for */
	uint32_t events;        /* asked for (with the flags) */
	uint32_t last;          /* reported at the last look (EPOLLET) */
	bool disabled;          /* EPOLLONESHOT fired */
	uint64_t data;
};

static struct epoll {
	bool used;
	int n;
	struct entry e[EPOLL_ENTRIES];
} eps[NEPOLL];

void epoll_close(const struct ofile *of)
{
	eps[of->stream].used = false;
}

void linux_waitfd_close(const struct ofile *of)
{
	if (of->kind == K_EVENTFD)
		eventfd_close(of);
	else if (of->kind == K_EPOLL)
		epoll_close(of);
	else if (of->kind == K_TIMERFD)
		timerfd_close(of);
}

static struct epoll *epoll_of(long epfd, long *err)
{
	const struct ofile *of = getf(epfd);
	*err = !of ? -LINUX_EBADF : of->kind != K_EPOLL ? -LINUX_EINVAL : 0;
	return *err ? 0 : &eps[of->stream];
}

/* What entry e has to report now (0: nothing), updating its edge state. */
static uint32_t entry_ready(struct entry *e, bool consume)
{
	if (e->disabled || getf(e->fd) != e->of)
		return 0;
	uint32_t want = (e->events & ~EPOLL_FLAGS) | EPOLLERR | EPOLLHUP;
	uint32_t now = (uint16_t)linux_fd_events(e->fd, (short)want) & want;
	uint32_t report = e->events & EPOLLET ? now & ~e->last : now;
	if (consume) {
		e->last = now;
		if (report && (e->events & EPOLLONESHOT))
			e->disabled = true;
	}
	return report;
}

/* Drops entries whose descriptor was closed. */
static void prune(struct epoll *ep)
{
	int k = 0;
	for (int i = 0; i < ep->n; i++)
		if (getf(ep->e[i].fd) == ep->e[i].of)
			ep->e[k++] = ep->e[i];
	ep->n = k;
}

short epoll_events(const struct ofile *of, short events)
{
	struct epoll *ep = &eps[of->stream];
	for (int i = 0; i < ep->n; i++)
		if (entry_ready(&ep->e[i], false))
			return (short)(events & (LINUX_POLLIN | LINUX_POLLRDNORM));
	return 0;
}

static long do_create(long flags)
{
	if (flags & ~(long)LINUX_O_CLOEXEC)
		return -LINUX_EINVAL;
	int i = 0;
	while (i < NEPOLL && eps[i].used)
		i++;
	if (i == NEPOLL)
		return -LINUX_ENFILE;
	struct ofile *of = of_alloc(K_EPOLL, -1, LINUX_O_RDONLY);
	if (!of)
		return -LINUX_ENFILE;
	eps[i].used = true;
	eps[i].n = 0;
	of->stream = (uint8_t)i;
	return fd_new(of, flags & LINUX_O_CLOEXEC);
}

SYS(sys_epoll_create)
{
	UNUSED6;
	return a1 <= 0 ? -LINUX_EINVAL : do_create(0);
}

SYS(sys_epoll_create1)
{
	UNUSED6;
	return do_create(a1);
}

SYS(sys_epoll_ctl)
{
	UNUSED6;
	long err;
	struct epoll *ep = epoll_of(a1, &err);
	const struct ofile *of = getf(a3);
	struct epoll_event ev = {0};
	if (!ep)
		return err;
	if (!of)
		return -LINUX_EBADF;
	if (a1 == a3)
		return -LINUX_EINVAL;
	if (of->kind == K_FILE || of->kind == K_DIR || of->kind == K_GEN)
		return -LINUX_EPERM; /* they are always ready: Linux refuses them */
	if (a2 != EPOLL_CTL_DEL && linux_copy_from_user(&ev, (uint64_t)a4, sizeof(ev)))
		return -LINUX_EFAULT;
	prune(ep);
	int i = 0;
	while (i < ep->n && ep->e[i].fd != a3)
		i++;
	switch (a2) {
	case EPOLL_CTL_ADD:
		if (i < ep->n)
			return -LINUX_EEXIST;
		if (ep->n == EPOLL_ENTRIES)
			return -LINUX_ENOSPC;
		ep->n++;
		break;
	case EPOLL_CTL_MOD:
	case EPOLL_CTL_DEL:
		if (i == ep->n)
			return -LINUX_ENOENT;
		if (a2 == EPOLL_CTL_DEL) {
			ep->e[i] = ep->e[--ep->n];
			return 0;
		}
		break;
	default:
		return -LINUX_EINVAL;
	}
	ep->e[i] = (struct entry){.fd = (int)a3, .of = of, .events = ev.events, .data = ev.data};
	return 0;
}

struct wait_args {
	struct epoll *ep;
	uint64_t uevents;
	int max;
};

static long scan(void *arg)
{
	struct wait_args *a = arg;
	struct epoll *ep = a->ep;
	long n = 0;
	prune(ep);
	for (int i = 0; i < ep->n && n < a->max; i++) {
		uint32_t r = entry_ready(&ep->e[i], true);
		if (!r)
			continue;
		struct epoll_event ev = {r, ep->e[i].data};
		if (linux_copy_to_user(a->uevents + (uint64_t)n * sizeof(ev), &ev, sizeof(ev)))
			return -LINUX_EFAULT;
		n++;
	}
	return n;
}

static long do_wait(long epfd, long uevents, long max, int64_t timeout_ns, long umask, long size)
{
	long err;
	struct epoll *ep = epoll_of(epfd, &err);
	if (!ep)
		return err;
	if (max <= 0 || max > 0x7fffffff / (long)sizeof(struct epoll_event))
		return -LINUX_EINVAL;
	if (!linux_user_ok((uint64_t)uevents, (size_t)max * sizeof(struct epoll_event), true))
		return -LINUX_EFAULT;
	uint64_t old = 0, mask;
	if (umask) {
		if (size != 8)
			return -LINUX_EINVAL;
		if (linux_copy_from_user(&mask, (uint64_t)umask, sizeof(mask)))
			return -LINUX_EFAULT;
		old = linux_signal_setmask(mask);
	}
	struct wait_args a = {ep, (uint64_t)uevents, (int)max};
	long r = linux_wait_io(scan, &a, timeout_ns);
	if (umask)
		linux_signal_mask_end(old, r);
	return r;
}

static int64_t ms_ns(long ms)
{
	return (int)ms < 0 ? -1 : (int64_t)(int)ms * 1000000;
}

SYS(sys_epoll_wait)
{
	UNUSED6;
	return do_wait(a1, a2, a3, ms_ns(a4), 0, 0);
}

SYS(sys_epoll_pwait)
{
	UNUSED6;
	return do_wait(a1, a2, a3, ms_ns(a4), a5, a6);
}

SYS(sys_epoll_pwait2)
{
	UNUSED6;
	int64_t ns = -1;
	if (a4) {
		struct linux_timespec ts;
		if (linux_copy_from_user(&ts, (uint64_t)a4, sizeof(ts)))
			return -LINUX_EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -LINUX_EINVAL;
		ns = ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	return do_wait(a1, a2, a3, ns, a5, a6);
}

const struct linux_syscall_def linux_epoll_syscalls[] = {
        LINUX_DEF(epoll_create), LINUX_DEF(epoll_create1), LINUX_DEF(epoll_ctl),
        LINUX_DEF(epoll_wait),   LINUX_DEF(epoll_pwait),   LINUX_DEF(epoll_pwait2),
};
const size_t linux_epoll_nsyscalls = ARRAY_LEN(linux_epoll_syscalls);
