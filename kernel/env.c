/* Environments.  This is the first cut: one environment, run until it exits. */
#include <exo/status.h>

#include "arch.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "kstring.h"
#include "vm.h"
#include "x86.h"

#define NENV 64

static struct env envs[NENV];
static int nenvs;
struct env *curenv;

struct env *env_create(const char *name)
{
	if (nenvs == NENV)
		return 0;
	struct env *e = &envs[nenvs];
	e->pml4 = vm_new_pml4();
	if (!e->pml4)
		return 0;
	e->id = ++nenvs;
	e->alive = true;
	size_t n = strlen(name);
	if (n >= sizeof(e->name))
		n = sizeof(e->name) - 1;
	memcpy(e->name, name, n);
	e->tf.cs = SEL_UCODE;
	e->tf.ss = SEL_UDATA;
	e->tf.rflags = USER_RFLAGS_FIXED;
	return e;
}

_Noreturn void env_run(struct env *e)
{
	curenv = e;
	if (rcr3() != e->pml4)
		lcr3(e->pml4);
	trap_return(&e->tf);
}

_Noreturn void env_exit(struct env *e, int status)
{
	kverbose("exo: env %d (%s) exited with status %d after %lu kernel crossings\n", e->id,
	         e->name, status, kinfo_page.syscalls);
	e->alive = false;
	/* One environment for now: when it ends, the machine ends. */
	machine_exit(status);
}

_Noreturn void env_kill(struct env *e, int status, const char *why)
{
	kprintf("exo: env %d (%s) killed: %s\n", e->id, e->name, why);
	env_exit(e, status);
}
