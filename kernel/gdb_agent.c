/* exosim --gdb's debug agent, the parts outside the trap path (entry.S and
 * trap.c report ring-3 #BP, #DB and fatal exceptions): telling exosim where
 * the environments are, so that gdb sees each as a thread, and letting a
 * libOS report a death by signal before it ends the process
 * (include/hw/exosim_pv.h).  Both do nothing without exo.gdb=1. */
#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <hw/exosim_pv.h>

#include "arch.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "syscall.h"
#include "trap.h"
#include "uaccess.h"
#include "x86.h"

#define OFF(field) ((uint32_t) __builtin_offsetof(struct env, field))

static const struct pv_gdb_layout layout = {
        .nenv = EXO_NENV,
        .env_size = sizeof(struct env),
        .off_pml4 = OFF(pml4),
        .off_info = OFF(info),
        .off_ctx = OFF(ctx),
        .off_fs = OFF(fs_base),
        .off_fpu = OFF(fpu),
        .off_fresh = OFF(fpu_fresh),
};
_Static_assert(__builtin_offsetof(struct env, gs_base) ==
                       __builtin_offsetof(struct env, fs_base) + 8,
               "pv_gdb_layout.off_fs: gs_base follows fs_base");
_Static_assert(sizeof(((struct env *)0)->fpu_fresh) == 1, "pv_gdb_layout.off_fresh: a bool");

void gdb_agent_init(void)
{
	if (!gdb_agent_on)
		return;
	kinfo_page.flags |= EXO_KINFO_GDB;
	/* The addresses are only known at run time (a static initializer cannot
	 * subtract EXO_KERNBASE from them); the rest is constant. */
	static struct pv_gdb_layout l;
	l = layout;
	l.envs = kpa(envs);
	l.curenv = kpa(&curenv);
	outl(PV_GDB_LAYOUT_PORT, (uint32_t)kpa(&l));
}

long sys_debug_signal(uint64_t regs, uint64_t sig, uint64_t addr)
{
	if (!gdb_agent_on)
		return -EXO_ENOSYS;
	if (sig < 1 || sig > PV_GDB_SIGNAL_MAX)
		return -EXO_EINVAL;
	struct exo_regs r;
	if (copy_from_user(curenv->pml4, &r, regs, sizeof(r)) || r.rip >= EXO_USER_TOP)
		return -EXO_EFAULT;
	struct trapframe tf = {.rax = r.rax,
	                       .rbx = r.rbx,
	                       .rcx = r.rcx,
	                       .rdx = r.rdx,
	                       .rsi = r.rsi,
	                       .rdi = r.rdi,
	                       .rbp = r.rbp,
	                       .rsp = r.rsp,
	                       .r8 = r.r8,
	                       .r9 = r.r9,
	                       .r10 = r.r10,
	                       .r11 = r.r11,
	                       .r12 = r.r12,
	                       .r13 = r.r13,
	                       .r14 = r.r14,
	                       .r15 = r.r15,
	                       .rip = r.rip,
	                       .cs = SEL_UCODE,
	                       .ss = SEL_UDATA,
	                       .rflags = (r.rflags & RFLAGS_USER_MASK) | USER_RFLAGS_FIXED,
	                       .vector = PV_GDB_SIGNAL + sig,
	                       .err = addr};
	outl(PV_GDB_PORT, (uint32_t)kpa(&tf)); /* returns once gdb resumes the machine */
	return 0;
}
