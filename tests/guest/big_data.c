/* An 8 MiB program file: with `exosim --mem 16M` the initramfs cannot fit, and
 * exosim must say so before booting (status 126). */
#include <stdio.h>

static volatile char blob[8 << 20] = {1};

int main(void)
{
	printf("big_data: loaded %d\n", blob[0]);
	return 0;
}
