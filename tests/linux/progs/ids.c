/* ids: uname, getpid/getppid/gettid, uid/gid, umask and cwd, printing only what is the
 * same on every Linux machine and under exosim. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	struct utsname u;
	CHECK(uname(&u) == 0, "uname");
	printf("sysname %s machine %s\n", u.sysname, u.machine);
	CHECK(u.release[0] >= '0' && u.release[0] <= '9', "release starts with a digit");
	CHECK(strlen(u.nodename) < sizeof u.nodename, "nodename is terminated");
	pid_t p = getpid();
	CHECK(p > 0, "getpid() > 0");
	CHECK(getpid() == p, "getpid() is stable");
	CHECK(syscall(SYS_getpid) == p, "syscall(SYS_getpid) == getpid()");
	CHECK(syscall(SYS_gettid) == p, "gettid() == getpid() in a one-thread process");
	CHECK(getppid() >= 0, "getppid() >= 0");
	CHECK(getppid() != p, "getppid() != getpid()");
	CHECK(getuid() == geteuid() && getgid() == getegid(), "real and effective ids agree");
	CHECK((int)getuid() >= 0, "getuid() >= 0");
	mode_t old = umask(027);
	CHECK(umask(old) == 027, "umask reads back");
	CHECK(chdir("/") == 0, "chdir /");
	char cwd[64];
	CHECK(getcwd(cwd, sizeof cwd) && !strcmp(cwd, "/"), "getcwd is / after chdir /");
	long pg = sysconf(_SC_PAGESIZE);
	printf("pagesize %ld\n", pg);
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1, "at least one CPU online");
	CHECK(sysconf(_SC_CLK_TCK) == 100, "CLK_TCK is 100");
	return check_exit();
}
