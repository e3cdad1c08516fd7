/* upcall: exceptions delivered to the libOS's handlers (libos/xentry.S,
 * exception.c).  Checks the frame the kernel writes (vector, error code, rip,
 * rsp, rax/rcx/rdx), that every register and the arithmetic flags survive the
 * round trip through the handler, that a handler's edits to the frame and the
 * saved registers take effect, and that no kernel crossing is needed to resume.
 * `upcall breakpoint` also handles int3 (a #BP that is not the gate's).
 * `upcall unhandled` then executes ud2 with no handler for it: the libOS prints
 * the diagnostic and exits 132, as the kernel would. */
#define TEST_NAME "upcall"
#include <string.h>

#include "check.h"

/* regs_roundtrip(out): loads every GPR with a known value, sets CF, executes
 * ud2 (the handler skips it), then stores all GPRs, rflags and rsp to out[]. */
void regs_roundtrip(uint64_t *out);
extern char rr_ud2[];
uint64_t rr_out, rr_rsp, rr_tmp;
__asm__(".text\n"
        ".globl regs_roundtrip, rr_ud2\n"
        "regs_roundtrip:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  mov %rdi, rr_out(%rip)\n"
        "  mov %rsp, rr_rsp(%rip)\n"
        "  mov $0x1111111111111100, %rax\n"
        "  mov $0x1111111111111101, %rbx\n"
        "  mov $0x1111111111111102, %rcx\n"
        "  mov $0x1111111111111103, %rdx\n"
        "  mov $0x1111111111111104, %rsi\n"
        "  mov $0x1111111111111105, %rdi\n"
        "  mov $0x1111111111111106, %rbp\n"
        "  mov $0x1111111111111108, %r8\n"
        "  mov $0x1111111111111109, %r9\n"
        "  mov $0x111111111111110a, %r10\n"
        "  mov $0x111111111111110b, %r11\n"
        "  mov $0x111111111111110c, %r12\n"
        "  mov $0x111111111111110d, %r13\n"
        "  mov $0x111111111111110e, %r14\n"
        "  mov $0x111111111111110f, %r15\n"
        "  stc\n"
        "rr_ud2:\n"
        "  ud2\n"
        "  mov %rax, rr_tmp(%rip)\n"
        "  pushfq\n"
        "  mov rr_out(%rip), %rax\n"
        "  popq 16*8(%rax)\n"
        "  mov %rbx, 1*8(%rax)\n"
        "  mov rr_tmp(%rip), %rbx\n"
        "  mov %rbx, 0*8(%rax)\n"
        "  mov %rcx, 2*8(%rax)\n"
        "  mov %rdx, 3*8(%rax)\n"
        "  mov %rsi, 4*8(%rax)\n"
        "  mov %rdi, 5*8(%rax)\n"
        "  mov %rbp, 6*8(%rax)\n"
        "  mov %rsp, 7*8(%rax)\n"
        "  mov %r8, 8*8(%rax)\n"
        "  mov %r9, 9*8(%rax)\n"
        "  mov %r10, 10*8(%rax)\n"
        "  mov %r11, 11*8(%rax)\n"
        "  mov %r12, 12*8(%rax)\n"
        "  mov %r13, 13*8(%rax)\n"
        "  mov %r14, 14*8(%rax)\n"
        "  mov %r15, 15*8(%rax)\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "  ret\n");

static struct exo_xframe seen;
static struct exos_regs seen_regs;
static int seen_depth;
static uint64_t seen_sp;

static int ud_handler(struct exo_xframe *f, struct exos_regs *r)
{
	uint64_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	seen = *f;
	seen_regs = *r;
	seen_depth = exos_exception_depth;
	seen_sp = sp;
	f->rip += 2;     /* skip ud2 */
	r->r15 = 0xfeed; /* an edit that must show after resuming */
	f->rcx = 0xbeef;
	return 1;
}

static int bp_count, de_count, gp_count;

static int bp_handler(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	(void)f; /* rip is already past int3 */
	bp_count++;
	return 1;
}

static int de_handler(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	de_count++;
	f->rip += 3; /* div %rcx: 48 f7 f1 */
	return 1;
}

static int gp_handler(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	gp_count++;
	f->rip += 1; /* hlt: f4 */
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t out[18];
	uint64_t calls0, upcalls0;

	uint64_t calls1, upcalls1;

	probe_install();
	exos_set_exception_handler(6, ud_handler);
	memset(out, 0, sizeof(out));
	calls0 = exo_kinfo()->syscalls;
	upcalls0 = exo_kinfo()->upcalls;
	regs_roundtrip(out);
	calls1 = exo_kinfo()->syscalls;
	upcalls1 = exo_kinfo()->upcalls;
	CHECK(upcalls1 - upcalls0 == 1, "one upcall delivered (kinfo->upcalls)");
	CHECK(calls1 == calls0, "no kernel crossing to handle and resume");
	CHECK(seen.vector == 6 && seen.err == 0, "frame: vector 6 (#UD), error code 0");
	CHECK(seen.rip == (uint64_t)rr_ud2, "frame: rip = the ud2");
	CHECK(seen.rsp == rr_rsp, "frame: rsp = the interrupted rsp");
	CHECK(seen.rax == 0x1111111111111100 && seen.rcx == 0x1111111111111102 &&
	              seen.rdx == 0x1111111111111103,
	      "frame: rax, rcx, rdx at the fault");
	CHECK(seen.rflags & 1, "frame: rflags has CF");
	CHECK(seen_regs.rbx == 0x1111111111111101 && seen_regs.rsi == 0x1111111111111104 &&
	              seen_regs.rdi == 0x1111111111111105 && seen_regs.rbp == 0x1111111111111106 &&
	              seen_regs.r8 == 0x1111111111111108 && seen_regs.r11 == 0x111111111111110b &&
	              seen_regs.r14 == 0x111111111111110e,
	      "saved registers: the values at the fault");
	CHECK(seen_depth == 1, "handler ran at depth 1");
	CHECK(seen_sp >= EXOS_XSTACK_LO && seen_sp < EXOS_XSTACK_HI && (seen_sp & 15) == 8,
	      "handler ran on the exception stack, with the SysV alignment");
	{
		int ok = 1;

		for (int i = 0; i < 16; i++) {
			uint64_t want = 0x1111111111111100 + (uint64_t)i;

			if (i == 7)
				continue; /* rsp */
			if (i == 15)
				want = 0xfeed;
			if (i == 2)
				want = 0xbeef;
			if (out[i] != want) {
				printf("upcall: register %d is %lx, expected %lx\n", i,
				       (unsigned long)out[i], (unsigned long)want);
				ok = 0;
			}
		}
		CHECK(ok, "all 15 GPRs restored (with the handler's edits to r15 and rcx)");
	}
	CHECK(out[7] == rr_rsp, "rsp restored exactly");
	CHECK(out[16] & 1, "CF survived the round trip");

	exos_set_exception_handler(3, bp_handler);
	exos_set_exception_handler(0, de_handler);
	exos_set_exception_handler(13, gp_handler);
	for (int i = 0; i < 3; i++) {
		__asm__ volatile("hlt");
		__asm__ volatile("xor %%edx, %%edx; xor %%ecx, %%ecx; div %%rcx" ::
		                         : "rax", "rcx", "rdx", "cc");
	}
	CHECK(de_count == 3 && gp_count == 3,
	      "divide by zero, hlt (#GP): 3 of each handled and resumed");
	CHECK(exos_exception_count == 7, "7 exceptions dispatched in all");

	if (argc > 1 && strcmp(argv[1], "breakpoint") == 0) {
		/* A breakpoint that is not the gate's is an ordinary exception. */
		printf("upcall: executing int3 with a #BP handler\n");
		fflush(stdout);
		for (int i = 0; i < 3; i++)
			__asm__ volatile("int3");
		CHECK(bp_count == 3, "int3: 3 handled and resumed");
	}

	if (argc > 1 && strcmp(argv[1], "unhandled") == 0) {
		exos_set_exception_handler(6, 0);
		printf("upcall: executing ud2 with no handler for #UD\n");
		fflush(stdout);
		__asm__ volatile("ud2");
		printf("upcall: FAIL: survived\n");
		return 1;
	}
	return check_done();
}
