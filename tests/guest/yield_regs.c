/* yield_regs: every way into the kernel preserves the callee-saved registers
 * (rbx, rbp, r12-r15) across EXO_SYS_YIELD, for the yielder and for whoever
 * runs next.  A child yields through the gate with known values in those
 * registers and checks them after every yield; the parent yields alternately
 * through the gate and through a bare `syscall` (on KVM-on-PVM that one enters
 * the kernel as a page fault: a different path), checking its own. */
#define TEST_NAME "yield_regs"
#include <exos/env.h>

#include "check.h"

/* yield_check(raw): loads rbx, rbp, r12-r15 with known values, yields (through
 * the gate, or a bare syscall if raw), returns how many of them changed. */
long yield_check(long raw);
__asm__(".text\n"
        ".globl yield_check\n"
        "yield_check:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  mov $0x2222222222222201, %rbx\n"
        "  mov $0x2222222222222202, %rbp\n"
        "  mov $0x2222222222222203, %r12\n"
        "  mov $0x2222222222222204, %r13\n"
        "  mov $0x2222222222222205, %r14\n"
        "  mov $0x2222222222222206, %r15\n"
        "  mov %rdi, %rsi\n"
        "  mov $3, %eax\n" /* EXO_SYS_YIELD */
        "  mov $-1, %rdi\n"
        "  test %rsi, %rsi\n"
        "  jnz 1f\n"
        "  movabs $0x7e8000000000, %rcx\n" /* EXO_GATE_SYSCALL */
        "  call *%rcx\n"
        "  jmp 2f\n"
        "1: syscall\n"
        "2: xor %eax, %eax\n"
        "  mov $0x2222222222222201, %rcx; cmp %rcx, %rbx; setne %cl; movzbl %cl, %ecx; add %rcx, "
        "%rax\n"
        "  mov $0x2222222222222202, %rcx; cmp %rcx, %rbp; setne %cl; movzbl %cl, %ecx; add %rcx, "
        "%rax\n"
        "  mov $0x2222222222222203, %rcx; cmp %rcx, %r12; setne %cl; movzbl %cl, %ecx; add %rcx, "
        "%rax\n"
        "  mov $0x2222222222222204, %rcx; cmp %rcx, %r13; setne %cl; movzbl %cl, %ecx; add %rcx, "
        "%rax\n"
        "  mov $0x2222222222222205, %rcx; cmp %rcx, %r14; setne %cl; movzbl %cl, %ecx; add %rcx, "
        "%rax\n"
        "  mov $0x2222222222222206, %rcx; cmp %rcx, %r15; setne %cl; movzbl %cl, %ecx; add %rcx, "
        "%rax\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "  ret\n");

static int child(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 40; i++)
		bad += yield_check(0);
	return bad ? 1 : 0;
}

int main(void)
{
	long id, bad_gate = 0, bad_raw = 0;

	id = exos_env_spawn(child, 0, "yielder");
	CHECK(id > 0, "spawned a child that yields 40 times through the gate");
	for (int i = 0; i < 20; i++) {
		bad_gate += yield_check(0);
		bad_raw += yield_check(1);
	}
	CHECK(bad_gate == 0, "parent: 20 gate yields kept rbx, rbp, r12-r15");
	CHECK(bad_raw == 0, "parent: 20 bare-syscall yields kept rbx, rbp, r12-r15");
	RET(exos_env_wait((uint32_t)id), 0, "the child saw its registers intact after every yield");
	return check_done();
}
