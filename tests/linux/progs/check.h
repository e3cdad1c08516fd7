/* check.h: the verdict helpers shared by the tests/linux programs.  Each program prints
 * only deterministic lines (values that are the same natively and under exosim) and
 * exits non-zero when one of its own checks failed, so compare.sh can require the
 * native run to pass before it compares it with exosim's. */
#ifndef TESTS_LINUX_CHECK_H
#define TESTS_LINUX_CHECK_H
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

/* CHECK(cond, what): prints "ok: what" or "FAIL: what (file:line)" on stdout. */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok: ");                                                            \
		} else {                                                                           \
			printf("FAIL(%s:%d): ", __FILE__, __LINE__);                               \
			check_failures++;                                                          \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

/* errno_name: a stable spelling of the usual errno values (strerror's text is libc's). */
static inline const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EBADF:
		return "EBADF";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case EISDIR:
		return "EISDIR";
	case ENOTDIR:
		return "ENOTDIR";
	case ENOSYS:
		return "ENOSYS";
	case ENOMEM:
		return "ENOMEM";
	case EACCES:
		return "EACCES";
	case ESPIPE:
		return "ESPIPE";
	case EAGAIN:
		return "EAGAIN";
	case EEXIST:
		return "EEXIST";
	case EROFS:
		return "EROFS";
	case ENOTTY:
		return "ENOTTY";
	case ERANGE:
		return "ERANGE";
	case ENOTEMPTY:
		return "ENOTEMPTY";
	case EXDEV:
		return "EXDEV";
	case ENOSPC:
		return "ENOSPC";
	case ELOOP:
		return "ELOOP";
	case EBUSY:
		return "EBUSY";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return "E?";
	}
}

static inline int check_exit(void)
{
	if (check_failures)
		printf("%d check(s) failed\n", check_failures);
	fflush(stdout);
	return check_failures ? 1 : 0;
}
/* dir/name, in one of two buffers that alternate (a call may take two paths). */
static inline const char *path_in(const char *dir, const char *name)
{
	static char path[2][256];
	static int i;
	i ^= 1;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

#endif
