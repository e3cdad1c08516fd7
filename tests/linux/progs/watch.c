/* watch: adds 1, 2 and 3 to a global, prints it and exits with it (6): the
 * program exosim --gdb's tests break in and watch (tests/integration/gdb.sh).
 * watch fork: parent and child each call touch() once (a breakpoint in code
 * both environments share), and it exits 0.
 * watch segv: writes through a NULL pointer (dies of SIGSEGV, 139).
 * watch abort: calls abort() (dies of SIGABRT, 134).
 * watch spin: the child spins in spin(); the parent, once it ran, calls
 * touch(), kills it and exits 0 (two environments to see as gdb threads). */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int counter;
int *volatile nowhere;

__attribute__((noinline)) void touch(int by)
{
	counter += by;
}

/* Set by the spinning child once it is inside its loop (a MAP_SHARED page): the
 * parent goes on only then, so gdb finds the child's saved rip in spin(). */
static volatile int *spinning;

__attribute__((noinline)) void spin(int fd)
{
	(void)!write(fd, "x", 1);
	for (;;) {
		counter++;
		*spinning = 1;
	}
}

static int spin_test(void)
{
	int p[2];
	char c;
	if (pipe(p))
		return 1;
	spinning = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (spinning == MAP_FAILED)
		return 1;
	pid_t child = fork();
	if (child == 0)
		spin(p[1]);
	if (read(p[0], &c, 1) != 1) /* the child runs */
		return 1;
	while (!*spinning) /* and is in its loop */
		sched_yield();
	touch(1);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("spun\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "segv")) {
		*nowhere = 1; /* the faulting line */
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "abort"))
		abort();
	if (argc > 1 && !strcmp(argv[1], "spin"))
		return spin_test();
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		pid_t child = fork();
		touch(child == 0 ? 10 : 20);
		if (child == 0)
			_exit(0);
		waitpid(child, NULL, 0);
		printf("touched\n");
		return 0;
	}
	for (int i = 1; i <= 3; i++)
		counter += i;
	printf("counter: %d\n", counter);
	return counter;
}
