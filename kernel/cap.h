/* Capability bookkeeping: a table of slots per environment (holder) and a global
 * derivation tree over a pool of nodes, with transitive revocation.
 *
 * Pure, freestanding C: used by the kernel and unit-tested on the host. All state is
 * valid when zero-filled (it lives in .bss), so there is no initialisation loop.
 * Every operation is O(1) except revocation, which is O(size of the revoked subtree),
 * and cap_destroy_all, which is O(used slots + EXO_CAP_SLOTS / 64). Nothing recurses.
 *
 * Nodes are named by their index in the pool; links and table slots store index + 1,
 * with 0 meaning none/empty. A node is in at most one table slot. New capabilities go
 * into the lowest free slot of the holder's table (so the first one is slot 0). */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include <stdbool.h>
#include <stdint.h>
#include <exo/cap.h>   /* EXO_CAP_*, EXO_RIGHT_*, EXO_CAP_SLOTS */
#include <exo/errno.h> /* EXO_E* */

#define CAP_HOLDER_KERNEL 0xffff /* a node held by the kernel, in no table */
/* The slot of an orphan: a page capability whose holder ended while mappings
 * made with it, or capabilities derived from it, lived on elsewhere
 * (cap_destroy_all_keeping).  Held by the kernel until the last goes. */
#define CAP_SLOT_ORPHAN 0xffff

/* 64-bit words in a table's slot bitmap. */
#define CAP_MAP_WORDS (EXO_CAP_SLOTS / 64)
/* 64-bit words in the summary of full map words. */
#define CAP_FULL_WORDS ((CAP_MAP_WORDS + 63) / 64)

struct cap_node {
	uint32_t type;     /* EXO_CAP_*; EXO_CAP_NONE when free */
	uint32_t rights;   /* EXO_RIGHT_* */
	uint64_t object;   /* pfn (the first of a run), env id or slice position */
	uint32_t count;    /* frames in a page run (>= 1); 1 for other types */
	uint32_t bindings; /* mappings made with it (kept by the kernel: rmap.c) */
	uint32_t parent, first_child, next_sibling, prev_sibling; /* node index + 1, 0 = none */
	uint16_t holder; /* table index, or CAP_HOLDER_KERNEL */
	uint16_t slot;   /* slot in the holder's table */
};

struct cap_table {
	uint32_t slot[EXO_CAP_SLOTS];  /* node index + 1, 0 = empty */
	uint64_t map[CAP_MAP_WORDS];   /* bit s % 64 of word s / 64 set: slot s in use */
	uint64_t full[CAP_FULL_WORDS]; /* bit w % 64 of word w / 64 set: map[w] is all ones */
	uint32_t used;                 /* slots in use */
};

struct cap_system {
	struct cap_node *nodes;
	uint32_t nnodes;          /* pool */
	uint32_t bump, free_head; /* allocation: free_head = node index + 1 of a freed node
	                             (linked through next_sibling), else bump */
	struct cap_table *tables;
	uint32_t ntables;
	uint32_t live; /* nodes in use (for tests and stats) */
	/* Orphans (CAP_SLOT_ORPHAN), node indices; orphan_dirty: one of them may
	 * have lost its last binding or child since the last cap_reap. */
	uint32_t *orphans;
	uint32_t norphans, max_orphans;
	bool orphan_dirty;
};

/* Called for every node about to be destroyed by revoke/release, before its table slot
 * is cleared, so the kernel can undo bindings (page mappings) made with it. It may read
 * the node but must not call back into this module. Descendants are passed before their
 * ancestors. May be NULL. */
typedef void (*cap_unbind_fn)(struct cap_system *cs, uint32_t node, void *ctx);

/* O(1): just stores the pointers; pool and tables are assumed zero-filled. ntables is
 * capped at CAP_HOLDER_KERNEL so that no table index equals it. */
void cap_system_init(struct cap_system *cs, struct cap_node *pool, uint32_t npool,
                     struct cap_table *tables, uint32_t ntables);

/* A new root capability in holder's table: returns the slot (>= 0), or -EXO_EINVAL (holder
 * out of range, or type EXO_CAP_NONE), -EXO_EBUSY (table full), -EXO_ENOMEM (pool full). */
int cap_create(struct cap_system *cs, uint16_t holder, uint32_t type, uint32_t rights,
               uint64_t object);

/* The same for a run of `count` objects (page frames object .. object + count - 1);
 * -EXO_EINVAL also for count 0. */
int cap_create_run(struct cap_system *cs, uint16_t holder, uint32_t type, uint32_t rights,
                   uint64_t object, uint32_t count);

/* A root held by the kernel itself; returns node index + 1 (> 0), or -EXO_EINVAL (type
 * EXO_CAP_NONE) or -EXO_ENOMEM. */
int64_t cap_create_kernel(struct cap_system *cs, uint32_t type, uint32_t rights, uint64_t object);

/* Derives a child of node `parent` (node index) into holder's table with `rights`, which
 * must be a subset of the parent's rights. Returns the slot, or -EXO_EINVAL (parent not a
 * live node, holder out of range), -EXO_EPERM (rights not a subset), -EXO_EBUSY (table
 * full), -EXO_ENOMEM (pool full). Does NOT check EXO_RIGHT_GRANT: the caller does. */
int cap_derive(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights);

/* The same for part of the parent's run: objects [first, first + count) of it (count 0:
 * the whole run).  -EXO_EINVAL also when that part is not inside the parent's run. */
int cap_derive_part(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights,
                    uint64_t first, uint64_t count);

/* The node index for (holder, slot), or -1 if holder or slot is out of range or the slot
 * is empty. */
static inline int64_t cap_lookup(const struct cap_system *cs, uint16_t holder, int64_t slot)
{
	if ((uint64_t)slot >= EXO_CAP_SLOTS || holder >= cs->ntables)
		return -1;
	return (int64_t)cs->tables[holder].slot[slot] - 1;
}

/* Destroys every descendant of node (not node itself), calling unbind for each exactly
 * once (children before parents), clearing their table slots and freeing them. Returns
 * how many, or -EXO_EINVAL if node is not a live node. */
int cap_revoke(struct cap_system *cs, uint32_t node, cap_unbind_fn unbind, void *ctx);

/* Partial revocation: destroys every child of node (with its descendants) whose run
 * shares an object with objects [first, first + count) of node's run; the others
 * keep theirs.  Only children need checking: a descendant's run lies inside its
 * parent's.  Returns how many capabilities died, or -EXO_EINVAL (node not live, or
 * the part not inside its run). */
int cap_revoke_part(struct cap_system *cs, uint32_t node, uint64_t first, uint64_t count,
                    cap_unbind_fn unbind, void *ctx);

/* Revokes node's descendants, then destroys node itself (unbind called for it too, last),
 * clearing its slot and unlinking it from its parent. Returns 0, or -EXO_EINVAL if node is
 * not a live node. */
int cap_destroy(struct cap_system *cs, uint32_t node, cap_unbind_fn unbind, void *ctx);

/* Destroys every capability in holder's table and everything derived from them, wherever
 * held (environment teardown). Does nothing if holder is out of range. */
void cap_destroy_all(struct cap_system *cs, uint16_t holder, cap_unbind_fn unbind, void *ctx);

/* Decides, at its holder's end, whether node must outlive it (an orphan). */
typedef bool (*cap_keep_fn)(const struct cap_system *cs, uint32_t node);

/* Where orphans are listed (max entries, zero-filled); without it none is kept. */
void cap_orphans_init(struct cap_system *cs, uint32_t *list, uint32_t max);

/* cap_destroy_all, except that a node for which keep() is true (and for
 * which the orphan list has room; keep may be NULL: none) is not destroyed: it leaves its slot and
 * becomes an orphan held by the kernel, with its children and the bindings
 * made with it, until cap_reap finds it has neither (a forked process's
 * pages outlive its parent, docs/libos.md). */
void cap_destroy_all_keeping(struct cap_system *cs, uint16_t holder, cap_unbind_fn unbind,
                             cap_keep_fn keep, void *ctx);

/* Marks that an orphan may have lost its last binding (the kernel's rmap). */
static inline void cap_binding_gone(struct cap_system *cs, uint32_t node)
{
	if (cs->nodes[node].slot == CAP_SLOT_ORPHAN && cs->nodes[node].bindings == 0)
		cs->orphan_dirty = true;
}

/* Frees every orphan without bindings or children (unbind called for each,
 * as by a destroy), and then those that this left childless.  Returns how
 * many were freed. */
int cap_reap(struct cap_system *cs, cap_unbind_fn unbind, void *ctx);

/* cap_derive_part into a chosen slot of holder's table: -EXO_EBUSY if that
 * slot is in use, -EXO_EINVAL if it is out of range; else as cap_derive_part. */
int cap_derive_at(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights,
                  uint64_t first, uint64_t count, int slot);

#endif
