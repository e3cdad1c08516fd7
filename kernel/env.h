/* Environments: an address space, a capability table, a register state. */
#ifndef KERNEL_ENV_H
#define KERNEL_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/env.h>

#include "trap.h"

struct env {
	uint32_t id;       /* == info->id; slot = id % EXO_NENV */
	uint16_t slot;     /* index in envs[], the capability table and the rmap */
	uint64_t pml4;     /* physical address of the page-table root */
	uint32_t root_cap; /* kernel-held root of this environment's EXO_CAP_ENV tree (node + 1) */
	struct trapframe tf;
	struct exo_env_info *info; /* the exported, read-only view */
};

extern struct env *curenv;

void env_init(void);
/* A new environment with an empty address space and a capability for itself in
 * slot EXO_CAP_SELF; `parent` (may be 0) gets one too, returned in *parent_slot. */
struct env *env_create(const char *name, struct env *parent, int *parent_slot);
struct env *env_by_slot(uint16_t slot);
/* The environment an EXO_CAP_ENV capability in cur's table names, if the
 * capability has `rights`; else 0 and *err set. */
struct env *env_from_cap(struct env *cur, int64_t cap, uint32_t rights, int *err);
void env_start(struct env *e);
/* Frees its pages, revokes its capabilities, records the status. */
void env_destroy(struct env *e, int status);
_Noreturn void env_run(struct env *e);
_Noreturn void env_exit(struct env *e, int status);
_Noreturn void env_kill(struct env *e, int status, const char *why);
/* Runs the next runnable environment after cur (or cur itself if it is the
 * only one); ends the machine when none is left. */
_Noreturn void sched_yield(void);
/* A timer tick: the running environment's slice ends if another is runnable. */
void sched_tick(struct trapframe *tf);

/* System calls (syscall.c's table). */
long sys_env_create(uint64_t name);
long sys_env_set_regs(uint64_t cap, uint64_t regs);
long sys_env_start(uint64_t cap);
long sys_env_destroy(uint64_t cap);
long sys_yield(uint64_t cap);

#endif
