/* Needs 64 MiB of zeroed memory: under `exosim --mem 32M` the kernel must refuse
 * to load it ("does not fit in memory", status 126) instead of crashing. */
#include <stdio.h>

static char big[64 << 20];

int main(void)
{
	big[sizeof(big) - 1] = 1;
	printf("big_bss: loaded\n");
	return big[0];
}
