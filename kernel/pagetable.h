/* Page tables of environments, written only through checked calls. */
#ifndef KERNEL_PAGETABLE_H
#define KERNEL_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

struct env;

void vm_init(void); /* builds the exported slot shared by every address space */
/* An address space with the kernel slot, the exported slot and its own page
 * tables visible read-only at EXO_UVPT; owned (page-table pages) by env id. */
uint64_t vm_new_pml4(uint16_t owner);
uint64_t *vm_walk(uint64_t pml4, uint64_t va, bool create, uint16_t owner);

/* Maps pfn at va in e, recording that capability node made the binding;
 * replaces what was there.  0 or -EXO_ENOMEM. */
int vm_map(struct env *e, uint64_t va, uint64_t pfn, uint64_t perm, uint32_t node);
/* vm_map of frames [pfn, pfn + n) at [va, va + n pages): one walk per leaf
 * table, not per page (the loader's runs, load.c). */
int vm_map_run(struct env *e, uint64_t va, uint64_t pfn, uint64_t n, uint64_t perm, uint32_t node);
/* Drops every user mapping and frees e's page tables (not the pages mapped:
 * those belong to capabilities). */
void vm_teardown(struct env *e);
/* Calls fn for each present page in [lo, hi) of e's user space, skipping
 * absent page tables whole; stops at the first nonzero return and returns it. */
typedef int (*vm_page_fn)(struct env *e, uint64_t va, uint64_t pte, void *ctx);
int vm_each_page(struct env *e, uint64_t lo, uint64_t hi, vm_page_fn fn, void *ctx);
/* Unmaps (env slot, va) when the capability behind it is revoked. */
void vm_unbind(uint16_t env_slot, uint64_t va);

/* Translations kept across calls (wakeup predicates) are good only while no
 * mapping they rely on went away or lost its user bit: an environment's
 * vm_gen (env.h) moves when one of its entries is cleared or replaced, a
 * PROTECT makes pages hidden, or its tables are torn down; vm_export_gen
 * when an exported page is (re)mapped.  Only losses count: a new mapping
 * cannot invalidate a translation made earlier. */
extern uint64_t vm_export_gen;

/* Exported pages every address space maps (export.c). */
void export_map(uint64_t va, uint64_t pa, uint64_t flags);
void export_map_range(uint64_t va, uint64_t pa, uint64_t bytes, uint64_t flags);
/* The page-info table (pmem.c) at va: pa and va 2 MiB-aligned. */
void export_map_table(uint64_t va, uint64_t pa, uint64_t bytes);
extern uint64_t export_pml4e;

long sys_map(uint64_t env_cap, uint64_t ops, uint64_t n);
long sys_unmap(uint64_t env_cap, uint64_t va, uint64_t npages);
long sys_protect(uint64_t env_cap, uint64_t va, uint64_t npages, uint64_t perm);

#endif
