/* Usable-RAM computation from the PVH (E820-style) memory map.
 *
 * The map may be unsorted and contain zero-size, overlapping and non-RAM entries
 * (QEMU's is unsorted and may end with a zero entry). */
#ifndef KLIB_MEMMAP_H
#define KLIB_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include <hw/pvh.h>

struct mem_range {
	uint64_t base, end; /* [base, end) */
};

/* Usable RAM = union of RAM (type 1) entries, minus every non-RAM entry, minus every
 * range in `reserved`, minus [0, min_addr). RAM is rounded inward to 4 KiB page
 * boundaries, removed ranges (including min_addr) outward. The result is sorted by
 * base, non-overlapping, non-empty, and adjacent ranges are merged.
 *
 * Returns the number of ranges written to out, or -1 if more than `max` would be
 * needed. An entry whose addr+size overflows is clipped at 2^64 (it is not an error):
 * RAM then ends at 2^64-4096 and a removed range covers everything above its base.
 * Reserved ranges with end <= base remove nothing.
 *
 * Cost: O((n + nreserved)^2) in the worst case, a few passes over the inputs per
 * output range in practice; no scratch memory. */
int memmap_usable(const struct hvm_memmap_table_entry *map, size_t n,
                  const struct mem_range *reserved, size_t nreserved, uint64_t min_addr,
                  struct mem_range *out, size_t max);

/* Total bytes in r[0..n) (saturating at 2^64-1). */
uint64_t memmap_total(const struct mem_range *r, size_t n);

#endif
