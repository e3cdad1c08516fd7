/* tmpfs: /tmp is writable as on Linux: create, write (append, past the end), truncate,
 * mkdir/rmdir, rename (replace, NOREPLACE, EXCHANGE, into itself), symlinks, unlink
 * of an open file, a directory listing while its entries are removed (rm -r), chmod
 * and utimes, and the errors of each.  Works in a fresh mkdtemp directory, so the
 * host's /tmp is the native reference. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"

#define ERR(call) ((call) < 0 ? errno_name(errno) : "0")

static char dir[64];
#define at(name) path_in(dir, name)

static long file_size(const char *name)
{
	struct stat st;
	return stat(at(name), &st) < 0 ? -errno : (long)st.st_size;
}

static void files_and_offsets(void)
{
	char buf[16];
	int fd = open(at("f"), O_CREAT | O_EXCL | O_WRONLY, 0666);
	CHECK(fd >= 0, "create f");
	CHECK(write(fd, "hello", 5) == 5, "write 5 bytes");
	close(fd);
	struct stat st;
	stat(at("f"), &st);
	printf("f: size %lld mode %04o nlink %lu\n", (long long)st.st_size,
	       (unsigned)st.st_mode & 07777, (unsigned long)st.st_nlink);
	printf("O_EXCL again: %s\n", ERR(open(at("f"), O_CREAT | O_EXCL | O_WRONLY, 0644)));
	fd = open(at("f"), O_WRONLY | O_APPEND);
	CHECK(write(fd, " world", 6) == 6, "append");
	CHECK(pwrite(fd, "!", 1, 0) == 1, "pwrite with O_APPEND appends");
	close(fd);
	fd = open(at("f"), O_RDWR);
	ssize_t n = read(fd, buf, sizeof buf);
	printf("read back %zd: [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	CHECK(pwrite(fd, "Z", 1, 10000) == 1, "pwrite past the end");
	printf("size after pwrite at 10000: %ld\n", file_size("f"));
	char gap[100];
	CHECK(pread(fd, gap, 100, 5000) == 100, "read in the hole");
	int zero = 1;
	for (int i = 0; i < 100; i++)
		zero &= gap[i] == 0;
	CHECK(zero, "the hole reads as zeroes");
	CHECK(ftruncate(fd, 3) == 0, "ftruncate to 3");
	CHECK(ftruncate(fd, 100) == 0, "ftruncate to 100");
	CHECK(pread(fd, gap, 100, 0) == 100, "read the grown file");
	zero = 1;
	for (int i = 3; i < 100; i++)
		zero &= gap[i] == 0;
	printf("after truncate 3 then 100: [%.3s] rest zero %d\n", gap, zero);
	printf("lseek SEEK_END: %ld\n", (long)lseek(fd, 0, SEEK_END));
	close(fd);
	fd = open(at("f"), O_RDONLY | O_TRUNC);
	printf("O_RDONLY|O_TRUNC: size %ld\n", file_size("f"));
	printf("ftruncate on a read-only fd: %s\n", ERR(ftruncate(fd, 1)));
	close(fd);
	CHECK(truncate(at("f"), 7) == 0, "truncate by path");
	printf("size %ld\n", file_size("f"));
	printf("creat with trailing slash: %s\n", ERR(open(at("new/"), O_CREAT | O_WRONLY, 0644)));
}

static void directories(void)
{
	CHECK(mkdir(at("d"), 0755) == 0, "mkdir d");
	printf("mkdir d again: %s\n", ERR(mkdir(at("d"), 0755)));
	CHECK(mkdir(at("d/e"), 0700) == 0, "mkdir d/e");
	struct stat st;
	stat(at("d"), &st);
	printf("d: mode %04o nlink %lu\n", (unsigned)st.st_mode & 07777,
	       (unsigned long)st.st_nlink);
	printf("rmdir non-empty d: %s\n", ERR(rmdir(at("d"))));
	printf("unlink a directory: %s\n", ERR(unlink(at("d/e"))));
	printf("rmdir a file: %s\n", ERR(rmdir(at("f"))));
	printf("rmdir missing: %s\n", ERR(rmdir(at("nope"))));
	printf("mkdir in missing: %s\n", ERR(mkdir(at("nope/x"), 0755)));
	printf("mkdir under a file: %s\n", ERR(mkdir(at("f/x"), 0755)));
	printf("rmdir d/e/.: %s\n", ERR(rmdir(at("d/e/."))));
}

static void renames(void)
{
	int fd = open(at("g"), O_CREAT | O_WRONLY, 0600);
	write(fd, "G", 1);
	close(fd);
	CHECK(rename(at("f"), at("d/f2")) == 0, "rename f into d");
	printf("old name after rename: %s\n", ERR(access(at("f"), F_OK)));
	CHECK(rename(at("g"), at("d/f2")) == 0, "rename g over d/f2 (replaces it)");
	printf("d/f2 size %ld\n", file_size("d/f2"));
	printf("rename d onto non-empty: %s\n", ERR(rename(at("d/e"), at("d"))));
	printf("rename d into itself: %s\n", ERR(rename(at("d"), at("d/e/x"))));
	printf("rename a file over a dir: %s\n", ERR(rename(at("d/f2"), at("d/e"))));
	printf("rename a dir over a file: %s\n", ERR(rename(at("d/e"), at("d/f2"))));
	printf("rename missing: %s\n", ERR(rename(at("nope"), at("x"))));
	fd = open(at("h"), O_CREAT | O_WRONLY, 0600);
	write(fd, "HH", 2);
	close(fd);
	printf("NOREPLACE onto existing: %s\n",
	       ERR(syscall(SYS_renameat2, AT_FDCWD, at("h"), AT_FDCWD, at("d/f2"), 1)));
	CHECK(syscall(SYS_renameat2, AT_FDCWD, at("h"), AT_FDCWD, at("d/f2"), 2) == 0, "EXCHANGE");
	printf("after exchange: h %ld, d/f2 %ld\n", file_size("h"), file_size("d/f2"));
	CHECK(rename(at("h"), at("h")) == 0, "rename onto itself");
	CHECK(rename(at("d/e"), at("e2")) == 0, "rename a directory");
}

static void links(void)
{
	char buf[64];
	CHECK(symlink("d/f2", at("l")) == 0, "symlink");
	ssize_t n = readlink(at("l"), buf, sizeof buf);
	printf("readlink: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
	struct stat st;
	lstat(at("l"), &st);
	printf("lstat: link %d size %lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
	/* a relative target resolves from the link's directory */
	printf("stat through it: size %ld\n", file_size("l"));
	printf("symlink exists: %s\n", ERR(symlink("x", at("l"))));
	printf("empty target: %s\n", ERR(symlink("", at("l2"))));
	CHECK(unlink(at("l")) == 0, "unlink the link");
	printf("target still there: %ld\n", file_size("d/f2"));
}

static void unlinked_but_open(void)
{
	int fd = open(at("u"), O_CREAT | O_RDWR, 0600);
	write(fd, "still here", 10);
	CHECK(unlink(at("u")) == 0, "unlink an open file");
	printf("gone by name: %s\n", ERR(access(at("u"), F_OK)));
	char buf[16];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	printf("read through fd: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
	struct stat st;
	fstat(fd, &st);
	printf("fstat: size %lld nlink %lu\n", (long long)st.st_size, (unsigned long)st.st_nlink);
	CHECK(write(fd, "!", 1) == 1, "write to it");
	close(fd);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* rm -r's pattern: read some entries, unlink them, read on. */
static void listing_while_removing(void)
{
	char name[300];
	CHECK(mkdir(at("many"), 0755) == 0, "mkdir many");
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "many/file%03d", i);
		close(open(at(name), O_CREAT | O_WRONLY, 0644));
	}
	DIR *d = opendir(at("many"));
	struct dirent *e;
	int seen = 0, dots = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') {
			dots++;
			continue;
		}
		snprintf(name, sizeof name, "many/%s", e->d_name);
		seen += unlink(at(name)) == 0;
	}
	closedir(d);
	printf("removed %d of 300 while listing (%d dot entries)\n", seen, dots);
	printf("rmdir many: %s\n", ERR(rmdir(at("many"))));
	/* and a listing in creation order comes out complete and sorted here */
	mkdir(at("few"), 0755);
	const char *names[] = {"b", "a", "c"};
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "few/%s", names[i]);
		close(open(at(name), O_CREAT | O_WRONLY, 0644));
	}
	unlink(at("few/a"));
	char *got[8];
	int k = 0;
	d = opendir(at("few"));
	while ((e = readdir(d)) && k < 8)
		if (e->d_name[0] != '.')
			got[k++] = strdup(e->d_name);
	closedir(d);
	qsort(got, (size_t)k, sizeof got[0], cmp);
	printf("few:");
	for (int i = 0; i < k; i++)
		printf(" %s", got[i]);
	printf("\n");
}

static void metadata(void)
{
	CHECK(chmod(at("d/f2"), 0640) == 0, "chmod");
	struct stat st;
	stat(at("d/f2"), &st);
	printf("mode after chmod: %04o\n", (unsigned)st.st_mode & 07777);
	struct timespec ts[2] = {{1000000000, 0}, {1234567890, 0}};
	CHECK(utimensat(AT_FDCWD, at("d/f2"), ts, 0) == 0, "utimensat");
	stat(at("d/f2"), &st);
	printf("mtime: %lld\n", (long long)st.st_mtime);
	struct timeval tv[2] = {{5, 0}, {987654321, 0}};
	CHECK(utimes(at("d/f2"), tv) == 0, "utimes");
	stat(at("d/f2"), &st);
	printf("mtime: %lld\n", (long long)st.st_mtime);
	int fd = open(at("d/f2"), O_RDONLY);
	CHECK(fchmod(fd, 0600) == 0, "fchmod");
	fstat(fd, &st);
	printf("mode after fchmod: %04o\n", (unsigned)st.st_mode & 07777);
	close(fd);
	umask(077);
	close(open(at("masked"), O_CREAT | O_WRONLY, 0666));
	stat(at("masked"), &st);
	printf("umask 077: %04o\n", (unsigned)st.st_mode & 07777);
}

/* Everything this program made, so the native run leaves nothing behind. */
static void clean(void)
{
	const char *files[] = {"masked", "d/f2", "h", "e2", "few/b", "few/c"};
	for (unsigned i = 0; i < sizeof files / sizeof *files; i++)
		unlink(at(files[i]));
	rmdir(at("e2"));
	rmdir(at("few"));
	rmdir(at("d"));
	CHECK(rmdir(dir) == 0, "the directory is empty at the end (%s)", errno_name(errno));
}

int main(void)
{
	umask(022);
	strcpy(dir, "/tmp/exosim-tmpfs-XXXXXX");
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	files_and_offsets();
	directories();
	renames();
	links();
	unlinked_but_open();
	listing_while_removing();
	metadata();
	clean();
	return check_exit();
}
