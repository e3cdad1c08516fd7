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
/* Hidden (bit 58, ignored by the MMU): the entry stays present and bound but
 * without U, so ring 3 faults on it (error code P=1) and the kernel's user
 * copies refuse it, until a PROTECT without the bit shows it again.  A libOS
 * keeps unmapped memory mapped this way, ready for reuse (ExOS's mapping
 * cache), without giving its program access. */
#define EXO_PTE_HIDDEN (1ul << 58)
/* What a map or protect call may set. */
#define EXO_PERM_MASK (EXO_PTE_W | EXO_PTE_SW | EXO_PTE_HIDDEN | EXO_PTE_NX)

/* Page-table entries one EXO_SYS_MAP call writes at most (a 2 MiB page is one
 * entry), and present entries one UNMAP or PROTECT call changes before it
 * returns early. */
#define EXO_MAP_BATCH 512
/* The longest range (pages) one UNMAP or PROTECT call names: 1 GiB. */
#define EXO_RANGE_MAX (512ul * 512ul)
/* 4 KiB frames in a 2 MiB page. */
#define EXO_LARGE_PAGES 512
#define EXO_LARGE_SIZE  (EXO_LARGE_PAGES * 4096ul)

/* struct exo_map_op.flags */
#define EXO_MAP_LARGE 0x1 /* map 2 MiB pages: va, the first frame and npages 2 MiB-aligned */

/* EXO_SYS_RUN_ALLOC flags */
#define EXO_RUN_LARGE 0x1 /* the run starts on a 2 MiB boundary (for EXO_MAP_LARGE) */

#ifndef __ASSEMBLER__
struct exo_page {
	uint16_t owner;      /* the owning environment's slot in EXO_ENVS (id % EXO_NENV), else 0 */
	uint16_t refs;       /* EXO_PAGE_USER: how many 4 KiB page-table entries map it;
	                        EXO_PAGE_PT: how many of its own entries are present */
	uint8_t type;        /* EXO_PAGE_* */
	uint8_t flags;       /* EXO_PAGE_DIRTY */
	uint16_t large_refs; /* EXO_PAGE_USER, on a 2 MiB-aligned frame: how many
	                        2 MiB mappings cover it and the 511 frames after it;
	                        EXO_PAGE_PT: bit k set when entries 32k..32k+31 may
	                        be present (set as one becomes so, never cleared:
	                        the kernel's teardown looks only there) */
};

/* EXO_SYS_PAGE_ALLOC's result, one per page; EXO_SYS_RUN_ALLOC's, one per run. */
struct exo_page_grant {
	int32_t cap; /* slot of a root EXO_CAP_PAGE capability with every right */
	uint32_t pad;
	uint64_t pfn; /* the (first) frame */
};
/* The most pages one EXO_SYS_PAGE_ALLOC returns. */
#define EXO_PAGE_ALLOC_MAX 512

/* Maps frames first .. first + npages - 1 of a capability's run at va, va +
 * 4 KiB, ... (or 2 MiB pages with EXO_MAP_LARGE), with one capability check. */
struct exo_map_op {
	uint64_t va;     /* page-aligned, below EXO_USER_TOP */
	int32_t cap;     /* slot of an EXO_CAP_PAGE capability with EXO_RIGHT_MAP */
	uint32_t first;  /* index in the capability's run of the first frame */
	uint32_t npages; /* >= 1 frames, inside the run */
	uint32_t flags;  /* EXO_MAP_* */
	uint64_t perm;   /* EXO_PERM_MASK bits; EXO_PTE_W needs EXO_RIGHT_WRITE */
};
#endif

#endif
