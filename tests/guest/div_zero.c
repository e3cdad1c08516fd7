/* div_zero: integer division by zero (#DE).  Expected status 136 (128 + SIGFPE). */
#include <stdio.h>

int main(void)
{
	volatile int a = 1, b = 0;

	printf("div_zero: dividing by zero\n");
	int q = a / b;
	printf("div_zero: survived, got %d\n", q);
	return 0;
}
