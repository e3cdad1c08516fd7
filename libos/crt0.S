/* _start: the first user instruction of a native exokernel program.
 *
 * The kernel enters here in ring 3 on a bare stack (docs/boot.md): the program
 * builds its own argv and environment from the initramfs (start.c).  We ask
 * for the size of that block, move the stack pointer below it, have it laid
 * out as Linux lays out an initial stack:
 *   rsp -> argc, argv[0..argc-1], NULL, envp[...], NULL, the strings
 * then compute argv and envp, keep the stack 16-byte aligned (the SysV ABI
 * wants rsp % 16 == 0 before a call), call main(argc, argv, envp) and pass its
 * return value to exit(), which flushes stdio and never returns. */

	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* outermost frame, for debuggers */
	andq	$-16, %rsp
	movq	%rsp, %rdi
	call	__exo_args_size		/* a multiple of 16; the stack is grown */
	subq	%rax, %rsp
	movq	%rsp, %rdi
	call	__exo_args_build
	movq	%rsp, %rbx		/* keep the block's address (callee-saved) */
	movq	(%rbx), %rdi		/* argc */
	leaq	8(%rbx), %rsi		/* argv */
	leaq	16(%rbx,%rdi,8), %rdx	/* envp = argv + argc + 1 */
	movq	%rdx, environ(%rip)
	movq	%rbx, __exo_initial_sp(%rip)
	call	main
	movl	%eax, %edi
	call	exit
	ud2				/* exit() does not return */
	.size	_start, . - _start

/* The ExOS-native note (lib/elf64.h): exosim runs this program
 * directly on the exokernel instead of under ExOS's Linux emulation. */
	.section .note.exos, "a", @note
	.balign 4
	.long	5			/* namesz: "ExOS\0" */
	.long	4			/* descsz */
	.long	1			/* type: native program */
	.asciz	"ExOS"
	.balign 4
	.long	1			/* ABI version */

	.section .note.GNU-stack, "", @progbits
