/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS), shm.c: pages of the
 * region every ExOS process shares (shared.c), mapped at the program's
 * address, inherited over fork as the same pages (never copy-on-write), and
 * the cross-process futex wakes over them.  See docs/libos.md, "Processes". */
#ifndef EXOS_LINUX_SHM_H
#define EXOS_LINUX_SHM_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/pred.h>

/* mmap: [lo, hi) (free, in program memory) becomes a region of new shared
 * memory with prot.  0, or -LINUX_ENOMEM (the region or the table is full). */
long linux_shm_map(uint64_t lo, uint64_t hi, uint32_t prot);
/* Does any of [lo, hi) hold shared memory? */
bool linux_shm_in(uint64_t lo, uint64_t hi);
/* Unmaps the shared pages of [lo, hi) and drops them from our table (their
 * memory goes when no process has them any more).  Called before mm.c's own
 * unmapping, which then finds nothing of them there.  -LINUX_ENOMEM (and
 * nothing done) if a hole would need a table entry there is no room for. */
long linux_shm_unmap(uint64_t lo, uint64_t hi);
/* mprotect of [lo, hi), all of it shared: maps our pages with prot again
 * (PROT_NONE: unmaps them, keeping the memory). */
long linux_shm_protect(uint64_t lo, uint64_t hi, uint32_t prot);
/* fork: every mapping gains (delta 1) or loses (-1) the child's reference,
 * before the snapshot; the child maps them with its own capability. */
void linux_shm_forked(int delta);
long linux_shm_after_fork(void);
/* exit and exec: every mapping goes. */
void linux_shm_drop_all(void);

/* futex: a wait on a word in shared memory also sleeps on the region's futex
 * sequence word, which every wake on shared memory moves (any process). */
bool linux_shm_futex_term(uint64_t uaddr, struct exo_pred_term *t);
void linux_shm_futex_woke(uint64_t uaddr);

#endif
