/* Pipes, with Linux's buffer geometry. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

/* One process holds both ends, so nobody can ever empty a full pipe or fill
 * an empty one while the program waits: what would block forever on Linux
 * fails with EAGAIN instead of hanging.  The buffer is Linux's too: 16 page
 * slots, a write filling new pages after topping up the last one, so the
 * counts a program sees (how much fits, short writes) come out the same. */
#define NPIPE      8
#define PIPE_SLOTS 16u
#define PIPE_PAGE  4096u

static struct pipe {
	uint32_t tail, head;       /* slots [tail, head), counted mod PIPE_SLOTS */
	uint32_t len;              /* bytes in them */
	uint16_t readers, writers; /* open file descriptions of each end */
	struct {
		uint16_t off, len;
	} slot[PIPE_SLOTS];
	uint8_t (*page)[PIPE_PAGE]; /* PIPE_SLOTS pages at LINUX_PIPE_BUFS, NULL until used */
} pipes[NPIPE];

/* Pipe i's buffer, mapped the first time the pipe is used and kept: most
 * programs never make a pipe, and every page in ExOS's image costs the kernel
 * a mapping at boot. */
static bool pipe_buffer(int i)
{
	uint64_t va = LINUX_PIPE_BUFS + (uint64_t)i * PIPE_SLOTS * PIPE_PAGE;

	if (!pipes[i].page && exos_map_run(va, PIPE_SLOTS, EXO_PTE_W | EXO_PTE_NX) == 0)
		pipes[i].page = (uint8_t(*)[PIPE_PAGE])va;
	return pipes[i].page != NULL;
}

long pipe_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
{
	struct pipe *p = &pipes[of->stream];
	size_t k = p->len < n ? p->len : n;

	if (n == 0)
		return 0;
	if (p->len == 0)
		return p->writers ? -LINUX_EAGAIN : 0;
	if (!mem_ok(dst, k, true, user))
		return -LINUX_EFAULT;
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
	return (long)k;
}

/* Linux's pipe_write: n % PAGE bytes go into the last page if they fit
 * there, the rest into fresh pages; a write that fits nowhere is EAGAIN. */
long pipe_write(const struct ofile *of, uint64_t src, size_t n, bool user)
{
	struct pipe *p = &pipes[of->stream];
	unsigned last = (p->head - 1) % PIPE_SLOTS, chars = (unsigned)(n % PIPE_PAGE);
	size_t merge = 0, fresh = (PIPE_SLOTS - (p->head - p->tail)) * PIPE_PAGE;
	const uint8_t *s = (const uint8_t *)src;

	if (n == 0)
		return 0;
	if (!p->readers) {
		linux_signal_raise(linux_cur_ctx, LINUX_SIGPIPE);
		return -LINUX_EPIPE;
	}
	if (chars && p->len && p->slot[last].off + p->slot[last].len + chars <= PIPE_PAGE)
		merge = chars;
	if (fresh > n - merge)
		fresh = n - merge;
	if (merge + fresh == 0)
		return -LINUX_EAGAIN;
	if (!mem_ok(src, merge + fresh, false, user))
		return -LINUX_EFAULT;
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
	return (long)(merge + fresh);
}

size_t pipe_bytes(const struct ofile *of)
{
	return pipes[of->stream].len;
}

void pipe_close_end(const struct ofile *of)
{
	struct pipe *p = &pipes[of->stream];

	if ((of->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
		p->readers--;
	else
		p->writers--;
}

/* POLLHUP and POLLERR are reported whether asked for or not. */
short pipe_events(const struct ofile *of, short events)
{
	const struct pipe *p = &pipes[of->stream];
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
	for (i = 0; i < NPIPE && (pipes[i].readers || pipes[i].writers); i++)
		;
	if (i < NPIPE && !pipe_buffer(i))
		return -LINUX_ENOMEM;
	r = i < NPIPE ? of_alloc(K_PIPE, -1, LINUX_O_RDONLY | status) : NULL;
	w = r ? of_alloc(K_PIPE, -1, LINUX_O_WRONLY | status) : NULL;
	if (!w || linux_copy_to_user((uint64_t)ufds, fds, sizeof(fds)) < 0) {
		of_free(r);
		of_free(w);
		return w ? -LINUX_EFAULT : -LINUX_ENFILE;
	}
	pipes[i].head = pipes[i].tail = pipes[i].len = 0;
	pipes[i].readers = pipes[i].writers = 1;
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
