/* Physical pages: the allocator and the page-info table it keeps, which every
 * environment sees read-only at EXO_PAGES. */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/page.h>

#include "directmap.h"
#include "memmap.h"

/* Pages the kernel may hand out lie below this (the boot direct map). */
#define PMEM_DIRECT_MAP_END ((uint64_t)DIRECT_MAP_GIB << 30)
#define PFN(pa)             ((pa) >> 12)
#define PA(pfn)             ((uint64_t)(pfn) << 12)

/* [npages], exported.  The kernel's view is only meaningful for frames in the
 * free ranges and frames it handed out: a whole gigabyte without RAM (the MMIO
 * hole) is never written, so it reads as free here while EXO_PAGES shows it as
 * EXO_PAGE_KERNEL (see pmem.c). */
extern struct exo_page *page_info;
extern uint32_t *page_rmap; /* [npages], kernel-private: see rmap.c */
extern uint64_t npages;

/* A kernel pool sized from RAM (rmap records, capability nodes), carved at
 * boot with the page-info table: it costs no instruction under exosim, whose
 * fresh RAM reads as zero, and grows with --mem instead of being a constant in
 * .bss. */
struct pmem_pool {
	uint64_t (*count)(uint64_t ram_pages); /* records wanted for that much RAM */
	uint64_t size;                         /* bytes per record */
	void **base;                           /* set by pmem_init: zeroed records */
	uint64_t *n;                           /* set by pmem_init: how many */
};

/* Takes the free ranges (the memory map minus everything reserved) and carves
 * the page-info table and the pools out of them.  The table describes every
 * frame up to the end of the last range, or up to cover_end if that is higher
 * (in the direct map): frames there that are in no range are the kernel's. */
void pmem_init(const struct mem_range *usable, int n, uint64_t cover_end, bool fresh_pages_are_zero,
               const struct pmem_pool *pools, int npools);
/* Is [pa, pa+len) inside one free range (free at boot)? */
bool pmem_in_free_ranges(uint64_t pa, uint64_t len);

/* A zeroed page now owned by `owner` with `type`; its physical address, or 0. */
uint64_t page_alloc(uint16_t owner, uint8_t type);
/* The same for one page named by its frame number: -EXO_EINVAL if there is no
 * such page, -EXO_EPERM if it is the kernel's, -EXO_EBUSY if it is taken. */
int page_alloc_at(uint64_t pfn, uint16_t owner, uint8_t type);
void page_free(uint64_t pa);
/* n contiguous zeroed frames, owned by `owner` as EXO_PAGE_USER, starting on a
 * 2 MiB boundary if `large`: the first one's physical address, or 0. */
uint64_t run_alloc(uint64_t n, bool large, uint16_t owner);
/* Frees frames [pfn, pfn + n), allocated together. */
void run_free(uint64_t pfn, uint64_t n);
uint64_t pmem_free_pages(void);

/* The page-info table's physical extent (2 MiB-aligned), for mapping it into
 * environments. */
uint64_t pmem_table_pa(void);
uint64_t pmem_table_bytes(void);
/* Is the table's 2 MiB chunk i (frames [i << 18, (i + 1) << 18)) a gigabyte
 * without RAM, never written, to be exported as pmem_hole_pt? */
bool pmem_table_chunk_is_hole(uint64_t i);

#endif
