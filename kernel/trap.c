/* Traps that entry.S's fast paths leave to C: the timer, system calls that
 * came in through a fault or are to be reflected to the environment's handler,
 * and exceptions no handler takes.
 *
 * An exception from ring 3 normally never gets here: entry.S delivers it to
 * the environment's handler as an upcall (include/exo/trap.h).  With no
 * handler registered, or none that can be reached (the exception stack is
 * unmapped, read-only or full), the kernel ends the environment with a
 * one-line diagnostic and records the vector in its status
 * (EXO_STATUS_FAULT / EXO_STATUS_NOUPCALL, include/exo/status.h).  The kernel
 * knows no Unix signals: exosim and ExOS turn vectors into 128 + signal
 * (lib/unix_status.c).  An exception in ring 0 is a kernel bug and stops the
 * machine. */
#include <exo/memlayout.h>
#include <exo/status.h>
#include <hw/exosim_pv.h>

#include "arch.h"
#include "env.h"
#include "gate.h"
#include "kernel.h"
#include "kstack.h"
#include "lapic.h"
#include "sched.h"
#include "syscall.h"
#include "trap.h"
#include "upcall.h"
#include "x86.h"

_Static_assert(TF_RBX == __builtin_offsetof(struct trapframe, rbx), "TF_RBX");
_Static_assert(TF_RBP == __builtin_offsetof(struct trapframe, rbp), "TF_RBP");
_Static_assert(TF_R12 == __builtin_offsetof(struct trapframe, r12), "TF_R12");
_Static_assert(TF_R15 == __builtin_offsetof(struct trapframe, r15), "TF_R15");
_Static_assert(TF_VECTOR == __builtin_offsetof(struct trapframe, vector), "TF_VECTOR");
_Static_assert(GDB_AGENT_PORT == PV_GDB_PORT, "GDB_AGENT_PORT");
/* exosim's debug agent reads and writes the frame as its own struct. */
_Static_assert(sizeof(struct trapframe) == sizeof(struct pv_gdb_frame), "pv_gdb_frame");
_Static_assert(__builtin_offsetof(struct trapframe, vector) ==
                       __builtin_offsetof(struct pv_gdb_frame, vector),
               "pv_gdb_frame vector");
_Static_assert(__builtin_offsetof(struct trapframe, rip) ==
                       __builtin_offsetof(struct pv_gdb_frame, rip),
               "pv_gdb_frame rip");

extern char syscall_entry[];

static const char *const vector_names[32] = {
        [T_DE] = "divide error",
        [T_DB] = "debug exception",
        [T_NMI] = "NMI",
        [T_BP] = "breakpoint",
        [T_OF] = "overflow",
        [T_BR] = "bound range exceeded",
        [T_UD] = "invalid opcode",
        [T_NM] = "device not available",
        [T_DF] = "double fault",
        [T_TS] = "invalid TSS",
        [T_NP] = "segment not present",
        [T_SS] = "stack fault",
        [T_GP] = "general protection fault",
        [T_PF] = "page fault",
        [T_MF] = "x87 floating-point error",
        [T_AC] = "alignment check",
        [T_MC] = "machine check",
        [T_XM] = "SIMD floating-point error",
};

static const char *vector_name(uint64_t v)
{
	return v < 32 && vector_names[v] ? vector_names[v] : "reserved exception";
}

static void dump_frame(const struct trapframe *tf)
{
	kprintf("exo:   rip %016lx  rsp %016lx  rflags %016lx  cs %lx  err %lx\n", tf->rip, tf->rsp,
	        tf->rflags, tf->cs, tf->err);
	kprintf("exo:   rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx,
	        tf->rcx, tf->rdx);
	kprintf("exo:   rsi %016lx  rdi %016lx  rbp %016lx  cr2 %016lx  cr3 %016lx\n", tf->rsi,
	        tf->rdi, tf->rbp, rcr2(), rcr3());
}

/* On KVM-on-PVM `syscall` from ring 3 jumps to LSTAR without leaving ring 3, so
 * it arrives here as an instruction-fetch page fault at syscall_entry with RCX
 * and R11 as SYSCALL set them.  Serve the call and return to RCX.  A program can
 * also jump to syscall_entry with forged RCX/R11: both are checked. */
/* The trapframe of a system call that came in through a page fault, while it
 * is being served (syscall_save_state copies it).  A call that switches
 * environments never returns to clear it, so env_run clears it too: a stale
 * one would hand one environment another's registers. */
struct trapframe *fault_syscall_tf;

/* A bare `syscall` from an environment that asked for them (EXO_EV_SYSCALL) is
 * not an exokernel call: hand it to its handler as an EXO_VEC_SYSCALL upcall,
 * resuming after the instruction.  The gate's own `syscall` (VT-x, QEMU) is
 * always an exokernel call. */
static bool syscall_is_reflected(const struct trapframe *tf)
{
	return env_wants(curenv, EXO_EV_SYSCALL) &&
	       tf->rip != EXO_GATE_SYSCALL + GATE_SYSCALL_RESUME;
}

static void syscall_reflect(struct trapframe *tf)
{
	if (upcall_push(curenv, tf, EXO_VEC_SYSCALL, 0))
		env_kill(curenv, EXO_STATUS_NOUPCALL(EXO_VEC_SYSCALL),
		         "cannot reflect a system call: exception stack unusable");
}

/* Serves an exokernel call whose state is in a full trapframe (the slow
 * entries).  fault_syscall_tf lets a call that switches environments save it. */
static void syscall_serve(struct trapframe *tf)
{
	kinfo_page.syscalls++;
	fault_syscall_tf = tf;
	tf->rax = (uint64_t)syscall_dispatch(tf->rax, tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8,
	                                     tf->r9);
	fault_syscall_tf = 0;
}

static void syscall_from_fault(struct trapframe *tf)
{
	gate_use_int3();
	uint64_t resume = tf->rcx;
	/* Anything below the kernel slot is canonical, so iretq cannot fault in ring 0;
	 * a bad user address just faults again in ring 3. */
	if (resume >= EXO_KERNBASE) /* sysret to it would #GP */
		env_kill(curenv, EXO_STATUS_FAULT(T_GP), "syscall with a bad return address");
	tf->rip = resume;
	tf->rflags = (tf->r11 & RFLAGS_USER_MASK) | USER_RFLAGS_FIXED;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	if (syscall_is_reflected(tf)) {
		syscall_reflect(tf);
		return;
	}
	syscall_serve(tf);
}

/* The top of the kernel stack, where every entry from ring 3 starts (opaque to
 * the compiler, which would otherwise object to the negative indexes below). */
static const uint64_t *kstack_top(void)
{
	const uint64_t *p;
	__asm__("leaq boot_stack_top(%%rip), %0" : "=r"(p));
	return p;
}

void syscall_save_state(struct env *e)
{
	struct trapframe *tf = e->ctx; /* the main context or a PCT activation */
	if (fault_syscall_tf) {
		*tf = *fault_syscall_tf;
		fault_syscall_tf = 0;
	} else if (kinfo_page.entry_method == EXO_ENTRY_INT3) {
		const uint64_t *f = kstack_top() - 5; /* the CPU's iret frame */
		tf->rip = f[0], tf->rflags = f[2], tf->rsp = f[3];
	} else { /* syscall_entry pushed rsp, rcx (rip), r11 (rflags) */
		const uint64_t *top = kstack_top();
		tf->rsp = top[-1], tf->rip = top[-2], tf->rflags = top[-3];
	}
	tf->rflags = (tf->rflags & RFLAGS_USER_MASK) | USER_RFLAGS_FIXED;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	/* Scratch registers are clobbered by a call: give back zeros, not kernel values. */
	tf->rcx = tf->rdx = tf->rsi = tf->rdi = tf->r8 = tf->r9 = tf->r10 = tf->r11 = 0;
	tf->rax = 0;
}

static _Noreturn void user_fault(struct trapframe *tf)
{
	char why[160];
	if (tf->vector == T_PF)
		snprintf(why, sizeof(why), "%s at rip 0x%lx: address 0x%lx (%s, %s)",
		         vector_name(tf->vector), tf->rip, rcr2(),
		         tf->err & 0x10 ? "exec"
		         : tf->err & 2  ? "write"
		                        : "read",
		         tf->err & 1 ? "protection" : "not present");
	else
		snprintf(why, sizeof(why), "%s at rip 0x%lx (error code 0x%lx)",
		         vector_name(tf->vector), tf->rip, tf->err);
	env_kill(curenv, EXO_STATUS_FAULT(tf->vector), why);
}

/* The vector entry.S was delivering when a store into the exception stack
 * faulted (tf): that #PF came from ring 0 without a stack switch, so its frame
 * sits right below trap_user_check's "rdx rcx rax vector err". */
static uint64_t delivering_vector(const struct trapframe *tf)
{
	return ((const uint64_t *)(tf + 1))[3];
}

void trap(struct trapframe *tf)
{
	if (tf->vector == IRQ_TIMER) {
		sched_tick(tf);
		return;
	}
	if ((tf->cs & 3) == 0) {
		if (tf->vector == T_PF && tf->rip >= (uint64_t)upcall_store_begin &&
		    tf->rip < (uint64_t)upcall_store_end)
			env_kill(curenv, EXO_STATUS_NOUPCALL(delivering_vector(tf)),
			         "exception stack is not mapped writable");
		if (kstack_guard_hit(rcr2()))
			panic("kernel stack overflow (a write at 0x%lx, in a guard page)", rcr2());
		kprintf("exo: %s in the kernel\n", vector_name(tf->vector));
		dump_frame(tf);
		panic("unexpected exception in ring 0");
	}
	if (tf->vector == T_PF && tf->rip == (uint64_t)syscall_entry) {
		syscall_from_fault(tf);
		return;
	}
	if (tf->vector == T_SYSCALL_REFLECT) { /* from entry.S's syscall_entry */
		if (syscall_is_reflected(tf)) {
			syscall_reflect(tf);
			return;
		}
		tf->rflags = (tf->rflags & RFLAGS_USER_MASK) | USER_RFLAGS_FIXED;
		syscall_serve(tf); /* the gate's own `syscall` */
		return;
	}
	if (upcall_handler && tf->vector != T_NMI && tf->vector != T_DF && tf->vector != T_MC)
		env_kill(curenv, EXO_STATUS_NOUPCALL(tf->vector), "exception stack overflow");
	if (gdb_agent_on) { /* gdb stops at the fault; the environment then ends */
		outl(PV_GDB_PORT, (uint32_t)kpa(tf));
		if (tf->vector == PV_GDB_RESUME) /* a #BP or #DB of the debugger's */
			return;
	}
	user_fault(tf);
}
