/* Visible revocation of memory, and the abort protocol (include/exo/sched.h).
 *
 * When the kernel wants pages back (memory ran out, or an environment holding
 * EXO_RIGHT_REVOKE over another asked) it tells the owner how many, through
 * the u-area and, if it asked for one, an EXO_VEC_RECLAIM upcall.  The owner
 * has kinfo.reclaim_grace_ticks to release that many pages.  After that the kernel
 * breaks the bindings itself: it takes pages the owner maps in the range its
 * libOS declared revocable (uarea.revocable_lo/hi), destroying the page's
 * root capability so every mapping of it goes, and records each one in the
 * owner's repossession vector.  A page is freed before anyone can acquire it
 * again, so no page is ever owned twice. */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/page.h>
#include <exo/sched.h>

#include "arch.h"
#include "captab.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "pmem.h"
#include "reclaim.h"
#include "rmap.h"
#include "pagetable.h"
#include "wakeup.h"
#include "x86.h"

#define RECLAIM_BATCH 64 /* pages asked for when memory runs out */

uint64_t reclaiming;

static void finish(struct env *e)
{
	/* Memory pressure does not ask it again until it holds more pages. */
	if (e->reclaim_left == e->reclaim_asked)
		e->reclaim_barren = e->info->pages;
	reclaiming &= ~env_bit(e);
	e->reclaim_left = 0;
	e->uarea->reclaim_request = 0;
}

void reclaim_start(struct env *e, uint64_t n)
{
	e->reclaim_asked = n;
	e->reclaim_left = n;
	e->reclaim_deadline = kinfo_page.ticks + kinfo_page.reclaim_grace_ticks;
	e->uarea->reclaim_request = n;
	e->uarea->reclaim_deadline = e->reclaim_deadline;
	reclaiming |= env_bit(e);
	if (env_wants(e, EXO_EV_RECLAIM)) {
		e->pending |= PENDING_RECLAIM;
		if (sleeping & env_bit(e))
			wakeup_now(e, -EXO_EINTR); /* to run its handler in time */
	}
}

void reclaim_pages_returned(struct env *e, uint64_t n)
{
	if (!e->reclaim_left)
		return;
	e->reclaim_left = n < e->reclaim_left ? e->reclaim_left - n : 0;
	if (!e->reclaim_left)
		finish(e);
}

void reclaim_forget(struct env *e)
{
	reclaiming &= ~env_bit(e);
	e->reclaim_left = 0;
}

/* The repossession vector: the libOS's count is read once and bounded. */
static void record(struct env *e, uint64_t va, uint64_t pfn)
{
	uint32_t n = e->uarea->nrepossessed;
	if (n < EXO_REPOSSESS_MAX) {
		e->uarea->repossessed[n] = (struct exo_repossessed){va, pfn};
		e->uarea->nrepossessed = n + 1;
	} else {
		e->uarea->lost++;
	}
}

/* Takes the page at va if e owns it through a root capability in its own
 * table (not a page another environment shared with it, not its u-area). */
static int take(struct env *e, uint64_t va, uint64_t pte, void *ctx)
{
	(void)ctx;
	uint64_t pfn = PFN(pte & PTE_ADDR_MASK);
	if (page_info[pfn].type != EXO_PAGE_USER || page_info[pfn].owner != e->slot)
		return 0;
	uint32_t node = rmap_find(pfn, e->slot, pte & PTE_PS ? va | RMAP_LARGE : va);
	if (!node)
		return 0;
	uint32_t root = node - 1;
	while (caps.nodes[root].parent)
		root = caps.nodes[root].parent - 1;
	const struct cap_node *r = &caps.nodes[root];
	if (r->holder != e->slot || pfn < r->object || pfn - r->object >= r->count)
		return 0;
	record(e, va, pfn);
	cap_destroy(&caps, root, cap_unbind, 0); /* unmaps everywhere, frees, counts */
	return e->reclaim_left == 0;
}

static void take_by_force(struct env *e)
{
	uint64_t lo = e->uarea->revocable_lo, hi = e->uarea->revocable_hi;
	if (lo < hi)
		vm_each_page(e, lo, hi, take, 0);
	if (e->reclaim_left)
		kverbose("exo: env %u (%s): %lu page(s) owed and none revocable left\n", e->id,
		         e->info->name, e->reclaim_left);
	finish(e);
}

void reclaim_poll(void)
{
	for (uint64_t m = reclaiming; m; m &= m - 1) {
		struct env *e = &envs[__builtin_ctzl(m)];
		if (kinfo_page.ticks >= e->reclaim_deadline)
			take_by_force(e);
	}
}

/* The kernel's last-resort memory policy: the choice of victim.
 *
 * An exokernel leaves policy to libOSes, and memory is normally divided among
 * them by whoever holds EXO_RIGHT_REVOKE over another environment: a libOS that
 * manages its children asks them for pages with RECLAIM, choosing whom by its
 * own rules.  This function is what remains when nobody did, and a
 * CAP_ACQUIRE(EXO_ANY) finds memory empty: the kernel must either fail the
 * call or take pages from someone, and only the kernel sees every
 * environment's page count.  Its rule is deliberately simple and visible:
 *   - the live environment, other than the caller, holding the most pages
 *     (exo_env_info.pages, exported, so anyone can predict the choice);
 *   - skipping one whose last request gave nothing until it holds more pages
 *     (reclaim_barren: asking it again would only spin);
 *   - asked for min(its pages, RECLAIM_BATCH) through the ordinary visible
 *     protocol (upcall, grace period, then the revocable range only).
 * The caller gets EAGAIN; with no candidate, ENOMEM.
 *
 * How a libOS avoids it: leave memory free (keep its own pool and give pages
 * back), or manage memory between its environments itself with RECLAIM before
 * the machine runs dry, and declare a revocable range holding only what it can
 * lose, so that even the last resort takes nothing it needs
 * (docs/architecture.md, "The kernel's last-resort victim"). */
int reclaim_for(struct env *requester)
{
	if (reclaiming)
		return -EXO_EAGAIN; /* pages are on their way */
	struct env *victim = 0;
	for (int s = 1; s < EXO_NENV; s++) {
		struct env *e = env_by_slot((uint16_t)s);
		if (e && e != requester && e->info->pages > e->reclaim_barren &&
		    (!victim || e->info->pages > victim->info->pages))
			victim = e;
	}
	if (!victim)
		return -EXO_ENOMEM;
	reclaim_start(victim,
	              victim->info->pages < RECLAIM_BATCH ? victim->info->pages : RECLAIM_BATCH);
	return -EXO_EAGAIN;
}

long sys_reclaim(uint64_t env_cap, uint64_t npages)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_REVOKE, &err);
	if (!e)
		return err;
	if (e == curenv || !npages || npages > e->info->pages)
		return -EXO_EINVAL;
	if (e->reclaim_left)
		return -EXO_EBUSY;
	reclaim_start(e, npages);
	return 0;
}
