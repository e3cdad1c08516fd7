/* spew: writes 64 KiB blocks of 'y' lines to stdout until a write fails, then
 * says on stderr how it failed and exits with the error number: 32 when
 * nobody reads stdout (EPIPE), 28 when it is /dev/full (ENOSPC), 5 for EIO.
 * With a stdout nobody drains it blocks, and only exosim's --timeout ends
 * it.  The console error reaching the program is what is tested. */
#include <stdio.h>
#include <string.h>

#include <exos/sys.h>

static char block[EXO_CONSOLE_WRITE_MAX];

int main(void)
{
	for (size_t i = 0; i < sizeof(block); i += 2)
		memcpy(block + i, "y\n", 2);
	for (unsigned long blocks = 0;; blocks++) {
		long r = exo_console_write(EXO_STDOUT, block, sizeof(block));
		if (r < 0) {
			fprintf(stderr, "spew: write %lu failed: %ld\n", blocks, r);
			return (int)-r;
		}
	}
}
