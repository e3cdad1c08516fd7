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

/* The bits the kernel adds to a map or protect call's perm: present, and
 * user-accessible unless the libOS asks for a hidden entry. */
static inline uint64_t entry_bits(uint64_t perm)
{
	return perm & EXO_PTE_HIDDEN ? PTE_P : USER_PTE;
}

uint64_t export_pml4e;
uint64_t vm_export_gen;
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
	vm_export_gen++; /* it may replace an exported page */
	export_pml4e = ((uint64_t *)kva(export_root))[EXPORT_SLOT];
}

/* The page-directory entry for va in the exported tree, creating the tables
 * above it. */
static uint64_t *export_pde(uint64_t va)
{
	uint64_t *table = kva(export_root);
	for (int level = 3; level > 1; level--) {
		uint64_t *e = &table[PT_INDEX(va, level)];
		if (!(*e & PTE_P)) {
			uint64_t pa = page_alloc(0, EXO_PAGE_KERNEL);
			if (!pa)
				panic("out of memory for the exported tables");
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		table = kva(*e & PTE_ADDR_MASK);
	}
	return &table[PT_INDEX(va, 1)];
}

/* A physically contiguous range: a 2 MiB page wherever va and pa allow one
 * (the initramfs: exosim places and pads it for that, hostsim/pvh.c), else one
 * walk per page-table page and a tight loop over its entries.  Every entry
 * written costs ~1-2 us in emulated ring 0 (a 2.6 MB archive took ~15 ms). */
void export_map_range(uint64_t va, uint64_t pa, uint64_t bytes, uint64_t flags)
{
	const uint64_t large = 2ul << 20;
	for (uint64_t off = 0; off < bytes;) {
		uint64_t *pde;
		if (!((va + off) & (large - 1)) && !((pa + off) & (large - 1)) &&
		    bytes - off >= large && !(*(pde = export_pde(va + off)) & PTE_P)) {
			*pde = (pa + off) | flags | PTE_PS | USER_PTE;
			off += large;
			continue;
		}
		uint64_t *pte = vm_walk(export_root, va + off, true, 0);
		if (!pte)
			panic("out of memory for the exported tables");
		uint64_t n = 512 - PT_INDEX(va + off, 0);
		for (uint64_t i = 0; i < n && off < bytes; i++, off += EXO_PAGE_SIZE)
			pte[i] = (pa + off) | flags | USER_PTE;
	}
	vm_export_gen++; /* it may replace exported pages */
	export_pml4e = ((uint64_t *)kva(export_root))[EXPORT_SLOT];
}

/* The page-info table, 2 MiB-aligned at both ends: one entry per 2 MiB (each
 * describes a gigabyte of frames), so that boot does not pay ~1.5 us for each
 * of 512 4 KiB entries per gigabyte of RAM.  A gigabyte without RAM gets
 * pmem_hole_pt (boot.S, pmem.c); a tail shorter than 2 MiB gets 4 KiB pages. */
void export_map_table(uint64_t va, uint64_t pa, uint64_t bytes)
{
	extern uint64_t pmem_hole_pt[512];
	const uint64_t chunk = 2ul << 20;
	uint64_t off = 0;
	uint64_t *pde = 0;
	for (; bytes - off >= chunk; off += chunk, pde++) {
		if (!pde || !PT_INDEX(va + off, 1))
			pde = export_pde(va + off); /* once per gigabyte of table */
		if (pmem_table_chunk_is_hole(off / chunk))
			*pde = kpa(pmem_hole_pt) | USER_PTE;
		else
			*pde = (pa + off) | PTE_PS | PTE_NX | USER_PTE;
	}
	if (off < bytes)
		export_map_range(va + off, pa + off, bytes - off, PTE_NX);
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

#define LEAF_SHIFT 21
#define LEAF_SPAN  (1ul << LEAF_SHIFT)

/* Where a table's present entries may be: bit k of its page-info large_refs
 * (a table is never mapped as a 2 MiB page) covers entries 32k..32k+31.  Set
 * whenever an entry there becomes present and never cleared (a stale bit only
 * costs a look), so teardown scans only the chunks named: a scan of all 512
 * entries of each table was ~1300 emulated instructions, ~20 tables a forked
 * child.  Every store that makes an entry present goes with a table_mark. */
static inline void table_mark(const uint64_t *entry, uint64_t n)
{
	uint64_t i = ((uint64_t)entry & (EXO_PAGE_SIZE - 1)) / 8, last = i + n - 1;
	uint32_t bits = (2u << (last / 32)) - (1u << (i / 32));
	page_info[PFN(kpa(entry))].large_refs |= (uint16_t)bits;
}

/* The entry for va at `level` (0: the PTE, 1: the page-directory entry),
 * creating the tables above it (owned by `owner`, or the kernel's if 0) when
 * asked.  Intermediate entries allow everything; the leaf decides.  0 with
 * *err: -EXO_ENOMEM (no table, none made) or -EXO_EBUSY (a 2 MiB page is
 * mapped where a table would be). */
static uint64_t *walk_to(uint64_t pml4, uint64_t va, int level, bool create, uint16_t owner,
                         int *err)
{
	uint64_t *table = kva(pml4);
	for (int l = 3; l > level; l--) {
		uint64_t *e = &table[PT_INDEX(va, l)];
		if (!(*e & PTE_P)) {
			uint64_t pa =
			        create ? page_alloc(owner, owner ? EXO_PAGE_PT : EXO_PAGE_KERNEL)
			               : 0;
			if (!pa) {
				*err = -EXO_ENOMEM;
				return 0;
			}
			*e = pa | PTE_P | PTE_W | PTE_U;
			table_mark(e, 1);
		} else if (*e & PTE_PS) {
			*err = -EXO_EBUSY;
			return 0;
		}
		table = kva(*e & PTE_ADDR_MASK);
	}
	return &table[PT_INDEX(va, level)];
}

uint64_t *vm_walk(uint64_t pml4, uint64_t va, bool create, uint16_t owner)
{
	int err;
	return walk_to(pml4, va, 0, create, owner, &err);
}

static void flush(struct env *e, uint64_t va)
{
	if (e == curenv)
		invlpg(va);
}

/* How many of a leaf table's entries are present: kept in its page-info
 * entry, so a 2 MiB mapping can replace an empty table without a scan. */
static uint16_t *table_used(const uint64_t *pte)
{
	return &page_info[PFN(kpa(pte))].refs;
}

/* Clears a present PTE whose rmap record is already gone. */
static void clear_pte(struct env *e, uint64_t *pte, uint64_t va)
{
	page_info[PFN(*pte & PTE_ADDR_MASK)].refs--;
	(*table_used(pte))--;
	*pte = 0;
	e->vm_gen++;
	flush(e, va);
}

/* A mapping's entry carries PTE_KERNEL_W (a bit the MMU ignores) when the
 * capability that made it has EXO_RIGHT_WRITE, so PROTECT can make it
 * writable without looking the binding up in the rmap.  Rights never grow, and
 * a capability that dies takes its mappings with it, so the bit stays true. */
static uint64_t kernel_bits(uint32_t node)
{
	return node == RMAP_NO_NODE || cap_node_has(node + 1, EXO_RIGHT_WRITE) ? PTE_KERNEL_W : 0;
}

/* Binds pfn at *pte, va's entry in e, replacing what was there; perm
 * includes kernel_bits(node). */
static int map_pte(struct env *e, uint64_t *pte, uint64_t va, uint64_t pfn, uint64_t perm,
                   uint32_t node)
{
	if (*pte & PTE_P) {
		rmap_remove(PFN(*pte & PTE_ADDR_MASK), e->slot, va);
		clear_pte(e, pte, va);
	}
	if (rmap_add(pfn, e->slot, va, node))
		return -EXO_ENOMEM;
	*pte = PA(pfn) | perm | entry_bits(perm);
	page_info[pfn].refs++;
	(*table_used(pte))++;
	table_mark(pte, 1);
	return 0;
}

int vm_map(struct env *e, uint64_t va, uint64_t pfn, uint64_t perm, uint32_t node)
{
	uint64_t *pte = vm_walk(e->pml4, va, true, e->slot);
	if (!pte)
		return -EXO_ENOMEM;
	return map_pte(e, pte, va, pfn, perm | kernel_bits(node), node);
}

/* ---- 2 MiB pages: one page-directory entry, one rmap record (on the first
 * frame, marked RMAP_LARGE), counted in the first frame's large_refs ---- */

static void clear_pde(struct env *e, uint64_t *pde, uint64_t va)
{
	page_info[PFN(*pde & PTE_ADDR_MASK)].large_refs--;
	*pde = 0;
	e->vm_gen++;
	flush(e, va);
}

static void unmap_large(struct env *e, uint64_t *pde, uint64_t va)
{
	rmap_remove(PFN(*pde & PTE_ADDR_MASK), e->slot, va | RMAP_LARGE);
	clear_pde(e, pde, va);
}

/* Maps the 2 MiB run at pfn at va, replacing a 2 MiB mapping or an empty
 * leaf table there; a table still mapping pages is -EXO_EBUSY. */
static int map_large(struct env *e, uint64_t va, uint64_t pfn, uint64_t perm, uint32_t node)
{
	int err;
	uint64_t *pde = walk_to(e->pml4, va, 1, true, e->slot, &err);
	if (!pde)
		return err;
	if (*pde & PTE_PS) {
		unmap_large(e, pde, va);
	} else if (*pde & PTE_P) {
		uint64_t table = *pde & PTE_ADDR_MASK;
		if (page_info[PFN(table)].refs)
			return -EXO_EBUSY;
		*pde = 0;
		flush(e, va); /* the paging-structure caches may hold the old table */
		page_free(table);
	}
	if (rmap_add(pfn, e->slot, va | RMAP_LARGE, node))
		return -EXO_ENOMEM;
	*pde = PA(pfn) | perm | entry_bits(perm) | PTE_PS;
	page_info[pfn].large_refs++;
	table_mark(pde, 1);
	return 0;
}

void vm_unbind(uint16_t env_slot, uint64_t va)
{
	struct env *e = env_by_slot(env_slot);
	int err;
	if (!e)
		return;
	if (va & RMAP_LARGE) {
		va &= ~RMAP_LARGE;
		uint64_t *pde = walk_to(e->pml4, va, 1, false, 0, &err);
		if (pde && (*pde & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS))
			clear_pde(e, pde, va);
		return;
	}
	uint64_t *pte = vm_walk(e->pml4, va, false, 0);
	if (pte && (*pte & PTE_P))
		clear_pte(e, pte, va);
}

/* A frame whose records for the environment being torn down all went at
 * once (set and cleared within vm_teardown, so no one else sees it): its
 * other entries skip the rmap, so a page mapped N times costs one walk of its
 * list, not N walks of an N-long list with interrupts off. */
#define PAGE_RMAP_PURGED 0x80

/* A teardown's state: whose, and the frames marked PAGE_RMAP_PURGED. */
struct teardown {
	uint16_t slot;
	uint32_t marked; /* rmap_mark_push's list */
};

/* One mapped frame at teardown, the entry for va: drops its rmap record and
 * its reference.  The record is nearly always at its list's head (the last
 * mapping made: a forked child's, over its parent's), so it is looked for
 * there first (rmap_remove_near); past that, every record of ours for the
 * frame goes in one walk and the frame is marked. */
static inline __attribute__((always_inline)) void
teardown_frame(struct teardown *td, uint64_t entry, uint64_t va, bool large)
{
	uint64_t pfn = PFN(entry & PTE_ADDR_MASK);
	struct exo_page *pg = &page_info[pfn];
	if (large)
		pg->large_refs--;
	else
		pg->refs--;
	if (pg->flags & PAGE_RMAP_PURGED ||
	    rmap_remove_near(pfn, td->slot, large ? va | RMAP_LARGE : va))
		return;
	if (rmap_remove_env(pfn, td->slot) > 1 && rmap_mark_push(&td->marked, pfn))
		pg->flags |= PAGE_RMAP_PURGED;
}

/* The present entries of table t, which maps from va, in the chunks its
 * summary names (table_mark), eight absent entries skipped at a time; level 0
 * is a leaf table, 1 a page directory (2 MiB pages or leaf tables), 2 and 3
 * above.  Frees every table below t, not t.  (A forked child's sparse tables
 * were most of its teardown: ~116k emulated ring-0 instructions a fork when
 * every entry of every table was looked at twice, ~32k now.) */
static void teardown_table(struct teardown *td, uint64_t *t, uint64_t va, int level)
{
	const int shift = 12 + 9 * level;
	uint32_t chunks = page_info[PFN(kpa(t))].large_refs;
	for (; chunks; chunks &= chunks - 1) {
		uint64_t i = (uint64_t)__builtin_ctz(chunks) * 32;
		for (uint64_t end = i + 32; i < end; i++) {
			if (!(i & 7) && !((t[i] | t[i + 1] | t[i + 2] | t[i + 3] | t[i + 4] |
			                   t[i + 5] | t[i + 6] | t[i + 7]) &
			                  PTE_P)) {
				i += 7;
				continue;
			}
			uint64_t ent = t[i];
			if (!(ent & PTE_P))
				continue;
			if (level == 0 || (level == 1 && (ent & PTE_PS))) {
				teardown_frame(td, ent, va + (i << shift), level == 1);
				continue;
			}
			teardown_table(td, kva(ent & PTE_ADDR_MASK), va + (i << shift), level - 1);
			page_free(ent & PTE_ADDR_MASK);
		}
	}
}

/* One pass over e's tables (each entry is looked at once). */
void vm_teardown(struct env *e)
{
	uint64_t *t = kva(e->pml4);
	struct teardown td = {e->slot, 0};
	for (uint64_t i = 0; i < EXPORT_SLOT; i++) {
		if (t[i] & PTE_P) {
			teardown_table(&td, kva(t[i] & PTE_ADDR_MASK), i << 39, 2);
			page_free(t[i] & PTE_ADDR_MASK);
		}
	}
	for (uint64_t pfn; (pfn = rmap_mark_pop(&td.marked));)
		page_info[pfn - 1].flags &= (uint8_t)~PAGE_RMAP_PURGED;
	page_free(e->pml4);
	e->pml4 = 0;
	e->vm_gen++;
}

int vm_each_page(struct env *e, uint64_t lo, uint64_t hi, vm_page_fn fn, void *ctx)
{
	if (hi > EXO_USER_TOP)
		hi = EXO_USER_TOP;
	for (uint64_t va = ROUNDDOWN(lo, EXO_PAGE_SIZE); va < hi;) {
		const uint64_t *table = kva(e->pml4);
		int level = 3;
		uint64_t ent = 0;
		for (; level > 0; level--) {
			ent = table[PT_INDEX(va, level)];
			if (!(ent & PTE_P) || (ent & PTE_PS))
				break;
			table = kva(ent & PTE_ADDR_MASK);
		}
		uint64_t span = 1ul << (12 + 9 * level);
		if (level == 1 && (ent & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS)) {
			int r = fn(e, ROUNDDOWN(va, span), ent, ctx); /* a 2 MiB page */
			if (r)
				return r;
		}
		if (level > 0) { /* nothing below this entry: skip what it spans */
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
 * was most of a page's ring-0 instructions).  Valid while no 2 MiB mapping
 * replaces a table, so map_large drops it. */
struct leaf_cache {
	uint64_t region; /* va >> LEAF_SHIFT */
	uint64_t *table; /* 0: nothing cached */
};

static uint64_t *leaf_pte(struct env *t, struct leaf_cache *c, uint64_t va, int *err)
{
	if (!c->table || va >> LEAF_SHIFT != c->region) {
		uint64_t *pte = walk_to(t->pml4, va, 0, true, t->slot, err);
		if (!pte)
			return 0;
		c->table = pte - PT_INDEX(va, 0);
		c->region = va >> LEAF_SHIFT;
	}
	return &c->table[PT_INDEX(va, 0)];
}

/* Frames [pfn, pfn + n) at va.. in one leaf table (n within it), none of
 * them mapped there yet: one rmap call, then a tight loop over the entries.
 * The per-page path (map_pte, a call to rmap_add each) cost ~90 emulated
 * ring-0 instructions a page, ~250 us here; this one ~15. */
static int map_fresh_entries(struct env *e, uint64_t *pte, uint64_t va, uint64_t pfn, uint64_t n,
                             uint64_t perm, uint32_t node)
{
	uint64_t done = rmap_add_run(pfn, e->slot, va, node, n);
	struct exo_page *info = &page_info[pfn]; /* a local: the stores cannot move it */
	uint64_t entry = PA(pfn) | perm | entry_bits(perm);
	for (uint64_t i = 0; i < done; i++, entry += EXO_PAGE_SIZE) {
		pte[i] = entry;
		info[i].refs++;
	}
	*table_used(pte) += (uint16_t)done;
	if (done)
		table_mark(pte, done);
	return done == n ? 0 : -EXO_ENOMEM;
}

/* vm_map_run's work, with the caller's leaf cache: per leaf table, the
 * entries not yet present go in batches; a present one is replaced page by
 * page (map_pte). */
static int map_run(struct env *e, struct leaf_cache *c, uint64_t va, uint64_t pfn, uint64_t n,
                   uint64_t perm, uint32_t node)
{
	int err = 0;
	while (n) {
		uint64_t *pte = leaf_pte(e, c, va, &err);
		if (!pte)
			return err;
		uint64_t k = 512 - PT_INDEX(va, 0), fresh = 0;
		if (k > n)
			k = n;
		if (!*table_used(pte)) /* a table with nothing mapped: no need to look */
			fresh = k;
		while (fresh < k && !(pte[fresh] & PTE_P))
			fresh++;
		if (fresh)
			err = map_fresh_entries(e, pte, va, pfn, fresh, perm, node);
		else
			err = map_pte(e, pte, va, pfn, perm, node), fresh = 1;
		if (err)
			return err;
		va += fresh * EXO_PAGE_SIZE;
		pfn += fresh;
		n -= fresh;
	}
	return 0;
}

int vm_map_run(struct env *e, uint64_t va, uint64_t pfn, uint64_t n, uint64_t perm, uint32_t node)
{
	struct leaf_cache c = {0, 0};
	return map_run(e, &c, va, pfn, n, perm | kernel_bits(node), node);
}

/* The page-table entries an op writes: one per page, or per 2 MiB page. */
static uint64_t op_entries(const struct exo_map_op *op)
{
	return op->flags & EXO_MAP_LARGE ? op->npages / EXO_LARGE_PAGES : op->npages;
}

/* An op's own fields, before any capability is looked at. */
static int op_ok(const struct exo_map_op *op)
{
	bool large = op->flags & EXO_MAP_LARGE;
	uint64_t unit = large ? EXO_LARGE_PAGES : 1;
	if (op->flags & ~(uint32_t)EXO_MAP_LARGE || op->npages == 0 || op->npages % unit ||
	    op->va % (unit * EXO_PAGE_SIZE) || op->perm & ~EXO_PERM_MASK ||
	    !user_range_ok(op->va, (uint64_t)op->npages * EXO_PAGE_SIZE))
		return -EXO_EINVAL;
	return 0;
}

/* One map op on behalf of curenv, with a capability from its table: one
 * check of the capability for the whole run of frames. */
static int map_op(struct env *target, struct leaf_cache *c, const struct exo_map_op *op)
{
	int err = op_ok(op);
	if (err)
		return err;
	const struct cap_node *n = cap_of(curenv, op->cap, EXO_CAP_PAGE,
	                                  EXO_RIGHT_MAP | (op->perm & PTE_W ? EXO_RIGHT_WRITE : 0));
	if (IS_CAP_ERR(n))
		return CAP_ERR(n);
	if (op->first >= n->count || op->npages > n->count - op->first)
		return -EXO_EPERM; /* frames the capability does not name */
	uint64_t pfn = n->object + op->first;
	uint32_t node = cap_node_index(n);
	uint64_t perm =
	        op->perm | (n->rights & EXO_RIGHT_WRITE ? PTE_KERNEL_W : 0); /* kernel_bits */
	if (op->flags & EXO_MAP_LARGE) {
		if (pfn % EXO_LARGE_PAGES)
			return -EXO_EINVAL;
		c->table = 0;
		for (uint64_t i = 0; i < op->npages; i += EXO_LARGE_PAGES)
			if ((err = map_large(target, op->va + i * EXO_PAGE_SIZE, pfn + i, perm,
			                     node)))
				return err;
		return 0;
	}
	return map_run(target, c, op->va, pfn, op->npages, perm, node);
}

#define MAP_CHUNK 16

/* The environment MAP, UNMAP and PROTECT act on: env_from_cap(curenv, cap,
 * EXO_RIGHT_MAP), with the common case inline: a libOS naming itself (its
 * slot 0).  A live ENV capability with MAP that names the caller is the
 * caller; anything else takes env_from_cap's path, errors included.  The
 * two out-of-line lookups were ~60 of a 1-page PROTECT's ~280 ring-0
 * instructions. */
static inline __attribute__((always_inline)) struct env *map_target(uint64_t cap, int *err)
{
	int64_t i = cap_lookup(&caps, curenv->slot, (int64_t)cap);
	if (i >= 0) {
		const struct cap_node *n = &caps.nodes[i];
		if (n->type == EXO_CAP_ENV && (n->rights & EXO_RIGHT_MAP) &&
		    n->object == curenv->id)
			return curenv;
	}
	return env_from_cap(curenv, (int64_t)cap, EXO_RIGHT_MAP, err);
}

static long map_ops(uint64_t env_cap, uint64_t ops, uint64_t n)
{
	int err;
	struct env *t = map_target(env_cap, &err);
	if (!t)
		return err;
	if (n > EXO_MAP_BATCH)
		return -EXO_EINVAL;
	struct exo_map_op buf[MAP_CHUNK];
	struct leaf_cache cache = {0, 0};
	uint64_t budget = EXO_MAP_BATCH; /* entries this call may still write */
	long done = 0;
	while ((uint64_t)done < n) {
		uint64_t chunk = n - done < MAP_CHUNK ? n - done : MAP_CHUNK;
		err = copy_from_user(curenv->pml4, buf, ops + done * sizeof(buf[0]),
		                     chunk * sizeof(buf[0]));
		for (uint64_t i = 0; !err && i < chunk; i++) {
			uint64_t entries = op_entries(&buf[i]);
			if (entries > budget)
				return done ? done : -EXO_EINVAL;
			err = map_op(t, &cache, &buf[i]);
			if (!err) {
				done++;
				budget -= entries;
			}
		}
		if (err)
			return done ? done : err;
	}
	return done;
}

/* A mapping replaced may have been an orphan's last (cap.h). */
long sys_map(uint64_t env_cap, uint64_t ops, uint64_t n)
{
	long r = map_ops(env_cap, ops, n);
	captab_reap();
	return r;
}

static int check_range(uint64_t va, uint64_t npages)
{
	if (va & (EXO_PAGE_SIZE - 1) || npages > EXO_RANGE_MAX ||
	    !user_range_ok(va, npages * EXO_PAGE_SIZE))
		return -EXO_EINVAL;
	return 0;
}

/* The environment and range an UNMAP or PROTECT call names, or 0 and *err. */
static struct env *range_target(uint64_t env_cap, uint64_t va, uint64_t npages, int *err)
{
	struct env *t = map_target(env_cap, err);
	if (t && (*err = check_range(va, npages)))
		return 0;
	return t;
}

/* What UNMAP and PROTECT do to each present entry of their range.  leaf, if
 * set, does a whole run of one leaf table's entries at once (when the call's
 * budget covers them all), with no flush: the caller reloads CR3 afterwards. */
struct range_op {
	bool (*page)(struct env *t, uint64_t *pte, uint64_t va, uint64_t perm); /* false: EPERM */
	bool (*large)(struct env *t, uint64_t *pde, uint64_t va, uint64_t perm);
	long (*leaf)(uint64_t *pte, uint64_t n, uint64_t va,
	             uint64_t perm); /* present, -1: EPERM */
	uint64_t perm;
};

/* Past this many pages, an UNMAP or PROTECT of the running environment
 * flushes the TLB once, with a CR3 reload, instead of one invlpg per entry.
 * Each invlpg is an emulated instruction and a hypervisor exit on KVM on PVM
 * (~1.6 µs, as much as the reload); Linux draws the same line at 33 pages
 * (tlb_single_page_flush_ceiling).  Global (kernel) entries survive. */
#define FLUSH_CEILING 32

static bool flush_whole(const struct env *t, uint64_t npages)
{
	return t == curenv && npages > FLUSH_CEILING;
}

static void flush_all(void)
{
	lcr3(rcr3());
}

/* Applies op to the present entries of [va, va + npages pages) in t: one walk
 * per 2 MiB region, absent tables skipped whole.  A 2 MiB page must lie
 * inside the range.  Returns the pages covered, fewer when EXO_MAP_BATCH
 * present entries were changed first (the caller calls again), or an error
 * (nothing after the failing entry was changed). */
static inline __attribute__((always_inline)) long
range_apply(struct env *t, uint64_t va, uint64_t npages, const struct range_op *op)
{
	uint64_t start = va, end = va + npages * EXO_PAGE_SIZE, budget = EXO_MAP_BATCH;
	while (va < end && budget) {
		uint64_t next = ROUNDDOWN(va, LEAF_SPAN) + LEAF_SPAN,
		         stop = next < end ? next : end;
		int err;
		uint64_t *pde = walk_to(t->pml4, va, 1, false, 0, &err);
		if (pde && (*pde & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS)) {
			if (va % LEAF_SPAN || stop != next)
				return -EXO_EINVAL; /* the range cuts a 2 MiB page */
			if (!op->large(t, pde, va, op->perm))
				return -EXO_EPERM;
			budget--;
			va = stop;
			continue;
		}
		if (!pde || !(*pde & PTE_P)) {
			va = stop; /* no table: nothing mapped here */
			continue;
		}
		uint64_t *pte = (uint64_t *)kva(*pde & PTE_ADDR_MASK) + PT_INDEX(va, 0);
		uint64_t n = (stop - va) / EXO_PAGE_SIZE;
		if (op->leaf && n <= budget) {
			long changed = op->leaf(pte, n, va, op->perm);
			if (changed < 0)
				return -EXO_EPERM;
			budget -= (uint64_t)changed;
			va = stop;
			continue;
		}
		for (; va < stop && budget; va += EXO_PAGE_SIZE) {
			if (*pte & PTE_P) {
				if (!op->page(t, pte, va, op->perm))
					return -EXO_EPERM;
				budget--;
			}
			pte++;
		}
	}
	return (long)((va - start) / EXO_PAGE_SIZE);
}

static bool unmap_page(struct env *t, uint64_t *pte, uint64_t va, uint64_t perm)
{
	(void)perm;
	rmap_remove(PFN(*pte & PTE_ADDR_MASK), t->slot, va);
	clear_pte(t, pte, va);
	return true;
}

static bool unmap_large_entry(struct env *t, uint64_t *pde, uint64_t va, uint64_t perm)
{
	(void)perm;
	unmap_large(t, pde, va);
	return true;
}

/* unmap_page without the flush, for a whole-TLB flush after the call. */
static bool unmap_page_noflush(struct env *t, uint64_t *pte, uint64_t va, uint64_t perm)
{
	(void)perm;
	rmap_remove(PFN(*pte & PTE_ADDR_MASK), t->slot, va);
	page_info[PFN(*pte & PTE_ADDR_MASK)].refs--;
	(*table_used(pte))--;
	*pte = 0;
	t->vm_gen++;
	return true;
}

long sys_unmap(uint64_t env_cap, uint64_t va, uint64_t npages)
{
	int err;
	long r;
	struct env *t = range_target(env_cap, va, npages, &err);
	if (!t)
		return err;
	if (!flush_whole(t, npages)) {
		const struct range_op op = {unmap_page, unmap_large_entry, 0, 0};
		r = range_apply(t, va, npages, &op);
	} else {
		const struct range_op op = {unmap_page_noflush, unmap_large_entry, 0, 0};
		r = range_apply(t, va, npages, &op);
		flush_all();
	}
	captab_reap(); /* an orphan's last mapping may have gone (cap.h) */
	return r;
}

/* Changing permissions keeps the page and its binding; making it writable
 * needs EXO_RIGHT_WRITE on the capability the binding was made with, which
 * the entry's PTE_KERNEL_W records. */
static bool protect_page(struct env *t, uint64_t *pte, uint64_t va, uint64_t perm)
{
	if (perm & PTE_W && !(*pte & PTE_KERNEL_W))
		return false;
	*pte = (*pte & (PTE_ADDR_MASK | PTE_KERNEL_W)) | perm | entry_bits(perm);
	flush(t, va);
	return true;
}

static bool protect_large(struct env *t, uint64_t *pde, uint64_t va, uint64_t perm)
{
	if (perm & PTE_W && !(*pde & PTE_KERNEL_W))
		return false;
	*pde = (*pde & (PTE_ADDR_MASK | PTE_KERNEL_W)) | perm | entry_bits(perm) | PTE_PS;
	flush(t, va);
	return true;
}

/* PROTECT's loop over n entries of one leaf table, with no flush: the new
 * permission bits (perm | entry_bits(perm)) for each present entry.  Kept to a few
 * instructions an entry, as each is emulated here (~1 µs); making entries
 * writable has its own copy of the loop (the PTE_KERNEL_W check).  Returns how
 * many were present, or -1 at an entry that may not become writable (those
 * before it are changed). */
static inline __attribute__((always_inline)) long
protect_entries(uint64_t *pte, uint64_t n, uint64_t va, uint64_t bits, bool to_w, bool each)
{
	const uint64_t keep = PTE_ADDR_MASK | PTE_KERNEL_W;
	long present = 0;
#pragma GCC unroll 4
	for (uint64_t *end = pte + n; pte < end; pte++, va += EXO_PAGE_SIZE) {
		uint64_t e = *pte;
		if (!(e & PTE_P))
			continue;
		if (to_w && !(e & PTE_KERNEL_W))
			return -1;
		*pte = (e & keep) | bits;
		if (each)
			invlpg(va);
		present++;
	}
	return present;
}

/* For a whole-TLB flush after the call, or another environment's tables. */
static long protect_leaf(uint64_t *pte, uint64_t n, uint64_t va, uint64_t perm)
{
	if (perm & PTE_W)
		return protect_entries(pte, n, va, perm | entry_bits(perm), true, false);
	return protect_entries(pte, n, va, perm | entry_bits(perm), false, false);
}

/* With an invlpg for each entry changed (a few pages of the running one). */
static long protect_leaf_invlpg(uint64_t *pte, uint64_t n, uint64_t va, uint64_t perm)
{
	if (perm & PTE_W)
		return protect_entries(pte, n, va, perm | entry_bits(perm), true, true);
	return protect_entries(pte, n, va, perm | entry_bits(perm), false, true);
}

/* PROTECT of one page: range_apply's result for it (1, or an error). */
static long protect_one(struct env *t, uint64_t va, uint64_t perm)
{
	int err;
	uint64_t *pde = walk_to(t->pml4, va, 1, false, 0, &err);
	if (!pde || !(*pde & PTE_P))
		return 1; /* no table: nothing mapped */
	if (*pde & PTE_PS)
		return -EXO_EINVAL; /* one page cuts a 2 MiB page */
	uint64_t *pte = (uint64_t *)kva(*pde & PTE_ADDR_MASK) + PT_INDEX(va, 0);
	if ((*pte & PTE_P) && !protect_page(t, pte, va, perm))
		return -EXO_EPERM;
	return 1;
}

long sys_protect(uint64_t env_cap, uint64_t va, uint64_t npages, uint64_t perm)
{
	int err;
	struct env *t = range_target(env_cap, va, npages, &err);
	if (!t)
		return err;
	if (perm & ~EXO_PERM_MASK)
		return -EXO_EINVAL;
	if (perm & EXO_PTE_HIDDEN)
		t->vm_gen++; /* ring 3 loses the pages */
	if (npages == 1)     /* a fault handler's call: the shortest path */
		return protect_one(t, va, perm);
	if (t == curenv && !flush_whole(t, npages)) {
		const struct range_op op = {protect_page, protect_large, protect_leaf_invlpg, perm};
		return range_apply(t, va, npages, &op);
	}
	const struct range_op op = {protect_page, protect_large, protect_leaf, perm};
	long r = range_apply(t, va, npages, &op);
	if (t == curenv)
		flush_all();
	return r;
}
