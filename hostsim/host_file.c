#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "host_file.h"

static const char *kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "a special file";
}

int host_file_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		fail(EXOSIM_EXIT_NOFILE, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0)
		fail(EXOSIM_EXIT_NOFILE, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		fail(EXOSIM_EXIT_NOFILE,
		     "%s: %s, not a regular file; exosim reads only regular files", path,
		     kind(st.st_mode));
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		fail(EXOSIM_EXIT_NOFILE, "%s: %s", path, strerror(errno));
	return fd;
}
