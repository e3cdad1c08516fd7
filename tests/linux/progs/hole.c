/* hole: reads the page between two of its PT_LOAD segments.  The build places the
 * section .far at 0x800000 (-Wl,--section-start), far above the rest of the program,
 * so the pages in between belong to no segment: Linux leaves them unmapped and the
 * read dies of SIGSEGV (status 139).  A loader that maps the whole span from the
 * lowest to the highest segment lets it read zeros instead. */
#include <stdint.h>
#include <stdio.h>

__attribute__((section(".far"), used)) volatile int far_value = 42;

int main(void)
{
	volatile const int *hole = (const int *)(((uintptr_t)&far_value & ~(uintptr_t)4095) - 4096);

	printf("hole: far_value = %d\n", far_value);
	printf("hole: reading %p, between the segments\n", (const void *)hole);
	fflush(stdout);
	printf("hole: read %d: mapped, but no segment covers it\n", *hole);
	return 1;
}
