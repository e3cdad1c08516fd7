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
#include "vfs.h"
#include "thread.h"

#define WAS_WRITABLE EXO_PTE_SW1
#define PTE_LARGE    0x80ul
#define R            254ul
#define PML4E(va)    (EXO_UVPT + (R << 30) + (R << 21) + (R << 12) + ((va) >> 39) * 8)
#define PDPTE(va)    (EXO_UVPT + (R << 30) + (R << 21) + ((va) >> 30) * 8)
#define PDE(va)      (EXO_UVPT + (R << 30) + ((va) >> 21) * 8)
#define PTE(va)      (EXO_UVPT + ((va) >> 12) * 8)
#define PERM_BITS    (EXO_PTE_W | EXO_PTE_SW | EXO_PTE_NX)

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

/* r[0]: the new env's id (or -EXO_E*), r[1]: the caller's slot for it,
 * r[2]: the child's slots (initrd | shared << 16 | call << 32), r[3]: ours. */
static void fork_create(uint32_t caller, const uint64_t args[3], uint64_t r[4])
{
	(void)args;
	long cap = exo_env_create("linux");
	long initrd = -1, shared, call, theirs = cap;
	struct exo_cap_info info;
	if (cap < 0) {
		r[0] = (uint64_t)cap;
		return;
	}
	if (have_initrd())
		initrd = exo_cap_grant(EXO_CAP_INITRD, (int)cap,
		                       EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT);
	shared = exo_cap_grant(linux_shared_cap, (int)cap,
	                       EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_MAP | EXO_RIGHT_GRANT);
	call = exo_cap_grant(EXO_CAP_SELF, (int)cap, EXO_RIGHT_CALL);
	if (caller != exos_self_id()) {
		long ccap = env1_cap_of(caller);
		theirs = ccap < 0 ? ccap
		                  : exo_cap_grant((int)cap, (int)ccap,
		                                  EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_MAP);
	}
	if (shared < 0 || call < 0 || theirs < 0 || exo_cap_info((int)cap, &info) < 0) {
		exo_env_destroy((int)cap);
		exo_cap_release((int)cap);
		r[0] = (uint64_t)(shared < 0 ? shared : call < 0 ? call : -EXO_ENOMEM);
		return;
	}
	r[0] = info.object;
	r[1] = (uint64_t)theirs;
	r[2] = (uint64_t)(initrd & 0xffff) | (uint64_t)shared << 16 | (uint64_t)call << 32;
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

static long walk(leaf_fn fn, void *arg)
{
	uint64_t shared_hi = EXOS_SHARED_BASE + EXOS_SHARED_MAX;
	for (uint64_t va = 0; va < EXO_USER_TOP;) {
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

/* ---- the parent: lend our pages to the child, read-only ---- */

static long lend(void *arg, uint64_t va, uint64_t e, bool large)
{
	struct batch *b = arg;
	uint64_t pfn = (e & EXO_PTE_ADDR) >> 12;
	uint64_t perm = e & PERM_BITS;
	uint32_t first = 0;
	long initrd = large ? -1 : exos_initrd_frame(pfn);
	long cap = initrd >= 0 ? EXO_CAP_INITRD : exos_frame_cap_get(pfn, &first);
	if (initrd >= 0)
		first = (uint32_t)initrd;
	if (cap < 0) {
		if (linux_opts.trace)
			fprintf(stderr, "[exos] fork: no capability for the page at 0x%lx\n", va);
		return cap;
	}
	if (perm & EXO_PTE_W)
		perm = (perm & ~EXO_PTE_W) | WAS_WRITABLE;
	return batch_add(b, va, (int)cap, first, large, perm);
}

/* ---- the child: copy everything into frames of our own ---- */

#define DEDUP    1024 /* frames mapped twice (the text and its rewrite alias) */
#define MAX_RUNS 512
struct adopt {
	struct batch b;
	struct exo_cap_info initrd;
	int run_cap;      /* the run the window shows, -1: none */
	uint64_t run_pfn; /* its first frame */
	uint32_t used;    /* its frames handed out */
	int nruns;
	struct {
		uint64_t pfn;
		int cap;
	} runs[MAX_RUNS];
	struct {
		uint64_t old;
		uint32_t idx;
		int cap;
	} seen[DEDUP];
};

static long new_run(struct adopt *a)
{
	struct exo_page_grant g;
	if (a->nruns == MAX_RUNS)
		return -EXO_ENOMEM;
	if (a->run_cap >= 0 && exo_unmap(EXO_CAP_SELF, EXOS_SPAWN_WIN, EXO_LARGE_PAGES) < 0)
		return -EXO_EINVAL;
	long cap = exo_run_alloc(&g, EXO_LARGE_PAGES, EXO_RUN_LARGE);
	if (cap < 0)
		return cap;
	struct exo_map_op op = {.va = EXOS_SPAWN_WIN,
	                        .cap = (int32_t)cap,
	                        .npages = EXO_LARGE_PAGES,
	                        .flags = EXO_MAP_LARGE,
	                        .perm = EXO_PTE_W | EXO_PTE_NX};
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1)
		return -EXO_ENOMEM;
	a->run_cap = (int)cap;
	a->run_pfn = g.pfn;
	a->used = 0;
	a->runs[a->nruns].pfn = g.pfn;
	a->runs[a->nruns++].cap = (int)cap;
	return 0;
}

static uint64_t final_perm(uint64_t perm)
{
	return perm & WAS_WRITABLE ? (perm & ~WAS_WRITABLE) | EXO_PTE_W : perm;
}

static long adopt_page(void *arg, uint64_t va, uint64_t e, bool large)
{
	struct adopt *a = arg;
	uint64_t pfn = (e & EXO_PTE_ADDR) >> 12, perm = final_perm(e & PERM_BITS);
	long r;
	if (large) {
		if (a->run_cap < 0 || a->used) {
			if ((r = new_run(a)) < 0)
				return r;
		}
		memcpy((void *)EXOS_SPAWN_WIN, (const void *)va, EXO_LARGE_SIZE);
		a->used = EXO_LARGE_PAGES;
		return batch_add(&a->b, va, a->run_cap, 0, true, perm);
	}
	if (a->initrd.type == EXO_CAP_PAGE && pfn >= a->initrd.object &&
	    pfn - a->initrd.object < a->initrd.count)
		return batch_add(&a->b, va, EXO_CAP_INITRD, (uint32_t)(pfn - a->initrd.object),
		                 false, perm);
	unsigned h = (unsigned)(pfn * 0x9e3779b97f4a7c15ul >> 54) % DEDUP;
	for (unsigned k = 0; k < DEDUP && a->seen[h].old; k++, h = (h + 1) % DEDUP)
		if (a->seen[h].old == pfn)
			return batch_add(&a->b, va, a->seen[h].cap, a->seen[h].idx, false, perm);
	if (a->run_cap < 0 || a->used == EXO_LARGE_PAGES) {
		/* The ops naming the old run's frames go first: its window goes. */
		if ((r = batch_flush(&a->b)) < 0 || (r = new_run(a)) < 0)
			return r;
	}
	memcpy((void *)(EXOS_SPAWN_WIN + a->used * EXO_PAGE_SIZE), (const void *)va, EXO_PAGE_SIZE);
	if (!a->seen[h].old)
		a->seen[h].old = pfn, a->seen[h].idx = a->used, a->seen[h].cap = a->run_cap;
	return batch_add(&a->b, va, a->run_cap, a->used++, false, perm);
}

/* What the child keeps of the copy window: 2 MiB runs, for vm.c. */
static void adopt_records(const struct adopt *a)
{
	exos_vm_forget();
	for (int i = 0; i < a->nruns; i++)
		exos_run_record(a->runs[i].pfn, a->runs[i].cap);
}

static _Noreturn void child_fail(struct proc *me)
{
	me->boot_word = 2;
	exo_exit(EXO_EXIT_VERBATIM | 1);
	for (;;)
		;
}

/* The child's first code, on its boot stack in the shared region.  Until the
 * copy is done every other page is the parent's, mapped read-only: nothing
 * but this stack and the region may be written. */
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
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1)
		child_fail(me);
	struct adopt *a = (struct adopt *)(linux_shared_boot_stack((int)idx) - PROC_BOOT_STACK);
	memset(a, 0, sizeof(*a));
	a->b.env = EXO_CAP_SELF;
	a->run_cap = -1;
	if (me->initrd_slot != EXO_CAP_INITRD || exo_cap_info(EXO_CAP_INITRD, &a->initrd) < 0)
		a->initrd.type = EXO_CAP_NONE;
	if (walk(adopt_page, a) < 0 || batch_flush(&a->b) < 0 ||
	    (a->run_cap >= 0 && exo_unmap(EXO_CAP_SELF, EXOS_SPAWN_WIN, EXO_LARGE_PAGES) < 0))
		child_fail(me);

	me->t_copied = exo_rdtsc();
	/* Our memory is ours now: ExOS's state may change. */
	adopt_records(a);
	linux_mm_forget();
	if (exos_exceptions_rebind() < 0)
		child_fail(me);
	linux_proc_set_self(me);
	linux_thread_after_fork(); /* only the forking thread lives on */
	linux_shared_adopt(me->shared_slot, mapped);
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
	 * there); the child maps it again with its own before anything else. */
	uint64_t t0 = linux_monotonic_ns(), t0_tsc = exo_rdtsc();
	struct batch *b = &(struct batch){.env = cap};
	long err =
	        batch_add(b, EXOS_SHARED_BASE, linux_shared_cap, 0, true, EXO_PTE_W | EXO_PTE_NX);
	for (uint64_t off = EXO_LARGE_SIZE; err >= 0 && off < linux_shared_mapped();
	     off += EXO_LARGE_SIZE)
		err = batch_add(b, EXOS_SHARED_BASE + off, linux_shared_cap,
		                (uint32_t)(off / EXO_PAGE_SIZE), true, EXO_PTE_W | EXO_PTE_NX);
	if (err >= 0)
		err = walk(lend, b);
	if (err >= 0)
		err = batch_flush(b);
	struct exo_regs regs = {.rip = (uint64_t)fork_child,
	                        .rsp = linux_shared_boot_stack((int)(c - linux_shared()->procs)) -
	                               8,
	                        .rdi = (uint64_t)(c - linux_shared()->procs)};
	linux_fd_forked(1);
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
		        "[exos] fork: pid %u, %lu pages lent (%lu 2 MiB) in %lu us; the child "
		        "started %lu us later, copied in %lu us; %lu us in all\n",
		        c->pid, b->pages, b->large, us(t0_tsc, t_lent), us(t_lent, c->t_entered),
		        us(c->t_entered, c->t_copied), (linux_monotonic_ns() - t0) / 1000);
	if (err < 0 || c->boot_word != 1) {
		if (linux_opts.trace)
			fprintf(stderr, "[exos] fork failed: %s\n",
			        err < 0 ? exos_strerror((int)err) : "the child could not copy");
		linux_fd_forked(-1);
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
