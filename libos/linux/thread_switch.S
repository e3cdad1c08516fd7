/* linux_thread_switch(save, load): the switch between two of ExOS's threads
 * (thread.c), inside ExOS on their own ExOS stacks.  Only what the SysV ABI
 * says a call preserves is saved: the caller (switch_to) expects the rest
 * clobbered.  A new thread's stack is built to look like one switched out
 * here, returning into thread_start. */
	.text
	.globl	linux_thread_switch
	.type	linux_thread_switch, @function
linux_thread_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	linux_thread_switch, . - linux_thread_switch

	.section .note.GNU-stack, "", @progbits
