/* _start: the first user instruction of a native exokernel program.
 *
 * The kernel enters here in ring 3 with the stack laid out as Linux does:
 *   rsp -> argc, argv[0..argc-1], NULL, envp[...], NULL, auxv pairs, AT_NULL.
 * We compute argv and envp, align the stack to 16 bytes (the SysV ABI wants
 * rsp % 16 == 0 before a call), call main(argc, argv, envp) and pass its
 * return value to exit(), which flushes stdio and never returns. */

	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* outermost frame, for debuggers */
	movq	%rsp, %rbx		/* keep the initial sp (callee-saved) */
	movq	(%rbx), %rdi		/* argc */
	leaq	8(%rbx), %rsi		/* argv */
	leaq	16(%rbx,%rdi,8), %rdx	/* envp = argv + argc + 1 */
	andq	$-16, %rsp
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
