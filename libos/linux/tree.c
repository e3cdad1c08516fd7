/* The calls that change the tree: mkdir, mknod, symlink, link, unlink, rmdir,
 * rename, chmod, chown, utimes, truncate and their *at and f* forms.
 *
 * The initramfs is read-only: there each fails as on a read-only mount
 * (EROFS), after the checks Linux makes first.  /tmp (tmpfs.c) is writable:
 * there they work as on Linux's tmpfs.  The two are different mounts, so a
 * rename between them is EXDEV.  Hard links and FIFOs are not supported on
 * /tmp (EPERM, as a file system without them answers). */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2
#define RENAME_WHITEOUT  4
#define UTIME_NOW        ((1l << 30) - 1)
#define UTIME_OMIT       ((1l << 30) - 2)

static char target_buf[PATH_MAX]; /* symlink's target */

/* The last component of path (trailing slashes skipped): *n bytes at the
 * returned pointer; *slash says whether the path ended in '/'. */
static const char *last_name(const char *path, size_t *n, bool *slash)
{
	size_t end = strnlen(path, PATH_MAX), start;

	*slash = end && path[end - 1] == '/';
	while (end > 1 && path[end - 1] == '/')
		end--;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	*n = end - start;
	return path + start;
}

/* mkdir, symlink, mknod: the new name must not exist; Linux checks the path
 * before it asks whether the mount is writable. */
static long create_at(long dirfd, long upath, uint32_t mode, const char *target, size_t tlen)
{
	int parent;
	long r = lookup_at(dirfd, upath, path1, 0, &parent);
	bool slash;
	size_t n;
	const char *name;

	if (r >= 0)
		return -LINUX_EEXIST;
	if (r != -LINUX_ENOENT || parent < 0)
		return r;
	if (!tmp_writable(parent))
		return -LINUX_EROFS;
	name = last_name(path1, &n, &slash);
	if (slash && (mode & ROOTFS_S_IFMT) != ROOTFS_S_IFDIR)
		return -LINUX_ENOENT; /* "a/" names a directory */
	r = tmp_create(parent, name, n, mode, target, tlen);
	return r < 0 ? r : 0;
}

static uint32_t with_umask(long mode)
{
	return (uint32_t)mode & 07777 & ~linux_umask();
}

static long sys_mkdir(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return create_at(LINUX_AT_FDCWD, upath, ROOTFS_S_IFDIR | with_umask(mode), NULL, 0);
}

static long sys_mkdirat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	return create_at(dirfd, upath, ROOTFS_S_IFDIR | with_umask(mode), NULL, 0);
}

/* mknod: regular files only; FIFOs and devices are EPERM on /tmp. */
static long do_mknod(long dirfd, long upath, long mode)
{
	uint32_t type = (uint32_t)mode & ROOTFS_S_IFMT;
	int parent;
	long r;

	if (type == 0 || type == ROOTFS_S_IFREG)
		return create_at(dirfd, upath, ROOTFS_S_IFREG | with_umask(mode), NULL, 0);
	if (type == ROOTFS_S_IFDIR || type == ROOTFS_S_IFLNK)
		return -LINUX_EINVAL;
	r = lookup_at(dirfd, upath, path1, 0, &parent);
	if (r >= 0)
		return -LINUX_EEXIST;
	if (r != -LINUX_ENOENT || parent < 0)
		return r;
	return tmp_writable(parent) ? -LINUX_EPERM : -LINUX_EROFS;
}

static long sys_mknod(long upath, long mode, long dev, long a4, long a5, long a6)
{
	return do_mknod(LINUX_AT_FDCWD, upath, mode);
}

static long sys_mknodat(long dirfd, long upath, long mode, long dev, long a5, long a6)
{
	return do_mknod(dirfd, upath, mode);
}

static long do_symlink(long utarget, long dirfd, long upath)
{
	long r = get_path(target_buf, utarget);
	size_t n = strnlen(target_buf, PATH_MAX);

	if (r < 0)
		return r;
	if (n == 0)
		return -LINUX_ENOENT;
	return create_at(dirfd, upath, ROOTFS_S_IFLNK | 0777, target_buf, n);
}

static long sys_symlink(long target, long upath, long a3, long a4, long a5, long a6)
{
	return do_symlink(target, LINUX_AT_FDCWD, upath);
}

static long sys_symlinkat(long target, long dirfd, long upath, long a4, long a5, long a6)
{
	return do_symlink(target, dirfd, upath);
}

/* link: the new name must not exist; then EROFS, or EPERM on /tmp. */
static long do_link(long olddir, long old, unsigned follow, long newdir, long upath)
{
	int parent;
	long r = lookup_at(olddir, old, path1, follow, NULL);

	if (r < 0)
		return r;
	r = lookup_at(newdir, upath, path1, 0, &parent);
	if (r >= 0)
		return -LINUX_EEXIST;
	if (r != -LINUX_ENOENT || parent < 0)
		return r;
	return tmp_writable(parent) ? -LINUX_EPERM : -LINUX_EROFS;
}

static long sys_link(long old, long upath, long a3, long a4, long a5, long a6)
{
	return do_link(LINUX_AT_FDCWD, old, 0, LINUX_AT_FDCWD, upath);
}

static long sys_linkat(long olddir, long old, long newdir, long upath, long flags, long a6)
{
	return do_link(olddir, old, flags & 0x400 ? ROOTFS_FOLLOW : 0, newdir, upath);
}

/* Why node cannot be removed as a directory (dir) or a file (!dir), or 0.
 * Linux asks the parent's mount for write access first: /tmp itself is in
 * the read-only root. */
static long removable(int node, bool dir)
{
	if (node == ROOTFS_ROOT)
		return -LINUX_EBUSY;
	if (!tmp_writable(root.node[node].parent))
		return -LINUX_EROFS;
	if (dir != rootfs_is_dir(&root, node))
		return dir ? -LINUX_ENOTDIR : -LINUX_EISDIR;
	if (dir && root.node[node].first_child >= 0)
		return -LINUX_ENOTEMPTY;
	return 0;
}

/* unlink, rmdir: Linux asks for write access once the parent is found,
 * before it looks for the name itself. */
static long remove_at(long dirfd, long upath, bool dir)
{
	int parent;
	long r = lookup_at(dirfd, upath, path1, 0, &parent);
	bool slash;
	size_t n;
	const char *name;

	if (r == -LINUX_ENOENT && parent >= 0)
		return tmp_writable(parent) ? r : -LINUX_EROFS;
	if (r < 0)
		return r;
	name = last_name(path1, &n, &slash);
	if (dir && n == 1 && name[0] == '.')
		return -LINUX_EINVAL;
	if (dir && n == 2 && name[0] == '.' && name[1] == '.')
		return -LINUX_ENOTEMPTY;
	if (!dir && slash)
		return rootfs_is_dir(&root, (int)r) ? -LINUX_EISDIR : -LINUX_ENOTDIR;
	long why = removable((int)r, dir);
	if (why < 0)
		return why;
	tmp_remove((int)r);
	return 0;
}

static long sys_unlink(long upath, long a2, long a3, long a4, long a5, long a6)
{
	return remove_at(LINUX_AT_FDCWD, upath, false);
}

static long sys_rmdir(long upath, long a2, long a3, long a4, long a5, long a6)
{
	return remove_at(LINUX_AT_FDCWD, upath, true);
}

static long sys_unlinkat(long dirfd, long upath, long flags, long a4, long a5, long a6)
{
	if (flags & ~LINUX_AT_REMOVEDIR)
		return -LINUX_EINVAL;
	return remove_at(dirfd, upath, flags & LINUX_AT_REMOVEDIR);
}

/* One side of a rename: the node (or -1 if missing), its directory, its name. */
struct end {
	int node, dir;
	const char *name;
	size_t n;
	bool slash;
};

static long rename_end(long dirfd, long upath, char *buf, struct end *e)
{
	long r = lookup_at(dirfd, upath, buf, 0, &e->dir);

	if (r < 0 && (r != -LINUX_ENOENT || e->dir < 0))
		return r;
	e->node = (int)(r < 0 ? -1 : r);
	if (e->node >= 0)
		e->dir = e->node == ROOTFS_ROOT ? -1 : root.node[e->node].parent;
	e->name = last_name(buf, &e->n, &e->slash);
	return 0;
}

static bool is_below(int node, int dir)
{
	for (int d = dir; d != ROOTFS_ROOT; d = root.node[d].parent)
		if (d == node)
			return true;
	return false;
}

/* What Linux refuses once both ends are known, in its order. */
static long rename_check(const struct end *s, const struct end *t, long flags)
{
	if (s->dir < 0 || t->dir < 0)
		return -LINUX_EBUSY; /* the root */
	if (tmp_writable(s->dir) != tmp_writable(t->dir))
		return -LINUX_EXDEV;
	if (!tmp_writable(s->dir))
		return -LINUX_EROFS;
	if (s->node < 0)
		return -LINUX_ENOENT;
	if (!tmp_writable(s->node))
		return -LINUX_EBUSY; /* /tmp itself */
	if ((flags & RENAME_EXCHANGE) && t->node < 0)
		return -LINUX_ENOENT;
	if ((flags & RENAME_NOREPLACE) && t->node >= 0)
		return -LINUX_EEXIST;
	if (rootfs_is_dir(&root, s->node) && is_below(s->node, t->dir))
		return -LINUX_EINVAL;
	if ((s->slash && !rootfs_is_dir(&root, s->node)) ||
	    (t->slash && t->node < 0 && !rootfs_is_dir(&root, s->node)))
		return -LINUX_ENOTDIR;
	if (t->node < 0 || t->node == s->node || (flags & RENAME_EXCHANGE))
		return 0;
	if (rootfs_is_dir(&root, s->node) != rootfs_is_dir(&root, t->node))
		return rootfs_is_dir(&root, s->node) ? -LINUX_ENOTDIR : -LINUX_EISDIR;
	if (rootfs_is_dir(&root, t->node) && root.node[t->node].first_child >= 0)
		return -LINUX_ENOTEMPTY;
	return 0;
}

static char path2[PATH_MAX];

static long do_rename(long olddir, long old, long newdir, long upath, long flags)
{
	struct end s, t;
	long r;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) ||
	    (flags & RENAME_WHITEOUT) ||
	    (flags & (RENAME_NOREPLACE | RENAME_EXCHANGE)) == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -LINUX_EINVAL;
	if ((r = rename_end(olddir, old, path2, &s)) < 0 ||
	    (r = rename_end(newdir, upath, path1, &t)) < 0)
		return r;
	if ((r = rename_check(&s, &t, flags)) < 0 || t.node == s.node)
		return r;
	/* Both new names are allocated before anything changes: a full /tmp
	 * leaves the tree as it was. */
	char *sname = tmp_name(t.name, t.n), *tname = NULL;
	if (!sname)
		return -LINUX_ENOSPC;
	if (flags & RENAME_EXCHANGE) {
		if (!(tname = tmp_name(s.name, s.n))) {
			tmp_name_free(sname, t.n);
			return -LINUX_ENOSPC;
		}
		tmp_rename(s.node, t.dir, sname, t.n);
		tmp_rename(t.node, s.dir, tname, s.n);
		return 0;
	}
	if (t.node >= 0)
		tmp_remove(t.node);
	tmp_rename(s.node, t.dir, sname, t.n);
	return 0;
}

static long sys_rename(long old, long upath, long a3, long a4, long a5, long a6)
{
	return do_rename(LINUX_AT_FDCWD, old, LINUX_AT_FDCWD, upath, 0);
}

static long sys_renameat(long olddir, long old, long newdir, long upath, long a5, long a6)
{
	return do_rename(olddir, old, newdir, upath, 0);
}

static long sys_renameat2(long olddir, long old, long newdir, long upath, long flags, long a6)
{
	return do_rename(olddir, old, newdir, upath, flags);
}

/* ---- metadata: chmod, chown, utimes ------------------------------------ */

/* A change that succeeds and changes nothing (not an errno). */
#define UNCHANGED (-0x10000l)

/* What a change is allowed to touch: /tmp's nodes; /dev is no part of the
 * read-only tree (a devtmpfs on Linux): changing it succeeds, changing
 * nothing; the rest is EROFS. */
static long changeable(int node)
{
	if (tmp_writable(node))
		return 1;
	return root.node[node].special ? 0 : -LINUX_EROFS;
}

static long change_at(long dirfd, long upath, unsigned follow)
{
	long r = lookup_at(dirfd, upath, path1, follow, NULL);

	return r < 0 ? r : changeable((int)r) < 0 ? -LINUX_EROFS : r;
}

/* The node an f* call names, UNCHANGED (a device or pipe), or -EBADF/-EROFS. */
static long change_fd(long fd)
{
	const struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	if (of->node >= 0 && (of->kind == K_FILE || of->kind == K_DIR))
		return changeable(of->node) < 0 ? -LINUX_EROFS : of->node;
	return of->kind == K_CONSOLE || of->kind >= K_FILE ? -LINUX_EROFS : UNCHANGED;
}

/* The node to change, or why not (0 for UNCHANGED and nodes outside /tmp). */
static long target_of(long node, long *err)
{
	*err = node == UNCHANGED || node >= 0 ? 0 : node;
	return node >= 0 && tmp_writable((int)node) ? node : -1;
}

static long set_mode(long node, long mode)
{
	long err, n = target_of(node, &err);

	if (n >= 0)
		root.node[n].mode = (root.node[n].mode & ROOTFS_S_IFMT) | ((uint32_t)mode & 07777);
	return err;
}

static long set_owner(long node, long uid, long gid)
{
	long err, n = target_of(node, &err);

	if (n >= 0 && (uint32_t)uid != UINT32_MAX)
		root.node[n].uid = (uint32_t)uid;
	if (n >= 0 && (uint32_t)gid != UINT32_MAX)
		root.node[n].gid = (uint32_t)gid;
	return err;
}

/* The modification time from times[1] (a timespec pair, NULL: now). */
static long set_times(long node, long utimes)
{
	struct linux_timespec ts[2];
	long err, n = target_of(node, &err);

	if (err < 0 || node == UNCHANGED)
		return err;
	if (utimes && linux_copy_from_user(ts, (uint64_t)utimes, sizeof(ts)) < 0)
		return -LINUX_EFAULT;
	for (int i = 0; utimes && i < 2; i++)
		if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
		    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000))
			return -LINUX_EINVAL;
	if (n < 0 || (utimes && ts[1].tv_nsec == UTIME_OMIT))
		return 0;
	root.node[n].mtime = !utimes || ts[1].tv_nsec == UTIME_NOW
	                             ? (uint32_t)(linux_realtime_ns() / 1000000000u)
	                             : (uint32_t)ts[1].tv_sec;
	return 0;
}

/* utime(buf)/utimes(tv)/futimesat(tv) as a timespec pair in ts. */
static long times_from(long ubuf, bool timeval, struct linux_timespec *ts)
{
	uint64_t v[4];

	if (linux_copy_from_user(v, (uint64_t)ubuf, timeval ? 32 : 16) < 0)
		return -LINUX_EFAULT;
	ts[0] = (struct linux_timespec){(int64_t)v[0], timeval ? (int64_t)v[1] * 1000 : 0};
	ts[1] = timeval ? (struct linux_timespec){(int64_t)v[2], (int64_t)v[3] * 1000}
	                : (struct linux_timespec){(int64_t)v[1], 0};
	return 0;
}

static struct linux_timespec times_buf[2];

static long old_utimes(long dirfd, long upath, long ubuf, bool timeval)
{
	long node = change_at(dirfd, upath, ROOTFS_FOLLOW), r;

	if (node < 0 || !ubuf)
		return node < 0 ? node : set_times(node, 0);
	if ((r = times_from(ubuf, timeval, times_buf)) < 0)
		return r;
	if (!tmp_writable((int)node))
		return 0;
	root.node[node].mtime = (uint32_t)times_buf[1].tv_sec;
	return 0;
}

static long sys_chmod(long upath, long mode, long a3, long a4, long a5, long a6)
{
	return set_mode(change_at(LINUX_AT_FDCWD, upath, ROOTFS_FOLLOW), mode);
}

static long sys_fchmodat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	return set_mode(change_at(dirfd, upath, ROOTFS_FOLLOW), mode);
}

static long sys_fchmod(long fd, long mode, long a3, long a4, long a5, long a6)
{
	return set_mode(change_fd(fd), mode);
}

static long sys_chown(long upath, long uid, long gid, long a4, long a5, long a6)
{
	return set_owner(change_at(LINUX_AT_FDCWD, upath, ROOTFS_FOLLOW), uid, gid);
}

static long sys_lchown(long upath, long uid, long gid, long a4, long a5, long a6)
{
	return set_owner(change_at(LINUX_AT_FDCWD, upath, 0), uid, gid);
}

static long sys_fchownat(long dirfd, long upath, long uid, long gid, long flags, long a6)
{
	if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -LINUX_EINVAL;
	return set_owner(
	        change_at(dirfd, upath, flags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW), uid,
	        gid);
}

static long sys_fchown(long fd, long uid, long gid, long a4, long a5, long a6)
{
	return set_owner(change_fd(fd), uid, gid);
}

static long sys_utime(long upath, long times, long a3, long a4, long a5, long a6)
{
	return old_utimes(LINUX_AT_FDCWD, upath, times, false);
}

static long sys_utimes(long upath, long times, long a3, long a4, long a5, long a6)
{
	return old_utimes(LINUX_AT_FDCWD, upath, times, true);
}

static long sys_futimesat(long dirfd, long upath, long times, long a4, long a5, long a6)
{
	return old_utimes(dirfd, upath, times, true);
}

/* A NULL path is futimens(dirfd). */
static long sys_utimensat(long dirfd, long upath, long times, long flags, long a5, long a6)
{
	if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -LINUX_EINVAL;
	if (upath == 0)
		return set_times(change_fd(dirfd), times);
	return set_times(
	        change_at(dirfd, upath, flags & LINUX_AT_SYMLINK_NOFOLLOW ? 0 : ROOTFS_FOLLOW),
	        times);
}

/* ---- truncate ------------------------------------------------------------ */

static long sys_truncate(long upath, long len, long a3, long a4, long a5, long a6)
{
	long r = lookup_at(LINUX_AT_FDCWD, upath, path1, ROOTFS_FOLLOW, NULL);

	if (r < 0)
		return r;
	if (rootfs_is_dir(&root, (int)r))
		return -LINUX_EISDIR;
	if (!rootfs_is_reg(&root, (int)r))
		return -LINUX_EINVAL;
	if (len < 0)
		return -LINUX_EINVAL;
	return tmp_writable((int)r) ? tmp_truncate((int)r, (uint64_t)len) : -LINUX_EROFS;
}

static long sys_ftruncate(long fd, long len, long a3, long a4, long a5, long a6)
{
	const struct ofile *of = getf(fd);

	if (!of || of->kind == K_PATH)
		return -LINUX_EBADF;
	if (of->kind != K_FILE || !writable(of) || len < 0)
		return -LINUX_EINVAL;
	return tmp_truncate(of->node, (uint64_t)len);
}
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_tree_syscalls[] = {
        LINUX_DEF(mkdir),     LINUX_DEF(mkdirat),   LINUX_DEF(mknod),     LINUX_DEF(mknodat),
        LINUX_DEF(symlink),   LINUX_DEF(symlinkat), LINUX_DEF(link),      LINUX_DEF(linkat),
        LINUX_DEF(unlink),    LINUX_DEF(unlinkat),  LINUX_DEF(rmdir),     LINUX_DEF(rename),
        LINUX_DEF(renameat),  LINUX_DEF(renameat2), LINUX_DEF(chmod),     LINUX_DEF(fchmodat),
        LINUX_DEF(fchmod),    LINUX_DEF(chown),     LINUX_DEF(lchown),    LINUX_DEF(fchownat),
        LINUX_DEF(fchown),    LINUX_DEF(utime),     LINUX_DEF(utimes),    LINUX_DEF(futimesat),
        LINUX_DEF(utimensat), LINUX_DEF(truncate),  LINUX_DEF(ftruncate),
};

const size_t linux_tree_nsyscalls = ARRAY_LEN(linux_tree_syscalls);
