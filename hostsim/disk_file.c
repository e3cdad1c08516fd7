/* Opening a disk's host file (disk_file.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_DIRECT, statx */
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk_file.h"
#include "fail.h"

/* "FILE,ro" -> FILE read-only; a name may hold commas (only a final ",ro" is
 * an option). */
static char *parse_spec(const char *spec, bool *ro)
{
	size_t len = strlen(spec);
	*ro = len > 3 && strcmp(spec + len - 3, ",ro") == 0;
	char *path = strndup(spec, *ro ? len - 3 : len);
	if (!path)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	return path;
}

static uint64_t size_of(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		fail(EXOSIM_EXIT_NOFILE, "--disk %s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	uint64_t bytes;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &bytes) == 0)
		return bytes;
	fail(EXOSIM_EXIT_NOFILE, "--disk %s: not a regular file or a block device", path);
}

/* O_DIRECT where the file system has it, with its alignment (4096 for both
 * if statx cannot say: safe on every Linux file system). */
static void open_direct(struct disk_file *d)
{
	d->direct_fd = open(d->path, (d->ro ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
	if (d->direct_fd < 0)
		return;
	d->mem_align = d->off_align = 4096;
#ifdef STATX_DIOALIGN
	struct statx sx;
	if (statx(d->direct_fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_mem_align && sx.stx_dio_offset_align) {
		d->mem_align = sx.stx_dio_mem_align;
		d->off_align = sx.stx_dio_offset_align;
	}
#endif
}

void disk_file_open(struct disk_file *d, const char *spec)
{
	*d = (struct disk_file){.direct_fd = -1};
	d->path = parse_spec(spec, &d->ro);
	const char *slash = strrchr(d->path, '/');
	d->id = slash ? slash + 1 : d->path;
	d->fd = open(d->path, (d->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
	if (d->fd < 0)
		fail(EXOSIM_EXIT_NOFILE, "--disk %s: %s%s", d->path, strerror(errno),
		     errno == EACCES || errno == EROFS ? " (add ,ro for a read-only disk)" : "");
	d->size = size_of(d->fd, d->path);
	if (d->size % DISK_SECTOR)
		fail(EXOSIM_EXIT_USAGE,
		     "--disk %s: %llu bytes is not a whole number of 512-byte sectors", d->path,
		     (unsigned long long)d->size);
	if (flock(d->fd, (d->ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		fail(EXOSIM_EXIT_NOFILE, "--disk %s: %s", d->path,
		     errno == EWOULDBLOCK ? "in use by another process (locked)" : strerror(errno));
	if (fcntl(d->fd, F_SETFL, 0) < 0) /* blocking from now on */
		fail(EXOSIM_EXIT_NOFILE, "--disk %s: %s", d->path, strerror(errno));
	open_direct(d);
}

static bool aligned(uint64_t v, uint32_t align)
{
	return (v & (align - 1)) == 0;
}

int disk_file_fd_for(const struct disk_file *d, const struct iovec *iov, int n, uint64_t offset)
{
	if (d->direct_fd < 0 || !aligned(offset, d->off_align))
		return d->fd;
	for (int i = 0; i < n; i++)
		if (!aligned((uintptr_t)iov[i].iov_base, d->mem_align) ||
		    !aligned(iov[i].iov_len, d->off_align))
			return d->fd;
	return d->direct_fd;
}

void disk_file_close(struct disk_file *d)
{
	if (d->direct_fd >= 0)
		close(d->direct_fd);
	close(d->fd);
	free((char *)d->path);
}
