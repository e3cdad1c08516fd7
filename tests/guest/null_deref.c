/* null_deref: reads address 0.  Expected: killed by the kernel, status 139
 * (128 + SIGSEGV). */
#include <stdio.h>

int main(void)
{
	printf("null_deref: reading address 0\n");
	int v = *(volatile int *)0;
	printf("null_deref: survived, read %d\n", v);
	return 0;
}
