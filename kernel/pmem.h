/* Physical page allocator. */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "memmap.h"

/* The pages the kernel may hand out are those below this (the boot direct map). */
#define PMEM_DIRECT_MAP_END (4ul << 30)

void pmem_init(const struct mem_range *usable, int n, bool fresh_pages_are_zero);
uint64_t page_alloc(void); /* a zeroed page's physical address, or 0 */
void page_free(uint64_t pa);
uint64_t pmem_free_pages(void);

#endif
