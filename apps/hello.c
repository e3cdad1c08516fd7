/* hello: the first native exokernel program.
 *
 * Prints "hello from ring 3", then each argument after the program name on a
 * line of its own as "argv[i] = <arg>", and exits 0.  stdout is line-buffered,
 * so each line costs one kernel crossing. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from ring 3\n");
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
