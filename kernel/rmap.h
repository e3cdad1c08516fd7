/* The reverse map: for every mapped physical page, which environment maps it
 * where, and through which capability.  Revoking a capability finds the
 * mappings made with it here. */
#ifndef KERNEL_RMAP_H
#define KERNEL_RMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Or'ed into a va: the mapping is a 2 MiB page at va & ~RMAP_LARGE, recorded
 * on its first frame only.  A record keeps the env slot in the bits below. */
#define RMAP_LARGE     0x800ul
#define RMAP_SLOT_MASK 0x7fful
/* A binding no capability made (the kernel's own pages, e.g. the u-area). */
#define RMAP_NO_NODE UINT32_MAX

#include "pmem.h"

/* The records' pool, for pmem_init. */
extern const struct pmem_pool rmap_pool;

int rmap_add(uint64_t pfn, uint16_t env_slot, uint64_t va, uint32_t node);
/* rmap_add for n pages at once: frames pfn.. mapped at va.. (one environment,
 * one capability node), with one call.  Returns how many it recorded: fewer
 * than n only when the pool runs out. */
uint64_t rmap_add_run(uint64_t pfn, uint16_t env_slot, uint64_t va, uint32_t node, uint64_t n);
/* Removes the record for (env_slot, va); returns its capability node + 1, or 0. */
uint32_t rmap_remove(uint64_t pfn, uint16_t env_slot, uint64_t va);
/* rmap_remove within the first RMAP_NEAR records of pfn's list (where the
 * last mapping made is): true if it found and removed the record. */
#define RMAP_NEAR 4
bool rmap_remove_near(uint64_t pfn, uint16_t env_slot, uint64_t va);
/* Removes every record of env_slot for pfn, in one walk; returns how many. */
uint32_t rmap_remove_env(uint64_t pfn, uint16_t env_slot);
/* A list of frames (a teardown's marks), kept in free records: right after
 * rmap_remove_env removed two or more, push always finds one.  push: false
 * when none is free; pop: a frame + 1, or 0 when the list is empty. */
bool rmap_mark_push(uint32_t *list, uint64_t pfn);
uint64_t rmap_mark_pop(uint32_t *list);
/* The capability node + 1 behind (env_slot, va), or 0. */
uint32_t rmap_find(uint64_t pfn, uint16_t env_slot, uint64_t va);
/* Removes every record made with node, calling unmap for each. */
void rmap_unbind_node(uint64_t pfn, uint32_t node, void (*unmap)(uint16_t env_slot, uint64_t va));

#endif
