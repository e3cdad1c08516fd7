/* Physical pages and page tables, as the kernel exports them.
 *
 * Physical pages are named by frame number (pfn = physical address >> 12).  The
 * page-info table (struct exo_page, one per pfn) is mapped read-only at
 * EXO_PAGES in every environment; the environment's own page tables are mapped
 * read-only at EXO_UVPT (entries for va at EXO_UVPT + (va >> 12) * 8, as in
 * JOS), so a libOS walks both without a kernel crossing. */
#ifndef EXO_PAGE_H
#define EXO_PAGE_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* struct exo_page.type */
#define EXO_PAGE_FREE   0 /* allocatable */
#define EXO_PAGE_USER   1 /* owned by an environment through a capability */
#define EXO_PAGE_PT     2 /* a page table of environment `owner` */
#define EXO_PAGE_KERNEL 3 /* the kernel's, boot data, or not RAM */

/* struct exo_page.flags */
#define EXO_PAGE_DIRTY 0x01 /* free but not yet zeroed */

/* Permissions for EXO_SYS_MAP and EXO_SYS_PROTECT: the x86 bits, so a libOS
 * reading UVPT sees the same values.  Present is implied. */
#define EXO_PTE_P    0x001
#define EXO_PTE_W    0x002
#define EXO_PTE_U    0x004
#define EXO_PTE_SW0  0x200 /* software bits the kernel keeps for the libOS, */
#define EXO_PTE_SW1  0x400 /* e.g. copy-on-write */
#define EXO_PTE_SW2  0x800
#define EXO_PTE_SW   (EXO_PTE_SW0 | EXO_PTE_SW1 | EXO_PTE_SW2)
#define EXO_PTE_NX   (1ul << 63)
#define EXO_PTE_ADDR 0x000ffffffffff000ul
/* What a map or protect call may set. */
#define EXO_PERM_MASK (EXO_PTE_W | EXO_PTE_SW | EXO_PTE_NX)

/* Pages per EXO_SYS_MAP call, and per UNMAP/PROTECT range. */
#define EXO_MAP_BATCH 512

#ifndef __ASSEMBLER__
struct exo_page {
	uint16_t owner; /* the owning environment's slot in EXO_ENVS (id % EXO_NENV), else 0 */
	uint16_t refs;  /* how many page-table entries map it */
	uint8_t type;   /* EXO_PAGE_* */
	uint8_t flags;  /* EXO_PAGE_DIRTY */
	uint16_t reserved;
};

/* EXO_SYS_PAGE_ALLOC's result, one per page. */
struct exo_page_grant {
	int32_t cap; /* slot of a root EXO_CAP_PAGE capability with every right */
	uint32_t pad;
	uint64_t pfn;
};
/* The most pages one EXO_SYS_PAGE_ALLOC returns. */
#define EXO_PAGE_ALLOC_MAX 512

struct exo_map_op {
	uint64_t va; /* page-aligned, below EXO_USER_TOP */
	int32_t cap; /* slot of an EXO_CAP_PAGE capability with EXO_RIGHT_MAP */
	uint32_t pad;
	uint64_t perm; /* EXO_PERM_MASK bits; EXO_PTE_W needs EXO_RIGHT_WRITE */
};
#endif

#endif
