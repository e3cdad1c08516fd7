/* tmpfull: the limits of ExOS's file tree, which have no native twin: the initramfs
 * is read-only (EROFS), /tmp is another mount (EXDEV) of tmpfs type, and a full /tmp
 * is ENOSPC, with the space back once a file is removed.  Run under exosim only,
 * in a small VM (--mem 96M: /tmp is half of memory). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "check.h"

#define ERR(call) ((call) < 0 ? errno_name(errno) : "0")

/* Writes 1 MiB blocks to path until a write fails; the MiB written. */
static long fill(const char *path, int *err)
{
	static char block[1 << 20];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	long mib = 0;
	ssize_t n;

	memset(block, 'x', sizeof block);
	while ((n = write(fd, block, sizeof block)) == (ssize_t)sizeof block)
		mib++;
	*err = n < 0 ? errno : 0;
	close(fd);
	return mib;
}

int main(void)
{
	printf("mkdir in /etc: %s\n", ERR(mkdir("/etc/x", 0755)));
	CHECK(errno == EROFS, "the initramfs is read-only");
	CHECK(open("/etc/passwd", O_WRONLY) < 0 && errno == EROFS, "open for writing: EROFS");
	CHECK(open("/etc/new", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS, "creat: EROFS");
	CHECK(rmdir("/tmp") < 0 && errno == EROFS, "rmdir /tmp: EROFS (its parent is read-only)");
	close(open("/tmp/a", O_CREAT | O_WRONLY, 0644));
	CHECK(rename("/tmp/a", "/etc/a") < 0 && errno == EXDEV, "rename out of /tmp: EXDEV");
	CHECK(rename("/etc/passwd", "/tmp/p") < 0 && errno == EXDEV, "rename into /tmp: EXDEV");
	CHECK(symlink("x", "/bin/l") < 0 && errno == EROFS, "symlink in /bin: EROFS");
	CHECK(link("/tmp/a", "/tmp/b") < 0 && errno == EPERM, "hard link on /tmp: EPERM");
	struct statfs sf;
	CHECK(statfs("/tmp", &sf) == 0 && sf.f_type == 0x01021994, "/tmp is a tmpfs");
	CHECK(statfs("/", &sf) == 0 && (sf.f_flags & ST_RDONLY), "/ is read-only");
	CHECK(statfs("/tmp", &sf) == 0 && sf.f_bfree > 0, "/tmp has free blocks");
	long total_blocks = (long)sf.f_blocks;

	int err;
	long first = fill("/tmp/big1", &err);
	CHECK(err == ENOSPC, "filling /tmp ends with ENOSPC (%s after %ld MiB)", errno_name(err),
	      first);
	CHECK(first >= 8, "at least 8 MiB fit (%ld)", first);
	CHECK(first * 256 <= total_blocks, "no more than its size (%ld MiB of %ld blocks)", first,
	      total_blocks);
	struct stat st;
	CHECK(stat("/tmp/big1", &st) == 0 && st.st_size >= first << 20,
	      "what was written is there");
	CHECK(unlink("/tmp/big1") == 0, "unlink it");
	long again = fill("/tmp/big2", &err);
	CHECK(again >= first - 2, "the space came back (%ld MiB, then %ld)", first, again);
	CHECK(unlink("/tmp/big2") == 0 && unlink("/tmp/a") == 0, "clean up");
	return check_exit();
}
