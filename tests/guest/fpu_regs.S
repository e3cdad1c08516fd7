/* The register half of tests/guest/fpu.c, in assembly so that no compiled code
 * touches the vector registers between loading a pattern and checking it.
 *
 * long fpu_round(const struct fpu_pattern *p, long iters, struct fpu_call *c,
 *                void *out, long avx)
 *   loads p into every register the test checks (x87 stack and control word,
 *   MXCSR, xmm0-15 or ymm0-15), then `iters` times permutes each vector
 *   register twice (vpermilps/pshufd $0x1b: the identity, but the registers
 *   hold other values in between) and exchanges st0/st1 twice, and makes the
 *   call c asks for: none, a gate call (yield, PCT) or int3 (an upcall).
 *   Then it stores the registers at out with xsave (avx) or fxsave, for the C
 *   side to compare bit for bit, and returns.
 *
 * void fpu_clobber(const struct fpu_pattern *p, long avx): loads p and returns
 *   (a PCT activation that disregards the caller's registers). */
#include <exo/memlayout.h>

/* struct fpu_pattern and struct fpu_call (fpu.c checks the offsets). */
#define P_VEC   0   /* 16 x 32 bytes */
#define P_X87   512 /* 8 doubles */
#define P_FCW   576
#define P_MXCSR 580
#define C_MODE  0
#define C_NR    8
#define C_A1    16
#define C_A2    24
#define C_ERRS  32

	.text
/* rdi = pattern, rsi = avx: everything loaded from the pattern. */
load_pattern:
	fninit
	fldcw P_FCW(%rdi)
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	fldl P_X87 + 8 * \i(%rdi)
	.endr
	ldmxcsr P_MXCSR(%rdi)
	testq %rsi, %rsi
	jz 1f
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqu P_VEC + 32 * \i(%rdi), %ymm\i
	.endr
	ret
1:	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu P_VEC + 32 * \i(%rdi), %xmm\i
	.endr
	ret

	.globl fpu_clobber
fpu_clobber:
	jmp load_pattern

	.globl fpu_round
fpu_round:
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsi, %rbx /* iterations */
	movq %rdx, %r13 /* struct fpu_call */
	movq %rcx, %r14 /* out */
	movq %r8, %r15  /* avx */
	movq %r8, %rsi
	call load_pattern
	testq %rbx, %rbx
	jz 9f
1:	testq %r15, %r15
	jz 2f
	.rept 2
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vpermilps $0x1b, %ymm\i, %ymm\i
	.endr
	.endr
	jmp 3f
2:	.rept 2
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	pshufd $0x1b, %xmm\i, %xmm\i
	.endr
	.endr
3:	fxch %st(1)
	fxch %st(1)
	movq C_MODE(%r13), %rax
	cmpq $1, %rax
	jne 5f
	movq C_NR(%r13), %rax
	movq C_A1(%r13), %rdi
	movq C_A2(%r13), %rsi
	xorl %edx, %edx
	xorl %r10d, %r10d
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	movabsq $EXO_GATE_SYSCALL, %rcx
	call *%rcx
	testq %rax, %rax
	jz 6f
	incq C_ERRS(%r13)
	jmp 6f
5:	cmpq $2, %rax
	jne 6f
	int3
6:	decq %rbx
	jnz 1b
9:	testq %r15, %r15
	jz 7f
	movl $7, %eax /* x87, SSE, AVX */
	xorl %edx, %edx
	xsave64 (%r14)
	vzeroupper
	jmp 8f
7:	fxsave64 (%r14)
8:	fninit /* the compiled code that follows expects an empty x87 stack */
	ldmxcsr mxcsr_default(%rip)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	ret

	.section .rodata
mxcsr_default:
	.long 0x1f80

	.section .note.GNU-stack, "", @progbits
