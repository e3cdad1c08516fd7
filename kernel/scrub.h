/* Zeroing freed frames before anyone else gets them, by the host where it can:
 * exosim's page discard device (include/hw/exosim_pv.h) drops guest RAM in one
 * VM exit per batch, and the frames then read as zero; elsewhere (QEMU) the
 * kernel writes zeros with `rep stosq`. */
#ifndef KERNEL_SCRUB_H
#define KERNEL_SCRUB_H

#include <stdbool.h>

#include "memmap.h"

/* Does the host discard for us?  (Detected on first use: one exit.) */
bool scrub_available(void);

/* Zeroes the page-aligned ranges r[0..n): one exit per PV_DISCARD_MAX_RANGES
 * ranges with the device, else `rep stosq` through the direct map.  0, or the
 * device's negative result (PV_ERR_MALFORMED for a range that is not guest RAM,
 * a negated host errno), after which the ranges are zeroed by hand anyway. */
int scrub_ranges(const struct mem_range *r, int n);

/* exo.scrub_bench: times zeroing 4 KiB and 2 MiB of free RAM at pa both ways,
 * and the first touch that follows a discard; prints the cycles. */
void scrub_bench(uint64_t pa);

#endif
