/* Reverse-map records live in a pool sized from RAM (rmap_pool, carved at boot
 * by pmem_init), linked per physical page from page_rmap[pfn] (index + 1;
 * 0 = none).  A page is rarely mapped more than a few times, so the per-page
 * lists are short.  All state is valid zero-filled. */
#include <exo/env.h>
#include <exo/errno.h>
#include <exo/memlayout.h>

#include "captab.h"
#include "kernel.h"
#include "pmem.h"
#include "rmap.h"

struct rmap_rec {
	uint64_t va_env; /* page-aligned va (| RMAP_LARGE) | env slot (RMAP_SLOT_MASK) */
	uint32_t node;   /* capability node the mapping was made with */
	uint32_t next;   /* index + 1 */
};

static struct rmap_rec *recs;
static uint64_t nrecs;
static uint32_t bump, free_head;

/* One record for every frame of RAM mapped once, plus as many again as 64 Ki
 * frames for sharing (copy-on-write, grants); 16 bytes per frame, 0.4% of
 * RAM.  Indices are 32-bit (index + 1 in the links). */
static uint64_t rmap_count(uint64_t ram_pages)
{
	uint64_t n = ram_pages + 65536;
	return n < UINT32_MAX - 1 ? n : UINT32_MAX - 1;
}

const struct pmem_pool rmap_pool = {rmap_count, sizeof(struct rmap_rec), (void **)&recs, &nrecs};

static uint64_t key(uint16_t env_slot, uint64_t va)
{
	return va | env_slot;
}

int rmap_add(uint64_t pfn, uint16_t env_slot, uint64_t va, uint32_t node)
{
	uint32_t i;
	if (free_head) {
		i = free_head - 1;
		free_head = recs[i].next;
	} else if (bump < nrecs) {
		i = bump++;
	} else {
		return -EXO_ENOMEM;
	}
	recs[i] = (struct rmap_rec){key(env_slot, va), node, page_rmap[pfn]};
	page_rmap[pfn] = i + 1;
	if (node != RMAP_NO_NODE)
		caps.nodes[node].bindings++;
	return 0;
}

uint64_t rmap_add_run(uint64_t pfn, uint16_t env_slot, uint64_t va, uint32_t node, uint64_t n)
{
	/* Fresh records from the bump region, with the state in locals: the
	 * stores through recs[] could alias the globals, and a reload of each per
	 * page costs ~1 us here.  Recycled records go one by one. */
	uint64_t done = 0, key0 = key(env_slot, va);
	uint32_t i = bump;
	while (done < n && free_head) {
		uint32_t f = free_head - 1;
		free_head = recs[f].next;
		recs[f] =
		        (struct rmap_rec){key0 + done * EXO_PAGE_SIZE, node, page_rmap[pfn + done]};
		page_rmap[pfn + done] = f + 1;
		done++;
	}
	uint64_t fresh = n - done < nrecs - i ? n - done : nrecs - i;
	struct rmap_rec *r = &recs[i];
	uint32_t *head = &page_rmap[pfn + done];
	for (uint64_t k = 0; k < fresh; k++) {
		r[k] = (struct rmap_rec){key0 + (done + k) * EXO_PAGE_SIZE, node, head[k]};
		head[k] = i + (uint32_t)k + 1;
	}
	bump = i + (uint32_t)fresh;
	done += fresh;
	if (node != RMAP_NO_NODE)
		caps.nodes[node].bindings += (uint32_t)done;
	return done;
}

static inline __attribute__((always_inline)) void release(uint32_t i)
{
	if (recs[i].node != RMAP_NO_NODE) {
		caps.nodes[recs[i].node].bindings--;
		cap_binding_gone(&caps, recs[i].node);
	}
	recs[i].next = free_head;
	free_head = i + 1;
}

uint32_t rmap_remove(uint64_t pfn, uint16_t env_slot, uint64_t va)
{
	uint64_t k = key(env_slot, va);
	for (uint32_t *link = &page_rmap[pfn]; *link; link = &recs[*link - 1].next) {
		uint32_t i = *link - 1;
		if (recs[i].va_env == k) {
			uint32_t node = recs[i].node;
			*link = recs[i].next;
			release(i);
			return node + 1;
		}
	}
	return 0;
}

bool rmap_remove_near(uint64_t pfn, uint16_t env_slot, uint64_t va)
{
	uint64_t k = key(env_slot, va);
	uint32_t *link = &page_rmap[pfn];
	for (int n = 0; n < RMAP_NEAR && *link; n++, link = &recs[*link - 1].next) {
		uint32_t i = *link - 1;
		if (recs[i].va_env == k) {
			*link = recs[i].next;
			release(i);
			return true;
		}
	}
	return false;
}

uint32_t rmap_remove_env(uint64_t pfn, uint16_t env_slot)
{
	uint32_t n = 0;
	for (uint32_t *link = &page_rmap[pfn]; *link;) {
		uint32_t i = *link - 1;
		if ((recs[i].va_env & RMAP_SLOT_MASK) != env_slot) {
			link = &recs[i].next;
			continue;
		}
		*link = recs[i].next;
		release(i);
		n++;
	}
	return n;
}

bool rmap_mark_push(uint32_t *list, uint64_t pfn)
{
	if (!free_head)
		return false;
	uint32_t i = free_head - 1;
	free_head = recs[i].next;
	recs[i] = (struct rmap_rec){pfn, RMAP_NO_NODE, *list};
	*list = i + 1;
	return true;
}

uint64_t rmap_mark_pop(uint32_t *list)
{
	if (!*list)
		return 0;
	uint32_t i = *list - 1;
	uint64_t pfn = recs[i].va_env;
	*list = recs[i].next;
	recs[i].next = free_head;
	free_head = i + 1;
	return pfn + 1;
}

uint32_t rmap_find(uint64_t pfn, uint16_t env_slot, uint64_t va)
{
	uint64_t k = key(env_slot, va);
	for (uint32_t r = page_rmap[pfn]; r; r = recs[r - 1].next)
		if (recs[r - 1].va_env == k)
			return recs[r - 1].node + 1;
	return 0;
}

void rmap_unbind_node(uint64_t pfn, uint32_t node, void (*unmap)(uint16_t env_slot, uint64_t va))
{
	uint32_t *link = &page_rmap[pfn];
	while (*link) {
		uint32_t i = *link - 1;
		if (recs[i].node != node) {
			link = &recs[i].next;
			continue;
		}
		*link = recs[i].next;
		uint64_t k = recs[i].va_env;
		release(i);
		unmap((uint16_t)(k & RMAP_SLOT_MASK), k & ~RMAP_SLOT_MASK);
	}
}

_Static_assert(EXO_NENV <= RMAP_SLOT_MASK + 1, "env slots fit below RMAP_LARGE");
