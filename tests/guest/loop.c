/* loop: prints one line, then spins forever in ring 3.  Run with
 * `exosim --timeout 1`: expected status 124 (EXOSIM_EXIT_TIMEOUT). */
#include <stdio.h>

int main(void)
{
	printf("loop: spinning\n");
	for (;;)
		__asm__ volatile("pause");
}
