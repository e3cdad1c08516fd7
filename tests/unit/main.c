/* unit_tests: runs every suite; exit status 0 only if all tests pass.
 * CK_FORK (default yes) and CK_RUN_SUITE / CK_RUN_CASE select how and what to run. */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(cpio_suite());
	int failed;

	srunner_add_suite(sr, cmdline_suite());
	srunner_add_suite(sr, memmap_suite());
	srunner_add_suite(sr, elf64_suite());
	srunner_add_suite(sr, cap_suite());
	srunner_add_suite(sr, pred_suite());
	srunner_add_suite(sr, rootfs_suite());
	srunner_add_suite(sr, vma_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
