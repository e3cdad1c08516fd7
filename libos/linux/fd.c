/* Descriptors and open file descriptions: the descriptor table, dup, fcntl
 * and close.  A descriptor names an open file description (struct ofile):
 * dup'ed descriptors share one, and so its offset and status flags, as on
 * Linux. */
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

#define files (linux_fs->files) /* shared by all processes (vfs.h) */
uint64_t fd_generation;         /* bumped whenever a descriptor comes or goes (procfs.c) */
static struct {
	int16_t of; /* files[of - 1]; 0: closed */
	bool cloexec;
} fdt[NFD];

struct ofile *getf(long fd)
{
	if (fd < 0 || fd >= NFD || !fdt[fd].of)
		return NULL;
	return &files[fdt[fd].of - 1];
}

bool readable(const struct ofile *of)
{
	return !(of->flags & LINUX_O_PATH) && (of->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY;
}

bool writable(const struct ofile *of)
{
	return !(of->flags & LINUX_O_PATH) && (of->flags & LINUX_O_ACCMODE) != LINUX_O_RDONLY;
}

static void node_closed(const struct ofile *of)
{
	if (of->node >= 0) {
		root.node[of->node].opens--;
		tmp_closed(of->node);
	}
}

/* The table is every process's: a free entry is taken under the lock. */
struct ofile *of_alloc(enum kind kind, int node, uint32_t flags)
{
	struct ofile *found = NULL;

	fs_lock();
	for (int i = 0; i < NFILE && !found; i++) {
		struct ofile *of = &files[i];

		if (of->refs == 0) {
			*of = (struct ofile){.refs = 1,
			                     .kind = (uint8_t)kind,
			                     .node = node,
			                     .flags = flags,
			                     .dcur = -1};
			if (node >= 0) /* an unlinked file lives while it is open */
				root.node[node].opens++;
			found = of;
		}
	}
	fs_unlock();
	return found;
}

void of_put(struct ofile *of)
{
	fs_lock();
	if (--of->refs == 0) {
		if (of->kind == K_PIPE)
			pipe_close_end(of);
		if (of->kind == K_SOCKET)
			usock_close(of);
		node_closed(of);
		linux_waitfd_close(of); /* eventfd, epoll (thread.h) */
		of->kind = K_FREE;
	}
	fs_unlock();
}

long fd_lowest(long min)
{
	for (long fd = min; fd < NFD; fd++)
		if (!fdt[fd].of)
			return fd;
	return -LINUX_EMFILE;
}

static void fd_close(long fd)
{
	fd_generation++;
	if (fdt[fd].of)
		of_put(&files[fdt[fd].of - 1]);
	fdt[fd].of = 0;
	fdt[fd].cloexec = false;
}

/* exit closes everything; execve what is close-on-exec. */
void linux_fd_close_all(void)
{
	for (long fd = 0; fd < NFD; fd++)
		fd_close(fd);
	fs_lock();
	root.node[cwd].opens--; /* and the working directory goes */
	tmp_closed(cwd);
	fs_unlock();
}

void linux_fd_close_cloexec(void)
{
	for (long fd = 0; fd < NFD; fd++)
		if (fdt[fd].cloexec)
			fd_close(fd);
}

/* fork: the child's descriptor table, a copy of ours, refers to the same
 * open file descriptions (shared, as on Linux: one offset), and its working
 * directory holds its node too. */
void linux_fd_forked(int delta)
{
	fs_lock();
	for (int fd = 0; fd < NFD; fd++)
		if (fdt[fd].of)
			files[fdt[fd].of - 1].refs += (uint32_t)delta;
	root.node[cwd].opens += (uint32_t)delta;
	fs_unlock();
}

/* Points fd at of (taking a reference), closing what fd named. */
static long fd_install(long fd, struct ofile *of, bool cloexec)
{
	fs_lock();
	of->refs++;
	fs_unlock();
	fd_close(fd);
	fdt[fd].of = (int16_t)(of - files + 1);
	fd_generation++;
	fdt[fd].cloexec = cloexec;
	return fd;
}

void fd_set_cloexec(long fd, bool cloexec)
{
	fdt[fd].cloexec = cloexec;
}

/* A new descriptor for a new description: drops the description on EMFILE. */
long fd_new(struct ofile *of, bool cloexec)
{
	long fd = fd_lowest(0);

	if (fd >= 0)
		fd_install(fd, of, cloexec);
	of_put(of);
	return fd;
}

void of_free(struct ofile *of)
{
	if (of) {
		node_closed(of);
		of->refs = 0, of->kind = K_FREE;
	}
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

static long sys_close(long fd, long a2, long a3, long a4, long a5, long a6)
{
	if (!getf(fd))
		return -LINUX_EBADF;
	fd_close(fd);
	return 0;
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
		return of->kind == K_PIPE ? (long)LINUX_PIPE_SIZE : -LINUX_EBADF;
	default:
		return -LINUX_EINVAL;
	}
}

static long sys_flock(long fd, long op, long a3, long a4, long a5, long a6)
{
	return getf(fd) ? 0 : -LINUX_EBADF;
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_fd_syscalls[] = {
        LINUX_DEF(close), LINUX_DEF(dup),   LINUX_DEF(dup2),
        LINUX_DEF(dup3),  LINUX_DEF(fcntl), LINUX_DEF(flock),
};

const size_t linux_fd_nsyscalls = ARRAY_LEN(linux_fd_syscalls);
