/* Environments: creation, destruction, and running one.  Which one runs is
 * sched.c's business.
 *
 * The table of environments is exported read-only at EXO_ENVS, so a libOS
 * waits for a child by reading its state, not by asking the kernel. */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/status.h>

#include "arch.h"
#include "captab.h"
#include "env.h"
#include "fpu.h"
#include "gate.h"
#include "kernel.h"
#include "kstring.h"
#include "lapic.h"
#include "pct.h"
#include "pmem.h"
#include "reclaim.h"
#include "rmap.h"
#include "sched.h"
#include "trap.h"
#include "slice.h"
#include "uaccess.h"
#include "upcall.h"
#include "pagetable.h"
#include "x86.h"

#define ENV_TABLE_BYTES ROUNDUP(sizeof(struct exo_env_info) * EXO_NENV, EXO_PAGE_SIZE)

/* Whole pages, so exporting them shows nothing else of the kernel. */
static union {
	struct exo_env_info e[EXO_NENV];
	uint8_t pages[ENV_TABLE_BYTES];
} env_table __attribute__((aligned(4096)));

struct env envs[EXO_NENV];
static uint32_t generation[EXO_NENV];
struct env *curenv;
extern uint64_t boot_pml4[512];

void env_init(void)
{
	export_map_range(EXO_ENVS, kpa(env_table.pages), ENV_TABLE_BYTES, PTE_NX);
}

static bool alive(const struct env *e)
{
	return e->info && e->info->state != EXO_ENV_FREE && e->info->state != EXO_ENV_EXITED;
}

/* Slot 0 is never used, so id 0 names no environment.  A slot whose
 * environment has exited keeps its status until the slot is needed again:
 * free slots first, then the longest-dead. */
static int free_slot(void)
{
	int best = -1;
	for (int s = 1; s < EXO_NENV; s++) {
		uint32_t st = env_table.e[s].state;
		if (st == EXO_ENV_FREE)
			return s;
		if (st == EXO_ENV_EXITED && (best < 0 || env_table.e[s].id < env_table.e[best].id))
			best = s;
	}
	return best;
}

/* With FSGSBASE: whose bases the registers hold.  Ring 3 may have changed
 * them since it ran, so they are read back before another's go in. */
static struct env *bases_owner;

struct env *env_create(const char *name, struct env *parent, int *parent_slot)
{
	int s = free_slot();
	if (s < 0)
		return 0;
	struct env *e = &envs[s];
	struct exo_env_info *info = &env_table.e[s];
	uint32_t id = generation[s]++ * EXO_NENV + (uint32_t)s;
	if (bases_owner == e)
		bases_owner = 0; /* the slot's last user: the new one starts at 0 */
	*e = (struct env){.id = id, .slot = (uint16_t)s, .info = info};
	e->ctx = &e->tf;
	fpu_env_init(e);
	e->pml4 = vm_new_pml4(e->slot);
	if (e->pml4 && uarea_create(e))
		goto fail;
	int64_t root = cap_create_kernel(&caps, EXO_CAP_ENV, EXO_RIGHTS_ALL, id);
	if (!e->pml4 || root <= 0)
		goto fail;
	e->root_cap = (uint32_t)root;
	if (cap_derive(&caps, (uint32_t)root - 1, e->slot, EXO_RIGHTS_ALL) != EXO_CAP_SELF)
		goto fail;
	if (parent) {
		*parent_slot = cap_derive(&caps, (uint32_t)root - 1, parent->slot, EXO_RIGHTS_ALL);
		if (*parent_slot < 0)
			goto fail;
	}
	*info = (struct exo_env_info){
	        .id = id, .state = EXO_ENV_CREATED, .parent = parent ? parent->id : 0};
	size_t n = strlen(name);
	memcpy(info->name, name, n < sizeof(info->name) ? n : sizeof(info->name) - 1);
	e->tf.cs = SEL_UCODE;
	e->tf.ss = SEL_UDATA;
	e->tf.rflags = USER_RFLAGS_FIXED;
	return e;
fail:
	if (e->root_cap)
		cap_destroy(&caps, e->root_cap - 1, cap_unbind, 0);
	if (e->pml4)
		vm_teardown(e);
	if (e->uarea_pa)
		page_free(e->uarea_pa);
	*info = (struct exo_env_info){.state = EXO_ENV_FREE};
	return 0;
}

struct env *env_by_slot(uint16_t slot)
{
	return slot < EXO_NENV && alive(&envs[slot]) ? &envs[slot] : 0;
}

struct env *env_by_id(uint32_t id)
{
	struct env *e = env_by_slot((uint16_t)(id % EXO_NENV));
	return e && e->id == id ? e : 0;
}

/* The u-area: a kernel page shared with the environment (sched.h), mapped
 * writable at EXO_UAREA.  The kernel keeps its own pointer, so a libOS that
 * unmaps it only blinds itself. */
int uarea_create(struct env *e)
{
	e->uarea_pa = page_alloc(e->slot, EXO_PAGE_KERNEL);
	if (!e->uarea_pa)
		return -EXO_ENOMEM;
	e->uarea = kva(e->uarea_pa);
	return vm_map(e, EXO_UAREA, PFN(e->uarea_pa), PTE_W | PTE_NX, RMAP_NO_NODE);
}

struct env *env_from_cap(struct env *cur, int64_t cap, uint32_t rights, int *err)
{
	const struct cap_node *n = cap_of(cur, cap, EXO_CAP_ENV, rights);
	if (IS_CAP_ERR(n)) {
		*err = CAP_ERR(n);
		return 0;
	}
	struct env *e = env_by_slot((uint16_t)(n->object % EXO_NENV));
	if (!e || e->id != n->object) {
		*err = -EXO_ENOENT;
		return 0;
	}
	return e;
}

void env_start(struct env *e, uint32_t flags)
{
	if (!(flags & EXO_START_NO_SLICE) && !e->info->nslices)
		slice_alloc(e, EXO_SLICE_ANY, 0); /* none free: it runs when the CPU is idle */
	sched_set_state(e, EXO_ENV_RUNNABLE);
}

void env_destroy(struct env *e, int status)
{
	kverbose("exo: env %u (%s) exited with status %d; %lu kernel crossings so far\n", e->id,
	         e->info->name, status, kinfo_page.syscalls);
	if (e == curenv && rcr3() == e->pml4)
		lcr3(kpa(boot_pml4)); /* its page tables are about to be freed */
	sched_forget(e);
	reclaim_forget(e);
	vm_teardown(e);
	page_free(e->uarea_pa);
	e->uarea_pa = 0;
	/* Pages others still map or hold capabilities for outlive us (orphans:
	 * a forked child keeps its parent's pages, docs/libos.md). */
	cap_destroy_all_keeping(&caps, e->slot, cap_unbind, cap_keep_page, 0);
	cap_destroy(&caps, e->root_cap - 1, cap_unbind, 0); /* everyone's caps to it */
	captab_reap();
	slice_release_all(e);
	sched_set_state(e, EXO_ENV_EXITED);
	e->info->status = status;
	e->info->handler = e->info->xstack_lo = e->info->xstack_hi = 0;
	e->info->events = 0;
	e->info->pct_entry = 0;
	e->info->in_pct = 0;
	pct_callee_died(e);
}

/* The FS base in the MSR now: written only when it changes (a wrmsr costs an
 * emulated instruction and often a VM exit). */
static uint64_t loaded_fs_base;

static void load_fs_base(struct env *e)
{
	if (cpu_fsgsbase) {
		if (bases_owner == e)
			return;
		uint64_t fs = rdfsbase(), gs = rdgsbase();
		if (bases_owner) {
			bases_owner->fs_base = fs;
			bases_owner->gs_base = gs;
		}
		if (e->fs_base != fs)
			wrfsbase(e->fs_base);
		if (e->gs_base != gs)
			wrgsbase(e->gs_base);
		bases_owner = e;
		return;
	}
	if (e->fs_base != loaded_fs_base) {
		wrmsr(MSR_FS_BASE, e->fs_base);
		loaded_fs_base = e->fs_base;
	}
}

/* A libOS sets the FS base of its own or a child's environment: user
 * addresses only, so the MSR never holds a non-canonical value (#GP in ring 0). */
long sys_set_fsbase(uint64_t cap, uint64_t base)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (!user_addr_ok(base))
		return -EXO_EINVAL;
	e->fs_base = base;
	if (cpu_fsgsbase && e == bases_owner)
		wrfsbase(base);
	else if (e == curenv)
		load_fs_base(e);
	return 0;
}

_Noreturn void env_run(struct env *e)
{
	if (e->pending)
		sched_deliver_pending(e); /* may kill it: then it does not return */
	curenv = e;
	fault_syscall_tf = 0;
	kinfo_page.cur_env = e->id;
	upcall_load(e);
	load_fs_base(e);
	fpu_switch(e);
	if (rcr3() != e->pml4)
		lcr3(e->pml4);
	trap_return(e->ctx);
}

static bool others_alive(const struct env *e)
{
	for (int s = 1; s < EXO_NENV; s++)
		if (&envs[s] != e && alive(&envs[s]))
			return true;
	return false;
}

_Noreturn void env_exit(struct env *e, int status)
{
	/* The last environment: the machine ends now.  Tearing down its page tables
	 * would scan thousands of entries at ~275 ns an instruction, for nothing. */
	if (!others_alive(e) && e->slot == 1) {
		kverbose("exo: env %u (%s) exited with status %d; %lu kernel crossings, %lu ticks, "
		         "%lu wake-ups, %lu predicates translated\n",
		         e->id, e->info->name, status, kinfo_page.syscalls, kinfo_page.ticks,
		         kinfo_page.wakeups, kinfo_page.pred_compiles);
		machine_exit(status);
	}
	env_destroy(e, status);
	sched_yield();
}

_Noreturn void env_kill(struct env *e, int status, const char *why)
{
	kprintf("exo: env %u (%s) killed: %s\n", e->id, e->info->name, why);
	env_exit(e, status);
}

long sys_env_create(uint64_t uname)
{
	/* A label: at most its first 31 bytes are read and kept. */
	char name[sizeof(((struct exo_env_info *)0)->name)] = {0};
	if (uname && strncpy_from_user(curenv->pml4, name, uname, sizeof(name) - 1) < 0)
		return -EXO_EFAULT;
	int slot;
	struct env *e = env_create(name[0] ? name : "child", curenv, &slot);
	return e ? slot : -EXO_ENOMEM;
}

long sys_env_set_regs(uint64_t cap, uint64_t uregs)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (e == curenv || e->ctx != &e->tf)
		return -EXO_EINVAL; /* a running environment sets its own registers */
	struct exo_regs r;
	if (copy_from_user(curenv->pml4, &r, uregs, sizeof(r)))
		return -EXO_EFAULT;
	if (!user_addr_ok(r.rip) || !user_range_ok(0, r.rsp))
		return -EXO_EINVAL;
	struct trapframe *tf = e->ctx;
	tf->rax = r.rax, tf->rbx = r.rbx, tf->rcx = r.rcx, tf->rdx = r.rdx;
	tf->rsi = r.rsi, tf->rdi = r.rdi, tf->rbp = r.rbp, tf->rsp = r.rsp;
	tf->r8 = r.r8, tf->r9 = r.r9, tf->r10 = r.r10, tf->r11 = r.r11;
	tf->r12 = r.r12, tf->r13 = r.r13, tf->r14 = r.r14, tf->r15 = r.r15;
	tf->rip = r.rip;
	tf->rflags = (r.rflags & RFLAGS_USER_MASK) | USER_RFLAGS_FIXED;
	return 0;
}

long sys_env_start(uint64_t cap, uint64_t flags)
{
	if (flags & ~(uint64_t)EXO_START_NO_SLICE)
		return -EXO_EINVAL;
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (e->info->state != EXO_ENV_CREATED)
		return -EXO_EBUSY;
	env_start(e, (uint32_t)flags);
	return 0;
}

long sys_env_destroy(uint64_t cap)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (e == curenv)
		env_exit(e, EXO_STATUS_DESTROYED);
	env_destroy(e, EXO_STATUS_DESTROYED);
	return 0;
}

/* Give the rest of our slice to the environment env_cap names, or end it and
 * let the slice vector decide (-1).  The entry stub has saved the callee-saved
 * registers. */
long sys_yield(uint64_t cap)
{
	struct env *target = 0;
	if ((int64_t)cap >= 0) {
		int err;
		target = env_from_cap(curenv, (int64_t)cap, 0, &err);
		if (!target)
			return err;
	}
	syscall_save_state(curenv);
	sched_yielded(curenv);
	/* To itself is no donation: it would answer an epilogue and keep the CPU. */
	if (target && target != curenv && target->info->state == EXO_ENV_RUNNABLE)
		env_run(target);
	sched_yield();
}
