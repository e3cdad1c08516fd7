/* Environments: an address space plus a saved register state. */
#ifndef KERNEL_ENV_H
#define KERNEL_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "trap.h"

struct env {
	int id;
	bool alive;
	char name[32];
	uint64_t pml4; /* physical address of the page-table root */
	struct trapframe tf;
};

extern struct env *curenv;

struct env *env_create(const char *name);
_Noreturn void env_run(struct env *e);
_Noreturn void env_exit(struct env *e, int status);
_Noreturn void env_kill(struct env *e, int status, const char *why);

#endif
