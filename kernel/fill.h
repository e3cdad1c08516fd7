/* Bulk 64-bit stores (the page-info entries of a run of frames), by the host
 * where it can: exosim's word fill device (include/hw/exosim_pv.h) stores any
 * number of words in one VM exit, where emulated `rep stosq` costs ~0.6 us a
 * word on KVM-on-PVM (a 2 MiB run's 512 entries ~300 us); elsewhere (QEMU),
 * and for a few words, `rep stosq`. */
#ifndef KERNEL_FILL_H
#define KERNEL_FILL_H

#include <stdint.h>

/* Stores pattern into the count 8-byte words at dst, a kernel address in the
 * direct map (8-byte aligned). */
void fill64(void *dst, uint64_t pattern, uint64_t count);

#endif
