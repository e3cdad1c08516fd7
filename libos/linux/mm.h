/* mm.c's share of the Linux ABI (asm-generic/mman-common.h, mman.h) and its
 * policy constants.  The interface other modules use is in linux.h. */
#ifndef EXOS_LINUX_MM_H
#define EXOS_LINUX_MM_H

#include <stdint.h>

#include "abi.h"

/* mmap flags. */
#define LINUX_MAP_SHARED          0x01
#define LINUX_MAP_PRIVATE         0x02
#define LINUX_MAP_SHARED_VALIDATE 0x03
#define LINUX_MAP_TYPE            0x0f
#define LINUX_MAP_FIXED           0x10
#define LINUX_MAP_ANONYMOUS       0x20
#define LINUX_MAP_32BIT           0x40
#define LINUX_MAP_GROWSDOWN       0x100
#define LINUX_MAP_DENYWRITE       0x800
#define LINUX_MAP_EXECUTABLE      0x1000
#define LINUX_MAP_LOCKED          0x2000
#define LINUX_MAP_NORESERVE       0x4000
#define LINUX_MAP_POPULATE        0x8000
#define LINUX_MAP_NONBLOCK        0x10000
#define LINUX_MAP_STACK           0x20000
#define LINUX_MAP_HUGETLB         0x40000
#define LINUX_MAP_SYNC            0x80000
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define LINUX_MAP_UNINITIALIZED   0x4000000

/* mprotect's extra bits (accepted, ignored). */
#define LINUX_PROT_GROWSDOWN 0x01000000
#define LINUX_PROT_GROWSUP   0x02000000

/* mremap flags. */
#define LINUX_MREMAP_MAYMOVE   1
#define LINUX_MREMAP_FIXED     2
#define LINUX_MREMAP_DONTUNMAP 4

/* madvise advice. */
#define LINUX_MADV_NORMAL         0
#define LINUX_MADV_WILLNEED       3
#define LINUX_MADV_DONTNEED       4
#define LINUX_MADV_FREE           8
#define LINUX_MADV_REMOVE         9
#define LINUX_MADV_POPULATE_READ  22
#define LINUX_MADV_POPULATE_WRITE 23
#define LINUX_MADV_LAST           23 /* the highest we know; HWPOISON etc. are EINVAL */

/* msync flags. */
#define LINUX_MS_ASYNC      1
#define LINUX_MS_INVALIDATE 2
#define LINUX_MS_SYNC       4

/* Call numbers abi.h does not name. */
#ifndef LINUX_SYS_mlock
#define LINUX_SYS_mlock      149
#define LINUX_SYS_munlock    150
#define LINUX_SYS_mlockall   151
#define LINUX_SYS_munlockall 152
#define LINUX_SYS_mlock2     325
#endif

/* ---- Policy ----
 * Program memory lies in [MM_USER_MIN, MM_USER_TOP): below are the unmapped
 * first pages and ExOS itself, above the text alias and ExOS's fixed regions.
 * A MAP_FIXED below MM_USER_MIN fails with EPERM, as below Linux's
 * mmap_min_addr. */
#define MM_USER_MIN  0x400000ul
#define MM_USER_TOP  LINUX_TEXT_ALIAS
#define MM_32BIT_TOP 0x80000000ul /* MAP_32BIT: the first 2 GiB */

/* Measured on KVM-on-PVM, each page costs the kernel far more than a
 * crossing: ~350 µs to allocate and zero, ~200 µs to map, ~200 µs to unmap,
 * ~50 µs to reprotect (ring-0 code is emulated and page-table writes trap),
 * against ~150 µs for a fault upcall with its two crossings.  So map little
 * that will not be touched: regions up to MM_EAGER_MAX are mapped at once,
 * larger ones on faults; a lone fault maps a small aligned cluster, a fault
 * next to a present page (a heap or stack being filled) a longer run in that
 * direction. */
#define MM_EAGER_MAX   (64ul << 10)
#define MM_CLUSTER     4
#define MM_CLUSTER_SEQ 16

/* Static tables (ExOS has no malloc). */
#define MM_MAX_VMAS     1024        /* regions, like a small vm.max_map_count */
#define MM_MAX_PARKED   4096        /* pages of PROT_NONE regions kept for their contents */
#define MM_POOL_MAX     4096        /* extents of free frames kept for reuse */
#define MM_MAX_HIDDEN   64          /* unmapped ranges kept mapped, hidden, for reuse */
#define MM_HIDE_MAX     (8ul << 20) /* the longest such range */
#define MM_HIDDEN_PAGES 8192        /* pages kept hidden at most (32 MiB) */

/* Counters (for --stats or a trace): demand faults served, pages those
 * faults mapped, pages reused from the pool instead of allocated, 2 MiB
 * pages mapped, 2 MiB pages split into 4 KiB ones. */
extern uint64_t linux_mm_faults, linux_mm_fault_pages, linux_mm_reused_pages;
extern uint64_t linux_mm_large, linux_mm_splits;
/* Pages the mapping cache hid at munmap and showed again at mmap. */
extern uint64_t linux_mm_hidden_pages, linux_mm_shown_pages;

/* ---- Between mm.c (the regions, the page pool, the page tables) and
 * mmap.c (the calls that change them). ---- */
#include <stdbool.h>
#include <stddef.h>

#include "vma.h"

#define PAGE         EXO_PAGE_SIZE
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x)   PAGE_DOWN((x) + PAGE - 1)
#define BATCH        EXO_MAP_BATCH
#define PROT_RWX     (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC)
#define PROT_RW      (LINUX_PROT_READ | LINUX_PROT_WRITE)

/* struct vma.flags */
#define VMA_STACK  0x1 /* grows down: faults map clusters below the fault */
#define VMA_FILE   0x2 /* a private copy of a file: MADV_DONTNEED keeps it */
#define VMA_SHARED 0x4 /* MAP_SHARED|MAP_ANONYMOUS: shm.c's pages, not ours */

extern struct vma_set vmas;        /* the program's regions */
extern uint64_t brk_base, brk_cur; /* the heap: [brk_base, brk_cur) */

uint64_t perm_of(uint32_t prot); /* PTE permission bits for PROT_* */
bool present(uint64_t va);
/* Calls fn on each span of at most BATCH pages that starts and ends with a
 * present page, in [lo, hi). */
long for_each_span(uint64_t lo, uint64_t hi, long (*fn)(uint64_t va, size_t n, uint64_t arg),
                   uint64_t arg);
size_t count_present(uint64_t lo, uint64_t hi);
/* Maps fresh zeroed pages at every absent page of [lo, hi), which lies in
 * one region whose present pages all have perm. */
long fill(uint64_t lo, uint64_t hi, uint64_t perm);
/* A for_each_span fn: moves a span's pages to va + delta. */
long move_span(uint64_t va, size_t n, uint64_t delta);
bool all_owned(uint64_t lo, uint64_t hi); /* a capability for every present page */
size_t parked_room(void);                 /* pages PROT_NONE may still park */
void parked_move(uint64_t lo, uint64_t hi, uint64_t delta);
bool parked_at(uint64_t va);
void release(uint64_t lo, uint64_t hi); /* frees the pages, present or parked */
long unmap_range(uint64_t lo, uint64_t hi);
/* vma_insert of [lo, hi), first freeing any hidden pages there (the mapping
 * cache's pages lie in no region). */
int region_insert(uint64_t lo, uint64_t hi, uint32_t prot, uint32_t flags);
/* Gives the pages of [lo, hi) (whose regions now have prot) their permissions. */
long apply_prot(uint64_t lo, uint64_t hi, uint32_t prot);
/* A new region [lo, hi) (free): small ones are mapped now. */
long new_region(uint64_t lo, uint64_t hi, uint32_t prot, uint32_t flags, bool populate);
bool user_range(uint64_t lo, uint64_t len); /* inside program memory, no overflow */

#endif
