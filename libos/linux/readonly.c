/* The calls that would change the tree.  Files are the initramfs's bytes,
 * read in place; nothing is ever written to it, so each of these fails as on
 * a read-only mount (EROFS), after the checks Linux makes first. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

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
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_readonly_syscalls[] = {
        LINUX_DEF(mkdir),
        LINUX_DEF(mkdirat),
        LINUX_DEF(mknod),
        LINUX_DEF(mknodat),
        LINUX_DEF(symlink),
        LINUX_DEF(symlinkat),
        LINUX_DEF(link),
        LINUX_DEF(linkat),
        LINUX_DEF(unlink),
        LINUX_DEF(unlinkat),
        LINUX_DEF(rmdir),
        LINUX_DEF(rename),
        LINUX_DEF(renameat),
        LINUX_DEF(renameat2),
        LINUX_DEF(chmod),
        LINUX_DEF(fchmodat),
        LINUX_DEF(chown),
        LINUX_DEF(lchown),
        LINUX_DEF(fchownat),
        {LINUX_SYS_fchmod, "fchmod", sys_fchange},
        {LINUX_SYS_fchown, "fchown", sys_fchange},
        LINUX_DEF(utime),
        LINUX_DEF(utimes),
        LINUX_DEF(futimesat),
        LINUX_DEF(utimensat),
        LINUX_DEF(truncate),
        LINUX_DEF(ftruncate),
};

const size_t linux_readonly_nsyscalls = ARRAY_LEN(linux_readonly_syscalls);
