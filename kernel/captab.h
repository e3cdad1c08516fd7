/* The kernel's capability system: one derivation tree, one table per
 * environment slot (cap.c holds the mechanism). */
#ifndef KERNEL_CAPTAB_H
#define KERNEL_CAPTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "pmem.h"

struct env;

extern struct cap_system caps;

/* The nodes' pool, for pmem_init; captab_init runs after it. */
extern const struct pmem_pool captab_pool;
void captab_init(void);
/* The node behind slot in e's table if it has `type` and all of `rights`;
 * else an error encoded in the pointer (IS_CAP_ERR / CAP_ERR): -EXO_EBADF for
 * a slot not in use, -EXO_EINVAL for the wrong type, -EXO_EPERM for rights. */
const struct cap_node *cap_of(const struct env *e, int64_t slot, uint32_t type, uint32_t rights);
#define IS_CAP_ERR(p) ((uintptr_t)(p) >= (uintptr_t)-4095)
#define CAP_ERR(p)    ((int)(intptr_t)(p))
uint32_t cap_node_index(const struct cap_node *n);
bool cap_node_has(uint32_t node_plus1, uint32_t rights);
/* The callback that undoes what a dying capability bound. */
void cap_unbind(struct cap_system *cs, uint32_t node, void *ctx);
/* At its holder's end: a page capability that others' mappings or
 * capabilities still depend on is kept (an orphan). */
bool cap_keep_page(const struct cap_system *cs, uint32_t node);

/* A new page (any, or frame `want`) owned by e through a root capability in
 * e's table; returns the slot and the frame. */
int cap_acquire_page(struct env *e, uint64_t want, uint64_t *pfn_out);

long sys_cap_acquire(uint64_t type, uint64_t arg);
long sys_cap_release(uint64_t slot);
long sys_page_alloc(uint64_t out, uint64_t n);
long sys_run_alloc(uint64_t out, uint64_t n, uint64_t flags);
long sys_cap_grant(uint64_t slot, uint64_t env_cap, uint64_t rights, uint64_t first,
                   uint64_t count);
long sys_cap_grant_at(uint64_t env_cap, uint64_t ops, uint64_t n);
/* Frees the orphans (cap.h) that lost their last binding or child. */
void captab_reap(void);
long sys_cap_revoke(uint64_t slot, uint64_t first, uint64_t count);
long sys_cap_info(uint64_t slot, uint64_t out);

#endif
