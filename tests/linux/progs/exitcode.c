/* exitcode MODE: ends the way MODE says, after some buffered output (which exit()
 * flushes and _exit() does not):
 *   exit0 exit3 exit255 exit256 return0 return7 _exit5 abort segv sigterm ud2 atexit */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"

static void bye(void)
{
	printf("atexit handler ran\n");
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "return0";
	printf("exitcode: %s (buffered)", m);
	fprintf(stderr, "exitcode: stderr before %s\n", m);
	if (!strcmp(m, "exit0"))
		exit(0);
	if (!strcmp(m, "exit3"))
		exit(3);
	if (!strcmp(m, "exit255"))
		exit(255);
	if (!strcmp(m, "exit256"))
		exit(256); /* the status is the low 8 bits: 0 */
	if (!strcmp(m, "return7"))
		return 7;
	if (!strcmp(m, "_exit5"))
		_exit(5); /* the buffered line is lost */
	if (!strcmp(m, "abort"))
		abort();
	if (!strcmp(m, "segv")) {
		fflush(stdout);
		volatile int *volatile bad = (int *)16;
		*bad = 1;
	}
	if (!strcmp(m, "sigterm")) {
		fflush(stdout);
		raise(SIGTERM);
	}
	if (!strcmp(m, "ud2")) {
		fflush(stdout);
		__asm__ volatile("ud2");
	}
	if (!strcmp(m, "atexit")) {
		atexit(bye);
		exit(4);
	}
	printf("\n");
	return 0;
}
