/* Capabilities as the kernel uses them.  A page capability's root is created
 * when a page is acquired and its holder owns the page; when the root dies the
 * page is freed.  Every mapping is a binding recorded in the rmap under the
 * capability that made it, so revoking a capability unmaps exactly what was
 * mapped with it and with everything derived from it. */
#include <exo/cap.h>
#include <exo/env.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/page.h>

#include "captab.h"
#include "env.h"
#include "kernel.h"
#include "pmem.h"
#include "reclaim.h"
#include "rmap.h"
#include "slice.h"
#include "uaccess.h"
#include "virtio_disk.h"
#include "pagetable.h"

struct cap_system caps;
static struct cap_node *cap_nodes;
static uint64_t ncap_nodes;
static struct cap_table cap_tables[EXO_NENV];
/* Page capabilities that outlived their holder (cap.h's orphans): one per
 * run a dead process's children still map or hold; when it is full, a dying
 * holder's capabilities die with their mappings, as before. */
static uint32_t orphan_list[16384];

/* A root for every frame of RAM, whoever holds it, plus 64 Ki for
 * environments, slices and derived capabilities (a root per frame is the worst
 * case: single pages; a run needs one); 40 bytes per frame, 1% of
 * RAM.  Links are 32-bit (cap_system_init caps the count). */
static uint64_t cap_count(uint64_t ram_pages)
{
	return ram_pages + 65536;
}

const struct pmem_pool captab_pool = {cap_count, sizeof(struct cap_node), (void **)&cap_nodes,
                                      &ncap_nodes};

void captab_init(void)
{
	uint32_t n = ncap_nodes < UINT32_MAX ? (uint32_t)ncap_nodes : UINT32_MAX;
	cap_system_init(&caps, cap_nodes, n, cap_tables, EXO_NENV);
	cap_orphans_init(&caps, orphan_list, sizeof(orphan_list) / sizeof(orphan_list[0]));
}

void captab_reap(void)
{
	if (caps.orphan_dirty)
		cap_reap(&caps, cap_unbind, 0);
}

const struct cap_node *cap_of(const struct env *e, int64_t slot, uint32_t type, uint32_t rights)
{
	int64_t i = cap_lookup(&caps, e->slot, slot);
	if (i < 0)
		return (const struct cap_node *)(intptr_t)-EXO_EBADF;
	const struct cap_node *n = &caps.nodes[i];
	if (n->type != type)
		return (const struct cap_node *)(intptr_t)-EXO_EINVAL;
	if ((n->rights & rights) != rights)
		return (const struct cap_node *)(intptr_t)-EXO_EPERM;
	return n;
}

uint32_t cap_node_index(const struct cap_node *n)
{
	return (uint32_t)(n - caps.nodes);
}

bool cap_node_has(uint32_t node_plus1, uint32_t rights)
{
	return node_plus1 && (caps.nodes[node_plus1 - 1].rights & rights) == rights;
}

void cap_unbind(struct cap_system *cs, uint32_t node, void *ctx)
{
	(void)ctx;
	const struct cap_node *n = &cs->nodes[node];
	if (n->type == EXO_CAP_SLICE && !n->parent)
		slice_release(n->object, node + 1);
	if (n->type != EXO_CAP_PAGE)
		return;
	if (vblk_inflight) /* no frame changes hands under a disk transfer */
		virtio_blk_drain_frames(n->object, n->count);
	/* Most runs die unmapped (a libOS unmaps before it releases): no walk. */
	for (uint64_t f = 0; f < n->count && n->bindings; f++)
		rmap_unbind_node(n->object + f, node, vm_unbind);
	if (!n->parent) { /* the root: its holder owned the pages */
		struct env *owner = env_by_slot(n->holder);
		if (owner) {
			owner->info->pages -= n->count;
			reclaim_pages_returned(owner, n->count);
		}
		run_free(n->object, n->count);
	}
}

bool cap_keep_page(const struct cap_system *cs, uint32_t node)
{
	const struct cap_node *n = &cs->nodes[node];
	return n->type == EXO_CAP_PAGE && (n->bindings || n->first_child);
}

int cap_acquire_page(struct env *e, uint64_t want, uint64_t *pfn_out)
{
	uint64_t pfn;
	if (want == EXO_ANY) {
		uint64_t pa = page_alloc(e->slot, EXO_PAGE_USER);
		if (!pa)
			return reclaim_for(e);
		pfn = PFN(pa);
	} else {
		int err = page_alloc_at(want, e->slot, EXO_PAGE_USER);
		if (err)
			return err;
		pfn = want;
	}
	int slot = cap_create(&caps, e->slot, EXO_CAP_PAGE, EXO_RIGHTS_ALL, pfn);
	if (slot < 0) {
		page_free(PA(pfn));
		return slot;
	}
	e->info->pages++;
	*pfn_out = pfn;
	return slot;
}

long sys_cap_acquire(uint64_t type, uint64_t arg)
{
	if (type != EXO_CAP_PAGE)
		return -EXO_EINVAL; /* environments are created, slices allocated */
	uint64_t pfn;
	return cap_acquire_page(curenv, arg, &pfn);
}

/* n fresh pages in one crossing: each kernel entry costs tens of µs here, so a
 * libOS growing a heap by 2 MiB pays one instead of 512.  The output array is
 * checked writable first, so pages are never acquired for a result that
 * cannot be delivered. */
long sys_page_alloc(uint64_t out, uint64_t n)
{
	static struct exo_page_grant grants[EXO_PAGE_ALLOC_MAX];
	if (n == 0 || n > EXO_PAGE_ALLOC_MAX)
		return -EXO_EINVAL;
	uint64_t bytes = n * sizeof(grants[0]);
	if (user_writable(curenv->pml4, out, bytes))
		return -EXO_EFAULT;
	uint64_t got = 0;
	long err = 0;
	for (; got < n; got++) {
		int slot = cap_acquire_page(curenv, EXO_ANY, &grants[got].pfn);
		if (slot < 0) {
			err = slot;
			break;
		}
		grants[got].cap = slot;
		grants[got].pad = 0;
	}
	if (got == 0)
		return err;
	copy_to_user(curenv->pml4, out, grants, got * sizeof(grants[0])); /* checked above */
	return (long)got;
}

/* One root capability over n contiguous frames: what a libOS asks for when it
 * wants memory by the megabyte.  The kernel's work is a few table stores
 * however large the run (pmem.c), where PAGE_ALLOC costs ~170 ring-0
 * instructions per page. */
long sys_run_alloc(uint64_t out, uint64_t n, uint64_t flags)
{
	if (n == 0 || n > UINT32_MAX || flags & ~(uint64_t)EXO_RUN_LARGE ||
	    (flags & EXO_RUN_LARGE && n % EXO_LARGE_PAGES))
		return -EXO_EINVAL;
	if (user_writable(curenv->pml4, out, sizeof(struct exo_page_grant)))
		return -EXO_EFAULT;
	uint64_t pa = run_alloc(n, flags & EXO_RUN_LARGE, curenv->slot);
	if (!pa)
		return reclaim_for(curenv);
	int slot = cap_create_run(&caps, curenv->slot, EXO_CAP_PAGE, EXO_RIGHTS_ALL, PFN(pa),
	                          (uint32_t)n);
	if (slot < 0) {
		run_free(PFN(pa), n);
		return slot;
	}
	curenv->info->pages += n;
	struct exo_page_grant g = {.cap = slot, .pfn = PFN(pa)};
	copy_to_user(curenv->pml4, out, &g, sizeof(g)); /* checked above */
	return slot;
}

long sys_cap_release(uint64_t slot)
{
	int64_t node = cap_lookup(&caps, curenv->slot, (int64_t)slot);
	if (node < 0)
		return -EXO_EBADF;
	int r = cap_destroy(&caps, (uint32_t)node, cap_unbind, 0);
	captab_reap();
	return r;
}

long sys_cap_grant(uint64_t slot, uint64_t env_cap, uint64_t rights, uint64_t first, uint64_t count)
{
	int64_t node = cap_lookup(&caps, curenv->slot, (int64_t)slot);
	if (node < 0)
		return -EXO_EBADF;
	if (!(caps.nodes[node].rights & EXO_RIGHT_GRANT) || rights & ~EXO_RIGHTS_ALL)
		return -EXO_EPERM;
	int err;
	struct env *target = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!target)
		return err;
	return cap_derive_part(&caps, (uint32_t)node, target->slot, (uint32_t)rights, first, count);
}

long sys_cap_grant_at(uint64_t env_cap, uint64_t ops, uint64_t n)
{
	int err;
	struct env *target = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!target)
		return err;
	if (n == 0 || n > EXO_GRANT_BATCH)
		return -EXO_EINVAL;
	struct exo_grant_op buf[16];
	long done = 0;
	while ((uint64_t)done < n) {
		uint64_t chunk = n - (uint64_t)done < 16 ? n - (uint64_t)done : 16;
		if ((err = copy_from_user(curenv->pml4, buf, ops + (uint64_t)done * sizeof(buf[0]),
		                          chunk * sizeof(buf[0]))))
			return done ? done : err;
		for (uint64_t i = 0; i < chunk; i++) {
			const struct exo_grant_op *op = &buf[i];
			int64_t node = cap_lookup(&caps, curenv->slot, op->cap);
			if (node < 0)
				err = -EXO_EBADF;
			else if (!(caps.nodes[node].rights & EXO_RIGHT_GRANT) ||
			         op->rights & ~EXO_RIGHTS_ALL)
				err = -EXO_EPERM;
			else
				err = cap_derive_at(&caps, (uint32_t)node, target->slot, op->rights,
				                    op->first, op->count, op->slot);
			if (err < 0)
				return done ? done : err;
			done++;
		}
	}
	return done;
}

long sys_cap_revoke(uint64_t slot, uint64_t first, uint64_t count)
{
	int64_t node = cap_lookup(&caps, curenv->slot, (int64_t)slot);
	if (node < 0)
		return -EXO_EBADF;
	if (!(caps.nodes[node].rights & EXO_RIGHT_REVOKE))
		return -EXO_EPERM;
	int r = count ? cap_revoke_part(&caps, (uint32_t)node, first, count, cap_unbind, 0)
	              : cap_revoke(&caps, (uint32_t)node, cap_unbind, 0);
	captab_reap();
	return r;
}

long sys_cap_info(uint64_t slot, uint64_t out)
{
	int64_t node = cap_lookup(&caps, curenv->slot, (int64_t)slot);
	if (node < 0)
		return -EXO_EBADF;
	const struct cap_node *n = &caps.nodes[node];
	struct exo_cap_info info = {n->type, n->rights, n->object, n->count};
	return copy_to_user(curenv->pml4, out, &info, sizeof(info));
}
