/* Capability tables and the derivation tree. See cap.h.
 *
 * Children of a node form a doubly linked list (first_child, next/prev_sibling), so a
 * node is unlinked in O(1). Free nodes are linked through next_sibling from free_head;
 * nodes never used are those at or above bump. A table's free slot is found with two
 * count-trailing-zeros instructions on its bitmaps (after skipping at most a few full
summary words), never by scanning the slots. */
#include "cap.h"

#include <stddef.h>

_Static_assert(EXO_CAP_SLOTS % 64 == 0 && CAP_MAP_WORDS >= 1, "slots come in words of 64");
_Static_assert(EXO_CAP_SLOTS - 1 <= UINT16_MAX, "slots must fit in cap_node.slot");
_Static_assert(EXO_CAP_SLOTS <= CAP_SLOT_ORPHAN, "no slot is the orphans' mark");

static bool node_live(const struct cap_system *cs, uint32_t n)
{
	return n < cs->bump && cs->nodes[n].type != EXO_CAP_NONE;
}

void cap_system_init(struct cap_system *cs, struct cap_node *pool, uint32_t npool,
                     struct cap_table *tables, uint32_t ntables)
{
	cs->nodes = pool;
	/* Links store index + 1 in 32 bits. */
	cs->nnodes = npool < UINT32_MAX ? npool : UINT32_MAX - 1;
	cs->bump = 0;
	cs->free_head = 0;
	cs->tables = tables;
	cs->ntables = ntables < CAP_HOLDER_KERNEL ? ntables : CAP_HOLDER_KERNEL;
	cs->live = 0;
}

/* The lowest free slot of t, or -1 if it is full. */
static int slot_find(const struct cap_table *t)
{
	for (unsigned f = 0; f < CAP_FULL_WORDS; f++) {
		uint64_t notfull = ~t->full[f];
		if (notfull == 0)
			continue;
		unsigned w = f * 64 + (unsigned)__builtin_ctzll(notfull);
		if (w >= CAP_MAP_WORDS)
			return -1;
		return (int)(w * 64 + (unsigned)__builtin_ctzll(~t->map[w]));
	}
	return -1;
}

static void slot_set(struct cap_table *t, unsigned s, uint32_t n)
{
	unsigned w = s / 64;

	t->slot[s] = n + 1;
	t->map[w] |= 1ull << (s % 64);
	if (t->map[w] == ~0ull)
		t->full[w / 64] |= 1ull << (w % 64);
	t->used++;
}

static void slot_clear(struct cap_table *t, unsigned s)
{
	unsigned w = s / 64;

	t->slot[s] = 0;
	t->map[w] &= ~(1ull << (s % 64));
	t->full[w / 64] &= ~(1ull << (w % 64));
	t->used--;
}

/* A fresh node (zeroed but for type, rights, object), or -1 if the pool is full. */
static int64_t node_alloc(struct cap_system *cs, uint32_t type, uint32_t rights, uint64_t object,
                          uint32_t count)
{
	uint32_t n;
	struct cap_node *c;

	if (cs->free_head != 0) {
		n = cs->free_head - 1;
		cs->free_head = cs->nodes[n].next_sibling;
	} else if (cs->bump < cs->nnodes) {
		n = cs->bump++;
	} else {
		return -1;
	}
	c = &cs->nodes[n];
	c->type = type;
	c->rights = rights;
	c->object = object;
	c->count = count;
	c->bindings = 0;
	c->parent = 0;
	c->first_child = 0;
	c->next_sibling = 0;
	c->prev_sibling = 0;
	c->holder = CAP_HOLDER_KERNEL;
	c->slot = 0;
	cs->live++;
	return n;
}

/* Puts node n (allocated, unlinked, in no table) into slot s of holder's table. */
static void place(struct cap_system *cs, uint32_t n, uint16_t holder, int s)
{
	cs->nodes[n].holder = holder;
	cs->nodes[n].slot = (uint16_t)s;
	slot_set(&cs->tables[holder], (unsigned)s, n);
}

int cap_create(struct cap_system *cs, uint16_t holder, uint32_t type, uint32_t rights,
               uint64_t object)
{
	return cap_create_run(cs, holder, type, rights, object, 1);
}

int cap_create_run(struct cap_system *cs, uint16_t holder, uint32_t type, uint32_t rights,
                   uint64_t object, uint32_t count)
{
	int64_t n;
	int s;

	if (holder >= cs->ntables || type == EXO_CAP_NONE || count == 0)
		return -EXO_EINVAL;
	s = slot_find(&cs->tables[holder]);
	if (s < 0)
		return -EXO_EBUSY;
	n = node_alloc(cs, type, rights, object, count);
	if (n < 0)
		return -EXO_ENOMEM;
	place(cs, (uint32_t)n, holder, s);
	return s;
}

int64_t cap_create_kernel(struct cap_system *cs, uint32_t type, uint32_t rights, uint64_t object)
{
	int64_t n;

	if (type == EXO_CAP_NONE)
		return -EXO_EINVAL;
	n = node_alloc(cs, type, rights, object, 1);
	if (n < 0)
		return -EXO_ENOMEM;
	return n + 1;
}

int cap_derive(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights)
{
	return cap_derive_part(cs, parent, holder, rights, 0, 0);
}

/* Is [first, first + count) inside a run of `run` objects?  No overflow. */
static bool part_ok(uint64_t run, uint64_t first, uint64_t count)
{
	return count != 0 && first < run && count <= run - first;
}

/* cap_derive_part into slot s (< 0: the lowest free one). */
static int derive_into(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights,
                       uint64_t first, uint64_t count, int s)
{
	struct cap_node *p, *c;
	int64_t n;

	if (!node_live(cs, parent) || holder >= cs->ntables || s >= EXO_CAP_SLOTS)
		return -EXO_EINVAL;
	p = &cs->nodes[parent];
	if (count == 0)
		count = p->count;
	if (!part_ok(p->count, first, count))
		return -EXO_EINVAL;
	if ((rights & ~p->rights) != 0)
		return -EXO_EPERM;
	if (s < 0)
		s = slot_find(&cs->tables[holder]);
	else if (cs->tables[holder].slot[s] != 0)
		return -EXO_EBUSY;
	if (s < 0)
		return -EXO_EBUSY;
	n = node_alloc(cs, p->type, rights, p->object + first, (uint32_t)count);
	if (n < 0)
		return -EXO_ENOMEM;
	c = &cs->nodes[n];
	c->parent = parent + 1;
	c->next_sibling = p->first_child;
	if (p->first_child != 0)
		cs->nodes[p->first_child - 1].prev_sibling = (uint32_t)n + 1;
	p->first_child = (uint32_t)n + 1;
	place(cs, (uint32_t)n, holder, s);
	return s;
}

int cap_derive_part(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights,
                    uint64_t first, uint64_t count)
{
	return derive_into(cs, parent, holder, rights, first, count, -1);
}

int cap_derive_at(struct cap_system *cs, uint32_t parent, uint16_t holder, uint32_t rights,
                  uint64_t first, uint64_t count, int slot)
{
	if (slot < 0)
		return -EXO_EINVAL;
	return derive_into(cs, parent, holder, rights, first, count, slot);
}

static bool is_orphan(const struct cap_system *cs, uint32_t n)
{
	return cs->nodes[n].type != EXO_CAP_NONE && cs->nodes[n].holder == CAP_HOLDER_KERNEL &&
	       cs->nodes[n].slot == CAP_SLOT_ORPHAN;
}

/* Destroys node n, which has no children: unbind, clear its slot, unlink it from its
 * parent and siblings, put it on the free list. */
static void node_free(struct cap_system *cs, uint32_t n, cap_unbind_fn unbind, void *ctx)
{
	struct cap_node *c = &cs->nodes[n];

	if (unbind != NULL)
		unbind(cs, n, ctx);
	if (c->holder != CAP_HOLDER_KERNEL)
		slot_clear(&cs->tables[c->holder], c->slot);
	if (c->prev_sibling != 0)
		cs->nodes[c->prev_sibling - 1].next_sibling = c->next_sibling;
	else if (c->parent != 0)
		cs->nodes[c->parent - 1].first_child = c->next_sibling;
	if (c->parent != 0 && is_orphan(cs, c->parent - 1))
		cs->orphan_dirty = true; /* it may have lost its last child */
	if (c->next_sibling != 0)
		cs->nodes[c->next_sibling - 1].prev_sibling = c->prev_sibling;

	c->type = EXO_CAP_NONE;
	c->rights = 0;
	c->object = 0;
	c->count = 0;
	c->bindings = 0;
	c->parent = 0;
	c->first_child = 0;
	c->prev_sibling = 0;
	c->holder = 0;
	c->slot = 0;
	c->next_sibling = cs->free_head;
	cs->free_head = n + 1;
	cs->live--;
}

/* Post-order walk without a stack: go down first children to a leaf, destroy it, go
 * back to its parent and repeat. Each node is entered once from above and once from
 * below (after destroying a child), so the walk is O(subtree). */
static int revoke(struct cap_system *cs, uint32_t node, cap_unbind_fn unbind, void *ctx)
{
	uint32_t cur = node;
	int count = 0;

	for (;;) {
		uint32_t child = cs->nodes[cur].first_child;
		uint32_t up;

		if (child != 0) {
			cur = child - 1;
			continue;
		}
		if (cur == node)
			return count;
		up = cs->nodes[cur].parent - 1;
		node_free(cs, cur, unbind, ctx);
		count++;
		cur = up;
	}
}

int cap_revoke(struct cap_system *cs, uint32_t node, cap_unbind_fn unbind, void *ctx)
{
	if (!node_live(cs, node))
		return -EXO_EINVAL;
	return revoke(cs, node, unbind, ctx);
}

int cap_revoke_part(struct cap_system *cs, uint32_t node, uint64_t first, uint64_t count,
                    cap_unbind_fn unbind, void *ctx)
{
	if (!node_live(cs, node) || !part_ok(cs->nodes[node].count, first, count))
		return -EXO_EINVAL;
	uint64_t lo = cs->nodes[node].object + first, hi = lo + count;
	uint32_t child = cs->nodes[node].first_child;
	int dead = 0;
	while (child != 0) {
		const struct cap_node *c = &cs->nodes[child - 1];
		uint32_t next = c->next_sibling; /* read before the child is freed */
		if (c->object < hi && lo < c->object + c->count) {
			dead += revoke(cs, child - 1, unbind, ctx) + 1;
			node_free(cs, child - 1, unbind, ctx);
		}
		child = next;
	}
	return dead;
}

int cap_destroy(struct cap_system *cs, uint32_t node, cap_unbind_fn unbind, void *ctx)
{
	if (!node_live(cs, node))
		return -EXO_EINVAL;
	revoke(cs, node, unbind, ctx);
	node_free(cs, node, unbind, ctx);
	return 0;
}

void cap_destroy_all(struct cap_system *cs, uint16_t holder, cap_unbind_fn unbind, void *ctx)
{
	cap_destroy_all_keeping(cs, holder, unbind, NULL, ctx);
}

void cap_orphans_init(struct cap_system *cs, uint32_t *list, uint32_t max)
{
	cs->orphans = list;
	cs->max_orphans = max;
	cs->norphans = 0;
	cs->orphan_dirty = false;
}

void cap_destroy_all_keeping(struct cap_system *cs, uint16_t holder, cap_unbind_fn unbind,
                             cap_keep_fn keep, void *ctx)
{
	struct cap_table *t;

	if (holder >= cs->ntables)
		return;
	t = &cs->tables[holder];
	/* Destroying one slot's node may also empty other slots of this table (its
	 * descendants held here), so the word is re-read each time. Slots are only
	 * emptied, never filled, so finished words stay empty. */
	for (unsigned w = 0; w < CAP_MAP_WORDS && t->used != 0; w++) {
		while (t->map[w] != 0) {
			unsigned s = w * 64 + (unsigned)__builtin_ctzll(t->map[w]);
			uint32_t n = t->slot[s] - 1;

			if (keep && cs->norphans < cs->max_orphans && keep(cs, n)) {
				slot_clear(t, s);
				cs->nodes[n].holder = CAP_HOLDER_KERNEL;
				cs->nodes[n].slot = CAP_SLOT_ORPHAN;
				cs->orphans[cs->norphans++] = n;
				continue;
			}
			revoke(cs, n, unbind, ctx);
			node_free(cs, n, unbind, ctx);
		}
	}
	if (keep)
		cs->orphan_dirty = true; /* its children held here may have been its last */
}

int cap_reap(struct cap_system *cs, cap_unbind_fn unbind, void *ctx)
{
	int freed = 0;
	bool again = true;

	cs->orphan_dirty = false;
	while (again) {
		again = false;
		for (uint32_t i = 0; i < cs->norphans;) {
			uint32_t n = cs->orphans[i];
			const struct cap_node *c = &cs->nodes[n];

			/* revoked by an ancestor's holder since, or still in use */
			if (!is_orphan(cs, n) || (c->bindings == 0 && c->first_child == 0)) {
				if (is_orphan(cs, n)) {
					node_free(cs, n, unbind,
					          ctx); /* may free a parent's last child */
					freed++;
					again = true;
				}
				cs->orphans[i] = cs->orphans[--cs->norphans];
				continue;
			}
			i++;
		}
	}
	cs->orphan_dirty = false;
	return freed;
}
