/* Kernel entry and exit: exceptions, the syscall instruction, and the
 * breakpoint-trap fallback for machines where `syscall` does not reach ring 0.
 *
 * Ring-0 instructions cost ~275 ns each on KVM-on-PVM, so the syscall paths are a
 * handful of instructions: no register saving beyond what the ABI demands (a call
 * clobbers the caller-saved registers, see include/exo/syscall.h). */
#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/syscall.h>
#include <exo/trap.h>
#include "gate.h"
#include "lapic.h"
#include "trap.h"
#include "x86.h"

#define GATE_RIP (EXO_GATE_SYSCALL + GATE_INT3_RESUME)

/* Counts the crossing and calls syscall_table[rax] with the C argument registers
 * (the fourth argument arrives in r10, as with `syscall`); jumps to \bad for an
 * out-of-range number.  rcx and r11 are scratch: the ABI clobbers them. */
.macro SYSCALL_DISPATCH bad
	incq kinfo_page + KINFO_OFF_SYSCALLS(%rip)
	cmpq $EXO_NSYSCALLS, %rax
	jae \bad
	movq %r10, %rcx
	leaq syscall_table(%rip), %r11
	call *(%r11, %rax, 8)
.endm

/* The registers of a struct trapframe, below vector, err and the CPU's frame,
 * and back. */
.macro SAVE_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro RESTORE_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm
/* The registers a C call may clobber, for interrupt entries that call C and
 * return to the interrupted context without switching. */
.macro SAVE_CALLER_SAVED
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
.endm
.macro RESTORE_CALLER_SAVED
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
.endm

	.text
/* The `syscall` instruction, where it reaches ring 0 (VT-x KVM, QEMU).  One CPU:
 * the user stack pointer is parked in a global, then kept on the kernel stack. */
	.globl syscall_entry
syscall_entry:
	cmpb $0, syscall_reflect_on(%rip)
	jne syscall_reflecting
syscall_fast:
	movq %rsp, syscall_user_rsp(%rip)
	leaq boot_stack_top(%rip), %rsp
	pushq syscall_user_rsp(%rip)
	pushq %rcx
	pushq %r11
	movl $EXO_ENTRY_SYSCALL, kinfo_page + KINFO_OFF_ENTRY_METHOD(%rip)
	SYSCALL_DISPATCH 2f
1:	popq %r11
	popq %rcx
	popq %rsp
	sysretq
2:	movq $-EXO_ENOSYS, %rax
	jmp 1b

/* The environment wants bare `syscall`s reflected (EXO_EV_SYSCALL), every Linux
 * program under ExOS.  The gate's own `syscall` (rcx: the instruction after it)
 * is still an exokernel call: it takes the fast path, as trap() would decide
 * after ~90 more instructions (syscall_is_reflected).  Any other: build the
 * frame an exception would have (rip = rcx, rflags = r11) for trap(), which
 * reflects it as an upcall. */
syscall_reflecting:
	cmpq gate_syscall_resume(%rip), %rcx
	je syscall_fast
syscall_slow:
	movq %rsp, syscall_user_rsp(%rip)
	leaq boot_stack_top(%rip), %rsp
	pushq $SEL_UDATA
	pushq syscall_user_rsp(%rip)
	pushq %r11
	pushq $SEL_UCODE
	pushq %rcx
	pushq $0
	pushq $T_SYSCALL_REFLECT
	jmp trap_save

/* #BP.  A breakpoint from the gate's int3 is a system call: dispatch it at once
 * and return with iretq.  Any other breakpoint is an ordinary exception. */
trap_entry_3:
	cmpl $(GATE_RIP & 0xffffffff), (%rsp)
	jne 3f
	cmpl $(GATE_RIP >> 32), 4(%rsp)
	jne 3f
	SYSCALL_DISPATCH 2f
	iretq
2:	movq $-EXO_ENOSYS, %rax
	iretq
3:	pushq $0
	pushq $T_BP
	jmp gdb_agent_check


/* #BP and #DB under exosim --gdb (exo.gdb=1): report the trapframe to exosim's
 * debug agent (include/hw/exosim_pv.h, PV_GDB_PORT) before anything else, and
 * resume at once if it was the debugger's (a breakpoint it set, a step, a
 * watchpoint).  Without --gdb this costs one compare. */
gdb_agent_check:
	cmpb $0, gdb_agent_on(%rip)
	je trap_user_check
	SAVE_REGS
	movq %rsp, %rax
	movabsq $EXO_KERNBASE, %rdx
	subq %rdx, %rax /* the frame's guest-physical address (the direct map) */
	movl $GDB_AGENT_PORT, %edx
	outl %eax, %dx
	cmpq $-1, TF_VECTOR(%rsp) /* PV_GDB_RESUME */
	je trap_pop
	RESTORE_REGS
	jmp trap_user_check

/* Exceptions a handler may see go through trap_user_check; NMI, #DF and #MC
 * are never delivered to an environment. */
.macro TRAP_NOERR vec
trap_entry_\vec:
	pushq $0
	pushq $\vec
	jmp trap_user_check
.endm
.macro TRAP_ERR vec
trap_entry_\vec:
	pushq $\vec
	jmp trap_user_check
.endm
.macro TRAP_FATAL vec, err
trap_entry_\vec:
	.if \err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp trap_save
.endm

TRAP_NOERR 0
trap_entry_1: /* #DB: exosim --gdb's steps and watchpoints come first */
	pushq $0
	pushq $T_DB
	jmp gdb_agent_check
TRAP_FATAL 2, 0
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_FATAL 8, 1
TRAP_NOERR 9
TRAP_ERR 10
TRAP_ERR 11
TRAP_ERR 12
TRAP_ERR 13
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR 17
TRAP_FATAL 18, 0
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR 21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR 29
TRAP_ERR 30
TRAP_NOERR 31

/* The LAPIC timer: a full trapframe, then trap() (which may switch
 * environments).  Spurious interrupts need no EOI. */
	.globl irq_timer_entry, irq_spurious_entry
irq_timer_entry:
	pushq $0
	pushq $32
	jmp trap_save
irq_spurious_entry:
	iretq

/* Device interrupts (virtio.c): dev_irq(i, cs) acknowledges the device, takes its
 * completions and sends the EOI; it does not switch environments itself, so only the
 * registers a C call clobbers are saved.  When it woke an environment that should
 * run at once (sched.h: wake-up preemption) it says so, and the interrupted context
 * is saved whole, as a tick's is, for sched_irq_switch. */
.macro IRQ_DEV i
irq_dev_entry_\i:
	SAVE_CALLER_SAVED
	movl $\i, %edi
	movq 80(%rsp), %rsi /* the interrupted cs, above the 9 registers and rip */
	call dev_irq
	testq %rax, %rax
	RESTORE_CALLER_SAVED /* pops leave the flags alone */
	jnz 1f
	iretq
1:	pushq $0
	pushq $(IRQ_DEV_BASE + \i)
	jmp irq_switch_save
.endm
.irp i, 0,1,2,3,4,5,6,7
IRQ_DEV \i
.endr

/* Console input arrived (console.c): console_irq(cs) sends the EOI.  Out of
 * the idle loop's hlt the return is the wake-up (its next turn evaluates the
 * sleepers' predicates; a reader's is over the ring's `posted` word).  From
 * ring 3 it evaluates them itself, and when that woke a reader the interrupted
 * context is saved whole for sched_irq_switch, as for a device interrupt. */
	.globl irq_console_entry
irq_console_entry:
	SAVE_CALLER_SAVED
	movq 80(%rsp), %rdi /* the interrupted cs, above the 9 registers and rip */
	call console_irq
	testq %rax, %rax
	RESTORE_CALLER_SAVED /* pops leave the flags alone */
	jnz 1f
	iretq
1:	pushq $0
	pushq $IRQ_CONSOLE
	jmp irq_switch_save

/* #PF.  On KVM-on-PVM a `syscall` from ring 3 arrives here as a fault at
 * syscall_entry: that goes to trap() in C, which serves the call. */
trap_entry_14:
	pushq $T_PF
	pushq %rax
	leaq syscall_entry(%rip), %rax
	cmpq %rax, 24(%rsp)
	popq %rax
	je trap_save

/* Exception upcall: the Aegis "few stores and a jump".  With a handler
 * registered, write a struct exo_xframe on the environment's exception stack
 * (below the interrupted rsp if it was already on it) and return to the handler
 * with rsp = frame.  Every other register keeps its faulting value.  A store
 * into an unmapped or read-only exception stack faults in ring 0 between
 * upcall_store_begin and upcall_store_end; trap() then kills the environment.
 * Stack here: rdx rcx rax vector err | rip cs rflags rsp ss. */
trap_user_check:
	testb $3, 24(%rsp)
	jz trap_save
	cmpq $0, upcall_handler(%rip)
	je trap_save
	pushq %rax
	pushq %rcx
	pushq %rdx
	movq 64(%rsp), %rax
	movq upcall_xstack_hi(%rip), %rcx
	cmpq %rcx, %rax
	jae 1f
	cmpq upcall_xstack_lo(%rip), %rax
	jb 2f
	leaq -EXO_XFRAME_GAP(%rax), %rcx /* nested: below the interrupted frame */
	jmp 1f
2:	movq upcall_xstack_lo(%rip), %rdx /* rsp in the guard page below it: a */
	subq %rax, %rdx                   /* handler overflowed (include/exo/trap.h) */
	cmpq $4096, %rdx
	jbe upcall_abort
1:	subq $EXO_XF_SIZE, %rcx
	andq $-16, %rcx
	cmpq upcall_xstack_lo(%rip), %rcx
	jb upcall_abort /* exception stack overflow */
	.globl upcall_store_begin, upcall_store_end
upcall_store_begin:
	movq 24(%rsp), %rdx
	movq %rdx, EXO_XF_VECTOR(%rcx)
	movq 32(%rsp), %rdx
	movq %rdx, EXO_XF_ERR(%rcx)
	movq %cr2, %rdx
	movq %rdx, EXO_XF_ADDR(%rcx)
	movq 40(%rsp), %rdx
	movq %rdx, EXO_XF_RIP(%rcx)
	movq 56(%rsp), %rdx
	movq %rdx, EXO_XF_RFLAGS(%rcx)
	movq %rax, EXO_XF_RSP(%rcx)
	movq 16(%rsp), %rdx
	movq %rdx, EXO_XF_RAX(%rcx)
	movq 8(%rsp), %rdx
	movq %rdx, EXO_XF_RCX(%rcx)
	movq (%rsp), %rdx
	movq %rdx, EXO_XF_RDX(%rcx)
upcall_store_end:
	movq %rcx, 64(%rsp)
	movq upcall_handler(%rip), %rdx
	movq %rdx, 40(%rsp)
	andq $~0x40500, 56(%rsp) /* the handler runs with TF, DF and AC clear */
	incq kinfo_page + KINFO_OFF_UPCALLS(%rip)
	addq $40, %rsp
	iretq
upcall_abort:
	popq %rdx
	popq %rcx
	popq %rax

trap_save:
	SAVE_REGS
	movq %rsp, %rdi
	call trap
	jmp trap_pop /* trap() returned: resume the (possibly edited) frame */

/* A device interrupt that hands the CPU to the environment it woke: the frame as
 * trap_save builds it, for sched_irq_switch, which does not return. */
irq_switch_save:
	SAVE_REGS
	movq %rsp, %rdi
	call sched_irq_switch

/* syscall_table entries for the calls that may switch environments (yield,
 * PCT, wait): the fast paths save nothing, so first park the caller's
 * callee-saved registers in its current context; syscall_save_state() saves
 * the rest. */
.macro SAVING_CALLEE_SAVED name
	.globl \name\()_saving
\name\()_saving:
	movq cur_tf(%rip), %rax
	movq %rbx, TF_RBX(%rax)
	movq %rbp, TF_RBP(%rax)
	movq %r12, TF_R12(%rax)
	movq %r13, TF_R13(%rax)
	movq %r14, TF_R14(%rax)
	movq %r15, TF_R15(%rax)
	jmp \name
.endm
SAVING_CALLEE_SAVED sys_yield
SAVING_CALLEE_SAVED sys_pct
SAVING_CALLEE_SAVED sys_wait
SAVING_CALLEE_SAVED sys_wait_for

/* trap_return(tf): load the saved state and return to it. */
	.globl trap_return
trap_return:
	movq %rdi, %rsp
trap_pop:
	RESTORE_REGS
	addq $16, %rsp
	iretq

	.section .data.rel.ro, "a"
	.balign 8
	.globl trap_entries
trap_entries:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_entry_\v
	.endr
	.globl irq_dev_entries
irq_dev_entries: /* EXO_DISK_MAX of them */
	.irp i, 0,1,2,3,4,5,6,7
	.quad irq_dev_entry_\i
	.endr

	.section .rodata
	.balign 8
gate_syscall_resume: /* rcx after the gate's `syscall` */
	.quad EXO_GATE_SYSCALL + GATE_SYSCALL_RESUME

	.bss
	.balign 4096
	.globl gate_page, kinfo_page
gate_page:
	.skip 4096
kinfo_page:
	.skip 4096
	.balign 8
	.globl upcall_handler, upcall_xstack_lo, upcall_xstack_hi, cur_tf, syscall_reflect_on, gdb_agent_on
upcall_handler:
	.quad 0
upcall_xstack_lo:
	.quad 0
upcall_xstack_hi:
	.quad 0
cur_tf:
	.quad 0
syscall_user_rsp:
	.quad 0
syscall_reflect_on: /* the running environment has EXO_EV_SYSCALL */
	.byte 0
gdb_agent_on: /* exo.gdb: exosim --gdb's debug agent is listening */
	.byte 0
