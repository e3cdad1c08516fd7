/* shared_files: what processes share through the file system, as on Linux.  A forked
 * child shares its parent's open file descriptions (so their offsets and O_APPEND
 * flags), and every process sees one /tmp: what a child creates, writes, renames or
 * removes there, its parent sees after wait.  Works in a fresh mkdtemp directory, so
 * the host's /tmp is the native reference. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static char dir[64];
#define at(name) path_in(dir, name)

/* Runs fn in a child and returns its exit status (-1 if it did not exit). */
static int in_child(void (*fn)(int), int arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void child_writes(int fd)
{
	_exit(write(fd, "child\n", 6) == 6 ? 0 : 1);
}

static void child_rewinds(int fd)
{
	_exit(lseek(fd, 2, SEEK_SET) == 2 ? 0 : 1);
}

static void shared_offsets(void)
{
	char buf[32] = {0};
	int fd = open(at("offsets"), O_CREAT | O_EXCL | O_RDWR, 0644);
	CHECK(fd >= 0, "create offsets");
	CHECK(write(fd, "parent\n", 7) == 7, "parent writes 7 bytes");
	CHECK(in_child(child_writes, fd) == 0, "the child writes through the inherited fd");
	CHECK(lseek(fd, 0, SEEK_CUR) == 13, "the parent's offset moved with the child's write: %ld",
	      (long)lseek(fd, 0, SEEK_CUR));
	CHECK(pread(fd, buf, sizeof buf - 1, 0) == 13 && !strcmp(buf, "parent\nchild\n"),
	      "the file holds both writes in order: %s", buf);
	CHECK(in_child(child_rewinds, fd) == 0, "the child seeks the shared description");
	CHECK(lseek(fd, 0, SEEK_CUR) == 2, "the parent sees the child's seek");
	int fd2 = open(at("offsets"), O_RDONLY);
	CHECK(fd2 >= 0 && lseek(fd2, 0, SEEK_CUR) == 0, "a separate open has its own offset");
	close(fd2);
	close(fd);
}

static void child_appends(int fd)
{
	_exit(write(fd, "B", 1) == 1 ? 0 : 1);
}

static void shared_append(void)
{
	char buf[8] = {0};
	int fd = open(at("append"), O_CREAT | O_EXCL | O_WRONLY | O_APPEND, 0644);
	CHECK(fd >= 0, "create append");
	CHECK(write(fd, "A", 1) == 1, "parent appends A");
	CHECK(in_child(child_appends, fd) == 0, "the child appends B");
	CHECK(write(fd, "C", 1) == 1, "parent appends C");
	close(fd);
	int r = open(at("append"), O_RDONLY);
	CHECK(r >= 0 && read(r, buf, sizeof buf - 1) == 3 && !strcmp(buf, "ABC"),
	      "appends from both processes: %s", buf);
	close(r);
}

static void child_makes_files(int unused)
{
	(void)unused;
	int fd = open(at("made"), O_CREAT | O_EXCL | O_WRONLY, 0600);
	if (fd < 0 || write(fd, "made by the child\n", 18) != 18)
		_exit(1);
	close(fd);
	if (mkdir(at("subdir"), 0755) < 0 || rename(at("made"), at("subdir/moved")) < 0)
		_exit(2);
	if (unlink(at("doomed")) < 0 || symlink("subdir/moved", at("link")) < 0)
		_exit(3);
	_exit(0);
}

static void one_tmp(void)
{
	char buf[32] = {0};
	struct stat st;
	int fd = open(at("doomed"), O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0, "create doomed");
	close(fd);
	CHECK(in_child(child_makes_files, 0) == 0, "the child creates, renames, removes, links");
	CHECK(stat(at("subdir/moved"), &st) == 0 && st.st_size == 18 && (st.st_mode & 0777) == 0600,
	      "the parent sees the child's file, moved, with its size and mode");
	CHECK(stat(at("made"), &st) < 0 && errno == ENOENT, "and not under its old name: %s",
	      errno_name(errno));
	CHECK(stat(at("doomed"), &st) < 0 && errno == ENOENT,
	      "the file the child removed is gone: %s", errno_name(errno));
	fd = open(at("link"), O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) == 18 && !strcmp(buf, "made by the child\n"),
	      "through the child's symlink: %s", buf);
	close(fd);
	unlink(at("link"));
	unlink(at("subdir/moved"));
	rmdir(at("subdir"));
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/shared_files.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL: mkdtemp: %s\n", errno_name(errno));
		return 1;
	}
	shared_offsets();
	shared_append();
	one_tmp();
	unlink(at("offsets"));
	unlink(at("append"));
	int r = rmdir(dir);
	CHECK(r == 0, "the directory is empty at the end: %s", r == 0 ? "0" : errno_name(errno));
	return check_failures != 0;
}
