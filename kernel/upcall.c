/* Registering the upcall handler, and delivering the upcalls that come from C
 * (prologue, epilogue, reclaim).  Exceptions are entry.S's fast path. */
#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/sched.h>
#include <exo/trap.h>

#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "trap.h"
#include "uaccess.h"
#include "upcall.h"

void upcall_load(const struct env *e)
{
	extern struct trapframe *cur_tf;
	cur_tf = e->ctx;
	upcall_handler = e->info->handler;
	upcall_xstack_lo = e->info->xstack_lo;
	upcall_xstack_hi = e->info->xstack_hi;
	syscall_reflect_on = env_wants(e, EXO_EV_SYSCALL);
}

/* handler 0 unregisters.  The exception stack is not checked here: it may be
 * mapped later, and delivery checks every store. */
/* The same frame entry.S writes for an exception, with the same placement
 * rules (include/exo/trap.h). */
int upcall_push(struct env *e, struct trapframe *tf, uint64_t vector, uint64_t err)
{
	const struct exo_env_info *i = e->info;
	if (!i->handler)
		return -EXO_EINVAL;
	uint64_t top = i->xstack_hi;
	/* rsp in the guard page below the stack: a handler overflowed it; a
	 * frame at the top would overwrite its live frames (trap.h). */
	if (tf->rsp < i->xstack_lo && i->xstack_lo - tf->rsp <= EXO_PAGE_SIZE)
		return -EXO_ENOSPC;
	if (tf->rsp >= i->xstack_lo && tf->rsp < i->xstack_hi)
		top = tf->rsp - EXO_XFRAME_GAP; /* nested: below the interrupted frame */
	uint64_t frame = (top - EXO_XF_SIZE) & ~15ul;
	if (top < i->xstack_lo + EXO_XF_SIZE || frame < i->xstack_lo)
		return -EXO_ENOSPC;
	struct exo_xframe x = {.vector = vector,
	                       .err = err,
	                       .rip = tf->rip,
	                       .rflags = tf->rflags,
	                       .rsp = tf->rsp,
	                       .rax = tf->rax,
	                       .rcx = tf->rcx,
	                       .rdx = tf->rdx};
	if (copy_to_user(e->pml4, frame, &x, sizeof(x)))
		return -EXO_EFAULT;
	tf->rsp = frame;
	tf->rip = i->handler;
	tf->rflags &= ~0x40500ul; /* TF, DF and AC clear, as for an exception */
	kinfo_page.upcalls++;
	return 0;
}

long sys_set_handler(uint64_t env_cap, uint64_t handler, uint64_t lo, uint64_t hi, uint64_t events)
{
	int err;
	struct env *e = env_from_cap(curenv, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!e)
		return err;
	if (handler && (!user_addr_ok(handler) || lo >= hi || !user_range_ok(lo, hi - lo) ||
	                (lo | hi) & (EXO_PAGE_SIZE - 1)))
		return -EXO_EINVAL;
	if (events & ~(uint64_t)EXO_EV_ALL)
		return -EXO_EINVAL;
	e->info->handler = handler;
	e->info->xstack_lo = handler ? lo : 0;
	e->info->xstack_hi = handler ? hi : 0;
	e->info->events = handler ? (uint32_t)events : 0;
	if (e == curenv)
		upcall_load(e);
	return 0;
}
