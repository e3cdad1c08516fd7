/* Visible memory revocation, the abort protocol (include/exo/sched.h,
 * docs/architecture.md "Memory revocation", kernel/reclaim.c).
 *
 *  1. A cooperative libOS, asked for 16 pages with EXO_SYS_RECLAIM while it
 *     runs, and another while it sleeps in WAIT (which the request cuts short
 *     with EINTR).  Each time its reclaim upcall releases exactly 16 pages and
 *     the kernel takes nothing by force.  (A host that holds our vCPU can
 *     deliver the deadline's tick before the handler is done: such an attempt
 *     is retried with a fresh child, up to 8 times.)
 *  2. An uncooperative libOS (no reclaim upcall): after the grace period the
 *     kernel takes 16 pages from its revocable range and lists them in its
 *     repossession vector, which it reads the next time it runs.  A page we
 *     shared into that range is left alone; our own mappings of its pages
 *     (through capabilities it granted us) go with them.  A request that finds
 *     nothing it may take (only the u-area and a shared page) takes nothing
 *     and ends anyway.
 *  3. No page is ever owned twice: the pages taken are free (and zeroed when
 *     handed out again), the pages the victim still maps are its own and no one
 *     can acquire them, and every environment owns exactly as many user pages
 *     as its exported count says.
 *  4. EXO_SYS_RECLAIM's errors, with their exact errno.
 *  5. Memory pressure: we fill memory with page tables; CAP_ACQUIRE then says
 *     EAGAIN while the kernel asks the biggest other environment for 64 pages.
 *     The biggest has nothing revocable and gives nothing, so it is not asked
 *     again: the next biggest is, the kernel takes 64 of its pages, and our
 *     retry succeeds; later its last 16.  Then nobody is left: ENOMEM.  (The
 *     kernel's mapping records, one per frame and 64 Ki more, outlast memory;
 *     filling memory takes time, so ctest gives exosim --mem 256M, QEMU 128M.)
 * Nothing timing- or layout-dependent is printed (no pfns, ids, or counts that
 * depend on the libOS). */
#define TEST_NAME "reclaim"
#include <string.h>

#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define PG     EXO_PAGE_SIZE
#define NPAGES 64 /* mapped in each child's revocable region */
#define NTAKE  16 /* asked back */
#define NFRESH 32 /* acquired by us afterwards */
/* ticks: reclaim_deadline = now + grace (docs/abi.md); ctest widens it with
 * exo.reclaim_grace so that a loaded host does not make every answer late. */
#define GRACE     ((uint64_t)exo_kinfo()->reclaim_grace_ticks)
#define BATCH     64 /* memory pressure asks for min(pages, 64) */
#define SHARED    0x4e0000000000ul
#define SH_PAGES  2
#define REGION1   0x500000000000ul /* the cooperative child's revocable region */
#define REGION2   0x510000000000ul /* the uncooperative child's (one page below too) */
#define SCRATCH   0x520000000000ul /* ours: a page we look at */
#define MIRROR    0x521000000000ul /* ours: the uncooperative child's pages, granted to us */
#define FOREIGN   0x522000000000ul /* ours: the page we map into its revocable range */
#define REGION5   0x530000000000ul /* the pressure victim's revocable region */
#define REGIONB   0x540000000000ul /* the barren child's pages (nothing revocable) */
#define NVICTIM   80               /* 5: the victim's revocable pages */
#define NBARREN   120              /* 5: the barren child's pages */
#define EXTRA     200              /* pages we hold, so that we are bigger than everyone */
#define FILL_BASE 0x100000000000ul /* 5: one page per GiB from here... */
#define FILL_END  0x4e0000000000ul /* ...to here at most */
#define WAIT_MS   10000ul

struct shared {
	struct coop { /* 1: the cooperative child */
		volatile uint64_t ready, report, reported, calls, asked, req_in, req_out;
		volatile uint64_t t_end, t_resume, deadline, nrepossessed, lost, req_now;
		volatile uint64_t kept, gone;
		volatile int64_t err, wait;
	} c1;
	/* 2: the uncooperative child */
	volatile uint64_t parent_cap, c2_ready, c2_done, c2_cmd, c2_ack, c2_exit;
	volatile int64_t c2_wait;
	volatile uint64_t c2_n, c2_lost, c2_in_range, c2_same_pfn, c2_distinct, c2_unmapped;
	volatile uint64_t c2_faults, c2_cap_gone, c2_kept, c2_req_now, c2_foreign;
	volatile uint64_t c2_b_req, c2_b_n, c2_b_foreign, c2_c_n, c2_c_lost;
	volatile int64_t gslot[NPAGES]; /* its pages, granted to us */
	volatile uint64_t pfn[NPAGES];  /* what it mapped at REGION2 + i pages */
	volatile uint64_t now[NPAGES];  /* what is mapped there after the take (0: nothing) */
	volatile uint64_t rpfn[NTAKE];  /* the pfns the kernel took */
	/* 5: memory pressure */
	volatile uint64_t v_ready, b_ready, p_exit, v_n, v_lost, v_in_range, b_n;
};
_Static_assert(sizeof(struct shared) <= SH_PAGES * EXO_PAGE_SIZE, "shared pages");
#define SH ((struct shared *)SHARED)

/* Waits (yielding) until cond holds or WAIT_MS pass; evaluates to whether it holds. */
#define WAIT_FOR(cond)                                                                             \
	({                                                                                         \
		uint64_t t0_ = exo_rdtsc();                                                        \
		while (!(cond) && exo_rdtsc() - t0_ < WAIT_MS * exo_kinfo()->tsc_khz)              \
			exo_yield();                                                               \
		!!(cond);                                                                          \
	})

/* Returns just after a timer tick: a request made now gets the whole grace
 * period (its deadline is GRACE ticks away, not GRACE - 1 and a bit). */
static uint64_t tick_start(void)
{
	uint64_t t = exo_kinfo()->ticks, t0 = exo_rdtsc();
	while (exo_kinfo()->ticks == t && exo_rdtsc() - t0 < WAIT_MS * exo_kinfo()->tsc_khz)
		;
	return exo_kinfo()->ticks;
}

static uint64_t pattern(uint64_t va)
{
	return va * 0x9e3779b97f4a7c15ull ^ 0x5eed;
}

/* The page at va holds the pattern written for address `as`. */
static int holds(uint64_t va, uint64_t as)
{
	return ((volatile uint64_t *)va)[0] == pattern(as) &&
	       ((volatile uint64_t *)va)[PG / 8 - 1] == ~pattern(as);
}

static void fill(uint64_t base, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t va = base + (uint64_t)i * PG;
		((volatile uint64_t *)va)[0] = pattern(va);
		((volatile uint64_t *)va)[PG / 8 - 1] = ~pattern(va);
	}
}

static int present(uint64_t va)
{
	return (exos_pte(va) & EXO_PTE_P) != 0;
}

static long spawn_child(int (*fn)(void *), const char *name, void *arg, int start)
{
	long id = exos_env_spawn_shared(fn, arg, name, SHARED, SH_PAGES);
	if (id <= 0)
		return -1;
	return !start || exos_env_start((uint32_t)id) == 0 ? id : -1;
}

static int alive(const volatile struct exo_env_info *e)
{
	return e->state != EXO_ENV_FREE && e->state != EXO_ENV_EXITED;
}

/* ---- 1. cooperative ---- */

static uint64_t c1_mapped; /* the child's own copy: pages still mapped at REGION1 */

static void give_back(uint64_t npages)
{
	struct coop *c = &SH->c1;
	c->calls++;
	c->asked = npages;
	c->req_in = exo_uarea()->reclaim_request;
	if (npages > c1_mapped)
		npages = c1_mapped;
	c1_mapped -= npages;
	/* Unmap the top npages and release our capabilities for them. */
	c->err = exos_unmap_range(REGION1 + c1_mapped * PG, npages);
	c->req_out = exo_uarea()->reclaim_request;
	c->t_end = exo_kinfo()->ticks;
}

/* arg != 0: sleep in WAIT while the request comes, else run (yield). */
static int cooperative(void *arg)
{
	struct coop *c = &SH->c1;
	if (exos_map_range(REGION1, NPAGES, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 10;
	fill(REGION1, NPAGES);
	c1_mapped = NPAGES;
	exos_set_revocable(REGION1, REGION1 + NPAGES * PG);
	if (exos_on_reclaim(give_back) < 0)
		return 11;
	c->ready = 1;
	if (!arg) {
		while (!c->report)
			exo_yield();
	} else { /* the bare WAIT, to see it cut short */
		struct exo_pred_term t = {.op = EXO_PRED_NE,
		                          .lhs_kind = EXO_OPND_MEM,
		                          .rhs_kind = EXO_OPND_CONST,
		                          .lhs = (uint64_t)&c->report};
		c->wait = exo_wait(&t, 1);
		c->t_resume = exo_kinfo()->ticks;
		exos_wait_word(&c->report, EXO_PRED_NE, 0, 0);
	}
	volatile struct exo_uarea *u = exo_uarea();
	c->deadline = u->reclaim_deadline;
	c->nrepossessed = u->nrepossessed;
	c->lost = u->lost;
	c->req_now = u->reclaim_request;
	for (uint64_t i = 0; i < NPAGES; i++) {
		uint64_t va = REGION1 + i * PG;
		if (i < c1_mapped)
			c->kept += present(va) && holds(va, va);
		else
			c->gone += !present(va);
	}
	c->reported = 1;
	return 0;
}

/* What the parent saw in one attempt. */
struct coop_seen {
	int spawned, ready, asleep, dropped, passed, reported;
	long req, status;
	uint64_t p0, p1, p2, t_req;
};

/* One attempt with a fresh child.  Returns 0 if the child lost the race with
 * the deadline through no fault of the kernel (the host can hold our vCPU for
 * ticks): the kernel took pages, and the handler either finished its work at
 * or after the deadline or did not get the CPU before it. */
static int cooperative_attempt(int asleep, struct coop_seen *w)
{
	struct coop *c = &SH->c1;
	memset((void *)c, 0, sizeof(*c));
	memset(w, 0, sizeof(*w));
	c->err = c->req_out = c->req_now = -1; /* what a handler that never ran leaves */
	long id = spawn_child(cooperative, asleep ? "cooperative-asleep" : "cooperative",
	                      (void *)(uint64_t)asleep, 1);
	long cap = id > 0 ? exos_env_cap((uint32_t)id) : -1;
	const volatile struct exo_env_info *ci = exos_env_info((uint32_t)id);
	w->spawned = cap > 0;
	if (cap <= 0)
		return 1;
	w->ready = WAIT_FOR(c->ready) && ci->pages >= NPAGES && (ci->events & EXO_EV_RECLAIM);
	if (asleep)
		w->asleep = WAIT_FOR(ci->state == EXO_ENV_SLEEPING);
	w->p0 = ci->pages;
	w->t_req = tick_start();
	w->req = exo_reclaim((int)cap, NTAKE);
	exo_yield_to((int)cap); /* the rest of our slice: it answers well within the grace */
	w->dropped = WAIT_FOR(ci->pages <= w->p0 - NTAKE);
	w->p1 = ci->pages;
	/* Well past the deadline: the request was met, nothing more is taken. */
	w->passed = WAIT_FOR(exo_kinfo()->ticks > w->t_req + GRACE + 2);
	w->p2 = ci->pages;
	c->report = 1;
	w->reported = WAIT_FOR(c->reported);
	w->status = exos_env_wait((uint32_t)id);
	int late = c->calls ? c->t_end >= c->deadline : !asleep || c->t_resume >= c->deadline;
	return !(c->nrepossessed && late);
}

static void test_cooperative(int asleep)
{
	const char *how = asleep ? "cooperative, asleep" : "cooperative, running";
	struct coop *c = &SH->c1;
	struct coop_seen w;
	static char msg[128];
#define M(what) (snprintf(msg, sizeof(msg), "%s: %s", how, what), msg)

	for (int attempt = 1; attempt < 8 && !cooperative_attempt(asleep, &w); attempt++)
		fprintf(stderr,
		        "reclaim: %s: attempt %d lost the race with the deadline (tick +%ld): "
		        "handler done at +%ld, %lu page(s) taken; retrying\n",
		        how, attempt, (long)(c->deadline - w.t_req), (long)(c->t_end - w.t_req),
		        (unsigned long)c->nrepossessed);
	CHECK(w.spawned && w.ready,
	      "%s: a child maps 64 pages, declares them revocable, registers a handler", how);
	if (asleep)
		CHECK(w.asleep, "%s: it sleeps in WAIT", how);
	RET(w.req, 0, M("ask it for 16 pages back"));
	CHECK(w.dropped && w.p1 == w.p0 - NTAKE,
	      "%s: its exported page count dropped by exactly 16", how);
	RET(c->calls, 1, M("reclaim upcalls"));
	RET(c->asked, NTAKE, M("the upcall asked for"));
	RET(c->req_in, NTAKE, M("u-area reclaim_request in the handler"));
	RET(c->err, 0, M("the handler unmapped and released 16 pages"));
	RET(c->req_out, 0, M("reclaim_request once the 16th page came back"));
	CHECK(c->deadline >= w.t_req + GRACE, "%s",
	      M("u-area reclaim_deadline is the grace period after the request or later"));
	CHECK(w.passed && w.p2 == w.p0 - NTAKE,
	      "%s: after the deadline it still owns exactly 16 fewer pages", how);
	CHECK(w.reported, "%s: the child reports", how);
	if (asleep)
		ERR(c->wait, EXO_EINTR, M("its WAIT was cut short for the upcall"));
	RET(c->nrepossessed, 0, M("entries in its repossession vector"));
	RET(c->lost, 0, M("entries lost"));
	RET(c->req_now, 0, M("reclaim_request afterwards"));
	RET(c->kept, NPAGES - NTAKE, M("pages it kept, mapped and intact"));
	RET(c->gone, NTAKE, M("pages it gave back, unmapped"));
	RET(w.status, 0, M("the child exited"));
}
#undef M

/* ---- 2. uncooperative ---- */

static int uncooperative(void *arg)
{
	(void)arg;
	probe_install(); /* exceptions for the probes; no reclaim upcall */
	if (exos_map_range(REGION2, NPAGES, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 10;
	fill(REGION2, NPAGES);
	for (uint64_t i = 0; i < NPAGES; i++) {
		SH->pfn[i] = exos_pfn(REGION2 + i * PG);
		SH->gslot[i] = exo_cap_grant((int)exos_page_cap(SH->pfn[i]), (int)SH->parent_cap,
		                             EXO_RIGHT_READ | EXO_RIGHT_MAP);
	}
	/* The page below REGION2 is the parent's, shared into the range. */
	exos_set_revocable(REGION2 - PG, REGION2 + NPAGES * PG);
	SH->c2_ready = 1;

	/* Spin reading every page until the kernel has taken 16: we are the
	 * environment running when it takes them, with their translations fresh in
	 * the TLB. */
	volatile struct exo_uarea *u = exo_uarea();
	uint64_t t0 = exo_rdtsc();
	while (u->nrepossessed < NTAKE && exo_rdtsc() - t0 < WAIT_MS * exo_kinfo()->tsc_khz)
		for (uint64_t i = 0; i < NPAGES; i++)
			probe_read((const volatile void *)(REGION2 + i * PG));
	SH->c2_wait = u->nrepossessed >= NTAKE ? 0 : -EXO_EAGAIN;
	uint32_t n = u->nrepossessed;
	uint64_t taken = 0; /* bit i: REGION2 + i pages was taken */
	SH->c2_n = n;
	SH->c2_lost = u->lost;
	SH->c2_req_now = u->reclaim_request;
	for (uint32_t k = 0; k < n && k < EXO_REPOSSESS_MAX; k++) {
		uint64_t va = u->repossessed[k].va, pfn = u->repossessed[k].pfn;
		if (k < NTAKE)
			SH->rpfn[k] = pfn;
		if (va >= REGION2 && va < REGION2 + NPAGES * PG && !(va & (PG - 1))) {
			uint64_t i = (va - REGION2) / PG;
			SH->c2_in_range++;
			SH->c2_same_pfn += SH->pfn[i] == pfn;
			SH->c2_distinct += !(taken >> i & 1);
			taken |= 1ul << i;
		}
		SH->c2_unmapped += !present(va);
		SH->c2_faults += probe_read((const volatile void *)va) == -14;
		/* The libOS still remembers a slot for the pfn: the kernel emptied it. */
		struct exo_cap_info info;
		long slot = exos_page_cap(pfn);
		SH->c2_cap_gone += slot >= 0 && exo_cap_info((int)slot, &info) == -EXO_EBADF;
		exos_page_cap_forget(pfn);
	}
	u->nrepossessed = 0; /* read: the libOS resets the vector */
	for (uint64_t i = 0; i < NPAGES; i++) {
		uint64_t va = REGION2 + i * PG;
		SH->now[i] = exos_pfn(va);
		if (!(taken >> i & 1))
			SH->c2_kept += SH->now[i] == SH->pfn[i] && holds(va, va);
	}
	SH->c2_foreign = present(REGION2 - PG) && holds(REGION2 - PG, FOREIGN);
	SH->c2_done = 1;

	/* A range with nothing the kernel may take: a shared page and the u-area. */
	exos_wait_word(&SH->c2_cmd, EXO_PRED_EQ, 1, 0);
	exos_set_revocable(EXO_UAREA - PG, EXO_UAREA + PG);
	SH->c2_ack = 1;
	exos_wait_word(&SH->c2_cmd, EXO_PRED_EQ, 2, 0);
	SH->c2_b_req = u->reclaim_request;
	SH->c2_b_n = u->nrepossessed;
	SH->c2_b_foreign = present(EXO_UAREA - PG) && holds(EXO_UAREA - PG, FOREIGN);
	exos_set_revocable(REGION2 - PG, REGION2 + NPAGES * PG);
	/* The vector's count is ours to write, e.g. past the end of the vector. */
	u->lost = 0;
	u->nrepossessed = 0xfffffff0u;
	SH->c2_ack = 2;
	exos_wait_word(&SH->c2_cmd, EXO_PRED_EQ, 3, 0);
	SH->c2_c_n = u->nrepossessed;
	SH->c2_c_lost = u->lost;
	SH->c2_ack = 3;
	exos_wait_word(&SH->c2_exit, EXO_PRED_NE, 0, 0); /* we are destroyed before */
	return 0;
}

/* Our page, mapped at FOREIGN and into the child at va. */
static long share_foreign(long cap, uint64_t va, long slot)
{
	struct exo_map_op op = {.npages = 1, .va = va, .cap = (int32_t)slot, .perm = EXO_PTE_NX};
	return exo_map((int)cap, &op, 1);
}

static void test_uncooperative(long id, long cap, long fslot)
{
	CHECK(cap > 0 && fslot > 0,
	      "uncooperative: spawned a child; we map a page of ours into it");
	if (cap <= 0 || fslot <= 0)
		return;
	fill(FOREIGN, 1);
	RET(share_foreign(cap, REGION2 - PG, fslot), 1, "uncooperative: just below its region");
	RET(share_foreign(cap, EXO_UAREA - PG, fslot), 1, "uncooperative: and below its u-area");
	SH->parent_cap = (uint64_t)exo_cap_grant(EXO_CAP_SELF, (int)cap, EXO_RIGHT_WRITE);
	RET(exos_env_start((uint32_t)id), 0, "uncooperative: started it");
	CHECK(WAIT_FOR(SH->c2_ready),
	      "uncooperative: it maps 64 pages, declares them and our page revocable, no handler");
	const volatile struct exo_env_info *ci = exos_env_info((uint32_t)id);
	uint64_t p0 = ci->pages;
	CHECK(p0 >= NPAGES && !(ci->events & EXO_EV_RECLAIM),
	      "uncooperative: it owns >= 64 pages and takes no reclaim upcalls");
	struct exo_map_op ops[NPAGES];
	for (int i = 0; i < NPAGES; i++)
		ops[i] = (struct exo_map_op){.npages = 1, .va = MIRROR + (uint64_t)i * PG,
		                             .cap = (int32_t)SH->gslot[i],
		                             .perm = EXO_PTE_NX};
	RET(exo_map(EXO_CAP_SELF, ops, NPAGES), NPAGES,
	    "uncooperative: we map its 64 pages too, through capabilities it granted us");

	uint64_t t_req = tick_start();
	RET(exo_reclaim((int)cap, NTAKE), 0, "uncooperative: ask it for 16 pages back");
	CHECK(ci->pages == p0 || exo_kinfo()->ticks >= t_req + GRACE,
	      "uncooperative: nothing is taken before the deadline");
	/* We sleep, so the child is the one running when the kernel takes. */
	RET(exos_wait_word(&SH->c2_done, EXO_PRED_NE, 0, WAIT_MS * 1000000ul), 0,
	    "uncooperative: we sleep until the child reports");
	CHECK(SH->c2_done, "uncooperative: it did");
	CHECK(ci->pages == p0 - NTAKE,
	      "uncooperative: after the grace period its page count dropped by exactly 16");
	RET(SH->c2_wait, 0, "uncooperative: it spun until its repossession vector had 16 entries");
	RET(SH->c2_n, NTAKE, "uncooperative: nrepossessed");
	RET(SH->c2_lost, 0, "uncooperative: entries lost");
	RET(SH->c2_in_range, NTAKE, "uncooperative: entries inside its own pages' range");
	RET(SH->c2_distinct, NTAKE, "uncooperative: distinct pages among them");
	RET(SH->c2_same_pfn, NTAKE, "uncooperative: entries whose pfn is the one it mapped at va");
	RET(SH->c2_unmapped, NTAKE, "uncooperative: entries whose va is now unmapped");
	RET(SH->c2_faults, NTAKE, "uncooperative: entries whose va faults when read");
	RET(SH->c2_cap_gone, NTAKE, "uncooperative: entries whose capability slot is now empty");
	RET(SH->c2_kept, NPAGES - NTAKE, "uncooperative: other pages still mapped and intact");
	CHECK(SH->c2_foreign, "uncooperative: the page we shared into the range is still there");
	RET(SH->c2_req_now, 0, "uncooperative: reclaim_request afterwards");
	CHECK(ci->pages == p0 - NTAKE, "uncooperative: it still owns exactly 16 fewer pages");

	/* Our mappings of its pages: gone exactly for the pages taken. */
	int gone = 0, kept = 0, stale = 0, released = 0;
	for (int i = 0; i < NPAGES; i++) {
		uint64_t va = MIRROR + (uint64_t)i * PG;
		struct exo_cap_info info;
		if (SH->now[i]) {
			kept += present(va) && exos_pfn(va) == SH->now[i] &&
			        holds(va, REGION2 + (uint64_t)i * PG);
			released += exo_cap_release((int)SH->gslot[i]) == 0 && !present(va);
		} else {
			gone += !present(va) &&
			        exo_cap_info((int)SH->gslot[i], &info) == -EXO_EBADF;
		}
		stale += !SH->now[i] && present(va);
	}
	RET(gone, NTAKE, "uncooperative: taken pages whose mapping and capability we lost too");
	RET(stale, 0, "uncooperative: taken pages we can still reach");
	RET(kept, NPAGES - NTAKE, "uncooperative: the others, still mapped in our space");
	RET(released, NPAGES - NTAKE, "uncooperative: released our capabilities for them");

	/* A request when nothing in the range may be taken. */
	SH->c2_cmd = 1;
	CHECK(WAIT_FOR(SH->c2_ack == 1),
	      "uncooperative: it declares only our page and its u-area revocable");
	uint64_t p1 = ci->pages;
	t_req = exo_kinfo()->ticks;
	RET(exo_reclaim((int)cap, 4), 0, "uncooperative: ask it for 4 pages");
	CHECK(WAIT_FOR(exo_kinfo()->ticks > t_req + GRACE + 2),
	      "uncooperative: the deadline passes");
	CHECK(ci->pages == p1, "uncooperative: nothing was taken");
	SH->c2_cmd = 2;
	CHECK(WAIT_FOR(SH->c2_ack == 2), "uncooperative: the child reports");
	RET(SH->c2_b_req, 0, "uncooperative: the request ended anyway: reclaim_request");
	RET(SH->c2_b_n, 0, "uncooperative: nrepossessed");
	CHECK(SH->c2_b_foreign, "uncooperative: our page is still there (and its u-area works)");
	const struct exo_page *pg = &exos_pages()[exos_pfn(FOREIGN)];
	CHECK(pg->type == EXO_PAGE_USER && pg->owner == exos_self_id() % EXO_NENV && pg->refs == 3,
	      "uncooperative: our page is ours, mapped 3 times");
}

/* ---- 3. no page is ever owned twice ---- */

static int is_now(uint64_t pfn)
{
	for (int i = 0; i < NPAGES; i++)
		if (SH->now[i] == pfn)
			return 1;
	return 0;
}

static int zeroed(uint64_t va)
{
	for (uint64_t i = 0; i < PG / 8; i++)
		if (((volatile uint64_t *)va)[i])
			return 0;
	return 1;
}

static void test_owned_once(long id)
{
	const struct exo_page *pg = exos_pages();
	uint16_t me = (uint16_t)(exos_self_id() % EXO_NENV), victim = (uint16_t)(id % EXO_NENV);
	int n;

	n = 0;
	for (int k = 0; k < NTAKE; k++)
		n += pg[SH->rpfn[k]].type == EXO_PAGE_FREE && pg[SH->rpfn[k]].refs == 0;
	RET(n, NTAKE, "owned once: pages taken that are free and mapped nowhere");

	/* Acquire each taken page again by number: it must come back zeroed. */
	int got = 0, clean = 0;
	for (int k = 0; k < NTAKE; k++) {
		long slot = exo_cap_acquire(EXO_CAP_PAGE, SH->rpfn[k]);
		if (slot < 0)
			continue;
		got++;
		struct exo_map_op op = {.npages = 1, .va = SCRATCH, .cap = (int32_t)slot, .perm = EXO_PTE_NX};
		if (exo_map(EXO_CAP_SELF, &op, 1) == 1) {
			clean += zeroed(SCRATCH);
			exo_unmap(EXO_CAP_SELF, SCRATCH, 1);
		}
		exo_cap_release((int)slot);
	}
	RET(got, NTAKE, "owned once: pages taken that we can acquire by pfn");
	RET(clean, NTAKE, "owned once: of those, zeroed (nothing of the victim's data left)");

	long fresh[NFRESH];
	uint64_t fpfn[NFRESH];
	got = 0;
	for (int i = 0; i < NFRESH; i++) {
		struct exo_cap_info info;
		fresh[i] = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
		fpfn[i] =
		        fresh[i] >= 0 && exo_cap_info((int)fresh[i], &info) == 0 ? info.object : 0;
		got += fpfn[i] != 0;
	}
	RET(got, NFRESH, "owned once: we acquire 32 fresh pages");

	n = 0;
	for (int k = 0; k < NTAKE; k++)
		n += pg[SH->rpfn[k]].type == EXO_PAGE_USER && pg[SH->rpfn[k]].owner == victim;
	RET(n, 0, "owned once: pages taken still owned by the victim");
	int mapped = 0;
	n = 0;
	for (int i = 0; i < NPAGES; i++) {
		uint64_t p = SH->now[i];
		if (!p)
			continue;
		mapped++;
		n += pg[p].type == EXO_PAGE_USER && pg[p].owner == victim && pg[p].refs == 1;
	}
	RET(mapped, NPAGES - NTAKE, "owned once: pages the victim still maps in its region");
	RET(n, NPAGES - NTAKE, "owned once: of those, owned by it and mapped once");
	n = 0;
	for (int i = 0; i < NFRESH; i++)
		n += fpfn[i] && pg[fpfn[i]].type == EXO_PAGE_USER && pg[fpfn[i]].owner == me &&
		     pg[fpfn[i]].refs == 0 && !is_now(fpfn[i]);
	RET(n, NFRESH, "owned once: our fresh pages are ours, unmapped, none the victim maps");
	n = 0;
	for (int i = 0; i < NPAGES; i++)
		if (SH->now[i])
			n += exo_cap_acquire(EXO_CAP_PAGE, SH->now[i]) == -EXO_EBUSY;
	RET(n, NPAGES - NTAKE, "owned once: the victim's pages refuse acquisition (EBUSY)");

	/* Every environment owns exactly its exported number of user pages. */
	uint64_t count[EXO_NENV] = {0};
	uint64_t np = exos_npages();
	for (uint64_t p = 0; p < np; p++)
		if (pg[p].type == EXO_PAGE_USER && pg[p].owner < EXO_NENV)
			count[pg[p].owner]++;
	int envs_ok = 1, live = 0;
	for (int s = 1; s < EXO_NENV; s++) {
		const volatile struct exo_env_info *e = &exos_envs()[s];
		live += alive(e);
		if (count[s] != (alive(e) ? e->pages : 0)) {
			envs_ok = 0;
			printf("reclaim: slot %d: %lu user pages, exported %lu\n", s,
			       (unsigned long)count[s], (unsigned long)e->pages);
		}
	}
	CHECK(envs_ok && live == 2, "owned once: each environment's user pages in the page-info "
	                            "table = its exported count");
	n = 0;
	for (int i = 0; i < NFRESH; i++)
		n += fresh[i] >= 0 && exo_cap_release((int)fresh[i]) == 0;
	RET(n, NFRESH, "owned once: released the fresh pages");
}

/* ---- 4. errors ---- */

static void test_errors(long id, long cap)
{
	const volatile struct exo_env_info *ci = exos_env_info((uint32_t)id);
	long norevoke = exo_cap_grant((int)cap, EXO_CAP_SELF, EXO_RIGHTS_ALL & ~EXO_RIGHT_REVOKE);
	CHECK(norevoke > 0, "errors: derived a capability for the child without EXO_RIGHT_REVOKE");
	ERR(exo_reclaim((int)norevoke, 1), EXO_EPERM, "errors: reclaim without EXO_RIGHT_REVOKE");
	ERR(exo_reclaim((int)cap, 0), EXO_EINVAL, "errors: reclaim 0 pages");
	ERR(exo_reclaim((int)cap, ci->pages + 1), EXO_EINVAL,
	    "errors: reclaim one page more than it owns");
	ERR(exo_reclaim((int)cap, ~0ul), EXO_EINVAL, "errors: reclaim 2^64 - 1 pages");
	ERR(exo_reclaim(EXO_CAP_SELF, 1), EXO_EINVAL, "errors: reclaim from ourselves");
	ERR(exo_reclaim(EXO_CAP_SLOTS - 1, 1), EXO_EBADF, "errors: reclaim with an empty slot");
	ERR(exo_reclaim(EXO_CAP_SLOTS, 1), EXO_EBADF, "errors: reclaim with a slot past the table");
	ERR(exo_reclaim(-1, 1), EXO_EBADF, "errors: reclaim with slot -1");
	ERR(exo_reclaim((int)exos_page_cap(exos_pfn(SHARED)), 1), EXO_EINVAL,
	    "errors: reclaim with a page capability");

	long revoke_only = exo_cap_grant((int)cap, EXO_CAP_SELF, EXO_RIGHT_REVOKE);
	CHECK(revoke_only > 0, "errors: derived a capability with only EXO_RIGHT_REVOKE");
	/* Two back-to-back calls; should the host hold our vCPU for the whole
	 * grace period in between, the first request is over: try again. */
	uint64_t p0;
	long r1, r2, r3;
	for (int attempt = 0; attempt < 5; attempt++) {
		p0 = ci->pages;
		uint64_t t0 = tick_start();
		r1 = exo_reclaim((int)revoke_only, 1);
		r2 = exo_reclaim((int)cap, 1);
		r3 = exo_reclaim((int)norevoke, 1);
		uint64_t t1 = exo_kinfo()->ticks;
		if (r2 == -EXO_EBUSY || t1 < t0 + GRACE)
			break;
		fprintf(stderr, "reclaim: the grace period passed between two calls\n");
		WAIT_FOR(exo_kinfo()->ticks > t1 + GRACE + 2); /* both requests end */
	}
	RET(r1, 0, "errors: which suffices to ask for 1 page");
	ERR(r2, EXO_EBUSY, "errors: a second request while one is pending");
	ERR(r3, EXO_EPERM, "errors: rights are checked first");
	CHECK(WAIT_FOR(ci->pages < p0) && ci->pages == p0 - 1,
	      "errors: the pending request completes: the kernel takes 1 page");
	SH->c2_cmd = 3;
	CHECK(WAIT_FOR(SH->c2_ack == 3), "errors: the child reports");
	RET(SH->c2_c_lost, 1, "errors: it had set nrepossessed past the vector: entries lost");
	CHECK(SH->c2_c_n == 0xfffffff0u, "errors: and nrepossessed is as it left it");
	uint64_t t_req = exo_kinfo()->ticks;
	RET(exo_reclaim((int)cap, 1), 0, "errors: one more request");
	RET(exos_env_kill((uint32_t)id), 0, "errors: the child is destroyed while it is pending");
	CHECK(ci->state == EXO_ENV_EXITED && ci->pages == 0, "errors: it is gone, with its pages");
	CHECK(WAIT_FOR(exo_kinfo()->ticks > t_req + GRACE + 2),
	      "errors: the deadline passes (the kernel forgot the request)");
	ERR(exo_reclaim((int)revoke_only, 1), EXO_EBADF,
	    "errors: capabilities for an environment that ended are gone");
}

/* ---- 5. memory pressure ---- */

static int pressure_victim(void *arg)
{
	(void)arg;
	if (exos_map_range(REGION5, NVICTIM, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 10;
	fill(REGION5, NVICTIM);
	exos_set_revocable(REGION5, REGION5 + NVICTIM * PG);
	/* Pretend we never read the vector: only 10 entries are left in it. */
	volatile struct exo_uarea *u = exo_uarea();
	u->nrepossessed = EXO_REPOSSESS_MAX - 10;
	SH->v_ready = 1;
	exos_wait_word(&SH->p_exit, EXO_PRED_NE, 0, 0);
	SH->v_n = u->nrepossessed;
	SH->v_lost = u->lost;
	for (uint32_t k = EXO_REPOSSESS_MAX - 10; k < u->nrepossessed && k < EXO_REPOSSESS_MAX;
	     k++) {
		uint64_t va = u->repossessed[k].va;
		SH->v_in_range += va >= REGION5 && va < REGION5 + NVICTIM * PG && !present(va);
	}
	return 0;
}

/* More pages than the victim, none revocable. */
static int barren(void *arg)
{
	(void)arg;
	if (exos_map_range(REGIONB, NBARREN, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 10;
	SH->b_ready = 1;
	exos_wait_word(&SH->p_exit, EXO_PRED_NE, 0, 0);
	SH->b_n = exo_uarea()->nrepossessed;
	return 0;
}

/* Fills memory with page tables of our own: one page mapped once per GiB costs
 * a page directory and a page table per mapping.  Page tables are nobody's
 * `pages`, and acquiring nothing asks for no reclaim.  Returns the error of the
 * first mapping that failed.  Nothing unmaps them: our exit, as the last
 * environment, ends the machine without a teardown. */
static long fill_memory(long slot)
{
	static struct exo_map_op ops[EXO_MAP_BATCH];
	uint64_t va = FILL_BASE;

	while (va < FILL_END) {
		for (int i = 0; i < EXO_MAP_BATCH; i++, va += 1ul << 30)
			ops[i] = (struct exo_map_op){.npages = 1, 
			        .va = va, .cap = (int32_t)slot, .perm = EXO_PTE_NX};
		long r = exo_map(EXO_CAP_SELF, ops, EXO_MAP_BATCH);
		if (r < 0)
			return r;
		if (r < EXO_MAP_BATCH) /* why did the next one fail? */
			return exo_map(EXO_CAP_SELF, &ops[r], 1);
	}
	return 0; /* 64 TiB mapped and memory left: not what we expect */
}

/* CAP_ACQUIRE, sleeping a tick after each EAGAIN, as a libOS would.  Fails on
 * any other error, or after WAIT_MS. */
static long acquire_retrying(void)
{
	uint64_t t0 = exo_rdtsc();
	long r;
	while ((r = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY)) == -EXO_EAGAIN &&
	       exo_rdtsc() - t0 < WAIT_MS * exo_kinfo()->tsc_khz)
		exos_sleep_ns(exo_kinfo()->tick_ns);
	return r;
}

/* Acquires every free page into got[]; returns how many. */
static int take_free(long *got, int *ngot, int max)
{
	int n = 0;
	while (exo_kinfo()->free_pages && *ngot < max) {
		long r = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
		if (r <= 0)
			break;
		got[(*ngot)++] = r;
		n++;
	}
	return n;
}

static void test_pressure(void)
{
	long extra[EXTRA], got[2 * BATCH], slot = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	int n = 0, ngot = 0;
	for (int i = 0; i < EXTRA; i++)
		n += (extra[i] = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY)) > 0;
	CHECK(slot > 0 && n == EXTRA, "pressure: we acquire 200 more pages");
	long vid = spawn_child(pressure_victim, "victim", 0, 1);
	const volatile struct exo_env_info *vi = exos_env_info((uint32_t)vid);
	CHECK(vid > 0 && WAIT_FOR(SH->v_ready) && vi->pages == NVICTIM,
	      "pressure: a child maps 80 revocable pages (and owns no others)");
	long bid = spawn_child(barren, "barren", 0, 1);
	CHECK(bid > 0 && WAIT_FOR(SH->b_ready),
	      "pressure: another maps 120 pages and declares nothing revocable");
	if (vid <= 0 || bid <= 0 || slot <= 0)
		return;
	const volatile struct exo_env_info *bi = exos_env_info((uint32_t)bid);
	const volatile struct exo_env_info *mi = exos_env_info(exos_self_id());
	uint64_t pv = vi->pages, pb = bi->pages;
	CHECK(mi->pages > pb && pb > pv,
	      "pressure: we own the most pages, then it, then the first");
	int others = 0;
	for (int s = 1; s < EXO_NENV; s++)
		others += alive(&exos_envs()[s]);
	RET(others, 3, "pressure: environments alive");

	RET(fill_memory(slot), -EXO_ENOMEM, "pressure: we fill memory with page tables until");
	RET(exo_kinfo()->free_pages, 0, "pressure: free pages");
	uint64_t mine = mi->pages;
	ERR(exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY), EXO_EAGAIN, "pressure: acquire a page");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY), EXO_EAGAIN,
	    "pressure: again, while the kernel reclaims");
	long r = acquire_retrying();
	if (r > 0)
		got[ngot++] = r;
	CHECK(r > 0, "pressure: retrying, acquiring a page succeeds (EAGAIN until then)");
	CHECK(bi->pages == pb, "pressure: the biggest other environment lost nothing");
	CHECK(vi->pages == pv - BATCH, "pressure: the next biggest lost 64 pages");
	CHECK(mi->pages == mine + 1, "pressure: we, the requester, lost none");
	RET(exo_kinfo()->free_pages, BATCH - 1, "pressure: free pages");

	RET(take_free(got, &ngot, 2 * BATCH), BATCH - 1, "pressure: we take the rest of them");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY), EXO_EAGAIN, "pressure: acquire one more");
	r = acquire_retrying();
	if (r > 0)
		got[ngot++] = r;
	CHECK(r > 0, "pressure: retrying succeeds again");
	CHECK(vi->pages == 0 && bi->pages == pb,
	      "pressure: the victim gave its last 16 pages, the other still none");
	RET(take_free(got, &ngot, 2 * BATCH), NVICTIM - BATCH - 1, "pressure: we take the rest");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY), EXO_ENOMEM,
	    "pressure: acquire one more: nobody is left to ask");
	CHECK(vi->pages == 0 && bi->pages == pb && mi->pages == mine + NVICTIM,
	      "pressure: and nobody was asked");

	SH->p_exit = 1;
	RET(exos_env_wait((uint32_t)vid), 0, "pressure: the victim exited");
	RET(exos_env_wait((uint32_t)bid), 0, "pressure: the barren child exited");
	RET(SH->v_n, EXO_REPOSSESS_MAX, "pressure: the victim had 10 entries left: nrepossessed");
	RET(SH->v_lost, NVICTIM - 10, "pressure: entries lost");
	RET(SH->v_in_range, 10, "pressure: new entries in its revocable range, unmapped");
	RET(SH->b_n, 0, "pressure: the barren child's nrepossessed");
	n = 0;
	for (int i = 0; i < ngot; i++)
		n += exo_cap_release((int)got[i]) == 0;
	for (int i = 0; i < EXTRA; i++)
		n += exo_cap_release((int)extra[i]) == 0;
	RET(n, EXTRA + NVICTIM, "pressure: released our extra pages");
}

/* argv[1], if given: the grace period (ticks) the command line set with
 * exo.reclaim_grace, which kinfo must show. */
int main(int argc, char **argv)
{
	if (argc > 1)
		CHECK(GRACE == strtoul(argv[1], 0, 10), "kinfo shows the grace period asked for");
	CHECK(exos_map_range(SHARED, SH_PAGES, EXO_PTE_W | EXO_PTE_NX) == 0,
	      "mapped pages to share with the children");
	test_cooperative(0);
	test_cooperative(1);

	long fslot = exos_page_map(FOREIGN, EXO_PTE_W | EXO_PTE_NX);
	long id = spawn_child(uncooperative, "uncooperative", 0, 0);
	long cap = id > 0 ? exos_env_cap((uint32_t)id) : -1;
	test_uncooperative(id, cap, fslot);
	if (cap > 0 && SH->c2_ack == 2) {
		test_owned_once(id);
		test_errors(id, cap);
	} else if (id > 0) {
		exos_env_kill((uint32_t)id);
	}
	test_pressure();
	return check_done();
}
