/* The eBPF packet-filter engine (lib/bpf_verify.c, lib/bpf_run.c, lib/bpf_obj.c): each
 * refusal of the verifier with its code and instruction index, the interpreter's
 * semantics where C has none (division by zero, shift counts, signed overflow) and its
 * run-time packet bounds, the example filters of apps/filters against hand-built frames,
 * the object reader, and a fuzz: 10^6 random and mutated programs through the verifier,
 * every accepted one run on random packets (under ASan/UBSan in the test build). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf.h"
#include "bpf_obj.h"
#include "params.h"
#include "unit.h"

/* --- a tiny assembler --- */
#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (uint8_t)(c),                                                   \
	                   .regs = (uint8_t)((d) | ((s) << 4)),                                    \
	                   .off = (int16_t)(o),                                                    \
	                   .imm = (int32_t)(i)})
#define ALU64_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_REG(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define ALU32_REG(op, d, s) INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define MOV(d, i)           ALU64_IMM(BPF_MOV, d, i)
#define MOVR(d, s)          ALU64_REG(BPF_MOV, d, s)
#define LDX(sz, d, s, o)    INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define LDXSX(sz, d, s, o)  INSN(BPF_LDX | BPF_MEMSX | (sz), d, s, o, 0)
#define STX(sz, d, s, o)    INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i)     INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JIMM(op, d, i, o)   INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JREG(op, d, s, o)   INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define J32IMM(op, d, i, o) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define JA(o)               INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LDDW(d, v)                                                                                 \
	INSN(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, (uint32_t)(uint64_t)(v)),                         \
	        INSN(0, 0, 0, 0, (uint32_t)((uint64_t)(v) >> 32))
#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct bpf_verifier ver;
static struct bpf_insn out[BPF_MAX_INSNS + 1];

static int verify(const struct bpf_insn *p, size_t n)
{
	return bpf_verify(p, n, out, &ver);
}

/* Refused with err at instruction at, and the message names both. */
#define REFUSED(prog, code, at)                                                                    \
	do {                                                                                       \
		char msg_[160], want_[160];                                                        \
		ck_assert_int_eq(verify(prog, N(prog)), code);                                     \
		ck_assert_int_eq(ver.err, code);                                                   \
		ck_assert_uint_eq(ver.insn, at);                                                   \
		snprintf(want_, sizeof(want_), "instruction %u: %s", (unsigned)(at),               \
		         bpf_strerror(code));                                                      \
		ck_assert_str_eq(bpf_describe(&ver, msg_, sizeof(msg_)), want_);                   \
	} while (0)

/* Runs prog (which must be accepted) on pkt[0..len). */
static uint64_t run(const struct bpf_insn *p, size_t n, const void *pkt, size_t len)
{
	int err = verify(p, n);
	if (err)
		ck_abort_msg("refused: instruction %u: %s", ver.insn, bpf_strerror(err));
	uint64_t count = 0, r = bpf_run_counted(out, pkt, len, &count);
	ck_assert_uint_le(count, n); /* forward jumps: at most one pass */
	ck_assert_uint_eq(bpf_run(out, pkt, len), r);
	return r;
}
#define RUN(prog, pkt, len) run(prog, N(prog), pkt, len)

static const uint8_t pkt16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x80, 0xff};

/* --- refusals, one per code --- */

START_TEST(accepts_minimal)
{
	static const struct bpf_insn p[] = {MOV(0, 7), EXIT()};
	ck_assert_uint_eq(RUN(p, NULL, 0), 7);
}
END_TEST

START_TEST(refuses_empty_and_too_long)
{
	static struct bpf_insn p[BPF_MAX_INSNS + 1];
	ck_assert_int_eq(verify(p, 0), BPF_EEMPTY);
	for (size_t i = 0; i < N(p); i++)
		p[i] = MOV(0, (int32_t)i);
	p[BPF_MAX_INSNS - 1] = EXIT();
	ck_assert_int_eq(verify(p, BPF_MAX_INSNS), BPF_OK); /* the longest */
	ck_assert_uint_eq(bpf_run(out, NULL, 0), BPF_MAX_INSNS - 2);
	p[BPF_MAX_INSNS] = EXIT();
	ck_assert_int_eq(verify(p, BPF_MAX_INSNS + 1), BPF_ETOOLONG);
	ck_assert_uint_eq(ver.insn, 0);
}
END_TEST

/* One limit: the ABI's, which the kernel checks too, and the message names it. */
START_TEST(limit_is_the_abis)
{
	static struct bpf_insn p[EXO_NET_MAX_INSNS + 1];
	for (size_t i = 0; i < N(p); i++)
		p[i] = MOV(0, 1);
	p[EXO_NET_MAX_INSNS - 1] = EXIT();
	ck_assert_int_eq(verify(p, EXO_NET_MAX_INSNS), BPF_OK);
	p[EXO_NET_MAX_INSNS] = EXIT();
	ck_assert_int_eq(verify(p, EXO_NET_MAX_INSNS + 1), BPF_ETOOLONG);
	char want[64];
	snprintf(want, sizeof(want), "longer than %d instructions", EXO_NET_MAX_INSNS);
	ck_assert_ptr_nonnull(strstr(bpf_strerror(BPF_ETOOLONG), want));
	snprintf(want, sizeof(want), "the %d bytes below r10", BPF_STACK_SIZE);
	ck_assert_ptr_nonnull(strstr(bpf_strerror(BPF_ESTACK), want));
}
END_TEST

START_TEST(refuses_unknown_opcodes)
{
	static const struct bpf_insn bad[] = {MOV(0, 0), INSN(0xff, 0, 0, 0, 0), EXIT()};
	REFUSED(bad, BPF_EOPCODE, 1);
	static const struct bpf_insn alu_e0[] = {INSN(BPF_ALU64 | 0xe0, 0, 0, 0, 0), EXIT()};
	REFUSED(alu_e0, BPF_EOPCODE, 0);
	static const struct bpf_insn jmp_f0[] = {MOV(0, 0), INSN(BPF_JMP | 0xf0, 0, 0, 0, 0),
	                                         EXIT()};
	REFUSED(jmp_f0, BPF_EOPCODE, 1);
	/* the verifier's internal packet-load mode is not accepted from outside */
	static const struct bpf_insn xpkt[] = {INSN(BPF_LDX | BPF_XPKT | BPF_B, 0, 1, 0, 0),
	                                       EXIT()};
	REFUSED(xpkt, BPF_EOPCODE, 0);
	static const struct bpf_insn neg_x[] = {MOV(0, 0), ALU64_REG(BPF_NEG, 0, 2), EXIT()};
	REFUSED(neg_x, BPF_EOPCODE, 1);
	static const struct bpf_insn exit32[] = {MOV(0, 0), INSN(BPF_JMP32 | BPF_EXIT, 0, 0, 0, 0)};
	REFUSED(exit32, BPF_EOPCODE, 1);
	static const struct bpf_insn memsx_dw[] = {LDXSX(BPF_DW, 0, 1, 0), EXIT()};
	REFUSED(memsx_dw, BPF_EOPCODE, 0);
}
END_TEST

START_TEST(refuses_calls_atomics_legacy)
{
	static const struct bpf_insn call[] = {INSN(BPF_JMP | BPF_CALL, 0, 0, 0, 1), EXIT()};
	REFUSED(call, BPF_ECALL, 0);
	static const struct bpf_insn tail[] = {MOV(0, 0), INSN(BPF_JMP | BPF_CALL, 0, 0, 0, 12),
	                                       EXIT()};
	REFUSED(tail, BPF_ECALL, 1);
	static const struct bpf_insn atomic[] = {
	        MOV(0, 0), ST(BPF_DW, 10, -8, 0),
	        INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 0, -8, BPF_ADD), EXIT()};
	REFUSED(atomic, BPF_EATOMIC, 2);
	static const struct bpf_insn abs[] = {INSN(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 12), EXIT()};
	REFUSED(abs, BPF_ELEGACY, 0);
	static const struct bpf_insn ind[] = {INSN(BPF_LD | BPF_IND | BPF_W, 0, 2, 0, 0), EXIT()};
	REFUSED(ind, BPF_ELEGACY, 0);
}
END_TEST

START_TEST(refuses_bad_fields_and_registers)
{
	static const struct bpf_insn k_with_src[] = {INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 1, 0, 1),
	                                             EXIT()};
	REFUSED(k_with_src, BPF_EFIELD, 0);
	static const struct bpf_insn x_with_imm[] = {ALU64_REG(BPF_MOV, 0, 2), EXIT()};
	ck_assert_int_eq(verify(x_with_imm, 2), BPF_OK);
	static const struct bpf_insn x_imm[] = {INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 2, 0, 5),
	                                        EXIT()};
	REFUSED(x_imm, BPF_EFIELD, 0);
	static const struct bpf_insn swap8[] = {MOV(0, 1), INSN(BPF_ALU | BPF_END, 0, 0, 0, 8),
	                                        EXIT()};
	REFUSED(swap8, BPF_EFIELD, 1);
	static const struct bpf_insn div_off2[] = {MOV(0, 1), INSN(BPF_ALU64 | BPF_DIV, 0, 0, 2, 1),
	                                           EXIT()};
	REFUSED(div_off2, BPF_EFIELD, 1);
	static const struct bpf_insn movsx32_32[] = {
	        MOV(0, 1), INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 2, 32, 0), EXIT()};
	REFUSED(movsx32_32, BPF_EFIELD, 1);
	static const struct bpf_insn exit_imm[] = {MOV(0, 0), INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 1)};
	REFUSED(exit_imm, BPF_EFIELD, 1);
	static const struct bpf_insn r11[] = {MOV(11, 0), MOV(0, 0), EXIT()};
	REFUSED(r11, BPF_EREG, 0);
	static const struct bpf_insn w_r10[] = {MOV(0, 0), ALU64_IMM(BPF_ADD, 10, -8), EXIT()};
	REFUSED(w_r10, BPF_EREG, 1);
	static const struct bpf_insn ld_r10[] = {MOV(0, 0), LDX(BPF_B, 10, 1, 0), EXIT()};
	REFUSED(ld_r10, BPF_EREG, 1);
	static const struct bpf_insn src12[] = {MOV(0, 0), JREG(BPF_JEQ, 0, 12, 0), EXIT()};
	REFUSED(src12, BPF_EREG, 1);
}
END_TEST

START_TEST(refuses_backward_and_wild_jumps)
{
	static const struct bpf_insn self[] = {MOV(0, 0), JA(-1), EXIT()};
	REFUSED(self, BPF_EJUMPBACK, 1);
	static const struct bpf_insn back[] = {MOV(0, 0), JIMM(BPF_JEQ, 2, 0, -2), EXIT()};
	REFUSED(back, BPF_EJUMPBACK, 1);
	static const struct bpf_insn back32[] = {MOV(0, 0), INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, -2),
	                                         EXIT()};
	REFUSED(back32, BPF_EJUMPBACK, 1);
	static const struct bpf_insn past[] = {MOV(0, 0), JA(1), EXIT()};
	REFUSED(past, BPF_EJUMPRANGE, 1);
	static const struct bpf_insn into_lddw[] = {MOV(0, 0), JIMM(BPF_JEQ, 2, 0, 1), LDDW(3, 1),
	                                            EXIT()};
	REFUSED(into_lddw, BPF_EJUMPRANGE, 1);
}
END_TEST

START_TEST(refuses_bad_lddw)
{
	static const struct bpf_insn cut[] = {MOV(0, 0), EXIT(),
	                                      INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1)};
	REFUSED(cut, BPF_ELDDW, 2);
	static const struct bpf_insn bad_half[] = {INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1),
	                                           INSN(0, 1, 0, 0, 0), EXIT()};
	REFUSED(bad_half, BPF_ELDDW, 0);
	static const struct bpf_insn map[] = {INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 1, 0, 3),
	                                      INSN(0, 0, 0, 0, 0), EXIT()};
	REFUSED(map, BPF_EMAP, 0);
	static const struct bpf_insn ok[] = {LDDW(0, 0x123456789abcdef0ull), EXIT()};
	ck_assert_uint_eq(RUN(ok, NULL, 0), 0x123456789abcdef0ull);
}
END_TEST

START_TEST(refuses_fallthrough_unreachable_complex)
{
	static const struct bpf_insn fall[] = {MOV(0, 0), MOV(0, 1)};
	REFUSED(fall, BPF_EFALLTHROUGH, 1);
	static const struct bpf_insn fall_jump[] = {MOV(0, 0), JIMM(BPF_JEQ, 2, 0, 1), EXIT(),
	                                            MOV(0, 1)};
	REFUSED(fall_jump, BPF_EFALLTHROUGH, 3);
	static const struct bpf_insn dead[] = {MOV(0, 0), EXIT(), MOV(0, 1), EXIT()};
	REFUSED(dead, BPF_EUNREACHABLE, 2);
	/* k conditional jumps, each to its own target, all pending at once */
	static struct bpf_insn many[1 + 33 + 33];
	for (int k = 32; k <= 33; k++) {
		many[0] = MOV(0, 0);
		for (int i = 0; i < k; i++)
			many[1 + i] = JIMM(BPF_JEQ, 2, i, k - 1); /* 1 + i -> 1 + k + i */
		for (int i = 0; i < k; i++)
			many[1 + k + i] = i == k - 1 ? EXIT() : MOV(0, i);
		ck_assert_int_eq(verify(many, 1 + 2 * (size_t)k), k == 32 ? BPF_OK : BPF_ECOMPLEX);
	}
	ck_assert_uint_eq(ver.insn, 33);
}
END_TEST

START_TEST(refuses_uninitialised_registers)
{
	static const struct bpf_insn r3[] = {MOVR(0, 3), EXIT()};
	REFUSED(r3, BPF_EUNINIT, 0);
	static const struct bpf_insn r0[] = {EXIT()};
	REFUSED(r0, BPF_EUNINIT, 0);
	static const struct bpf_insn add[] = {MOV(0, 0), ALU64_REG(BPF_ADD, 0, 5), EXIT()};
	REFUSED(add, BPF_EUNINIT, 1);
	/* written on the fall-through path only */
	static const struct bpf_insn one_path[] = {JIMM(BPF_JEQ, 2, 0, 1), MOV(3, 1), MOVR(0, 3),
	                                           EXIT()};
	REFUSED(one_path, BPF_EUNINIT, 2);
	static const struct bpf_insn both_paths[] = {MOV(3, 2), JIMM(BPF_JEQ, 2, 0, 1), MOV(3, 1),
	                                             MOVR(0, 3), EXIT()};
	ck_assert_uint_eq(RUN(both_paths, NULL, 0), 2);
	ck_assert_uint_eq(RUN(both_paths, pkt16, 16), 1);
	/* a pointer on one path and a number on the other is neither */
	static const struct bpf_insn mixed[] = {MOVR(3, 1), JIMM(BPF_JEQ, 2, 0, 1), MOV(3, 1),
	                                        LDX(BPF_B, 0, 3, 0), EXIT()};
	REFUSED(mixed, BPF_EUNINIT, 3);
}
END_TEST

START_TEST(refuses_pointer_misuse)
{
	static const struct bpf_insn mul[] = {ALU64_IMM(BPF_MUL, 1, 2), MOV(0, 0), EXIT()};
	REFUSED(mul, BPF_EPTRARITH, 0);
	static const struct bpf_insn alu32[] = {ALU32_IMM(BPF_ADD, 1, 2), MOV(0, 0), EXIT()};
	REFUSED(alu32, BPF_EPTRARITH, 0);
	static const struct bpf_insn mov32[] = {ALU32_REG(BPF_MOV, 3, 1), MOV(0, 0), EXIT()};
	REFUSED(mov32, BPF_EPTRARITH, 0);
	static const struct bpf_insn pp[] = {MOVR(3, 1), ALU64_REG(BPF_SUB, 3, 1), MOV(0, 0),
	                                     EXIT()};
	REFUSED(pp, BPF_EPTRARITH, 1);
	static const struct bpf_insn num_minus_ptr[] = {MOV(3, 0), ALU64_REG(BPF_SUB, 3, 1),
	                                                MOV(0, 0), EXIT()};
	REFUSED(num_minus_ptr, BPF_EPTRARITH, 1);
	static const struct bpf_insn stack_escape[] = {MOVR(3, 10), ALU64_IMM(BPF_ADD, 3, -200),
	                                               MOV(0, 0), EXIT()};
	REFUSED(stack_escape, BPF_EPTRARITH, 1);
	static const struct bpf_insn stack_up[] = {MOVR(3, 10), ALU64_IMM(BPF_SUB, 3, -8),
	                                           MOV(0, 0), EXIT()};
	REFUSED(stack_up, BPF_EPTRARITH, 1);
	static const struct bpf_insn stack_var[] = {MOVR(3, 10), ALU64_REG(BPF_ADD, 3, 2),
	                                            MOV(0, 0), EXIT()};
	REFUSED(stack_var, BPF_EPTRARITH, 1);
	static const struct bpf_insn neg[] = {ALU64_IMM(BPF_NEG, 1, 0), MOV(0, 0), EXIT()};
	REFUSED(neg, BPF_EPTRARITH, 0);
	static const struct bpf_insn movsx[] = {INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 1, 32, 0),
	                                        MOV(0, 0), EXIT()};
	REFUSED(movsx, BPF_EPTRARITH, 0);
	/* a number + the packet pointer is a packet pointer, loads through it are checked */
	static const struct bpf_insn num_plus_ptr[] = {MOV(3, 14), ALU64_REG(BPF_ADD, 3, 1),
	                                               LDX(BPF_B, 0, 3, 1), EXIT()};
	ck_assert_uint_eq(RUN(num_plus_ptr, pkt16, 16), 0xff);

	static const struct bpf_insn ret_ptr[] = {MOVR(0, 1), EXIT()};
	REFUSED(ret_ptr, BPF_EPTRLEAK, 1);
	static const struct bpf_insn ret_fp[] = {MOVR(0, 10), EXIT()};
	REFUSED(ret_fp, BPF_EPTRLEAK, 1);
	static const struct bpf_insn cmp[] = {MOV(0, 0), JIMM(BPF_JGT, 1, 0, 0), EXIT()};
	REFUSED(cmp, BPF_EPTRLEAK, 1);
	static const struct bpf_insn cmp_src[] = {MOV(0, 0), JREG(BPF_JGT, 2, 10, 0), EXIT()};
	REFUSED(cmp_src, BPF_EPTRLEAK, 1);
	static const struct bpf_insn spill[] = {STX(BPF_DW, 10, 1, -8), MOV(0, 0), EXIT()};
	REFUSED(spill, BPF_EPTRLEAK, 0);

	static const struct bpf_insn base[] = {LDX(BPF_B, 0, 2, 0), EXIT()};
	REFUSED(base, BPF_EBASE, 0);
	static const struct bpf_insn st_base[] = {MOV(0, 0), ST(BPF_B, 2, 0, 1), EXIT()};
	REFUSED(st_base, BPF_EBASE, 1);
	static const struct bpf_insn pkt_store[] = {MOV(0, 0), ST(BPF_B, 1, 0, 1), EXIT()};
	REFUSED(pkt_store, BPF_EPKTSTORE, 1);
	static const struct bpf_insn pkt_stx[] = {MOV(0, 0), STX(BPF_W, 1, 0, 4), EXIT()};
	REFUSED(pkt_stx, BPF_EPKTSTORE, 1);
}
END_TEST

START_TEST(refuses_stack_misuse)
{
	static const struct bpf_insn at_fp[] = {MOV(0, 0), ST(BPF_B, 10, 0, 1), EXIT()};
	REFUSED(at_fp, BPF_ESTACK, 1);
	static const struct bpf_insn across_top[] = {MOV(0, 0), ST(BPF_DW, 10, -4, 1), EXIT()};
	REFUSED(across_top, BPF_ESTACK, 1);
	static const struct bpf_insn below[] = {MOV(0, 0), ST(BPF_B, 10, -129, 1), EXIT()};
	REFUSED(below, BPF_ESTACK, 1);
	static const struct bpf_insn below_ld[] = {LDX(BPF_W, 0, 10, -130), EXIT()};
	REFUSED(below_ld, BPF_ESTACK, 0);
	static const struct bpf_insn moved[] = {MOVR(3, 10), ALU64_IMM(BPF_ADD, 3, -128),
	                                        ST(BPF_B, 3, -1, 1), MOV(0, 0), EXIT()};
	REFUSED(moved, BPF_ESTACK, 2);
	static const struct bpf_insn unwritten[] = {LDX(BPF_DW, 0, 10, -8), EXIT()};
	REFUSED(unwritten, BPF_ESTACKUNINIT, 0);
	static const struct bpf_insn partly[] = {ST(BPF_W, 10, -8, 1), LDX(BPF_DW, 0, 10, -8),
	                                         EXIT()};
	REFUSED(partly, BPF_ESTACKUNINIT, 1);
	static const struct bpf_insn one_path[] = {JIMM(BPF_JEQ, 2, 0, 1), ST(BPF_DW, 10, -8, 1),
	                                           LDX(BPF_DW, 0, 10, -8), EXIT()};
	REFUSED(one_path, BPF_ESTACKUNINIT, 2);
	/* the whole stack, written and read back through a moved pointer */
	static const struct bpf_insn whole[] = {ST(BPF_DW, 10, -128, 5),
	                                        STX(BPF_DW, 10, 2, -8),
	                                        MOVR(3, 10),
	                                        ALU64_IMM(BPF_SUB, 3, 128),
	                                        LDX(BPF_DW, 4, 3, 0),
	                                        LDX(BPF_DW, 0, 3, 120),
	                                        ALU64_REG(BPF_ADD, 0, 4),
	                                        EXIT()};
	ck_assert_uint_eq(RUN(whole, pkt16, 16), 21);
}
END_TEST

/* --- semantics --- */

START_TEST(division_by_zero)
{
	static const struct bpf_insn div64[] = {MOV(0, 9), MOV(3, 0), ALU64_REG(BPF_DIV, 0, 3),
	                                        EXIT()};
	ck_assert_uint_eq(RUN(div64, NULL, 0), 0);
	static const struct bpf_insn divk[] = {MOV(0, 9), ALU64_IMM(BPF_DIV, 0, 0), EXIT()};
	ck_assert_uint_eq(RUN(divk, NULL, 0), 0);
	static const struct bpf_insn mod64[] = {MOV(0, -9), MOV(3, 0), ALU64_REG(BPF_MOD, 0, 3),
	                                        EXIT()};
	ck_assert_uint_eq(RUN(mod64, NULL, 0), (uint64_t)-9);
	/* ALU modulo by zero keeps the low half and clears the high one */
	static const struct bpf_insn mod32[] = {MOV(0, -9), ALU32_IMM(BPF_MOD, 0, 0), EXIT()};
	ck_assert_uint_eq(RUN(mod32, NULL, 0), 0xfffffff7u);
	static const struct bpf_insn sdiv0[] = {MOV(0, -9), INSN(BPF_ALU64 | BPF_DIV, 0, 0, 1, 0),
	                                        EXIT()};
	ck_assert_uint_eq(RUN(sdiv0, NULL, 0), 0);
	/* signed overflow: MIN / -1 = MIN, MIN % -1 = 0 */
	static const struct bpf_insn sdiv_min[] = {LDDW(0, 0x8000000000000000ull),
	                                           INSN(BPF_ALU64 | BPF_DIV, 0, 0, 1, -1), EXIT()};
	ck_assert_uint_eq(RUN(sdiv_min, NULL, 0), 0x8000000000000000ull);
	static const struct bpf_insn smod_min[] = {LDDW(0, 0x8000000000000000ull),
	                                           INSN(BPF_ALU64 | BPF_MOD, 0, 0, 1, -1), EXIT()};
	ck_assert_uint_eq(RUN(smod_min, NULL, 0), 0);
	static const struct bpf_insn sdiv32_min[] = {MOV(0, INT32_MIN),
	                                             INSN(BPF_ALU | BPF_DIV, 0, 0, 1, -1), EXIT()};
	ck_assert_uint_eq(RUN(sdiv32_min, NULL, 0), 0x80000000u);
	static const struct bpf_insn sdiv[] = {MOV(0, -7), INSN(BPF_ALU64 | BPF_DIV, 0, 0, 1, 2),
	                                       EXIT()};
	ck_assert_uint_eq(RUN(sdiv, NULL, 0), (uint64_t)-3);
	static const struct bpf_insn smod[] = {MOV(0, -7), INSN(BPF_ALU64 | BPF_MOD, 0, 0, 1, 2),
	                                       EXIT()};
	ck_assert_uint_eq(RUN(smod, NULL, 0), (uint64_t)-1);
	/* unsigned: ALU64's imm is sign-extended first, ALU's is taken as 32 bits */
	static const struct bpf_insn udiv[] = {MOV(0, -1), ALU64_IMM(BPF_DIV, 0, -1), EXIT()};
	ck_assert_uint_eq(RUN(udiv, NULL, 0), 1);
	static const struct bpf_insn udiv32[] = {MOV(0, -2), ALU32_IMM(BPF_DIV, 0, 2), EXIT()};
	ck_assert_uint_eq(RUN(udiv32, NULL, 0), 0x7fffffffu);
}
END_TEST

START_TEST(shifts_swaps_and_extensions)
{
	static const struct bpf_insn lsh[] = {MOV(0, 1), MOV(3, 65), ALU64_REG(BPF_LSH, 0, 3),
	                                      EXIT()};
	ck_assert_uint_eq(RUN(lsh, NULL, 0), 2); /* 65 & 63 */
	static const struct bpf_insn lsh32[] = {MOV(0, 1), MOV(3, 33), ALU32_REG(BPF_LSH, 0, 3),
	                                        EXIT()};
	ck_assert_uint_eq(RUN(lsh32, NULL, 0), 2); /* 33 & 31 */
	static const struct bpf_insn arsh[] = {MOV(0, -16), ALU64_IMM(BPF_ARSH, 0, 2), EXIT()};
	ck_assert_uint_eq(RUN(arsh, NULL, 0), (uint64_t)-4);
	static const struct bpf_insn arsh32[] = {MOV(0, -16), ALU32_IMM(BPF_ARSH, 0, 2), EXIT()};
	ck_assert_uint_eq(RUN(arsh32, NULL, 0), 0xfffffffcu);
	static const struct bpf_insn add32[] = {MOV(0, -1), ALU32_IMM(BPF_ADD, 0, 2), EXIT()};
	ck_assert_uint_eq(RUN(add32, NULL, 0), 1); /* zero-extended */
	static const struct bpf_insn neg32[] = {MOV(0, 1), ALU32_IMM(BPF_NEG, 0, 0), EXIT()};
	ck_assert_uint_eq(RUN(neg32, NULL, 0), 0xffffffffu);
	static const struct bpf_insn be16[] = {LDDW(0, 0x1122334455667788ull),
	                                       INSN(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 16),
	                                       EXIT()};
	ck_assert_uint_eq(RUN(be16, NULL, 0), 0x8877);
	static const struct bpf_insn le32[] = {LDDW(0, 0x1122334455667788ull),
	                                       INSN(BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, 32),
	                                       EXIT()};
	ck_assert_uint_eq(RUN(le32, NULL, 0), 0x55667788);
	static const struct bpf_insn bswap64[] = {LDDW(0, 0x1122334455667788ull),
	                                          INSN(BPF_ALU64 | BPF_END, 0, 0, 0, 64), EXIT()};
	ck_assert_uint_eq(RUN(bswap64, NULL, 0), 0x8877665544332211ull);
	static const struct bpf_insn movsx8[] = {
	        MOV(3, 0x80), INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 3, 8, 0), EXIT()};
	ck_assert_uint_eq(RUN(movsx8, NULL, 0), (uint64_t)-128);
	static const struct bpf_insn movsx32_16[] = {
	        MOV(3, 0x8000), INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 3, 16, 0), EXIT()};
	ck_assert_uint_eq(RUN(movsx32_16, NULL, 0), 0xffff8000u);
	/* sign-extending loads, from the packet and from the stack */
	static const struct bpf_insn ldsx[] = {LDXSX(BPF_B, 0, 1, 15), EXIT()};
	ck_assert_uint_eq(RUN(ldsx, pkt16, 16), (uint64_t)-1);
	static const struct bpf_insn ldsx_h[] = {LDXSX(BPF_H, 0, 1, 14), EXIT()};
	ck_assert_uint_eq(RUN(ldsx_h, pkt16, 16), (uint64_t)(int16_t)0xff80);
	static const struct bpf_insn ldsx_stack[] = {ST(BPF_W, 10, -4, -5), LDXSX(BPF_W, 0, 10, -4),
	                                             EXIT()};
	ck_assert_uint_eq(RUN(ldsx_stack, NULL, 0), (uint64_t)-5);
}
END_TEST

START_TEST(jumps)
{
	/* JMP32 compares the low halves; signed compares; JSET; gotol */
	static const struct bpf_insn j32[] = {LDDW(3, 0x100000005ull), MOV(0, 1),
	                                      J32IMM(BPF_JEQ, 3, 5, 1), MOV(0, 2), EXIT()};
	ck_assert_uint_eq(RUN(j32, NULL, 0), 1);
	static const struct bpf_insn j64[] = {LDDW(3, 0x100000005ull), MOV(0, 1),
	                                      JIMM(BPF_JEQ, 3, 5, 1), MOV(0, 2), EXIT()};
	ck_assert_uint_eq(RUN(j64, NULL, 0), 2);
	static const struct bpf_insn jsgt[] = {MOV(3, -1), MOV(0, 1), JIMM(BPF_JSGT, 3, -2, 1),
	                                       MOV(0, 2), EXIT()};
	ck_assert_uint_eq(RUN(jsgt, NULL, 0), 1);
	static const struct bpf_insn jgt[] = {MOV(3, 1), MOV(0, 1), JIMM(BPF_JGT, 3, -2, 1),
	                                      MOV(0, 2), EXIT()};
	ck_assert_uint_eq(RUN(jgt, NULL, 0), 2); /* -2 is huge unsigned */
	static const struct bpf_insn jslt32[] = {MOV(3, 0x80000000), MOV(0, 1),
	                                         J32IMM(BPF_JSLT, 3, 0, 1), MOV(0, 2), EXIT()};
	ck_assert_uint_eq(RUN(jslt32, NULL, 0), 1);
	static const struct bpf_insn jset[] = {MOV(3, 6), MOV(0, 1), JIMM(BPF_JSET, 3, 1, 1),
	                                       MOV(0, 2), EXIT()};
	ck_assert_uint_eq(RUN(jset, NULL, 0), 2);
	static const struct bpf_insn gotol[] = {MOV(0, 1), JIMM(BPF_JNE, 2, 0, 1),
	                                        INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), MOV(0, 2),
	                                        EXIT()};
	ck_assert_uint_eq(RUN(gotol, NULL, 0), 1);
	ck_assert_uint_eq(RUN(gotol, pkt16, 16), 2);
	static const struct bpf_insn jle_reg[] = {MOV(0, 1), JREG(BPF_JLE, 2, 2, 1), MOV(0, 2),
	                                          EXIT()};
	ck_assert_uint_eq(RUN(jle_reg, NULL, 0), 1);
}
END_TEST

/* Packet loads outside [0, len) end the filter with 0; inside they read the bytes. */
START_TEST(packet_bounds_at_run_time)
{
	static const struct bpf_insn last[] = {MOV(0, 0), LDX(BPF_B, 0, 1, 15), EXIT()};
	ck_assert_uint_eq(RUN(last, pkt16, 16), 0xff);
	ck_assert_uint_eq(RUN(last, pkt16, 15), 0);
	static const struct bpf_insn w[] = {LDX(BPF_W, 0, 1, 12), EXIT()};
	ck_assert_uint_eq(RUN(w, pkt16, 16), 0xff800e0du);
	ck_assert_uint_eq(RUN(w, pkt16, 15), 0);
	static const struct bpf_insn dw[] = {LDX(BPF_DW, 0, 1, 8), EXIT()};
	ck_assert_uint_eq(RUN(dw, pkt16, 16), 0xff800e0d0c0b0a09ull);
	ck_assert_uint_eq(RUN(dw, pkt16, 15), 0);
	static const struct bpf_insn neg[] = {MOV(0, 1), LDX(BPF_B, 3, 1, -1), EXIT()};
	ck_assert_uint_eq(RUN(neg, pkt16, 16), 0);
	static const struct bpf_insn at_len[] = {MOV(0, 1), MOVR(3, 1), ALU64_REG(BPF_ADD, 3, 2),
	                                         LDX(BPF_B, 3, 3, 0), EXIT()};
	ck_assert_uint_eq(RUN(at_len, pkt16, 16), 0);
	ck_assert_uint_eq(RUN(at_len, NULL, 0), 0);
	/* an offset that wraps around: 2^64 - 1 + 2 would be 1 */
	static const struct bpf_insn wrap[] = {MOV(0, 1), MOVR(3, 1), ALU64_IMM(BPF_SUB, 3, 1),
	                                       LDX(BPF_H, 0, 3, 1), EXIT()};
	ck_assert_uint_eq(RUN(wrap, pkt16, 16), 0x0201);
	static const struct bpf_insn wrap2[] = {MOV(0, 1), LDDW(3, -1), ALU64_REG(BPF_ADD, 3, 1),
	                                        LDX(BPF_H, 0, 3, 0), EXIT()};
	ck_assert_uint_eq(RUN(wrap2, pkt16, 16), 0);
	/* the earlier result is lost: a failed load means "no match" */
	static const struct bpf_insn late[] = {MOV(0, 1), LDX(BPF_B, 3, 1, 100), EXIT()};
	ck_assert_uint_eq(RUN(late, pkt16, 16), 0);
}
END_TEST

/* --- the example filters --- */

static struct bpf_insn *load_filter(const char *name, size_t *n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.o", BPF_FILTER_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		ck_abort_msg("%s: %s", path, strerror(errno));
	static uint8_t buf[65536];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	size_t off, count;
	int err = bpf_obj_code(buf, len, NULL, &off, &count);
	if (err)
		ck_abort_msg("%s: %s", path, bpf_obj_strerror(err));
	struct bpf_insn *p = malloc(count * sizeof(*p));
	ck_assert_ptr_nonnull(p);
	memcpy(p, buf + off, count * sizeof(*p));
	*n = count;
	return p;
}

static bool have_filters(void)
{
	if (BPF_FILTER_DIR[0])
		return true;
	fprintf(stderr, "unit.bpf: skipped the example filters: built without clang\n");
	return false;
}

static const uint8_t our_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
static const uint8_t our_ip[4] = {10, 0, 2, 200}; /* last byte >= 128: top bit of the imm */
static const uint8_t other_ip[4] = {10, 0, 2, 2};

static uint32_t le32(const uint8_t *b)
{
	uint32_t v;
	memcpy(&v, b, 4);
	return v;
}

/* A loaded, patched and verified example filter. */
struct filter {
	struct bpf_insn *p;
	size_t n;
};

static struct filter get_filter(const char *name)
{
	struct filter f;
	f.p = load_filter(name, &f.n);
	size_t ip = bpf_obj_patch(f.p, f.n, FILTER_PARAM_IP, (int32_t)le32(our_ip));
	size_t lo = bpf_obj_patch(f.p, f.n, FILTER_PARAM_MAC_LO, (int32_t)le32(peer_mac));
	size_t hi = bpf_obj_patch(f.p, f.n, FILTER_PARAM_MAC_HI, peer_mac[4] | peer_mac[5] << 8);
	size_t port = bpf_obj_patch(f.p, f.n, FILTER_PARAM_PORT, 7 << 8); /* htons(7) */
	/* each parameter the filter has is replaced exactly once */
	ck_assert_uint_eq(ip, !strcmp(name, "arp") || !strcmp(name, "icmp_echo"));
	ck_assert_uint_eq(lo, !strcmp(name, "from_mac"));
	ck_assert_uint_eq(hi, !strcmp(name, "from_mac"));
	ck_assert_uint_eq(port, !strcmp(name, "udp_port"));
	int err = bpf_verify(f.p, f.n, f.p, &ver);
	if (err)
		ck_abort_msg("%s: instruction %u: %s", name, ver.insn, bpf_strerror(err));
	return f;
}

static uint64_t match(const struct filter *f, const uint8_t *frame, size_t len)
{
	/* an exact-size copy, so that ASan sees any read past the end */
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, frame, len);
	uint64_t count = 0, r = bpf_run_counted(f->p, copy, len, &count);
	ck_assert_uint_le(count, f->n);
	free(copy);
	return r;
}

static size_t eth(uint8_t *fr, const uint8_t *src, uint16_t type)
{
	memcpy(fr, our_mac, 6);
	memcpy(fr + 6, src, 6);
	fr[12] = (uint8_t)(type >> 8);
	fr[13] = (uint8_t)type;
	return 14;
}

static size_t arp_frame(uint8_t *fr, const uint8_t *tpa)
{
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	size_t at = eth(fr, peer_mac, 0x0806);
	memcpy(fr + at, hdr, 8);
	memcpy(fr + at + 8, peer_mac, 6);
	memcpy(fr + at + 14, other_ip, 4);
	memset(fr + at + 18, 0, 6);
	memcpy(fr + at + 24, tpa, 4);
	return at + 28;
}

/* An IPv4 frame with a header of ihl words, protocol proto, to dst, then payload. */
static size_t ip_frame(uint8_t *fr, unsigned ihl, uint8_t proto, const uint8_t *dst, uint16_t frag,
                       const uint8_t *payload, size_t plen)
{
	size_t at = eth(fr, peer_mac, 0x0800);
	uint8_t *ip = fr + at;
	memset(ip, 0, ihl * 4);
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[2] = (uint8_t)((ihl * 4 + plen) >> 8);
	ip[3] = (uint8_t)(ihl * 4 + plen);
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, other_ip, 4);
	memcpy(ip + 16, dst, 4);
	memcpy(ip + ihl * 4, payload, plen);
	return at + ihl * 4 + plen;
}

/* The same frame with an 802.1Q tag inserted after the MACs. */
static size_t vlan(uint8_t *to, const uint8_t *fr, size_t len)
{
	memcpy(to, fr, 12);
	to[12] = 0x81, to[13] = 0x00, to[14] = 0x00, to[15] = 0x05;
	memcpy(to + 16, fr + 12, len - 12);
	return len + 4;
}

START_TEST(filter_arp)
{
	if (!have_filters())
		return;
	struct filter f = get_filter("arp");
	uint8_t fr[128] = {0}, tagged[132];
	size_t len = arp_frame(fr, our_ip);
	ck_assert_uint_ne(match(&f, fr, len), 0);
	ck_assert_uint_ne(match(&f, fr, 60), 0); /* padded to the minimum frame */
	for (size_t cut = 0; cut < len; cut++)
		ck_assert_uint_eq(match(&f, fr, cut), 0);
	ck_assert_uint_eq(match(&f, tagged, vlan(tagged, fr, len)), 0);
	arp_frame(fr, other_ip);
	ck_assert_uint_eq(match(&f, fr, len), 0);
	arp_frame(fr, our_ip);
	fr[12] = 0x08, fr[13] = 0x00; /* IPv4's ethertype */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	arp_frame(fr, our_ip);
	fr[19] = 16; /* plen */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	free(f.p);
}
END_TEST

START_TEST(filter_icmp_echo)
{
	if (!have_filters())
		return;
	struct filter f = get_filter("icmp_echo");
	static const uint8_t echo[16] = {8, 0, 0x12, 0x34, 0, 1, 0, 1, 'p', 'i', 'n', 'g'};
	static const uint8_t reply[16] = {0, 0, 0x12, 0x34, 0, 1, 0, 1};
	uint8_t fr[128] = {0}, tagged[132];
	size_t len = ip_frame(fr, 5, 1, our_ip, 0, echo, sizeof(echo));
	ck_assert_uint_ne(match(&f, fr, len), 0);
	for (size_t cut = 0; cut < 14 + 20 + 8; cut++)
		ck_assert_uint_eq(match(&f, fr, cut), 0);
	ck_assert_uint_ne(match(&f, fr, 14 + 20 + 8), 0); /* the ICMP header is enough */
	ck_assert_uint_eq(match(&f, tagged, vlan(tagged, fr, len)), 0);
	len = ip_frame(fr, 7, 1, our_ip, 0, echo, sizeof(echo)); /* IP options */
	ck_assert_uint_ne(match(&f, fr, len), 0);
	ck_assert_uint_eq(match(&f, fr, 14 + 28 + 7), 0);
	len = ip_frame(fr, 5, 1, other_ip, 0, echo, sizeof(echo));
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 1, our_ip, 0, reply, sizeof(reply));
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 17, our_ip, 0, echo, sizeof(echo));
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 1, our_ip, 0x2000, echo, sizeof(echo)); /* more fragments */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 1, our_ip, 0x4000, echo, sizeof(echo)); /* don't fragment */
	ck_assert_uint_ne(match(&f, fr, len), 0);
	len = ip_frame(fr, 4, 1, our_ip, 0, echo, sizeof(echo)); /* header too short */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 1, our_ip, 0, echo, sizeof(echo));
	fr[14] = 0x65; /* IPv6's version */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	free(f.p);
}
END_TEST

START_TEST(filter_udp_port)
{
	if (!have_filters())
		return;
	struct filter f = get_filter("udp_port");
	static const uint8_t to7[12] = {0x30, 0x39, 0, 7, 0, 12, 0, 0, 'e', 'c', 'h', 'o'};
	static const uint8_t to8[12] = {0x30, 0x39, 0, 8, 0, 12, 0, 0};
	static const uint8_t from7[12] = {0, 7, 0x30, 0x39, 0, 12, 0, 0};
	uint8_t fr[128] = {0}, tagged[132];
	size_t len = ip_frame(fr, 5, 17, other_ip, 0, to7, sizeof(to7));
	ck_assert_uint_ne(match(&f, fr, len), 0);
	for (size_t cut = 0; cut < 14 + 20 + 8; cut++)
		ck_assert_uint_eq(match(&f, fr, cut), 0);
	ck_assert_uint_eq(match(&f, tagged, vlan(tagged, fr, len)), 0);
	len = ip_frame(fr, 15, 17, our_ip, 0, to7, sizeof(to7)); /* the longest header */
	ck_assert_uint_ne(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 17, our_ip, 0, to8, sizeof(to8));
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 17, our_ip, 0, from7, sizeof(from7));
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 6, our_ip, 0, to7, sizeof(to7)); /* TCP */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	len = ip_frame(fr, 5, 17, our_ip, 0x0001, to7, sizeof(to7)); /* a later fragment */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	free(f.p);
}
END_TEST

START_TEST(filter_from_mac)
{
	if (!have_filters())
		return;
	struct filter f = get_filter("from_mac");
	uint8_t fr[128] = {0}, tagged[132];
	size_t len = arp_frame(fr, our_ip);
	ck_assert_uint_ne(match(&f, fr, len), 0);
	ck_assert_uint_ne(match(&f, fr, 14), 0);
	ck_assert_uint_eq(match(&f, fr, 13), 0);
	ck_assert_uint_eq(match(&f, fr, 0), 0);
	ck_assert_uint_ne(match(&f, tagged, vlan(tagged, fr, len)), 0); /* tags come after */
	eth(fr, our_mac, 0x0800);
	ck_assert_uint_eq(match(&f, fr, len), 0);
	eth(fr, peer_mac, 0x0800);
	fr[11] ^= 1; /* the last byte differs */
	ck_assert_uint_eq(match(&f, fr, len), 0);
	free(f.p);
}
END_TEST

/* --- the object reader --- */

/* A BPF object by hand: ELF header, then code, then the section headers (null, .text,
 * optionally .rel.text, .shstrtab), then the names. */
static size_t make_obj(uint8_t *buf, const struct bpf_insn *code, size_t n, bool rel,
                       uint16_t machine)
{
	static const char names[] = "\0.text\0.rel.text\0.shstrtab";
	size_t code_off = 64, sh_off = code_off + n * 8, nsh = rel ? 4 : 3;
	size_t names_off = sh_off + nsh * 64;
	memset(buf, 0, names_off + sizeof(names));
	memcpy(buf,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	uint16_t h16[] = {1 /* ET_REL */, machine};
	memcpy(buf + 16, h16, 4);
	uint64_t shoff = sh_off;
	memcpy(buf + 40, &shoff, 8);
	uint16_t tail[] = {64, 0, 0, 64, (uint16_t)nsh, (uint16_t)(nsh - 1)};
	memcpy(buf + 52, tail, sizeof(tail));
	memcpy(buf + code_off, code, n * 8);
	struct {
		uint32_t name, type;
		uint64_t flags, addr, offset, size;
		uint32_t link, info;
		uint64_t align, entsize;
	} sh[4] = {{0}};
	sh[1] = (typeof(sh[1])){.name = 1, .type = 1, .offset = code_off, .size = n * 8};
	if (rel)
		sh[2] = (typeof(sh[2])){
		        .name = 7, .type = 9, .offset = code_off, .size = 16, .info = 1};
	sh[nsh - 1] =
	        (typeof(sh[0])){.name = 17, .type = 3, .offset = names_off, .size = sizeof(names)};
	memcpy(buf + sh_off, sh, nsh * 64);
	memcpy(buf + names_off, names, sizeof(names));
	return names_off + sizeof(names);
}

START_TEST(object_reader)
{
	static const struct bpf_insn code[] = {
	        MOV(0, FILTER_PARAM_IP), JIMM(BPF_JEQ, 2, FILTER_PARAM_IP, 0),
	        LDDW(3, ((uint64_t)FILTER_PARAM_IP << 32) | 5), EXIT()};
	static uint8_t buf[1024];
	size_t off, n, len = make_obj(buf, code, N(code), false, 247);
	ck_assert_int_eq(bpf_obj_code(buf, len, NULL, &off, &n), BPF_OBJ_OK);
	ck_assert_uint_eq(off, 64);
	ck_assert_uint_eq(n, N(code));
	ck_assert_int_eq(bpf_obj_code(buf, len, ".text", &off, &n), BPF_OBJ_OK);
	ck_assert_int_eq(bpf_obj_code(buf, len, "xdp", &off, &n), BPF_OBJ_ENOCODE);
	ck_assert_int_eq(bpf_obj_code(buf, len, ".tex", &off, &n), BPF_OBJ_ENOCODE);
	for (size_t cut = 0; cut < len; cut++) {
		int err = bpf_obj_code(buf, cut, NULL, &off, &n);
		ck_assert_int_eq(err, cut < 4                           ? BPF_OBJ_ENOTELF
		                      : cut < 64 + N(code) * 8 + 3 * 64 ? BPF_OBJ_ETRUNC
		                                                        : BPF_OBJ_ENOCODE);
	}
	/* the placeholder, in an ALU and a jump immediate and an LDDW's high half */
	struct bpf_insn p[N(code)];
	memcpy(p, code, sizeof(p));
	ck_assert_uint_eq(bpf_obj_patch(p, N(p), FILTER_PARAM_IP, 42), 3);
	ck_assert_uint_eq(RUN(p, NULL, 0), 42);
	ck_assert_uint_eq(p[3].imm, 42);
	ck_assert_uint_eq(bpf_obj_patch(p, N(p), FILTER_PARAM_IP, 42), 0);

	len = make_obj(buf, code, N(code), true, 247);
	ck_assert_int_eq(bpf_obj_code(buf, len, NULL, &off, &n), BPF_OBJ_ERELOC);
	ck_assert_str_eq(bpf_obj_strerror(BPF_OBJ_ERELOC),
	                 "the code has relocations: filters cannot use maps, global variables or "
	                 "calls");
	len = make_obj(buf, code, N(code), false, 62);
	ck_assert_int_eq(bpf_obj_code(buf, len, NULL, &off, &n), BPF_OBJ_EMACHINE);
	len = make_obj(buf, code, N(code), false, 247);
	buf[4] = 1; /* 32-bit */
	ck_assert_int_eq(bpf_obj_code(buf, len, NULL, &off, &n), BPF_OBJ_EFORMAT);
	len = make_obj(buf, code, N(code), false, 247);
	buf[64 + N(code) * 8 + 64 + 32] = 12; /* .text's size: not whole instructions */
	ck_assert_int_eq(bpf_obj_code(buf, len, NULL, &off, &n), BPF_OBJ_ESIZE);
	len = make_obj(buf, code, 0, false, 247);
	ck_assert_int_eq(bpf_obj_code(buf, len, NULL, &off, &n), BPF_OBJ_ENOCODE);
	for (int e = 0; e > -BPF_OBJ_NERRORS; e--)
		ck_assert_str_ne(bpf_obj_strerror(e), "unknown error");
	ck_assert_str_eq(bpf_obj_strerror(1), "unknown error");
	for (int e = 0; e > -BPF_NERRORS; e--)
		ck_assert_str_ne(bpf_strerror(e), "unknown error");
	ck_assert_str_eq(bpf_strerror(-BPF_NERRORS), "unknown error");
}
END_TEST

/* --- fuzz --- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Opcodes worth generating: every valid one, and a few neighbours. */
static uint8_t any_code(void)
{
	static const uint8_t common[] = {
	        0x07, 0x0f, 0x17, 0x1f, 0x27, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77,
	        0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7, 0x04, 0x0c, 0x14,
	        0x1c, 0x24, 0x34, 0x3c, 0x44, 0x54, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4,
	        0xac, 0xb4, 0xbc, 0xc4, 0xd4, 0xdc, 0x05, 0x06, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x45,
	        0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0xa5, 0xad, 0xb5, 0xc5, 0xd5, 0x16, 0x1e, 0x26,
	        0x56, 0x66, 0xa6, 0xb6, 0x95, 0x95, 0x95, 0x18, 0x61, 0x69, 0x71, 0x79, 0x81, 0x89,
	        0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0x85, 0xdb, 0x30, 0x20};
	return next_rand() % 8 ? common[next_rand() % sizeof(common)] : (uint8_t)next_rand();
}

static uint8_t any_reg(void)
{
	return next_rand() % 16 ? (uint8_t)(next_rand() % 11) : (uint8_t)(next_rand() % 16);
}

static struct bpf_insn any_insn(size_t i, size_t n)
{
	struct bpf_insn in = {.code = any_code()};
	in.regs = (uint8_t)(any_reg() | any_reg() << 4);
	switch (next_rand() % 4) {
	case 0: /* a small forward jump or stack offset */
		in.off = (int16_t)(next_rand() % 2 ? (int64_t)(next_rand() % (n - i + 1))
		                                   : -(int64_t)(next_rand() % 140));
		break;
	case 1:
		in.off = (int16_t)(next_rand() % 3 ? 0 : next_rand());
		break;
	default:
		in.off = (int16_t)(next_rand() % 40);
	}
	switch (next_rand() % 4) {
	case 0:
		in.imm = (int32_t)next_rand();
		break;
	case 1:
		in.imm = (int32_t)(1 << (next_rand() % 3 + 4)); /* swap widths */
		break;
	default:
		in.imm = (int32_t)(next_rand() % 64) - 8;
	}
	return in;
}

static const struct bpf_insn seeds[][12] = {
        {LDX(BPF_H, 3, 1, 12), MOV(0, 0), JIMM(BPF_JNE, 3, 8, 3), LDX(BPF_B, 3, 1, 23),
         JIMM(BPF_JNE, 3, 17, 1), MOV(0, 1), EXIT()},
        {ST(BPF_DW, 10, -8, 3), MOVR(3, 10), ALU64_IMM(BPF_ADD, 3, -8), LDX(BPF_DW, 0, 3, 0),
         ALU64_REG(BPF_ADD, 1, 0), LDX(BPF_B, 0, 1, 0), EXIT()},
        {MOV(0, 5), LDDW(4, -1), ALU64_REG(BPF_DIV, 0, 2), ALU32_REG(BPF_MOD, 0, 4),
         JREG(BPF_JGT, 0, 2, 1), INSN(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 16), EXIT()},
};

/* Runs an accepted program on random packets of exact sizes: under ASan any read
 * outside the packet or the stack aborts. It must end within its length and its
 * result must not depend on anything but the packet (two runs agree). */
static void run_accepted(size_t n)
{
	for (int k = 0; k < 3; k++) {
		size_t len = next_rand() % 80;
		uint8_t *pkt = malloc(len ? len : 1);
		for (size_t b = 0; b < len; b++)
			pkt[b] = (uint8_t)next_rand();
		uint64_t count = 0, r = bpf_run_counted(out, pkt, len, &count);
		/* plain ifs: Check's assertions are slow in a loop this long */
		if (count > n || bpf_run(out, pkt, len) != r)
			ck_abort_msg("ran %llu of %zu instructions, or two runs differ",
			             (unsigned long long)count, n);
		free(pkt);
	}
}

/* 10^6 programs; bench/bpf_fuzz.sh runs more with BPF_FUZZ_COUNT and BPF_FUZZ_SEED. */
START_TEST(fuzz_verifier)
{
	static struct bpf_insn p[64];
	long accepted = 0, refused[BPF_NERRORS] = {0};
	const char *count_env = getenv("BPF_FUZZ_COUNT"), *seed_env = getenv("BPF_FUZZ_SEED");
	long count = count_env ? atol(count_env) : 1000000;
	if (seed_env)
		rng = strtoull(seed_env, NULL, 0) * 0x9e3779b97f4a7c15ull | 1;
	ck_assert_int_ge(count, 100000);
	for (long iter = 0; iter < count; iter++) {
		size_t n;
		if (next_rand() % 2) { /* random */
			n = 1 + next_rand() % N(p);
			for (size_t i = 0; i < n; i++)
				p[i] = any_insn(i, n);
			if (next_rand() % 2)
				p[n - 1] = EXIT();
		} else { /* a valid program with one to three changes */
			const struct bpf_insn *s = seeds[next_rand() % N(seeds)];
			for (n = N(seeds[0]); s[n - 1].code == 0; n--) /* up to the EXIT */
				;
			memcpy(p, s, n * sizeof(*p));
			for (int m = 1 + (int)(next_rand() % 3); m > 0; m--) {
				size_t i = next_rand() % n;
				unsigned how = next_rand() % 3;
				if (how == 0)
					p[i] = any_insn(i, n);
				else if (how == 1 && p[i].code != 0) /* a new constant */
					p[i].imm = (int32_t)next_rand() >> (next_rand() % 32);
				else
					((uint8_t *)&p[i])[next_rand() % 8] ^=
					        (uint8_t)(1u << (next_rand() % 8));
			}
		}
		int err = verify(p, n);
		if (err > 0 || err <= -BPF_NERRORS || ver.insn >= n)
			ck_abort_msg("bad verdict %d at instruction %u of %zu", err, ver.insn, n);
		refused[-err]++;
		if (err == BPF_OK) {
			accepted++;
			run_accepted(n);
		}
	}
	/* The generator reaches both sides and most refusals. */
	printf("unit.bpf fuzz: %ld programs, %ld accepted and run\n", count, accepted);
	ck_assert_int_gt(accepted, count / 100);
	int kinds = 0;
	for (int e = 1; e < BPF_NERRORS; e++)
		kinds += refused[e] > 0;
	ck_assert_int_ge(kinds, BPF_NERRORS - 5); /* not EEMPTY, ETOOLONG, ECOMPLEX */
}
END_TEST

Suite *bpf_suite(void)
{
	Suite *s = suite_create("bpf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, accepts_minimal);
	tcase_add_test(tc, refuses_empty_and_too_long);
	tcase_add_test(tc, limit_is_the_abis);
	tcase_add_test(tc, refuses_unknown_opcodes);
	tcase_add_test(tc, refuses_calls_atomics_legacy);
	tcase_add_test(tc, refuses_bad_fields_and_registers);
	tcase_add_test(tc, refuses_backward_and_wild_jumps);
	tcase_add_test(tc, refuses_bad_lddw);
	tcase_add_test(tc, refuses_fallthrough_unreachable_complex);
	tcase_add_test(tc, refuses_uninitialised_registers);
	tcase_add_test(tc, refuses_pointer_misuse);
	tcase_add_test(tc, refuses_stack_misuse);
	tcase_add_test(tc, division_by_zero);
	tcase_add_test(tc, shifts_swaps_and_extensions);
	tcase_add_test(tc, jumps);
	tcase_add_test(tc, packet_bounds_at_run_time);
	tcase_add_test(tc, filter_arp);
	tcase_add_test(tc, filter_icmp_echo);
	tcase_add_test(tc, filter_udp_port);
	tcase_add_test(tc, filter_from_mac);
	tcase_add_test(tc, object_reader);
	suite_add_tcase(s, tc);

	TCase *fuzz = tcase_create("fuzz");
	tcase_set_timeout(fuzz, 600);
	tcase_add_test(fuzz, fuzz_verifier);
	suite_add_tcase(s, fuzz);
	return s;
}
