/* stat, statx and statfs: what the tree, the devices, the console streams
 * and the pipes look like to a Linux program. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "unix_socket.h"
#include "vfs.h"

#define DEV_ROOT     0x01 /* the initramfs: 0:1 */
#define DEV_DEVTMPFS 0x05 /* /dev: 0:5 */
#define DEV_TMPFS    0x1a /* /tmp: 0:26 */
#define DEV_PROC     0x16 /* /proc: 0:22 */
#define DEV_PIPEFS   0x0d /* pipes: 0:13 */
#define DEV_DEVPTS   0x18 /* terminals: 0:24 */
#define DEV_ANON     0x10 /* anon_inodefs (eventfd, epoll, timerfd): 0:16 */

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

/* Which file system a node is on: the read-only root, or the top-level
 * directory it is under (/dev, /proc, /tmp are mounts of their own). */
enum mount { M_ROOT, M_DEV, M_PROC, M_TMP };

static enum mount mount_of(int node)
{
	if (tmp_writable(node))
		return M_TMP;
	while (node != ROOTFS_ROOT && root.node[node].parent != ROOTFS_ROOT &&
	       root.node[node].parent >= 0)
		node = root.node[node].parent;
	const struct rootfs_node *n = &root.node[node];
	if (node == ROOTFS_ROOT || n->parent != ROOTFS_ROOT)
		return M_ROOT;
	if (n->namelen == 3 && memcmp(n->name, "dev", 3) == 0)
		return M_DEV;
	if (n->namelen == 4 && memcmp(n->name, "proc", 4) == 0)
		return M_PROC;
	return M_ROOT;
}

static void fill_stat(struct target t, struct linux_stat *st)
{
	const struct rootfs_node *n;

	memset(st, 0, sizeof(*st));
	if (t.stream >= 0) {
		stat_console(t.stream, st);
		return;
	}
	if (t.pipe <= -2) { /* a socket (path.c's of_target) */
		usock_stat(-2 - t.pipe, st);
		return;
	}
	if (t.pipe >= 0) {
		stat_console(-1, st);
		st->st_ino = 2000 + (uint64_t)t.pipe;
		return;
	}
	if (t.node < 0) { /* eventfd, epoll, timerfd: Linux's one anonymous inode */
		st->st_nlink = 1;
		st->st_uid = linux_opts.uid;
		st->st_gid = linux_opts.gid;
		st->st_dev = DEV_ANON;
		st->st_ino = 1;
		st->st_mode = 0600;
		st->st_blksize = 4096;
		return;
	}
	n = &root.node[t.node];
	/* Owners come from the archive: exosim writes the host files' own
	 * (hostsim/initramfs.c); /dev and what else ExOS adds is root's. */
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	enum mount m = mount_of(t.node);
	st->st_dev = m == M_PROC  ? DEV_PROC
	             : m == M_DEV ? DEV_DEVTMPFS
	             : m == M_TMP ? DEV_TMPFS
	                          : DEV_ROOT;
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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

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

/* One read-only ramfs-like file system; pipes and the console on pipefs. */
static long put_statfs(struct target t, long ubuf)
{
	struct linux_statfs sf;
	uint64_t bytes = 0;

	memset(&sf, 0, sizeof(sf));
	if (t.node >= 0 && mount_of(t.node) != M_ROOT) {
		if (mount_of(t.node) == M_TMP) {
			tmp_statfs(&sf);
		} else { /* /proc and /dev hold no data: no blocks, as on Linux */
			sf.f_type =
			        mount_of(t.node) == M_PROC ? LINUX_PROC_MAGIC : LINUX_TMPFS_MAGIC;
			sf.f_bsize = sf.f_frsize = 4096;
			sf.f_namelen = ROOTFS_NAME_MAX;
		}
		return linux_copy_to_user((uint64_t)ubuf, &sf, sizeof(sf));
	}
	for (uint32_t i = 0; i < root.nnodes; i++)
		if (rootfs_is_reg(&root, (int)i))
			bytes += (root.node[i].size + 4095) / 4096;
	sf.f_type = t.node >= 0                    ? LINUX_RAMFS_MAGIC
	            : t.pipe >= 0 || t.stream >= 0 ? LINUX_PIPEFS_MAGIC
	                                           : LINUX_ANON_INODE_FS_MAGIC;
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
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_stat_syscalls[] = {
        LINUX_DEF(fstat), LINUX_DEF(stat),   LINUX_DEF(lstat),   LINUX_DEF(newfstatat),
        LINUX_DEF(statx), LINUX_DEF(statfs), LINUX_DEF(fstatfs),
};

const size_t linux_stat_nsyscalls = ARRAY_LEN(linux_stat_syscalls);
