/* open, openat and creat: what Linux checks, in its order, on a read-only
 * tree. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

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
	if (rootfs_is_reg(&root, node) && wants_write && !tmp_writable(node) &&
	    !root.node[node].special) /* /proc files open for writing, and refuse writes */
		return -LINUX_EROFS;
	if (flags & LINUX_O_TMPFILE_BIT) /* unnamed files: not on /tmp yet either */
		return tmp_writable(node) ? -LINUX_EOPNOTSUPP : -LINUX_EROFS;
	return 0;
}

/* O_CREAT of a missing name in parent: a new file of /tmp. */
static long create_file(int parent, long mode)
{
	size_t len = strnlen(path1, PATH_MAX), start = len;

	if (len && path1[len - 1] == '/')
		return -LINUX_EISDIR;
	if (!tmp_writable(parent))
		return -LINUX_EROFS;
	while (start > 0 && path1[start - 1] != '/')
		start--;
	return tmp_create(parent, path1 + start, len - start,
	                  ROOTFS_S_IFREG | ((uint32_t)mode & 07777 & ~linux_umask()), NULL, 0);
}

/* Status flags F_GETFL reports: O_LARGEFILE is implied on 64-bit Linux; the
 * open-time-only flags are dropped. */
static uint32_t kept_flags(long flags)
{
	return (uint32_t)(flags & ~(LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_NOCTTY | LINUX_O_TRUNC |
	                            LINUX_O_CLOEXEC)) |
	       LINUX_O_LARGEFILE;
}

static long do_open(long dirfd, long upath, long flags, long mode)
{
	bool excl = (flags & (LINUX_O_CREAT | LINUX_O_EXCL)) == (LINUX_O_CREAT | LINUX_O_EXCL);
	bool follow = !(flags & LINUX_O_NOFOLLOW) && !excl;
	int parent, node;
	struct ofile *of;
	long r;

	r = lookup_at(dirfd, upath, path1, follow ? ROOTFS_FOLLOW : 0, &parent);
	if (r < 0) {
		if (r != -LINUX_ENOENT || !(flags & LINUX_O_CREAT) || parent < 0)
			return r;
		if ((r = create_file(parent, mode)) < 0)
			return r;
		of = of_alloc(K_FILE, (int)r, kept_flags(flags));
		return of ? fd_new(of, flags & LINUX_O_CLOEXEC) : -LINUX_ENFILE;
	}
	node = (int)r;
	if (follow && linux_magic_self(node))
		return open_special(node, kept_flags(flags), flags & LINUX_O_CLOEXEC);
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
	else if ((flags & LINUX_O_TRUNC) && rootfs_is_reg(&root, node) &&
	         (r = tmp_truncate(node, 0)) < 0)
		return r;
	else
		of = of_alloc(rootfs_is_dir(&root, node) ? K_DIR : K_FILE, node, kept_flags(flags));
	return of ? fd_new(of, flags & LINUX_O_CLOEXEC) : -LINUX_ENFILE;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

static long sys_open(long upath, long flags, long mode, long a4, long a5, long a6)
{
	return do_open(LINUX_AT_FDCWD, upath, flags, mode);
}

static long sys_openat(long dirfd, long upath, long flags, long mode, long a5, long a6)
{
	return do_open(dirfd, upath, flags, mode);
}

static long sys_creat(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return do_open(LINUX_AT_FDCWD, upath, LINUX_O_CREAT | LINUX_O_WRONLY | LINUX_O_TRUNC, mode);
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_open_syscalls[] = {
        LINUX_DEF(open),
        LINUX_DEF(openat),
        LINUX_DEF(creat),
};

const size_t linux_open_nsyscalls = ARRAY_LEN(linux_open_syscalls);
