/* privileged: executes hlt in ring 3 (#GP).  Expected status 139 (128 + SIGSEGV,
 * as Linux reports a general protection fault). */
#include <stdio.h>

int main(void)
{
	printf("privileged: executing hlt in ring 3\n");
	__asm__ volatile("hlt");
	printf("privileged: survived\n");
	return 0;
}
