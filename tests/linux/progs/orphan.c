/* Orphaned process groups (POSIX): when a process's exit leaves a process group with no
 * member whose parent is in another group of the same session, and a member of that group
 * is stopped, every member gets SIGHUP and then SIGCONT.  Three cases, each reported
 * through a pipe by the grandchild B whose group is orphaned:
 *   own:   A leads a group of its own with B in it, B stops, A exits (A was the link);
 *   child: A is in our group, B leads its own group and stops, A exits (B's parent was);
 *   none:  as "own", but B is not stopped: no signal.
 * The test first makes its own session (natively its ancestors' are not ours; under exosim
 * the first process leads one already), so the orphans' new parent is outside it.  ExOS
 * sent nothing and B stayed stopped.  Prints what Linux reports; compare.sh checks. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int report_fd;

static void on_sig(int sig)
{
	char c = sig == SIGHUP ? 'H' : 'C';
	if (write(report_fd, &c, 1) != 1)
		_exit(3);
}

enum kind { OWN, CHILD, NONE };
static const char *const names[] = {"own group", "child's group", "not stopped"};

/* B: reports its signals; stops itself unless told not to; says '.' when done. */
static _Noreturn void grandchild(enum kind k, pid_t a)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	if (k == CHILD)
		setpgid(0, 0);
	if (k != NONE) {
		raise(SIGSTOP);
	} else {
		while (getppid() == a) /* until A has gone */
			usleep(10000);
		usleep(300000); /* a signal would have come by now */
	}
	char dot = '.';
	if (write(report_fd, &dot, 1) != 1)
		_exit(3);
	_exit(0);
}

/* A: makes B and waits until it is stopped (or has started), then exits. */
static _Noreturn void middle(enum kind k)
{
	if (k != CHILD)
		setpgid(0, 0);
	pid_t a = getpid();
	pid_t b = fork();
	if (b == 0)
		grandchild(k, a);
	if (k != NONE) {
		int st = 0;
		waitpid(b, &st, WUNTRACED);
		_exit(WIFSTOPPED(st) ? 0 : 4);
	}
	_exit(0);
}

static void one(enum kind k)
{
	int p[2];
	if (pipe(p)) {
		perror("pipe");
		return;
	}
	report_fd = p[1];
	fflush(stdout);
	pid_t a = fork();
	if (a == 0) {
		close(p[0]);
		middle(k);
	}
	close(p[1]);
	int st = 0;
	waitpid(a, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: A saw B stopped and exited", names[k]);
	char got[8] = {0};
	size_t n = 0;
	while (n < sizeof(got) - 1 && read(p[0], &got[n], 1) == 1 && got[n] != '.')
		n++;
	got[n] = 0;
	close(p[0]);
	/* in either order: each handler's frame may go on top of the other's */
	if (n == 2 && got[0] > got[1])
		got[0] = got[1], got[1] = 'H';
	CHECK(strcmp(got, k == NONE ? "" : "CH") == 0, "%s: B got \"%s\"", names[k], got);
}

int main(void)
{
	alarm(60); /* B stopped for ever must not hang the test */
	setsid();  /* fails (EPERM) only if we lead a group already: then we lead a session */
	one(OWN);
	one(CHILD);
	one(NONE);
	return check_exit();
}
