/* Helpers for the core-I guest tests: CHECK prints what it checks ("ok" or
 * "FAIL"), ERR prints the exact result of a call that must fail, and the
 * probe_* functions touch memory with one known instruction so an exception
 * handler can skip it (probe_install). */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include <exos/exception.h>
#include <exos/sys.h>

static int check_failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		int ok_ = !!(cond);                                                                \
		printf("%s: %s: ", TEST_NAME, ok_ ? "ok" : "FAIL");                                \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!ok_)                                                                          \
			check_failures++;                                                          \
	} while (0)

/* A call that must fail with exactly -err; the output documents the errno. */
#define ERR(expr, err, what)                                                                       \
	do {                                                                                       \
		long r_ = (long)(expr);                                                            \
		CHECK(r_ == -(long)(err), "%s -> %ld (%s)", what, r_, exos_strerror(r_));          \
	} while (0)

/* A call that must return exactly want. */
#define RET(expr, want, what)                                                                      \
	do {                                                                                       \
		long r_ = (long)(expr);                                                            \
		CHECK(r_ == (long)(want), "%s -> %ld", what, r_);                                  \
	} while (0)

static inline int check_done(void)
{
	if (check_failures)
		printf("%s: %d check(s) FAILED\n", TEST_NAME, check_failures);
	else
		printf("%s: all checks passed\n", TEST_NAME);
	return check_failures ? 1 : 0;
}

/* probe_read(addr): `movb (%rdi), %al` (2 bytes); probe_write: `movb %al, (%rdi)`.
 * With probe_install(), a #PF or #GP at either instruction is skipped and the
 * probe returns -(vector) instead of 0. */
long probe_read(const volatile void *addr);
long probe_write(volatile void *addr);
extern char probe_read_insn[], probe_write_insn[];
__asm__(".text\n"
        ".globl probe_read, probe_read_insn, probe_write, probe_write_insn\n"
        "probe_read:\n"
        "  xorl %eax, %eax\n"
        "probe_read_insn:\n"
        "  movb (%rdi), %al\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        "probe_write:\n"
        "  xorl %eax, %eax\n"
        "probe_write_insn:\n"
        "  movb %al, (%rdi)\n"
        "  ret\n");

static volatile uint64_t probe_last_err, probe_last_addr;

static int probe_handler(struct exo_xframe *f, struct exos_regs *r)
{
	(void)r;
	if (f->rip != (uint64_t)probe_read_insn && f->rip != (uint64_t)probe_write_insn)
		return 0;
	probe_last_err = f->err;
	probe_last_addr = f->addr;
	f->rax = (uint64_t) - (long)f->vector;
	/* read: skip the load and the xor that follows (2 + 2 bytes); write: 2. */
	f->rip += f->rip == (uint64_t)probe_read_insn ? 4 : 2;
	return 1;
}

static inline void probe_install(void)
{
	if (exos_exceptions_init() < 0) {
		printf("exos_exceptions_init failed\n");
		exit(1);
	}
	exos_set_exception_handler(14, probe_handler);
	exos_set_exception_handler(13, probe_handler);
}

#endif
