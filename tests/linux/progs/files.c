/* files: read files from the initramfs (exosim --add data): open/read/lseek/pread/
 * fstat/stat/access, stdio on a file, and the errors (ENOENT, EISDIR, ENOTDIR, EBADF). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static void show_stat(const char *what, const struct stat *st)
{
	printf("%s: size %lld type %s mode %04o\n", what, (long long)st->st_size,
	       S_ISREG(st->st_mode) ? "reg" : S_ISDIR(st->st_mode) ? "dir" : "other",
	       (unsigned)st->st_mode & 07777);
}

int main(void)
{
	char buf[4096];
	int fd = open("data/hello.txt", O_RDONLY);
	CHECK(fd >= 0, "open data/hello.txt (%s)", errno_name(fd < 0 ? errno : 0));
	if (fd < 0)
		return check_exit();
	ssize_t n = read(fd, buf, sizeof buf);
	printf("read %zd bytes: [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	CHECK(read(fd, buf, sizeof buf) == 0, "read at EOF returns 0");
	struct stat st;
	CHECK(fstat(fd, &st) == 0, "fstat");
	show_stat("fstat hello.txt", &st);
	CHECK(st.st_size == n, "st_size matches the bytes read");

	printf("lseek SEEK_SET 6 -> %lld\n", (long long)lseek(fd, 6, SEEK_SET));
	n = read(fd, buf, 5);
	printf("read 5 -> [%.*s]\n", (int)n, buf);
	printf("lseek SEEK_CUR -3 -> %lld\n", (long long)lseek(fd, -3, SEEK_CUR));
	printf("lseek SEEK_END -4 -> %lld\n", (long long)lseek(fd, -4, SEEK_END));
	n = read(fd, buf, 10);
	printf("read at end-4 -> %zd [%.*s]\n", n, (int)n, buf);
	printf("lseek past end -> %lld\n", (long long)lseek(fd, 1000, SEEK_SET));
	CHECK(read(fd, buf, 10) == 0, "read past end returns 0");
	errno = 0;
	CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL, "lseek to -1 is EINVAL (%s)",
	      errno_name(errno));
	n = pread(fd, buf, 5, 0);
	printf("pread 5 at 0 -> [%.*s]\n", (int)n, buf);
	n = pread(fd, buf, 100, 13);
	printf("pread 100 at 13 -> %zd\n", n);
	printf("offset after pread unchanged: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	CHECK(close(fd) == 0, "close");
	errno = 0;
	CHECK(close(fd) == -1 && errno == EBADF, "second close is EBADF (%s)", errno_name(errno));
	errno = 0;
	CHECK(read(fd, buf, 1) == -1 && errno == EBADF, "read of a closed fd is EBADF (%s)",
	      errno_name(errno));

	/* a bigger file, read in odd-sized chunks, checksummed */
	fd = open("data/numbers.txt", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open data/numbers.txt");
	unsigned long sum = 0, total = 0;
	while ((n = read(fd, buf, 777)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 33 + (unsigned char)buf[i];
		total += n;
	}
	printf("numbers.txt: %lu bytes, hash %016lx\n", total, sum);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC gives FD_CLOEXEC");
	close(fd);

	/* stat and friends */
	CHECK(stat("data", &st) == 0, "stat data");
	printf("stat data: type %s\n", S_ISDIR(st.st_mode) ? "dir" : "other");
	CHECK(stat("data/sub/nested.txt", &st) == 0, "stat data/sub/nested.txt");
	show_stat("stat nested.txt", &st);
	CHECK(lstat("data/hello.txt", &st) == 0, "lstat");
	CHECK(fstatat(AT_FDCWD, "data/empty.txt", &st, 0) == 0 && st.st_size == 0,
	      "fstatat empty.txt has size 0");
	CHECK(access("data/hello.txt", R_OK) == 0, "access R_OK");
	errno = 0;
	CHECK(stat("data/nonexistent", &st) == -1 && errno == ENOENT,
	      "stat of a missing file is ENOENT (%s)", errno_name(errno));
	errno = 0;
	CHECK(open("data/nonexistent", O_RDONLY) == -1 && errno == ENOENT,
	      "open of a missing file is ENOENT (%s)", errno_name(errno));
	errno = 0;
	CHECK(open("data/hello.txt/x", O_RDONLY) == -1 && errno == ENOTDIR,
	      "open through a file is ENOTDIR (%s)", errno_name(errno));
	errno = 0;
	CHECK(open("data/hello.txt", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR,
	      "O_DIRECTORY on a file is ENOTDIR (%s)", errno_name(errno));
	int dfd = open("data", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open data O_DIRECTORY");
	errno = 0;
	CHECK(read(dfd, buf, 10) == -1 && errno == EISDIR, "read of a directory is EISDIR (%s)",
	      errno_name(errno));
	int sfd = openat(dfd, "sub/nested.txt", O_RDONLY);
	CHECK(sfd >= 0, "openat relative to a directory fd");
	n = read(sfd, buf, sizeof buf);
	printf("nested.txt: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
	close(sfd);
	close(dfd);
	/* absolute paths: the guest has data at /data only if the harness ran from here */
	char cwd[256];
	CHECK(chdir("data") == 0, "chdir data");
	CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
	const char *last = strrchr(cwd, '/');
	printf("getcwd ends with [%s]\n", last ? last : cwd);
	fd = open("sub/../hello.txt", O_RDONLY);
	CHECK(fd >= 0, "open sub/../hello.txt relative to the new cwd");
	close(fd);
	CHECK(chdir("..") == 0, "chdir ..");

	/* stdio on a file */
	FILE *f = fopen("data/words.txt", "r");
	CHECK(f != NULL, "fopen data/words.txt");
	int lines = 0;
	char line[256];
	while (f && fgets(line, sizeof line, f)) {
		if (lines < 3)
			printf("line %d: %s", lines, line);
		lines++;
	}
	printf("words.txt has %d lines\n", lines);
	if (f)
		fclose(f);
	return check_exit();
}
