/* The CPU as a vector of time slices (include/exo/sched.h). */
#ifndef KERNEL_SLICE_H
#define KERNEL_SLICE_H

#include <stdint.h>

struct env;

/* Positions that have an owner, one bit each. */
extern uint64_t slice_used;

/* Gives `owner` the slice at pos (or the first free, EXO_SLICE_ANY); root is
 * the capability node + 1 that holds it, 0 for the kernel.  Returns the
 * position or -EXO_EBUSY / -EXO_EINVAL / -EXO_ENOSPC. */
int slice_alloc(struct env *owner, uint64_t pos, uint32_t root);
/* Frees pos if the capability node + 1 `root` holds it. */
void slice_release(uint64_t pos, uint32_t root);
/* Frees every slice e owns, revoking the capabilities for them. */
void slice_release_all(struct env *e);
/* The live owner of pos, or 0. */
struct env *slice_owner(uint32_t pos);

long sys_slice_alloc(uint64_t env_cap, uint64_t pos);

#endif
