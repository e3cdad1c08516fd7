/* Reading directories: getdents and getdents64. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

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

/* A child's position: 2 + its creation number.  Children are listed in
 * creation order, so a position stays valid while entries come and go (rm -r
 * reads, unlinks, and reads on from the offset it was given). */
static uint64_t child_pos(int c)
{
	return 2 + (uint64_t)root.node[c].seq;
}

/* The entry at or after position `pos` of directory dir: 0 ".", 1 "..",
 * then the children.  Returns the node it names (and its position in *at),
 * or -1 past the end.  The child returned last is remembered, so a listing
 * costs O(n), not O(n^2). */
static int dir_entry(struct ofile *of, uint64_t pos, uint64_t *at)
{
	int c = root.node[of->node].first_child, d = of->dcur;

	if (pos < 2) {
		*at = pos;
		return pos == 0 ? of->node : root.node[of->node].parent;
	}
	if (d >= 0 && !rootfs_is_free(&root, d) && root.node[d].parent == of->node &&
	    child_pos(d) < pos)
		c = root.node[d].next_sibling;
	while (c >= 0 && child_pos(c) < pos)
		c = root.node[c].next_sibling;
	of->dcur = c;
	if (c >= 0)
		*at = child_pos(c);
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
	proc_sync();
	for (;;) {
		uint64_t at;
		int c = dir_entry(of, of->off, &at);
		const char *name = "..";
		size_t len = (size_t)at + 1, k; /* "." and ".." */

		if (c < 0)
			break;
		if (at >= 2)
			name = root.node[c].name, len = root.node[c].namelen;
		k = put_dirent(iobuf + used, room - used, old, c, name, len, at + 1);
		if (k == 0) {
			if (used == 0)
				return -LINUX_EINVAL;
			break;
		}
		used += k;
		of->off = at + 1;
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
#pragma GCC diagnostic pop

const struct linux_syscall_def linux_dir_syscalls[] = {
        LINUX_DEF(getdents),
        LINUX_DEF(getdents64),
};

const size_t linux_dir_nsyscalls = ARRAY_LEN(linux_dir_syscalls);
