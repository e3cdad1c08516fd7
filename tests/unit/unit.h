/* The suites of the unit_tests program, one per source file. */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>
#include <stdint.h>

/* The fuzz tests' rounds and seed: EXO_FUZZ_COUNT / EXO_FUZZ_SEED, else dflt. */
long unit_fuzz_count(long dflt);
uint64_t unit_fuzz_seed(uint64_t dflt);

/* The fuzz tests' generator (xorshift64): the next value of *state. */
static inline uint64_t unit_rand(uint64_t *state)
{
	*state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
	return *state;
}

Suite *cpio_suite(void);
Suite *cmdline_suite(void);
Suite *memmap_suite(void);
Suite *elf64_suite(void);
Suite *cap_suite(void);
Suite *pred_suite(void);
Suite *rootfs_suite(void);
Suite *arena_suite(void);
Suite *vma_suite(void);
Suite *escape_suite(void);
Suite *guest_mem_suite(void);
Suite *device_suite(void);
Suite *pvstdin_suite(void);
Suite *stdin_async_suite(void);
Suite *discard_suite(void);
Suite *fill_suite(void);
Suite *deadline_suite(void);
Suite *insn_suite(void);
Suite *unix_status_suite(void);
Suite *virtqueue_suite(void);
Suite *virtio_mmio_suite(void);
Suite *virtio_blk_suite(void);
Suite *virtio_net_suite(void);
Suite *bpf_suite(void);
Suite *gdb_rsp_suite(void);
Suite *gdb_env_suite(void);

#endif
