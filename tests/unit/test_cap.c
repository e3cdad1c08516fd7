/* kernel/cap.c: capability tables, the derivation tree and revocation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "unit.h"

/* A capability system over calloc'd (zero-filled, as in .bss) pool and tables. */
struct fixture {
	struct cap_system cs;
	struct cap_node *pool;
	struct cap_table *tables;
	uint32_t npool, ntables;
};

static void fx_init(struct fixture *f, uint32_t npool, uint32_t ntables)
{
	f->pool = calloc(npool ? npool : 1, sizeof(*f->pool));
	f->tables = calloc(ntables ? ntables : 1, sizeof(*f->tables));
	ck_assert_ptr_nonnull(f->pool);
	ck_assert_ptr_nonnull(f->tables);
	f->npool = npool;
	f->ntables = ntables;
	cap_system_init(&f->cs, f->pool, npool, f->tables, ntables);
}

static void fx_free(struct fixture *f)
{
	free(f->pool);
	free(f->tables);
}

/* What unbind saw. */
struct rec {
	uint32_t *count; /* per node */
	uint32_t npool;
	int total;
	int bad;              /* calls that broke a rule (see rec_unbind) */
	long last;            /* the last node unbound */
	uintptr_t fmin, fmax; /* frame addresses of the calls */
};

static void rec_init(struct rec *r, uint32_t npool)
{
	r->count = calloc(npool ? npool : 1, sizeof(*r->count));
	ck_assert_ptr_nonnull(r->count);
	r->npool = npool;
	r->total = 0;
	r->bad = 0;
	r->last = -1;
	r->fmin = UINTPTR_MAX;
	r->fmax = 0;
}

static void rec_reset(struct rec *r)
{
	memset(r->count, 0, r->npool * sizeof(*r->count));
	r->total = 0;
	r->bad = 0;
	r->last = -1;
	r->fmin = UINTPTR_MAX;
	r->fmax = 0;
}

/* Counts calls per node and checks that the node is still live, still in its table
 * slot, and has no children left (descendants are unbound before their ancestors). */
static void rec_unbind(struct cap_system *cs, uint32_t node, void *ctx)
{
	struct rec *r = ctx;
	uintptr_t fa = (uintptr_t)__builtin_frame_address(0);
	const struct cap_node *c;

	if (fa < r->fmin)
		r->fmin = fa;
	if (fa > r->fmax)
		r->fmax = fa;
	r->total++;
	r->last = node;
	if (node >= r->npool) {
		r->bad++;
		return;
	}
	r->count[node]++;
	c = &cs->nodes[node];
	if (c->type == EXO_CAP_NONE || c->first_child != 0)
		r->bad++;
	if (c->holder != CAP_HOLDER_KERNEL &&
	    (c->holder >= cs->ntables || cs->tables[c->holder].slot[c->slot] != node + 1))
		r->bad++;
}

static void rec_free(struct rec *r)
{
	free(r->count);
}

/* The node in (holder, slot), which must be there. */
static uint32_t node_at(struct fixture *f, uint16_t holder, int slot)
{
	int64_t n;

	ck_assert_int_ge(slot, 0);
	n = cap_lookup(&f->cs, holder, slot);
	ck_assert_int_ge(n, 0);
	ck_assert_int_lt(n, f->npool);
	return (uint32_t)n;
}

static uint32_t create(struct fixture *f, uint16_t holder, uint32_t rights, uint64_t object)
{
	return node_at(f, holder, cap_create(&f->cs, holder, EXO_CAP_PAGE, rights, object));
}

static uint32_t derive(struct fixture *f, uint32_t parent, uint16_t holder, uint32_t rights)
{
	return node_at(f, holder, cap_derive(&f->cs, parent, holder, rights));
}

static bool live(struct fixture *f, uint32_t n)
{
	return f->pool[n].type != EXO_CAP_NONE;
}

/* Number of children of n, checking the sibling links on the way. */
static int children(struct fixture *f, uint32_t n)
{
	uint32_t prev = 0, c = f->pool[n].first_child;
	int k = 0;

	while (c != 0) {
		ck_assert_uint_le(c, f->npool);
		ck_assert_uint_eq(f->pool[c - 1].parent, n + 1);
		ck_assert_uint_eq(f->pool[c - 1].prev_sibling, prev);
		ck_assert(live(f, c - 1));
		prev = c;
		c = f->pool[c - 1].next_sibling;
		k++;
		ck_assert_int_le(k, (int)f->npool);
	}
	return k;
}

static bool has_child(struct fixture *f, uint32_t n, uint32_t child)
{
	for (uint32_t c = f->pool[n].first_child; c != 0; c = f->pool[c - 1].next_sibling)
		if (c == child + 1)
			return true;
	return false;
}

START_TEST(create_lookup)
{
	struct fixture f;
	int64_t k;
	uint32_t a, b, c;

	fx_init(&f, 16, 3);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_ENV, EXO_RIGHTS_ALL, 7), 0);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, EXO_RIGHT_READ, 0x1234), 1);
	ck_assert_int_eq(cap_create(&f.cs, 2, EXO_CAP_PAGE, EXO_RIGHT_MAP, 99), 0);
	a = node_at(&f, 0, 0);
	b = node_at(&f, 0, 1);
	c = node_at(&f, 2, 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_ne(b, c);
	ck_assert_uint_eq(f.pool[a].type, EXO_CAP_ENV);
	ck_assert_uint_eq(f.pool[a].rights, EXO_RIGHTS_ALL);
	ck_assert_uint_eq(f.pool[a].object, 7);
	ck_assert_uint_eq(f.pool[b].type, EXO_CAP_PAGE);
	ck_assert_uint_eq(f.pool[b].rights, EXO_RIGHT_READ);
	ck_assert_uint_eq(f.pool[b].object, 0x1234);
	ck_assert_uint_eq(f.pool[b].holder, 0);
	ck_assert_uint_eq(f.pool[b].slot, 1);
	ck_assert_uint_eq(f.pool[c].holder, 2);
	ck_assert_uint_eq(f.pool[c].slot, 0);
	ck_assert_uint_eq(f.pool[a].parent, 0);
	ck_assert_uint_eq(f.cs.live, 3);
	ck_assert_uint_eq(f.tables[0].used, 2);
	ck_assert_uint_eq(f.tables[2].used, 1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, 0), -1);

	k = cap_create_kernel(&f.cs, EXO_CAP_PAGE, EXO_RIGHTS_ALL, 5);
	ck_assert_int_gt(k, 0);
	ck_assert_int_le(k, 16);
	ck_assert_uint_eq(f.pool[k - 1].holder, CAP_HOLDER_KERNEL);
	ck_assert_uint_eq(f.pool[k - 1].object, 5);
	ck_assert_uint_eq(f.cs.live, 4);
	/* In no table. */
	for (int h = 0; h < 3; h++)
		for (int s = 0; s < EXO_CAP_SLOTS; s++)
			ck_assert_uint_ne(f.tables[h].slot[s], (uint32_t)k);

	/* Bad arguments change nothing. */
	ck_assert_int_eq(cap_create(&f.cs, 3, EXO_CAP_PAGE, 0, 0), -EXO_EINVAL);
	ck_assert_int_eq(cap_create(&f.cs, CAP_HOLDER_KERNEL, EXO_CAP_PAGE, 0, 0), -EXO_EINVAL);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_NONE, 0, 0), -EXO_EINVAL);
	ck_assert_int_eq(cap_create_kernel(&f.cs, EXO_CAP_NONE, 0, 0), -EXO_EINVAL);
	ck_assert_uint_eq(f.cs.live, 4);
	fx_free(&f);
}
END_TEST

START_TEST(lookup_ranges)
{
	struct fixture f;

	fx_init(&f, 4, 2);
	/* Zero-filled state: everything empty. */
	ck_assert_int_eq(cap_lookup(&f.cs, 0, 0), -1);
	create(&f, 1, 0, 0);
	ck_assert_int_ge(cap_lookup(&f.cs, 1, 0), 0);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, -1), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, INT64_MIN), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, -(int64_t)EXO_CAP_SLOTS), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, EXO_CAP_SLOTS), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, (int64_t)EXO_CAP_SLOTS + 1), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, INT64_MAX), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, (int64_t)1 << 32), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, 1), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, EXO_CAP_SLOTS - 1), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 0, 0), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, 2, 0), -1);
	ck_assert_int_eq(cap_lookup(&f.cs, CAP_HOLDER_KERNEL, 0), -1);
	fx_free(&f);
}
END_TEST

START_TEST(derive_rights)
{
	struct fixture f;
	uint32_t r, c, g;
	const uint32_t rw = EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_GRANT;

	fx_init(&f, 8, 2);
	r = create(&f, 0, rw, 42);
	ck_assert_int_eq(cap_derive(&f.cs, r, 1, rw | EXO_RIGHT_MAP), -EXO_EPERM);
	ck_assert_int_eq(cap_derive(&f.cs, r, 1, EXO_RIGHT_REVOKE), -EXO_EPERM);
	ck_assert_int_eq(cap_derive(&f.cs, r, 1, ~0u), -EXO_EPERM);
	ck_assert_uint_eq(f.cs.live, 1);
	ck_assert_uint_eq(f.tables[1].used, 0);

	c = derive(&f, r, 1, rw); /* equal rights */
	ck_assert_uint_eq(f.pool[c].type, EXO_CAP_PAGE);
	ck_assert_uint_eq(f.pool[c].object, 42);
	ck_assert_uint_eq(f.pool[c].rights, rw);
	ck_assert_uint_eq(f.pool[c].parent, r + 1);
	/* No GRANT check here: the kernel does it. */
	g = derive(&f, c, 0, EXO_RIGHT_READ);
	ck_assert_int_eq(cap_derive(&f.cs, g, 1, EXO_RIGHT_WRITE), -EXO_EPERM);
	ck_assert_int_eq(cap_derive(&f.cs, g, 1, 0), 1);
	ck_assert_int_eq(children(&f, r), 1);
	ck_assert_int_eq(children(&f, c), 1);
	ck_assert_int_eq(children(&f, g), 1);

	/* Bad parent or holder. */
	ck_assert_int_eq(cap_derive(&f.cs, 7, 1, 0), -EXO_EINVAL); /* never used */
	ck_assert_int_eq(cap_derive(&f.cs, 8, 1, 0), -EXO_EINVAL); /* past the pool */
	ck_assert_int_eq(cap_derive(&f.cs, UINT32_MAX, 1, 0), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive(&f.cs, r, 2, 0), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive(&f.cs, r, CAP_HOLDER_KERNEL, 0), -EXO_EINVAL);
	ck_assert_int_eq(cap_destroy(&f.cs, g, NULL, NULL), 0);
	ck_assert_int_eq(cap_derive(&f.cs, g, 1, 0), -EXO_EINVAL); /* freed */
	ck_assert_uint_eq(f.cs.live, 2);
	fx_free(&f);
}
END_TEST

/* A tree over holders 0..3:
 *   root(0) -> a(1) -> a1(2) -> a11(3), a12(0)
 *                   -> a2(3)
 *           -> b(2) -> b1(1) -> b11(1) -> b111(2)
 *           -> c(3)
 *   plus an unrelated root u(1) with child u1(2). */
struct tree {
	uint32_t root, a, a1, a11, a12, a2, b, b1, b11, b111, c, u, u1;
};

static void build_tree(struct fixture *f, struct tree *t)
{
	t->root = create(f, 0, EXO_RIGHTS_ALL, 1);
	t->a = derive(f, t->root, 1, EXO_RIGHTS_ALL);
	t->a1 = derive(f, t->a, 2, EXO_RIGHT_READ | EXO_RIGHT_GRANT);
	t->a11 = derive(f, t->a1, 3, EXO_RIGHT_READ);
	t->a12 = derive(f, t->a1, 0, EXO_RIGHT_GRANT);
	t->a2 = derive(f, t->a, 3, 0);
	t->b = derive(f, t->root, 2, EXO_RIGHT_WRITE | EXO_RIGHT_GRANT);
	t->b1 = derive(f, t->b, 1, EXO_RIGHT_WRITE | EXO_RIGHT_GRANT);
	t->b11 = derive(f, t->b1, 1, EXO_RIGHT_GRANT);
	t->b111 = derive(f, t->b11, 2, 0);
	t->c = derive(f, t->root, 3, EXO_RIGHT_MAP);
	t->u = create(f, 1, EXO_RIGHTS_ALL, 2);
	t->u1 = derive(f, t->u, 2, EXO_RIGHT_READ);
	ck_assert_uint_eq(f->cs.live, 13);
}

static void assert_gone(struct fixture *f, uint32_t n, uint16_t holder, uint16_t slot)
{
	ck_assert(!live(f, n));
	ck_assert_int_eq(cap_lookup(&f->cs, holder, slot), -1);
}

START_TEST(revoke_root_tree)
{
	struct fixture f;
	struct rec r;
	struct tree t;
	struct cap_node saved[13];
	uint32_t used_after[4] = {1, 1, 1, 0};

	fx_init(&f, 32, 4);
	rec_init(&r, 32);
	build_tree(&f, &t);
	memcpy(saved, f.pool, sizeof(saved));
	uint32_t all[] = {t.a, t.a1, t.a11, t.a12, t.a2, t.b, t.b1, t.b11, t.b111, t.c};

	ck_assert_int_eq(cap_revoke(&f.cs, t.root, rec_unbind, &r), 10);
	ck_assert_int_eq(r.total, 10);
	ck_assert_int_eq(r.bad, 0);
	for (int i = 0; i < 10; i++) {
		ck_assert_uint_eq(r.count[all[i]], 1);
		assert_gone(&f, all[i], saved[all[i]].holder, saved[all[i]].slot);
	}
	/* The root itself, and the unrelated tree, stay. */
	ck_assert_uint_eq(r.count[t.root], 0);
	ck_assert(live(&f, t.root));
	ck_assert_uint_eq(f.pool[t.root].first_child, 0);
	ck_assert_int_eq(cap_lookup(&f.cs, 0, 0), t.root);
	ck_assert_int_eq(children(&f, t.u), 1);
	ck_assert_int_eq(cap_lookup(&f.cs, 2, f.pool[t.u1].slot), t.u1);
	ck_assert_uint_eq(f.cs.live, 3);
	for (int h = 0; h < 4; h++)
		ck_assert_uint_eq(f.tables[h].used, used_after[h]);

	/* Nothing left to revoke; the root can derive again. */
	rec_reset(&r);
	ck_assert_int_eq(cap_revoke(&f.cs, t.root, rec_unbind, &r), 0);
	ck_assert_int_eq(r.total, 0);
	derive(&f, t.root, 3, EXO_RIGHT_READ);
	ck_assert_uint_eq(f.cs.live, 4);
	/* Revoking a free node is an error. */
	ck_assert_int_eq(cap_revoke(&f.cs, 31, rec_unbind, &r), -EXO_EINVAL);
	ck_assert_int_eq(cap_revoke(&f.cs, 32, rec_unbind, &r), -EXO_EINVAL);
	ck_assert_int_eq(r.total, 0);
	rec_free(&r);
	fx_free(&f);
}
END_TEST

START_TEST(revoke_middle)
{
	struct fixture f;
	struct rec r;
	struct tree t;
	uint16_t h = 0, s = 0;

	fx_init(&f, 32, 4);
	rec_init(&r, 32);
	build_tree(&f, &t);
	h = f.pool[t.a11].holder;
	s = f.pool[t.a11].slot;

	ck_assert_int_eq(cap_revoke(&f.cs, t.a1, rec_unbind, &r), 2);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_uint_eq(r.count[t.a11], 1);
	ck_assert_uint_eq(r.count[t.a12], 1);
	assert_gone(&f, t.a11, h, s);
	ck_assert(!live(&f, t.a12));
	/* a1, its ancestors, its sibling a2 and the other branches are intact. */
	ck_assert(live(&f, t.a1) && live(&f, t.a) && live(&f, t.root) && live(&f, t.a2));
	ck_assert_int_eq(children(&f, t.a1), 0);
	ck_assert_int_eq(children(&f, t.a), 2);
	ck_assert_int_eq(children(&f, t.root), 3);
	ck_assert_int_eq(children(&f, t.b11), 1);
	ck_assert_int_eq(cap_lookup(&f.cs, 2, f.pool[t.a1].slot), t.a1);
	ck_assert_uint_eq(f.cs.live, 11);
	rec_free(&r);
	fx_free(&f);
}
END_TEST

START_TEST(destroy_unlinks)
{
	struct fixture f;
	struct rec r;
	struct tree t;
	uint16_t h, s;

	fx_init(&f, 32, 4);
	rec_init(&r, 32);
	build_tree(&f, &t);

	/* b: the middle child of root, with a chain below it. */
	h = f.pool[t.b].holder;
	s = f.pool[t.b].slot;
	ck_assert_int_eq(cap_destroy(&f.cs, t.b, rec_unbind, &r), 0);
	ck_assert_int_eq(r.total, 4);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_int_eq(r.last, t.b); /* the node itself last */
	ck_assert_uint_eq(r.count[t.b], 1);
	ck_assert_uint_eq(r.count[t.b1], 1);
	ck_assert_uint_eq(r.count[t.b11], 1);
	ck_assert_uint_eq(r.count[t.b111], 1);
	assert_gone(&f, t.b, h, s);
	ck_assert_int_eq(children(&f, t.root), 2);
	ck_assert(has_child(&f, t.root, t.a) && has_child(&f, t.root, t.c));
	ck_assert_uint_eq(f.cs.live, 9);

	/* Then the first and last children in the lists (order is irrelevant, so do all). */
	rec_reset(&r);
	ck_assert_int_eq(cap_destroy(&f.cs, t.a11, rec_unbind, &r), 0);
	ck_assert_int_eq(children(&f, t.a1), 1);
	ck_assert(has_child(&f, t.a1, t.a12));
	ck_assert_int_eq(cap_destroy(&f.cs, t.a12, rec_unbind, &r), 0);
	ck_assert_int_eq(children(&f, t.a1), 0);
	ck_assert_int_eq(cap_destroy(&f.cs, t.c, rec_unbind, &r), 0);
	ck_assert_int_eq(children(&f, t.root), 1);
	ck_assert(has_child(&f, t.root, t.a));
	ck_assert_int_eq(r.total, 3);
	ck_assert_int_eq(r.bad, 0);

	/* A root: its whole tree goes, the unrelated one stays. */
	rec_reset(&r);
	ck_assert_int_eq(cap_destroy(&f.cs, t.root, rec_unbind, &r), 0);
	ck_assert_int_eq(r.total, 4);
	ck_assert_int_eq(r.last, t.root);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_uint_eq(f.cs.live, 2);
	ck_assert_int_eq(cap_lookup(&f.cs, 0, 0), -1);
	ck_assert_int_eq(children(&f, t.u), 1);
	ck_assert_int_eq(cap_destroy(&f.cs, t.root, rec_unbind, &r), -EXO_EINVAL);
	ck_assert_int_eq(r.total, 4);

	/* A kernel-held root. */
	{
		int64_t k = cap_create_kernel(&f.cs, EXO_CAP_PAGE, EXO_RIGHTS_ALL, 3);
		uint32_t kc;

		ck_assert_int_gt(k, 0);
		kc = derive(&f, (uint32_t)(k - 1), 3, EXO_RIGHT_READ);
		rec_reset(&r);
		ck_assert_int_eq(cap_destroy(&f.cs, (uint32_t)(k - 1), rec_unbind, &r), 0);
		ck_assert_int_eq(r.total, 2);
		ck_assert_int_eq(r.bad, 0);
		ck_assert(!live(&f, kc));
		ck_assert_uint_eq(f.cs.live, 2);
	}
	rec_free(&r);
	fx_free(&f);
}
END_TEST

#define CHAIN    10000
#define CHAIN_NH 16

/* A chain of CHAIN derivations below a root in table 0, spread over CHAIN_NH tables. */
static uint32_t build_chain(struct fixture *f, uint32_t *nodes)
{
	uint32_t root = create(f, 0, EXO_RIGHTS_ALL, 77), p = root;

	for (int i = 0; i < CHAIN; i++) {
		p = derive(f, p, (uint16_t)(i % CHAIN_NH), EXO_RIGHTS_ALL);
		if (nodes != NULL)
			nodes[i] = p;
	}
	return root;
}

START_TEST(deep_chain)
{
	struct fixture f;
	struct rec r;
	uint32_t root, before, *nodes = malloc(CHAIN * sizeof(*nodes));

	ck_assert_ptr_nonnull(nodes);
	fx_init(&f, CHAIN + 16, CHAIN_NH);
	rec_init(&r, CHAIN + 16);
	create(&f, 3, EXO_RIGHT_READ, 1); /* an unrelated capability */
	before = f.cs.live;

	root = build_chain(&f, nodes);
	ck_assert_uint_eq(f.cs.live, before + CHAIN + 1);
	ck_assert_int_eq(cap_revoke(&f.cs, root, rec_unbind, &r), CHAIN);
	ck_assert_int_eq(r.total, CHAIN);
	ck_assert_int_eq(r.bad, 0);
	for (int i = 0; i < CHAIN; i++)
		ck_assert_uint_eq(r.count[nodes[i]], 1);
	/* Every call came from the same stack depth: no recursion. */
	ck_assert_uint_le(r.fmax - r.fmin, 256);
	ck_assert_uint_eq(f.cs.live, before + 1);
	ck_assert_int_eq(cap_destroy(&f.cs, root, NULL, NULL), 0);
	ck_assert_uint_eq(f.cs.live, before);

	/* Again (reusing freed nodes), destroying from the middle, then a whole table. */
	root = build_chain(&f, nodes);
	rec_reset(&r);
	ck_assert_int_eq(cap_destroy(&f.cs, nodes[CHAIN / 2], rec_unbind, &r), 0);
	ck_assert_int_eq(r.total, CHAIN - CHAIN / 2);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_uint_le(r.fmax - r.fmin, 256);
	ck_assert_uint_eq(f.pool[nodes[CHAIN / 2 - 1]].first_child, 0);
	ck_assert_uint_eq(f.cs.live, before + 1 + CHAIN / 2);
	rec_reset(&r);
	cap_destroy_all(&f.cs, 0, rec_unbind, &r);
	ck_assert_int_eq(r.total, 1 + CHAIN / 2);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_uint_eq(f.cs.live, before);
	for (int h = 0; h < CHAIN_NH; h++)
		ck_assert_uint_eq(f.tables[h].used, h == 3 ? 1 : 0);
	ck_assert_uint_eq(f.cs.bump, CHAIN + 2); /* the second chain reused every node */
	rec_free(&r);
	fx_free(&f);
	free(nodes);
}
END_TEST

START_TEST(pool_exhaustion)
{
	struct fixture f;
	uint32_t n[8], freed;
	int s;

	fx_init(&f, 8, 2);
	n[0] = create(&f, 0, EXO_RIGHTS_ALL, 0);
	for (int i = 1; i < 8; i++)
		n[i] = derive(&f, n[i - 1], (uint16_t)(i % 2), EXO_RIGHTS_ALL);
	ck_assert_uint_eq(f.cs.live, 8);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), -EXO_ENOMEM);
	ck_assert_int_eq(cap_derive(&f.cs, n[7], 1, 0), -EXO_ENOMEM);
	ck_assert_int_eq(cap_create_kernel(&f.cs, EXO_CAP_PAGE, 0, 0), -EXO_ENOMEM);
	/* Failures take no slot. */
	ck_assert_uint_eq(f.tables[0].used, 4);
	ck_assert_uint_eq(f.tables[1].used, 4);
	ck_assert_int_eq(cap_lookup(&f.cs, 0, 4), -1);

	/* Freed nodes are reused. */
	freed = n[5];
	ck_assert_int_eq(cap_destroy(&f.cs, freed, NULL, NULL), 0);
	ck_assert_uint_eq(f.cs.live, 5);
	ck_assert(!live(&f, n[6]) && !live(&f, n[7]));
	for (int i = 0; i < 3; i++) {
		s = cap_create(&f.cs, 1, EXO_CAP_ENV, EXO_RIGHT_READ, (uint64_t)i);
		ck_assert_int_ge(s, 0);
		ck_assert(node_at(&f, 1, s) == n[5] || node_at(&f, 1, s) == n[6] ||
		          node_at(&f, 1, s) == n[7]);
	}
	ck_assert_int_eq(cap_create(&f.cs, 1, EXO_CAP_PAGE, 0, 0), -EXO_ENOMEM);
	ck_assert_uint_eq(f.cs.bump, 8);

	/* Everything back, then a full pool again. */
	cap_destroy_all(&f.cs, 0, NULL, NULL);
	cap_destroy_all(&f.cs, 1, NULL, NULL);
	ck_assert_uint_eq(f.cs.live, 0);
	for (int i = 0; i < 8; i++)
		ck_assert_int_gt(cap_create_kernel(&f.cs, EXO_CAP_PAGE, 0, 0), 0);
	ck_assert_int_eq(cap_create_kernel(&f.cs, EXO_CAP_PAGE, 0, 0), -EXO_ENOMEM);
	ck_assert_uint_eq(f.cs.bump, 8);
	fx_free(&f);

	/* An empty pool. */
	fx_init(&f, 0, 1);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), -EXO_ENOMEM);
	ck_assert_uint_eq(f.tables[0].used, 0);
	fx_free(&f);
}
END_TEST

START_TEST(table_full)
{
	struct fixture f;
	uint32_t other;

	fx_init(&f, EXO_CAP_SLOTS + 8, 2);
	other = create(&f, 1, EXO_RIGHTS_ALL, 0);
	for (int i = 0; i < EXO_CAP_SLOTS; i++)
		ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, (uint64_t)i), i);
	ck_assert_uint_eq(f.tables[0].used, EXO_CAP_SLOTS);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), -EXO_EBUSY);
	ck_assert_int_eq(cap_derive(&f.cs, other, 0, 0), -EXO_EBUSY);
	ck_assert_uint_eq(f.cs.live, EXO_CAP_SLOTS + 1);

	/* A freed slot is the next one used; the lowest free one first. */
	ck_assert_int_eq(cap_destroy(&f.cs, node_at(&f, 0, 700), NULL, NULL), 0);
	ck_assert_int_eq(cap_destroy(&f.cs, node_at(&f, 0, 63), NULL, NULL), 0);
	ck_assert_int_eq(cap_destroy(&f.cs, node_at(&f, 0, EXO_CAP_SLOTS - 1), NULL, NULL), 0);
	ck_assert_uint_eq(f.tables[0].used, EXO_CAP_SLOTS - 3);
	ck_assert_int_eq(cap_derive(&f.cs, other, 0, EXO_RIGHT_READ), 63);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), 700);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), EXO_CAP_SLOTS - 1);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), -EXO_EBUSY);
	/* The other table is unaffected. */
	ck_assert_int_eq(cap_create(&f.cs, 1, EXO_CAP_PAGE, 0, 0), 1);

	cap_destroy_all(&f.cs, 0, NULL, NULL);
	ck_assert_uint_eq(f.tables[0].used, 0);
	ck_assert_uint_eq(f.cs.live, 2);
	ck_assert_int_eq(cap_create(&f.cs, 0, EXO_CAP_PAGE, 0, 0), 0);
	fx_free(&f);
}
END_TEST

START_TEST(destroy_all_holder)
{
	struct fixture f;
	struct rec r;
	uint32_t a, b, a1, a2, a12, a10, r1, r10, r12, r102, k, k0, k2;
	int64_t kk;

	fx_init(&f, 32, 3);
	rec_init(&r, 32);
	/* Holder 0's own caps and what was derived from them, in all tables. */
	a = create(&f, 0, EXO_RIGHTS_ALL, 1);
	b = create(&f, 0, EXO_RIGHT_READ, 2);
	a1 = derive(&f, a, 1, EXO_RIGHTS_ALL);
	a2 = derive(&f, a, 2, EXO_RIGHT_READ);
	a12 = derive(&f, a1, 2, EXO_RIGHT_READ);
	a10 = derive(&f, a1, 0, EXO_RIGHT_READ); /* back into holder 0 */
	/* Holder 1's root, derived into holder 0 and 2, and on from holder 0 to 2. */
	r1 = create(&f, 1, EXO_RIGHTS_ALL, 3);
	r10 = derive(&f, r1, 0, EXO_RIGHTS_ALL);
	r12 = derive(&f, r1, 2, EXO_RIGHT_READ);
	r102 = derive(&f, r10, 2, EXO_RIGHT_READ);
	/* A kernel root derived into 0 and 2. */
	kk = cap_create_kernel(&f.cs, EXO_CAP_ENV, EXO_RIGHTS_ALL, 4);
	ck_assert_int_gt(kk, 0);
	k = (uint32_t)(kk - 1);
	k0 = derive(&f, k, 0, EXO_RIGHT_READ);
	k2 = derive(&f, k, 2, EXO_RIGHT_READ);
	ck_assert_uint_eq(f.cs.live, 13);
	ck_assert_uint_eq(f.tables[0].used, 5);

	cap_destroy_all(&f.cs, 0, rec_unbind, &r);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_int_eq(r.total, 9);
	{
		uint32_t gone[] = {a, b, a1, a2, a12, a10, r10, r102, k0};

		for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
			ck_assert_uint_eq(r.count[gone[i]], 1);
			ck_assert(!live(&f, gone[i]));
		}
	}
	ck_assert_uint_eq(f.tables[0].used, 0);
	for (int s = 0; s < EXO_CAP_SLOTS; s++)
		ck_assert_int_eq(cap_lookup(&f.cs, 0, s), -1);
	/* Holder 1 lost a1 only; holder 2 keeps what came from elsewhere. */
	ck_assert_uint_eq(f.tables[1].used, 1);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, f.pool[r1].slot), r1);
	ck_assert_uint_eq(f.tables[2].used, 2);
	ck_assert(live(&f, r12) && live(&f, k2) && live(&f, k));
	ck_assert_int_eq(children(&f, r1), 1);
	ck_assert(has_child(&f, r1, r12));
	ck_assert_int_eq(children(&f, k), 1);
	ck_assert(has_child(&f, k, k2));
	ck_assert_uint_eq(f.cs.live, 4);

	/* Again on an empty table, and on holders out of range: nothing. */
	rec_reset(&r);
	cap_destroy_all(&f.cs, 0, rec_unbind, &r);
	cap_destroy_all(&f.cs, 3, rec_unbind, &r);
	cap_destroy_all(&f.cs, CAP_HOLDER_KERNEL, rec_unbind, &r);
	ck_assert_int_eq(r.total, 0);
	ck_assert_uint_eq(f.cs.live, 4);
	rec_free(&r);
	fx_free(&f);
}
END_TEST

/* Randomized operations against a reference model: arrays with parent pointers. */
#define M_POOL 64
#define M_TAB  4

struct model {
	bool live[M_POOL];
	int parent[M_POOL]; /* -1: a root */
	int holder[M_POOL]; /* CAP_HOLDER_KERNEL for kernel roots */
	int slot[M_POOL];
	uint32_t type[M_POOL], rights[M_POOL];
	uint64_t object[M_POOL];
	uint32_t table[M_TAB][EXO_CAP_SLOTS]; /* node + 1 */
	uint32_t nlive;
	bool doomed[M_POOL]; /* scratch: nodes an operation should destroy */
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static int m_lowest_free(const struct model *m, int h)
{
	for (int s = 0; s < EXO_CAP_SLOTS; s++)
		if (m->table[h][s] == 0)
			return s;
	return -1;
}

/* A random live node, or -1. */
static int m_pick(const struct model *m)
{
	int start = (int)rnd(M_POOL);

	for (int i = 0; i < M_POOL; i++) {
		int n = (start + i) % M_POOL;

		if (m->live[n])
			return n;
	}
	return -1;
}

static bool m_is_desc(const struct model *m, int d, int anc)
{
	for (int p = m->parent[d]; p >= 0; p = m->parent[p])
		if (p == anc)
			return true;
	return false;
}

/* Marks the descendants of n (and n itself if self) as doomed; returns how many. */
static int m_mark(struct model *m, int n, bool self)
{
	int k = 0;

	for (int i = 0; i < M_POOL; i++)
		if (m->live[i] && !m->doomed[i] && ((self && i == n) || m_is_desc(m, i, n))) {
			m->doomed[i] = true;
			k++;
		}
	return k;
}

static void m_add(struct model *m, uint32_t n, int parent, int holder, int slot, uint32_t type,
                  uint32_t rights, uint64_t object)
{
	ck_assert_uint_lt(n, M_POOL);
	ck_assert(!m->live[n]);
	m->live[n] = true;
	m->parent[n] = parent;
	m->holder[n] = holder;
	m->slot[n] = slot;
	m->type[n] = type;
	m->rights[n] = rights;
	m->object[n] = object;
	if (holder != CAP_HOLDER_KERNEL)
		m->table[holder][slot] = n + 1;
	m->nlive++;
}

/* Checks that rec saw exactly the doomed nodes, once each, and removes them. */
static void m_reap(struct model *m, struct rec *r)
{
	int k = 0;

	ck_assert_int_eq(r->bad, 0);
	for (int i = 0; i < M_POOL; i++) {
		ck_assert_uint_eq(r->count[i], m->doomed[i] ? 1 : 0);
		if (!m->doomed[i])
			continue;
		k++;
		m->doomed[i] = false;
		m->live[i] = false;
		if (m->holder[i] != CAP_HOLDER_KERNEL)
			m->table[m->holder[i]][m->slot[i]] = 0;
		m->nlive--;
	}
	ck_assert_int_eq(r->total, k);
	rec_reset(r);
}

/* Check's assertions mark a point through a pipe in fork mode, far too slow for the
 * loops below: these only call into Check on failure. */
#define EXPECT(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			ck_abort_msg("model mismatch: %s (i=%d)", #c, i);                          \
	} while (0)

/* The implementation's state equals the model's. */
static void m_check(struct fixture *f, const struct model *m)
{
	int nchild[M_POOL] = {0};
	uint32_t nfree = 0;
	int i = -1;

	EXPECT(f->cs.live == m->nlive);
	for (i = 0; i < M_POOL; i++)
		if (m->live[i] && m->parent[i] >= 0)
			nchild[m->parent[i]]++;
	for (i = 0; i < M_POOL; i++) {
		const struct cap_node *c = &f->pool[i];
		uint32_t prev = 0;
		int k = 0;

		EXPECT(live(f, (uint32_t)i) == m->live[i]);
		if (!m->live[i])
			continue;
		EXPECT(c->type == m->type[i]);
		EXPECT(c->rights == m->rights[i]);
		EXPECT(c->object == m->object[i]);
		EXPECT(c->holder == m->holder[i]);
		EXPECT(m->holder[i] == CAP_HOLDER_KERNEL || c->slot == m->slot[i]);
		EXPECT(c->parent == (uint32_t)(m->parent[i] + 1));
		for (uint32_t ch = c->first_child; ch != 0; ch = f->pool[ch - 1].next_sibling) {
			EXPECT(ch <= M_POOL && k < M_POOL);
			EXPECT(m->live[ch - 1] && m->parent[ch - 1] == i);
			EXPECT(f->pool[ch - 1].prev_sibling == prev);
			prev = ch;
			k++;
		}
		EXPECT(k == nchild[i]);
	}
	for (i = 0; i < M_TAB; i++) {
		const struct cap_table *t = &f->tables[i];
		uint32_t used = 0;

		EXPECT(memcmp(t->slot, m->table[i], sizeof(t->slot)) == 0);
		for (int w = 0; w < CAP_MAP_WORDS; w++) {
			uint64_t bits = 0;

			for (int b = 0; b < 64; b++)
				bits |= (uint64_t)(m->table[i][w * 64 + b] != 0) << b;
			EXPECT(t->map[w] == bits);
			EXPECT(((t->full[w / 64] >> (w % 64)) & 1) == (bits == ~0ull));
			used += (uint32_t)__builtin_popcountll(bits);
		}
		EXPECT(t->used == used);
		/* Slots past 2 * M_POOL are never used (lowest free first). */
		for (int s = 0; s < 2 * M_POOL; s++)
			EXPECT(cap_lookup(&f->cs, (uint16_t)i, s) == (int64_t)m->table[i][s] - 1);
	}
	/* The free list holds exactly the freed nodes below bump. */
	i = -1;
	for (uint32_t n = f->cs.free_head; n != 0; n = f->pool[n - 1].next_sibling) {
		EXPECT(n <= f->cs.bump && nfree < M_POOL);
		EXPECT(!m->live[n - 1]);
		nfree++;
	}
	EXPECT(nfree + m->nlive == f->cs.bump);
}

static void stress_run(uint64_t seed, int ops)
{
	struct fixture f;
	struct rec r;
	struct model *m = calloc(1, sizeof(*m));
	int counts[8] = {0};

	ck_assert_ptr_nonnull(m);
	rng_state = seed;
	fx_init(&f, M_POOL, M_TAB);
	rec_init(&r, M_POOL);
	for (int op = 0; op < ops; op++) {
		uint32_t kind = rnd(100);
		int n = m_pick(m);

		if (kind < 25 || n < 0) { /* create */
			int h = (int)rnd(M_TAB), want = m_lowest_free(m, h);
			uint32_t type = 1 + rnd(2), rights = rnd(EXO_RIGHTS_ALL + 1);
			uint64_t obj = rnd(1000);
			int s = cap_create(&f.cs, (uint16_t)h, type, rights, obj);

			if (m->nlive == M_POOL) {
				ck_assert_int_eq(s, -EXO_ENOMEM);
				counts[7]++;
			} else {
				ck_assert_int_eq(s, want);
				m_add(m, node_at(&f, (uint16_t)h, s), -1, h, s, type, rights, obj);
			}
			counts[0]++;
		} else if (kind < 30) { /* kernel root */
			uint32_t type = 1 + rnd(2), rights = rnd(EXO_RIGHTS_ALL + 1);
			int64_t k = cap_create_kernel(&f.cs, type, rights, 5);

			if (m->nlive == M_POOL) {
				ck_assert_int_eq(k, -EXO_ENOMEM);
				counts[7]++;
			} else {
				ck_assert_int_gt(k, 0);
				m_add(m, (uint32_t)(k - 1), -1, CAP_HOLDER_KERNEL, 0, type, rights,
				      5);
			}
			counts[1]++;
		} else if (kind < 70) { /* derive, rights sometimes not a subset */
			int h = (int)rnd(M_TAB), want = m_lowest_free(m, h);
			uint32_t rights = rnd(8) == 0 ? rnd(EXO_RIGHTS_ALL + 1)
			                              : m->rights[n] & rnd(EXO_RIGHTS_ALL + 1);
			int s = cap_derive(&f.cs, (uint32_t)n, (uint16_t)h, rights);

			if ((rights & ~m->rights[n]) != 0) {
				ck_assert_int_eq(s, -EXO_EPERM);
			} else if (m->nlive == M_POOL) {
				ck_assert_int_eq(s, -EXO_ENOMEM);
				counts[7]++;
			} else {
				ck_assert_int_eq(s, want);
				m_add(m, node_at(&f, (uint16_t)h, s), n, h, s, m->type[n], rights,
				      m->object[n]);
			}
			counts[2]++;
		} else if (kind < 80) { /* revoke */
			int want = m_mark(m, n, false);

			ck_assert_int_eq(cap_revoke(&f.cs, (uint32_t)n, rec_unbind, &r), want);
			m_reap(m, &r);
			counts[3]++;
		} else if (kind < 90) { /* destroy */
			m_mark(m, n, true);
			ck_assert_int_eq(cap_destroy(&f.cs, (uint32_t)n, rec_unbind, &r), 0);
			ck_assert_int_eq(r.last, n);
			m_reap(m, &r);
			counts[4]++;
		} else if (kind < 93) { /* destroy_all */
			int h = (int)rnd(M_TAB);

			for (int s = 0; s < EXO_CAP_SLOTS; s++)
				if (m->table[h][s] != 0)
					m_mark(m, (int)m->table[h][s] - 1, true);
			cap_destroy_all(&f.cs, (uint16_t)h, rec_unbind, &r);
			m_reap(m, &r);
			counts[5]++;
		} else { /* operations on a free node fail and change nothing */
			int d = (int)rnd(M_POOL + 2);

			if (d < M_POOL && m->live[d])
				continue;
			ck_assert_int_eq(cap_revoke(&f.cs, (uint32_t)d, rec_unbind, &r),
			                 -EXO_EINVAL);
			ck_assert_int_eq(cap_destroy(&f.cs, (uint32_t)d, rec_unbind, &r),
			                 -EXO_EINVAL);
			ck_assert_int_eq(cap_derive(&f.cs, (uint32_t)d, 0, 0), -EXO_EINVAL);
			ck_assert_int_eq(r.total, 0);
			counts[6]++;
		}
		m_check(&f, m);
	}
	/* Every kind of operation ran, and the pool was full at some point. */
	for (int i = 0; i < 8; i++)
		ck_assert_int_gt(counts[i], 0);
	ck_assert_uint_eq(f.cs.bump, M_POOL);
	rec_free(&r);
	fx_free(&f);
	free(m);
}

START_TEST(stress)
{
	static const uint64_t seeds[] = {1, 0x9e3779b97f4a7c15ull, 12345, 0xdeadbeef};

	stress_run(seeds[_i], 4000);
}
END_TEST

/* Runs: a child names part of its parent's run; a partial revoke kills the
 * children (with their subtrees) that name a frame of the part, and no other. */
START_TEST(runs_part)
{
	struct fixture f;
	struct rec r;

	fx_init(&f, 32, 3);
	rec_init(&r, 32);
	int s = cap_create_run(&f.cs, 0, EXO_CAP_PAGE, EXO_RIGHTS_ALL, 1000, 16);
	uint32_t root = node_at(&f, 0, s);
	ck_assert_uint_eq(f.pool[root].count, 16);
	ck_assert_int_eq(cap_create_run(&f.cs, 0, EXO_CAP_PAGE, EXO_RIGHTS_ALL, 1, 0), -EXO_EINVAL);

	uint32_t lo = node_at(&f, 1, cap_derive_part(&f.cs, root, 1, EXO_RIGHT_READ, 0, 4));
	uint32_t mid = node_at(&f, 1, cap_derive_part(&f.cs, root, 1, EXO_RIGHT_READ, 4, 8));
	uint32_t hi = node_at(&f, 2, cap_derive_part(&f.cs, root, 2, EXO_RIGHT_READ, 12, 4));
	uint32_t all = node_at(&f, 2, cap_derive_part(&f.cs, root, 2, EXO_RIGHT_READ, 0, 0));
	uint32_t mid_kid = node_at(&f, 2, cap_derive_part(&f.cs, mid, 2, EXO_RIGHT_READ, 7, 1));
	ck_assert_uint_eq(f.pool[mid].object, 1004);
	ck_assert_uint_eq(f.pool[mid].count, 8);
	ck_assert_uint_eq(f.pool[all].object, 1000);
	ck_assert_uint_eq(f.pool[all].count, 16);
	ck_assert_uint_eq(f.pool[mid_kid].object, 1011);
	ck_assert_uint_eq(f.pool[mid_kid].count, 1);

	/* Outside the run, empty, wrapping: refused, nothing made. */
	ck_assert_int_eq(cap_derive_part(&f.cs, root, 1, 0, 16, 1), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_part(&f.cs, root, 1, 0, 15, 2), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_part(&f.cs, mid, 1, 0, 8, 1), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_part(&f.cs, root, 1, 0, UINT64_MAX, 2), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_part(&f.cs, root, 1, 0, 1, UINT64_MAX), -EXO_EINVAL);
	ck_assert_uint_eq(f.cs.live, 6);

	/* Frames [11, 12) of the root: mid (4..11) and its child, and all. */
	ck_assert_int_eq(cap_revoke_part(&f.cs, root, 11, 1, rec_unbind, &r), 3);
	ck_assert_int_eq(r.bad, 0);
	ck_assert(!live(&f, mid) && !live(&f, mid_kid) && !live(&f, all));
	ck_assert(live(&f, lo) && live(&f, hi) && live(&f, root));
	ck_assert_int_eq(children(&f, root), 2);
	/* The part must lie in the run. */
	ck_assert_int_eq(cap_revoke_part(&f.cs, root, 16, 1, rec_unbind, &r), -EXO_EINVAL);
	ck_assert_int_eq(cap_revoke_part(&f.cs, root, 10, 7, rec_unbind, &r), -EXO_EINVAL);
	ck_assert_int_eq(cap_revoke_part(&f.cs, root, 0, 0, rec_unbind, &r), -EXO_EINVAL);
	/* A part touching nothing derived kills nothing; [3, 13) touches both. */
	ck_assert_int_eq(cap_revoke_part(&f.cs, root, 4, 8, rec_unbind, &r), 0);
	ck_assert_int_eq(cap_revoke_part(&f.cs, root, 3, 10, rec_unbind, &r), 2);
	ck_assert_int_eq(children(&f, root), 0);
	ck_assert_uint_eq(f.cs.live, 1);
	rec_free(&r);
	fx_free(&f);
}
END_TEST

/* The kernel's rule (captab.c's cap_keep_page): a page capability that
 * mappings or capabilities elsewhere still depend on outlives its holder. */
static bool keep_page(const struct cap_system *cs, uint32_t node)
{
	const struct cap_node *n = &cs->nodes[node];
	return n->type == EXO_CAP_PAGE && (n->bindings || n->first_child);
}

START_TEST(derive_at_slot)
{
	struct fixture f;
	uint32_t root;

	fx_init(&f, 16, 2);
	root = node_at(&f, 0,
	               cap_create_run(&f.cs, 0, EXO_CAP_PAGE,
	                              EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT, 100, 8));
	/* the slot asked for, however many are free below it */
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_READ, 0, 0, 700), 700);
	ck_assert_uint_eq(f.pool[node_at(&f, 1, 700)].object, 100);
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_READ, 2, 3, 5), 5);
	ck_assert_uint_eq(f.pool[node_at(&f, 1, 5)].object, 102);
	ck_assert_uint_eq(f.pool[node_at(&f, 1, 5)].count, 3);
	/* refusals: a slot in use, out of range, rights the parent lacks, frames
	 * outside its run, a parent that is not live */
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_READ, 0, 0, 700), -EXO_EBUSY);
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_READ, 0, 0, EXO_CAP_SLOTS),
	                 -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_READ, 0, 0, -1), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_WRITE, 0, 0, 9), -EXO_EPERM);
	ck_assert_int_eq(cap_derive_at(&f.cs, root, 1, EXO_RIGHT_READ, 6, 3, 9), -EXO_EINVAL);
	ck_assert_int_eq(cap_derive_at(&f.cs, 15, 1, EXO_RIGHT_READ, 0, 0, 9), -EXO_EINVAL);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, 9), -1);
	ck_assert_uint_eq(f.cs.live, 3);
	fx_free(&f);
}
END_TEST

START_TEST(orphans)
{
	struct fixture f;
	struct rec r;
	uint32_t list[4];
	uint32_t a, a1, b, c, d, d1;

	fx_init(&f, 32, 3);
	rec_init(&r, 32);
	cap_orphans_init(&f.cs, list, 4);
	a = create(&f, 0, EXO_RIGHTS_ALL, 1); /* lent: a capability derived elsewhere */
	a1 = derive(&f, a, 1, EXO_RIGHT_READ);
	b = create(&f, 0, EXO_RIGHTS_ALL, 2); /* ours alone */
	c = create(&f, 0, EXO_RIGHTS_ALL, 3); /* mapped elsewhere with it (the rmap's count) */
	f.pool[c].bindings = 2;
	d = create(&f, 0, EXO_RIGHTS_ALL, 4); /* derived only into its own holder */
	d1 = derive(&f, d, 0, EXO_RIGHT_READ);

	cap_destroy_all_keeping(&f.cs, 0, rec_unbind, keep_page, &r);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_uint_eq(f.tables[0].used, 0);
	/* b and d1 went; a and c are orphans, out of every table; d, kept while d1
	 * lived, is freed by the reap */
	ck_assert(!live(&f, b));
	ck_assert(!live(&f, d1));
	ck_assert(live(&f, a) && live(&f, c) && live(&f, a1));
	ck_assert_uint_eq(f.pool[a].holder, CAP_HOLDER_KERNEL);
	ck_assert_uint_eq(f.pool[a].slot, CAP_SLOT_ORPHAN);
	ck_assert_int_eq(cap_lookup(&f.cs, 1, (int)f.pool[a1].slot), a1);
	ck_assert_int_eq(cap_reap(&f.cs, rec_unbind, &r), 1);
	ck_assert(!live(&f, d));
	ck_assert_int_eq(f.cs.norphans, 2);
	/* nothing changed: nothing to free */
	ck_assert_int_eq(cap_reap(&f.cs, rec_unbind, &r), 0);
	ck_assert(!f.cs.orphan_dirty);

	/* a1's end frees a (its unbind called once, as for any destroy) */
	rec_reset(&r);
	ck_assert_int_eq(cap_destroy(&f.cs, a1, rec_unbind, &r), 0);
	ck_assert(f.cs.orphan_dirty);
	ck_assert_int_eq(cap_reap(&f.cs, rec_unbind, &r), 1);
	ck_assert(!live(&f, a));
	ck_assert_uint_eq(r.count[a], 1);
	/* c goes with its last binding */
	f.pool[c].bindings--;
	cap_binding_gone(&f.cs, c);
	ck_assert(!f.cs.orphan_dirty);
	f.pool[c].bindings--;
	cap_binding_gone(&f.cs, c);
	ck_assert(f.cs.orphan_dirty);
	ck_assert_int_eq(cap_reap(&f.cs, rec_unbind, &r), 1);
	ck_assert(!live(&f, c));
	ck_assert_int_eq(f.cs.norphans, 0);
	ck_assert_uint_eq(f.cs.live, 0);
	ck_assert_int_eq(r.bad, 0);

	/* with no room for orphans, a holder's end revokes as before */
	cap_orphans_init(&f.cs, list, 0);
	a = create(&f, 0, EXO_RIGHTS_ALL, 1);
	a1 = derive(&f, a, 1, EXO_RIGHT_READ);
	cap_destroy_all_keeping(&f.cs, 0, rec_unbind, keep_page, &r);
	ck_assert(!live(&f, a) && !live(&f, a1));
	ck_assert_uint_eq(f.cs.live, 0);
	rec_free(&r);
	fx_free(&f);
}
END_TEST

Suite *cap_suite(void)
{
	Suite *s = suite_create("cap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, create_lookup);
	tcase_add_test(tc, lookup_ranges);
	tcase_add_test(tc, derive_rights);
	tcase_add_test(tc, revoke_root_tree);
	tcase_add_test(tc, revoke_middle);
	tcase_add_test(tc, runs_part);
	tcase_add_test(tc, destroy_unlinks);
	tcase_add_test(tc, deep_chain);
	tcase_add_test(tc, pool_exhaustion);
	tcase_add_test(tc, table_full);
	tcase_add_test(tc, destroy_all_holder);
	tcase_add_test(tc, derive_at_slot);
	tcase_add_test(tc, orphans);
	tcase_add_loop_test(tc, stress, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
