/* The eBPF filter verifier. See bpf.h and docs/ebpf.md.
 *
 * Two passes. The first checks each instruction alone: a known opcode, the fields it
 * does not use zero, registers in range, jumps forward to the start of an instruction.
 * The second follows the values: because every jump goes forward, the instructions in
 * index order are a topological order of the control-flow graph, so one pass suffices.
 * The state before an instruction is the meet of the states of the paths into it: the
 * one falling through and those of the jumps to it, parked in a small pool until the
 * pass reaches their target. A state says, for each register, whether it holds a
 * number, a packet pointer or a stack pointer (at which offset), or nothing known, and
 * which stack bytes were written. */
#include "bpf.h"

#include <stdbool.h>

#include "kstring.h"

enum { T_UNINIT, T_SCALAR, T_PKT, T_STACK };

#define NO_TARGET 0xffffffffu

struct vctx {
	const struct bpf_insn *p;
	size_t n;
	struct bpf_verifier *v;
	uint64_t *half;      /* v->half: the second halves of LDDW */
	uint32_t min_target; /* the first instruction a parked state waits for */
};

static bool bit(const uint64_t *map, size_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t *map, size_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static bool is_half(const struct vctx *c, size_t i)
{
	return bit(c->half, i);
}

/* Instructions take one slot, LDDW two: the loops step by this, not testing halves. */
static size_t width(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
}

/* --- pass 1: each instruction alone --- */

static int check_jump_target(const struct vctx *c, size_t i, int64_t delta)
{
	int64_t t = (int64_t)i + 1 + delta;

	if (t <= (int64_t)i)
		return BPF_EJUMPBACK;
	if (t >= (int64_t)c->n || is_half(c, (size_t)t))
		return BPF_EJUMPRANGE;
	return BPF_OK;
}

static int check_ld(const struct vctx *c, size_t i)
{
	const struct bpf_insn *in = &c->p[i];

	if (in->code != (BPF_LD | BPF_IMM | BPF_DW)) {
		unsigned mode = BPF_MODE(in->code);
		return mode == BPF_ABS || mode == BPF_IND ? BPF_ELEGACY : BPF_EOPCODE;
	}
	if (i + 1 >= c->n)
		return BPF_ELDDW;
	const struct bpf_insn *hi = &c->p[i + 1];
	if (hi->code != 0 || hi->regs != 0 || hi->off != 0)
		return BPF_ELDDW;
	if (bpf_src(in) >= 1 && bpf_src(in) <= 6) /* map fd/value, BTF var, function... */
		return BPF_EMAP;
	if (bpf_src(in) != 0 || in->off != 0)
		return BPF_EFIELD;
	return bpf_dst(in) >= 10 ? BPF_EREG : BPF_OK;
}

static int check_mem(const struct bpf_insn *in)
{
	unsigned cls = BPF_CLASS(in->code), mode = BPF_MODE(in->code);
	unsigned size = BPF_SIZE(in->code);

	switch (cls) {
	case BPF_LDX:
		if (mode != BPF_MEM && !(mode == BPF_MEMSX && size != BPF_DW))
			return BPF_EOPCODE;
		if (in->imm != 0)
			return BPF_EFIELD;
		return bpf_dst(in) >= 10 || bpf_src(in) > 10 ? BPF_EREG : BPF_OK;
	case BPF_ST:
		if (mode != BPF_MEM)
			return BPF_EOPCODE;
		if (bpf_src(in) != 0)
			return BPF_EFIELD;
		return bpf_dst(in) > 10 ? BPF_EREG : BPF_OK;
	default: /* STX */
		if (mode == BPF_ATOMIC && (size == BPF_W || size == BPF_DW))
			return BPF_EATOMIC;
		if (mode != BPF_MEM)
			return BPF_EOPCODE;
		if (in->imm != 0)
			return BPF_EFIELD;
		return bpf_dst(in) > 10 || bpf_src(in) > 10 ? BPF_EREG : BPF_OK;
	}
}

/* The offsets an ALU instruction may carry: SDIV/SMOD (1) and MOVSX (8, 16, 32). */
static bool alu_off_ok(const struct bpf_insn *in)
{
	unsigned op = BPF_OP(in->code);
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;

	if (in->off == 0)
		return true;
	if (op == BPF_DIV || op == BPF_MOD)
		return in->off == 1;
	if (op == BPF_MOV && BPF_SRC(in->code) == BPF_X)
		return in->off == 8 || in->off == 16 || (is64 && in->off == 32);
	return false;
}

static int check_alu(const struct bpf_insn *in)
{
	unsigned op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X;

	if (op > BPF_END)
		return BPF_EOPCODE;
	if (op == BPF_END) {
		if (BPF_CLASS(in->code) == BPF_ALU64 && x) /* ALU64 | END is BSWAP only */
			return BPF_EOPCODE;
		if (in->regs >> 4 || in->off || (in->imm != 16 && in->imm != 32 && in->imm != 64))
			return BPF_EFIELD;
		return bpf_dst(in) >= 10 ? BPF_EREG : BPF_OK;
	}
	if (op == BPF_NEG && x)
		return BPF_EOPCODE;
	if ((x && in->imm != 0) || (!x && bpf_src(in) != 0) || (op == BPF_NEG && in->imm != 0) ||
	    !alu_off_ok(in))
		return BPF_EFIELD;
	return bpf_dst(in) >= 10 || bpf_src(in) > 10 ? BPF_EREG : BPF_OK;
}

static int check_jmp(const struct vctx *c, size_t i)
{
	const struct bpf_insn *in = &c->p[i];
	unsigned op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X, j32 = BPF_CLASS(in->code) == BPF_JMP32;

	if (op > BPF_JSLE)
		return BPF_EOPCODE;
	if (op == BPF_CALL)
		return j32 ? BPF_EOPCODE : BPF_ECALL;
	if (op == BPF_EXIT) {
		if (j32 || x)
			return BPF_EOPCODE;
		return in->regs || in->off || in->imm ? BPF_EFIELD : BPF_OK;
	}
	if (op == BPF_JA) {
		if (x)
			return BPF_EOPCODE;
		/* JMP | JA jumps by off; JMP32 | JA ("gotol") by imm. */
		if (in->regs || (j32 ? in->off : in->imm))
			return BPF_EFIELD;
		return check_jump_target(c, i, j32 ? in->imm : in->off);
	}
	if ((x && in->imm != 0) || (!x && bpf_src(in) != 0))
		return BPF_EFIELD;
	if (bpf_dst(in) > 10 || bpf_src(in) > 10)
		return BPF_EREG;
	return check_jump_target(c, i, in->off);
}

static int check_insn(const struct vctx *c, size_t i)
{
	switch (BPF_CLASS(c->p[i].code)) {
	case BPF_LD:
		return check_ld(c, i);
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		return check_mem(&c->p[i]);
	case BPF_ALU:
	case BPF_ALU64:
		return check_alu(&c->p[i]);
	default:
		return check_jmp(c, i);
	}
}

/* --- pass 2: the values --- */

static unsigned type_of(const struct bpf_state *s, unsigned r)
{
	return r == 10 ? T_STACK : s->reg[r] & 0xff;
}

static int16_t off_of(const struct bpf_state *s, unsigned r)
{
	return r == 10 ? 0 : (int16_t)(s->reg[r] >> 16);
}

static void set_reg(struct bpf_state *s, unsigned r, unsigned type, int16_t off)
{
	s->reg[r] = type | (uint32_t)(uint16_t)off << 16;
}

/* What a register holds, for an operand that must be a number. */
static int need_scalar(const struct bpf_state *s, unsigned r, int if_pointer)
{
	unsigned t = type_of(s, r);
	return t == T_UNINIT ? BPF_EUNINIT : t == T_SCALAR ? BPF_OK : if_pointer;
}

/* Where paths meet: a register keeps what it holds only if it holds it on both (one
 * word compare: only stack pointers have a nonzero offset). */
static void meet(struct bpf_state *into, const struct bpf_state *from)
{
	for (unsigned r = 0; r < 10; r++)
		if (into->reg[r] != from->reg[r])
			into->reg[r] = T_UNINIT;
	for (unsigned w = 0; w < BPF_STACK_SIZE / 64; w++)
		into->init[w] &= from->init[w];
}

/* The byte range [r + off, + size) of a stack access, relative to the stack's bottom:
 * -1 if it is not inside the stack. */
static int stack_slot(const struct bpf_state *s, unsigned r, int16_t off, unsigned size)
{
	int32_t lo = (int32_t)off_of(s, r) + off + BPF_STACK_SIZE;
	return lo < 0 || lo + (int32_t)size > BPF_STACK_SIZE ? -1 : lo;
}

static unsigned size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static int step_ldx(struct vctx *c, struct bpf_state *s, size_t i)
{
	const struct bpf_insn *in = &c->p[i];
	unsigned base = bpf_src(in), size = size_bytes(in->code);

	switch (type_of(s, base)) {
	case T_UNINIT:
		return BPF_EUNINIT;
	case T_SCALAR:
		return BPF_EBASE;
	case T_PKT:
		set_bit(c->v->pktload, i); /* checked against the length at run time */
		break;
	default: {
		int lo = stack_slot(s, base, in->off, size);
		if (lo < 0)
			return BPF_ESTACK;
		for (unsigned b = 0; b < size; b++)
			if (!bit(s->init, (size_t)lo + b))
				return BPF_ESTACKUNINIT;
	}
	}
	set_reg(s, bpf_dst(in), T_SCALAR, 0);
	return BPF_OK;
}

static int step_store(struct bpf_state *s, const struct bpf_insn *in)
{
	unsigned base = bpf_dst(in), size = size_bytes(in->code);

	switch (type_of(s, base)) {
	case T_UNINIT:
		return BPF_EUNINIT;
	case T_SCALAR:
		return BPF_EBASE;
	case T_PKT:
		return BPF_EPKTSTORE;
	}
	int lo = stack_slot(s, base, in->off, size);
	if (lo < 0)
		return BPF_ESTACK;
	if (BPF_CLASS(in->code) == BPF_STX) {
		/* No pointer spills: the stack holds numbers only. */
		int err = need_scalar(s, bpf_src(in), BPF_EPTRLEAK);
		if (err)
			return err;
	}
	for (unsigned b = 0; b < size; b++)
		set_bit(s->init, (size_t)lo + b);
	return BPF_OK;
}

/* pointer +- number. A packet pointer may move anywhere (its loads are checked at run
 * time); a stack pointer moves by constants only and stays inside the stack. */
static int pointer_arith(struct bpf_state *s, const struct bpf_insn *in)
{
	unsigned op = BPF_OP(in->code), d = bpf_dst(in), sr = bpf_src(in);
	bool x = BPF_SRC(in->code) == BPF_X;
	unsigned td = type_of(s, d), ts = x ? type_of(s, sr) : T_SCALAR;

	if (BPF_CLASS(in->code) != BPF_ALU64 || (op != BPF_ADD && op != BPF_SUB))
		return BPF_EPTRARITH;
	if (td == T_SCALAR && ts == T_PKT && op == BPF_ADD) { /* number + packet pointer */
		set_reg(s, d, T_PKT, 0);
		return BPF_OK;
	}
	if (ts != T_SCALAR)
		return BPF_EPTRARITH; /* pointer +- pointer, number - pointer, number + stack */
	if (td == T_PKT)
		return BPF_OK;
	if (x)
		return BPF_EPTRARITH; /* a stack pointer by a variable */
	int64_t off =
	        (int64_t)off_of(s, d) + (op == BPF_ADD ? (int64_t)in->imm : -(int64_t)in->imm);
	if (off < -BPF_STACK_SIZE || off > 0)
		return BPF_EPTRARITH;
	set_reg(s, d, T_STACK, (int16_t)off);
	return BPF_OK;
}

static int step_alu(struct bpf_state *s, const struct bpf_insn *in)
{
	unsigned op = BPF_OP(in->code), d = bpf_dst(in), sr = bpf_src(in);
	/* END's source bit picks the byte order: it has no source register. */
	bool x = BPF_SRC(in->code) == BPF_X && op != BPF_END;
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;

	if (op == BPF_MOV) {
		if (!x) {
			set_reg(s, d, T_SCALAR, 0);
			return BPF_OK;
		}
		unsigned ts = type_of(s, sr);
		if (ts == T_UNINIT)
			return BPF_EUNINIT;
		if (ts != T_SCALAR && (!is64 || in->off != 0))
			return BPF_EPTRARITH; /* truncating or sign-extending a pointer */
		set_reg(s, d, ts, off_of(s, sr));
		return BPF_OK;
	}
	if (type_of(s, d) == T_UNINIT || (x && type_of(s, sr) == T_UNINIT))
		return BPF_EUNINIT;
	if (type_of(s, d) != T_SCALAR || (x && type_of(s, sr) != T_SCALAR))
		return op == BPF_NEG || op == BPF_END ? BPF_EPTRARITH : pointer_arith(s, in);
	set_reg(s, d, T_SCALAR, 0);
	return BPF_OK;
}

/* Parks the state s for the jump target t, meeting it with one already waiting there. */
static int park(struct vctx *c, const struct bpf_state *s, uint32_t t)
{
	struct bpf_verifier *v = c->v;

	if (t < c->min_target)
		c->min_target = t;
	for (uint32_t k = 0; k < v->npending; k++)
		if (v->pending[k].target == t) {
			meet(&v->pending[k], s);
			return BPF_OK;
		}
	if (v->npending == BPF_MAX_PENDING)
		return BPF_ECOMPLEX;
	v->pending[v->npending] = *s;
	v->pending[v->npending++].target = t;
	return BPF_OK;
}

/* The state waiting for instruction i, if any, taken out of the pool into *s (met
 * with *s if the previous instruction falls through). Returns whether i is reached. */
static bool arrive(struct bpf_verifier *v, struct bpf_state *s, bool live, uint32_t i)
{
	for (uint32_t k = 0; k < v->npending; k++)
		if (v->pending[k].target == i) {
			if (live)
				meet(s, &v->pending[k]);
			else
				*s = v->pending[k];
			v->pending[k] = v->pending[--v->npending];
			return true;
		}
	return live;
}

static uint32_t next_target(const struct bpf_verifier *v)
{
	uint32_t t = NO_TARGET;
	for (uint32_t k = 0; k < v->npending; k++)
		if (v->pending[k].target < t)
			t = v->pending[k].target;
	return t;
}

static int step_jmp(struct vctx *c, struct bpf_state *s, size_t i, bool *live)
{
	const struct bpf_insn *in = &c->p[i];
	unsigned op = BPF_OP(in->code);

	if (op == BPF_EXIT) {
		*live = false;
		return need_scalar(s, 0, BPF_EPTRLEAK);
	}
	if (op == BPF_JA) {
		*live = false;
		int32_t d = BPF_CLASS(in->code) == BPF_JMP32 ? in->imm : in->off;
		return park(c, s, (uint32_t)((int64_t)i + 1 + d));
	}
	int err = need_scalar(s, bpf_dst(in), BPF_EPTRLEAK);
	if (!err && BPF_SRC(in->code) == BPF_X)
		err = need_scalar(s, bpf_src(in), BPF_EPTRLEAK);
	return err ? err : park(c, s, (uint32_t)((int64_t)i + 1 + in->off));
}

static int step(struct vctx *c, struct bpf_state *s, size_t i, bool *live)
{
	const struct bpf_insn *in = &c->p[i];

	switch (BPF_CLASS(in->code)) {
	case BPF_LD:
		set_reg(s, bpf_dst(in), T_SCALAR, 0);
		return BPF_OK;
	case BPF_LDX:
		return step_ldx(c, s, i);
	case BPF_ST:
	case BPF_STX:
		return step_store(s, in);
	case BPF_ALU:
	case BPF_ALU64:
		return step_alu(s, in);
	default:
		return step_jmp(c, s, i, live);
	}
}

static int flow(struct vctx *c)
{
	struct bpf_verifier *v = c->v;
	struct bpf_state s;
	bool live = true;
	uint32_t last = 0;

	memset(&s, 0, sizeof(s));
	set_reg(&s, 1, T_PKT, 0);
	set_reg(&s, 2, T_SCALAR, 0);
	for (uint32_t i = 0; i < c->n; i += (uint32_t)width(&c->p[i])) {
		last = i;
		if (i == c->min_target) {
			live = arrive(v, &s, live, i);
			c->min_target = next_target(v);
		}
		v->insn = i;
		if (!live)
			return BPF_EUNREACHABLE;
		int err = step(c, &s, i, &live);
		if (err)
			return err;
	}
	v->insn = last;
	return live ? BPF_EFALLTHROUGH : BPF_OK;
}

static int verify(struct vctx *c)
{
	struct bpf_verifier *v = c->v;

	if (c->n == 0)
		return BPF_EEMPTY;
	if (c->n > BPF_MAX_INSNS)
		return BPF_ETOOLONG;
	memset(c->half, 0, (c->n + 63) / 64 * sizeof(uint64_t));
	for (size_t i = 0; i + 1 < c->n; i += width(&c->p[i]))
		if (width(&c->p[i]) == 2)
			set_bit(c->half, i + 1);
	for (size_t i = 0; i < c->n; i += width(&c->p[i])) {
		v->insn = (uint32_t)i;
		int err = check_insn(c, i);
		if (err)
			return err;
	}
	return flow(c);
}

/* Whether the instruction reads a source register (its src field). */
static bool has_src(const struct bpf_insn *in)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_LDX:
	case BPF_STX:
		return true;
	case BPF_ALU:
	case BPF_ALU64:
		return BPF_SRC(in->code) == BPF_X && BPF_OP(in->code) != BPF_END;
	case BPF_JMP:
	case BPF_JMP32:
		return BPF_SRC(in->code) == BPF_X;
	default:
		return false;
	}
}

/* The form bpf_run takes (bpf.h): packet loads and MOVSX get their own codes, and an
 * instruction with a source register has it in imm (unused then), regs holding dst
 * alone, so the interpreter indexes the registers without unpacking nibbles. */
static struct bpf_insn runnable(struct bpf_insn x, bool pktload)
{
	if (pktload)
		x.code = (uint8_t)(BPF_LDX | BPF_SIZE(x.code) |
		                   (BPF_MODE(x.code) == BPF_MEMSX ? BPF_XPKTSX : BPF_XPKT));
	else if ((BPF_CLASS(x.code) == BPF_ALU || BPF_CLASS(x.code) == BPF_ALU64) &&
	         BPF_OP(x.code) == BPF_MOV && x.off != 0)
		x.code = (uint8_t)(BPF_CLASS(x.code) | BPF_XMOVSX);
	if (has_src(&x)) {
		x.imm = (int32_t)bpf_src(&x);
		x.regs = (uint8_t)bpf_dst(&x);
	}
	return x;
}

int bpf_verify(const struct bpf_insn *in, size_t n, struct bpf_insn *out, struct bpf_verifier *v)
{
	struct vctx c = {.p = in, .n = n, .v = v, .half = v->half, .min_target = NO_TARGET};

	v->insn = 0;
	v->npending = 0;
	if (n <= BPF_MAX_INSNS) /* only the words this program uses */
		memset(v->pktload, 0, (n + 63) / 64 * sizeof(uint64_t));
	v->err = verify(&c);
	if (v->err)
		return v->err;
	v->insn = 0;
	for (size_t i = 0; i < n; i += width(&in[i])) {
		if (width(&in[i]) == 2)
			out[i + 1] = in[i + 1];
		out[i] = runnable(in[i], bit(v->pktload, i));
	}
	return BPF_OK;
}

/* The limits in the messages are the constants themselves, spelled out by the
 * preprocessor, so a message cannot disagree with what the verifier checks. */
#define STR_(x) #x
#define STR(x)  STR_(x)

static const char *const messages[BPF_NERRORS] = {
        [-BPF_OK] = "accepted",
        [-BPF_EEMPTY] = "the program has no instruction",
        [-BPF_ETOOLONG] = "the program is longer than " STR(BPF_MAX_INSNS) " instructions",
        [-BPF_EOPCODE] = "unknown or unsupported opcode",
        [-BPF_ECALL] = "calls (helpers, tail calls, subprograms) are not allowed",
        [-BPF_EATOMIC] = "atomic operations are not allowed",
        [-BPF_ELEGACY] = "legacy packet loads (LD ABS/IND) are not supported: use r1",
        [-BPF_EFIELD] = "a field this instruction does not use is nonzero, or has a bad value",
        [-BPF_EREG] = "register number above r10, or a write to r10",
        [-BPF_EJUMPBACK] = "jump backward or to itself (only forward jumps are allowed)",
        [-BPF_EJUMPRANGE] = "jump past the end or into the middle of an LDDW",
        [-BPF_ELDDW] = "LDDW cut by the end of the program or with a bad second half",
        [-BPF_EMAP] = "LDDW of a map, variable or function (relocations are not supported)",
        [-BPF_EFALLTHROUGH] = "the last instruction can run off the end of the program",
        [-BPF_EUNREACHABLE] = "unreachable instruction",
        [-BPF_ECOMPLEX] = "more than " STR(BPF_MAX_PENDING) " forward-jump targets pending at once",
        [-BPF_EUNINIT] = "register read before it is written on some path",
        [-BPF_EPTRARITH] = "pointer arithmetic other than pointer +- number, or a stack "
                           "pointer leaving the stack",
        [-BPF_EPTRLEAK] = "pointer used as a number (compared, stored or returned)",
        [-BPF_EBASE] = "load or store through a register that holds no pointer",
        [-BPF_EPKTSTORE] = "store into the packet (it is read-only)",
        [-BPF_ESTACK] = "stack access outside the " STR(BPF_STACK_SIZE) " bytes below r10",
        [-BPF_ESTACKUNINIT] = "stack read of bytes not written on every path",
};

const char *bpf_strerror(int err)
{
	if (err > 0 || err <= -BPF_NERRORS)
		return "unknown error";
	return messages[-err];
}

char *bpf_describe(const struct bpf_verifier *v, char *buf, size_t size)
{
	static const char head[] = "instruction ";
	char num[12];
	size_t k = sizeof(num), at = 0;
	uint32_t x = v->insn;

	if (size == 0)
		return buf;
	do
		num[--k] = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	const char *parts[] = {head, "", ": ", bpf_strerror(v->err)};
	size_t lens[] = {sizeof(head) - 1, sizeof(num) - k, 2, strlen(parts[3])};
	parts[1] = num + k;
	for (unsigned p = 0; p < 4; p++)
		for (size_t j = 0; j < lens[p] && at + 1 < size; j++)
			buf[at++] = parts[p][j];
	buf[at] = '\0';
	return buf;
}
