/* breakpoint: executes int3 in the program's own code, not through the gate.
 * Even where the kernel's gate itself uses int3 (KVM on PVM), a breakpoint
 * anywhere else is an exception: expected status 133 (128 + SIGTRAP). */
#include <stdio.h>

int main(void)
{
	printf("breakpoint: executing int3\n");
	__asm__ volatile("int3");
	printf("breakpoint: survived\n");
	return 0;
}
