/* null.c MODE: a read, a write or a call through a null pointer.  Linux sends
 * SIGSEGV (status 139); so must ExOS with syscall rewriting on, which once
 * kept a trampoline at address 0 (a null read returned its bytes).  A system
 * call first, so its site is rewritten before the null access.
 *   read write call */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	for (int i = 0; i < 3; i++)
		if (getppid() < 0) /* the site is rewritten on the first call */
			return 1;
	printf("%s through null\n", m);
	fflush(stdout);
	volatile char *volatile null = 0;
	if (!strcmp(m, "read"))
		printf("read %d\n", null[0]);
	else if (!strcmp(m, "write"))
		null[0] = 1;
	else if (!strcmp(m, "call"))
		((void (*)(void))null)();
	else
		return 2;
	printf("no fault\n");
	return 0;
}
