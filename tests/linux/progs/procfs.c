/* procfs: what programs read in /proc agrees with what the process knows of itself,
 * natively and under ExOS: /proc/self, exe, cwd, fd/ (links to files and pipes,
 * reopening them, the listing in step with the table), cmdline, stat, status, maps,
 * meminfo against sysinfo, cpuinfo against the CPU count, mounts, uptime, loadavg. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include "check.h"

static char text[65536];

/* The whole of a /proc file (read in small pieces, as a reader might). */
static long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;
	if (fd < 0)
		return -errno;
	while ((r = read(fd, text + n, 7)) > 0 && n < (long)sizeof text - 8)
		n += r;
	text[n] = 0;
	close(fd);
	return r < 0 ? -errno : n;
}

static void links(const char *argv0)
{
	char buf[4096], want[4096];
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(atol(buf) == getpid(), "/proc/self names our pid");
	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	const char *base = strrchr(argv0, '/');
	CHECK(n > 0 && strstr(buf, base ? base : argv0), "exe names this program");
	n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(n > 0 && strcmp(buf, getcwd(want, sizeof want)) == 0, "cwd is getcwd");

	int fd = open("data/hello.txt", O_RDONLY);
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	snprintf(want + strlen(want), sizeof want - strlen(want), "%sdata/hello.txt",
	         strcmp(want, "/") ? "/" : "");
	CHECK(strcmp(buf, want) == 0, "fd/N of a file names its path");
	struct stat a, b;
	CHECK(fstat(fd, &a) == 0 && stat(link, &b) == 0 && a.st_ino == b.st_ino &&
	              a.st_dev == b.st_dev,
	      "stat through fd/N is the file's");
	CHECK(lstat(link, &b) == 0 && S_ISLNK(b.st_mode), "fd/N itself is a link");
	int again = open(link, O_RDONLY);
	char c[5] = {0};
	CHECK(again >= 0 && read(again, c, 4) == 4 && lseek(fd, 0, SEEK_CUR) == 0,
	      "opening fd/N opens the file anew (own offset)");
	close(again);

	int p[2];
	pipe(p);
	snprintf(link, sizeof link, "/proc/self/fd/%d", p[0]);
	n = readlink(link, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strncmp(buf, "pipe:[", 6) == 0, "fd/N of a pipe says pipe:[...]");
	int r2 = open(link, O_RDONLY);
	write(p[1], "xy", 2);
	CHECK(r2 >= 0 && read(r2, c, 2) == 2 && c[0] == 'x', "opening a pipe's fd/N reads the pipe");
	close(r2);

	/* the listing has exactly the open descriptors */
	int extra = dup2(fd, 40);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int listed = 0, right = 1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		listed++;
		right &= fcntl(atoi(e->d_name), F_GETFD) >= 0;
	}
	closedir(d);
	int open_fds = 0;
	for (int i = 0; i < 64; i++)
		open_fds += fcntl(i, F_GETFD) >= 0;
	CHECK(right && listed == open_fds + 1, "fd/ lists the open descriptors (%d and the listing's)",
	      open_fds);
	close(extra);
	snprintf(link, sizeof link, "/proc/self/fd/%d", extra);
	CHECK(access(link, F_OK) < 0 && errno == ENOENT, "a closed descriptor is gone from fd/");
	/* /dev/stdin follows fd 0 wherever it points */
	dup2(fd, 0);
	int in = open("/dev/stdin", O_RDONLY);
	CHECK(in >= 0 && read(in, c, 4) == 4 && memcmp(c, "hell", 4) == 0,
	      "/dev/stdin reaches what fd 0 names");
	close(in);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void files(int argc, char **argv)
{
	long n = slurp("/proc/self/cmdline");
	long want = 0;
	for (int i = 0; i < argc; i++)
		want += (long)strlen(argv[i]) + 1;
	CHECK(n == want && strcmp(text + strlen(text) + 1, argc > 1 ? argv[1] : "") == 0,
	      "cmdline is argv, NUL-separated");
	slurp("/proc/self/stat");
	char comm[32];
	long pid = 0, ppid = 0;
	char state = 0;
	CHECK(sscanf(text, "%ld (%31[^)]) %c %ld", &pid, comm, &state, &ppid) == 4 &&
	              pid == getpid() && strcmp(comm, "procfs") == 0 && ppid == getppid(),
	      "stat: pid (comm) state ppid");
	slurp("/proc/self/status");
	char line[64];
	snprintf(line, sizeof line, "\nPid:\t%d\n", getpid());
	CHECK(strncmp(text, "Name:\tprocfs\n", 13) == 0 && strstr(text, line), "status: Name, Pid");
	snprintf(line, sizeof line, "\nUid:\t%u\t", getuid());
	CHECK(strstr(text, line) != NULL, "status: Uid");
	slurp("/proc/self/maps");
	CHECK(strstr(text, "[stack]") != NULL, "maps shows the stack");
	slurp("/proc/self/comm");
	CHECK(strcmp(text, "procfs\n") == 0, "comm");

	struct sysinfo si;
	sysinfo(&si);
	slurp("/proc/meminfo");
	unsigned long total = 0;
	CHECK(sscanf(text, "MemTotal: %lu kB", &total) == 1 &&
	              total == si.totalram * si.mem_unit / 1024,
	      "meminfo's MemTotal is sysinfo's totalram");
	CHECK(strstr(text, "\nMemFree:") && strstr(text, "\nMemAvailable:") &&
	              strstr(text, "\nSwapTotal:"),
	      "meminfo has what free reads");
	slurp("/proc/cpuinfo");
	int cpus = 0;
	for (char *p = text; (p = strstr(p, "processor\t: ")); p++)
		cpus++;
	CHECK(cpus == sysconf(_SC_NPROCESSORS_ONLN), "cpuinfo lists the CPUs we may run on");
	slurp("/proc/mounts");
	CHECK(strstr(text, " /proc proc ") != NULL, "mounts shows /proc");
	double up = -1, idle = -1;
	slurp("/proc/uptime");
	CHECK(sscanf(text, "%lf %lf", &up, &idle) == 2 && up >= 0 && idle >= 0, "uptime");
	double l1, l5, l15;
	int run, all;
	slurp("/proc/loadavg");
	CHECK(sscanf(text, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &run, &all) == 5 && run >= 1,
	      "loadavg");
	int w = open("/proc/meminfo", O_WRONLY);
	CHECK(w < 0 ? errno == EACCES : write(w, "x", 1) < 0 && errno == EIO,
	      "a /proc file takes no writes");
	CHECK(access("/proc/self/fd", R_OK) == 0 && access("/proc/nope", F_OK) < 0 &&
	              errno == ENOENT,
	      "lookups");
}

int main(int argc, char **argv)
{
	links(argv[0]);
	files(argc, argv);
	return check_exit();
}
