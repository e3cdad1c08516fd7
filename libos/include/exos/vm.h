/* Virtual memory in the libOS: page allocation with capabilities, and the
 * page-fault policies (demand-zero regions, copy-on-write).  See docs/libos.md.
 *
 * Every physical page the libOS allocates is named by a page capability in our
 * table; the libOS remembers which slot holds the capability for which pfn (a
 * small hash keyed by pfn, at most EXO_CAP_SLOTS entries), so it can share,
 * free or copy a page found through the page tables (exos_pte). */
#ifndef EXOS_VM_H
#define EXOS_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exos/exception.h>
#include <exos/sys.h>

/* Fixed libOS regions (below EXO_USER_TOP, far above programs and the stack):
 *   EXOS_XSTACK_LO  0x7d00_0000_0000  exception stack (exception.h), 4 pages
 *   EXOS_SCRATCH    0x7d00_0010_0000  copy-on-write scratch, one page per
 *                                     nesting level (EXOS_SCRATCH_PAGES)
 *   EXOS_SPAWN_WIN  0x7d00_0020_0000  exos_env_spawn's copy window (2 MiB)
 *   EXOS_PCT_STACK_LO 0x7d00_0040_0000  LRPC activation stack (lrpc.h), 4 pages
 *   EXOS_BLK_STATUS 0x7d00_0060_0000  the disk status page (blk.h), 1 page, then
 *                                     blk.c's batch vectors, 4 pages
 *   EXOS_COW_WIN    0x7d00_0080_0000  the 2 MiB run copy-on-write copies are
 *                                     made in (mapped whole, never shared)
 *   EXOS_BLK_BUF    0x7d01_0000_0000  block I/O buffers (blk.h), allocated upwards
 *   EXOS_SHARED_BASE 0x7d80_0000_0000  the Linux personality's region shared by all
 *                                     its processes (libos/linux/shared.c), up to
 *                                     EXOS_SHARED_MAX, mapped as 2 MiB pages as
 *                                     it fills */
#define EXOS_SCRATCH         EXO_UL(0x7d0000100000)
#define EXOS_SCRATCH_PAGES   16
#define EXOS_SPAWN_WIN       EXO_UL(0x7d0000200000)
#define EXOS_SPAWN_WIN_PAGES 512
#define EXOS_COW_WIN         EXO_UL(0x7d0000800000) /* vm.c's copy frames, 2 MiB */
#define EXOS_SHARED_BASE     EXO_UL(0x7d8000000000)
#define EXOS_SHARED_MAX      (EXO_UL(8) << 30)

/* Our copy-on-write PTE bit (a software bit the kernel keeps for us). */
#define EXOS_PTE_COW EXO_PTE_SW0

/* Acquires any free page and maps it at va (page-aligned) in our own space with
 * perm (EXO_PERM_MASK bits).  2 crossings.  Returns the capability slot or
 * -EXO_E*. */
long exos_page_map(uint64_t va, uint64_t perm);

/* npages fresh pages at va: one acquire per page, then ONE EXO_SYS_MAP per
 * EXO_MAP_BATCH pages.  Returns 0 or -EXO_E* (pages acquired for a failed
 * batch are released). */
long exos_map_range(uint64_t va, size_t npages, uint64_t perm);

/* The same as runs: one EXO_SYS_RUN_ALLOC and one map op per EXO_MAP_BATCH
 * pages (a page costs its mapping only, where a page capability cost ~170
 * ring-0 instructions more), recorded for exos_frame_cap.  A run goes back
 * when exos_unmap_range has unmapped all of it.  Single pages (exos_map_range)
 * when no run is to be had.  For memory kept whole: copy-on-write sharing and
 * forced reclaim deal in single pages. */
long exos_map_run(uint64_t va, size_t npages, uint64_t perm);

/* A device buffer: bytes (rounded up to pages, 1..max_pages of them) of
 * zeroed writable memory in one run, at *next in a region of its own, which
 * moves past it (the block and packet interfaces' buffers); NULL if it
 * cannot be had. */
void *exos_run_buffer(uint64_t *next, size_t bytes, size_t max_pages);

/* Unmaps npages from va (one EXO_SYS_UNMAP per EXO_MAP_BATCH pages) and
 * releases our capability for every page no longer mapped anywhere.
 * Returns 0 or -EXO_E*. */
long exos_unmap_range(uint64_t va, size_t npages);

/* Sets perm on the present pages of [va, va + npages pages): one
 * EXO_SYS_PROTECT per EXO_MAP_BATCH pages.  Returns 0 or the first -EXO_E*. */
long exos_protect_range(uint64_t va, size_t npages, uint64_t perm);

/* Grants env_cap every page capability the tables below name, at the same
 * slots (a fork's child).  Returns how many could not be granted, or -EXO_E*. */
long exos_vm_grant_all(int env_cap);

/* The libOS's pfn -> slot table. */
long exos_page_cap(uint64_t pfn); /* slot, or -EXO_ENOENT */
/* A 2 MiB-aligned run of EXO_LARGE_PAGES frames held through slot: its frames
 * are named (slot, pfn - first pfn).  False if it cannot be recorded. */
bool exos_run_record(uint64_t pfn, int slot);
void exos_run_forget(uint64_t pfn);
/* A run of any size held through slot (frames named by their index in it). */
bool exos_run_add(uint64_t pfn, uint64_t count, int slot);
bool exos_in_run(uint64_t pfn); /* is frame pfn in a recorded run? */
/* The slot naming frame pfn, and its index in that capability's run (*first):
 * a recorded 2 MiB run's, a single page's (exos_page_cap, *first = 0), or a
 * run the kernel gave us at load; -EXO_ENOENT if none. */
long exos_frame_cap(uint64_t pfn, uint32_t *first);
void exos_page_cap_record(uint64_t pfn, int slot);
void exos_page_cap_forget(uint64_t pfn);
/* Our slot and index for frame pfn.  On the first miss, learns the slots of
 * the capabilities the kernel gave us at load (exos_page_caps_import); then
 * tries EXO_SYS_CAP_ACQUIRE(page, pfn). */
void exos_page_caps_import(void);
long exos_frame_cap_get(uint64_t pfn, uint32_t *first);
/* The index of frame pfn in the run of the initramfs's read-only capability
 * (EXO_CAP_INITRD, which the first environment holds: programs are mapped in
 * place from it), or -EXO_ENOENT. */
long exos_initrd_frame(uint64_t pfn);

/* Demand-zero: [va, va+len) (page-aligned) is mapped page by page with perm
 * on first touch, by the #PF policy.  Installs the exception upcall. */
long exos_vm_demand_zero(uint64_t va, size_t len, uint64_t perm);

/* Maps the npages at src also at dst, both read-only + EXOS_PTE_COW (one
 * EXO_SYS_MAP and one EXO_SYS_PROTECT per batch); the first write to either
 * copies.  The pages at src must be ones the libOS allocated (it needs their
 * capabilities).  Installs the exception upcall. */
long exos_vm_share_cow(uint64_t dst, uint64_t src, size_t npages);

/* The #PF policy, called by exos_exception_dispatch after the program's own
 * handler declined: demand-zero regions, then copy-on-write. */
int exos_vm_fault(struct exo_xframe *f, struct exos_regs *r);

/* Whether the entry for a #PF's address now allows the access that faulted.
 * Then it was served after the fault was raised, and the access only has to
 * run again: the kernel may deliver a prologue upcall (EXO_EV_RESUME after a
 * preemption) on top of the fault's frame before its handler's first
 * instruction, and that upcall's handler may write the same copy-on-write
 * page (ExOS's own .bss is one after a fork) and so copy it first; or the TLB
 * held a stale entry (x86 drops the faulting address's entry on a #PF).
 * exos_exception_dispatch checks this before any handler. */
bool exos_vm_fault_served(const struct exo_xframe *f);

/* Faults served so far. */
extern volatile uint64_t exos_vm_zero_faults, exos_vm_cow_faults;

/* For exos_env_main: a new environment forgets the parent's libOS state. */
void exos_vm_forget(void);
void exos_exceptions_forget(void);
/* A copy of our memory in a new environment (fork): register the same
 * exception entry and upcall events with the kernel. */
long exos_exceptions_rebind(void);

#endif
