/* sites.c: system calls in the instruction patterns ExOS rewrites (rewrite.c)
 * and the ones it must not rewrite wrongly: a jump to the `syscall` itself
 * with rax set elsewhere, rax set by an instruction it cannot rewrite, loops,
 * a rip-relative lea before `syscall`, data in the red zone across a call,
 * and the registers and flags a call must preserve.  Each check runs several
 * times, so the later runs take the rewritten path. */
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

/* The numbers the assembly below spells out. */
_Static_assert(SYS_write == 1 && SYS_getpid == 39 && SYS_getppid == 110, "x86-64 numbers");

long pat_a(void);                             /* mov $getpid, %eax; syscall */
long pat_a_jump(long nr, int jump);           /* jump: to `syscall` with rax = nr */
long pat_a_gap(long nr, int jump);            /* mov $getpid, %eax; mov %rdx, %rdi; syscall (jump:
                                                 to the second mov with rax = nr) */
long pat_b_jump(long nr, long alt, int jump); /* mov %rdi, %rax; syscall */
long loop_a(long n, long nr);                 /* jumps back to `syscall` n - 1 times */
long loop_b(long n, long nr);
long pat_other(long nr);                     /* mov %esi, %eax; syscall (stays trapping) */
long write_lea(void);                        /* lea msg(%rip), %rsi; syscall */
long write_imm(void);                        /* mov $len, %edx; syscall */
long call4(long nr, long a, long b, long c); /* as musl's syscall(): mov %rcx, %rdx */
long pat_f_jump(long nr, int how);           /* syscall; lea 0x1000(%rax), %rax (how: 1 jump to
                                                syscall, 2 jump past it to the lea) */
long pat_f_call(long nr);                    /* syscall; call add_one (not moved: stays trapping) */
long pat_f_rip(long nr);                     /* syscall; add val(%rip), %rax */
long redzone(void);                          /* 0 if the red zone survived */
long preserved(void);                        /* 0 if registers and DF survived */

// clang-format off
__asm__(
".text\n"
"pat_a:\n"
"	mov $39, %eax\n"
"	syscall\n"
"	ret\n"
"pat_a_jump:\n"
"	test %esi, %esi\n"
"	mov %rdi, %rax\n"
"	jnz 1f\n"
"	mov $39, %eax\n"
"1:	syscall\n"
"	ret\n"
"pat_a_gap:\n"
"	test %esi, %esi\n"
"	mov %rdi, %rax\n"
"	jnz 1f\n"
"	mov $39, %eax\n"
"1:	mov %rdx, %rdi\n"
"	syscall\n"
"	ret\n"
"pat_b_jump:\n"
"	test %edx, %edx\n"
"	mov %rsi, %rax\n"
"	jnz 1f\n"
"	mov %rdi, %rax\n"
"1:	syscall\n"
"	ret\n"
"loop_a:\n"
"	mov %rdi, %r9\n"
"	xor %r8d, %r8d\n"
"	mov %rsi, %r10\n"
"	mov $39, %eax\n"
"1:	syscall\n"
"	add %rax, %r8\n"
"	mov %r10d, %eax\n"
"	dec %r9\n"
"	jnz 1b\n"
"	mov %r8, %rax\n"
"	ret\n"
"loop_b:\n"
"	mov %rdi, %r9\n"
"	xor %r8d, %r8d\n"
"	mov %rsi, %r10\n"
"	mov %r10, %rax\n"
"1:	syscall\n"
"	add %rax, %r8\n"
"	mov %r10d, %eax\n"
"	dec %r9\n"
"	jnz 1b\n"
"	mov %r8, %rax\n"
"	ret\n"
"pat_other:\n"
"	mov %edi, %esi\n"
"	mov %esi, %eax\n"
"	syscall\n"
"	ret\n"
"write_lea:\n"
"	mov $1, %eax\n"
"	mov $1, %edi\n"
"	mov $8, %edx\n"
"	lea msg(%rip), %rsi\n"
"	syscall\n"
"	ret\n"
"write_imm:\n"
"	mov $1, %eax\n"
"	mov $1, %edi\n"
"	lea msg(%rip), %rsi\n"
"	mov $8, %edx\n"
"	syscall\n"
"	ret\n"
"pat_f_jump:\n"
"	mov %rdi, %rax\n"
"	cmp $1, %esi\n"
"	je 1f\n"
"	cmp $2, %esi\n"
"	je 2f\n"
"	mov %edi, %eax\n"
"1:	syscall\n"
"2:	lea 0x1000(%rax), %rax\n"
"	ret\n"
"pat_f_call:\n"
"	mov %edi, %eax\n"
"	syscall\n"
"	call add_one\n"
"	ret\n"
"add_one:\n"
"	add $1, %rax\n"
"	ret\n"
"pat_f_rip:\n"
"	mov %edi, %eax\n"
"	syscall\n"
"	add val(%rip), %rax\n"
"	ret\n"
"call4:\n"
"	mov %rdi, %rax\n"
"	mov %rsi, %rdi\n"
"	mov %rdx, %rsi\n"
"	mov %rcx, %rdx\n"
"	syscall\n"
"	ret\n"
/* 16 words below rsp, a call in each rewritable form, then compare */
"redzone:\n"
"	mov $-128, %r8\n"
"1:	lea 0x5a5a(%r8), %r9\n"
"	mov %r9, (%rsp,%r8)\n"
"	add $8, %r8\n"
"	jnz 1b\n"
"	mov $39, %eax\n"
"	syscall\n"
"	mov $39, %edi\n"
"	mov %rdi, %rax\n"
"	syscall\n"
"	mov $-128, %r8\n"
"	xor %eax, %eax\n"
"2:	lea 0x5a5a(%r8), %r9\n"
"	cmp %r9, (%rsp,%r8)\n"
"	setne %cl\n"
"	or %cl, %al\n"
"	add $8, %r8\n"
"	jnz 2b\n"
"	ret\n"
/* every register but rax, rcx and r11 keeps its value, and so does DF */
"preserved:\n"
"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
"	mov $0x1111, %ebx\n	mov $0x2222, %ebp\n	mov $0x3333, %edx\n"
"	mov $0x4444, %esi\n	mov $0x5555, %edi\n	mov $0x6666, %r8d\n"
"	mov $0x7777, %r9d\n	mov $0x8888, %r10d\n	mov $0x9999, %r12d\n"
"	mov $0xaaaa, %r13d\n	mov $0xbbbb, %r14d\n	mov $0xcccc, %r15d\n"
"	std\n"
"	mov $39, %eax\n"
"	syscall\n"
"	pushf\n	pop %rax\n	cld\n"
"	shr $10, %rax\n	and $1, %eax\n	xor $1, %eax\n" /* 0 if DF is still set */
"	cmp $0x1111, %rbx\n	jne 9f\n	cmp $0x2222, %rbp\n	jne 9f\n"
"	cmp $0x3333, %rdx\n	jne 9f\n	cmp $0x4444, %rsi\n	jne 9f\n"
"	cmp $0x5555, %rdi\n	jne 9f\n	cmp $0x6666, %r8\n	jne 9f\n"
"	cmp $0x7777, %r9\n	jne 9f\n	cmp $0x8888, %r10\n	jne 9f\n"
"	cmp $0x9999, %r12\n	jne 9f\n	cmp $0xaaaa, %r13\n	jne 9f\n"
"	cmp $0xbbbb, %r14\n	jne 9f\n	cmp $0xcccc, %r15\n	jne 9f\n"
"	jmp 8f\n"
"9:	or $2, %eax\n"
"8:	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
"	ret\n"
".section .rodata\n"
"msg:	.ascii \"written\\n\"\n"
"val:	.quad 0x100\n"
".text\n");
// clang-format on

int main(void)
{
	long pid = getpid(), ppid = getppid();
	int ok = 1;
	for (int i = 0; i < 200; i++)
		ok &= pat_a() == pid;
	CHECK(ok, "mov $nr, %%eax; syscall");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pat_a_jump(0, 0) == pid && pat_a_jump(SYS_getppid, 1) == ppid;
	CHECK(ok, "a jump to the syscall after mov $nr, %%eax");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pat_a_gap(0, 0) == pid && pat_a_gap(SYS_getppid, 1) == ppid;
	CHECK(ok, "a jump between mov $nr, %%eax and the syscall");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pat_b_jump(SYS_getpid, SYS_getppid, 0) == pid &&
		      pat_b_jump(SYS_getpid, SYS_getppid, 1) == ppid;
	CHECK(ok, "a jump to the syscall after mov %%rdi, %%rax");
	CHECK(loop_a(20, SYS_getppid) == pid + 19 * ppid, "a loop back to syscall (mov $nr)");
	CHECK(loop_b(20, SYS_getppid) == 20 * ppid, "a loop back to syscall (mov %%r10, %%rax)");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pat_other(SYS_getppid) == ppid && pat_other(SYS_getpid) == pid;
	CHECK(ok, "rax from mov %%esi, %%eax");
	fflush(stdout);
	ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= write_lea() == 8 && write_imm() == 8;
	CHECK(ok, "lea msg(%%rip), %%rsi and mov $len, %%edx before syscall");
	fflush(stdout);
	ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= call4(SYS_write, 1, (long)"call4\n", 6) == 6 &&
		      call4(SYS_getppid, 0, 0, 0) == ppid;
	CHECK(ok, "mov %%rcx, %%rdx before syscall");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pat_f_jump(SYS_getpid, 0) == pid + 0x1000 &&
		      pat_f_jump(SYS_getppid, 1) == ppid + 0x1000 && pat_f_jump(5, 2) == 5 + 0x1000;
	CHECK(ok, "jumps to syscall and past it when the instruction after it moves");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= pat_f_call(SYS_getpid) == pid + 1 && pat_f_rip(SYS_getppid) == ppid + 0x100;
	CHECK(ok, "a call and a rip-relative operand after syscall");
	ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= redzone() == 0;
	CHECK(ok, "the red zone across calls");
	ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= preserved() == 0;
	CHECK(ok, "registers and DF across calls");
	return check_failures != 0;
}
