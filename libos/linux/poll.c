/* poll, ppoll, select and pselect6 over every kind of descriptor.
 *
 * Readiness is looked at, and if nothing is ready the caller sleeps in
 * linux_block until the process's I/O sequence word moves (every call that
 * returns bumps it: another thread may have written to a pipe, closed an
 * end, signalled an eventfd), a signal comes or the timeout passes; then it
 * looks again.  A single-threaded process sleeps in the kernel meanwhile and
 * uses no CPU. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "proc.h"
#include "rootfs.h"
#include "thread.h"
#include "unix_socket.h"
#include "vfs.h"

#define POLL_CHUNK 64 /* pollfds copied in at a time */
#define NS         1000000000ll

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* Terms for what another process may change (collected by a scan): the I/O
 * sequence word only sees this process's calls.  With that word, as many as
 * linux_block passes to the kernel whole (it adds two of its own). */
static struct exo_pred_term fd_terms[EXO_PRED_MAX_TERMS - 3];
static int nfd_terms;

/* A term that becomes true when `of` may have changed because of another
 * process: a pipe (in the shared region) whose other end is elsewhere, or an
 * AF_UNIX socket (any socket's change moves one word).  Taken before the scan
 * reads the file, so a change between the two is not lost. */
static bool fd_term(const struct ofile *of, struct exo_pred_term *t)
{
	if (of->kind == K_PIPE)
		return pipe_term(of, t);
	return of->kind == K_SOCKET && usock_term(of, t);
}

/* More shared files than terms: the last term watches the word any change
 * to any of them bumps (a wake-up may then be for another file: the scan
 * looks again).  Sockets all watch one word (usock_term): it goes in once. */
static void add_term(struct exo_pred_term t)
{
	int last = (int)ARRAY_LEN(fd_terms) - 1;
	if (nfd_terms > last)
		return;
	for (int i = 0; i < nfd_terms; i++)
		if (fd_terms[i].lhs == t.lhs && fd_terms[i].rhs == t.rhs)
			return;
	if (nfd_terms < last) {
		fd_terms[nfd_terms++] = t;
		return;
	}
	struct shared_hdr *sh = linux_shared();
	fd_terms[last] = linux_pred_word(&sh->io_seq, EXO_PRED_NE, sh->io_seq);
	nfd_terms = last + 1;
}

static void add_fd_term(const struct ofile *of)
{
	struct exo_pred_term t;
	if (fd_term(of, &t))
		add_term(t);
}

short linux_fd_events(long fd, short events)
{
	const struct ofile *of = getf(fd);
	short ready = 0;

	if (fd < 0)
		return 0;
	if (!of)
		return LINUX_POLLNVAL;
	add_fd_term(of);
	if (of->kind == K_PIPE)
		return pipe_events(of, events);
	if (of->kind == K_EVENTFD)
		return eventfd_events(of, events);
	if (of->kind == K_TIMERFD)
		return timerfd_events(of, events);
	if (of->kind == K_EPOLL)
		return epoll_events(of, events);
	if (of->kind == K_SOCKET)
		return usock_events(of, events);
	/* Files and devices never block.  Console input is ready once the
	 * ring holds bytes or an end (or always, where a read waits in the
	 * fill: exosim's synchronous input); until then, its term wakes us. */
	struct exo_pred_term t;
	if (!readable(of))
		;
	else if (of->kind == K_CONSOLE && (events & (LINUX_POLLIN | LINUX_POLLRDNORM)) &&
	         console_input_term(&t))
		add_term(t);
	else
		ready |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (writable(of))
		ready |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	return (short)(events & ready);
}

long linux_wait_io(long (*scan)(void *), void *arg, int64_t timeout_ns)
{
	uint64_t deadline = timeout_ns > 0 ? linux_monotonic_ns() + (uint64_t)timeout_ns : 0;
	for (;;) {
		struct exo_pred_term t[EXO_PRED_MAX_TERMS];
		uint64_t seq = linux_io_seq;
		nfd_terms = 0;
		long ready = scan(arg);
		if (ready != 0 || timeout_ns == 0)
			return ready;
		t[0] = linux_pred_word(&linux_io_seq, EXO_PRED_NE, seq);
		for (int i = 0; i < nfd_terms; i++)
			t[i + 1] = fd_terms[i];
		for (int i = 0; i <= nfd_terms; i++)
			t[i].flags |= EXO_PRED_OR; /* each one alone is enough */
		long r = linux_block(t, nfd_terms + 1, deadline);
		if (r == -LINUX_EINTR)
			return r;
		if (r == -LINUX_ETIMEDOUT)
			return scan(arg);
	}
}

/* ---- poll ------------------------------------------------------------- */

struct poll_args {
	uint64_t ufds;
	long nfds;
};

static long poll_scan(void *arg)
{
	const struct poll_args *a = arg;
	struct linux_pollfd p[POLL_CHUNK];
	long ready = 0;

	for (long i = 0; i < a->nfds; i += POLL_CHUNK) {
		long k = a->nfds - i < POLL_CHUNK ? a->nfds - i : POLL_CHUNK;
		uint64_t at = a->ufds + (uint64_t)i * sizeof(p[0]);

		if (linux_copy_from_user(p, at, (size_t)k * sizeof(p[0])) < 0)
			return -LINUX_EFAULT;
		for (long j = 0; j < k; j++) {
			p[j].revents = linux_fd_events(p[j].fd, p[j].events);
			ready += p[j].revents != 0;
		}
		if (linux_copy_to_user(at, p, (size_t)k * sizeof(p[0])) < 0)
			return -LINUX_EFAULT;
	}
	return ready;
}

/* timeout_ns < 0: forever. */
static long do_poll(long ufds, long nfds, int64_t timeout_ns)
{
	if (nfds < 0 || nfds > NFD)
		return -LINUX_EINVAL;
	struct poll_args a = {(uint64_t)ufds, nfds};
	return linux_wait_io(poll_scan, &a, timeout_ns);
}

/* A temporary signal mask for ppoll and pselect6 (0 set: none). */
static long mask_swap(long umask, long size, uint64_t *old, bool *swapped)
{
	uint64_t m;
	*swapped = false;
	if (!umask)
		return 0;
	if (size != 8)
		return -LINUX_EINVAL;
	if (linux_copy_from_user(&m, (uint64_t)umask, sizeof(m)))
		return -LINUX_EFAULT;
	*old = linux_signal_setmask(m);
	*swapped = true;
	return 0;
}

static long read_timeout(long uts, int64_t *ns)
{
	struct linux_timespec ts;
	*ns = -1;
	if (!uts)
		return 0;
	if (linux_copy_from_user(&ts, (uint64_t)uts, sizeof(ts)) < 0)
		return -LINUX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NS)
		return -LINUX_EINVAL;
	*ns = ts.tv_sec * NS + ts.tv_nsec;
	return 0;
}

static long sys_poll(long ufds, long nfds, long timeout_ms, long a4, long a5, long a6)
{
	return do_poll(ufds, nfds, (int)timeout_ms < 0 ? -1 : (int64_t)(int)timeout_ms * 1000000);
}

static long sys_ppoll(long ufds, long nfds, long uts, long umask, long size, long a6)
{
	int64_t ns;
	uint64_t old = 0;
	bool swapped;
	long r = read_timeout(uts, &ns);
	if (r || (r = mask_swap(umask, size, &old, &swapped)))
		return r;
	r = do_poll(ufds, nfds, ns);
	if (swapped)
		linux_signal_mask_end(old, r);
	return r;
}

/* ---- select ----------------------------------------------------------- */

#define SEL_IN  (LINUX_POLLIN | LINUX_POLLRDNORM | LINUX_POLLHUP | LINUX_POLLERR)
#define SEL_OUT (LINUX_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLERR)
#define SEL_EX  0x002 /* POLLPRI */

struct select_args {
	int nfds;
	uint64_t uset[3]; /* read, write, except: program addresses or 0 */
	uint64_t in[3][NFD / 64];
};

static long select_scan(void *arg)
{
	struct select_args *a = arg;
	uint64_t out[3][NFD / 64];
	size_t words = ((size_t)a->nfds + 63) / 64;
	long ready = 0;

	memset(out, 0, sizeof(out));
	for (int fd = 0; fd < a->nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		bool r = a->in[0][fd / 64] & bit, w = a->in[1][fd / 64] & bit,
		     x = a->in[2][fd / 64] & bit;
		if (!r && !w && !x)
			continue;
		short ev = linux_fd_events(fd, (short)(LINUX_POLLIN | LINUX_POLLOUT | SEL_EX));
		if (ev & LINUX_POLLNVAL)
			return -LINUX_EBADF;
		if (r && (ev & SEL_IN))
			out[0][fd / 64] |= bit, ready++;
		if (w && (ev & SEL_OUT))
			out[1][fd / 64] |= bit, ready++;
		if (x && (ev & SEL_EX))
			out[2][fd / 64] |= bit, ready++;
	}
	if (ready)
		for (int i = 0; i < 3; i++)
			if (a->uset[i] && linux_copy_to_user(a->uset[i], out[i], words * 8))
				return -LINUX_EFAULT;
	return ready;
}

static long do_select(long nfds, long r, long w, long x, int64_t timeout_ns)
{
	struct select_args a;
	if (nfds < 0 || nfds > NFD)
		return -LINUX_EINVAL;
	size_t words = ((size_t)nfds + 63) / 64;
	a.nfds = (int)nfds;
	long u[3] = {r, w, x};
	memset(a.in, 0, sizeof(a.in));
	for (int i = 0; i < 3; i++) {
		a.uset[i] = (uint64_t)u[i];
		if (u[i] && linux_copy_from_user(a.in[i], (uint64_t)u[i], words * 8))
			return -LINUX_EFAULT;
	}
	long n = linux_wait_io(select_scan, &a, timeout_ns);
	if (n == 0) /* nothing: every set comes back empty */
		for (int i = 0; i < 3; i++) {
			uint64_t zero[NFD / 64] = {0};
			if (u[i] && linux_copy_to_user((uint64_t)u[i], zero, words * 8))
				return -LINUX_EFAULT;
		}
	return n;
}

static long sys_select(long nfds, long r, long w, long x, long utv, long a6)
{
	int64_t ns = -1;
	struct linux_timeval tv;
	if (utv) {
		if (linux_copy_from_user(&tv, (uint64_t)utv, sizeof(tv)))
			return -LINUX_EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -LINUX_EINVAL;
		ns = tv.tv_sec * NS + tv.tv_usec * 1000;
	}
	uint64_t start = linux_monotonic_ns();
	long n = do_select(nfds, r, w, x, ns);
	if (utv && n >= 0) { /* Linux writes back the time left */
		uint64_t spent = linux_monotonic_ns() - start;
		int64_t left = ns > (int64_t)spent ? ns - (int64_t)spent : 0;
		tv = (struct linux_timeval){left / NS, left % NS / 1000};
		linux_copy_to_user((uint64_t)utv, &tv, sizeof(tv));
	}
	return n;
}

static long sys_pselect6(long nfds, long r, long w, long x, long uts, long usig)
{
	int64_t ns;
	uint64_t old = 0, sig[2] = {0, 0};
	bool swapped = false;
	long e = read_timeout(uts, &ns);
	if (e)
		return e;
	if (usig && linux_copy_from_user(sig, (uint64_t)usig, sizeof(sig)))
		return -LINUX_EFAULT;
	if ((e = mask_swap((long)sig[0], (long)sig[1], &old, &swapped)))
		return e;
	e = do_select(nfds, r, w, x, ns);
	if (swapped)
		linux_signal_mask_end(old, e);
	return e;
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_poll_syscalls[] = {
        LINUX_DEF(poll),
        LINUX_DEF(ppoll),
        LINUX_DEF(select),
        LINUX_DEF(pselect6),
};

const size_t linux_poll_nsyscalls = ARRAY_LEN(linux_poll_syscalls);
