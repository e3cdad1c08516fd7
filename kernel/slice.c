/* Time slices.  The CPU is a vector of EXO_NSLICES slices, each a timer tick
 * long, that sched.c runs round robin by position.  A slice is allocated to an
 * environment through a capability (EXO_CAP_SLICE, object = position) in the
 * allocator's table; when that capability dies the slice is free again.  The
 * slice ENV_START hands out by default is held by the kernel (root 0) and
 * lives as long as its owner.  Owners are exported in kinfo.slice_owner[]. */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/sched.h>

#include "captab.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "slice.h"

struct slice {
	struct env *env; /* the owner, for the scheduler: one load at every tick */
	uint32_t owner;  /* its id */
	uint32_t root;   /* capability node + 1 holding it; 0 = the kernel */
};

static struct slice slices[EXO_NSLICES];
uint64_t slice_used;

_Static_assert(EXO_NSLICES == 64, "slice_used is one 64-bit word");
_Static_assert(EXO_NSLICES == ARRAY_SIZE(kinfo_page.slice_owner), "kinfo.slice_owner");

static int first_free(void)
{
	return ~slice_used ? __builtin_ctzl(~slice_used) : -EXO_ENOSPC;
}

int slice_alloc(struct env *owner, uint64_t pos, uint32_t root)
{
	if (pos == EXO_SLICE_ANY) {
		int p = first_free();
		if (p < 0)
			return p;
		pos = (uint64_t)p;
	} else if (pos >= EXO_NSLICES) {
		return -EXO_EINVAL;
	} else if (slice_used & (1ul << pos)) {
		return -EXO_EBUSY;
	}
	slices[pos] = (struct slice){owner, owner->id, root};
	slice_used |= 1ul << pos;
	owner->slices |= 1ul << pos;
	kinfo_page.slice_owner[pos] = owner->id;
	owner->info->nslices++;
	return (int)pos;
}

void slice_release(uint64_t pos, uint32_t root)
{
	if (pos >= EXO_NSLICES || !(slice_used & (1ul << pos)) || slices[pos].root != root)
		return;
	struct env *owner = env_by_id(slices[pos].owner);
	if (owner) {
		owner->info->nslices--;
		owner->slices &= ~(1ul << pos);
	}
	slices[pos] = (struct slice){0, 0, 0};
	slice_used &= ~(1ul << pos);
	kinfo_page.slice_owner[pos] = 0;
}

void slice_release_all(struct env *e)
{
	for (uint64_t m = slice_used; m; m &= m - 1) {
		uint32_t pos = (uint32_t)__builtin_ctzl(m);
		if (slices[pos].owner != e->id)
			continue;
		if (slices[pos].root) /* its capabilities die with it */
			cap_destroy(&caps, slices[pos].root - 1, cap_unbind, 0);
		slice_release(pos, slices[pos].root);
	}
	e->info->nslices = 0;
	e->slices = 0;
}

/* A slice dies with its owner (env.c: slice_release_all), so the pointer
 * never outlives it. */
struct env *slice_owner(uint32_t pos)
{
	return slices[pos].env;
}

long sys_slice_alloc(uint64_t env_cap, uint64_t pos)
{
	int err;
	struct env *owner = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!owner)
		return err;
	int p = slice_alloc(owner, pos, 0);
	if (p < 0)
		return p;
	int slot = cap_create(&caps, curenv->slot, EXO_CAP_SLICE, EXO_RIGHTS_ALL, (uint64_t)p);
	if (slot < 0) {
		slice_release((uint64_t)p, 0);
		return slot;
	}
	slices[p].root =
	        (uint32_t)cap_lookup(&caps, curenv->slot, slot) + 1; /* the capability holds it */
	return slot;
}
