/* exos_xentry: the exception upcall entry (contract: include/exo/trap.h).
 *
 * The kernel enters here in ring 3 with rsp = &struct exo_xframe on the
 * exception stack.  rax, rcx, rdx are in the frame; every other register
 * still holds its value from the moment of the exception.
 *
 *   frame + 80   (above: older frames / the interrupted stack)
 *   frame        struct exo_xframe     <- rsp at entry
 *   frame - 96   struct exos_regs      (rbx rbp rsi rdi r8..r15, saved here)
 *   below        C stack for exos_exception_dispatch, 16-byte aligned
 *
 * Resuming, without the kernel:
 *   1. write f->rip at f->rsp - 136: the word just below the interrupted
 *      stack's 128-byte red zone (for a nested fault this is inside the
 *      EXO_XFRAME_GAP the kernel left free);
 *   2. restore rflags with push/popfq, then use only mov/lea (no flag effects);
 *   3. restore the GPRs, load rsp = f->rsp - 136 and `ret $128`: ret pops
 *      rip, then adds 128, so rsp ends at exactly f->rsp. */
#include <exo/trap.h>

#define R_RBX 0
#define R_RBP 8
#define R_RSI 16
#define R_RDI 24
#define R_R8 32
#define R_R9 40
#define R_R10 48
#define R_R11 56
#define R_R12 64
#define R_R13 72
#define R_R14 80
#define R_R15 88
#define R_SIZE 96
#define F(x) (R_SIZE + (x))	/* frame field, relative to the regs area */

	.text
	.globl	exos_xentry
	.type	exos_xentry, @function
exos_xentry:
	subq	$R_SIZE, %rsp
	movq	%rbx, R_RBX(%rsp)
	movq	%rbp, R_RBP(%rsp)
	movq	%rsi, R_RSI(%rsp)
	movq	%rdi, R_RDI(%rsp)
	movq	%r8, R_R8(%rsp)
	movq	%r9, R_R9(%rsp)
	movq	%r10, R_R10(%rsp)
	movq	%r11, R_R11(%rsp)
	movq	%r12, R_R12(%rsp)
	movq	%r13, R_R13(%rsp)
	movq	%r14, R_R14(%rsp)
	movq	%r15, R_R15(%rsp)
	movq	%rsp, %rbx		/* regs area (callee-saved across the call) */
	leaq	R_SIZE(%rsp), %rdi	/* struct exo_xframe * */
	movq	%rsp, %rsi		/* struct exos_regs * */
	andq	$-16, %rsp
	xorl	%ebp, %ebp		/* a clean frame chain for debuggers */
	cld				/* the SysV ABI wants DF clear */
	call	exos_exception_dispatch

	movq	%rbx, %rsp
	movq	F(EXO_XF_RSP)(%rsp), %rcx
	movq	F(EXO_XF_RIP)(%rsp), %rdx
	movq	%rdx, -136(%rcx)	/* the resume slot */
	pushq	F(EXO_XF_RFLAGS)(%rsp)	/* address computed before the push */
	popfq
	/* From here on, nothing that changes flags. */
	movq	R_RBX(%rsp), %rbx
	movq	R_RBP(%rsp), %rbp
	movq	R_RSI(%rsp), %rsi
	movq	R_RDI(%rsp), %rdi
	movq	R_R8(%rsp), %r8
	movq	R_R9(%rsp), %r9
	movq	R_R10(%rsp), %r10
	movq	R_R11(%rsp), %r11
	movq	R_R12(%rsp), %r12
	movq	R_R13(%rsp), %r13
	movq	R_R14(%rsp), %r14
	movq	R_R15(%rsp), %r15
	movq	F(EXO_XF_RAX)(%rsp), %rax
	movq	F(EXO_XF_RCX)(%rsp), %rcx
	movq	F(EXO_XF_RDX)(%rsp), %rdx
	movq	F(EXO_XF_RSP)(%rsp), %rsp
	leaq	-136(%rsp), %rsp
	ret	$128
	.size	exos_xentry, . - exos_xentry

/* exos_env_entry: where a spawned environment starts (libos/env.c sets
 * rip here, rsp = its stack top, 16-byte aligned, rdi = fn, rsi = arg). */
	.globl	exos_env_entry
	.type	exos_env_entry, @function
exos_env_entry:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	exos_env_main
	ud2
	.size	exos_env_entry, . - exos_env_entry

	.section .note.GNU-stack, "", @progbits
