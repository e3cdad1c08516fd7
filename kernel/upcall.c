/* Registering exception handlers.  Delivery itself is entry.S's fast path. */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/memlayout.h>

#include "env.h"
#include "kernel.h"
#include "trap.h"
#include "upcall.h"

void upcall_load(const struct env *e)
{
	extern struct trapframe *cur_tf;
	cur_tf = (struct trapframe *)&e->tf;
	upcall_handler = e->info->handler;
	upcall_xstack_lo = e->info->xstack_lo;
	upcall_xstack_hi = e->info->xstack_hi;
}

/* handler 0 unregisters.  The exception stack is not checked here: it may be
 * mapped later, and delivery checks every store. */
long sys_set_handler(uint64_t env_cap, uint64_t handler, uint64_t lo, uint64_t hi)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (handler && (handler >= EXO_KERNBASE || lo >= hi || hi > EXO_USER_TOP ||
	                (lo | hi) & (EXO_PAGE_SIZE - 1)))
		return -EXO_EINVAL;
	e->info->handler = handler;
	e->info->xstack_lo = handler ? lo : 0;
	e->info->xstack_hi = handler ? hi : 0;
	if (e == curenv)
		upcall_load(e);
	return 0;
}
