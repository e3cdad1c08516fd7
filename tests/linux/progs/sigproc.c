/* Signals between processes reach a child spinning in its own code (no
 * system call to take them at): SIGTERM and SIGKILL end it, a handler runs;
 * stop signals stop it (it makes no progress while stopped) and SIGCONT
 * continues it, reported through wait4's WUNTRACED and WCONTINUED, waitid's
 * WSTOPPED and WCONTINUED, and SIGCHLD.  Prints what Linux reports;
 * compare.sh checks exosim says the same. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ready[2];
static volatile sig_atomic_t got_usr1, chld;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}
static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void report(const char *what, int st)
{
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by %d\n", what, WTERMSIG(st));
	else if (WIFSTOPPED(st))
		printf("%s: stopped by %d\n", what, WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", what);
	else
		printf("%s: status 0x%x\n", what, st);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A child that says it is ready, then spins without a call; with beat, it
 * writes a byte to the pipe every few million iterations (its progress). */
static pid_t spinner(int beat, void (*handler)(int))
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		exit(1);
	}
	if (p)
		return p;
	if (handler)
		signal(SIGUSR1, handler);
	if (write(ready[1], "r", 1) != 1)
		_exit(90);
	for (unsigned long i = 1; !got_usr1; i++)
		if (beat && i % (4ul << 20) == 0)
			(void)write(ready[1], "b", 1);
	_exit(7);
}

static void wait_ready(void)
{
	char c;
	if (read(ready[0], &c, 1) != 1 || c != 'r') {
		printf("no ready byte\n");
		exit(1);
	}
}

/* Bytes the child wrote since the last call (the pipe's read end is
 * non-blocking). */
static long drain(void)
{
	char buf[4096];
	long total = 0, n;
	while ((n = read(ready[0], buf, sizeof(buf))) > 0)
		total += n;
	return total;
}

static void wait_report(const char *what, pid_t p, int options)
{
	int st = 0;
	if (waitpid(p, &st, options) != p)
		printf("%s: waitpid: %s\n", what, strerror(errno));
	else
		report(what, st);
}

int main(void)
{
	if (pipe(ready))
		return 1;

	pid_t p = spinner(0, NULL);
	wait_ready();
	kill(p, SIGTERM);
	wait_report("spinner sent SIGTERM", p, 0);

	p = spinner(0, NULL);
	wait_ready();
	kill(p, SIGKILL);
	wait_report("spinner sent SIGKILL", p, 0);

	p = spinner(0, on_usr1);
	wait_ready();
	kill(p, SIGUSR1);
	wait_report("spinner with a SIGUSR1 handler", p, 0);

	/* stop and continue a spinner that shows its progress */
	struct sigaction sa = {.sa_handler = on_chld};
	sigaction(SIGCHLD, &sa, NULL);
	p = spinner(1, NULL);
	wait_ready();
	fcntl(ready[0], F_SETFL, O_NONBLOCK);
	kill(p, SIGSTOP);
	wait_report("spinner sent SIGSTOP", p, WUNTRACED);
	printf("SIGCHLD for the stop: %d\n", chld > 0);
	signal(SIGCHLD, SIG_DFL); /* the continue's comes when the child runs: a race */
	drain();
	sleep_ms(300);
	printf("progress while stopped: %ld\n", drain());
	kill(p, SIGCONT);
	wait_report("spinner sent SIGCONT", p, WCONTINUED);
	fcntl(ready[0], F_SETFL, 0);
	char c;
	printf("progress once continued: %d\n", read(ready[0], &c, 1) == 1 && c == 'b');

	/* SIGTSTP, through waitid */
	siginfo_t si;
	kill(p, SIGTSTP);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)p, &si, WSTOPPED) == 0)
		printf("waitid WSTOPPED: code %d status %d pid ok %d\n", si.si_code, si.si_status,
		       si.si_pid == p);
	kill(p, SIGCONT);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)p, &si, WCONTINUED) == 0)
		printf("waitid WCONTINUED: code %d status %d pid ok %d\n", si.si_code, si.si_status,
		       si.si_pid == p);
	/* a stopped process dies of SIGKILL */
	kill(p, SIGSTOP);
	wait_report("stopped again", p, WUNTRACED);
	kill(p, SIGKILL);
	wait_report("stopped spinner sent SIGKILL", p, 0);

	/* a child stops itself; without WUNTRACED the parent sees only its exit */
	fflush(stdout);
	p = fork();
	if (p == 0) {
		raise(SIGSTOP);
		_exit(3);
	}
	wait_report("raise(SIGSTOP)", p, WUNTRACED);
	kill(p, SIGCONT);
	wait_report("continued child", p, 0);
	return 0;
}
