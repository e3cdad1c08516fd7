/* unit_tests: runs every suite; exit status 0 only if all tests pass and at
 * least one ran.  CK_FORK (default yes) and CK_RUN_SUITE / CK_RUN_CASE select
 * how and what to run: ctest runs one suite per test (tests/unit/CMakeLists.txt),
 * and a suite name that matches nothing must fail, not pass empty.
 * EXO_FUZZ_COUNT and EXO_FUZZ_SEED change the fuzz tests' rounds and seed
 * (bench/fuzz_devices.sh runs the long form). */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

long unit_fuzz_count(long dflt)
{
	const char *s = getenv("EXO_FUZZ_COUNT");
	long n = s ? strtol(s, NULL, 0) : 0;
	return n > 0 ? n : dflt;
}

uint64_t unit_fuzz_seed(uint64_t dflt)
{
	const char *s = getenv("EXO_FUZZ_SEED");
	uint64_t v = s ? strtoull(s, NULL, 0) : 0;
	return v ? v : dflt;
}

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
	srunner_add_suite(sr, arena_suite());
	srunner_add_suite(sr, vma_suite());
	srunner_add_suite(sr, escape_suite());
	srunner_add_suite(sr, guest_mem_suite());
	srunner_add_suite(sr, device_suite());
	srunner_add_suite(sr, pvstdin_suite());
	srunner_add_suite(sr, stdin_async_suite());
	srunner_add_suite(sr, discard_suite());
	srunner_add_suite(sr, fill_suite());
	srunner_add_suite(sr, deadline_suite());
	srunner_add_suite(sr, insn_suite());
	srunner_add_suite(sr, unix_status_suite());
	srunner_add_suite(sr, virtqueue_suite());
	srunner_add_suite(sr, virtio_mmio_suite());
	srunner_add_suite(sr, virtio_blk_suite());
	srunner_add_suite(sr, virtio_net_suite());
	srunner_add_suite(sr, bpf_suite());
	srunner_add_suite(sr, gdb_rsp_suite());
	srunner_add_suite(sr, gdb_env_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	int ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (ran == 0) {
		fprintf(stderr, "unit_tests: no test ran (CK_RUN_SUITE=%s)\n",
		        getenv("CK_RUN_SUITE") ? getenv("CK_RUN_SUITE") : "");
		return EXIT_FAILURE;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
