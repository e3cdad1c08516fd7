/* Devices: /dev/null, /dev/zero, /dev/full, /dev/urandom, /dev/tty, the
 * console streams and their ioctls.
 *
 * The console is the only device with a kernel behind it: output goes out with
 * EXO_SYS_CONSOLE_WRITE straight from the program's buffer, input comes in
 * from the ring exosim fills (exo_console_in), crossing only when it is empty.
 * A crossing costs tens of microseconds, so a write crosses once per 64 KiB at
 * most, never per byte or per iovec, and a read once per batch of input. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "thread.h"
#include "rootfs.h"
#include "unix_socket.h"
#include "vfs.h"

static bool console_no_input; /* the machine has no input device */

/* ---- /dev/urandom: xoshiro256**, seeded from the TSC ------------------- */

static uint64_t rng[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
	uint64_t r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;

	if (!(rng[0] | rng[1] | rng[2] | rng[3])) {
		uint64_t seed = exo_rdtsc();

		for (int i = 0; i < 4; i++)
			rng[i] = splitmix(&seed);
		return rng_next();
	}
	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = rotl(rng[3], 45);
	return r;
}

static void rng_fill(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t r = rng_next();
		size_t k = n < 8 ? n : 8;

		memcpy(p, &r, k);
		p += k, n -= k;
	}
}

long console_write(int stream, const uint8_t *p, size_t n)
{
	size_t done = 0;
	long r = 0;

	if (stream == 0)
		stream = EXO_STDOUT; /* fd 0 on a terminal writes to it */
	while (done < n) {
		size_t k = n - done < EXO_CONSOLE_WRITE_MAX ? n - done : EXO_CONSOLE_WRITE_MAX;
		r = exo_console_write(stream, p + done, k);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	if (done || n == 0)
		return (long)done; /* a short count: an error comes with the next write */
	/* exosim's stdout failed (kernel/console.c passes its error on): as a Linux
	 * write to a closed pipe, EPIPE comes with SIGPIPE, whose default action
	 * ends the program (status 141). */
	if (r == -LINUX_EPIPE)
		linux_signal_raise(linux_cur_ctx, LINUX_SIGPIPE);
	return r < 0 ? r : -LINUX_EIO;
}

/* Input arrives in the ring by itself under exosim (libos/console.c): an
 * empty ring puts the calling thread to sleep on its predicate, and the
 * process's other threads, and the other processes, run meanwhile; with
 * O_NONBLOCK it is EAGAIN, as a read of an empty pipe or terminal.  (exosim's
 * synchronous fill, without an interrupt controller, can only wait: there the
 * read waits for input whatever the flag.) */
long console_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
{
	struct exo_pred_term t;
	bool later = linux_read_later_iov();
	long r;

	if (n == 0 || console_no_input)
		return 0;
	if (n > EXO_CONSOLE_WRITE_MAX)
		n = EXO_CONSOLE_WRITE_MAX; /* a short read, as from a pipe */
	if (!mem_ok(dst, n, true, user))
		return -LINUX_EFAULT;
	while ((r = exo_console_take((void *)dst, n, &t)) == -EXO_EAGAIN) {
		if (later)
			return 0;
		if (of->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		long b = linux_block(&t, 1, 0);
		if (b < 0)
			return b; /* a signal: EINTR, or the restart its handler asks */
	}
	if (r == -EXO_ENOSYS) {
		console_no_input = true;
		return 0;
	}
	if (r > 0)
		linux_read_got();
	return r; /* exokernel errors are Linux's numbers */
}

bool console_input_term(struct exo_pred_term *t)
{
	return !console_no_input && !exo_console_ready(t);
}

/* /dev/zero and /dev/urandom give what is asked, up to 1 MiB a call. */
long gen_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
{
	if (n > (1u << 20))
		n = 1u << 20;
	if (!mem_ok(dst, n, true, user))
		return -LINUX_EFAULT;
	if (of->kind == K_RANDOM)
		rng_fill((uint8_t *)dst, n);
	else
		memset((void *)dst, 0, n);
	return (long)n;
}

/* ---- Opening device nodes --------------------------------------------- */

static enum kind special_kind(uint32_t sp)
{
	switch (sp) {
	case SP_NULL:
		return K_NULL;
	case SP_ZERO:
		return K_ZERO;
	case SP_FULL:
		return K_FULL;
	case SP_RANDOM:
		return K_RANDOM;
	default:
		return K_CONSOLE;
	}
}

/* /proc/<pid>/fd/N of a file without a node (the console, a pipe): a pipe end
 * is shared as dup shares it; the console is opened anew. */
static long open_fd_link(int node, uint32_t flags, bool cloexec)
{
	struct ofile *of = (struct ofile *)proc_fd_file(node);

	if (!of)
		return -LINUX_ENOENT;
	if (of->kind != K_CONSOLE) {
		of->refs++; /* fd_new takes this reference */
		return fd_new(of, cloexec);
	}
	struct ofile *c = of_alloc(K_CONSOLE, -1, flags);
	if (!c)
		return -LINUX_ENFILE;
	c->stream = of->stream;
	return fd_new(c, cloexec);
}

/* Opens a device node: /dev/null and friends, a console stream, a /proc
 * file or fd link. */
long open_special(int node, uint32_t flags, bool cloexec)
{
	uint32_t sp = root.node[node].special;
	struct ofile *of;
	int stream = 0;

	if (sp >= SP_FD)
		return open_fd_link(node, flags, cloexec);
	if (sp >= SP_GEN) { /* opens for writing too; a write is EIO, as on Linux */
		of = of_alloc(K_GEN, node, flags);
		return of ? fd_new(of, cloexec) : -LINUX_ENFILE;
	}

	if (sp == SP_TTY) {
		if (!linux_opts.isatty[0] && !linux_opts.isatty[1] && !linux_opts.isatty[2])
			return -LINUX_ENXIO; /* no controlling terminal */
		stream = linux_opts.isatty[1] ? 1 : linux_opts.isatty[2] ? 2 : 0;
	} else if (sp >= SP_CONSOLE0) {
		stream = (int)(sp - SP_CONSOLE0);
	}
	of = of_alloc(special_kind(sp), node, flags);
	if (!of)
		return -LINUX_ENFILE;
	of->stream = (uint8_t)stream;
	return fd_new(of, cloexec);
}

static void add(const char *path, uint32_t mode, uint32_t special, const void *data, size_t size)
{
	int n = rootfs_add(&root, path, strlen(path), mode, data, size);

	if (n > 0)
		root.node[n].special = special;
}

void dev_add_nodes(void)
{
	static const char *const con[] = {"/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"};
	/* /proc/self/fd/N are procfs.c's: links to whatever the descriptors name */

	add("/dev/null", ROOTFS_S_IFCHR | 0666, SP_NULL, NULL, 0);
	add("/dev/zero", ROOTFS_S_IFCHR | 0666, SP_ZERO, NULL, 0);
	add("/dev/full", ROOTFS_S_IFCHR | 0666, SP_FULL, NULL, 0);
	add("/dev/random", ROOTFS_S_IFCHR | 0666, SP_RANDOM, NULL, 0);
	add("/dev/urandom", ROOTFS_S_IFCHR | 0666, SP_RANDOM, NULL, 0);
	add("/dev/tty", ROOTFS_S_IFCHR | 0666, SP_TTY, NULL, 0);
	add("/dev/stdin", ROOTFS_S_IFLNK | 0777, 0, con[0], strlen(con[0]));
	add("/dev/stdout", ROOTFS_S_IFLNK | 0777, 0, con[1], strlen(con[1]));
	add("/dev/stderr", ROOTFS_S_IFLNK | 0777, 0, con[2], strlen(con[2]));
	add("/dev/fd", ROOTFS_S_IFLNK | 0777, 0, "/proc/self/fd", 13);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* The terminal settings of a fresh Linux pty (stty sane). */
static void default_termios(struct linux_termios *t)
{
	static const uint8_t cc[19] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22};

	memset(t, 0, sizeof(*t));
	t->c_iflag = 0x500;  /* ICRNL IXON */
	t->c_oflag = 0x5;    /* OPOST ONLCR */
	t->c_cflag = 0xbf;   /* B38400 CS8 CREAD */
	t->c_lflag = 0x8a3b; /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	memcpy(t->c_cc, cc, sizeof(cc));
}

static long tty_ioctl(const struct ofile *of, long req, long arg)
{
	if (of->kind != K_CONSOLE || !linux_opts.isatty[of->stream])
		return -LINUX_ENOTTY;
	switch (req) {
	case LINUX_TCGETS: {
		struct linux_termios t;

		default_termios(&t);
		return linux_copy_to_user((uint64_t)arg, &t, sizeof(t));
	}
	case LINUX_TCSETS:
	case LINUX_TCSETSW:
	case LINUX_TCSETSF: /* accepted, not applied: exosim's terminal is its own */
		return linux_user_ok((uint64_t)arg, sizeof(struct linux_termios), false)
		               ? 0
		               : -LINUX_EFAULT;
	case LINUX_TIOCGWINSZ: {
		struct linux_winsize ws = {linux_opts.rows, linux_opts.cols, 0, 0};

		return linux_copy_to_user((uint64_t)arg, &ws, sizeof(ws));
	}
	case LINUX_TIOCSWINSZ:
		return 0;
	default:
		return -LINUX_ENOTTY;
	}
}

static long sys_ioctl(long fd, long req, long arg, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);
	int v;

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	switch ((unsigned)req) {
	case LINUX_FIOCLEX:
	case LINUX_FIONCLEX:
		fd_set_cloexec(fd, req == LINUX_FIOCLEX);
		return 0;
	case LINUX_FIONBIO:
		if (linux_copy_from_user(&v, (uint64_t)arg, sizeof(v)) < 0)
			return -LINUX_EFAULT;
		of->flags = v ? of->flags | LINUX_O_NONBLOCK : of->flags & ~LINUX_O_NONBLOCK;
		return 0;
	case LINUX_FIOASYNC:
		return 0;
	case LINUX_FIONREAD:
		if (of->kind != K_FILE && of->kind != K_CONSOLE && of->kind != K_PIPE &&
		    of->kind != K_SOCKET)
			return -LINUX_ENOTTY;
		v = of->kind == K_PIPE ? (int)pipe_bytes(of) : 0;
		if (of->kind == K_SOCKET) /* SIOCINQ */
			v = usock_nread(of);
		if (of->kind == K_FILE && of->off < root.node[of->node].size)
			v = (int)(root.node[of->node].size - of->off);
		return linux_copy_to_user((uint64_t)arg, &v, sizeof(v));
	default:
		return tty_ioctl(of, req, arg);
	}
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_dev_syscalls[] = {
        LINUX_DEF(ioctl),
};

const size_t linux_dev_nsyscalls = ARRAY_LEN(linux_dev_syscalls);
