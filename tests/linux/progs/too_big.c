// too_big: a static program whose .bss (200 MiB) is more than ExOS can give one
// program.  ExOS must refuse it before it runs, with one line and exosim's status 126
// (EXOSIM_EXIT_NOMEM), not crash or exit with a status of its own choosing.
#include <stdio.h>

static char big[200 << 20];

int main(void)
{
	volatile char *p = big; /* used, so the compiler keeps it */
	p[sizeof(big) - 1] = 1;
	puts("ran anyway");
	return p[0];
}
