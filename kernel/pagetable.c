/* Four-level page tables for environments.  The libOS decides what is mapped
 * where; the kernel only checks each request against the caller's capabilities
 * and records the binding (rmap.c) so revocation can undo it.
 *
 * Every address space shares three PML4 slots: 255 (the kernel, supervisor
 * only), 253 (pages the kernel exports read-only: gate, info, tables) and 254,
 * which points back at the PML4 itself, read-only, so the environment reads its
 * own page tables at EXO_UVPT without a kernel crossing (JOS's UVPT). */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/page.h>

#include "arch.h"
#include "cap.h"
#include "captab.h"
#include "env.h"
#include "kernel.h"
#include "pmem.h"
#include "rmap.h"
#include "uaccess.h"
#include "pagetable.h"
#include "x86.h"

extern uint64_t boot_pml4[512];

#define KERNEL_SLOT         255
#define UVPT_SLOT           254
#define EXPORT_SLOT         253
#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)
#define USER_PTE            (PTE_P | PTE_U)

uint64_t export_pml4e;
static uint64_t export_root; /* a PML4 page used only for slot 253's tree */

void vm_init(void)
{
	export_root = page_alloc(0, EXO_PAGE_KERNEL);
	if (!export_root)
		panic("out of memory for the exported tables");
}

void export_map(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = vm_walk(export_root, va, true, 0);
	if (!pte)
		panic("out of memory for the exported tables");
	*pte = pa | flags | USER_PTE;
	export_pml4e = ((uint64_t *)kva(export_root))[EXPORT_SLOT];
}

/* A physically contiguous range: one walk per page-table page, then a tight
 * loop over its entries. */
void export_map_range(uint64_t va, uint64_t pa, uint64_t bytes, uint64_t flags)
{
	for (uint64_t off = 0; off < bytes;) {
		uint64_t *pte = vm_walk(export_root, va + off, true, 0);
		if (!pte)
			panic("out of memory for the exported tables");
		uint64_t n = 512 - PT_INDEX(va + off, 0);
		for (uint64_t i = 0; i < n && off < bytes; i++, off += EXO_PAGE_SIZE)
			pte[i] = (pa + off) | flags | USER_PTE;
	}
	export_pml4e = ((uint64_t *)kva(export_root))[EXPORT_SLOT];
}

uint64_t vm_new_pml4(uint16_t owner)
{
	uint64_t pa = page_alloc(owner, EXO_PAGE_PT);
	if (pa) {
		uint64_t *t = kva(pa);
		t[KERNEL_SLOT] = boot_pml4[KERNEL_SLOT];
		t[EXPORT_SLOT] = export_pml4e;
		t[UVPT_SLOT] = pa | USER_PTE | PTE_NX;
	}
	return pa;
}

/* The leaf PTE for va, creating intermediate tables (owned by `owner`, or the
 * kernel's if 0) when asked.  Intermediate entries allow everything; the leaf
 * decides. */
uint64_t *vm_walk(uint64_t pml4, uint64_t va, bool create, uint16_t owner)
{
	uint64_t *table = kva(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[PT_INDEX(va, level)];
		if (!(*e & PTE_P)) {
			uint64_t pa =
			        create ? page_alloc(owner, owner ? EXO_PAGE_PT : EXO_PAGE_KERNEL)
			               : 0;
			if (!pa)
				return 0;
			*e = pa | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return 0; /* large pages belong to the kernel slot only */
		}
		table = kva(*e & PTE_ADDR_MASK);
	}
	return &table[PT_INDEX(va, 0)];
}

static void flush(struct env *e, uint64_t va)
{
	if (e == curenv)
		invlpg(va);
}

/* Clears a present PTE whose rmap record is already gone. */
static void clear_pte(struct env *e, uint64_t *pte, uint64_t va)
{
	page_info[PFN(*pte & PTE_ADDR_MASK)].refs--;
	*pte = 0;
	flush(e, va);
}

/* Binds pfn at *pte, va's entry in e, replacing what was there. */
static int map_pte(struct env *e, uint64_t *pte, uint64_t va, uint64_t pfn, uint64_t perm,
                   uint32_t node)
{
	if (*pte & PTE_P) {
		rmap_remove(PFN(*pte & PTE_ADDR_MASK), e->slot, va);
		clear_pte(e, pte, va);
	}
	if (rmap_add(pfn, e->slot, va, node))
		return -EXO_ENOMEM;
	*pte = PA(pfn) | perm | USER_PTE;
	page_info[pfn].refs++;
	return 0;
}

int vm_map(struct env *e, uint64_t va, uint64_t pfn, uint64_t perm, uint32_t node)
{
	uint64_t *pte = vm_walk(e->pml4, va, true, e->slot);
	if (!pte)
		return -EXO_ENOMEM;
	return map_pte(e, pte, va, pfn, perm, node);
}

void vm_unbind(uint16_t env_slot, uint64_t va)
{
	struct env *e = env_by_slot(env_slot);
	uint64_t *pte = e ? vm_walk(e->pml4, va, false, 0) : 0;
	if (pte && (*pte & PTE_P))
		clear_pte(e, pte, va);
}

/* A page whose rmap records for the environment being torn down are already
 * gone (set and cleared within vm_teardown, so no one else sees it). */
#define PAGE_RMAP_PURGED 0x80

/* Pass 1 (free = false): drops e's rmap records, one walk of each page's list
 * however often e maps the page (a page mapped N times would otherwise cost
 * N walks of an N-long list, with interrupts off).  Pass 2: drops the
 * references, clears the mark, frees the tables. */
static void teardown_table(struct env *e, uint64_t pa, int level, bool free)
{
	uint64_t *t = kva(pa);
	for (uint64_t i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level) {
			teardown_table(e, t[i] & PTE_ADDR_MASK, level - 1, free);
			continue;
		}
		struct exo_page *pg = &page_info[PFN(t[i] & PTE_ADDR_MASK)];
		if (!free && !(pg->flags & PAGE_RMAP_PURGED)) {
			rmap_remove_env(PFN(t[i] & PTE_ADDR_MASK), e->slot);
			pg->flags |= PAGE_RMAP_PURGED;
		} else if (free) {
			pg->flags &= (uint8_t)~PAGE_RMAP_PURGED;
			pg->refs--;
		}
	}
	if (free)
		page_free(pa);
}

void vm_teardown(struct env *e)
{
	uint64_t *t = kva(e->pml4);
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t i = 0; i < EXPORT_SLOT; i++)
			if (t[i] & PTE_P)
				teardown_table(e, t[i] & PTE_ADDR_MASK, 2, pass == 1);
	page_free(e->pml4);
	e->pml4 = 0;
}

int vm_each_page(struct env *e, uint64_t lo, uint64_t hi, vm_page_fn fn, void *ctx)
{
	if (hi > EXO_USER_TOP)
		hi = EXO_USER_TOP;
	for (uint64_t va = ROUNDDOWN(lo, EXO_PAGE_SIZE); va < hi;) {
		const uint64_t *table = kva(e->pml4);
		int level = 3;
		for (; level > 0; level--) {
			uint64_t ent = table[PT_INDEX(va, level)];
			if (!(ent & PTE_P) || (ent & PTE_PS))
				break;
			table = kva(ent & PTE_ADDR_MASK);
		}
		if (level > 0) { /* nothing below this entry: skip what it spans */
			uint64_t span = 1ul << (12 + 9 * level);
			va = ROUNDDOWN(va + span, span);
			continue;
		}
		uint64_t pte = table[PT_INDEX(va, 0)];
		if (pte & PTE_P) {
			int r = fn(e, va, pte, ctx);
			if (r)
				return r;
		}
		va += EXO_PAGE_SIZE;
	}
	return 0;
}

/* The leaf page table a batch last walked to: consecutive ops in the same
 * 2 MiB region reuse it instead of walking from the PML4 (issue 13: the walk
 * was most of a page's ring-0 instructions).  Valid for one call: page tables
 * are freed only when their environment is torn down. */
struct leaf_cache {
	uint64_t region; /* va >> LEAF_SHIFT */
	uint64_t *table; /* 0: nothing cached */
};

#define LEAF_SHIFT 21
#define LEAF_SPAN  (1ul << LEAF_SHIFT)

static uint64_t *leaf_pte(struct env *t, struct leaf_cache *c, uint64_t va)
{
	if (!c->table || va >> LEAF_SHIFT != c->region) {
		uint64_t *pte = vm_walk(t->pml4, va, true, t->slot);
		if (!pte)
			return 0;
		c->table = pte - PT_INDEX(va, 0);
		c->region = va >> LEAF_SHIFT;
	}
	return &c->table[PT_INDEX(va, 0)];
}

/* One map operation on behalf of curenv, with a capability from its table. */
static int map_one(struct env *target, struct leaf_cache *c, const struct exo_map_op *op)
{
	if (op->va & (EXO_PAGE_SIZE - 1) || !user_addr_ok(op->va) || op->perm & ~EXO_PERM_MASK)
		return -EXO_EINVAL;
	const struct cap_node *n = cap_of(curenv, op->cap, EXO_CAP_PAGE,
	                                  EXO_RIGHT_MAP | (op->perm & PTE_W ? EXO_RIGHT_WRITE : 0));
	if (IS_CAP_ERR(n))
		return CAP_ERR(n);
	uint64_t *pte = leaf_pte(target, c, op->va);
	if (!pte)
		return -EXO_ENOMEM;
	return map_pte(target, pte, op->va, n->object, op->perm, cap_node_index(n));
}

#define MAP_CHUNK 16

long sys_map(uint64_t env_cap, uint64_t ops, uint64_t n)
{
	int err;
	struct env *t = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_MAP, &err);
	if (!t)
		return err;
	if (n > EXO_MAP_BATCH)
		return -EXO_EINVAL;
	struct exo_map_op buf[MAP_CHUNK];
	struct leaf_cache cache = {0, 0};
	long done = 0;
	while ((uint64_t)done < n) {
		uint64_t chunk = n - done < MAP_CHUNK ? n - done : MAP_CHUNK;
		err = copy_from_user(curenv->pml4, buf, ops + done * sizeof(buf[0]),
		                     chunk * sizeof(buf[0]));
		for (uint64_t i = 0; !err && i < chunk; i++) {
			err = map_one(t, &cache, &buf[i]);
			if (!err)
				done++;
		}
		if (err)
			return done ? done : err;
	}
	return done;
}

static int check_range(uint64_t va, uint64_t npages)
{
	if (va & (EXO_PAGE_SIZE - 1) || npages > EXO_MAP_BATCH ||
	    !user_range_ok(va, npages * EXO_PAGE_SIZE))
		return -EXO_EINVAL;
	return 0;
}

/* The environment and range an UNMAP or PROTECT call names, or 0 and *err. */
static struct env *range_target(uint64_t env_cap, uint64_t va, uint64_t npages, int *err)
{
	struct env *t = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_MAP, err);
	if (t && (*err = check_range(va, npages)))
		return 0;
	return t;
}

/* The part of [va, end) in va's leaf page table: its first PTE, or 0 when the
 * table is absent (the part is skipped whole); *stop is where the part ends.
 * One walk per page-table page instead of one per page. */
static uint64_t *leaf_run(struct env *t, uint64_t va, uint64_t end, uint64_t *stop)
{
	uint64_t next = ROUNDDOWN(va, LEAF_SPAN) + LEAF_SPAN;
	*stop = next < end ? next : end;
	return vm_walk(t->pml4, va, false, 0);
}

long sys_unmap(uint64_t env_cap, uint64_t va, uint64_t npages)
{
	int err;
	struct env *t = range_target(env_cap, va, npages, &err);
	if (!t)
		return err;
	uint64_t stop;
	for (uint64_t end = va + npages * EXO_PAGE_SIZE; va < end; va = stop) {
		uint64_t *pte = leaf_run(t, va, end, &stop);
		for (uint64_t a = va; pte && a < stop; a += EXO_PAGE_SIZE, pte++) {
			if (!(*pte & PTE_P))
				continue;
			rmap_remove(PFN(*pte & PTE_ADDR_MASK), t->slot, a);
			clear_pte(t, pte, a);
		}
	}
	return 0;
}

/* Changing permissions keeps the page and its binding; making it writable
 * needs EXO_RIGHT_WRITE on the capability the binding was made with. */
long sys_protect(uint64_t env_cap, uint64_t va, uint64_t npages, uint64_t perm)
{
	int err;
	struct env *t = range_target(env_cap, va, npages, &err);
	if (!t)
		return err;
	if (perm & ~EXO_PERM_MASK)
		return -EXO_EINVAL;
	bool live = t == curenv; /* only the running address space has TLB entries */
	uint64_t stop;
	for (uint64_t end = va + npages * EXO_PAGE_SIZE; va < end; va = stop) {
		uint64_t *pte = leaf_run(t, va, end, &stop);
		for (uint64_t a = va; pte && a < stop; a += EXO_PAGE_SIZE, pte++) {
			if (!(*pte & PTE_P))
				continue;
			uint64_t pfn = PFN(*pte & PTE_ADDR_MASK);
			if (perm & PTE_W &&
			    !cap_node_has(rmap_find(pfn, t->slot, a), EXO_RIGHT_WRITE))
				return -EXO_EPERM;
			*pte = (*pte & PTE_ADDR_MASK) | perm | USER_PTE;
			if (live)
				invlpg(a);
		}
	}
	return 0;
}
