// hello: the program of the boot-to-exit benchmark (bench/suite.sh).  Static musl, so
// the same binary is spawned natively and booted by exosim, which runs it under ExOS.
#include <stdio.h>

int main(void)
{
	puts("hello from a static Linux program");
	return 0;
}
