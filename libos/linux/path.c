/* Paths: lookup relative to a directory descriptor, the working directory,
 * umask, access and readlink. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "unix_socket.h"
#include "vfs.h"

static uint32_t cur_umask = 022;

long get_path(char *buf, long upath)
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
long lookup_at(long dirfd, long upath, char *buf, unsigned flags, int *parent)
{
	int dir;

	proc_sync();
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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

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
	if (root.node[r].special) { /* /proc's fd/N and cwd: computed */
		long n = proc_link_text((int)r, path1, sizeof(path1));
		if (n < 0)
			return n;
		t = path1, len = (size_t)n < sizeof(path1) ? (size_t)n : sizeof(path1) - 1;
	} else {
		t = rootfs_link_target(&root, (int)r, &len);
	}
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

struct target of_target(const struct ofile *of)
{
	/* A socket's target is pipe -2 - its index (unix_socket.h). */
	return (struct target){of->node, of->kind == K_CONSOLE ? of->stream : -1,
	                       of->kind == K_PIPE     ? of->stream
	                       : of->kind == K_SOCKET ? -2 - of->dcur
	                                              : -1};
}

long stat_target(long dirfd, long upath, long atflags, struct target *t)
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
	unsigned follow = atflags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW;
	r = lookup_at(dirfd, upath, path1, follow, NULL);
	if (r < 0)
		return r;
	const struct ofile *of = follow ? linux_magic_self((int)r) : NULL;
	*t = of ? of_target(of) : (struct target){(int)r, -1, -1};
	return 0;
}

/* A lookup that followed /proc/<pid>/fd/N to a file without a node (a pipe,
 * the console) ends on the link itself: the open file it names, or NULL. */
const struct ofile *linux_magic_self(int node)
{
	return rootfs_is_link(&root, node) ? proc_fd_file(node) : NULL;
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
	/* The working directory keeps its node, as an open file does: rmdir of
	 * it unlinks it, and it is freed when we leave it. */
	root.node[node].opens++;
	int old = cwd;
	cwd = node;
	root.node[old].opens--;
	tmp_closed(old);
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

uint32_t linux_umask(void)
{
	return cur_umask;
}

static long sys_umask(long mask, long a2, long a3, long a4, long a5, long a6)
{
	uint32_t old = cur_umask;

	cur_umask = (uint32_t)mask & 0777;
	return old;
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_path_syscalls[] = {
        LINUX_DEF(readlink),  LINUX_DEF(readlinkat), LINUX_DEF(access),
        LINUX_DEF(faccessat), LINUX_DEF(faccessat2), LINUX_DEF(getcwd),
        LINUX_DEF(chdir),     LINUX_DEF(fchdir),     LINUX_DEF(umask),
};

const size_t linux_path_nsyscalls = ARRAY_LEN(linux_path_syscalls);
