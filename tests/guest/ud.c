/* ud: executes ud2 (#UD).  Expected status 132 (128 + SIGILL). */
#include <stdio.h>

int main(void)
{
	printf("ud: executing ud2\n");
	__asm__ volatile("ud2");
	printf("ud: survived\n");
	return 0;
}
