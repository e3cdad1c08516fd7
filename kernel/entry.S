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
#include "gate.h"
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

	.text
/* The `syscall` instruction, where it reaches ring 0 (VT-x KVM, QEMU).  One CPU:
 * the user stack pointer is parked in a global, then kept on the kernel stack. */
	.globl syscall_entry
syscall_entry:
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
	jmp trap_common

.macro TRAP_NOERR vec
trap_entry_\vec:
	pushq $0
	pushq $\vec
	jmp trap_common
.endm
.macro TRAP_ERR vec
trap_entry_\vec:
	pushq $\vec
	jmp trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR 8
TRAP_NOERR 9
TRAP_ERR 10
TRAP_ERR 11
TRAP_ERR 12
TRAP_ERR 13
TRAP_ERR 14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR 17
TRAP_NOERR 18
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

trap_common:
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
	movq %rsp, %rdi
	call trap
	jmp trap_pop /* trap() returned: resume the (possibly edited) frame */

/* trap_return(tf): load the saved state and return to it. */
	.globl trap_return
trap_return:
	movq %rdi, %rsp
trap_pop:
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
	addq $16, %rsp
	iretq

	.section .data.rel.ro, "a"
	.balign 8
	.globl trap_entries
trap_entries:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_entry_\v
	.endr

	.bss
	.balign 4096
	.globl gate_page, kinfo_page
gate_page:
	.skip 4096
kinfo_page:
	.skip 4096
	.balign 8
syscall_user_rsp:
	.quad 0
