/* The direct path into ExOS from a rewritten syscall site, and resuming a
 * program context.  See rewrite.c for the rewriting.
 *
 * A rewritten site jumps to its stub, which loads rax as the site did, sets
 * rcx to the address after the site's `syscall` (as `syscall` itself does) and
 * jumps here with r11 as scratch.  Nothing was pushed: the program's stack,
 * red zone included, is untouched. */
#define C_R8     0
#define C_R9     8
#define C_R10    16
#define C_R11    24
#define C_R12    32
#define C_R13    40
#define C_R14    48
#define C_R15    56
#define C_RDI    64
#define C_RSI    72
#define C_RBP    80
#define C_RBX    88
#define C_RDX    96
#define C_RAX    104
#define C_RCX    112
#define C_RSP    120
#define C_RIP    128
#define C_RFLAGS 136
#define C_SIZE   144

	.text
	.globl	linux_direct_entry
	.type	linux_direct_entry, @function
linux_direct_entry:
	movq	%rsp, %r11
	/* a struct linux_ctx on the calling thread's ExOS stack (thread.c) */
	movq	linux_exos_stack_top(%rip), %rsp
	leaq	-C_SIZE(%rsp), %rsp	/* lea: the flags are still the program's */
	movq	%r8, C_R8(%rsp)
	movq	%r9, C_R9(%rsp)
	movq	%r10, C_R10(%rsp)
	movq	%r12, C_R12(%rsp)
	movq	%r13, C_R13(%rsp)
	movq	%r14, C_R14(%rsp)
	movq	%r15, C_R15(%rsp)
	movq	%rdi, C_RDI(%rsp)
	movq	%rsi, C_RSI(%rsp)
	movq	%rbp, C_RBP(%rsp)
	movq	%rbx, C_RBX(%rsp)
	movq	%rdx, C_RDX(%rsp)
	movq	%rax, C_RAX(%rsp)
	movq	%rcx, C_RIP(%rsp)
	movq	%rcx, C_RCX(%rsp)	/* rcx = rip, as `syscall` leaves it */
	movq	%r11, C_RSP(%rsp)
	pushfq
	popq	%rcx
	movq	%rcx, C_RFLAGS(%rsp)
	movq	%rcx, C_R11(%rsp)	/* r11 = rflags, as `syscall` leaves it */
	movq	%rsp, %rdi
	xorl	%ebp, %ebp
	cld
	call	linux_syscall_direct	/* nonzero: resume the whole context */
	testl	%eax, %eax
	jnz	resume_ctx
	/* The common case: back after the site, without touching the program's
	 * stack (its red zone is live), with its flags as `sysret` restores them. */
	pushq	C_RFLAGS(%rsp)
	popfq
	movq	C_R8(%rsp), %r8
	movq	C_R9(%rsp), %r9
	movq	C_R10(%rsp), %r10
	movq	C_R12(%rsp), %r12
	movq	C_R13(%rsp), %r13
	movq	C_R14(%rsp), %r14
	movq	C_R15(%rsp), %r15
	movq	C_RDI(%rsp), %rdi
	movq	C_RSI(%rsp), %rsi
	movq	C_RBP(%rsp), %rbp
	movq	C_RBX(%rsp), %rbx
	movq	C_RDX(%rsp), %rdx
	movq	C_RAX(%rsp), %rax
	movq	C_R11(%rsp), %r11
	movq	C_RIP(%rsp), %rcx
	movq	C_RSP(%rsp), %rsp
	jmp	*%rcx
	.size	linux_direct_entry, . - linux_direct_entry

/* linux_ctx_resume(ctx): load every register of ctx and continue at ctx->rip
 * (a signal handler, the context rt_sigreturn restored, a trapped call, a
 * thread switched back in).  The program's stack is not touched: it may be
 * gone (a thread that unmapped its own stack before exit).  rip goes
 * through linux_resume_rip, which is safe because ExOS runs one thread at a
 * time and an upcall landing here (ExOS code) never resumes another context
 * before returning here.  rflags are restored first, then only moves. */
	.globl	linux_ctx_resume
	.type	linux_ctx_resume, @function
linux_ctx_resume:
	movq	%rdi, %rsp
resume_ctx:
	movq	C_RIP(%rsp), %rdx
	movq	%rdx, linux_resume_rip(%rip)
	pushq	C_RFLAGS(%rsp)		/* on ExOS's stack, below the context */
	popfq
	movq	C_R8(%rsp), %r8
	movq	C_R9(%rsp), %r9
	movq	C_R10(%rsp), %r10
	movq	C_R11(%rsp), %r11
	movq	C_R12(%rsp), %r12
	movq	C_R13(%rsp), %r13
	movq	C_R14(%rsp), %r14
	movq	C_R15(%rsp), %r15
	movq	C_RDI(%rsp), %rdi
	movq	C_RSI(%rsp), %rsi
	movq	C_RBP(%rsp), %rbp
	movq	C_RBX(%rsp), %rbx
	movq	C_RDX(%rsp), %rdx
	movq	C_RAX(%rsp), %rax
	movq	C_RCX(%rsp), %rcx
	movq	C_RSP(%rsp), %rsp
	jmp	*linux_resume_rip(%rip)
	.size	linux_ctx_resume, . - linux_ctx_resume

	.bss
	.balign	8
linux_resume_rip:
	.quad	0
	.text

/* linux_call_on_stack(fn, arg, stack_top): fn(arg) on another stack (the
 * trap path moves from the small exception stack to ExOS's stack). */
	.globl	linux_call_on_stack
	.type	linux_call_on_stack, @function
linux_call_on_stack:
	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rdx, %rsp
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	movq	%rbp, %rsp
	popq	%rbp
	ret
	.size	linux_call_on_stack, . - linux_call_on_stack

	.section .note.GNU-stack, "", @progbits
