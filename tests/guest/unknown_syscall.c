/* unknown_syscall: calls numbers the kernel does not define through the gate
 * and prints each result (expected -38, -ENOSYS).  Exits 0. */
#include <stdio.h>

#include <exos/sys.h>

int main(void)
{
	static const long nrs[] = {EXO_NSYSCALLS, 999, -1, 1l << 40};
	static const char *const names[] = {"EXO_NSYSCALLS", "999", "-1", "1 << 40"};

	for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		printf("syscall(%s) = %ld\n", names[i], exo_syscall6(nrs[i], 1, 2, 3, 4, 5, 6));
	return 0;
}
