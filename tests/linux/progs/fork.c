/* fork and wait over every exit path, a pipe between parent and child, a
 * daemonising double fork, SIGCHLD, kill between processes, waitid and the
 * errors of wait4.  Prints what Linux reports; compare.sh checks exosim says
 * the same. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by %d\n", what, WTERMSIG(st));
	else
		printf("%s: status 0x%x\n", what, st);
}

static int run(void (*fn)(void))
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		exit(1);
	}
	if (p == 0) {
		fn();
		_exit(99);
	}
	int st = 0;
	if (waitpid(p, &st, 0) != p)
		perror("waitpid");
	return st;
}

static void exit0(void) { exit(0); }
static void exit3(void) { exit(3); }
static void exit255(void) { _exit(255); }
static void ret_main(void) { return; }
static int *volatile bad = (int *)8;
static void segv(void) { *bad = 1; }
static void abrt(void) { abort(); }
static void self_kill(void) { kill(getpid(), SIGTERM); pause(); }
static void div0(void)
{
	int q = 0;
	__asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; idivl %1" : "=a"(q) : "r"(q) : "rdx");
	printf("%d\n", q);
}
static int epipe_fd;
static void write_closed(void) { write(epipe_fd, "x", 1); }

static volatile sig_atomic_t chld;
static void on_chld(int sig) { (void)sig; chld++; }

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {{"exit 0", exit0},   {"exit 3", exit3}, {"_exit 255", exit255},
	             {"fall out", ret_main}, {"SIGSEGV", segv}, {"abort", abrt},
	             {"SIGTERM to self", self_kill}, {"SIGFPE", div0}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		report(cases[i].name, run(cases[i].fn));

	/* pids: the child's parent is us, and its pid is what fork said */
	int fds[2];
	if (pipe(fds))
		return 1;
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		pid_t ids[2] = {getpid(), getppid()};
		close(fds[0]);
		if (write(fds[1], ids, sizeof(ids)) != sizeof(ids))
			_exit(1);
		/* a long message, more than the pipe holds: the writer blocks */
		static char big[200000];
		memset(big, 'x', sizeof(big));
		_exit(write(fds[1], big, sizeof(big)) == sizeof(big) ? 0 : 2);
	}
	close(fds[1]);
	pid_t got[2];
	if (read(fds[0], got, sizeof(got)) != sizeof(got)) {
		perror("read");
		return 1;
	}
	printf("child pid matches: %d, its parent is us: %d\n", got[0] == p, got[1] == getpid());
	long total = 0;
	char buf[5000];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		total += n;
	printf("read %ld bytes then EOF %zd\n", total, n);
	int st;
	waitpid(p, &st, 0);
	report("pipe writer", st);
	close(fds[0]);

	/* EPIPE and SIGPIPE: the reader is gone */
	if (pipe(fds))
		return 1;
	close(fds[0]);
	epipe_fd = fds[1];
	report("writer to a closed pipe", run(write_closed));
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	printf("write with SIGPIPE ignored: %zd %s\n", write(fds[1], "x", 1), strerror(errno));
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);

	/* SIGCHLD with a handler */
	signal(SIGCHLD, on_chld);
	report("child with SIGCHLD handled", run(exit3));
	printf("SIGCHLD arrived: %d\n", chld > 0);
	signal(SIGCHLD, SIG_DFL);

	/* kill another process */
	fflush(stdout);
	p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	kill(p, SIGUSR1);
	waitpid(p, &st, 0);
	report("killed with SIGUSR1", st);

	/* a daemonising double fork: the grandchild outlives its parent and
	 * reports through a pipe */
	if (pipe(fds))
		return 1;
	fflush(stdout);
	p = fork();
	if (p == 0) {
		pid_t middle = getpid();
		if (fork() == 0) {
			setsid();
			/* wait (up to 5 s) for the middle child to exit: a fixed
			 * 20 ms was too short on a loaded host */
			for (int i = 0; i < 500 && getppid() == middle; i++)
				usleep(10000);
			char msg[64];
			int len = snprintf(msg, sizeof(msg), "grandchild: orphan's parent is %s\n",
			                   getppid() == 1 ? "init" : "other");
			write(fds[1], msg, (size_t)len);
			_exit(0);
		}
		_exit(0);
	}
	close(fds[1]);
	waitpid(p, &st, 0);
	report("middle child", st);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fds[0]);

	/* waitid, WNOHANG and the errors */
	fflush(stdout);
	p = fork();
	if (p == 0)
		_exit(5);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)p, &si, WEXITED) == 0)
		printf("waitid: code %d status %d pid ok %d\n", si.si_code, si.si_status,
		       si.si_pid == p);
	errno = 0;
	printf("wait4 with no children: %d %s\n", (int)waitpid(-1, &st, WNOHANG),
	       strerror(errno));
	errno = 0;
	printf("waitid without options: %d %s\n", waitid(P_ALL, 0, &si, 0), strerror(errno));
	return 0;
}
