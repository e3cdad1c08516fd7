/* exit_code N: exits with status N (default 0).  If the kernel refuses N (a
 * status exosim reserves, 120..127, or one outside 0..255) it prints
 * "exit_code: status N refused: <error>" on stdout and exits 1. */
#include <stdio.h>
#include <stdlib.h>

#include <exos/sys.h>

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;
	long r = exo_exit_status(status);

	printf("exit_code: status %d refused: %ld\n", status, r);
	return 1;
}
