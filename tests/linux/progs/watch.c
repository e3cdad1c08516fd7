/* watch: adds 1, 2 and 3 to a global, prints it and exits with it (6): the
 * program exosim --gdb's tests break in and watch (tests/integration/gdb.sh).
 * watch fork: parent and child each call touch() once (a breakpoint in code
 * both environments share), and it exits 0. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int counter;

__attribute__((noinline)) void touch(int by)
{
	counter += by;
}

int main(int argc, char **argv)
{
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
