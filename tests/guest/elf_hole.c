/* elf_hole: reads the page between two of its PT_LOAD segments (the build places
 * .far at 0x800000, far above the rest).  Expected: the kernel's loader mapped only
 * the segments, so the read is a page fault, status 139, as on Linux. */
#include <stdint.h>
#include <stdio.h>

__attribute__((section(".far"), used)) volatile int far_value = 42;

int main(void)
{
	volatile const int *hole = (const int *)(((uintptr_t)&far_value & ~(uintptr_t)4095) - 4096);

	printf("elf_hole: far_value = %d, reading %p\n", far_value, (const void *)hole);
	printf("elf_hole: read %d: mapped, but no segment covers it\n", *hole);
	return 1;
}
