// oom: touches far more memory than the VM has (the test runs exosim with a small
// --mem).  Linux's OOM killer would end it with SIGKILL and a line in the kernel log;
// ExOS must do the same: status 137 and one line on stderr, never a silent SIGSEGV.
// What it printed before that must arrive whole.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20)

int main(void)
{
	puts("oom: touching 512 MiB, 1 MiB at a time");
	fflush(stdout);
	for (int i = 0; i < 512; i++) {
		char *p = malloc(CHUNK);
		if (!p) {
			printf("oom: malloc failed after %d MiB\n", i);
			return 2;
		}
		memset(p, i, CHUNK);
	}
	puts("oom: all touched");
	return 0;
}
