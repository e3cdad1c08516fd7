/* Environments: an address space, a capability table, a register state. */
#ifndef KERNEL_ENV_H
#define KERNEL_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/env.h>
#include <exo/pred.h>
#include <exo/sched.h>

#include "pred.h"
#include "trap.h"

/* struct env.pending: upcalls to deliver the next time it runs. */
#define PENDING_PROLOGUE 0x1
#define PENDING_RECLAIM  0x2

struct env {
	uint32_t id;       /* == info->id; slot = id % EXO_NENV */
	uint16_t slot;     /* index in envs[], the capability table and the rmap */
	uint64_t pml4;     /* physical address of the page-table root */
	uint32_t root_cap; /* kernel-held root of this environment's EXO_CAP_ENV tree (node + 1) */
	struct exo_env_info *info; /* the exported, read-only view; info->state is the
	                              state of the context that runs (ctx) */
	struct exo_uarea *uarea;   /* shared with the libOS: read, never trusted */
	uint64_t uarea_pa;

	/* Two register contexts: its own, and a PCT activation (pct.c).  ctx is
	 * the one that runs; while an activation runs, main_state keeps the state
	 * of the main context. */
	struct trapframe tf, act_tf;
	struct trapframe *ctx;
	uint32_t main_state;
	uint32_t act_kind;  /* EXO_PCT_CALL or EXO_PCT_SEND */
	uint64_t pct_stack; /* where activations start */

	/* CPU revocation (sched.c). */
	uint32_t pending;   /* PENDING_* */
	uint32_t forfeit;   /* slices to skip for overrunning a grace period */
	uint32_t deferrals; /* epilogues deferred in a row (critical section) */
	uint64_t grace_end; /* nonzero: epilogue sent, must yield before this tick */
	uint64_t grace_tsc; /* the TSC when that epilogue was sent */
	uint64_t slices;    /* positions it owns in the slice vector (slice.c) */

	/* Wakeup predicate while SLEEPING (wakeup.c), and its compiled form,
	 * good while the mappings' generation is still pred_gen. */
	uint32_t npred;
	struct exo_pred_term pred[EXO_PRED_MAX_TERMS];
	struct pred_compiled cpred[EXO_PRED_MAX_TERMS];
	uint64_t pred_gen;
	uint64_t vm_gen; /* moves when a user mapping of its goes (pagetable.h) */

	/* Memory revocation (reclaim.c). */
	uint64_t reclaim_asked;    /* pages the current request is for */
	uint64_t reclaim_left;     /* pages still owed */
	uint64_t reclaim_deadline; /* tick after which the kernel takes them */
	uint64_t reclaim_barren;   /* its page count when a request got nothing */
	uint64_t fs_base;          /* the FS segment base (a Linux program's TLS) */
	uint64_t gs_base;          /* the GS base, which ring 3 may set with FSGSBASE */

	/* FPU, SSE and AVX registers (fpu.c): saved here while another
	 * environment has the CPU.  Fresh: never saved, load the initial state. */
	void *fpu;
	bool fpu_fresh;

	/* The disk status page (disk.c): frame and its capability's node + 1 (0: none). */
	uint64_t disk_status_pfn;
	uint32_t disk_status_node;
	/* The source MAC it is bound to, | 1 << 48 (net.c); 0: unbound. */
	uint64_t net_mac;
};

extern struct env envs[EXO_NENV];
extern struct env *curenv;

static inline uint64_t env_bit(const struct env *e)
{
	return 1ul << e->slot;
}

/* Whether e asked for the upcall `event` (EXO_EV_*) and can take it. */
static inline bool env_wants(const struct env *e, uint32_t event)
{
	return (e->info->events & event) && e->info->handler;
}

void env_init(void);
/* A new environment with an empty address space and a capability for itself in
 * slot EXO_CAP_SELF; `parent` (may be 0) gets one too, returned in *parent_slot. */
struct env *env_create(const char *name, struct env *parent, int *parent_slot);
struct env *env_by_slot(uint16_t slot);
/* The live environment with this id, or 0. */
struct env *env_by_id(uint32_t id);
/* Maps e's u-area (sched.h) at EXO_UAREA. */
int uarea_create(struct env *e);
/* The environment an EXO_CAP_ENV capability in cur's table names, if the
 * capability has `rights`; else 0 and *err set. */
struct env *env_from_cap(struct env *cur, int64_t cap, uint32_t rights, int *err);
/* Makes it runnable; gives it the first free time slice unless it holds one
 * or flags has EXO_START_NO_SLICE. */
void env_start(struct env *e, uint32_t flags);
/* Frees its pages, revokes its capabilities, records the status. */
void env_destroy(struct env *e, int status);
/* Runs e's current context, first delivering its pending upcalls. */
_Noreturn void env_run(struct env *e);
_Noreturn void env_exit(struct env *e, int status);
_Noreturn void env_kill(struct env *e, int status, const char *why);
/* System calls (syscall.c's table). */
long sys_env_create(uint64_t name);
long sys_env_set_regs(uint64_t cap, uint64_t regs);
long sys_env_start(uint64_t cap, uint64_t flags);
long sys_env_destroy(uint64_t cap);
long sys_set_fsbase(uint64_t cap, uint64_t base);
long sys_yield(uint64_t cap);

#endif
