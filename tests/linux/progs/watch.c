/* watch: adds 1, 2 and 3 to a global, prints it and exits with it (6): the
 * program exosim --gdb's tests break in and watch (tests/integration/gdb.sh). */
#include <stdio.h>

volatile int counter;

int main(void)
{
	for (int i = 1; i <= 3; i++)
		counter += i;
	printf("counter: %d\n", counter);
	return counter;
}
