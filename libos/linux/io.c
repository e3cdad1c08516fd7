/* Moving bytes: read, write and their vector and positioned forms, lseek,
 * sendfile and fsync.
 *
 * Program memory is checked with linux_user_ok() before it is touched (which
 * also faults demand-paged pages in), for exactly the bytes a call moves:
 * reading a file at its end never looks at the buffer, as on Linux. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "thread.h"
#include "unix_socket.h"
#include "vfs.h"

/* Under the tree's lock: another process may be growing the file (its data
 * moves) or writing the same bytes. */
static long file_read(const struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user)
{
	long r = 0;

	fs_lock();
	const struct rootfs_node *f = &root.node[of->node];
	if (*off < f->size) {
		size_t k = f->size - *off < n ? f->size - *off : n;
		if (!mem_ok(dst, k, true, user)) {
			r = -LINUX_EFAULT;
		} else {
			memcpy((void *)dst, f->data + *off, k);
			*off += k;
			r = (long)k;
		}
	}
	fs_unlock();
	return r;
}

/* The caller has checked that of is readable. */
long do_read(struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user)
{
	switch (of->kind) {
	case K_CONSOLE:
		return console_read(of, dst, n, user);
	case K_NULL:
		return 0;
	case K_ZERO:
	case K_FULL:
	case K_RANDOM:
		return gen_read(of, dst, n, user);
	case K_PIPE:
		return pipe_read(of, dst, n, user);
	case K_EVENTFD:
		return eventfd_read(of, dst, n, user);
	case K_TIMERFD:
		return timerfd_read(of, dst, n, user);
	case K_SOCKET:
		return usock_read(of, dst, n, user);
	case K_FILE:
		return file_read(of, dst, n, off, user);
	case K_GEN:
		return proc_read(of, dst, n, off, user);
	case K_DIR:
		return -LINUX_EISDIR;
	default:
		return -LINUX_EBADF;
	}
}

/* A file of /tmp (the only writable files): at *off, or at the end with
 * O_APPEND (even for pwrite, as Linux does). */
static long file_write(struct ofile *of, uint64_t src, size_t n, uint64_t *off, bool user)
{
	fs_lock();
	uint64_t at = of->flags & LINUX_O_APPEND ? root.node[of->node].size : *off;
	long r = tmp_write(of->node, src, n, at, user);

	if (r > 0)
		*off = at + (uint64_t)r;
	fs_unlock();
	return r;
}

/* The caller has checked that of is writable. */
long do_write(struct ofile *of, uint64_t src, size_t n, uint64_t *off, bool user)
{
	switch (of->kind) {
	case K_CONSOLE:
		if (!mem_ok(src, n, false, user))
			return -LINUX_EFAULT;
		return console_write(of->stream, (const uint8_t *)src, n);
	case K_NULL:
	case K_ZERO:
	case K_RANDOM:
		return (long)n;
	case K_FULL:
		return -LINUX_ENOSPC;
	case K_PIPE:
		return pipe_write(of, src, n, user);
	case K_FILE:
		return file_write(of, src, n, off, user);
	case K_GEN: /* a /proc file that takes no writes */
		return -LINUX_EIO;
	case K_EVENTFD:
		return eventfd_write(of, src, n, user);
	case K_SOCKET:
		return usock_write(of, src, n, user);
	default:
		return -LINUX_EBADF;
	}
}

bool seekable(const struct ofile *of)
{
	return of->kind != K_CONSOLE && of->kind != K_PIPE && of->kind != K_SOCKET;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

static long sys_read(long fd, long buf, long n, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (!of || !readable(of))
		return -LINUX_EBADF;
	return do_read(of, (uint64_t)buf, (size_t)n, &of->off, true);
}

static long sys_write(long fd, long buf, long n, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (!of || !writable(of))
		return -LINUX_EBADF;
	return do_write(of, (uint64_t)buf, (size_t)n, &of->off, true);
}

static long sys_pread64(long fd, long buf, long n, long off, long a5, long a6)
{
	struct ofile *of = getf(fd);
	uint64_t o = (uint64_t)off;

	if (!of || !readable(of))
		return -LINUX_EBADF;
	if (off < 0)
		return -LINUX_EINVAL;
	if (!seekable(of))
		return -LINUX_ESPIPE;
	return do_read(of, (uint64_t)buf, (size_t)n, &o, true);
}

static long sys_pwrite64(long fd, long buf, long n, long off, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (!of || !writable(of))
		return -LINUX_EBADF;
	if (off < 0)
		return -LINUX_EINVAL;
	if (!seekable(of))
		return -LINUX_ESPIPE;
	uint64_t o = (uint64_t)off;
	return do_write(of, (uint64_t)buf, (size_t)n, &o, true);
}

#define IOV_MAX   1024
#define IOV_CHUNK 64

/* readv fills one buffer after another: once one got bytes, the next must
 * not wait for more (Linux returns what a pipe or terminal had; musl's stdio
 * reads into the caller's buffer and then its own).  A blocking read asks
 * linux_read_later_iov first and calls linux_read_got when it returns bytes. */
static uint64_t read_call;
static bool read_got;

bool linux_read_later_iov(void)
{
	uint64_t call = linux_syscalls_trapped + linux_syscalls_direct;
	bool later = call == read_call && read_got;
	read_call = call;
	read_got = false;
	return later;
}

void linux_read_got(void)
{
	read_got = true;
}

/* Calls fn on each iovec in turn until it moves fewer bytes than asked;
 * returns the total, or the first error if nothing moved. */
static long for_iov(struct ofile *of, long uiov, long cnt,
                    long (*fn)(struct ofile *, uint64_t, size_t))
{
	struct linux_iovec v[IOV_CHUNK];
	long total = 0;

	if (cnt < 0 || cnt > IOV_MAX)
		return -LINUX_EINVAL;
	for (long i = 0; i < cnt; i++) {
		long r;

		if (i % IOV_CHUNK == 0) {
			long k = cnt - i < IOV_CHUNK ? cnt - i : IOV_CHUNK;

			if (linux_copy_from_user(v, (uint64_t)uiov + (uint64_t)i * sizeof(v[0]),
			                         (size_t)k * sizeof(v[0])) < 0)
				return total ? total : -LINUX_EFAULT;
		}
		r = fn(of, v[i % IOV_CHUNK].base, v[i % IOV_CHUNK].len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < v[i % IOV_CHUNK].len)
			break;
	}
	return total;
}

static long read_one(struct ofile *of, uint64_t base, size_t len)
{
	return do_read(of, base, len, &of->off, true);
}

static long write_one(struct ofile *of, uint64_t base, size_t len)
{
	return do_write(of, base, len, &of->off, true);
}

static long sys_readv(long fd, long iov, long cnt, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (!of || !readable(of))
		return -LINUX_EBADF;
	if (of->kind == K_SOCKET) /* one call: a datagram is one record */
		return usock_readv(of, (uint64_t)iov, cnt);
	return for_iov(of, iov, cnt, read_one);
}

/* writev to the console: the iovecs are gathered into iobuf so that the
 * whole call crosses into the kernel once per 64 KiB (stdio writes a line as
 * two or three iovecs). */
static struct {
	size_t fill;  /* bytes in iobuf */
	long written; /* bytes the console took */
	long err;     /* the first error */
} gather;

static long gather_flush(const struct ofile *of)
{
	long r = gather.fill ? console_write(of->stream, iobuf, gather.fill) : 0;

	if (r > 0)
		gather.written += r;
	if (r < (long)gather.fill && !gather.err)
		gather.err = r < 0 ? r : -LINUX_EIO;
	gather.fill = 0;
	return gather.err;
}

static long gather_one(struct ofile *of, uint64_t base, size_t len)
{
	for (size_t done = 0, k; done < len; done += k) {
		k = len - done < IOBUF - gather.fill ? len - done : IOBUF - gather.fill;
		if (linux_copy_from_user(iobuf + gather.fill, base + done, k) < 0)
			return gather.err = -LINUX_EFAULT;
		gather.fill += k;
		if (gather.fill == IOBUF && gather_flush(of) < 0)
			return gather.err;
	}
	return (long)len;
}

static long sys_writev(long fd, long iov, long cnt, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);
	long r;

	if (!of || !writable(of))
		return -LINUX_EBADF;
	if (of->kind == K_SOCKET)
		return usock_writev(of, (uint64_t)iov, cnt);
	if (of->kind != K_CONSOLE)
		return for_iov(of, iov, cnt, write_one);
	gather.fill = 0, gather.written = 0, gather.err = 0;
	r = for_iov(of, iov, cnt, gather_one);
	if (r < 0 && !gather.err)
		gather.err = r; /* the iovec array itself */
	/* Linux writes the iovecs before a bad one, and reports them. */
	if (gather.written == 0 && gather.fill == 0)
		return gather.err;
	if (gather.err != -LINUX_EIO)
		gather_flush(of);
	return gather.written ? gather.written : gather.err;
}

static long seek_file(struct ofile *of, long off, long whence)
{
	uint64_t size = of->kind == K_FILE ? root.node[of->node].size : 0;
	long base;

	switch (whence) {
	case LINUX_SEEK_SET:
		base = 0;
		break;
	case LINUX_SEEK_CUR:
		base = (long)of->off;
		break;
	case LINUX_SEEK_END:
	case LINUX_SEEK_DATA:
	case LINUX_SEEK_HOLE:
		if (of->kind != K_FILE)
			return -LINUX_EINVAL;
		if (whence == LINUX_SEEK_END) {
			base = (long)size;
			break;
		}
		/* No holes: all data, then the one hole at the end. */
		if (off < 0 || (uint64_t)off >= size)
			return -LINUX_ENXIO;
		of->off = whence == LINUX_SEEK_DATA ? (uint64_t)off : size;
		return (long)of->off;
	default:
		return -LINUX_EINVAL;
	}
	if (off < 0 ? base + off < 0 : base > __LONG_MAX__ - off)
		return -LINUX_EINVAL;
	of->off = (uint64_t)(base + off);
	return (long)of->off;
}

static long sys_lseek(long fd, long off, long whence, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	switch (of->kind) {
	case K_CONSOLE:
	case K_PIPE:
	case K_SOCKET:
		return -LINUX_ESPIPE;
	case K_FILE:
	case K_DIR:
		return seek_file(of, off, whence);
	default:
		return whence <= LINUX_SEEK_END ? 0 : -LINUX_EINVAL; /* devices stay at 0 */
	}
}

/* Copies through iobuf with plain reads and writes (busybox cat uses it). */
static long sys_sendfile(long out, long in, long uoff, long count, long a5, long a6)
{
	struct ofile *o = getf(out), *i = getf(in);
	uint64_t off, *offp;
	long done = 0;

	if (!o || !i || !writable(o) || !readable(i))
		return -LINUX_EBADF;
	if (i->kind == K_DIR || (o->flags & LINUX_O_APPEND) || count < 0)
		return -LINUX_EINVAL;
	if (uoff && (!seekable(i) || linux_copy_from_user(&off, (uint64_t)uoff, 8) < 0))
		return seekable(i) ? -LINUX_EFAULT : -LINUX_ESPIPE;
	offp = uoff ? &off : &i->off;
	while (done < count) {
		size_t want = (size_t)(count - done) < IOBUF ? (size_t)(count - done) : IOBUF;
		long r = do_read(i, (uint64_t)iobuf, want, offp, false), w;

		if (r <= 0) {
			if (r < 0 && !done)
				done = r;
			break;
		}
		w = do_write(o, (uint64_t)iobuf, (size_t)r, &o->off, false);
		if (w < 0 && !done)
			done = w;
		if (w <= 0)
			break;
		done += w;
		if (w < r) {
			*offp -= (uint64_t)(r - w); /* give back what was not written */
			break;
		}
		if ((size_t)r < want)
			break; /* what a pipe or the console had: `cat` shows it now */
	}
	if (uoff && linux_copy_to_user((uint64_t)uoff, &off, 8) < 0)
		return -LINUX_EFAULT;
	return done;
}

static long sys_fsync(long fd, long a2, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	if (of->kind == K_PIPE || of->kind == K_SOCKET ||
	    (of->kind == K_CONSOLE && !linux_opts.isatty[of->stream]))
		return -LINUX_EINVAL;
	return 0;
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_io_syscalls[] = {
        LINUX_DEF(read),    LINUX_DEF(write),
        LINUX_DEF(readv),   LINUX_DEF(writev),
        LINUX_DEF(pread64), LINUX_DEF(pwrite64),
        LINUX_DEF(lseek),   LINUX_DEF(sendfile),
        LINUX_DEF(fsync),   {LINUX_SYS_fdatasync, "fdatasync", sys_fsync},
};

const size_t linux_io_nsyscalls = ARRAY_LEN(linux_io_syscalls);
