/* The file layer of ExOS's Linux personality: descriptors, the read-only
 * initramfs root, /dev, /proc/self and the console.
 *
 * A descriptor names an open file description (struct ofile): dup'ed
 * descriptors share one, and so its offset and status flags, as on Linux.
 * Files are the initramfs's bytes, read in place; nothing is ever written to
 * it, so every call that would change the tree fails as on a read-only mount
 * (EROFS), after the checks Linux makes first.
 *
 * The console is the only device with a kernel behind it: output goes out with
 * EXO_SYS_CONSOLE_WRITE straight from the program's buffer, input comes in
 * with EXO_SYS_CONSOLE_READ.  A crossing costs tens of microseconds, so each
 * call crosses once per 64 KiB at most, never per byte or per iovec.
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

#define NFD      1024 /* descriptors, so also open file descriptions */
#define PATH_MAX 4096
#define IOBUF    (64u * 1024u)

/* Tags of the nodes fs.c adds (rootfs_node.special). */
enum special {
	SP_NONE,
	SP_NULL,
	SP_ZERO,
	SP_FULL,
	SP_RANDOM,
	SP_TTY,
	SP_CONSOLE0, /* /proc/self/fd/0 .. 2: the console streams */
	SP_CONSOLE1,
	SP_CONSOLE2,
};

enum kind { K_FREE, K_CONSOLE, K_NULL, K_ZERO, K_FULL, K_RANDOM, K_PIPE, K_FILE, K_DIR, K_PATH };

struct ofile {
	uint32_t refs; /* descriptors that share it */
	uint8_t kind;
	uint8_t stream; /* K_CONSOLE: 0 stdin, 1 stdout, 2 stderr; K_PIPE: the pipe */
	int32_t node;   /* -1 for the console streams opened at start */
	uint32_t flags; /* what F_GETFL reports */
	uint64_t off;
	/* getdents resumes at the child after `dcur` when off == doff, so a
	 * directory listing costs O(n), not O(n^2). */
	int32_t dcur;
	uint64_t doff;
};

static struct rootfs root;
static struct ofile files[NFD];
static struct {
	int16_t of; /* files[of - 1]; 0: closed */
	bool cloexec;
} fdt[NFD];
static int cwd = ROOTFS_ROOT;
static uint32_t cur_umask = 022;
static bool console_no_input; /* the machine has no input device */

/* Scratch: paths, writev gathering, sendfile, getdents.  ExOS serves one
 * call at a time, so one of each is enough. */
static char path1[PATH_MAX];
static uint8_t iobuf[IOBUF];

/* ---- Pipes --------------------------------------------------------------
 * One process holds both ends, so nobody can ever empty a full pipe or fill
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

	if (!pipes[i].page && exos_map_range(va, PIPE_SLOTS, EXO_PTE_W | EXO_PTE_NX) == 0)
		pipes[i].page = (uint8_t(*)[PIPE_PAGE])va;
	return pipes[i].page != NULL;
}

/* ---- Descriptors ------------------------------------------------------- */

static struct ofile *getf(long fd)
{
	if (fd < 0 || fd >= NFD || !fdt[fd].of)
		return NULL;
	return &files[fdt[fd].of - 1];
}

static bool readable(const struct ofile *of)
{
	return !(of->flags & LINUX_O_PATH) && (of->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY;
}

static bool writable(const struct ofile *of)
{
	return !(of->flags & LINUX_O_PATH) && (of->flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY;
}

static struct ofile *of_alloc(enum kind kind, int node, uint32_t flags)
{
	for (int i = 0; i < NFD; i++) {
		struct ofile *of = &files[i];

		if (of->refs == 0) {
			*of = (struct ofile){1, (uint8_t)kind, 0, node, flags, 0, -1, 0};
			return of;
		}
	}
	return NULL;
}

static void of_put(struct ofile *of)
{
	if (--of->refs != 0)
		return;
	if (of->kind == K_PIPE) {
		struct pipe *p = &pipes[of->stream];

		if ((of->flags & LINUX_O_ACCMODE) == LINUX_O_RDONLY)
			p->readers--;
		else
			p->writers--;
	}
	of->kind = K_FREE;
}

static long fd_lowest(long min)
{
	for (long fd = min; fd < NFD; fd++)
		if (!fdt[fd].of)
			return fd;
	return -LINUX_EMFILE;
}

static void fd_close(long fd)
{
	if (fdt[fd].of)
		of_put(&files[fdt[fd].of - 1]);
	fdt[fd].of = 0;
	fdt[fd].cloexec = false;
}

/* Points fd at of (taking a reference), closing what fd named. */
static long fd_install(long fd, struct ofile *of, bool cloexec)
{
	of->refs++;
	fd_close(fd);
	fdt[fd].of = (int16_t)(of - files + 1);
	fdt[fd].cloexec = cloexec;
	return fd;
}

/* A new descriptor for a new description: drops the description on EMFILE. */
static long fd_new(struct ofile *of, bool cloexec)
{
	long fd = fd_lowest(0);

	if (fd >= 0)
		fd_install(fd, of, cloexec);
	of_put(of);
	return fd;
}

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

/* ---- Moving bytes ------------------------------------------------------ */

/* dst/src are program addresses if `user` (checked here), else ExOS memory. */
static bool mem_ok(uint64_t addr, size_t n, bool write, bool user)
{
	return !user || linux_user_ok(addr, n, write);
}

static long console_write(int stream, const uint8_t *p, size_t n)
{
	size_t done = 0;

	if (stream == 0)
		stream = EXO_STDOUT; /* fd 0 on a terminal writes to it */
	while (done < n) {
		size_t k = n - done < EXO_CONSOLE_WRITE_MAX ? n - done : EXO_CONSOLE_WRITE_MAX;
		long r = exo_console_write(stream, p + done, k);

		if (r <= 0)
			return done ? (long)done : r < 0 ? r : -LINUX_EIO;
		done += (size_t)r;
	}
	return (long)done;
}

static long console_read(uint64_t dst, size_t n, bool user)
{
	long r;

	if (n == 0 || console_no_input)
		return 0;
	if (n > EXO_CONSOLE_WRITE_MAX)
		n = EXO_CONSOLE_WRITE_MAX;
	if (!mem_ok(dst, n, true, user))
		return -LINUX_EFAULT;
	r = exo_console_read((void *)dst, n);
	if (r == -EXO_ENOSYS) {
		console_no_input = true;
		return 0;
	}
	return r; /* exokernel errors are Linux's numbers */
}

static long pipe_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
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
static long pipe_write(const struct ofile *of, uint64_t src, size_t n, bool user)
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

static long file_read(const struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user)
{
	const struct rootfs_node *f = &root.node[of->node];
	size_t k;

	if (*off >= f->size)
		return 0;
	k = f->size - *off < n ? f->size - *off : n;
	if (!mem_ok(dst, k, true, user))
		return -LINUX_EFAULT;
	memcpy((void *)dst, f->data + *off, k);
	*off += k;
	return (long)k;
}

/* /dev/zero and /dev/urandom give what is asked, up to 1 MiB a call. */
static long gen_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
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

/* The caller has checked that of is readable. */
static long do_read(struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user)
{
	switch (of->kind) {
	case K_CONSOLE:
		return console_read(dst, n, user);
	case K_NULL:
		return 0;
	case K_ZERO:
	case K_FULL:
	case K_RANDOM:
		return gen_read(of, dst, n, user);
	case K_PIPE:
		return pipe_read(of, dst, n, user);
	case K_FILE:
		return file_read(of, dst, n, off, user);
	case K_DIR:
		return -LINUX_EISDIR;
	default:
		return -LINUX_EBADF;
	}
}

/* The caller has checked that of is writable (so it is no file of the tree). */
static long do_write(struct ofile *of, uint64_t src, size_t n, bool user)
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
	default:
		return -LINUX_EBADF;
	}
}

static bool seekable(const struct ofile *of)
{
	return of->kind != K_CONSOLE && of->kind != K_PIPE;
}

/* ---- Paths ------------------------------------------------------------- */

static long get_path(char *buf, long upath)
{
	long r = linux_strncpy_from_user(buf, (uint64_t)upath, PATH_MAX);

	return r < 0 ? r : 0;
}

/* Where a path relative to dirfd starts. */
static long at_dir(long dirfd, const char *path, int *dir)
{
	const struct ofile *of;

	*dir = cwd;
	if (path[0] == '/' || (int)dirfd == LINUX_AT_FDCWD)
		return 0;
	of = getf(dirfd);
	if (!of)
		return -LINUX_EBADF;
	if (of->node < 0 || !rootfs_is_dir(&root, of->node))
		return -LINUX_ENOTDIR;
	*dir = of->node;
	return 0;
}

/* Copies in and resolves the path of an *at() call. */
static long lookup_at(long dirfd, long upath, char *buf, unsigned flags, int *parent)
{
	int dir;
	long r = get_path(buf, upath);

	if (r == 0 && buf[0] == '\0')
		r = -LINUX_ENOENT;
	if (r == 0)
		r = at_dir(dirfd, buf, &dir);
	if (r < 0) {
		if (parent)
			*parent = -1;
		return r;
	}
	return rootfs_resolve(&root, dir, buf, flags, parent);
}

/* What stat and friends describe: a node, or a console stream opened at
 * start (node -1). */
struct target {
	int node;
	int stream;
	int pipe;
};

static struct target of_target(const struct ofile *of)
{
	return (struct target){of->node, of->kind == K_CONSOLE ? of->stream : -1,
	                       of->kind == K_PIPE ? of->stream : -1};
}

static long stat_target(long dirfd, long upath, long atflags, struct target *t)
{
	long r;

	if (atflags & LINUX_AT_EMPTY_PATH) {
		r = upath ? get_path(path1, upath) : (path1[0] = '\0', 0);
		if (r < 0)
			return r;
		if (path1[0] == '\0') {
			const struct ofile *of = getf(dirfd);

			if ((int)dirfd == LINUX_AT_FDCWD) {
				*t = (struct target){cwd, -1, -1};
				return 0;
			}
			if (!of)
				return -LINUX_EBADF;
			*t = of_target(of);
			return 0;
		}
	}
	r = lookup_at(dirfd, upath, path1, atflags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW,
	              NULL);
	if (r < 0)
		return r;
	*t = (struct target){(int)r, -1, -1};
	return 0;
}

/* ---- stat -------------------------------------------------------------- */

#define DEV_ROOT     0x01 /* the initramfs: 0:1 */
#define DEV_DEVTMPFS 0x05 /* /dev: 0:5 */
#define DEV_PIPEFS   0x0d /* pipes: 0:13 */
#define DEV_DEVPTS   0x18 /* terminals: 0:24 */

static uint64_t makedev(uint32_t major, uint32_t minor)
{
	return (uint64_t)(minor & 0xff) | (uint64_t)major << 8 | (uint64_t)(minor & ~0xffu) << 12;
}

/* A console stream: the terminal it is, or a pipe, as exosim's own is
 * (stream -1: one of our own pipes). */
static void stat_console(int stream, struct linux_stat *st)
{
	st->st_nlink = 1;
	st->st_uid = linux_opts.uid;
	st->st_gid = linux_opts.gid;
	if (stream >= 0 && linux_opts.isatty[stream]) {
		st->st_dev = DEV_DEVPTS;
		st->st_ino = 3;
		st->st_mode = ROOTFS_S_IFCHR | 0620;
		st->st_gid = 5; /* tty */
		st->st_rdev = makedev(136, 0);
		st->st_blksize = 1024;
	} else {
		st->st_dev = DEV_PIPEFS;
		st->st_ino = 1000 + (uint64_t)(stream + 1);
		st->st_mode = ROOTFS_S_IFIFO | 0600;
		st->st_blksize = 4096;
	}
}

static uint64_t special_rdev(uint32_t sp)
{
	static const uint8_t minor[] = {
	        [SP_NULL] = 3, [SP_ZERO] = 5, [SP_FULL] = 7, [SP_RANDOM] = 9};

	if (sp == SP_TTY)
		return makedev(5, 0);
	return sp < sizeof(minor) ? makedev(1, minor[sp]) : 0;
}

static void fill_stat(struct target t, struct linux_stat *st)
{
	const struct rootfs_node *n;

	memset(st, 0, sizeof(*st));
	if (t.stream < 0 && t.node >= 0 && root.node[t.node].special >= SP_CONSOLE0)
		t.stream = (int)(root.node[t.node].special - SP_CONSOLE0);
	if (t.stream >= 0) {
		stat_console(t.stream, st);
		return;
	}
	if (t.pipe >= 0) {
		stat_console(-1, st);
		st->st_ino = 2000 + (uint64_t)t.pipe;
		return;
	}
	n = &root.node[t.node];
	/* The tree is exosim's user's, as the files it copied were; /dev is
	 * root's. */
	if (!n->special) {
		st->st_uid = linux_opts.uid;
		st->st_gid = linux_opts.gid;
	}
	st->st_dev = n->special ? DEV_DEVTMPFS : DEV_ROOT;
	st->st_ino = (uint64_t)t.node + 1;
	st->st_nlink = n->nlink;
	st->st_mode = n->mode;
	st->st_rdev = special_rdev(n->special);
	st->st_blksize = 4096;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = n->mtime;
	switch (n->mode & ROOTFS_S_IFMT) {
	case ROOTFS_S_IFREG:
		st->st_size = (int64_t)n->size;
		/* 512-byte units, allocated by the 4 KiB block as on ext4. */
		st->st_blocks = (int64_t)((n->size + 4095) / 4096 * 8);
		break;
	case ROOTFS_S_IFDIR:
		/* What ext4 reports, since the tests compare against a disk. */
		st->st_size = 4096;
		st->st_blocks = 8;
		break;
	case ROOTFS_S_IFLNK: {
		size_t len;

		rootfs_link_target(&root, t.node, &len);
		st->st_size = (int64_t)len;
		break;
	}
	}
}

static long put_stat(struct target t, long ubuf)
{
	struct linux_stat st;

	fill_stat(t, &st);
	return linux_copy_to_user((uint64_t)ubuf, &st, sizeof(st));
}

static long put_statx(struct target t, long ubuf)
{
	struct linux_stat st;
	struct linux_statx sx;

	fill_stat(t, &st);
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = LINUX_STATX_BASIC_STATS;
	sx.stx_blksize = (uint32_t)st.st_blksize;
	sx.stx_nlink = (uint32_t)st.st_nlink;
	sx.stx_mode = (uint16_t)st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = (uint64_t)st.st_size;
	sx.stx_blocks = (uint64_t)st.st_blocks;
	sx.stx_rdev_major = (uint32_t)(st.st_rdev >> 8 & 0xfff);
	sx.stx_rdev_minor = (uint32_t)((st.st_rdev & 0xff) | (st.st_rdev >> 12 & ~0xffull));
	sx.stx_dev_minor = (uint32_t)st.st_dev;
	sx.stx_atime.tv_sec = st.st_atim.tv_sec;
	sx.stx_ctime.tv_sec = st.st_ctim.tv_sec;
	sx.stx_mtime.tv_sec = st.st_mtim.tv_sec;
	return linux_copy_to_user((uint64_t)ubuf, &sx, sizeof(sx));
}

/* ---- Open -------------------------------------------------------------- */

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

/* Opens a device node: /dev/null and friends, or a console stream. */
static long open_special(int node, uint32_t flags, bool cloexec)
{
	uint32_t sp = root.node[node].special;
	struct ofile *of;
	int stream = 0;

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

/* What Linux refuses, in its order, once the node exists. */
static long open_check(int node, long flags)
{
	bool wants_write = (flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY || (flags & LINUX_O_TRUNC);

	if ((flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL))
		return -LINUX_EEXIST;
	if (rootfs_is_link(&root, node))
		return -LINUX_ELOOP; /* O_NOFOLLOW */
	if ((flags & LINUX_O_DIRECTORY) && !rootfs_is_dir(&root, node))
		return -LINUX_ENOTDIR;
	if (rootfs_is_dir(&root, node) && (wants_write || (flags & LINUX_O_CREAT)))
		return -LINUX_EISDIR;
	if (rootfs_is_reg(&root, node) && wants_write)
		return -LINUX_EROFS;
	if (flags & LINUX_O_TMPFILE_BIT)
		return -LINUX_EROFS;
	return 0;
}

/* Status flags F_GETFL reports: O_LARGEFILE is implied on 64-bit Linux; the
 * open-time-only flags are dropped. */
static uint32_t kept_flags(long flags)
{
	return (uint32_t)(flags & ~(LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_NOCTTY | LINUX_O_TRUNC |
	                            LINUX_O_CLOEXEC)) |
	       LINUX_O_LARGEFILE;
}

static long do_open(long dirfd, long upath, long flags)
{
	bool excl = (flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL);
	bool follow = !(flags & LINUX_O_NOFOLLOW) && !excl;
	int parent, node;
	struct ofile *of;
	long r;

	r = lookup_at(dirfd, upath, path1, follow ? ROOTFS_FOLLOW : 0, &parent);
	if (r < 0) {
		size_t len = strnlen(path1, PATH_MAX);

		if (r == -LINUX_ENOENT && (flags & LINUX_O_CREAT) && parent >= 0)
			return len && path1[len - 1] == '/' ? -LINUX_EISDIR : -LINUX_EROFS;
		return r;
	}
	node = (int)r;
	if ((flags & LINUX_O_PATH) && rootfs_is_link(&root, node) && !excl) {
		of = of_alloc(K_PATH, node, LINUX_O_PATH | (uint32_t)(flags & LINUX_O_NOFOLLOW));
		return of ? fd_new(of, flags & LINUX_O_CLOEXEC) : -LINUX_ENFILE;
	}
	r = open_check(node, flags);
	if (r < 0)
		return r;
	if (flags & LINUX_O_PATH)
		of = of_alloc(K_PATH, node,
		              LINUX_O_PATH |
		                      (uint32_t)(flags & (LINUX_O_DIRECTORY | LINUX_O_NOFOLLOW)));
	else if (root.node[node].special)
		return open_special(node, kept_flags(flags), flags & LINUX_O_CLOEXEC);
	else
		of = of_alloc(rootfs_is_dir(&root, node) ? K_DIR : K_FILE, node, kept_flags(flags));
	return of ? fd_new(of, flags & LINUX_O_CLOEXEC) : -LINUX_ENFILE;
}

/* ---- Init and the interfaces of linux.h --------------------------------- */

static void add(const char *path, uint32_t mode, uint32_t special, const void *data, size_t size)
{
	int n = rootfs_add(&root, path, strlen(path), mode, data, size);

	if (n > 0)
		root.node[n].special = special;
}

static void add_dev(void)
{
	static const char *const con[] = {"/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2"};

	add("/dev/null", ROOTFS_S_IFCHR | 0666, SP_NULL, NULL, 0);
	add("/dev/zero", ROOTFS_S_IFCHR | 0666, SP_ZERO, NULL, 0);
	add("/dev/full", ROOTFS_S_IFCHR | 0666, SP_FULL, NULL, 0);
	add("/dev/random", ROOTFS_S_IFCHR | 0666, SP_RANDOM, NULL, 0);
	add("/dev/urandom", ROOTFS_S_IFCHR | 0666, SP_RANDOM, NULL, 0);
	add("/dev/tty", ROOTFS_S_IFCHR | 0666, SP_TTY, NULL, 0);
	for (int i = 0; i < 3; i++)
		add(con[i], ROOTFS_S_IFCHR | 0620, SP_CONSOLE0 + (uint32_t)i, NULL, 0);
	add("/dev/stdin", ROOTFS_S_IFLNK | 0777, 0, con[0], strlen(con[0]));
	add("/dev/stdout", ROOTFS_S_IFLNK | 0777, 0, con[1], strlen(con[1]));
	add("/dev/stderr", ROOTFS_S_IFLNK | 0777, 0, con[2], strlen(con[2]));
	add("/dev/fd", ROOTFS_S_IFLNK | 0777, 0, "/proc/self/fd", 13);
	/* linux_opts.program may be set after us: its length is taken on use. */
	add("/proc/self/exe", ROOTFS_S_IFLNK | 0777, 0, linux_opts.program, ROOTFS_CSTR);
}

void linux_fs_init(void)
{
	rootfs_init(&root);
	rootfs_load_cpio(&root, (const void *)EXO_INITRD, exo_kinfo()->initrd_size);
	add_dev();
	for (int fd = 0; fd < 3; fd++) {
		uint32_t acc = fd == 0 ? LINUX_O_RDONLY : LINUX_O_WRONLY;
		struct ofile *of =
		        of_alloc(K_CONSOLE, -1, (linux_opts.isatty[fd] ? LINUX_O_RDWR : acc));

		of->stream = (uint8_t)fd;
		fd_new(of, false);
	}
}

const void *linux_fs_file(const char *path, size_t *size)
{
	int n = rootfs_resolve(&root, cwd, path, ROOTFS_FOLLOW, NULL);

	if (n < 0 || !rootfs_is_reg(&root, n))
		return NULL;
	*size = root.node[n].size;
	return root.node[n].data;
}

long linux_fs_pread(int fd, void *buf, size_t n, uint64_t off)
{
	struct ofile *of = getf(fd);

	if (!of || !readable(of))
		return -LINUX_EBADF;
	if (!seekable(of))
		return -LINUX_ESPIPE;
	return do_read(of, (uint64_t)buf, n, &off, false);
}

/* ---- System calls ------------------------------------------------------ */

/* Handlers take the six argument registers; most use fewer. */
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
	return do_write(of, (uint64_t)buf, (size_t)n, true);
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
	return do_write(of, (uint64_t)buf, (size_t)n, true);
}

#define IOV_MAX   1024
#define IOV_CHUNK 64

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
	return do_write(of, base, len, true);
}

static long sys_readv(long fd, long iov, long cnt, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (!of || !readable(of))
		return -LINUX_EBADF;
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

static void of_free(struct ofile *of)
{
	if (of)
		of->refs = 0, of->kind = K_FREE;
}

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

static long sys_open(long upath, long flags, long mode, long a4, long a5, long a6)
{
	return do_open(LINUX_AT_FDCWD, upath, flags);
}

static long sys_openat(long dirfd, long upath, long flags, long mode, long a5, long a6)
{
	return do_open(dirfd, upath, flags);
}

static long sys_creat(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return do_open(LINUX_AT_FDCWD, upath, LINUX_O_CREAT | LINUX_O_WRONLY | LINUX_O_TRUNC);
}

static long sys_close(long fd, long a2, long a3, long a4, long a5, long a6)
{
	if (!getf(fd))
		return -LINUX_EBADF;
	fd_close(fd);
	return 0;
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
		return -LINUX_ESPIPE;
	case K_FILE:
	case K_DIR:
		return seek_file(of, off, whence);
	default:
		return whence <= LINUX_SEEK_END ? 0 : -LINUX_EINVAL; /* devices stay at 0 */
	}
}

static long sys_fstat(long fd, long ubuf, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of)
		return -LINUX_EBADF;
	return put_stat(of_target(of), ubuf);
}

static long sys_stat(long upath, long ubuf, long a3, long a4, long a5, long a6)
{
	struct target t;
	long r = stat_target(LINUX_AT_FDCWD, upath, 0, &t);

	return r < 0 ? r : put_stat(t, ubuf);
}

static long sys_lstat(long upath, long ubuf, long a3, long a4, long a5, long a6)
{
	struct target t;
	long r = stat_target(LINUX_AT_FDCWD, upath, LINUX_AT_SYMLINK_NOFOLLOW, &t);

	return r < 0 ? r : put_stat(t, ubuf);
}

static long sys_newfstatat(long dirfd, long upath, long ubuf, long flags, long a5, long a6)
{
	struct target t;
	long r;

	if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_NO_AUTOMOUNT | LINUX_AT_EMPTY_PATH))
		return -LINUX_EINVAL;
	r = stat_target(dirfd, upath, flags, &t);
	return r < 0 ? r : put_stat(t, ubuf);
}

static long sys_statx(long dirfd, long upath, long flags, long mask, long ubuf, long a6)
{
	struct target t;
	long r;

	/* AT_STATX_SYNC_TYPE (0x6000) only says how fresh: always fresh here. */
	if (flags &
	    ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_NO_AUTOMOUNT | LINUX_AT_EMPTY_PATH | 0x6000))
		return -LINUX_EINVAL;
	if ((flags & 0x6000) == 0x6000)
		return -LINUX_EINVAL;
	r = stat_target(dirfd, upath, flags, &t);
	return r < 0 ? r : put_statx(t, ubuf);
}

static uint8_t dtype(uint32_t mode)
{
	switch (mode & ROOTFS_S_IFMT) {
	case ROOTFS_S_IFREG:
		return LINUX_DT_REG;
	case ROOTFS_S_IFDIR:
		return LINUX_DT_DIR;
	case ROOTFS_S_IFLNK:
		return LINUX_DT_LNK;
	case ROOTFS_S_IFCHR:
		return LINUX_DT_CHR;
	case ROOTFS_S_IFBLK:
		return LINUX_DT_BLK;
	case ROOTFS_S_IFIFO:
		return LINUX_DT_FIFO;
	case ROOTFS_S_IFSOCK:
		return LINUX_DT_SOCK;
	default:
		return LINUX_DT_UNKNOWN;
	}
}

/* Entry `pos` of directory dir: 0 ".", 1 "..", then the children.  Returns
 * the node it names, or -1 past the end. */
static int dir_entry(struct ofile *of, uint64_t pos)
{
	int c;
	uint64_t at;

	if (pos < 2)
		return pos == 0 ? of->node : root.node[of->node].parent;
	if (pos > 2 && of->dcur >= 0 && of->doff == pos - 1) {
		c = root.node[of->dcur].next_sibling;
	} else {
		for (c = root.node[of->node].first_child, at = 2; c >= 0 && at < pos; at++)
			c = root.node[c].next_sibling;
	}
	of->dcur = c, of->doff = pos;
	return c;
}

/* One record, in the old (getdents) or the 64-bit layout; 0 if it does not
 * fit in room. */
static size_t put_dirent(uint8_t *p, size_t room, bool old, int node, const char *name, size_t len,
                         uint64_t next)
{
	/* The old layout keeps d_type in the record's last byte, after the
	 * name's NUL. */
	size_t hdr = old ? 18 : 19, reclen = (hdr + len + 1 + old + 7) & ~(size_t)7;
	uint64_t ino = (uint64_t)node + 1;
	uint16_t rl = (uint16_t)reclen;

	if (reclen > room)
		return 0;
	memset(p, 0, reclen);
	memcpy(p, &ino, 8);
	memcpy(p + 8, &next, 8);
	memcpy(p + 16, &rl, 2);
	memcpy(p + hdr, name, len);
	if (old)
		p[reclen - 1] = dtype(root.node[node].mode);
	else
		p[18] = dtype(root.node[node].mode);
	return reclen;
}

static long do_getdents(long fd, long ubuf, long count, bool old)
{
	struct ofile *of = getf(fd);
	size_t room = (size_t)count < IOBUF ? (size_t)count : IOBUF, used = 0;

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	if (of->kind != K_DIR)
		return -LINUX_ENOTDIR;
	for (;;) {
		int c = dir_entry(of, of->off);
		const char *name = "..";
		size_t len = (size_t)of->off + 1, k; /* "." and ".." */

		if (c < 0)
			break;
		if (of->off >= 2)
			name = root.node[c].name, len = root.node[c].namelen;
		k = put_dirent(iobuf + used, room - used, old, c, name, len, of->off + 1);
		if (k == 0) {
			if (used == 0)
				return -LINUX_EINVAL;
			break;
		}
		used += k;
		of->off++;
	}
	if (linux_copy_to_user((uint64_t)ubuf, iobuf, used) < 0)
		return -LINUX_EFAULT;
	return (long)used;
}

static long sys_getdents64(long fd, long ubuf, long count, long a4, long a5, long a6)
{
	return do_getdents(fd, ubuf, count, false);
}

static long sys_getdents(long fd, long ubuf, long count, long a4, long a5, long a6)
{
	return do_getdents(fd, ubuf, count, true);
}

static long do_readlink(long dirfd, long upath, long ubuf, long size)
{
	size_t len;
	const char *t;
	long r;

	if (size <= 0)
		return -LINUX_EINVAL;
	r = lookup_at(dirfd, upath, path1, 0, NULL);
	if (r < 0)
		return r;
	if (!rootfs_is_link(&root, (int)r))
		return -LINUX_EINVAL;
	t = rootfs_link_target(&root, (int)r, &len);
	if (len > (size_t)size)
		len = (size_t)size;
	return linux_copy_to_user((uint64_t)ubuf, t, len) < 0 ? -LINUX_EFAULT : (long)len;
}

static long sys_readlink(long upath, long ubuf, long size, long a4, long a5, long a6)
{
	return do_readlink(LINUX_AT_FDCWD, upath, ubuf, size);
}

static long sys_readlinkat(long dirfd, long upath, long ubuf, long size, long a5, long a6)
{
	return do_readlink(dirfd, upath, ubuf, size);
}

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
		fdt[fd].cloexec = req == LINUX_FIOCLEX;
		return 0;
	case LINUX_FIONBIO:
		if (linux_copy_from_user(&v, (uint64_t)arg, sizeof(v)) < 0)
			return -LINUX_EFAULT;
		of->flags = v ? of->flags | LINUX_O_NONBLOCK : of->flags & ~LINUX_O_NONBLOCK;
		return 0;
	case LINUX_FIOASYNC:
		return 0;
	case LINUX_FIONREAD:
		if (of->kind != K_FILE && of->kind != K_CONSOLE && of->kind != K_PIPE)
			return -LINUX_ENOTTY;
		v = of->kind == K_PIPE ? (int)pipes[of->stream].len : 0;
		if (of->kind == K_FILE && of->off < root.node[of->node].size)
			v = (int)(root.node[of->node].size - of->off);
		return linux_copy_to_user((uint64_t)arg, &v, sizeof(v));
	default:
		return tty_ioctl(of, req, arg);
	}
}

static long sys_dup(long fd, long a2, long a3, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);
	long nfd;

	if (!of)
		return -LINUX_EBADF;
	nfd = fd_lowest(0);
	return nfd < 0 ? nfd : fd_install(nfd, of, false);
}

static long sys_dup3(long fd, long nfd, long flags, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);

	if (flags & ~LINUX_O_CLOEXEC)
		return -LINUX_EINVAL;
	if (!of || nfd < 0 || nfd >= NFD)
		return -LINUX_EBADF;
	if (fd == nfd)
		return -LINUX_EINVAL;
	return fd_install(nfd, of, flags & LINUX_O_CLOEXEC);
}

static long sys_dup2(long fd, long nfd, long a3, long a4, long a5, long a6)
{
	if (fd == nfd)
		return getf(fd) ? nfd : -LINUX_EBADF;
	return sys_dup3(fd, nfd, 0, 0, 0, 0);
}

/* The status flags F_SETFL may change. */
#define SETFL_MASK                                                                                 \
	(LINUX_O_APPEND | LINUX_O_NONBLOCK | LINUX_O_ASYNC | LINUX_O_DIRECT | LINUX_O_NOATIME)

static long sys_fcntl(long fd, long cmd, long arg, long a4, long a5, long a6)
{
	struct ofile *of = getf(fd);
	struct linux_flock fl;
	long nfd;

	if (!of)
		return -LINUX_EBADF;
	switch (cmd) {
	case LINUX_F_DUPFD:
	case LINUX_F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= NFD)
			return -LINUX_EINVAL;
		nfd = fd_lowest(arg);
		return nfd < 0 ? nfd : fd_install(nfd, of, cmd == LINUX_F_DUPFD_CLOEXEC);
	case LINUX_F_GETFD:
		return fdt[fd].cloexec ? LINUX_FD_CLOEXEC : 0;
	case LINUX_F_SETFD:
		fdt[fd].cloexec = arg & LINUX_FD_CLOEXEC;
		return 0;
	case LINUX_F_GETFL:
		return of->flags;
	case LINUX_F_SETFL:
		if (of->kind != K_PATH)
			of->flags = (of->flags & ~SETFL_MASK) | ((uint32_t)arg & SETFL_MASK);
		return of->kind == K_PATH ? -LINUX_EBADF : 0;
	case LINUX_F_GETLK: /* one process: no lock ever conflicts */
		if (linux_copy_from_user(&fl, (uint64_t)arg, sizeof(fl)) < 0)
			return -LINUX_EFAULT;
		fl.l_type = LINUX_F_UNLCK;
		return linux_copy_to_user((uint64_t)arg, &fl, sizeof(fl));
	case LINUX_F_SETLK:
	case LINUX_F_SETLKW:
		return 0;
	case LINUX_F_GETPIPE_SZ:
	case LINUX_F_SETPIPE_SZ: /* the size stays Linux's default */
		return of->kind == K_PIPE ? (long)(PIPE_SLOTS * PIPE_PAGE) : -LINUX_EBADF;
	default:
		return -LINUX_EINVAL;
	}
}

/* Permission as Linux grants it to the files' owner (exosim's user) or to
 * root; nothing of the tree may be written. */
static long do_access(long dirfd, long upath, long mode, long flags)
{
	uint32_t m;
	long r;

	if (mode & ~7 ||
	    flags & ~(LINUX_AT_EACCESS | LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -LINUX_EINVAL;
	if (flags & LINUX_AT_EMPTY_PATH) {
		struct target t;

		r = stat_target(dirfd, upath, flags, &t);
		if (r < 0)
			return r;
		if (t.node < 0)
			return 0; /* a console stream */
		r = t.node;
	} else {
		r = lookup_at(dirfd, upath, path1,
		              flags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW, NULL);
		if (r < 0)
			return r;
	}
	m = root.node[r].mode;
	if ((mode & LINUX_W_OK) && !root.node[r].special)
		return -LINUX_EROFS;
	if (linux_opts.uid == 0) /* root: only X needs a bit, unless a directory */
		m |= (m & 0111) || rootfs_is_dir(&root, (int)r) ? 0700 : 0600;
	else if (root.node[r].special)
		m <<= 6; /* the devices are root's: the "other" bits apply */
	if (((mode & LINUX_R_OK) && !(m & 0400)) || ((mode & LINUX_W_OK) && !(m & 0200)) ||
	    ((mode & LINUX_X_OK) && !(m & 0100)))
		return -LINUX_EACCES;
	return 0;
}

static long sys_access(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return do_access(LINUX_AT_FDCWD, upath, mode, 0);
}

static long sys_faccessat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	return do_access(dirfd, upath, mode, 0);
}

static long sys_faccessat2(long dirfd, long upath, long mode, long flags, long a5, long a6)
{
	return do_access(dirfd, upath, mode, flags);
}

static long sys_getcwd(long ubuf, long size, long a3, long a4, long a5, long a6)
{
	size_t len = rootfs_path(&root, cwd, path1, sizeof(path1));

	if (len >= sizeof(path1))
		return -LINUX_ENAMETOOLONG;
	if (size < 0 || len + 1 > (size_t)size)
		return -LINUX_ERANGE;
	if (linux_copy_to_user((uint64_t)ubuf, path1, len + 1) < 0)
		return -LINUX_EFAULT;
	return (long)len + 1;
}

static long set_cwd(int node)
{
	if (!rootfs_is_dir(&root, node))
		return -LINUX_ENOTDIR;
	if (!(root.node[node].mode & 0100))
		return -LINUX_EACCES;
	cwd = node;
	return 0;
}

static long sys_chdir(long upath, long a2, long a3, long a4, long a5, long a6)
{
	long r = lookup_at(LINUX_AT_FDCWD, upath, path1, ROOTFS_FOLLOW, NULL);

	return r < 0 ? r : set_cwd((int)r);
}

static long sys_fchdir(long fd, long a2, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of)
		return -LINUX_EBADF;
	return of->node < 0 ? -LINUX_ENOTDIR : set_cwd(of->node);
}

static long sys_umask(long mask, long a2, long a3, long a4, long a5, long a6)
{
	uint32_t old = cur_umask;

	cur_umask = (uint32_t)mask & 0777;
	return old;
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
		w = do_write(o, (uint64_t)iobuf, (size_t)r, false);
		if (w < 0 && !done)
			done = w;
		if (w <= 0)
			break;
		done += w;
		if (w < r) {
			*offp -= (uint64_t)(r - w); /* give back what was not written */
			break;
		}
	}
	if (uoff && linux_copy_to_user((uint64_t)uoff, &off, 8) < 0)
		return -LINUX_EFAULT;
	return done;
}

/* POLLHUP and POLLERR are reported whether asked for or not. */
static short pipe_events(const struct ofile *of, short events)
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

/* Waits until the deadline (ns of linux_monotonic_ns), letting other
 * environments run: poll with nothing to wait for is how some programs sleep. */
static void sleep_until(uint64_t deadline)
{
	while (linux_monotonic_ns() < deadline)
		exo_yield();
}

static long do_poll(long ufds, long nfds, int64_t timeout_ns)
{
	struct linux_pollfd p[IOV_CHUNK];
	long ready = 0;

	if (nfds < 0 || nfds > NFD)
		return -LINUX_EINVAL;
	for (long i = 0; i < nfds; i += IOV_CHUNK) {
		long k = nfds - i < IOV_CHUNK ? nfds - i : IOV_CHUNK;
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
		sleep_until(linux_monotonic_ns() + (uint64_t)timeout_ns);
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

/* ---- Calls that would change the tree ----------------------------------
 * Linux checks the path before it asks whether the mount is writable, and
 * some checks come first: a path that exists cannot be created (EEXIST),
 * a missing directory on the way is ENOENT. */

/* mkdir, symlink, link, mknod: the new name must not exist. */
static long create_at(long dirfd, long upath)
{
	int parent;
	long r = lookup_at(dirfd, upath, path1, 0, &parent);

	if (r >= 0)
		return -LINUX_EEXIST;
	return r == -LINUX_ENOENT && parent >= 0 ? -LINUX_EROFS : r;
}

/* unlink, rmdir, rename: Linux asks for write access once the parent is
 * found, before it looks for the name itself. */
static long remove_at(long dirfd, long upath)
{
	int parent;
	long r = lookup_at(dirfd, upath, path1, 0, &parent);

	return r >= 0 || (r == -LINUX_ENOENT && parent >= 0) ? -LINUX_EROFS : r;
}

/* chmod, chown, utimes: the file must exist.  /dev is no part of the
 * read-only tree (it is a devtmpfs on Linux): changing it succeeds. */
static long change_at(long dirfd, long upath, unsigned follow)
{
	long r = lookup_at(dirfd, upath, path1, follow, NULL);

	if (r < 0)
		return r;
	return root.node[r].special ? 0 : -LINUX_EROFS;
}

static long sys_mkdir(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return create_at(LINUX_AT_FDCWD, upath);
}

static long sys_mkdirat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	return create_at(dirfd, upath);
}

static long sys_mknod(long upath, long mode, long dev, long a4, long a5, long a6)
{
	return create_at(LINUX_AT_FDCWD, upath);
}

static long sys_mknodat(long dirfd, long upath, long mode, long dev, long a5, long a6)
{
	return create_at(dirfd, upath);
}

static long sys_symlink(long target, long upath, long a3, long a4, long a5, long a6)
{
	return create_at(LINUX_AT_FDCWD, upath);
}

static long sys_symlinkat(long target, long dirfd, long upath, long a4, long a5, long a6)
{
	return create_at(dirfd, upath);
}

static long sys_link(long old, long upath, long a3, long a4, long a5, long a6)
{
	long r = lookup_at(LINUX_AT_FDCWD, old, path1, 0, NULL);

	return r < 0 ? r : create_at(LINUX_AT_FDCWD, upath);
}

static long sys_linkat(long olddir, long old, long newdir, long upath, long flags, long a6)
{
	long r = lookup_at(olddir, old, path1, flags & 0x400 ? ROOTFS_FOLLOW : 0, NULL);

	return r < 0 ? r : create_at(newdir, upath);
}

static long sys_unlink(long upath, long a2, long a3, long a4, long a5, long a6)
{
	return remove_at(LINUX_AT_FDCWD, upath);
}

static long sys_rmdir(long upath, long a2, long a3, long a4, long a5, long a6)
{
	return remove_at(LINUX_AT_FDCWD, upath);
}

static long sys_unlinkat(long dirfd, long upath, long flags, long a4, long a5, long a6)
{
	if (flags & ~LINUX_AT_REMOVEDIR)
		return -LINUX_EINVAL;
	return remove_at(dirfd, upath);
}

static long do_rename(long olddir, long old, long newdir, long upath)
{
	long r = remove_at(olddir, old);

	if (r != -LINUX_EROFS)
		return r;
	r = remove_at(newdir, upath);
	return r;
}

static long sys_rename(long old, long upath, long a3, long a4, long a5, long a6)
{
	return do_rename(LINUX_AT_FDCWD, old, LINUX_AT_FDCWD, upath);
}

static long sys_renameat(long olddir, long old, long newdir, long upath, long a5, long a6)
{
	return do_rename(olddir, old, newdir, upath);
}

static long sys_renameat2(long olddir, long old, long newdir, long upath, long flags, long a6)
{
	return do_rename(olddir, old, newdir, upath);
}

static long sys_chmod(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return change_at(LINUX_AT_FDCWD, upath, ROOTFS_FOLLOW);
}

static long sys_fchmodat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	return change_at(dirfd, upath, ROOTFS_FOLLOW);
}

static long sys_chown(long upath, long uid, long gid, long a4, long a5, long a6)
{
	return change_at(LINUX_AT_FDCWD, upath, ROOTFS_FOLLOW);
}

static long sys_lchown(long upath, long uid, long gid, long a4, long a5, long a6)
{
	return change_at(LINUX_AT_FDCWD, upath, 0);
}

static long sys_fchownat(long dirfd, long upath, long uid, long gid, long flags, long a6)
{
	return change_at(dirfd, upath, flags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW);
}

static long sys_fchange(long fd, long a2, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	return of->kind == K_CONSOLE || of->kind >= K_FILE ? -LINUX_EROFS : 0;
}

static long sys_utime(long upath, long times, long a3, long a4, long a5, long a6)
{
	return change_at(LINUX_AT_FDCWD, upath, ROOTFS_FOLLOW);
}

static long sys_utimes(long upath, long times, long a3, long a4, long a5, long a6)
{
	return change_at(LINUX_AT_FDCWD, upath, ROOTFS_FOLLOW);
}

static long sys_futimesat(long dirfd, long upath, long times, long a4, long a5, long a6)
{
	return change_at(dirfd, upath, ROOTFS_FOLLOW);
}

/* A NULL path is futimens(dirfd). */
static long sys_utimensat(long dirfd, long upath, long times, long flags, long a5, long a6)
{
	if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -LINUX_EINVAL;
	if (upath == 0)
		return sys_fchange(dirfd, 0, 0, 0, 0, 0);
	return change_at(dirfd, upath, flags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW);
}

/* One read-only ramfs-like file system; pipes and the console on pipefs. */
static long put_statfs(struct target t, long ubuf)
{
	struct linux_statfs sf;
	uint64_t bytes = 0;

	memset(&sf, 0, sizeof(sf));
	for (uint32_t i = 0; i < root.nnodes; i++)
		if (rootfs_is_reg(&root, (int)i))
			bytes += (root.node[i].size + 4095) / 4096;
	sf.f_type = t.node >= 0 ? LINUX_RAMFS_MAGIC : LINUX_PIPEFS_MAGIC;
	sf.f_bsize = sf.f_frsize = 4096;
	sf.f_blocks = t.node >= 0 ? bytes : 0;
	sf.f_files = t.node >= 0 ? root.nnodes : 0;
	sf.f_namelen = ROOTFS_NAME_MAX;
	sf.f_flags = t.node >= 0 ? LINUX_ST_RDONLY : 0;
	return linux_copy_to_user((uint64_t)ubuf, &sf, sizeof(sf));
}

static long sys_statfs(long upath, long ubuf, long a3, long a4, long a5, long a6)
{
	long r = lookup_at(LINUX_AT_FDCWD, upath, path1, ROOTFS_FOLLOW, NULL);

	return r < 0 ? r : put_statfs((struct target){(int)r, -1, -1}, ubuf);
}

static long sys_fstatfs(long fd, long ubuf, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	return of ? put_statfs(of_target(of), ubuf) : -LINUX_EBADF;
}

static long sys_truncate(long upath, long len, long a3, long a4, long a5, long a6)
{
	long r = lookup_at(LINUX_AT_FDCWD, upath, path1, ROOTFS_FOLLOW, NULL);

	if (r < 0)
		return r;
	if (rootfs_is_dir(&root, (int)r))
		return -LINUX_EISDIR;
	return rootfs_is_reg(&root, (int)r) ? -LINUX_EROFS : -LINUX_EINVAL;
}

static long sys_ftruncate(long fd, long len, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	return -LINUX_EINVAL; /* no descriptor of a regular file is writable */
}

static long sys_fsync(long fd, long a2, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	if (of->kind == K_PIPE || (of->kind == K_CONSOLE && !linux_opts.isatty[of->stream]))
		return -LINUX_EINVAL;
	return 0;
}

static long sys_flock(long fd, long op, long a3, long a4, long a5, long a6)
{
	return getf(fd) ? 0 : -LINUX_EBADF;
}

#pragma GCC diagnostic pop

#define DEF(name)                                                                                  \
	{                                                                                          \
		LINUX_SYS_##name, #name, sys_##name                                                \
	}

const struct linux_syscall_def linux_fs_syscalls[] = {
        DEF(read),
        DEF(write),
        DEF(readv),
        DEF(writev),
        DEF(pread64),
        DEF(pwrite64),
        DEF(pipe),
        DEF(pipe2),
        DEF(open),
        DEF(openat),
        DEF(creat),
        DEF(close),
        DEF(lseek),
        DEF(fstat),
        DEF(stat),
        DEF(lstat),
        DEF(newfstatat),
        DEF(statx),
        DEF(getdents),
        DEF(getdents64),
        DEF(readlink),
        DEF(readlinkat),
        DEF(ioctl),
        DEF(dup),
        DEF(dup2),
        DEF(dup3),
        DEF(fcntl),
        DEF(access),
        DEF(faccessat),
        DEF(faccessat2),
        DEF(getcwd),
        DEF(chdir),
        DEF(fchdir),
        DEF(umask),
        DEF(sendfile),
        DEF(poll),
        DEF(ppoll),
        DEF(mkdir),
        DEF(mkdirat),
        DEF(mknod),
        DEF(mknodat),
        DEF(symlink),
        DEF(symlinkat),
        DEF(link),
        DEF(linkat),
        DEF(unlink),
        DEF(unlinkat),
        DEF(rmdir),
        DEF(rename),
        DEF(renameat),
        DEF(renameat2),
        DEF(chmod),
        DEF(fchmodat),
        DEF(chown),
        DEF(lchown),
        DEF(fchownat),
        {LINUX_SYS_fchmod, "fchmod", sys_fchange},
        {LINUX_SYS_fchown, "fchown", sys_fchange},
        DEF(utime),
        DEF(utimes),
        DEF(futimesat),
        DEF(utimensat),
        DEF(statfs),
        DEF(fstatfs),
        DEF(truncate),
        DEF(ftruncate),
        DEF(fsync),
        {LINUX_SYS_fdatasync, "fdatasync", sys_fsync},
        DEF(flock),
};

const size_t linux_fs_nsyscalls = sizeof(linux_fs_syscalls) / sizeof(linux_fs_syscalls[0]);
