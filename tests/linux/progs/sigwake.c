/* A signal to a process that is just going to sleep in pause(): sent right
 * after fork, it lands while the child is on its way into pause (first
 * writes to its copy-on-write pages make that way long under exosim and
 * QEMU).  Each child must die of it; a lost wake-up left one asleep with the
 * signal pending and the test hung (ExOS read its signal-sequence word after
 * looking for signals).  Prints what Linux reports; compare.sh checks. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 40

int main(void)
{
	int killed = 0;
	for (int i = 0; i < ROUNDS; i++) {
		fflush(stdout);
		pid_t p = fork();
		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (p == 0) {
			for (;;)
				pause();
		}
		/* now or a little later, so the signal meets the child at
		 * different points of its way into pause */
		for (volatile int spin = 0; spin < (i % 8) * 2000; spin++)
			;
		kill(p, SIGUSR1);
		int st = 0;
		if (waitpid(p, &st, 0) != p)
			perror("waitpid");
		killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1;
	}
	printf("children in pause() killed by SIGUSR1: %d of %d\n", killed, ROUNDS);
	return 0;
}
