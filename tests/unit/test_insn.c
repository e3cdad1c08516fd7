/* The instruction decoder rewrite.c moves instructions with (libos/linux/insn.c):
 * lengths and relocations of encodings taken from objdump, and refusals. */
#include <stdint.h>
#include <string.h>

#include "../../libos/linux/insn.h"
#include "unit.h"

#define VA 0x401000ul

/* Decodes bytes (n of them, all offered) at VA; checks length and relocation kind. */
static struct insn decode_ok(const uint8_t *bytes, size_t n, size_t len, enum insn_reloc reloc)
{
	struct insn in;
	ck_assert_msg(insn_decode(bytes, n, VA, &in), "refused %02x %02x", bytes[0], bytes[1]);
	ck_assert_uint_eq(in.len, len);
	ck_assert_int_eq(in.reloc, reloc);
	return in;
}

#define DECODE(len, reloc, ...)                                                                    \
	({                                                                                         \
		static const uint8_t b_[] = {__VA_ARGS__};                                         \
		decode_ok(b_, sizeof(b_), len, reloc);                                             \
	})

START_TEST(lengths)
{
	DECODE(6, INSN_PLAIN, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff);       /* cmp $-4096, %rax */
	DECODE(3, INSN_PLAIN, 0x48, 0x89, 0xc7);                         /* mov %rax, %rdi */
	DECODE(7, INSN_PLAIN, 0x48, 0x8d, 0x80, 0x00, 0x10, 0x00, 0x00); /* lea 0x1000(%rax) */
	DECODE(8, INSN_PLAIN, 0xc7, 0x44, 0x24, 0x08, 1, 0, 0, 0);       /* movl $1, 8(%rsp) */
	DECODE(5, INSN_PLAIN, 0x4c, 0x8b, 0x4c, 0x24, 0x08);             /* mov 8(%rsp), %r9 */
	DECODE(3, INSN_PLAIN, 0xf6, 0xc2, 0x01);                         /* test $1, %dl */
	DECODE(2, INSN_PLAIN, 0xf7, 0xd8);                               /* neg %eax */
	DECODE(6, INSN_PLAIN, 0xf7, 0xc1, 0x00, 0x01, 0x00, 0x00);       /* test $0x100, %ecx */
	DECODE(3, INSN_PLAIN, 0x66, 0x89, 0x07);                         /* mov %ax, (%rdi) */
	DECODE(10, INSN_PLAIN, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8);      /* movabs $imm64, %rax */
	DECODE(4, INSN_PLAIN, 0x0f, 0xb6, 0x45, 0xf0); /* movzbl -0x10(%rbp), %eax */
	DECODE(8, INSN_PLAIN, 0x48, 0x8b, 0x04, 0x25, 0, 0x10, 0,
	       0);                   /* mov 0x1000, %rax (SIB, no base) */
	DECODE(1, INSN_PLAIN, 0xc3); /* ret */
}
END_TEST

START_TEST(relocations)
{
	/* add 0x10(%rip), %rax: the operand is at VA + 7 + 0x10 */
	struct insn in = DECODE(7, INSN_RIP, 0x48, 0x03, 0x05, 0x10, 0, 0, 0);
	ck_assert_uint_eq(in.target, VA + 7 + 0x10);
	/* movl $5, 0x20(%rip): rip is the end of the instruction, after the immediate */
	in = DECODE(10, INSN_RIP, 0xc7, 0x05, 0x20, 0, 0, 0, 5, 0, 0, 0);
	ck_assert_uint_eq(in.target, VA + 10 + 0x20);
	static const uint8_t movl[] = {0xc7, 0x05, 0x20, 0, 0, 0, 5, 0, 0, 0};
	uint8_t out[16];
	ck_assert_uint_eq(insn_relocate(movl, &in, VA + 0x100, out), 10);
	int32_t disp;
	memcpy(&disp, out + 2, 4);
	ck_assert_int_eq(disp, 0x20 - 0x100);
	ck_assert_int_eq(out[6], 5); /* the immediate is kept */

	/* call rel32 */
	static const uint8_t call[] = {0xe8, 0x44, 0xe1, 0x00, 0x00};
	in = decode_ok(call, sizeof(call), 5, INSN_REL32);
	ck_assert_uint_eq(in.target, VA + 5 + 0xe144);
	ck_assert_uint_eq(insn_relocate(call, &in, VA - 0x1000, out), 5);
	memcpy(&disp, out + 1, 4);
	ck_assert_int_eq(disp, 0xe144 + 0x1000);

	/* je rel8 becomes je rel32 */
	static const uint8_t je[] = {0x74, 0x17};
	in = decode_ok(je, sizeof(je), 2, INSN_JCC8);
	ck_assert_uint_eq(in.target, VA + 2 + 0x17);
	ck_assert_uint_eq(insn_relocate(je, &in, VA + 0x40, out), 6);
	ck_assert_int_eq(out[0], 0x0f);
	ck_assert_int_eq(out[1], 0x84);
	memcpy(&disp, out + 2, 4);
	ck_assert_uint_eq(VA + 0x40 + 6 + (uint64_t)(int64_t)disp, VA + 2 + 0x17);

	/* out of rel32 reach */
	in = decode_ok(call, sizeof(call), 5, INSN_REL32);
	ck_assert_uint_eq(insn_relocate(call, &in, VA + (3ul << 31), out), 0);
}
END_TEST

START_TEST(refusals)
{
	struct insn in;
	static const uint8_t syscall[] = {0x0f, 0x05};
	static const uint8_t cut[] = {0x48, 0x3d, 0x00, 0xf0};
	static const uint8_t prefixed_jcc[] = {0x66, 0x74, 0x17};
	static const uint8_t x87[] = {0xd9, 0xc9};
	ck_assert(!insn_decode(syscall, sizeof(syscall), VA, &in));
	ck_assert(!insn_decode(cut, sizeof(cut), VA, &in)); /* runs past what is offered */
	ck_assert(!insn_decode(prefixed_jcc, sizeof(prefixed_jcc), VA, &in));
	ck_assert(!insn_decode(x87, sizeof(x87), VA, &in));
}
END_TEST

Suite *insn_suite(void)
{
	Suite *s = suite_create("insn");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lengths);
	tcase_add_test(tc, relocations);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	return s;
}
