/* Pipes, with Linux's buffer geometry, shared between processes: the pipe
 * table and the buffers live in the shared region (shared.c), changed under
 * its lock.  A reader of an empty pipe, or a writer to a full one, sleeps in
 * linux_block on the pipe's sequence word, which every change bumps. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "proc.h"
#include "rootfs.h"
#include "thread.h"
#include "vfs.h"

/* The buffer is Linux's: 16 page slots, a write filling new pages after
 * topping up the last one, so the counts a program sees (how much fits,
 * short writes) come out the same. */
#define NPIPE      255
#define PIPE_SLOTS 16u
#define PIPE_PAGE  4096u
#define PIPE_BUF   4096u /* writes up to this are atomic */

struct pipe {
	uint32_t tail, head;       /* slots [tail, head), counted mod PIPE_SLOTS */
	uint32_t len;              /* bytes in them */
	uint16_t readers, writers; /* open file descriptions of each end, in all processes */
	struct {
		uint16_t off, len;
	} slot[PIPE_SLOTS];
	volatile uint64_t seq;      /* ++ at every change: what sleepers watch */
	uint32_t sleeper;           /* env id of the last process to sleep on it, 0: none */
	uint8_t (*page)[PIPE_PAGE]; /* PIPE_SLOTS pages in the shared region; NULL: free */
};

static struct pipe *pipes; /* NPIPE entries in the shared region */

static struct pipe *table(void)
{
	struct shared_hdr *sh;
	if (pipes)
		return pipes;
	if (!(sh = linux_shared()))
		return NULL;
	if (!sh->pipes_va) {
		void *t = exos_shared_alloc(NPIPE * sizeof(struct pipe));
		linux_shared_lock();
		if (!sh->pipes_va)
			sh->pipes_va = (uint64_t)t, t = NULL;
		linux_shared_unlock();
		exos_shared_free(t, NPIPE * sizeof(struct pipe));
	}
	pipes = (struct pipe *)sh->pipes_va;
	return pipes;
}

static struct pipe *pipe_of(const struct ofile *of)
{
	return &table()[of->stream];
}

/* Every change: sleepers on this pipe, and pollers of many, wake; the one
 * that sleeps on it gets the CPU when we next wait (ping-pong: the reader we
 * fed runs at once, a directed wake-up, not at the scheduler's next look). */
static void changed(struct pipe *p)
{
	p->seq++;
	linux_shared()->io_seq++;
	if (p->sleeper) {
		linux_handoff_to(p->sleeper);
		p->sleeper = 0;
	}
}

/* True once p changes from what we saw (seq): any process's read, write or
 * close bumps it. */
static struct exo_pred_term change_term(struct pipe *p, uint64_t seq)
{
	return (struct exo_pred_term){.op = EXO_PRED_NE,
	                              .lhs_kind = EXO_OPND_MEM,
	                              .rhs_kind = EXO_OPND_CONST,
	                              .lhs = (uint64_t)&p->seq,
	                              .rhs = seq};
}

/* Sleeps until p changes from what we saw (seq).  The writer we wait for
 * learns who sleeps here (changed): a racy store, but only a hint. */
static long wait_change(struct pipe *p, uint64_t seq)
{
	struct exo_pred_term t = change_term(p, seq);
	p->sleeper = linux_handoff_self();
	return linux_block(&t, 1, 0);
}

bool pipe_term(const struct ofile *of, struct exo_pred_term *t)
{
	struct pipe *p = pipe_of(of);
	*t = change_term(p, p->seq);
	return true;
}

static bool nonblocking(const struct ofile *of)
{
	return of->flags & LINUX_O_NONBLOCK;
}

static long take(struct pipe *p, uint64_t dst, size_t k)
{
	for (size_t done = 0, c; done < k; done += c) {
		unsigned i = p->tail % PIPE_SLOTS;

		c = p->slot[i].len < k - done ? p->slot[i].len : k - done;
		memcpy((uint8_t *)dst + done, p->page[i] + p->slot[i].off, c);
		p->slot[i].off += (uint16_t)c;
		p->slot[i].len -= (uint16_t)c;
		if (p->slot[i].len == 0)
			p->tail++;
	}
	p->len -= (uint32_t)k;
	changed(p);
	return (long)k;
}

long pipe_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
{
	struct pipe *p = pipe_of(of);
	bool later = linux_read_later_iov();

	if (n == 0)
		return 0;
	if (!mem_ok(dst, n < p->len ? n : p->len, true, user))
		return -LINUX_EFAULT;
	for (;;) {
		linux_shared_lock();
		uint64_t seq = p->seq;
		size_t k = p->len < n ? p->len : n;
		bool writers = p->writers != 0;
		long r = k ? take(p, dst, k) : 0;
		linux_shared_unlock();
		if (r > 0) {
			linux_read_got();
			return r;
		}
		if (!writers)
			return 0;
		if (nonblocking(of) || later)
			return -LINUX_EAGAIN;
		if (!mem_ok(dst, n, true, user))
			return -LINUX_EFAULT;
		r = wait_change(p, seq);
		if (r < 0)
			return r;
	}
}

/* Linux's pipe_write: n % PAGE bytes go into the last page if they fit
 * there, the rest into fresh pages.  Returns what fitted (0: nothing). */
static size_t put(struct pipe *p, const uint8_t *s, size_t n)
{
	unsigned last = (p->head - 1) % PIPE_SLOTS, chars = (unsigned)(n % PIPE_PAGE);
	size_t merge = 0, fresh = (PIPE_SLOTS - (p->head - p->tail)) * PIPE_PAGE;

	if (chars && p->len && p->slot[last].off + p->slot[last].len + chars <= PIPE_PAGE)
		merge = chars;
	if (fresh > n - merge)
		fresh = n - merge;
	/* A write of at most PIPE_BUF goes in whole or waits. */
	if (n <= PIPE_BUF && merge + fresh < n)
		return 0;
	memcpy(p->page[last] + p->slot[last].off + p->slot[last].len, s, merge);
	p->slot[last].len += (uint16_t)merge;
	for (size_t done = 0, c; done < fresh; done += c, p->head++) {
		unsigned i = p->head % PIPE_SLOTS;

		c = fresh - done < PIPE_PAGE ? fresh - done : PIPE_PAGE;
		memcpy(p->page[i], s + merge + done, c);
		p->slot[i].off = 0;
		p->slot[i].len = (uint16_t)c;
	}
	p->len += (uint32_t)(merge + fresh);
	if (merge + fresh)
		changed(p);
	return merge + fresh;
}

long pipe_write(const struct ofile *of, uint64_t src, size_t n, bool user)
{
	struct pipe *p = pipe_of(of);
	size_t done = 0;

	if (n == 0)
		return 0;
	if (!mem_ok(src, n, false, user))
		return -LINUX_EFAULT;
	for (;;) {
		linux_shared_lock();
		uint64_t seq = p->seq;
		bool readers = p->readers != 0;
		if (readers)
			done += put(p, (const uint8_t *)src + done, n - done);
		linux_shared_unlock();
		if (!readers) {
			linux_signal_raise(linux_cur_ctx, LINUX_SIGPIPE);
			return done ? (long)done : -LINUX_EPIPE;
		}
		if (done == n)
			return (long)n;
		if (nonblocking(of))
			return done ? (long)done : -LINUX_EAGAIN;
		long r = wait_change(p, seq);
		if (r < 0)
			return done ? (long)done : r;
	}
}

size_t pipe_bytes(const struct ofile *of)
{
	return pipe_of(of)->len;
}

static void end_count(struct pipe *p, const struct ofile *of, int delta)
{
	if ((of->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
		p->readers = (uint16_t)(p->readers + delta);
	else
		p->writers = (uint16_t)(p->writers + delta);
	changed(p);
}

void pipe_close_end(const struct ofile *of)
{
	struct pipe *p = pipe_of(of);
	void *page = NULL;

	linux_shared_lock();
	end_count(p, of, -1);
	if (!p->readers && !p->writers) {
		page = p->page;
		p->page = NULL;
	}
	linux_shared_unlock();
	exos_shared_free(page, PIPE_SLOTS * PIPE_PAGE);
}

/* POLLHUP and POLLERR are reported whether asked for or not. */
short pipe_events(const struct ofile *of, short events)
{
	const struct pipe *p = pipe_of(of);
	short ready = 0;

	if (readable(of)) {
		if (p->len)
			ready |= (short)(events & (LINUX_POLLIN | LINUX_POLLRDNORM));
		if (!p->writers)
			ready |= LINUX_POLLHUP;
	} else {
		if (p->head - p->tail < PIPE_SLOTS)
			ready |= (short)(events & (LINUX_POLLOUT | LINUX_POLLWRNORM));
		if (!p->readers)
			ready |= LINUX_POLLERR;
	}
	return ready;
}

/* A free pipe with its buffer, or -1. */
static int pipe_new(void)
{
	struct pipe *t = table();
	void *buf = t ? exos_shared_alloc(PIPE_SLOTS * PIPE_PAGE) : NULL;
	int found = -1;

	if (!buf)
		return -1;
	linux_shared_lock();
	for (int i = 0; i < NPIPE && found < 0; i++)
		if (!t[i].page && !t[i].readers && !t[i].writers) {
			uint64_t seq = t[i].seq;
			memset(&t[i], 0, sizeof(t[i]));
			t[i].seq = seq + 1;
			t[i].page = buf;
			t[i].readers = t[i].writers = 1;
			found = i;
		}
	linux_shared_unlock();
	if (found < 0)
		exos_shared_free(buf, PIPE_SLOTS * PIPE_PAGE);
	return found;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

static long sys_pipe2(long ufds, long flags, long a3, long a4, long a5, long a6)
{
	uint32_t status = (uint32_t)(flags & ~LINUX_O_CLOEXEC);
	int fds[2], i;
	struct ofile *r, *w;

	if (flags & ~(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK | LINUX_O_DIRECT))
		return -LINUX_EINVAL;
	fds[0] = (int)fd_lowest(0);
	fds[1] = fds[0] < 0 ? -1 : (int)fd_lowest(fds[0] + 1);
	if (fds[1] < 0)
		return -LINUX_EMFILE;
	if (!linux_user_ok((uint64_t)ufds, sizeof(fds), true))
		return -LINUX_EFAULT;
	r = of_alloc(K_PIPE, -1, LINUX_O_RDONLY | status);
	w = r ? of_alloc(K_PIPE, -1, LINUX_O_WRONLY | status) : NULL;
	if (!w) {
		of_free(r);
		return -LINUX_ENFILE;
	}
	if ((i = pipe_new()) < 0) {
		of_free(r);
		of_free(w);
		return table() ? -LINUX_ENFILE : -LINUX_ENOMEM;
	}
	linux_copy_to_user((uint64_t)ufds, fds, sizeof(fds));
	r->stream = w->stream = (uint8_t)i;
	fd_new(r, flags & LINUX_O_CLOEXEC); /* fds[0] and fds[1]: the lowest free */
	fd_new(w, flags & LINUX_O_CLOEXEC);
	return 0;
}

static long sys_pipe(long ufds, long a2, long a3, long a4, long a5, long a6)
{
	return sys_pipe2(ufds, 0, 0, 0, 0, 0);
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_pipe_syscalls[] = {
        LINUX_DEF(pipe),
        LINUX_DEF(pipe2),
};

const size_t linux_pipe_nsyscalls = ARRAY_LEN(linux_pipe_syscalls);
