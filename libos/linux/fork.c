/* fork, vfork and clone without CLONE_VM: a child is a new environment
 * (D1), built in two steps so that it owns its memory and never depends on
 * its parent's (the kernel revokes every mapping made with a capability when
 * its holder ends, and a Linux child outlives its parent):
 *
 *  1. env 1 creates the environment (it creates them all, over LRPC from the
 *     others: fork_create) and grants it, from env 1's own roots, the
 *     initramfs (slot EXO_CAP_INITRD), the shared region and a capability to
 *     call env 1; the parent gets a derived capability for the child;
 *  2. the parent maps its whole address space into the child, read-only,
 *     with its own capabilities (EXO_PTE_SW1 marks what was writable), and
 *     starts it on a stack in the shared region; the child copies every page
 *     into frames it allocates (2 MiB runs), maps initramfs frames with its
 *     own capability, and so replaces every mapping of the parent's.  The
 *     parent sleeps meanwhile (so the copy is a snapshot, as vfork would
 *     have it), and is back as soon as the child says it is done.
 *
 * The cost is a page-table entry written per page twice (the parent's map,
 * the child's remap) and a copy per page; measured in docs/benchmarks.md.
 * Copy-on-write (D1) would save the copies but tie the child to the parent's
 * frames: see docs/libos.md. */
#include <stdio.h>
#include <string.h>

#include <exos/exception.h>
#include <exos/lrpc.h>
#include <exos/sched.h>
#include <exos/sys.h>
#include <exos/vm.h>

#include "fpstate.h"
#include "mm.h"
#include "proc.h"
#include "shm.h"
#include "vfs.h"
#include "thread.h"

#define PTE_LARGE 0x80ul
#define R         254ul
#define PML4E(va) (EXO_UVPT + (R << 30) + (R << 21) + (R << 12) + ((va) >> 39) * 8)
#define PDPTE(va) (EXO_UVPT + (R << 30) + (R << 21) + ((va) >> 30) * 8)
#define PDE(va)   (EXO_UVPT + (R << 30) + ((va) >> 21) * 8)
#define PTE(va)   (EXO_UVPT + ((va) >> 12) * 8)
#define PERM_BITS (EXO_PTE_W | EXO_PTE_SW | EXO_PTE_NX)

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

enum { FORK_CREATE, FORK_DESTROY, FORK_NPROCS };

/* Our capability to call env 1 (a child learns it from its entry). */
static int env1_call = -1;

/* ---- env 1: the creator of every environment ---- */

/* Env 1's capability for environment id: its entry's env1_cap. */
static long env1_cap_of(uint32_t id)
{
	struct shared_hdr *sh = linux_shared();
	for (int i = 0; sh && i < PROC_MAX; i++)
		if (sh->procs[i].state != PROC_FREE && sh->procs[i].env_id == id)
			return sh->procs[i].env1_cap;
	return -EXO_ENOENT;
}

static bool have_initrd(void)
{
	struct exo_cap_info info;
	uint64_t pages = (exo_kinfo()->initrd_size + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	return exo_cap_info(EXO_CAP_INITRD, &info) == 0 && info.type == EXO_CAP_PAGE &&
	       !(info.rights & EXO_RIGHT_WRITE) && info.count == pages && pages;
}

/* Where a child finds the shared region's and env 1's capabilities: the top
 * slots, so that every slot the parent holds its pages in is free in the
 * child (the parent grants them there: exos_vm_grant_all). */
#define SLOT_SHARED (EXO_CAP_SLOTS - 1)
#define SLOT_CALL   (EXO_CAP_SLOTS - 2)

/* r[0]: the new env's id (or -EXO_E*), r[1]: the caller's slot for it,
 * r[2]: the child's slots (initrd | shared << 16 | call << 32), r[3]: ours. */
static void fork_create(uint32_t caller, const uint64_t args[3], uint64_t r[4])
{
	(void)args;
	long cap = exo_env_create("linux");
	long theirs = cap;
	struct exo_cap_info info;
	if (cap < 0) {
		r[0] = (uint64_t)cap;
		return;
	}
	const uint32_t rw = EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_MAP | EXO_RIGHT_GRANT;
	struct exo_grant_op ops[3] = {
	        {.cap = linux_shared_cap, .slot = SLOT_SHARED, .rights = rw},
	        {.cap = EXO_CAP_SELF, .slot = SLOT_CALL, .rights = EXO_RIGHT_CALL},
	        {.cap = EXO_CAP_INITRD,
	         .slot = EXO_CAP_INITRD,
	         .rights = EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT},
	};
	bool initrd = have_initrd();
	long granted = exo_cap_grant_at((int)cap, ops, initrd ? 3 : 2);
	if (caller != exos_self_id()) {
		long ccap = env1_cap_of(caller);
		theirs = ccap < 0 ? ccap
		                  : exo_cap_grant((int)cap, (int)ccap,
		                                  EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_MAP);
	}
	if (granted < (initrd ? 3 : 2) || theirs < 0 || exo_cap_info((int)cap, &info) < 0) {
		exo_env_destroy((int)cap);
		exo_cap_release((int)cap);
		r[0] = (uint64_t)(granted < 0 ? granted : theirs < 0 ? theirs : -EXO_ENOMEM);
		return;
	}
	r[0] = info.object;
	r[1] = (uint64_t)theirs;
	r[2] = (uint64_t)(initrd ? EXO_CAP_INITRD : 0xffff) | (uint64_t)SLOT_SHARED << 16 |
	       (uint64_t)SLOT_CALL << 32;
	r[3] = (uint64_t)cap;
}

/* args[0]: the env id to destroy (SIGKILL, a failed fork, the machine's end). */
static void fork_destroy(uint32_t caller, const uint64_t args[3], uint64_t r[4])
{
	(void)caller;
	long cap = env1_cap_of((uint32_t)args[0]);
	r[0] = (uint64_t)(cap < 0 ? cap : exo_env_destroy((int)cap));
	if (cap >= 0)
		exo_cap_release((int)cap);
}

long linux_fork_serve(void)
{
	static const exos_lrpc_proc procs[FORK_NPROCS] = {fork_create, fork_destroy};
	return exos_lrpc_serve(procs, FORK_NPROCS);
}

static long env1(unsigned proc, uint64_t a1, uint64_t r[4])
{
	const uint64_t args[3] = {a1, 0, 0};
	static const exos_lrpc_proc direct[FORK_NPROCS] = {fork_create, fork_destroy};
	if (env1_call < 0) { /* we are env 1 */
		direct[proc](exos_self_id(), args, r);
		return (long)r[0];
	}
	return exos_lrpc_call(env1_call, proc, a1, 0, 0, r);
}

void linux_proc_end_others(void)
{
	struct shared_hdr *sh = linux_shared();
	if (env1_call >= 0 || !sh)
		return; /* only the first process ends the machine (D7) */
	uint64_t r[4];
	for (int i = 0; i < PROC_MAX; i++)
		if (sh->procs[i].state == PROC_RUN && &sh->procs[i] != linux_proc_self())
			env1(FORK_DESTROY, sh->procs[i].env_id, r);
}

/* ---- walking our page tables ---- */

static uint64_t rd(uint64_t a)
{
	return *(const volatile uint64_t *)a;
}

/* Calls fn for every present leaf below EXO_USER_TOP but the shared region
 * and the u-area.  Stops at the first error. */
typedef long (*leaf_fn)(void *arg, uint64_t va, uint64_t entry, bool large);

static long walk_range(uint64_t lo, uint64_t hi, leaf_fn fn, void *arg)
{
	uint64_t shared_hi = EXOS_SHARED_BASE + EXOS_SHARED_MAX;
	for (uint64_t va = lo; va < hi;) {
		long r = 0;
		if (va >= EXOS_SHARED_BASE && va < shared_hi) {
			va = shared_hi;
			continue;
		}
		if (!(rd(PML4E(va)) & EXO_PTE_P)) {
			va = (va | ((1ul << 39) - 1)) + 1;
			continue;
		}
		if (!(rd(PDPTE(va)) & EXO_PTE_P)) {
			va = (va | ((1ul << 30) - 1)) + 1;
			continue;
		}
		uint64_t pde = rd(PDE(va));
		if (!(pde & EXO_PTE_P)) {
			va = (va | ((1ul << 21) - 1)) + 1;
			continue;
		}
		/* hidden entries are unmapped memory mm.c keeps for reuse: not the child's */
		if (pde & PTE_LARGE) {
			if (!(pde & EXO_PTE_HIDDEN))
				r = fn(arg, va, pde, true);
			va += EXO_LARGE_SIZE;
		} else {
			uint64_t pte = rd(PTE(va));
			if ((pte & (EXO_PTE_P | EXO_PTE_HIDDEN)) == EXO_PTE_P && va != EXO_UAREA)
				r = fn(arg, va, pte, false);
			va += EXO_PAGE_SIZE;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static long walk(leaf_fn fn, void *arg)
{
	return walk_range(0, EXO_USER_TOP, fn, arg);
}

/* Map ops, merged where consecutive, sent EXO_MAP_BATCH entries at a time. */
#define NOPS 64
struct batch {
	int env;
	int n;
	uint32_t entries;
	uint64_t pages, large; /* leaves added, for --trace-syscalls */
	struct exo_map_op op[NOPS];
};

static long batch_flush(struct batch *b)
{
	for (int done = 0; done < b->n;) {
		long r = exo_map(b->env, b->op + done, (size_t)(b->n - done));
		if (r <= 0)
			return r < 0 ? r : -EXO_ENOMEM;
		done += (int)r;
	}
	b->n = 0;
	b->entries = 0;
	return 0;
}

static long batch_add(struct batch *b, uint64_t va, int cap, uint32_t first, bool large,
                      uint64_t perm)
{
	uint32_t n = large ? EXO_LARGE_PAGES : 1;
	b->pages += n;
	b->large += large;
	struct exo_map_op *last = b->n ? &b->op[b->n - 1] : NULL;
	if (last && !large && !(last->flags & EXO_MAP_LARGE) && last->cap == cap &&
	    last->perm == perm && last->first + last->npages == first &&
	    last->va + last->npages * EXO_PAGE_SIZE == va && b->entries < EXO_MAP_BATCH) {
		last->npages++;
		b->entries++;
		return 0;
	}
	if ((b->n == NOPS || b->entries + (large ? 1 : 1) > EXO_MAP_BATCH)) {
		long r = batch_flush(b);
		if (r < 0)
			return r;
	}
	b->op[b->n++] = (struct exo_map_op){.va = va,
	                                    .cap = cap,
	                                    .first = first,
	                                    .npages = n,
	                                    .flags = large ? EXO_MAP_LARGE : 0,
	                                    .perm = perm};
	b->entries++;
	return 0;
}

/* ---- the parent: share our pages with the child, copy-on-write ---- */

/* Pages that are never shared: the kernel writes the exception stack (an
 * upcall's frame) and cannot break copy-on-write, and the LRPC and ExOS
 * stacks are dead in the child, which gets fresh ones (fork_child). */
static struct {
	uint64_t lo, hi;
} private_ranges[] = {
        {EXOS_XSTACK_LO, EXOS_XSTACK_HI},
        {EXOS_PCT_STACK_LO, EXOS_PCT_STACK_HI},
        {LINUX_EXOS_STACK_LO, LINUX_EXOS_STACK_HI},
        {0, 0}, /* exos_private_page, set by do_fork (a link-time address) */
};
#define NPRIVATE  (sizeof(private_ranges) / sizeof(private_ranges[0]))
#define NPROTECTS 128

/* Frames mapped twice, executable and through a writable alias (rewrite.c's
 * text and stub aliases): copy-on-write would split the pair (a write through
 * the alias would go to a copy the code never runs), so the child copies them
 * at once (COPY_NOW, WAS_W: the alias's permission) and maps both its
 * addresses to the copy. */
static const struct {
	uint64_t lo, hi;
} alias_ranges[] = {
        {LINUX_TEXT_ALIAS, EXOS_XSTACK_LO},
        {LINUX_STUB_ALIAS, LINUX_ROOTFS},
};
#define COPY_NOW    EXO_PTE_SW1
#define WAS_W       EXO_PTE_SW2
#define MAX_ALIASED 256

struct share {
	struct batch b;
	int naliased;
	uint64_t aliased[MAX_ALIASED]; /* the frames of alias_ranges */
	int nprot;
	struct {
		uint64_t va, n, perm;
	} prot[NPROTECTS]; /* our own writable pages, made read-only + COW */
};

static bool is_private(uint64_t va)
{
	for (size_t i = 0; i < NPRIVATE; i++)
		if (va >= private_ranges[i].lo && va < private_ranges[i].hi)
			return true;
	return false;
}

/* Write-protects the recorded runs of our pages: the snapshot.  One
 * EXO_SYS_PROTECT per run of consecutive pages with one permission. */
static long protect_flush(struct share *s)
{
	for (int i = 0; i < s->nprot; i++) {
		long r = exo_protect(EXO_CAP_SELF, s->prot[i].va, s->prot[i].n, s->prot[i].perm);
		if (r < 0)
			return r;
	}
	s->nprot = 0;
	return 0;
}

static long protect_add(struct share *s, uint64_t va, uint64_t n, uint64_t perm)
{
	if (s->nprot) {
		typeof(s->prot[0]) *last = &s->prot[s->nprot - 1];
		if (last->perm == perm && last->va + last->n * EXO_PAGE_SIZE == va &&
		    last->n + n <= EXO_RANGE_MAX) {
			last->n += n;
			return 0;
		}
	}
	if (s->nprot == NPROTECTS) {
		/* Early: pages protected now are still shared, so what the child
		 * sees is what we write until the end (none of it is ours). */
		long r = protect_flush(s);
		if (r < 0)
			return r;
	}
	s->prot[s->nprot++] = (typeof(s->prot[0])){va, n, perm};
	return 0;
}

static long note_alias(void *arg, uint64_t va, uint64_t e, bool large)
{
	struct share *s = arg;
	(void)va;
	if (large || s->naliased == MAX_ALIASED)
		return -EXO_ENOMEM; /* more than rewrite.c makes */
	s->aliased[s->naliased++] = (e & EXO_PTE_ADDR) >> 12;
	return 0;
}

static long share(void *arg, uint64_t va, uint64_t e, bool large)
{
	struct share *s = arg;
	uint64_t pfn = (e & EXO_PTE_ADDR) >> 12;
	uint64_t perm = e & PERM_BITS;
	uint32_t first = 0;
	if (is_private(va) || (va >= EXOS_COW_WIN && va < EXOS_COW_WIN + EXO_LARGE_SIZE))
		return 0; /* the window's copies are mapped where they are used */
	if (!large && linux_shm_in(va, va + EXO_PAGE_SIZE))
		return 0; /* shared memory: the child maps the same pages itself (shm.c) */
	for (int i = 0; !large && i < s->naliased; i++) {
		if (s->aliased[i] != pfn)
			continue;
		long cap = exos_frame_cap_get(pfn, &first);
		if (cap < 0)
			return cap;
		perm = (perm & ~EXO_PTE_W) | COPY_NOW | (perm & EXO_PTE_W ? WAS_W : 0);
		return batch_add(&s->b, va, (int)cap, first, false, perm);
	}
	long initrd = large ? -1 : exos_initrd_frame(pfn);
	long cap = initrd >= 0 ? EXO_CAP_INITRD : exos_frame_cap_get(pfn, &first);
	if (initrd >= 0)
		first = (uint32_t)initrd;
	if (cap < 0) {
		if (linux_opts.trace)
			fprintf(stderr, "[exos] fork: no capability for the page at 0x%lx\n", va);
		return cap;
	}
	if (perm & EXO_PTE_W) {
		perm = (perm & ~EXO_PTE_W) | EXOS_PTE_COW;
		long r = protect_add(s, va, large ? EXO_LARGE_PAGES : 1, perm);
		if (r < 0)
			return r;
	}
	return batch_add(&s->b, va, (int)cap, first, large, perm);
}

/* ---- the child ---- */

static _Noreturn void child_fail(struct proc *me)
{
	me->boot_word = 2;
	exo_exit(EXO_EXIT_VERBATIM | 1);
	for (;;)
		;
}

/* Fresh zeroed pages at the private ranges (one run, one map call). */
static long map_private(void)
{
	struct exo_map_op ops[NPRIVATE];
	uint64_t n = 0;
	for (size_t i = 0; i < NPRIVATE; i++)
		n += (private_ranges[i].hi - private_ranges[i].lo) / EXO_PAGE_SIZE;
	struct exo_page_grant g;
	long cap = exo_run_alloc(&g, n, 0);
	if (cap < 0)
		return cap;
	uint32_t first = 0;
	for (size_t i = 0; i < NPRIVATE; i++) {
		uint32_t k =
		        (uint32_t)((private_ranges[i].hi - private_ranges[i].lo) / EXO_PAGE_SIZE);
		ops[i] = (struct exo_map_op){.va = private_ranges[i].lo,
		                             .cap = (int32_t)cap,
		                             .first = first,
		                             .npages = k,
		                             .perm = EXO_PTE_W | EXO_PTE_NX};
		first += k;
	}
	if (exo_map(EXO_CAP_SELF, ops, NPRIVATE) != (long)NPRIVATE)
		return -EXO_ENOMEM;
	return 0;
}

/* COPY_NOW pages: a run of fresh frames, filled through the copy window,
 * mapped at every address of each old frame (one of each pair is the alias). */
struct copy_now {
	int n;
	uint64_t old[MAX_ALIASED], va[MAX_ALIASED];
};

static long note_copy(void *arg, uint64_t va, uint64_t e, bool large)
{
	struct copy_now *c = arg;
	uint64_t pfn = (e & EXO_PTE_ADDR) >> 12;
	if (large || !(e & COPY_NOW))
		return 0;
	for (int i = 0; i < c->n; i++)
		if (c->old[i] == pfn)
			return 0;
	if (c->n == MAX_ALIASED)
		return -EXO_ENOMEM;
	c->va[c->n] = va;
	c->old[c->n++] = pfn;
	return 0;
}

struct remap {
	struct batch b;
	struct copy_now *c;
	int cap;
};

static long remap_copy(void *arg, uint64_t va, uint64_t e, bool large)
{
	struct remap *m = arg;
	uint64_t pfn = (e & EXO_PTE_ADDR) >> 12, perm = e & PERM_BITS;
	if (large || !(e & COPY_NOW))
		return 0;
	perm = (perm & ~(COPY_NOW | WAS_W)) | (perm & WAS_W ? EXO_PTE_W : 0);
	for (int i = 0; i < m->c->n; i++)
		if (m->c->old[i] == pfn)
			return batch_add(&m->b, va, m->cap, (uint32_t)i, false, perm);
	return -EXO_ENOENT;
}

static long copy_aliased(struct copy_now *c)
{
	struct exo_page_grant g;
	long r;
	c->n = 0;
	if ((r = walk(note_copy, c)) < 0)
		return r;
	if (!c->n)
		return 0;
	long cap = exo_run_alloc(&g, (size_t)c->n, 0);
	if (cap < 0)
		return cap;
	struct exo_map_op op = {.va = EXOS_SPAWN_WIN,
	                        .cap = (int32_t)cap,
	                        .npages = (uint32_t)c->n,
	                        .perm = EXO_PTE_W | EXO_PTE_NX};
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1)
		return -EXO_ENOMEM;
	for (int i = 0; i < c->n; i++)
		memcpy((void *)(EXOS_SPAWN_WIN + (uint64_t)i * EXO_PAGE_SIZE),
		       (const void *)c->va[i], EXO_PAGE_SIZE);
	struct remap *m = &(struct remap){.b.env = EXO_CAP_SELF, .c = c, .cap = (int)cap};
	if ((r = walk(remap_copy, m)) < 0 || (r = batch_flush(&m->b)) < 0)
		return r;
	if ((r = exo_unmap(EXO_CAP_SELF, EXOS_SPAWN_WIN, (size_t)c->n)) < 0)
		return r;
	exos_run_add(g.pfn, (uint64_t)c->n, (int)cap);
	return 0;
}

/* The child's first code, on its boot stack in the shared region.  Every
 * other page is the parent's, shared read-only and copy-on-write where it
 * was writable (with capabilities at the slots the parent has them, so
 * ExOS's tables hold in the child as they are); the first write to each
 * faults, and ExOS's handler copies it (vm.c), once the exception entry is
 * registered: nothing else is written before that. */
static _Noreturn void fork_child(uint64_t idx)
{
	struct shared_hdr *sh = (struct shared_hdr *)EXOS_SHARED_BASE;
	struct proc *me = &sh->procs[idx];
	me->t_entered = exo_rdtsc();
	uint64_t mapped = sh->mapped; /* it may grow after this: we map it then */
	struct exo_map_op op = {.va = EXOS_SHARED_BASE,
	                        .cap = me->shared_slot,
	                        .npages = (uint32_t)(mapped / EXO_PAGE_SIZE),
	                        .flags = EXO_MAP_LARGE,
	                        .perm = EXO_PTE_W | EXO_PTE_NX};
	struct copy_now *c =
	        (struct copy_now *)(linux_shared_boot_stack((int)idx) - PROC_BOOT_STACK);
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1 || map_private() < 0 ||
	    exos_exceptions_rebind() < 0 || copy_aliased(c) < 0)
		child_fail(me);
	me->t_copied = exo_rdtsc();
	/* The pool's frames, parked and hidden pages are the parent's. */
	linux_mm_forget();
	linux_proc_set_self(me);
	linux_thread_after_fork(); /* only the forking thread lives on */
	linux_shared_adopt(me->shared_slot, mapped);
	if (linux_shm_after_fork() < 0)
		child_fail(me);
	proc_after_fork();
	env1_call = me->call_slot;
	exos_set_fsbase(me->fs_base);
	uint64_t fp = (uint64_t)me->fpstate;
	if (me->pad)
		__asm__ volatile("xrstor64 (%0)" : : "r"(fp), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(fp) : "memory");
	if (me->clone_flags & CLONE_CHILD_SETTID)
		linux_copy_to_user(me->child_tid, &me->pid, sizeof(int));
	if (me->clone_flags & CLONE_CHILD_CLEARTID)
		linux_set_tid_address(me->child_tid);
	struct linux_ctx ctx = me->ctx;
	me->state = PROC_RUN;
	__atomic_store_n(&me->boot_word, 1, __ATOMIC_SEQ_CST);
	linux_ctx_resume(&ctx);
}

/* ---- the parent ---- */

static unsigned long us(uint64_t from, uint64_t to)
{
	uint64_t khz = exo_kinfo()->tsc_khz ? exo_kinfo()->tsc_khz : 1000000;
	return to > from ? (unsigned long)((to - from) * 1000 / khz) : 0;
}

/* The child's env ended before it said it was done: it faulted. */
static bool env_gone(uint32_t id)
{
	const volatile struct exo_env_info *e = exos_env_info(id);
	return e->id != id || e->state == EXO_ENV_EXITED || e->state == EXO_ENV_FREE;
}

static long do_fork(uint64_t flags, uint64_t stack, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	struct proc *self, *c;
	uint64_t r[4];
	if (!linux_shared() || !(self = linux_proc_self()))
		return -LINUX_ENOMEM;
	if (!(c = linux_proc_alloc()))
		return -LINUX_EAGAIN;
	long id = env1(FORK_CREATE, 0, r);
	if (id < 0) {
		linux_proc_free(c);
		return id == -EXO_ENOMEM || id == -EXO_ENOSPC ? -LINUX_EAGAIN : -LINUX_ENOMEM;
	}
	int cap = (int)r[1];
	c->env_id = (uint32_t)id;
	c->env1_cap = (int32_t)r[3];
	c->initrd_slot = (int16_t)(r[2] & 0xffff);
	c->shared_slot = (int32_t)((r[2] >> 16) & 0xffff);
	c->call_slot = (int32_t)(r[2] >> 32);
	c->ppid = self->pid;
	c->pgid = self->pgid;
	c->sid = self->sid;
	c->fs_base = flags & CLONE_SETTLS ? tls : linux_fs_base();
	c->clone_flags = flags;
	c->child_tid = ctid;
	c->ctx = *linux_cur_ctx;
	c->ctx.rax = 0;
	if (stack)
		c->ctx.rsp = stack;
	c->pad = linux_fpstate_save((uint64_t)c->fpstate) != 0;
	if ((flags & CLONE_PARENT_SETTID) && linux_copy_to_user(ptid, &c->pid, sizeof(int)) < 0) {
		env1(FORK_DESTROY, (uint64_t)id, r);
		linux_proc_free(c);
		return -LINUX_EFAULT;
	}

	/* The region goes first, with our capability (the child's boot stack is
	 * there); the child maps it again with its own before anything else.
	 * Descriptors are counted before the snapshot: the child sees them so. */
	linux_fd_forked(1);
	linux_shm_forked(1);
	private_ranges[NPRIVATE - 1].lo = (uint64_t)&exos_private_page;
	private_ranges[NPRIVATE - 1].hi = (uint64_t)&exos_private_page + EXO_PAGE_SIZE;
	uint64_t t0 = linux_monotonic_ns(), t0_tsc = exo_rdtsc();
	struct share *s = &(struct share){.b.env = cap};
	struct batch *b = &s->b;
	long err =
	        batch_add(b, EXOS_SHARED_BASE, linux_shared_cap, 0, true, EXO_PTE_W | EXO_PTE_NX);
	for (uint64_t off = EXO_LARGE_SIZE; err >= 0 && off < linux_shared_mapped();
	     off += EXO_LARGE_SIZE)
		err = batch_add(b, EXOS_SHARED_BASE + off, linux_shared_cap,
		                (uint32_t)(off / EXO_PAGE_SIZE), true, EXO_PTE_W | EXO_PTE_NX);
	for (size_t i = 0; err >= 0 && i < sizeof(alias_ranges) / sizeof(alias_ranges[0]); i++)
		err = walk_range(alias_ranges[i].lo, alias_ranges[i].hi, note_alias, s);
	if (err >= 0)
		err = walk(share, s);
	if (err >= 0)
		err = batch_flush(b);
	if (err >= 0)
		err = protect_flush(s); /* the snapshot: from here on we write copies */
	long missed = err >= 0 ? exos_vm_grant_all(cap) : 0;
	if (missed < 0)
		err = missed;
	struct exo_regs regs = {.rip = (uint64_t)fork_child,
	                        .rsp = linux_shared_boot_stack((int)(c - linux_shared()->procs)) -
	                               8,
	                        .rdi = (uint64_t)(c - linux_shared()->procs)};
	uint64_t t_lent = exo_rdtsc();
	if (err >= 0)
		err = exo_env_set_regs(cap, &regs);
	if (err >= 0)
		err = exo_env_start(cap);
	while (err >= 0 && !c->boot_word && !env_gone(c->env_id))
		exos_wait_word(&c->boot_word, EXO_PRED_NE, 0, 10000000);
	if (env1_call >= 0)
		exo_cap_release(cap); /* ours, derived; env 1 keeps its own */
	if (linux_opts.trace)
		fprintf(stderr,
		        "[exos] fork: pid %u, %lu pages shared (%lu 2 MiB), %ld capabilities not "
		        "granted, in %lu us; the child started %lu us later, ready in %lu us; %lu "
		        "us in all\n",
		        c->pid, b->pages, b->large, missed, us(t0_tsc, t_lent),
		        us(t_lent, c->t_entered), us(c->t_entered, c->t_copied),
		        (linux_monotonic_ns() - t0) / 1000);
	if (err < 0 || c->boot_word != 1) {
		if (linux_opts.trace)
			fprintf(stderr, "[exos] fork failed: %s\n",
			        err < 0 ? exos_strerror((int)err) : "the child could not start");
		linux_fd_forked(-1);
		linux_shm_forked(-1);
		env1(FORK_DESTROY, (uint64_t)id, r);
		linux_proc_free(c);
		return -LINUX_ENOMEM;
	}
	return c->pid;
}

SYS(sys_fork)
{
	UNUSED6;
	return do_fork(0, 0, 0, 0, 0);
}

/* vfork: the parent is stopped while the child copies, and the child has its
 * own memory: a fork, which is what vfork's callers may rely on. */
SYS(sys_vfork)
{
	UNUSED6;
	return do_fork(0, 0, 0, 0, 0);
}

/* clone(flags, stack, parent_tid, child_tid, tls).  Without CLONE_VM: a fork
 * (CLONE_VFORK|CLONE_VM too: posix_spawn's child runs on its own stack and
 * execs).  Threads are the thread part's (-ENOSYS until then). */
SYS(sys_clone)
{
	UNUSED6;
	uint64_t flags = (uint64_t)a1;
	if ((flags & 0xff) > LINUX_NSIG)
		return -LINUX_EINVAL;
	if ((flags & CLONE_THREAD) || ((flags & CLONE_VM) && !(flags & CLONE_VFORK)))
		return -LINUX_ENOSYS;
	return do_fork(flags, (uint64_t)a2, (uint64_t)a3, (uint64_t)a4, (uint64_t)a5);
}

const struct linux_syscall_def linux_fork_syscalls[] = {
        LINUX_DEF(fork),
        LINUX_DEF(vfork),
        LINUX_DEF(clone),
};
const size_t linux_fork_nsyscalls = ARRAY_LEN(linux_fork_syscalls);
